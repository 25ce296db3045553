"""The small value types that flow between loading, the store, answering and output."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


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

    @property
    def id(self) -> str:
        return stable_hash(self.source, str(self.paragraph), self.text)


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its similarity to the question (cosine, higher is closer)."""

    chunk: Chunk
    score: float


@dataclass(frozen=True)
class Quote:
    """An answer sentence and the retrieved passage (index into Answer.passages) it comes from."""

    text: str
    passage: int
    score: float


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
