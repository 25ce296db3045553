"""Who may use the bot: NEWSBOT_ALLOWED_CHATS, user and chat ids; empty means everyone.

One handler in the group that runs first: an update from a user and a chat that are
both not on the list gets one polite line (when it was meant for the bot) and goes no
further, so nothing is answered, indexed or stored for it. Admins (NEWSBOT_ADMIN_IDS)
are always allowed, so a list that forgets them cannot lock them out. At start, what
a shorter list no longer allows ends: subscriptions are ended, stored chat state deleted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.addressing import Entity, command_target, group_question
from bot.chat import BotState, Context, reply, user_language
from bot.texts import text

log = logging.getLogger(__name__)


def allowed(update: Update, allowed_ids: Collection[int], admin_ids: Collection[int] = ()) -> bool:
    """On the list: the user who sent the update (or an admin), or the chat it came from."""
    if not allowed_ids or update.my_chat_member is not None:  # membership changes only end things
        return True
    user, chat = update.effective_user, update.effective_chat
    if user is not None and (user.id in allowed_ids or user.id in admin_ids):
        return True
    return chat is not None and chat.id in allowed_ids


async def apply_allow_list(state: BotState) -> None:
    """End what the allow-list no longer allows: subscriptions (no more posts) and stored chat state.

    Once per start, since the list only changes with a restart; raises NewsbotError
    (the database down) so that the next delivery run tries again first.
    """
    settings = state.services.settings
    if state.allow_list_applied or not settings.allowed_chats:
        state.allow_list_applied = True
        return
    allowed_ids = {*settings.allowed_chats, *settings.admin_ids}
    if state.subscriptions is not None:
        ended = await asyncio.to_thread(state.subscriptions.end_not_allowed, allowed_ids, "not in NEWSBOT_ALLOWED_CHATS")
        for subscription in ended:
            log.info(
                "subscription ended: its chat is not allowed",
                extra={"event": "not_allowed_ended", "chat_id": subscription.chat_id, "subscription": subscription.id},
            )
    if state.chats is not None:
        forgotten = await asyncio.to_thread(state.chats.forget_all_but, allowed_ids)
        if forgotten:
            log.info("chat state of chats not allowed deleted", extra={"event": "not_allowed_forgotten", "chats": forgotten})
    state.allow_list_applied = True


def _meant_for_us(update: Update, username: str, bot_id: int) -> bool:
    """Private messages, commands for us, mentions and replies to us; not other group chatter."""
    message = update.message
    if message is None or message.text is None:
        return False
    if message.chat.type == ChatType.PRIVATE:
        return True
    if message.text.startswith("/"):
        target = command_target(message.text)
        return target is None or target.lower() == username.lower()
    entities = [Entity(e.type, e.offset, e.length) for e in message.entities]
    replied = message.reply_to_message
    to_bot = bool(replied and replied.from_user and replied.from_user.id == bot_id)
    return group_question(message.text, entities, username, to_bot) is not None


async def gate(update: Update, context: Context) -> None:
    """Stop updates from users and chats that are not allowed, after one polite line."""
    settings = context.newsbot.services.settings
    if allowed(update, settings.allowed_chats, settings.admin_ids):
        return
    user, chat = update.effective_user, update.effective_chat
    log.info("not allowed", extra={"event": "not_allowed", "user_id": user.id if user else None, "chat_id": chat.id if chat else None})
    language = user_language(update)
    ask_for = chat.id if chat is not None and chat.type != ChatType.PRIVATE else (user.id if user else 0)
    line = text("not_allowed", language, id=ask_for)
    if update.callback_query is not None:
        await update.callback_query.answer(text("not_allowed_short", language), show_alert=True)
    elif update.inline_query is not None:
        await update.inline_query.answer([], cache_time=60, is_personal=True)
    elif _meant_for_us(update, context.newsbot.username, context.bot.id):
        await reply(update, context, line)
    raise ApplicationHandlerStop
