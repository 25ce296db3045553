"""The small value types that flow between loading, the store, answering and output."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property


def stable_hash(*parts: str) -> str:
    """A short hex digest that stays the same across runs and machines."""
    digest = hashlib.sha1("\x1f".join(parts).encode("utf-8"))
    return digest.hexdigest()[:20]


@dataclass(frozen=True)
class Article:
    """One article as read from a file, record, feed entry or web page.

    `source` identifies the article: its URL where it has one, else the file
    path (with `#record` for records inside a JSON file or feed).
    """

    source: str
    title: str
    paragraphs: tuple[str, ...]
    url: str | None = None
    published: str | None = None  # ISO 8601 date, "2025-10-16"
    language: str | None = None
    origin: str | None = None  # the file, folder, feed or URL it was read from, as configured
    source_name: str | None = None  # who published it, for people: a feed's or site's title, else the file name
    partial: bool = False  # only a summary (a feed entry without content); the text is at `url`

    @property
    def id(self) -> str:
        return stable_hash(self.source)


@dataclass(frozen=True)
class Chunk:
    """A paragraph (or part of a long one) with everything needed to cite it."""

    article_id: str
    position: int  # 0-based order of chunks in the article, for neighbours
    paragraph: int  # 1-based paragraph number shown to users
    text: str
    title: str
    source: str
    url: str | None = None
    published: str | None = None
    language: str | None = None
    origin: str = ""  # see Article.origin; /sources and /forget group by it
    source_name: str | None = None  # see Article.source_name
    # The article id of its story's first indexed report (index.ingest.story_ids), set at ingest;
    # None for chunks not stored yet or stored before story ids were kept. Not part of the id.
    story: str | None = None

    @cached_property  # a SHA-1 of the text: asked for about a hundred times per question
    def id(self) -> str:
        return stable_hash(self.source, str(self.paragraph), self.text)


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its similarity to the question (cosine, higher is closer).

    `also`: the same text from other articles (other outlets, an agency copy, an updated
    version), shown as "also reported by"; `earlier`: an older report of the story whose
    newest report the answer quotes first (see index.answers.recency).
    """

    chunk: Chunk
    score: float
    also: tuple[Chunk, ...] = ()
    earlier: bool = False


@dataclass(frozen=True)
class TimeNote:
    """A time expression of a quote read against its article's date.

    `expression` as written ("innerhalb von zwei Wochen"), `published` the
    article's ISO date, `relation` "by" (a deadline: "within two weeks") or "on",
    `resolved` the ISO date it points to where it could be worked out, else None.
    """

    expression: str
    published: str
    relation: str = "on"
    resolved: str | None = None


@dataclass(frozen=True)
class Quote:
    """An answer sentence and the retrieved passage (index into Answer.passages) it comes from.

    `span`: character offsets (start, end) into `text` of the answer itself (a
    date, a number, a name) where one was found; `undecided`: the sentence says
    the asked-for thing is not decided or named; `times`: its time expressions
    read against the article's date.
    """

    text: str
    passage: int
    score: float
    span: tuple[int, int] | None = None
    undecided: bool = False
    times: tuple[TimeNote, ...] = ()

    @property
    def span_text(self) -> str | None:
        return self.text[self.span[0] : self.span[1]] if self.span else None

    def marked(self, before: str, after: str, escape: Callable[[str], str] = str) -> str:
        """The text (each piece passed through `escape`) with the answer span between `before` and `after`."""
        if self.span is None:
            return escape(self.text)
        start, end = self.span
        return escape(self.text[:start]) + before + escape(self.text[start:end]) + after + escape(self.text[end:])


@dataclass(frozen=True)
class IndexHoldings:
    """What the index holds, shown with "no relevant passage found": sources and the newest articles.

    `sources`: (origin, article count), largest first; `newest`: (title, ISO date
    or None), newest first.
    """

    sources: tuple[tuple[str, int], ...]
    newest: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class Answer:
    """What a question gets: quoted sentences and the passages they come from.

    An empty `quotes` means nothing relevant was found; `passages` may still
    hold the closest (below threshold) ones for callers that want to show them.
    """

    question: str
    quotes: tuple[Quote, ...]
    passages: tuple[Passage, ...]
    language: str = "en"
    kind: str = "other"  # the expected answer type (index.retrieval.questions.AnswerType)
    holdings: IndexHoldings | None = None  # with a refusal: what the index does hold
    stale_days: int | None = None  # the newest passage's age in days, when older than NEWSBOT_STALE_AFTER_DAYS

    @property
    def found(self) -> bool:
        return bool(self.quotes)


@dataclass
class IngestReport:
    """What an ingest run did, per source."""

    articles: int = 0
    chunks_added: int = 0
    chunks_unchanged: int = 0
    chunks_removed: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (source or record, reason): skipped
    warnings: list[tuple[str, str]] = field(default_factory=list)  # indexed, with something left out or merged
    new_articles: list[str] = field(default_factory=list)  # ids of articles the index did not have
