"""Sending to Telegram without losing a reply to the errors Telegram returns.

429 flood control is waited out and retried by python-telegram-bot's
AIORateLimiter (set up in bot.app). Here: a group migrated to a supergroup gets
the message at its new id, a chat that blocked or removed the bot (403) is
logged and not retried, and if Telegram ever refuses our HTML the text is sent
plain rather than not at all. ("Message is not modified" is ignored by the one
error handler, bot.handlers.on_error.)
"""

from __future__ import annotations

import html
import logging
import re

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError
from telegram.ext import Application

log = logging.getLogger(__name__)

_TAG = re.compile(r"<[^>]+>")
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def plain(html_text: str) -> str:
    """Our HTML as plain text, for the fallback when Telegram refuses the markup."""
    return html.unescape(_TAG.sub("", html_text))


async def send_html(
    bot: Bot,
    chat_id: int,
    text: str,
    *,
    markup: InlineKeyboardMarkup | None = None,
    reply_to: int | None = None,
    thread_id: int | None = None,
) -> Message:
    """Send one HTML message, as plain text if Telegram refuses the markup; other errors are raised.

    `thread_id` is the forum topic the message belongs in (None: the chat itself).
    """
    try:
        message: Message = await bot.send_message(
            chat_id,
            text,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            link_preview_options=NO_PREVIEW,
            reply_to_message_id=reply_to,
            allow_sending_without_reply=True,
            message_thread_id=thread_id,
        )
        return message
    except BadRequest as error:
        if "can't parse entities" not in error.message.lower():
            raise
        log.error("Telegram refused our HTML (%s); sending as plain text", error.message)
        fallback: Message = await bot.send_message(
            chat_id, plain(text), reply_markup=markup, link_preview_options=NO_PREVIEW, message_thread_id=thread_id
        )
        return fallback


async def send(
    app: Application,  # type: ignore[type-arg]
    chat_id: int,
    text: str,
    *,
    markup: InlineKeyboardMarkup | None = None,
    reply_to: int | None = None,
    thread_id: int | None = None,
) -> Message | None:
    """Send one HTML message (into forum topic `thread_id`, if given); None when the chat cannot be reached (logged)."""
    try:
        return await send_html(app.bot, chat_id, text, markup=markup, reply_to=reply_to, thread_id=thread_id)
    except ChatMigrated as error:
        log.info("chat %s migrated to %s; sending there", chat_id, error.new_chat_id)
        app.migrate_chat_data(old_chat_id=chat_id, new_chat_id=error.new_chat_id)
        return await send(app, error.new_chat_id, text, markup=markup)  # a new supergroup has no topics yet
    except Forbidden as error:
        log.info("chat %s does not accept messages from the bot (%s); not retried", chat_id, error.message)
        return None


async def edit(message: Message | None, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Edit a status message (progress, an answer being written); never raises.

    A failed edit must not stop the work it reports on: "message is not modified"
    is ignored, anything else is logged.
    """
    if message is None:
        return
    try:
        await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup, link_preview_options=NO_PREVIEW)
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            log.warning("could not edit message %s: %s", message.message_id, error.message)
    except TelegramError as error:
        log.warning("could not edit message %s: %s", message.message_id, error)
