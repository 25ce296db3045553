"""Posts about changed answers and the list of watched questions, as Telegram HTML. Pure functions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.formatting import Block, escape, pack, source_line
from bot.texts import text
from index.domain import Chunk
from index.subscriptions.database import Queued, Watch
from index.answers.times import format_date
from index.subscriptions.watches import WatchedAnswer

SENTENCE_CHARS = 400  # a post quotes the answer, it does not reprint the article


def marked_sentence(answer: WatchedAnswer, limit: int = SENTENCE_CHARS) -> str:
    """The answer sentence, escaped, its span in bold; shortened around the span when long."""
    sentence = answer.sentence
    start = sentence.find(answer.span) if answer.span else -1
    if len(sentence) > limit:
        begin = max(0, min(start, len(sentence) - limit)) if start > limit // 2 else 0
        sentence = ("… " if begin else "") + sentence[begin : begin + limit].rsplit(" ", 1)[0] + " …"
        start = sentence.find(answer.span) if answer.span else -1
    if start < 0 or not answer.span:
        return escape(sentence)
    end = start + len(answer.span)
    return escape(sentence[:start]) + "<b>" + escape(sentence[start:end]) + "</b>" + escape(sentence[end:])


def _source(answer: WatchedAnswer, language: str) -> str:
    chunk = Chunk(
        article_id=answer.article_id, position=0, paragraph=answer.paragraph, text=answer.sentence,
        title=answer.title, source=answer.source, url=answer.url, published=answer.published,
    )  # fmt: skip
    return source_line(chunk, language)


def _dated(answer: WatchedAnswer, language: str) -> str:
    return f" — {format_date(answer.published, language)}" if answer.published else ""


def post_messages(queued: Queued, language: str) -> list[str]:
    """A watch's post: the question, the new answer with its source and date, and the answer before it."""
    post: Mapping[str, Any] = queued.post
    new = WatchedAnswer.from_json(post["answer"])
    before = WatchedAnswer.from_json(post["before"]) if post.get("before") else None
    question = str(post.get("question") or queued.topic)
    title = text("answer_changed" if before is not None else "answer_appeared", language, question=escape(question))
    body = f"<b>{title}</b>\n<i>„{marked_sentence(new)}“</i>\n{_source(new, language)}"
    if before is not None:
        body += f"\n\n{text('before', language)}: „{marked_sentence(before)}“{escape(_dated(before, language))}"
    return pack([Block(body="", head=body)])


def answer_line(watch: Watch, answer: WatchedAnswer | None, language: str) -> str:
    """“#3 When is the summit? → 12. November — 20 Nov 2025” (the sentence where no span was marked), escaped."""
    if answer is None:
        current = f"<i>{text('no_answer_yet', language)}</i>"
    else:
        shown = answer.span or answer.sentence
        shown = shown if len(shown) <= 160 else shown[:159].rsplit(" ", 1)[0] + " …"
        current = f"<b>{escape(shown)}</b>{escape(_dated(answer, language))}"
    return f"<b>#{watch.id}</b> {escape(watch.question)} → {current}"


def watch_list(
    found: Sequence[tuple[Watch, WatchedAnswer | None]], chat_label: str, language: str
) -> tuple[list[str], InlineKeyboardMarkup | None]:
    """The questions a chat watches with their current answers, one Unwatch button each."""
    if not found:
        return [text("no_watches", language, chat=chat_label)], None
    blocks = [Block(body="", head=f"<b>{text('watches_title', language, chat=chat_label)}</b>")]
    blocks += [Block(body="", head=answer_line(watch, answer, language)) for watch, answer in found]
    buttons = [
        [InlineKeyboardButton(text("unwatch_button", language, id=watch.id), callback_data=f"unwatch:{watch.id}")]
        for watch, _ in found[:50]
    ]
    return pack(blocks), InlineKeyboardMarkup(buttons)
