"""Answers as Telegram HTML messages. Pure functions.

Every piece of text from an article or a user is escaped; our own markup is
built from whole blocks whose tags are balanced, and long replies are split
between blocks (or, for one huge block, between sentences inside re-opened
tags), so a message never exceeds Telegram's limit and never breaks inside a tag.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.texts import text
from index.answers import citing, times
from index.answers.extractive import holdings_hint
from index.domain import Answer, Chunk, Passage, Quote
from index.ingest.splitting import pack_greedy, split_sentences
from index.answers.written import Written

MESSAGE_LIMIT = 4096  # Telegram's limit; we count the HTML source, which is never shorter than what it shows
SEPARATOR = "\n\n"


def escape(value: str) -> str:
    return html.escape(value, quote=False)


def escape_attribute(value: str) -> str:
    return html.escape(value, quote=True)


@dataclass(frozen=True)
class Block:
    """`head` + `open` + escaped `body` + `close`; a long body continues in re-opened tags."""

    body: str
    open: str = ""
    close: str = ""
    head: str = ""

    def render(self, limit: int = MESSAGE_LIMIT) -> list[str]:
        whole = self.head + self.open + escape(self.body) + self.close
        if len(whole) <= limit:
            return [whole]
        pieces: list[str] = []
        room = limit - len(self.open) - len(self.close)
        for index, part in enumerate(_split_plain(self.body, room - len(self.head))):
            head = self.head if index == 0 else ""
            pieces.append(head + self.open + escape(part) + self.close)
        return pieces


def _split_plain(body: str, room: int) -> list[str]:
    """Cut plain text so that each escaped part fits in `room`: at sentences, else words, else characters."""
    return pack_greedy(_units(body, room), lambda part: len(escape(part)) <= room)


def _units(body: str, room: int) -> list[str]:
    units: list[str] = []
    for sentence in split_sentences(body):
        if len(escape(sentence)) <= room:
            units.append(sentence)
            continue
        for word in sentence.split(" "):
            while len(escape(word)) > room:  # a single monster "word": cut it
                cut = room // 6 or 1  # an escaped character is at most 6 long ("&quot;")
                units.append(word[:cut])
                word = word[cut:]
            units.append(word)
    return units


def pack(blocks: Sequence[Block], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Join rendered blocks into as few messages as fit, splitting only between blocks."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        for piece in block.render(limit):
            candidate = f"{current}{SEPARATOR}{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    return messages


def _linked(label: str, chunk: Chunk) -> str:
    """The escaped label, linked to the chunk's article where it has a web address."""
    if chunk.url and chunk.url.startswith(("http://", "https://")):
        return f'<a href="{escape_attribute(chunk.url)}">{escape(label)}</a>'
    return escape(label)


def source_line(chunk: Chunk, language: str, *, with_paragraph: bool = True, earlier: bool = False) -> str:
    """“Title (linked) · Publisher · 16 Oct 2025 · paragraph 9”, escaped; the file path where there is no URL.

    `earlier`: the date reads “earlier: 16 Oct 2025” (an older report of the story quoted first).
    A plain file without a heading has no title: its name (linked, if it has a URL) stands alone.
    """
    title = citing.shown_title(chunk)
    publisher = citing.publisher(chunk)
    parts = [_linked(title, chunk), escape(publisher)] if title else [_linked(publisher, chunk)]
    parts.append(escape(citing.when(chunk, language, earlier)))
    if with_paragraph:
        parts.append(f"{text('paragraph', language)} {chunk.paragraph}")
    if not chunk.url and chunk.source.split("#", 1)[0] != publisher:
        parts.append(f"<i>{escape(chunk.source)}</i>")
    return " · ".join(parts)


def also_line(passage: Passage, language: str) -> str:
    """“also reported by Morning Wire (26 Nov 2026), City Post (27 Nov 2026)”, each name linked; "" for none."""
    if not passage.also:
        return ""
    named = ", ".join(f"{_linked(citing.publisher(c), c)} ({escape(citing.when(c, language))})" for c in passage.also)
    return f"{escape(citing.also_words(language))} {named}"


def source_head(number: int, passage: Passage, language: str) -> str:
    also = also_line(passage, language)
    return f"<b>{number}.</b> {source_line(passage.chunk, language, earlier=passage.earlier)}\n" + (f"{also}\n" if also else "")


def passage_blocks(passages: Sequence[Passage], language: str, first_number: int = 1) -> list[Block]:
    return [
        Block(body=p.chunk.text, open="<blockquote>", close="</blockquote>", head=source_head(n, p, language))
        for n, p in enumerate(passages, start=first_number)
    ]


def answer_messages(answer: Answer, shown: int, limit: int = MESSAGE_LIMIT) -> list[str]:
    """The answer (quotes with their passage numbers), then the first `shown` passages with sources."""
    language = answer.language
    if not answer.found:
        hint = holdings_hint(answer.holdings, language)
        return [text("not_found", language) + (f"\n\n{escape(hint)}" if hint else "")]
    stale = citing.stale_note(answer.stale_days, answer.passages, language)
    blocks = [Block(body="", head=f"<b>{text('answer', language)}</b>" + (f"\n<i>{escape(stale)}</i>" if stale else ""))]
    blocks += [quote_block(q, language, limit, answer.passages[q.passage]) for q in answer.quotes]
    blocks.append(Block(body="", head=f"<b>{text('sources', language)}</b>"))
    blocks += passage_blocks(answer.passages[:shown], language)
    return pack(blocks, limit)


def quote_block(quote: Quote, language: str, limit: int = MESSAGE_LIMIT, passage: Passage | None = None) -> Block:
    """A quote in italics with its answer span in bold, who published it and when, and its time expressions.

    „… dass er sich voraussichtlich <b>innerhalb von zwei Wochen</b> mit Putin treffen werde.“ [1] — Tagesblatt, 16 Oct 2025
    🕑 innerhalb von zwei Wochen — article of 16 Oct 2025 → by 30 Oct 2025
    """
    cited = f" — {citing.dated_source(passage, language)}" if passage is not None else ""
    notes = "".join(f"\n🕑 {escape(times.describe(note, language))}" for note in quote.times)
    html = f"<i>„{quote.marked('<b>', '</b>', escape)}“ [{quote.passage + 1}]</i>{escape(cited)}{notes}"
    if len(html) > limit // 2:  # a monster sentence: plain, so that it can be split
        return Block(body=f"„{quote.text}“ [{quote.passage + 1}]{cited}", open="<i>", close="</i>")
    return Block(body="", head=html)


def more_messages(question: str, passages: Sequence[Passage], first_number: int, language: str) -> list[str]:
    """Further passages for a question asked before."""
    head = Block(body=question, open="<b>" + text("more_passages", language) + "</b> <i>", close="</i>")
    return pack([head, *passage_blocks(passages, language, first_number)])


def context_messages(chunks: Sequence[Chunk], focus_id: str, language: str) -> list[str]:
    """A paragraph with its neighbours; the asked-about one in bold."""
    if not chunks:
        return [text("gone", language)]
    first = chunks[0]
    title = f"<b>{text('context_title', language)}</b> · {source_line(first, language, with_paragraph=False)}"
    blocks = [Block(body="", head=title)]
    for chunk in chunks:
        tag_open, tag_close = ("<b>", "</b>") if chunk.id == focus_id else ("", "")
        blocks.append(Block(body=chunk.text, open=f"¶{chunk.paragraph} {tag_open}", close=tag_close))
    return pack(blocks)


_CITED = re.compile(r"\[(\d+)\]")


def writing_message(text_so_far: str, language: str) -> str:
    """A written answer while it streams in."""
    return f"<b>{text('answer', language)}</b>\n{escape(text_so_far)} ▌"


def _linked_citations(escaped: str, passages: Sequence[Passage]) -> str:
    def link(match: re.Match[str]) -> str:
        chunk = passages[int(match.group(1)) - 1].chunk
        if chunk.url and chunk.url.startswith(("http://", "https://")):
            return f'<a href="{escape_attribute(chunk.url)}">[{match.group(1)}]</a>'
        return match.group(0)

    return _CITED.sub(link, escaped)


def written_messages(written: Written, answer: Answer, limit: int = MESSAGE_LIMIT) -> list[str]:
    """The written answer (citations linked to their articles), then the passages it cites."""
    language = answer.language
    body = _linked_citations(escape(written.text), answer.passages)
    head = f"<b>{text('answer', language)}</b>\n{body}"
    blocks = [Block(body="", head=head) if len(head) < limit - 100 else Block(body=written.text, head=f"<b>{text('answer', language)}</b>\n")]
    numbers = list(written.cited) or list(range(1, len(answer.passages) + 1))
    blocks.append(Block(body="", head=f"<b>{text('sources', language)}</b>"))
    blocks += [
        Block(body=answer.passages[n - 1].chunk.text, open="<blockquote>", close="</blockquote>",
              head=source_head(n, answer.passages[n - 1], language))
        for n in numbers
    ]  # fmt: skip
    return pack(blocks, limit)
