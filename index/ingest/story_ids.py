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
STORY_WINDOW of each other (articles without a date are compared with any). A publisher's
template line, a paragraph repeated verbatim (≥ VERBATIM) in its own articles, joins two of them
only when they share two such paragraphs (a republished article). Of several such articles the
oldest decides (then the closest), so a story keeps its first report's id. The thresholds and how they were chosen: docs/news-over-time.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

STORY_SIMILARITY = 0.95  # copies from other outlets score ≥ 0.966, distinct articles on one topic up to 0.92 (docs/news-over-time.md)
# multilingual-e5 scores a translation 0.05-0.1 lower than the same text: a translated copy needs this much less.
CROSS_LANGUAGE_OFFSET = 0.06
STORY_WINDOW = dt.timedelta(days=14)  # reports of one story further apart than this start a new story
MIN_WORDS = 12  # shorter paragraphs (bylines, boilerplate, captions) never join two articles
# A paragraph this close to one of the same publisher's is a template line ("Der Volltext dieses auf
# Agenturmeldungen basierenden Artikels steht … nicht mehr zur Verfügung."), unless the articles share two.
VERBATIM = 0.99


@dataclass(frozen=True)
class StoredParagraph:
    """A paragraph already in the index, as found near a new paragraph."""

    article_id: str
    story: str | None  # None: stored before story ids were kept (then its article id stands for it)
    published: str | None  # ISO date
    language: str | None
    words: int
    similarity: float  # cosine with the new paragraph
    publisher: str | None = None  # the source's name (Chunk.source_name)


@dataclass(frozen=True)
class NewArticle:
    """An article about to be stored: its paragraphs' unit vectors (n, dim), languages and word counts."""

    article_id: str
    published: str | None
    vectors: np.ndarray
    languages: Sequence[str | None]
    words: Sequence[int]
    publisher: str | None = None  # the source's name (Chunk.source_name)


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


@dataclass
class _Evidence:
    """What one new article shares with the earlier articles: per earlier article, its date and story,
    and the matching paragraph pairs (new paragraph, cosine, whether the pair is a template line)."""

    article: NewArticle
    seen: dict[str, tuple[dt.date, str]] = field(default_factory=dict)
    pairs: dict[str, list[tuple[int, float, bool]]] = field(default_factory=dict)

    def add(self, p: int, other: StoredParagraph) -> None:
        """Paragraph p of the article against a paragraph `other` (its `story` already resolved)."""
        new = self.article
        if (
            other.article_id != new.article_id
            and new.words[p] >= MIN_WORDS
            and other.words >= MIN_WORDS
            and other.similarity >= _needed(new.languages[p], other.language)
            and _close_in_time(new.published, other.published)
        ):
            template = other.similarity >= VERBATIM and new.publisher is not None and new.publisher == other.publisher
            self.seen[other.article_id] = (_day(other.published) or dt.date.max, other.story or other.article_id)
            self.pairs.setdefault(other.article_id, []).append((p, other.similarity, template))

    def story(self) -> str:
        """The story of the oldest article it shares a paragraph with that is no template line (or two that
        are), then the closest; its own id when none: a story whose reports drift apart (1 ~ 2, 1 ~ 3,
        2 !~ 3) keeps report 1's id."""
        joins = []
        for other_id, pairs in self.pairs.items():
            templates = {p for p, _, template in pairs if template}
            if len(templates) >= 2 or not all(template for _, _, template in pairs):
                date, story = self.seen[other_id]
                joins.append((date, -max(similarity for _, similarity, _ in pairs), story))
        return min(joins)[2] if joins else self.article.article_id


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
    done: list[NewArticle] = []
    for i in order:
        evidence = _Evidence(articles[i])
        for p, found in enumerate(nearby[i]):
            for other in found:
                evidence.add(p, other)
        for earlier in done:
            similar = np.asarray(articles[i].vectors) @ np.asarray(earlier.vectors).T
            for p, q in zip(*np.nonzero(similar >= STORY_SIMILARITY - CROSS_LANGUAGE_OFFSET), strict=True):
                paragraph = StoredParagraph(earlier.article_id, stories[earlier.article_id], earlier.published, earlier.languages[q],
                                            earlier.words[q], float(similar[p, q]), earlier.publisher)  # fmt: skip
                evidence.add(int(p), paragraph)
        stories[articles[i].article_id] = evidence.story()
        done.append(articles[i])
    return stories
