"""What every chat feature shares: the bot's state, replies, "typing…", buttons and error wording.

Handlers (bot.handlers, bot.admin, bot.subscriptions, bot.written_answers)
import from here, so none of them needs another.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, ChatType
from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot import sending
from bot.question_stats import QuestionStats
from bot.texts import language_of, text
from index.bootstrap import Services
from index.subscriptions.chat_state import ChatState
from index.domain import Answer
from index.errors import IndexEmpty, ModelMismatch, NewsbotError, QuestionError, Unavailable
from index.ingest.rebuild import ReindexProgress
from index.subscriptions.database import SubscriptionDB, utcnow

log = logging.getLogger(__name__)

TYPING_EVERY_SECONDS = 4.0


@dataclass
class BotState:
    """What the handlers share, kept in `application.bot_data["state"]`."""

    services: Services
    username: str = ""
    subscriptions: SubscriptionDB | None = None
    chats: ChatState | None = None  # recent questions and conversations, in the database
    questions: QuestionStats = field(default_factory=QuestionStats)
    reindex: ReindexProgress | None = None  # the reindex this process runs, if any
    clock: Callable[[], datetime] = utcnow  # tests move time forward for digests
    delivering: asyncio.Lock = field(default_factory=asyncio.Lock)
    allow_list_applied: bool = False  # what NEWSBOT_ALLOWED_CHATS no longer allows was ended (once per start)

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.services.settings.admin_ids


class Context(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The handlers' context, typed: the bot's state, and the chat's state stored in the database.

    Nothing lives in python-telegram-bot's per-process chat_data: after a restart,
    or on another bot process behind the same webhook, a chat's state is the same.
    """

    @property
    def newsbot(self) -> BotState:
        return self.bot_data["state"]  # type: ignore[no-any-return]

    @property
    def chats(self) -> ChatState | None:
        return self.newsbot.chats


CONTEXT_TYPES = ContextTypes(context=Context)


def state(context: ContextTypes.DEFAULT_TYPE) -> BotState:
    return context.bot_data["state"]  # type: ignore[no-any-return]


def subscription_db(context: ContextTypes.DEFAULT_TYPE) -> SubscriptionDB:
    """The subscription database, open once the bot has started (post_init)."""
    db = state(context).subscriptions
    if db is None:
        raise RuntimeError("the subscription database is not open")
    return db


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
    if isinstance(error, Unavailable):
        return text("unavailable", language)
    log.warning("could not answer: %s", error)
    return text("failed", language)


def topic_of(update: Update) -> int | None:
    """The forum topic an update happened in (a question, or the bot's message under a pressed button)."""
    message = update.effective_message
    if message is None or not message.is_topic_message:
        return None
    return message.message_thread_id


def user_language(update: Update) -> str:
    return language_of(update.effective_user.language_code if update.effective_user else None)


async def remember(context: Context, chat_id: int, question: str, thread: int | None = None) -> str:
    """Keep the question in the database so that buttons can refer to it in 64 bytes, from any process."""
    if context.chats is None:
        return "0"  # no database: the button will say the answer is too old
    try:
        return await asyncio.to_thread(context.chats.remember_question, chat_id, question, thread)
    except NewsbotError as error:
        log.warning("question not kept for its buttons: %s", error)
        return "0"


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


@contextlib.asynccontextmanager
async def typing(context: ContextTypes.DEFAULT_TYPE, chat_id: int, thread_id: int | None = None) -> AsyncIterator[None]:
    """Show "typing…" (in the topic, in a forum) until the block is done (Telegram clears it after ~5 s, so renew it)."""

    async def keep_typing() -> None:
        while True:
            with contextlib.suppress(Exception):  # a failed chat action must never cost the answer
                await context.bot.send_chat_action(chat_id, ChatAction.TYPING, message_thread_id=thread_id)
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

    In groups the first message replies to the question, so the answer is threaded;
    in a forum every message goes into the topic the update came from.
    """
    chat = update.effective_chat
    if chat is None:
        return
    parts = [messages] if isinstance(messages, str) else messages
    incoming: Message | None = update.effective_message if update.callback_query is None else None
    reply_to = incoming.message_id if incoming is not None and chat.type != ChatType.PRIVATE else None
    thread_id = topic_of(update)
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        sent = await sending.send(
            context.application, chat.id, part, markup=markup if last else None,
            reply_to=reply_to if index == 0 else None, thread_id=thread_id,
        )  # fmt: skip
        if sent is None:
            return
