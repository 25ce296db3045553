"""Admin commands: /reindex, /stats, /sources, /ingest, /forget.

Admins are the user ids in NEWSBOT_ADMIN_IDS; anyone else gets a polite
refusal and nothing happens. The work is in index.ingest.rebuild and index.service,
run off the event loop; a reindex reports by editing one progress message.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Message, Update
from telegram.ext import Application

from bot import admin_formatting, sending, subscriptions
from bot.formatting import escape
from bot.chat import BotState, Context, problem_text, reply, topic_of, user_language
from bot.texts import text
from index.ingest import indexing
from index.ingest import loading
from index.ingest import rebuild
from index.store import sparse_index
from index.errors import NewsbotError, ReindexRunning

log = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 3.0  # edits of the progress message; well inside Telegram's limits
Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]


def admin_only(handler: Handler) -> Handler:
    """Run `handler` for admins; everyone else is told so, and nothing happens."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: Context) -> None:
        user = update.effective_user
        if not context.newsbot.is_admin(user.id if user else None):
            command = handler.__name__.removesuffix("_command")
            log.info("admin command refused", extra={"event": "refused", "command": command, "user_id": user.id if user else None})
            await reply(update, context, text("not_admin", user_language(update), command=command))
            return
        await handler(update, context)

    return guarded


# --- /reindex ----------------------------------------------------------------------


@admin_only
async def reindex_command(update: Update, context: Context) -> None:
    bot_state = context.newsbot
    language = user_language(update)
    chat = update.effective_chat
    if chat is None:
        return
    if bot_state.reindex is not None:
        running = admin_formatting.reindex_progress(bot_state.reindex, language)
        await reply(update, context, text("reindex_running", language, progress=running))
        return
    services = bot_state.services
    progress = rebuild.ReindexProgress()
    bot_state.reindex = progress  # claimed before the first await: a second /reindex sees it
    try:
        db = bot_state.subscriptions
        polled = [feed.url for feed in await asyncio.to_thread(db.feed_list)] if db is not None else services.settings.feeds
        configured = [*services.settings.sources, *polled]
        sources = await asyncio.to_thread(rebuild.sources_to_read, configured, services.store)
    except NewsbotError as error:
        bot_state.reindex = None
        await reply(update, context, problem_text(error, language))
        return
    await reply(update, context, text("reindex_started", language, sources=escape(", ".join(sources))))
    thread_id = topic_of(update)
    status = await sending.send(context.application, chat.id, admin_formatting.reindex_progress(progress, language), thread_id=thread_id)
    context.application.create_task(
        _run_reindex(context.application, bot_state, (chat.id, thread_id), status, progress, sources, language), name="reindex"
    )


async def _run_reindex(
    app: Application,  # type: ignore[type-arg]
    bot_state: BotState,
    where: tuple[int, int | None],  # chat id, forum topic
    status: Message | None,
    progress: rebuild.ReindexProgress,
    sources: list[str],
    language: str,
) -> None:
    services = bot_state.services
    work = asyncio.ensure_future(
        asyncio.to_thread(
            rebuild.reindex, sources, services.embedder, services.store,
            progress=progress, keywords_dir=services.keywords_dir, sparse=services.sparse,
        )
    )
    try:
        shown = ""
        while not work.done():
            await asyncio.wait({work}, timeout=PROGRESS_EVERY_SECONDS)
            current = admin_formatting.reindex_progress(progress, language)
            if not work.done() and current != shown:
                await sending.edit(status, current)
                shown = current
        try:
            report = work.result()
        except ReindexRunning:
            await sending.edit(status, text("reindex_elsewhere", language))
            return
        except NewsbotError as error:  # nothing to read, the store down, …
            await sending.edit(status, text("reindex_failed", language, reason=escape(str(error))))
            return
        except Exception:
            log.exception("reindex failed")
            await sending.edit(status, text("reindex_failed", language, reason=text("failed", language)))
            return
        messages = admin_formatting.reindex_done(report, language)
        await sending.edit(status, messages[0])
        for extra in messages[1:]:
            await sending.send(app, where[0], extra, thread_id=where[1])
    finally:
        bot_state.reindex = None


# --- /stats and /sources --------------------------------------------------------------


@admin_only
async def stats_command(update: Update, context: Context) -> None:
    bot_state = context.newsbot
    language = user_language(update)
    store = bot_state.services.store
    db = bot_state.subscriptions
    try:
        info = await asyncio.to_thread(store.info)
        change = await asyncio.to_thread(bot_state.services.model_change)
        sparse = bot_state.services.sparse
        status = await asyncio.to_thread(sparse.status, store) if sparse is not None else None
        sentences = await asyncio.to_thread(store.has_sentence_vectors)
        subscribed = await asyncio.to_thread(db.count_active) if db is not None else None
    except NewsbotError as error:
        await reply(update, context, problem_text(error, language))
        return
    answered, median = bot_state.questions.today()
    message = admin_formatting.stats(info, answered, median, language, sparse_index.signals(status, sentences))
    if subscribed is not None:
        message += "\n" + text("subscriptions_stat", language, count=subscribed)
    if change is not None:
        message += "\n\n" + text("model_changed", language, built=escape(change[0]), configured=escape(change[1]))
    if bot_state.reindex is not None:
        message += "\n\n" + admin_formatting.reindex_progress(bot_state.reindex, language)
    await reply(update, context, message)


@admin_only
async def sources_command(update: Update, context: Context) -> None:
    language = user_language(update)
    try:
        found = await asyncio.to_thread(context.newsbot.services.store.sources)
    except NewsbotError as error:
        await reply(update, context, problem_text(error, language))
        return
    await reply(update, context, admin_formatting.sources_list(found, language))


# --- /ingest and /forget ------------------------------------------------------------


@admin_only
async def ingest_command(update: Update, context: Context) -> None:
    language = user_language(update)
    source = " ".join(context.args or []).strip()
    if not loading.is_url(source):
        await reply(update, context, text("ingest_usage", language))
        return
    services = context.newsbot.services
    await reply(update, context, text("ingest_started", language, source=escape(source)))
    try:
        report = await asyncio.to_thread(indexing.ingest, [source], services.embedder, services.store, sparse=services.sparse)
    except NewsbotError as error:
        await reply(update, context, text("ingest_nothing", language, source=escape(source), reason=escape(str(error))))
        return
    if report.articles == 0:
        reason = "; ".join(reason for _, reason in report.errors) or "no article found"
        await reply(update, context, text("ingest_nothing", language, source=escape(source), reason=escape(reason)))
        return
    await reply(update, context, admin_formatting.ingest_done(report, source, language))
    await subscriptions.queue_and_deliver(context.application, report.new_articles)


@admin_only
async def forget_command(update: Update, context: Context) -> None:
    language = user_language(update)
    source = " ".join(context.args or []).strip()
    if not source:
        await reply(update, context, text("forget_usage", language))
        return
    services = context.newsbot.services
    try:
        removed = await asyncio.to_thread(indexing.forget, source, services.store, services.sparse)
    except NewsbotError as error:
        await reply(update, context, problem_text(error, language))
        return
    key = "forget_done" if removed else "forget_none"
    await reply(update, context, text(key, language, count=removed, source=escape(source)))


# --- at start -------------------------------------------------------------------------


async def tell_admins_about_model_change(app: Application) -> None:  # type: ignore[type-arg]
    """A changed NEWSBOT_EMBEDDING_MODEL: the old index keeps serving; admins learn to /reindex."""
    bot_state: BotState = app.bot_data["state"]
    with contextlib.suppress(NewsbotError):
        change = await asyncio.to_thread(bot_state.services.model_change)
        if change is None:
            return
        log.warning("the index was built with %s but %s is configured: /reindex", *change)
        for admin in bot_state.services.settings.admin_ids:
            await sending.send(app, admin, text("model_changed", "en", built=escape(change[0]), configured=escape(change[1])))
