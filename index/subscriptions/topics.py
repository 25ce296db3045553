"""What a subscription follows, and whether a new article matches it. Pure functions.

`/subscribe Ukraine peace talks -sport +EU daily 08:00 Europe/Vienna` follows
the topic "Ukraine peace talks" (embedded like a question and compared with
each paragraph of a new article), requires the word "EU", excludes "sport",
and is posted as a daily digest at 08:00 Vienna time instead of at once.
Words match by prefix, so "-sport" also excludes "Sportler" and "Sportpolitik".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from index.domain import Chunk
from index.errors import InputError

_DIGEST = re.compile(r"\s+(?:daily|täglich)\s+(\d{1,2})(?::(\d{2}))?(?:\s+([A-Za-z_]+(?:/[A-Za-z_+\-]+)*))?\s*$", re.I)
_WORD = re.compile(r"\w+")
MAX_TOPIC_CHARS = 200
PASSAGES_PER_POST = 2
# A topic scores this much higher against paragraphs in its own language than across
# languages with the same relevance (measured: docs/subscriptions.md).
SAME_LANGUAGE_OFFSET = 0.03


@dataclass(frozen=True)
class Topic:
    text: str
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    digest_at: str | None = None  # "08:00"
    timezone: str | None = None  # IANA name; None = the bot's default


def parse_topic(raw: str) -> Topic:
    """A /subscribe argument to a Topic, or InputError saying how to write it."""
    text = " ".join(raw.split())
    digest_at = zone = None
    found = _DIGEST.search(" " + text)
    if found:
        hour, minute = int(found[1]), int(found[2] or 0)
        if hour > 23 or minute > 59:
            raise InputError(f"{found[1]}:{found[2] or '00'} is not a time of day: write daily 08:00")
        digest_at = f"{hour:02d}:{minute:02d}"
        zone = found[3]
        if zone is not None:
            check_timezone(zone)
        text = (" " + text)[: found.start()].strip()
    words: list[str] = []
    include: list[str] = []
    exclude: list[str] = []
    for word in text.split():
        if len(word) > 1 and word[0] in "+-":
            (include if word[0] == "+" else exclude).append(word[1:].lower())
        else:
            words.append(word)
    topic = " ".join(words)
    if not any(ch.isalnum() for ch in topic):
        raise InputError("the topic is empty: write what to follow, e.g. /subscribe Ukraine peace talks -sport")
    if len(topic) > MAX_TOPIC_CHARS:
        raise InputError(f"the topic is too long ({len(topic)} characters, at most {MAX_TOPIC_CHARS})")
    return Topic(topic, tuple(include), tuple(exclude), digest_at, zone)


def check_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InputError(f"unknown time zone {name!r}: use a name like Europe/Berlin") from error


def keywords_allow(text: str, include: Sequence[str], exclude: Sequence[str]) -> bool:
    """Every include word and no exclude word occurs (as a word prefix, case-insensitive)."""
    words = [w.casefold() for w in _WORD.findall(text)]

    def occurs(term: str) -> bool:
        folded = term.casefold()  # "Straße" also finds "Strasse"
        return any(w.startswith(folded) for w in words)

    return all(occurs(t) for t in include) and not any(occurs(t) for t in exclude)


def best_passages(
    topic_vector: np.ndarray,
    chunks: Sequence[Chunk],
    vectors: np.ndarray,
    min_score: float,
    topic_language: str | None = None,
) -> list[tuple[Chunk, float]]:
    """An article's paragraphs closest to the topic, best first, if the best reaches `min_score`.

    `min_score` is on the cross-language scale; a paragraph in the topic's own
    language needs SAME_LANGUAGE_OFFSET more.
    """
    if not chunks:
        return []
    raw = vectors @ topic_vector
    offsets = np.array([SAME_LANGUAGE_OFFSET if topic_language and c.language == topic_language else 0.0 for c in chunks])
    scores = raw - offsets
    order = np.argsort(-scores)
    if float(scores[order[0]]) < min_score:
        return []
    return [(chunks[i], float(raw[i])) for i in order[:PASSAGES_PER_POST] if float(scores[i]) >= min_score - 0.05]


def next_digest(now: datetime, digest_at: str, zone: str) -> datetime:
    """The next time (UTC) that the clock in `zone` shows `digest_at`, after `now`."""
    hour, minute = (int(part) for part in digest_at.split(":"))
    local_zone = ZoneInfo(zone)
    local_now = now.astimezone(local_zone)
    candidate = datetime.combine(local_now.date(), time(hour, minute), tzinfo=local_zone)
    if candidate <= local_now:
        candidate = datetime.combine(local_now.date() + timedelta(days=1), time(hour, minute), tzinfo=local_zone)
    return candidate.astimezone(timezone.utc)
