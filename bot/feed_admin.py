"""Admins manage the polled feeds from the chat: /feeds, /feed add|remove, OPML import and export.

The list lives in the subscription database (index.subscriptions.feeds), so every bot process
polls the same feeds and a change needs no restart. The work runs off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import PurePath

import httpx
from telegram import InputFile, Update
from telegram.constants import ChatType

from bot import admin_formatting, subscriptions
from bot.admin import admin_only
from bot.chat import Context, reply, subscription_db, topic_of, user_language
from bot.formatting import escape
from bot.texts import text
from index.subscriptions import feeds
from index.subscriptions import opml
from index.errors import NewsbotError
from index.ingest.loading import USER_AGENT

log = logging.getLogger(__name__)

MAX_OPML_BYTES = 1_000_000


@admin_only
async def feeds_command(update: Update, context: Context) -> None:
    """/feeds: the list; /feeds opml: the list as a file."""
    args = [a.lower() for a in context.args or []]
    if args == ["opml"]:
        await _export(update, context)
        return
    if args:
        await reply(update, context, text("feed_usage", user_language(update)))
        return
    services = context.newsbot.services
    found = await asyncio.to_thread(feeds.listing, subscription_db(context), services.store)
    await reply(update, context, admin_formatting.feed_list(found, user_language(update)))


@admin_only
async def feed_command(update: Update, context: Context) -> None:
    """/feed add URL, /feed remove N."""
    language = user_language(update)
    args = list(context.args or [])
    action = args[0].lower() if args else ""
    if action == "add" and len(args) == 2:
        await reply(update, context, await _add(context, args[1], language))
    elif action == "remove" and len(args) == 2 and args[1].lstrip("#").isdigit():
        try:
            url = await asyncio.to_thread(feeds.remove, int(args[1].lstrip("#")), subscription_db(context))
        except NewsbotError as error:
            await reply(update, context, text("feed_not_removed", language, reason=escape(str(error))))
            return
        log.info("feed removed", extra={"event": "feed_removed", "feed": url})
        await reply(update, context, text("feed_removed", language, url=escape(url)))
    else:
        await reply(update, context, text("feed_usage", language))


async def _add(context: Context, url: str, language: str) -> str:
    services, bot_state = context.newsbot.services, context.newsbot
    try:
        with httpx.Client(timeout=30, follow_redirects=True, headers={"User-Agent": USER_AGENT}) as client:
            count = await asyncio.to_thread(
                feeds.add, url, services.embedder, services.store, subscription_db(context), client, bot_state.clock(), services.sparse
            )
    except NewsbotError as error:
        reason = error.reason if hasattr(error, "reason") else str(error)
        return text("feed_not_added", language, reason=escape(reason))
    log.info("feed added", extra={"event": "feed_added", "feed": url, "articles": count})
    return text("feed_added", language, url=escape(url), count=count)


async def _export(update: Update, context: Context) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    urls = [feed.url for feed in await asyncio.to_thread(subscription_db(context).feed_list)]
    document = InputFile(opml.document(urls), filename="newsbot-feeds.opml")
    caption = text("opml_caption", user_language(update), count=len(urls))
    await context.bot.send_document(chat.id, document, caption=caption, message_thread_id=topic_of(update))


async def opml_upload(update: Update, context: Context) -> None:
    """An .opml file sent to the bot by an admin: its feeds are added (read at once; what they hold is backlog).

    Anyone else is told in a private chat; in a group a shared file is not for the bot.
    """
    language = user_language(update)
    message = update.effective_message
    if message is None or message.document is None:
        return
    if not context.newsbot.is_admin(update.effective_user.id if update.effective_user else None):
        if message.chat.type == ChatType.PRIVATE:
            await reply(update, context, text("not_admin", language, command="feeds"))
        return
    name = escape(PurePath(message.document.file_name or "the file").name)
    if (message.document.file_size or 0) > MAX_OPML_BYTES:
        await reply(update, context, text("opml_problem", language, name=name, reason="it is larger than 1 MB"))
        return
    data = bytes(await (await message.document.get_file()).download_as_bytearray())
    db, now = subscription_db(context), context.newsbot.clock()
    try:
        urls = await asyncio.to_thread(opml.feed_urls, data)  # up to 1 MB of XML: not on the event loop
    except NewsbotError as error:
        await reply(update, context, text("opml_problem", language, name=name, reason=escape(str(error))))
        return
    added = await asyncio.to_thread(feeds.add_unchecked, urls, db, now)
    log.info("feeds imported", extra={"event": "feeds_imported", "added": added, "listed": len(urls)})
    await reply(update, context, text("feeds_imported", language, added=added, known=len(urls) - added, name=name))
    if added:
        context.application.create_task(subscriptions.poll_feeds(context), name="poll imported feeds")
