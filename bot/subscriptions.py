"""Subscription commands, the bot's membership changes, and the jobs that poll feeds and post.

/subscribe, /subscriptions and /unsubscribe work in private chats and groups
(in groups for the group's admins only, checked with getChatMember). A channel's
subscriptions are managed from a private chat: `/subscribe @channel TOPIC`, after
checking that the user administers the channel and that the bot may post there
(bot.targets decides which chat a command changes and who may change it).
"""

from __future__ import annotations

import asyncio
import logging

import httpx
from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.ext import Application

from bot import access, delivery, subscription_formatting, targets
from bot.formatting import escape
from bot.chat import BotState, Context, reply, subscription_db, user_language
from bot.texts import text
from index.subscriptions import feeds
from index.subscriptions import matching
from index.errors import InputError, NewsbotError
from index.ingest.loading import USER_AGENT
from index.subscriptions.database import Subscription, SubscriptionDB
from index.subscriptions.topics import parse_topic

log = logging.getLogger(__name__)

DELIVER_EVERY_SECONDS = 10.0


# --- commands ---------------------------------------------------------------------------


async def subscribe_command(update: Update, context: Context) -> None:
    language = user_language(update)
    args = list(context.args or [])
    if not args or (len(args) == 1 and targets.is_channel_ref(args[0])):
        await reply(update, context, text("subscribe_usage", language))
        return
    target = await targets.target(update, context, args)
    if target is None:
        return
    raw = " ".join(args[1:] if targets.is_channel_ref(args[0]) else args)
    try:
        topic = parse_topic(raw)
    except InputError as error:
        await reply(update, context, text("subscribe_problem", language, reason=escape(str(error))) + "\n\n" + text("subscribe_usage", language))
        return
    settings = context.newsbot.services.settings
    subscription = Subscription(
        chat_id=target.chat_id, chat_title=target.title[:256], thread_id=target.thread_id, topic=topic.text,
        include=" ".join(topic.include), exclude=" ".join(topic.exclude),
        digest_at=topic.digest_at, timezone=topic.timezone or settings.timezone, language=language,
        created_by=update.effective_user.id if update.effective_user else None,
    )
    try:
        saved = await asyncio.to_thread(subscription_db(context).add, subscription)
    except NewsbotError as error:
        await reply(update, context, text("subscribe_problem", language, reason=escape(str(error))))
        return
    log.info("subscribed", extra={"event": "subscribed", "subscription": saved.id, "chat_id": target.chat_id})
    description = subscription_formatting.describe(saved, language)
    await reply(update, context, f"✓ {target.label}: {description}\n/subscriptions")


async def subscriptions_command(update: Update, context: Context) -> None:
    target = await targets.target(update, context, list(context.args or []))
    if target is None:
        return
    found = await asyncio.to_thread(subscription_db(context).active, target.chat_id)
    message, markup = subscription_formatting.subscription_list(found, target.label, user_language(update))
    await reply(update, context, message, markup=markup)


async def unsubscribe_command(update: Update, context: Context) -> None:
    language = user_language(update)
    args = list(context.args or [])
    target = await targets.target(update, context, args)
    if target is None:
        return
    rest = args[1:] if args and targets.is_channel_ref(args[0]) else args
    db = subscription_db(context)
    if not rest:
        await subscriptions_command(update, context)
        return
    if rest[0].lower() in {"all", "alle"}:
        ended = await asyncio.to_thread(db.end_chat, target.chat_id, "unsubscribed all")
        await reply(update, context, text("unsubscribed_all", language, count=ended))
        return
    number = rest[0].lstrip("#")
    if not number.isdigit():
        await reply(update, context, text("unsubscribe_usage", language))
        return
    await reply(update, context, await _end(db, target.chat_id, int(number), language))


async def _end(db: SubscriptionDB, chat_id: int, subscription_id: int, language: str) -> str:
    found = await asyncio.to_thread(db.get, subscription_id)
    if found is None or found.chat_id != chat_id or not found.active:
        return text("unsubscribe_unknown", language, id=subscription_id)
    await asyncio.to_thread(db.end, subscription_id, "unsubscribed")
    return text("unsubscribed", language, id=subscription_id, topic=escape(found.topic))


async def unsubscribe_button(update: Update, context: Context) -> None:
    """The button under /subscriptions: the same permission checks as the command."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    await query.answer()
    language = user_language(update)
    number = int(query.data.removeprefix("unsub:"))
    db = subscription_db(context)
    found = await asyncio.to_thread(db.get, number)
    if found is None or not await targets.may_manage(update, context, found.chat_id, language):
        return
    await reply(update, context, await _end(db, found.chat_id, number, language))


async def my_chat_member(update: Update, context: Context) -> None:
    """The bot was removed from a group or channel, or blocked: that chat's subscriptions end."""
    change = update.my_chat_member
    if change is None or context.newsbot.subscriptions is None:
        return
    if change.new_chat_member.status in {ChatMemberStatus.LEFT, ChatMemberStatus.BANNED}:
        # Each step on its own: a failure to end the subscriptions must not keep the chat's stored conversation.
        chats = context.newsbot.chats
        if chats is not None:
            try:
                await asyncio.to_thread(chats.forget, change.chat.id)
            except NewsbotError as error:
                log.warning("state of a chat the bot left not deleted: %s", error, extra={"chat_id": change.chat.id})
        try:
            ended = await asyncio.to_thread(subscription_db(context).end_chat, change.chat.id, f"bot {change.new_chat_member.status}")
        except NewsbotError as error:  # a later post there is refused (Forbidden), which ends them then
            log.warning("subscriptions of a chat the bot left not ended: %s", error, extra={"chat_id": change.chat.id})
            return
        log.info("removed from a chat", extra={"event": "removed", "chat_id": change.chat.id, "ended": ended})


async def topic_closed(update: Update, context: Context) -> None:
    """A forum topic was closed: the subscriptions posting into it end (a later send would be refused)."""
    message = update.effective_message
    if message is None or message.message_thread_id is None or context.newsbot.subscriptions is None:
        return
    await delivery.topic_gone(subscription_db(context), message.chat.id, message.message_thread_id, "forum topic closed")


# --- jobs -------------------------------------------------------------------------------


async def poll_feeds(context: Context) -> None:
    """The feed job: one failure is logged, the next run tries again."""
    try:
        await poll_feeds_now(context.application)
    except NewsbotError as error:
        log.warning("feeds not polled: %s", error)


async def poll_feeds_now(app: Application) -> None:  # type: ignore[type-arg]
    """Read the feeds in the database, index what is new, queue the posts and send them."""
    bot_state: BotState = app.bot_data["state"]
    services, db = bot_state.services, bot_state.subscriptions
    if db is None:
        return
    now = bot_state.clock()
    await asyncio.to_thread(db.seed_feeds, services.settings.feeds)  # NEWSBOT_FEEDS: the initial list
    urls = [feed.url for feed in await asyncio.to_thread(db.feed_list)]
    if not urls:
        return
    with httpx.Client(timeout=30, follow_redirects=True, headers={"User-Agent": USER_AGENT}) as client:
        news = await asyncio.to_thread(feeds.poll_and_index, urls, services.embedder, services.store, db, client, now, services.sparse)
    await queue_and_deliver(app, news)


async def queue_and_deliver(app: Application, article_ids: list[str]) -> None:  # type: ignore[type-arg]
    """Match articles to watched questions and subscriptions, then send whatever is due."""
    bot_state: BotState = app.bot_data["state"]
    db = bot_state.subscriptions
    if db is None:
        return
    if article_ids:
        services = bot_state.services
        from bot import watches  # (imports this module)

        await watches.check_new_articles(app, article_ids)  # before the articles are recorded as seen
        try:
            await asyncio.to_thread(
                matching.queue_matches, article_ids, services.store, services.query_embedder(), db,
                min_score=services.settings.subscription_min_score, now=bot_state.clock(),
            )
        except NewsbotError as error:
            log.warning("new articles not matched to subscriptions yet: %s", error)
    await deliver(app)


async def deliver(app: Application) -> None:  # type: ignore[type-arg]
    """Send the due posts; one sender per process at a time."""
    bot_state: BotState = app.bot_data["state"]
    if bot_state.subscriptions is None:
        return
    async with bot_state.delivering:
        await access.apply_allow_list(bot_state)  # nothing is posted to a chat the list no longer allows
        await delivery.deliver_due(app.bot, bot_state.subscriptions, bot_state.clock())


async def deliver_job(context: Context) -> None:
    try:
        await deliver(context.application)
    except NewsbotError as error:
        log.warning("subscription posts postponed: %s", error)
