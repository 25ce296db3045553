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
STORY_WINDOW of each other (articles without a date are compared with any). A paragraph repeated
verbatim (≥ VERBATIM) is a template line — a publisher's notice ("Der Volltext dieses auf
Agenturmeldungen basierenden Artikels steht … nicht mehr zur Verfügung."), an agency's footer —
unless the articles share two such paragraphs (a republished article) or it comes from another
publisher and is a good part of the new article (an agency brief with a line of the outlet's own). Of several such
articles the oldest decides (then the closest), so a story keeps its first report's id.

What is compared: each new paragraph with its STORY_NEIGHBOURS nearest stored paragraphs
(index.ingest.indexing) and with the other new articles of its batch, not with every stored
article. A story id is inherited, so a chain of reports each within STORY_WINDOW of the one it
joins (or undated) can span longer than the window. The thresholds and how they were chosen:
docs/news-over-time.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

STORY_SIMILARITY = 0.95  # copies from other outlets score ≥ 0.966, distinct articles on one topic up to 0.92 (docs/news-over-time.md)
# multilingual-e5 scores a translation 0.05-0.1 lower than the same text: a translated copy needs this much less.
CROSS_LANGUAGE_OFFSET = 0.06
STORY_WINDOW = dt.timedelta(days=14)  # a report joins only reports of one story published this close to it
MIN_WORDS = 12  # shorter paragraphs (bylines, boilerplate, captions) never join two articles
VERBATIM = 0.99  # a paragraph this close to another is the same text: alone, it may be a template line (see above)
COPIED_SHARE = 1 / 3  # one verbatim paragraph from another publisher joins when it is this much of the new article


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


def published_day(value: str | None) -> dt.date | None:
    """The date of an ISO date (or date-time) string as stored in Chunk.published; None when missing or malformed."""
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _close_in_time(a: str | None, b: str | None) -> bool:
    first, second = published_day(a), published_day(b)
    return first is None or second is None or abs(first - second) <= STORY_WINDOW


def translated(a: str | None, b: str | None) -> bool:
    """Whether texts in languages `a` and `b` are a translation pair: both languages known and different."""
    return bool(a and b and a != b)


def needed_similarity(a: str | None, b: str | None) -> float:
    """The cosine two paragraphs in languages `a` and `b` need to count as the same text: STORY_SIMILARITY,
    CROSS_LANGUAGE_OFFSET less for a translation pair (a translation scores lower)."""
    return STORY_SIMILARITY - (CROSS_LANGUAGE_OFFSET if translated(a, b) else 0.0)


@dataclass
class _Evidence:
    """What one new article shares with the earlier articles: per earlier article, its date, story and
    publisher, and the matching paragraph pairs (paragraph of the new article, cosine)."""

    article: NewArticle
    seen: dict[str, tuple[dt.date, str, str | None]] = field(default_factory=dict)
    pairs: dict[str, list[tuple[int, float]]] = field(default_factory=dict)

    def add(self, p: int, other: StoredParagraph) -> None:
        """Paragraph p of the article against a paragraph `other` (its `story` already resolved)."""
        new = self.article
        if (
            other.article_id != new.article_id
            and new.words[p] >= MIN_WORDS
            and other.words >= MIN_WORDS
            and other.similarity >= needed_similarity(new.languages[p], other.language)
            and _close_in_time(new.published, other.published)
        ):
            self.seen[other.article_id] = (published_day(other.published) or dt.date.max, other.story or other.article_id, other.publisher)
            self.pairs.setdefault(other.article_id, []).append((p, other.similarity))

    def tells_story_of(self, other_id: str) -> bool:
        """Whether the pairs with `other_id` make it the same story: a reworded copy of a paragraph, two
        verbatim ones (a republished article), or — from another publisher — verbatim text that makes up
        at least COPIED_SHARE of the new article's words (an agency paragraph with a line of the
        outlet's own). One verbatim line of the same publisher, or a short one in a long article, is a
        template (a publisher's notice, an agency's footer) and no evidence."""
        pairs = self.pairs[other_id]
        verbatim = {p for p, similarity in pairs if similarity >= VERBATIM}
        if len(verbatim) < len({p for p, _ in pairs}) or len(verbatim) >= 2:
            return True
        publisher = self.seen[other_id][2]
        if self.article.publisher is not None and self.article.publisher == publisher:
            return False
        words = self.article.words
        return sum(words[p] for p in verbatim) >= COPIED_SHARE * sum(words)

    def story(self) -> str:
        """The story of the oldest earlier article it tells the story of (then the closest); its own id when
        none: a story whose reports drift apart (1 ~ 2, 1 ~ 3, 2 !~ 3) keeps report 1's id."""
        joins = [
            (self.seen[other_id][0], -max(similarity for _, similarity in pairs), self.seen[other_id][1])
            for other_id, pairs in self.pairs.items()
            if self.tells_story_of(other_id)
        ]
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
    order = sorted(range(len(articles)), key=lambda i: (published_day(articles[i].published) or dt.date.max, i))
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
