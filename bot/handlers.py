"""Telegram handlers: translate an update into a service call and the result into replies.

Each handler is a few lines; the work is in `index.service` (run off the event
loop, so no question waits behind another) and the wording in `bot.formatting`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
import time
from dataclasses import dataclass, field
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot import formatting, sending
from bot.addressing import Entity, command_target, group_question
from bot.question_stats import QuestionStats
from bot.texts import language_of, text
from index.bootstrap import Services
from index.domain import Answer
from index.errors import IndexEmpty, ModelMismatch, NewsbotError, QuestionError, StoreUnavailable
from index.language import reply_language
from index.reindex import ReindexProgress
from index.subscription_db import SubscriptionDB, utcnow

log = logging.getLogger(__name__)

RECENT_QUESTIONS = 50  # per chat, for the "more passages" button
TYPING_EVERY_SECONDS = 4.0


@dataclass
class BotState:
    """What the handlers share, kept in `application.bot_data["state"]`."""

    services: Services
    username: str = ""
    subscriptions: SubscriptionDB | None = None
    questions: QuestionStats = field(default_factory=QuestionStats)
    reindex: ReindexProgress | None = None  # the reindex this process runs, if any
    clock: Callable[[], datetime] = utcnow  # tests move time forward for digests
    delivering: asyncio.Lock = field(default_factory=asyncio.Lock)

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.services.settings.admin_ids


def state(context: ContextTypes.DEFAULT_TYPE) -> BotState:
    return context.bot_data["state"]  # type: ignore[no-any-return]


# --- commands -------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    language = language_of(update.effective_user.language_code if update.effective_user else None)
    await reply(update, context, text("start", language))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    language = _user_language(update)
    help_text = text("help", language, username=state(context).username)
    if state(context).is_admin(update.effective_user.id if update.effective_user else None):
        help_text += "\n\n" + text("help_admin", language)
    await reply(update, context, help_text)


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await answer_question(update, context, " ".join(context.args or []))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
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


async def private_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message and update.effective_message.text:
        await answer_question(update, context, update.effective_message.text)


async def group_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
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


async def answer_question(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
    services = state(context).services
    language = reply_language(question) if question.strip() else _user_language(update)
    chat = update.effective_chat
    if chat is None:
        return
    started = time.perf_counter()
    try:
        async with typing(context, chat.id):
            answer = await asyncio.to_thread(services.ask, question)
    except NewsbotError as error:
        log.info("question", extra={"event": "question", "chat_type": chat.type, "result": type(error).__name__})
        await reply(update, context, problem_text(error, language))
        return
    latency = time.perf_counter() - started
    state(context).questions.record(latency)
    log.info(
        "question",
        extra={
            "event": "question",
            "chat_type": chat.type,
            "latency_ms": round(latency * 1000),
            "found": answer.found,
            "passages": len(answer.passages),
            "quotes": len(answer.quotes),
        },
    )
    messages = formatting.answer_messages(answer, shown=len(answer.passages))
    key = remember(context, answer.question)
    await reply(update, context, messages, markup=buttons(answer, key))


def problem_text(error: NewsbotError, language: str) -> str:
    """What the user reads when a question cannot be answered."""
    if isinstance(error, QuestionError):
        if error.kind == "too_long":
            return text("too_long", language, length=error.length, limit=error.limit)
        return text("empty_question" if error.kind == "empty" else "no_words", language)
    if isinstance(error, IndexEmpty):
        return text("index_empty", language)
    if isinstance(error, ModelMismatch):
        return text("needs_reindex", language)
    if isinstance(error, StoreUnavailable):
        return text("unavailable", language)
    log.warning("could not answer: %s", error)
    return text("failed", language)


def _user_language(update: Update) -> str:
    return language_of(update.effective_user.language_code if update.effective_user else None)


def remember(context: ContextTypes.DEFAULT_TYPE, question: str) -> str:
    """Keep the chat's recent questions so that buttons can refer to them in 64 bytes."""
    recent: OrderedDict[str, str] = context.chat_data.setdefault("questions", OrderedDict())  # type: ignore[union-attr]
    counter = context.chat_data.get("question_counter", 0) + 1  # type: ignore[union-attr]
    context.chat_data["question_counter"] = counter  # type: ignore[index]
    key = format(counter, "x")
    recent[key] = question
    while len(recent) > RECENT_QUESTIONS:
        recent.popitem(last=False)
    return key


def buttons(answer: Answer, key: str) -> InlineKeyboardMarkup | None:
    """More passages, the best passage in context, and its source. Callback data stays under 64 bytes."""
    if not answer.found:
        return None
    language = answer.language
    best = answer.passages[answer.quotes[0].passage].chunk
    row = [
        InlineKeyboardButton(text("more", language), callback_data=f"more:{key}:{len(answer.passages)}"),
        InlineKeyboardButton(text("context", language, paragraph=best.paragraph), callback_data=f"ctx:{best.id}"),
    ]
    rows = [row]
    if best.url and best.url.startswith(("http://", "https://")):
        rows.append([InlineKeyboardButton(text("open", language), url=best.url)])
    return InlineKeyboardMarkup(rows)


# --- buttons ------------------------------------------------------------------------


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    await query.answer()
    language = _user_language(update)
    kind, _, rest = query.data.partition(":")
    try:
        if kind == "more":
            key, _, offset = rest.partition(":")
            messages = await more_passages(context, key, int(offset or 0), language)
        elif kind == "ctx":
            messages = await context_of(context, rest, language)
        else:
            return
    except NewsbotError as error:
        messages = [problem_text(error, language)]
    await reply(update, context, messages)


async def more_passages(context: ContextTypes.DEFAULT_TYPE, key: str, offset: int, language: str) -> list[str]:
    question = (context.chat_data or {}).get("questions", {}).get(key)
    if question is None:
        return [text("expired", language)]
    services = state(context).services
    answer = await asyncio.to_thread(services.ask, question, min(offset + services.settings.top_k, 50))
    more = answer.passages[offset:]
    if not more:
        return [text("no_more", answer.language)]
    return formatting.more_messages(question, more, offset + 1, answer.language)


async def context_of(context: ContextTypes.DEFAULT_TYPE, chunk_id: str, language: str) -> list[str]:
    store = state(context).services.store
    chunk = await asyncio.to_thread(store.get, chunk_id)
    if chunk is None:
        return [text("gone", language)]
    around = await asyncio.to_thread(store.neighbours, chunk, 1, 1)
    return formatting.context_messages(around, chunk_id, language)


# --- plumbing -----------------------------------------------------------------------


@contextlib.asynccontextmanager
async def typing(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> AsyncIterator[None]:
    """Show "typing…" until the block is done (Telegram clears it after ~5 s, so renew it)."""

    async def keep_typing() -> None:
        while True:
            with contextlib.suppress(Exception):  # a failed chat action must never cost the answer
                await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
            await asyncio.sleep(TYPING_EVERY_SECONDS)

    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        task.cancel()


async def reply(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    messages: str | list[str],
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Send the messages to the chat of the update; buttons go under the last one.

    In groups the first message replies to the question, so the answer is threaded.
    """
    chat = update.effective_chat
    if chat is None:
        return
    parts = [messages] if isinstance(messages, str) else messages
    incoming: Message | None = update.effective_message if update.callback_query is None else None
    reply_to = incoming.message_id if incoming is not None and chat.type != ChatType.PRIVATE else None
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        sent = await sending.send(
            context.application, chat.id, part, markup=markup if last else None, reply_to=reply_to if index == 0 else None
        )
        if sent is None:
            return


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """One error path: log with the traceback, and tell the user something went wrong."""
    if isinstance(context.error, BadRequest) and "message is not modified" in context.error.message.lower():
        return  # a button pressed twice: nothing to change, nothing went wrong
    log.error("update failed", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        with contextlib.suppress(Exception):
            await sending.send(context.application, update.effective_chat.id, text("failed", _user_language(update)))

