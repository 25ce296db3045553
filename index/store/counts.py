"""What the index holds per source, kept up to date at every write so `stats` needs no full scan.

The counts live in the generation's collection metadata (JSON under `KEY`) and change with every
upsert and delete (index.store.vector_store). An index written before counts were kept, or whose
newest-articles list lost an article, is counted once by a full scan (`tally`) and then kept again.
Pure functions over chunk metadata records.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from index.store.chunk_records import origin_of

KEY = "counts"
NEWEST = 10  # newest articles remembered for the hint with a refusal


@dataclass
class SourceCount:
    """One source (a configured file, folder, feed or URL) as the index holds it."""

    articles: int = 0
    paragraphs: int = 0
    last_indexed: str | None = None  # ISO stamp of the last write of one of its paragraphs
    newest_published: str | None = None  # the newest publication date among its articles (ISO)


@dataclass
class IndexCounts:
    """Per-source counts and the newest articles (sort key, title, date, article id), newest first.

    `complete` is False when an article of `newest` was removed: only a full tally can refill it.
    """

    sources: dict[str, SourceCount] = field(default_factory=dict)
    newest: list[tuple[str, str, str | None, str]] = field(default_factory=list)
    complete: bool = True

    @property
    def paragraphs(self) -> int:
        return sum(s.paragraphs for s in self.sources.values())

    @property
    def articles(self) -> int:
        return sum(s.articles for s in self.sources.values())

    def to_json(self) -> str:
        return json.dumps(
            {
                "sources": {o: [s.articles, s.paragraphs, s.last_indexed, s.newest_published] for o, s in self.sources.items()},
                "newest": self.newest,
                "complete": self.complete,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, Any]) -> IndexCounts | None:
        """The counts stored in a collection's metadata; None when there are none (count by `tally`)."""
        raw = metadata.get(KEY)
        if not isinstance(raw, str):
            return None
        try:
            data = json.loads(raw)
            sources = {str(o): SourceCount(int(a), int(p), lp, np_) for o, (a, p, lp, np_) in data["sources"].items()}
            newest = [(str(k), str(t), d, str(i)) for k, t, d, i in data["newest"]]
            return cls(sources, newest, bool(data["complete"]))
        except (ValueError, KeyError, TypeError):
            return None  # written by another version: count again


def _article_key(meta: Mapping[str, Any]) -> tuple[str, str, str | None, str]:
    published = meta.get("published")
    date = published if isinstance(published, str) and published else None
    title = meta.get("title") or meta.get("source") or ""
    return (date or str(meta.get("indexed", "")), str(title), date, str(meta.get("article_id", "")))


def _later(a: str | None, b: str | None) -> str | None:
    return max(a or "", b or "") or None


def added(counts: IndexCounts, new_records: Iterable[Mapping[str, Any]], new_articles: set[str]) -> None:
    """Count paragraphs that were not stored before; `new_articles` are ids the index did not hold."""
    seen: set[str] = set()
    for meta in new_records:
        source = counts.sources.setdefault(origin_of(dict(meta)), SourceCount())
        source.paragraphs += 1
        source.last_indexed = _later(source.last_indexed, meta.get("indexed") if isinstance(meta.get("indexed"), str) else None)
        published = meta.get("published")
        source.newest_published = _later(source.newest_published, published if isinstance(published, str) else None)
        article = str(meta.get("article_id", ""))
        if article in new_articles and article not in seen:
            seen.add(article)
            source.articles += 1
            _remember_newest(counts, _article_key(meta))


def _remember_newest(counts: IndexCounts, key: tuple[str, str, str | None, str]) -> None:
    if any(existing[3] == key[3] for existing in counts.newest):
        return
    counts.newest = sorted([*counts.newest, key], reverse=True)[:NEWEST]


def removed(counts: IndexCounts, old_records: Iterable[Mapping[str, Any]], gone_articles: set[str]) -> None:
    """Uncount deleted paragraphs; `gone_articles` are ids that have no paragraph left."""
    seen: set[str] = set()
    for meta in old_records:
        origin = origin_of(dict(meta))
        source = counts.sources.get(origin)
        if source is None:
            continue
        source.paragraphs = max(0, source.paragraphs - 1)
        article = str(meta.get("article_id", ""))
        if article in gone_articles and article not in seen:
            seen.add(article)
            source.articles = max(0, source.articles - 1)
        if source.paragraphs == 0:
            del counts.sources[origin]
    if any(entry[3] in gone_articles for entry in counts.newest):
        counts.newest = [entry for entry in counts.newest if entry[3] not in gone_articles]
        counts.complete = False  # an older article may now belong in the list


def tally(records: Iterable[Mapping[str, Any]]) -> IndexCounts:
    """Counts of a whole collection from every record's metadata (the full scan)."""
    counts = IndexCounts()
    articles: dict[str, set[str]] = {}
    keys: dict[str, tuple[str, str, str | None, str]] = {}
    for meta in records:
        origin = origin_of(dict(meta))
        source = counts.sources.setdefault(origin, SourceCount())
        source.paragraphs += 1
        indexed = meta.get("indexed")
        source.last_indexed = _later(source.last_indexed, indexed if isinstance(indexed, str) else None)
        published = meta.get("published")
        source.newest_published = _later(source.newest_published, published if isinstance(published, str) else None)
        article = str(meta.get("article_id", ""))
        articles.setdefault(origin, set()).add(article)
        keys.setdefault(article, _article_key(meta))
    for origin, ids in articles.items():
        counts.sources[origin].articles = len(ids)
    counts.newest = sorted(keys.values(), reverse=True)[:NEWEST]
    return counts
