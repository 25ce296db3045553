"""Which chat a subscription or watch command changes, and whether the user may change it.

Shared by /subscribe and /watch (and their lists and buttons): anyone in a private chat,
a group's admins in a group (checked with getChatMember; an anonymous admin writes as the
group), a channel's admins from a private chat, naming the channel first
(`/subscribe @channel TOPIC`), after checking that the bot may post there.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import ChatMember, ChatMemberAdministrator, ChatMemberOwner, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden

from bot.chat import Context, reply, topic_of, user_language
from bot.formatting import escape
from bot.texts import text

ADMIN_STATUSES = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}


@dataclass(frozen=True)
class Target:
    """The chat whose subscriptions or watches a command changes, and how to name it in replies."""

    chat_id: int
    label: str
    title: str
    thread_id: int | None = None  # the forum topic the command was given in


def is_channel_ref(word: str) -> bool:
    return word.startswith("@") or (word.startswith("-100") and word[1:].isdigit())


async def target(update: Update, context: Context, args: list[str]) -> Target | None:
    """This chat, or the channel named first in a private chat; None (with a reply) if not allowed."""
    chat, user = update.effective_chat, update.effective_user
    language = user_language(update)
    if chat is None or user is None:
        return None
    if args and is_channel_ref(args[0]):
        if chat.type != ChatType.PRIVATE:
            await reply(update, context, text("channel_in_private", language))
            return None
        return await _channel(update, context, args[0], user.id)
    if chat.type != ChatType.PRIVATE and not await _group_admin(update, context):
        await reply(update, context, text("group_admins_only", language))
        return None
    return Target(chat.id, text("this_chat", language), chat.title or chat.full_name or str(chat.id), topic_of(update))


async def _group_admin(update: Update, context: Context) -> bool:
    chat, message, user = update.effective_chat, update.effective_message, update.effective_user
    if chat is None or user is None:
        return False
    if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True  # an anonymous group admin writes as the group itself
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in ADMIN_STATUSES


async def _channel(update: Update, context: Context, reference: str, user_id: int) -> Target | None:
    language = user_language(update)
    name = escape(reference)
    try:
        channel = await context.bot.get_chat(int(reference) if reference.lstrip("-").isdigit() else reference)
        member = await context.bot.get_chat_member(channel.id, user_id)
        if member.status not in ADMIN_STATUSES:
            await reply(update, context, text("not_channel_admin", language, channel=name))
            return None
        bot_member: ChatMember = await context.bot.get_chat_member(channel.id, context.bot.id)
    except (BadRequest, Forbidden):
        await reply(update, context, text("channel_unknown", language, channel=name))
        return None
    may_post = isinstance(bot_member, ChatMemberOwner) or (
        isinstance(bot_member, ChatMemberAdministrator) and bool(bot_member.can_post_messages)
    )
    if not may_post:
        await reply(update, context, text("bot_cannot_post", language, channel=name))
        return None
    label = f"@{channel.username}" if channel.username else escape(channel.title or str(channel.id))
    return Target(channel.id, label, channel.title or label)


async def may_manage(update: Update, context: Context, owner: int, language: str) -> bool:
    """May the user who pressed a button end something of chat `owner`? In a private chat their own
    things; a channel's things (its list shown in a private chat) if they administer the channel;
    a group's things if they administer the group (else they are told so)."""
    chat = update.effective_chat
    if chat is None:
        return False
    if owner != chat.id:
        user = update.effective_user.id if update.effective_user else 0
        return await _channel(update, context, str(owner), user) is not None
    if chat.type != ChatType.PRIVATE and not await _group_admin(update, context):
        await reply(update, context, text("group_admins_only", language))
        return False
    return True
