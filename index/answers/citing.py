"""How a passage names where and when it was published, for every output (CLI, --json, Telegram). Pure functions.

Every quote and passage shows its article's date and who published it: the feed's or
site's title (`Chunk.source_name`, set at ingest), else the document's host or file name.
A plain file without a heading has its file name as title (index.ingest.loading), which is then
not repeated beside the publisher.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath

from index.ingest.articles import name_of
from index.domain import Chunk, Passage
from index.answers.times import format_date

_WORDS = {
    "en": {"undated": "undated", "earlier": "earlier", "also": "also reported by",
           "stale": "The newest source is {days} days old ({date})."},
    "de": {"undated": "ohne Datum", "earlier": "früher", "also": "auch berichtet von",
           "stale": "Die neueste Quelle ist {days} Tage alt ({date})."},
}  # fmt: skip


def _words(language: str) -> dict[str, str]:
    return _WORDS.get(language, _WORDS["en"])


def publisher(chunk: Chunk) -> str:
    """Who published the chunk's article: its source name, else the host or file name of its source."""
    return chunk.source_name or name_of(chunk.source)


def shown_title(chunk: Chunk) -> str:
    """The article's title, or "" when it only repeats the publisher or the file name (a plain file without a heading)."""
    title = chunk.title.strip()
    name = publisher(chunk)
    document = PurePath(chunk.source.split("#", 1)[0])
    if not title or title in (name, PurePath(name).stem, document.name, document.stem):
        return ""
    return title


def when(chunk: Chunk, language: str = "en", earlier: bool = False) -> str:
    """“24 Nov 2026”, “earlier: 20 Nov 2026” (an older report of the story), or “undated”."""
    words = _words(language)
    if not chunk.published:
        return words["undated"]
    date = format_date(chunk.published, language)
    return f"{words['earlier']}: {date}" if earlier else date


def dated_source(passage: Passage, language: str = "en") -> str:
    """“Coastal Herald, 24 Nov 2026” or “Coastal Herald, earlier: 20 Nov 2026”."""
    return f"{publisher(passage.chunk)}, {when(passage.chunk, language, passage.earlier)}"


def also_words(language: str = "en") -> str:
    """“also reported by” in the reply language."""
    return _words(language)["also"]


def also_reported(chunks: Sequence[Chunk], language: str = "en") -> str:
    """“also reported by Morning Wire (26 Nov 2026), City Post (27 Nov 2026)”; "" for none."""
    if not chunks:
        return ""
    named = [f"{publisher(c)} ({when(c, language)})" for c in chunks]
    return f"{also_words(language)} {', '.join(named)}"


def stale_note(days: int | None, passages: Sequence[Passage], language: str = "en") -> str:
    """“The newest source is 45 days old (16 Oct 2026).” for an answer with `stale_days`; "" otherwise."""
    dates = [p.chunk.published for p in passages if p.chunk.published]
    if days is None or not dates:
        return ""
    return _words(language)["stale"].format(days=days, date=format_date(max(dates), language))
