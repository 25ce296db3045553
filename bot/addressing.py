"""Is a message for the bot, and what is the question in it? Pure functions.

Telegram gives entity offsets in UTF-16 code units, so text is cut in that space.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Entity:
    type: str  # "mention", "bot_command", ...
    offset: int  # UTF-16 code units
    length: int


def utf16_slice(text: str, offset: int, length: int) -> str:
    encoded = text.encode("utf-16-le")
    return encoded[offset * 2 : (offset + length) * 2].decode("utf-16-le")


def remove_spans(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """`text` without the UTF-16 (offset, length) spans."""
    encoded = text.encode("utf-16-le")
    kept = bytearray()
    position = 0
    for offset, length in sorted(spans):
        kept += encoded[position * 2 : offset * 2]
        position = max(position, offset + length)
    kept += encoded[position * 2 :]
    return " ".join(kept.decode("utf-16-le").split())


def mentions_of(text: str, entities: Sequence[Entity], username: str) -> list[tuple[int, int]]:
    """Spans of `@username` mentions (any letter case) in the text."""
    wanted = f"@{username}".lower()
    return [
        (e.offset, e.length)
        for e in entities
        if e.type == "mention" and utf16_slice(text, e.offset, e.length).lower() == wanted
    ]


def group_question(text: str, entities: Sequence[Entity], username: str, replies_to_bot: bool) -> str | None:
    """The question in a group message, or None when the message is not for the bot.

    A message is for the bot when it mentions the bot or replies to one of its messages;
    everything else is group chatter and the bot stays silent.
    """
    spans = mentions_of(text, entities, username)
    if spans:
        return remove_spans(text, spans)
    if replies_to_bot:
        return " ".join(text.split())
    return None


def command_target(text: str) -> str | None:
    """The bot a command names (`/ask@newsbot` → "newsbot"), or None for a bare `/ask`."""
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    if not first.startswith("/") or "@" not in first:
        return None
    return first.split("@", 1)[1]
