"""/watch, /watches, /unwatch and the Unwatch button; checking watches after new articles are indexed.

Who may change a chat's watches is decided as for subscriptions (bot.targets):
anyone in a private chat, a group's admins in a group, a channel's admins from a
private chat (`/watch @channel QUESTION`, after checking that the bot may post there).
The question goes through the normal answer path, so it is refused like a question
(empty, too long) and small talk (in any language: index.retrieval.small_talk) is not watched.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence

from telegram import Update
from telegram.ext import Application

from bot import formatting, targets, watch_formatting
from bot.chat import BotState, Context, problem_text, reply, subscription_db, typing, user_language
from bot.texts import text
from index.domain import Answer
from index.errors import NewsbotError
from index.retrieval import language as languages
from index.retrieval import small_talk
from index.retrieval.search import read_question
from index.subscriptions import watch_db, watches, watching
from index.subscriptions.database import SubscriptionDB, Watch

log = logging.getLogger(__name__)


def _split(args: Sequence[str]) -> tuple[list[str], list[str]]:
    """(the channel reference, if any, as a list; the rest)."""
    return (list(args[:1]), list(args[1:])) if args and targets.is_channel_ref(args[0]) else ([], list(args))


async def watch_command(update: Update, context: Context) -> None:
    args = list(context.args or [])
    channel, words = _split(args)
    question = " ".join(words)
    language = languages.reply_language(question) if question.strip() else user_language(update)
    if not question.strip():
        await reply(update, context, text("watch_usage", language))
        return
    services = context.newsbot.services
    try:
        asked = read_question(question, services.settings.max_question_chars)
    except NewsbotError as error:
        await reply(update, context, problem_text(error, language))
        return
    cleaned = asked.text
    if asked.analysis.small_talk:  # by its words: nothing to embed
        await reply(update, context, text("watch_small_talk", language))
        return
    try:
        embedder = services.query_embedder()
        vector = await asyncio.to_thread(embedder.embed_query, cleaned)
        chatter = await asyncio.to_thread(small_talk.recognised, vector, embedder)
    except NewsbotError as error:
        await reply(update, context, problem_text(error, language))
        return
    if chatter:  # by meaning, in any language
        await reply(update, context, text("watch_small_talk", language))
        return
    target = await targets.target(update, context, [*channel, *words])
    if target is None:
        return
    chat = update.effective_chat
    try:
        async with typing(context, chat.id if chat else target.chat_id):
            answer: Answer = await asyncio.to_thread(services.answer, cleaned)
        remembered = watches.remembered(answer)
        watch = Watch(
            chat_id=target.chat_id, chat_title=target.title[:256], thread_id=target.thread_id, question=cleaned,
            language=answer.language, answer=None, vector=watches.vector_bytes(vector), model=embedder.name,
            created_by=update.effective_user.id if update.effective_user else None,
        )  # fmt: skip
        if remembered is not None:
            watch.answer = json.dumps(remembered.to_json(), ensure_ascii=False)
        saved = await asyncio.to_thread(watch_db.add, subscription_db(context), watch)
    except NewsbotError as error:
        await reply(update, context, problem_text(error, language))
        return
    log.info("watching", extra={"event": "watching", "watch": saved.id, "chat_id": target.chat_id, "found": answer.found})
    messages = formatting.answer_messages(answer, shown=len(answer.passages)) if answer.found else []
    key = "watching" if answer.found else "watching_unanswered"
    label = text("this_chat", answer.language) if chat is not None and target.chat_id == chat.id else target.label
    await reply(update, context, [*messages, text(key, answer.language, chat=label, id=saved.id)])


async def watches_command(update: Update, context: Context) -> None:
    target = await targets.target(update, context, list(context.args or []))
    if target is None:
        return
    found = await asyncio.to_thread(watch_db.active, subscription_db(context), target.chat_id)
    listed = [(watch, watch_db.answer_of(watch)) for watch in found]
    messages, markup = watch_formatting.watch_list(listed, target.label, user_language(update))
    await reply(update, context, messages, markup=markup)


async def unwatch_command(update: Update, context: Context) -> None:
    language = user_language(update)
    args = list(context.args or [])
    target = await targets.target(update, context, args)
    if target is None:
        return
    _, rest = _split(args)
    db = subscription_db(context)
    if not rest:
        await watches_command(update, context)
        return
    if rest[0].lower() in {"all", "alle"}:
        ended = await asyncio.to_thread(watch_db.end_chat, db, target.chat_id, "unwatched all")
        await reply(update, context, text("unwatched_all", language, count=ended))
        return
    number = rest[0].lstrip("#")
    if not number.isdigit():
        await reply(update, context, text("unwatch_usage", language))
        return
    await reply(update, context, await _end(db, target.chat_id, int(number), language))


async def _end(db: SubscriptionDB, chat_id: int, watch_id: int, language: str) -> str:
    found = await asyncio.to_thread(watch_db.get, db, watch_id)
    if found is None or found.chat_id != chat_id or not found.active:
        return text("unwatch_unknown", language, id=watch_id)
    await asyncio.to_thread(watch_db.end, db, watch_id, "unwatched")
    return text("unwatched", language, id=watch_id, question=formatting.escape(found.question))


async def unwatch_button(update: Update, context: Context) -> None:
    """The button under /watches: the same permission checks as the command."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    await query.answer()
    language = user_language(update)
    number = int(query.data.removeprefix("unwatch:"))
    db = subscription_db(context)
    found = await asyncio.to_thread(watch_db.get, db, number)
    if found is None or not await targets.may_manage(update, context, found.chat_id, language):
        return
    await reply(update, context, await _end(db, found.chat_id, number, language))


async def check_new_articles(app: Application, article_ids: Sequence[str]) -> None:  # type: ignore[type-arg]
    """Ask the watched questions the new articles could bear on again, and queue posts where the answer changed.

    Called before subscription matching records the articles as seen, with the ones not seen yet.
    """
    bot_state: BotState = app.bot_data["state"]
    db = bot_state.subscriptions
    if db is None or not article_ids:
        return
    services = bot_state.services
    settings = services.settings
    try:
        fresh = await asyncio.to_thread(db.unseen, list(article_ids))
        await asyncio.to_thread(
            watching.check_new_articles, fresh, services.store, services.query_embedder(), services.answer, db,
            threshold=settings.min_score - settings.watch_prefilter_margin, now=bot_state.clock(),
        )  # fmt: skip
    except NewsbotError as error:
        log.warning("watched questions not checked against the new articles: %s", error)
