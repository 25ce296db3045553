"""Telegram handlers: translate an update into a service call and the result into replies.

Each handler is a few lines; the work is in `index.service` (run off the event
loop, so no question waits behind another) and the wording in `bot.formatting`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from telegram import Update
from telegram.constants import ChatType
from telegram.error import BadRequest

from bot import formatting, sending
from bot.addressing import Entity, command_target, group_question
from bot.chat import Context, buttons, problem_text, remember, reply, state, topic_of, typing, user_language
from bot.texts import language_of, text
from bot.written_answers import answer_in_writing
from index.domain import Answer
from index.errors import NewsbotError
from index.retrieval.language import reply_language

log = logging.getLogger(__name__)


# --- commands -------------------------------------------------------------------


async def start(update: Update, context: Context) -> None:
    language = language_of(update.effective_user.language_code if update.effective_user else None)
    await reply(update, context, text("start", language))


async def help_command(update: Update, context: Context) -> None:
    language = user_language(update)
    help_text = text("help", language, username=state(context).username)
    if state(context).is_admin(update.effective_user.id if update.effective_user else None):
        help_text += "\n\n" + text("help_admin", language)
    await reply(update, context, help_text)


async def ask_command(update: Update, context: Context) -> None:
    await answer_question(update, context, " ".join(context.args or []))


async def unknown_command(update: Update, context: Context) -> None:
    """In private chats any unknown command gets help; in groups only one addressed to us."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    if message.chat.type != ChatType.PRIVATE:
        target = command_target(message.text)
        if target is None or target.lower() != state(context).username.lower():
            return
    language = language_of(update.effective_user.language_code if update.effective_user else None)
    await reply(update, context, text("unknown_command", language) + "\n\n" + text("help", language, username=state(context).username))


# --- questions --------------------------------------------------------------------


async def private_text(update: Update, context: Context) -> None:
    if update.effective_message and update.effective_message.text:
        await answer_question(update, context, update.effective_message.text)


async def group_text(update: Update, context: Context) -> None:
    """Answer only when mentioned or replied to; other group chatter is not for us."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    entities = [Entity(e.type, e.offset, e.length) for e in message.entities]
    replied = message.reply_to_message
    replies_to_bot = bool(replied and replied.from_user and replied.from_user.id == context.bot.id)
    question = group_question(message.text, entities, state(context).username, replies_to_bot)
    if question is not None:
        await answer_question(update, context, question)


async def answer_question(update: Update, context: Context, question: str) -> None:
    """One path for every question: extractive or written, it is timed, counted, logged and its errors worded here."""
    services = state(context).services
    language = reply_language(question) if question.strip() else user_language(update)
    chat = update.effective_chat
    if chat is None:
        return
    written = services.llm is not None and bool(question.strip())
    started = time.perf_counter()
    try:
        if services.llm is not None and written:
            answer = await answer_in_writing(update, context, question, services.llm, language)
        else:
            answer = await answer_extractively(update, context, chat.id, question)
    except NewsbotError as error:
        log.info("question", extra={"event": "question", "chat_type": chat.type, "written": written, "result": type(error).__name__})
        await reply(update, context, problem_text(error, language))
        return
    latency = time.perf_counter() - started
    state(context).questions.record(latency)
    log.info(
        "question",
        extra={
            "event": "question",
            "chat_type": chat.type,
            "written": written,
            "latency_ms": round(latency * 1000),
            "found": answer.found,
            "passages": len(answer.passages),
            "quotes": len(answer.quotes),
        },
    )


async def answer_extractively(update: Update, context: Context, chat_id: int, question: str) -> Answer:
    """The quoted sentences and their passages; retrieval errors are raised to answer_question."""
    async with typing(context, chat_id, topic_of(update)):
        answer = await asyncio.to_thread(state(context).services.answer, question)
    messages = formatting.answer_messages(answer, shown=len(answer.passages))
    key = await remember(context, chat_id, answer.question, topic_of(update))
    await reply(update, context, messages, markup=buttons(answer, key))
    return answer


# --- buttons ------------------------------------------------------------------------


async def button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    await query.answer()
    language = user_language(update)
    kind, _, rest = query.data.partition(":")
    try:
        if kind == "more":
            key, _, offset = rest.partition(":")
            chat_id = update.effective_chat.id if update.effective_chat else 0
            messages = await more_passages(context, chat_id, key, int(offset or 0), language)
        elif kind == "ctx":
            messages = await context_of(context, rest, language)
        else:
            return
    except NewsbotError as error:
        messages = [problem_text(error, language)]
    await reply(update, context, messages)


async def more_passages(context: Context, chat_id: int, key: str, offset: int, language: str) -> list[str]:
    chats = context.chats
    question = await asyncio.to_thread(chats.question, chat_id, key) if chats is not None else None
    if question is None:
        return [text("expired", language)]
    services = state(context).services
    asked, passages = await asyncio.to_thread(services.passages, question, min(offset + services.settings.top_k, 50))
    more = passages[offset:]
    if not more:
        return [text("no_more", asked.reply_language)]
    return formatting.more_messages(question, more, offset + 1, asked.reply_language)


async def context_of(context: Context, chunk_id: str, language: str) -> list[str]:
    store = state(context).services.store
    chunk = await asyncio.to_thread(store.get, chunk_id)
    if chunk is None:
        return [text("gone", language)]
    around = await asyncio.to_thread(store.neighbours, chunk, 1, 1)
    return formatting.context_messages(around, chunk_id, language)


# --- plumbing -----------------------------------------------------------------------


async def on_error(update: object, context: Context) -> None:
    """One error path: log with the traceback, and tell the user something went wrong."""
    if isinstance(context.error, BadRequest) and "message is not modified" in context.error.message.lower():
        return  # a button pressed twice: nothing to change, nothing went wrong
    log.error("update failed", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        with contextlib.suppress(Exception):
            await sending.send(context.application, update.effective_chat.id, text("failed", user_language(update)), thread_id=topic_of(update))

