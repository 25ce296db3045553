"""Wiring: settings and services in, a running python-telegram-bot Application out."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import threading
import logging
from datetime import timedelta
from urllib.parse import urlparse

from telegram import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import access, admin, feed_admin, handlers, inline, subscriptions, watches, written_answers
from bot.chat import CONTEXT_TYPES, BotState, Context
from bot.texts import text
from index import health_check
from index.bootstrap import Services
from index.subscriptions.chat_state import ChatState
from index.errors import NewsbotError

log = logging.getLogger(__name__)

COMMANDS = ("ask", "subscribe", "subscriptions", "unsubscribe", "watch", "watches", "unwatch", "help", "start")
# Retry getMe/setWebhook at start until the Bot API answers (backoff 1 s, x1.5, at most 30 s):
# a container may start before its network or before a local Bot API server. A rejected
# token is not retried (InvalidToken ends the loop at once).
START_RETRIES = -1
EXPIRE_EVERY_SECONDS = 600
ADMIN_COMMANDS = {
    "reindex": admin.reindex_command,
    "stats": admin.stats_command,
    "sources": admin.sources_command,
    "ingest": admin.ingest_command,
    "forget": admin.forget_command,
    "feeds": feed_admin.feeds_command,
    "feed": feed_admin.feed_command,
}


def build_application(services: Services) -> Application:  # type: ignore[type-arg]
    """The bot with its handlers; nothing talks to Telegram until it is started.

    Opens (and migrates) the subscription database of `services` if it is not open yet.
    """
    settings = services.settings
    db = services.database
    if settings.telegram_token is None:
        raise SystemExit("Set NEWSBOT_TELEGRAM_TOKEN to the token @BotFather gave you (see README, 'Running the bot').")
    application = (
        ApplicationBuilder()
        .token(settings.telegram_token.get_secret_value())
        .base_url(settings.telegram_api_url)
        .base_file_url(settings.telegram_file_url)
        .concurrent_updates(True)
        .rate_limiter(AIORateLimiter(max_retries=5))
        .post_init(on_start)
        .context_types(CONTEXT_TYPES)
        .build()
    )
    chats = ChatState(db, timedelta(hours=settings.chat_state_hours))
    application.bot_data["state"] = BotState(services, subscriptions=db, chats=chats)

    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    application.add_handler(TypeHandler(Update, access.gate), group=-1)  # NEWSBOT_ALLOWED_CHATS first
    application.add_handler(CommandHandler("start", handlers.start))
    application.add_handler(CommandHandler("help", handlers.help_command))
    application.add_handler(CommandHandler("ask", handlers.ask_command))
    # Always there: it deletes the chat's stored state (the menu shows it with written answers).
    application.add_handler(CommandHandler("new", written_answers.new_conversation))
    for name, handler in ADMIN_COMMANDS.items():
        application.add_handler(CommandHandler(name, handler))
    application.add_handler(CommandHandler("subscribe", subscriptions.subscribe_command))
    application.add_handler(CommandHandler("subscriptions", subscriptions.subscriptions_command))
    application.add_handler(CommandHandler("unsubscribe", subscriptions.unsubscribe_command))
    application.add_handler(CallbackQueryHandler(subscriptions.unsubscribe_button, pattern=r"^unsub:\d+$"))
    application.add_handler(CommandHandler("watch", watches.watch_command))
    application.add_handler(CommandHandler("watches", watches.watches_command))
    application.add_handler(CommandHandler("unwatch", watches.unwatch_command))
    application.add_handler(CallbackQueryHandler(watches.unwatch_button, pattern=r"^unwatch:\d+$"))
    application.add_handler(ChatMemberHandler(subscriptions.my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(MessageHandler(filters.StatusUpdate.FORUM_TOPIC_CLOSED, subscriptions.topic_closed))
    application.add_handler(MessageHandler(filters.Document.FileExtension("opml"), feed_admin.opml_upload))
    application.add_handler(MessageHandler(filters.COMMAND, handlers.unknown_command))
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, handlers.private_text))
    application.add_handler(MessageHandler(groups & filters.TEXT & ~filters.COMMAND, handlers.group_text))
    application.add_handler(CallbackQueryHandler(handlers.button))
    application.add_handler(InlineQueryHandler(inline.inline_query))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, migrate))
    application.add_error_handler(handlers.on_error)
    return application


async def migrate(update: Update, context: Context) -> None:
    """A group became a supergroup: its chat data (recent questions) moves to the new id."""
    message = update.message
    if message is None:
        return
    context.application.migrate_chat_data(message=message)
    bot_state: BotState = context.newsbot
    if bot_state.subscriptions is not None and message.migrate_to_chat_id:
        await asyncio.to_thread(bot_state.subscriptions.move_chat, message.chat.id, message.migrate_to_chat_id)
    if bot_state.chats is not None and message.migrate_to_chat_id:
        await asyncio.to_thread(bot_state.chats.move, message.chat.id, message.migrate_to_chat_id)


async def on_start(application: Application) -> None:  # type: ignore[type-arg]
    """Learn our username, register the command menus, and load the model in the background."""
    state: BotState = application.bot_data["state"]
    state.username = application.bot.username
    names = (*COMMANDS[:1], "new", *COMMANDS[1:]) if state.services.llm is not None else COMMANDS
    for language in ("en", "de"):
        commands = [BotCommand(name, text(f"cmd_{name}", language)) for name in names]
        code = None if language == "en" else language
        await application.bot.set_my_commands(commands, scope=BotCommandScopeAllPrivateChats(), language_code=code)
        await application.bot.set_my_commands(commands, scope=BotCommandScopeAllGroupChats(), language_code=code)
    with contextlib.suppress(NewsbotError):  # the database down: the first delivery run tries again
        await access.apply_allow_list(state)
    # This opens the store; only then the warm-up thread uses it (two threads opening an
    # embedded Chroma store at the same moment can collide inside chromadb).
    await admin.tell_admins_about_model_change(application)
    threading.Thread(target=warm_up, args=(state.services,), name="warm-up", daemon=True).start()
    jobs = application.job_queue
    if jobs is not None:  # `first` 0 would never run (APScheduler), hence 1
        jobs.run_repeating(heartbeat, interval=health_check.HEARTBEAT_SECONDS, first=1, name="heartbeat")
        if state.chats is not None:
            jobs.run_repeating(expire_chat_state, interval=EXPIRE_EVERY_SECONDS, first=EXPIRE_EVERY_SECONDS, name="expire chat state")
        if state.subscriptions is not None:
            jobs.run_repeating(subscriptions.deliver_job, interval=subscriptions.DELIVER_EVERY_SECONDS, first=1, name="deliver")
            # The feed list is in the database (admins change it from the chat): always poll it.
            jobs.run_repeating(subscriptions.poll_feeds, interval=state.services.settings.feed_poll_seconds, first=1, name="feeds")
    if not application.bot.supports_inline_queries:
        log.info("inline mode is off: to answer `@%s question` in any chat, send /setinline to @BotFather", state.username)
    log.info("bot @%s started", state.username)


def warm_up(services: Services) -> None:
    """Load the model, the store and the rest before the first question has to wait for them."""
    services.warm_up()


async def expire_chat_state(context: Context) -> None:
    """Delete chat state older than NEWSBOT_CHAT_STATE_HOURS (lookups ignore it already)."""
    chats: ChatState | None = context.newsbot.chats
    if chats is None:
        return
    try:
        gone = await asyncio.to_thread(chats.expire)
    except NewsbotError as error:
        log.warning("old chat state not deleted yet: %s", error)
        return
    if gone:
        log.info("expired chat state deleted", extra={"event": "chat_state_expired", "rows": gone})


async def heartbeat(context: Context) -> None:
    """For `newsbot health`: this bot's event loop is alive."""
    services = context.newsbot.services
    problem = await asyncio.to_thread(health_check.store_problem, services)
    await asyncio.to_thread(health_check.write_heartbeat, services.settings, problem)


def run(services: Services) -> None:
    """Long polling, or a webhook server when NEWSBOT_WEBHOOK_URL is set. Blocks until stopped."""
    settings = services.settings
    application = build_application(services)
    if settings.webhook_url:
        token = settings.telegram_token.get_secret_value() if settings.telegram_token else ""
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=urlparse(settings.webhook_url).path.lstrip("/"),
            webhook_url=settings.webhook_url,
            # Telegram sends it back in a header, so only Telegram can post updates to us.
            secret_token=hashlib.sha256(token.encode()).hexdigest(),
            allowed_updates=Update.ALL_TYPES,
            bootstrap_retries=START_RETRIES,
        )
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES, bootstrap_retries=START_RETRIES)
