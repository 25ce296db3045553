"""Posting queued subscription articles to their chats, without losing or doubling any.

The outbox (index.subscriptions.database) hands out due deliveries; each chat's posts go
out in order while chats are served concurrently, paced by python-telegram-bot's
AIORateLimiter (Telegram's ~30 messages/s overall and 20/min per group; a 429 is
waited out and retried). A delivery is marked sent right after Telegram accepted
it. A chat that blocked or removed the bot ends its subscriptions, a closed or
deleted forum topic the subscriptions posting into it; a migrated
group gets the post at its new id and keeps its subscriptions there; anything
else (a 429 beyond the retries, a network error) goes back to the queue.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError

from bot import sending, watch_formatting
from bot.subscription_formatting import post_messages
from index.subscriptions.database import Queued, SubscriptionDB

log = logging.getLogger(__name__)

GONE = ("chat not found", "bot was kicked", "not enough rights", "have no rights", "need administrator rights")
TOPIC_GONE = ("topic_closed", "topic_deleted", "message thread not found", "topic_id_invalid")


@dataclass
class Delivered:
    sent: int = 0
    dropped: int = 0
    retried: int = 0


def posts(queued: Sequence[Queued]) -> list[list[Queued]]:
    """Instant deliveries (and watched questions' posts) one post each; a digest subscription's due deliveries in one post.

    A story's first post goes before its updates (they reply to it), whatever their subscriptions.
    """
    grouped: list[list[Queued]] = []
    ordered = sorted(queued, key=lambda q: (q.subscription_id, q.id))
    for _, items in groupby(ordered, key=lambda q: q.subscription_id):
        batch = list(items)
        grouped += [batch] if batch[0].digest else [[item] for item in batch]
    position = {q.id: index for index, batch in enumerate(grouped) for q in batch}

    def after_its_story(index: int) -> tuple[int, int]:
        story_of = grouped[index][0].story_of
        return (max(index, position.get(story_of, index)) if story_of is not None else index), index

    return [grouped[i] for i in sorted(range(len(grouped)), key=after_its_story)]


async def deliver_due(bot: Bot, db: SubscriptionDB, now: datetime) -> Delivered:
    """Send everything due now; returns what happened (also logged)."""
    queued = await asyncio.to_thread(db.claim_due, now)
    result = Delivered()
    if not queued:
        return result
    by_chat: dict[int, list[Queued]] = {}
    for item in queued:
        by_chat.setdefault(item.chat_id, []).append(item)
    await asyncio.gather(*(_deliver_chat(bot, db, chat_id, items, result, now) for chat_id, items in by_chat.items()))
    log.info(
        "subscription posts",
        extra={"event": "delivered", "sent": result.sent, "dropped": result.dropped, "retried": result.retried, "chats": len(by_chat)},
    )
    return result


async def _deliver_chat(bot: Bot, db: SubscriptionDB, chat_id: int, items: list[Queued], result: Delivered, now: datetime) -> None:
    batches = posts(items)
    closed_topics: set[int] = set()
    messages: dict[int, int] = {}  # delivery id: the message it was posted as, for updates of its story
    for index, batch in enumerate(batches):
        ids = [q.id for q in batch]
        thread_id = batch[0].thread_id
        if thread_id is not None and thread_id in closed_topics:
            result.dropped += len(ids)  # end_topic dropped it in the database already
            continue
        story_of = batch[0].story_of if len(batch) == 1 else None
        reply_to = None
        if story_of is not None:
            reply_to = messages.get(story_of) or await asyncio.to_thread(db.message_of, story_of)
        try:
            chat_id, message_id = await _send_post(bot, db, chat_id, batch, reply_to)
        except Forbidden as error:
            await _chat_gone(db, chat_id, f"blocked or removed: {error.message}")
            result.dropped += sum(len(b) for b in batches[index:])
            return
        except BadRequest as error:
            if thread_id is not None and any(reason in error.message.lower() for reason in TOPIC_GONE):
                await topic_gone(db, chat_id, thread_id, error.message)
                closed_topics.add(thread_id)
                result.dropped += len(ids)
                continue
            if any(reason in error.message.lower() for reason in GONE):
                await _chat_gone(db, chat_id, error.message)
                result.dropped += sum(len(b) for b in batches[index:])
                return
            log.error("Telegram refused a subscription post to %s: %s", chat_id, error.message)
            await asyncio.to_thread(db.mark, ids, "dropped")
            result.dropped += len(ids)
            continue
        except TelegramError as error:  # 429 beyond the rate limiter's retries, network trouble
            log.warning("subscription post to %s postponed: %s", chat_id, error)
            remaining = [q.id for b in batches[index:] for q in b]
            await asyncio.to_thread(db.mark, remaining, "pending")
            result.retried += len(remaining)
            return
        await asyncio.to_thread(db.mark, ids, "sent", now)
        result.sent += len(ids)
        if message_id is not None:
            for delivery in ids:
                messages[delivery] = message_id
                await asyncio.to_thread(db.set_message, delivery, message_id)


async def _send_post(
    bot: Bot, db: SubscriptionDB, chat_id: int, batch: list[Queued], reply_to: int | None = None
) -> tuple[int, int | None]:
    """Send one post (one or more messages), its first message replying to `reply_to` (an update of a story).

    Returns the chat id it went to (new after a migration) and the id of its first message.
    """
    head = batch[0]
    parts = watch_formatting.post_messages(head, head.language) if head.watch_id else post_messages(batch, head.language)
    first: int | None = None
    for part in parts:
        try:
            message = await sending.send_html(bot, chat_id, part, thread_id=batch[0].thread_id, reply_to=reply_to if first is None else None)
        except ChatMigrated as error:
            log.info("chat %s migrated to %s; its subscriptions move along", chat_id, error.new_chat_id)
            await asyncio.to_thread(db.move_chat, chat_id, error.new_chat_id)
            chat_id = error.new_chat_id
            message = await sending.send_html(bot, chat_id, part)
        first = message.message_id if first is None else first
    return chat_id, first


async def topic_gone(db: SubscriptionDB, chat_id: int, thread_id: int, reason: str) -> None:
    """A forum topic was closed or deleted: the subscriptions posting into it end."""
    ended = await asyncio.to_thread(db.end_topic, chat_id, thread_id, reason)
    log.info(
        "forum topic closed or deleted, its subscriptions ended",
        extra={"event": "topic_gone", "chat_id": chat_id, "thread_id": thread_id, "ended": ended, "reason": reason},
    )


async def _chat_gone(db: SubscriptionDB, chat_id: int, reason: str) -> None:
    ended = await asyncio.to_thread(db.end_chat, chat_id, reason)
    log.info("chat gone, subscriptions ended", extra={"event": "chat_gone", "chat_id": chat_id, "ended": ended, "reason": reason})

