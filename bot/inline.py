"""Inline mode: `@yourbot question` in any chat offers the answer's quoted sentences, with their source, to share.

Telegram sends an inline query as the user types; each is answered from the index
like a question (off the event loop) and Telegram caches the results for
NEWSBOT_INLINE_CACHE_SECONDS, so repeated queries cost nothing. Needs inline mode
switched on with @BotFather's /setinline.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time

from telegram import InlineQueryResultArticle, InputTextMessageContent, LinkPreviewOptions, Update
from telegram.constants import ParseMode

from bot.chat import Context
from bot.formatting import escape
from index.domain import Answer
from index.errors import NewsbotError

log = logging.getLogger(__name__)

MIN_QUERY_CHARS = 3  # shorter queries are still being typed
TITLE_CHARS = 120


def shared_text(sentence: str, title: str, url: str | None, source: str) -> str:
    """What lands in the chat: the quoted sentence and where it is from (a link when there is a URL)."""
    if url and url.startswith(("http://", "https://")):
        where = f'<a href="{escape(url)}">{escape(title)}</a>'
    else:
        where = f"{escape(title)} ({escape(source)})"
    return f"“{escape(sentence)}”\n— {where}"


def results(answer: Answer) -> list[InlineQueryResultArticle]:
    """One result per quoted sentence of the answer; none when nothing relevant was found."""
    found = []
    for quote in answer.quotes:
        chunk = answer.passages[quote.passage].chunk
        key = hashlib.sha256(f"{chunk.id}:{quote.text}".encode()).hexdigest()[:32]  # at most 64 bytes, stable for caching
        short = quote.text if len(quote.text) <= TITLE_CHARS else quote.text[: TITLE_CHARS - 1] + "…"
        found.append(
            InlineQueryResultArticle(
                id=key,
                title=short,
                description=f"{chunk.title} · ¶{chunk.paragraph}",
                url=chunk.url if chunk.url and chunk.url.startswith(("http://", "https://")) else None,
                input_message_content=InputTextMessageContent(
                    shared_text(quote.text, chunk.title, chunk.url, chunk.source),
                    parse_mode=ParseMode.HTML,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                ),
            )
        )
    return found


async def inline_query(update: Update, context: Context) -> None:
    query = update.inline_query
    if query is None:
        return
    question = query.query.strip()
    settings = context.newsbot.services.settings
    cache = settings.inline_cache_seconds
    # With an allow-list, Telegram must not serve one allowed user's cached results to anybody else.
    personal = bool(settings.allowed_chats)
    if len(question) < MIN_QUERY_CHARS:
        await query.answer([], cache_time=cache, is_personal=personal)
        return
    started = time.perf_counter()
    try:
        answer = await asyncio.to_thread(context.newsbot.services.answer, question)
    except NewsbotError as error:  # an empty index, the store down, an unusable question: nothing to offer
        log.info("inline query", extra={"event": "inline_query", "result": type(error).__name__})
        await query.answer([], cache_time=min(cache, 10), is_personal=personal)
        return
    offered = results(answer)
    log.info(
        "inline query",
        extra={"event": "inline_query", "latency_ms": round((time.perf_counter() - started) * 1000), "found": answer.found, "results": len(offered)},
    )
    await query.answer(offered, cache_time=cache, is_personal=personal)
