"""Stories recognised at ingest: which earlier article tells the same story as a new one. Pure (numpy only).

One agency text printed by three outlets, an article updated in place under a new URL, a close
rewrite of a report: these are one story. Every paragraph stored gets a story id, the article id
of the story's first indexed report (its own id when it starts a story), so that answers
(index.answers.recency) and subscriptions (index.subscriptions.stories) read one relation
instead of comparing vectors each time.

A new article joins the story of an earlier article when one of its paragraphs is nearly the same
text as one of the earlier article's (cosine of the stored unit vectors ≥ STORY_SIMILARITY, less
CROSS_LANGUAGE_OFFSET for a translation), both paragraphs have at least MIN_WORDS words (a shared
boilerplate line, "Mit Material von dpa", joins nothing), and the two were published within
STORY_WINDOW of each other (articles without a date are compared with any). Of several such
articles the oldest decides (then the closest), so a story keeps its first report's id. The thresholds and how they were chosen: docs/news-over-time.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

STORY_SIMILARITY = 0.95  # copies from other outlets score ≥ 0.966, distinct articles on one topic up to 0.92 (docs/news-over-time.md)
# multilingual-e5 scores a translation 0.05-0.1 lower than the same text: a translated copy needs this much less.
CROSS_LANGUAGE_OFFSET = 0.06
STORY_WINDOW = dt.timedelta(days=14)  # reports of one story further apart than this start a new story
MIN_WORDS = 12  # shorter paragraphs (bylines, boilerplate, captions) never join two articles


@dataclass(frozen=True)
class StoredParagraph:
    """A paragraph already in the index, as found near a new paragraph."""

    article_id: str
    story: str | None  # None: stored before story ids were kept (then its article id stands for it)
    published: str | None  # ISO date
    language: str | None
    words: int
    similarity: float  # cosine with the new paragraph


@dataclass(frozen=True)
class NewArticle:
    """An article about to be stored: its paragraphs' unit vectors (n, dim), languages and word counts."""

    article_id: str
    published: str | None
    vectors: np.ndarray
    languages: Sequence[str | None]
    words: Sequence[int]


def _day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _close_in_time(a: str | None, b: str | None) -> bool:
    first, second = _day(a), _day(b)
    return first is None or second is None or abs(first - second) <= STORY_WINDOW


def _needed(a: str | None, b: str | None) -> float:
    return STORY_SIMILARITY - (CROSS_LANGUAGE_OFFSET if a and b and a != b else 0.0)


def assign_stories(articles: Sequence[NewArticle], nearby: Sequence[Sequence[Sequence[StoredParagraph]]]) -> dict[str, str]:
    """The story id of each new article: `{article_id: story id}`.

    `articles` are matched oldest first (undated last), each against the stored paragraphs found
    near its own (`nearby[a][p]`: those near paragraph p of articles[a]) and against the new
    articles before it, so that of three copies in one feed poll the first starts the story and
    the other two join it.
    """
    if len(nearby) != len(articles):
        raise ValueError("one list of nearby paragraphs per article")
    order = sorted(range(len(articles)), key=lambda i: (_day(articles[i].published) or dt.date.max, i))
    stories: dict[str, str] = {}
    done: list[int] = []
    for i in order:
        article = articles[i]
        joins: list[tuple[dt.date, float, str]] = []  # (published, similarity, story) of each article it may join
        for p, found in enumerate(nearby[i]):
            if article.words[p] < MIN_WORDS:
                continue
            for other in found:
                if (
                    other.article_id != article.article_id
                    and other.words >= MIN_WORDS
                    and other.similarity >= _needed(article.languages[p], other.language)
                    and _close_in_time(article.published, other.published)
                ):
                    joins.append((_day(other.published) or dt.date.max, -other.similarity, other.story or other.article_id))
        for j in done:
            earlier = articles[j]
            if earlier.article_id == article.article_id or not _close_in_time(article.published, earlier.published):
                continue
            similar = np.asarray(article.vectors) @ np.asarray(earlier.vectors).T
            for p, q in zip(*np.nonzero(similar >= STORY_SIMILARITY - CROSS_LANGUAGE_OFFSET), strict=True):
                value = float(similar[p, q])
                if (
                    article.words[p] >= MIN_WORDS
                    and earlier.words[q] >= MIN_WORDS
                    and value >= _needed(article.languages[p], earlier.languages[q])
                ):
                    joins.append((_day(earlier.published) or dt.date.max, -value, stories[earlier.article_id]))
        # The oldest report it repeats: a story whose reports drift apart (1 ~ 2, 1 ~ 3, 2 !~ 3) keeps report 1's id.
        stories[article.article_id] = min(joins)[2] if joins else article.article_id
        done.append(i)
    return stories
