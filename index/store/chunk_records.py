"""A chunk as a Chroma record: metadata checked on the way in, read leniently on the way out.

Chroma stores whatever metadata it is given (lists and numbers too), and a record of
the wrong shape would break every later question that retrieves it. So every write
goes through `chunk_metadata`, which accepts only the documented types and raises
ValueError naming the field otherwise; and `chunk_from_record` turns what an older
version may have stored into a valid Chunk (unknown types become "missing").

Documented metadata (all scalars; Chroma refuses None, so missing values are left out):
    article_id str · position int ≥ 0 · paragraph int ≥ 1 · title str · source str
    url str (http/https) · published str "YYYY-MM-DD" · language str (ISO 639-1/-3)
    origin str · source_name str (≤ 200 characters) · story str (an article id, index.ingest.story_ids)
    indexed str (ISO 8601 time, set by the store)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from index.domain import Chunk

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


def chunk_metadata(chunk: Chunk) -> dict[str, str | int]:
    """Chroma metadata for a chunk; ValueError naming the field when a value has the wrong type or form."""
    meta: dict[str, str | int] = {}
    for key in ("article_id", "title", "source"):
        meta[key] = _text(key, getattr(chunk, key), required=key != "title")
    for key, least in (("position", 0), ("paragraph", 1)):
        value = getattr(chunk, key)
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ValueError(f"{key} must be a whole number ≥ {least}, not {value!r}")
        meta[key] = value
    optional: dict[str, Callable[[str], bool]] = {
        "url": lambda v: v.startswith(("http://", "https://")),
        "published": lambda v: bool(_DATE.match(v)),
        "language": lambda v: bool(_LANGUAGE.match(v)),
        "origin": lambda v: True,
        "source_name": lambda v: len(v) <= 200,
        "story": lambda v: len(v) <= 200,
    }
    for key, valid in optional.items():
        value = getattr(chunk, key)
        if value is None or value == "":
            continue
        text = _text(key, value)
        if not valid(text):
            raise ValueError(f"{key} {text[:40]!r} is not of the documented form")
        meta[key] = text
    return meta


def _text(key: str, value: object, required: bool = False) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{key} must be text, not {type(value).__name__}")
    if required and not value:
        raise ValueError(f"{key} is empty")
    return value


def chunk_from_record(text: str, meta: dict[str, Any]) -> Chunk:
    """A stored record as a Chunk; values of the wrong type (from older versions) count as missing."""

    def optional(key: str, pattern: re.Pattern[str] | None = None) -> str | None:
        value = meta.get(key)
        if not isinstance(value, str) or not value or (pattern is not None and not pattern.match(value)):
            return None
        return value

    return Chunk(
        article_id=str(meta.get("article_id", "")),
        position=_whole(meta.get("position"), 0),
        paragraph=_whole(meta.get("paragraph"), 1),
        text=text if isinstance(text, str) else "",
        title=optional("title") or "",
        source=optional("source") or "",
        url=optional("url"),
        published=optional("published", _DATE),
        language=optional("language", _LANGUAGE),
        origin=origin_of(meta),
        source_name=optional("source_name"),
        story=optional("story"),
    )


def origin_of(meta: dict[str, Any]) -> str:
    """The source a record belongs to in /sources (its article's source before origins were kept)."""
    value = meta.get("origin") or meta.get("source", "")
    return value if isinstance(value, str) else str(value)


def _whole(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default
