"""Subscription posts, digests and lists as Telegram HTML. Pure functions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.formatting import Block, escape, pack, source_line
from bot.texts import text
from index.domain import Chunk
from index.subscriptions.database import Queued, Subscription

PASSAGE_CHARS = 700  # a post quotes, it does not reprint the article


def _chunk(post: Mapping[str, Any], passage: Mapping[str, Any]) -> Chunk:
    return Chunk(
        article_id="",
        position=0,
        paragraph=int(passage["paragraph"]),
        text=str(passage["text"]),
        title=str(post.get("title") or ""),
        source=str(post.get("source") or ""),
        url=post.get("url"),
        published=post.get("published"),
        source_name=post.get("source_name"),
    )


def _shorten(value: str) -> str:
    return value if len(value) <= PASSAGE_CHARS else value[: PASSAGE_CHARS - 1].rsplit(" ", 1)[0] + " …"


def article_blocks(post: Mapping[str, Any], language: str) -> list[Block]:
    """The article's source line, then its matching paragraphs quoted."""
    passages = list(post.get("passages") or [])
    if not passages:
        return []
    head = source_line(_chunk(post, passages[0]), language, with_paragraph=False) + "\n"
    blocks = []
    for index, passage in enumerate(passages):
        chunk = _chunk(post, passage)
        label = f"¶{chunk.paragraph} "
        blocks.append(Block(_shorten(chunk.text), open=f"<blockquote>{label}", close="</blockquote>", head=head if index == 0 else ""))
    return blocks


def post_messages(queued: Sequence[Queued], language: str) -> list[str]:
    """One post: a single new article, or a digest of several, for one subscription."""
    first = queued[0]
    key = "digest_title" if first.digest else "story_update" if first.post.get("update") else "new_article"
    blocks = [Block("", head=f"<b>{escape(text(key, language, topic=first.topic))}</b>")]
    for item in queued:
        new = [str(fact) for fact in item.post.get("new_facts") or []]  # type: ignore[attr-defined]
        if item.post.get("update") and new:
            blocks.append(Block("", head=f"🔄 <i>{escape(text('new_facts', language, facts=', '.join(new)))}</i>"))
        blocks += article_blocks(item.post, language)
    return pack(blocks)


def describe(subscription: Subscription, language: str) -> str:
    """“Zölle – instant posts” with its filters, escaped."""
    if subscription.digest_at:
        when = text("digest", language, time=subscription.digest_at, zone=escape(subscription.timezone))
    else:
        when = text("instant", language)
    filters = ""
    if subscription.include or subscription.exclude:
        filters = text(
            "filters", language,
            include=escape(subscription.include or "–"), exclude=escape(subscription.exclude or "–"),
        )
    return f"<b>#{subscription.id}</b> {escape(subscription.topic)} – {when}.{filters}"


def subscription_list(
    subscriptions: Sequence[Subscription], chat_label: str, language: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The topics a chat follows, with one unsubscribe button each."""
    if not subscriptions:
        return text("no_subscriptions", language, chat=chat_label), None
    lines = [f"<b>{text('subscriptions_title', language, chat=chat_label)}</b>"]
    lines += [describe(s, language) for s in subscriptions]
    buttons = [
        [InlineKeyboardButton(text("unsubscribe_button", language, id=s.id), callback_data=f"unsub:{s.id}")]
        for s in subscriptions[:50]
    ]
    return "\n".join(lines), InlineKeyboardMarkup(buttons)
