"""Subscription posts per second to 100 chats, through the fake Bot API and its flood limit.

    .venv/bin/python -m scripts.dev.bench_posts [--chats 100] [--posts-per-chat 3]

Queues posts in a real (SQLite) subscription database and sends them with
bot.delivery through a bot configured as Newsbot's (AIORateLimiter), against
tests/fake_telegram.py, which answers 429 above Telegram's 30 messages/s. The
baseline is the same run with no flood limit and no rate limiter: what the
pipeline and the fake server manage at most here.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from telegram.ext import AIORateLimiter, ApplicationBuilder

from bot import delivery
from index.subscriptions.database import Subscription, SubscriptionDB
from tests import fake_telegram
from tests.fake_telegram import FakeTelegram, serve

TOKEN = "1:bench"
NOW = datetime(2026, 11, 29, 8, 0, tzinfo=timezone.utc)
POST = {
    "title": "Zölle auf Stahl: Brüssel reagiert auf Washington",
    "url": "https://news.example/stahl",
    "source": "https://news.example/stahl",
    "published": "2026-11-29",
    "passages": [{"text": "Die Europäische Union erhöht ab Januar die Zölle auf Stahl und Aluminium. " * 3, "paragraph": 1, "score": 0.86}],
}


async def run(chats: int, per_chat: int, limited: bool) -> tuple[float, int, int]:
    """(seconds, posts delivered, 429s answered)."""
    telegram = FakeTelegram(TOKEN)
    if not limited:
        fake_telegram.FLOOD_LIMIT = 10**9
    with serve(telegram) as api_url, tempfile.TemporaryDirectory() as workdir:
        db = SubscriptionDB(f"sqlite:///{Path(workdir) / 'subs.db'}")
        db.migrate()
        for chat in range(1, chats + 1):
            subscription = db.add(Subscription(chat_id=chat, topic="Zölle"))
            for number in range(per_chat):
                db.queue(subscription, f"article-{number}", POST, 0.86, NOW)
        builder = ApplicationBuilder().token(TOKEN).base_url(api_url)
        app = builder.rate_limiter(AIORateLimiter(max_retries=5)).build() if limited else builder.build()
        async with app:
            started = time.perf_counter()
            result = await delivery.deliver_due(app.bot, db, NOW)
            seconds = time.perf_counter() - started
        db.close()
    fake_telegram.FLOOD_LIMIT = 30
    return seconds, result.sent, telegram.flooded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--posts-per-chat", type=int, default=3)
    args = parser.parse_args()
    total = args.chats * args.posts_per_chat
    base_seconds, base_sent, _ = asyncio.run(run(args.chats, args.posts_per_chat, limited=False))
    seconds, sent, flooded = asyncio.run(run(args.chats, args.posts_per_chat, limited=True))
    print(f"""| measure | value |
|---|---|
| posts | {total} ({args.chats} chats × {args.posts_per_chat}) |
| baseline, no flood limit, no rate limiter | {base_sent} sent in {base_seconds:.1f} s = {base_sent / base_seconds:.0f} posts/s |
| as the bot runs (AIORateLimiter), fake limit 30 messages/s | {sent} sent in {seconds:.1f} s = **{sent / seconds:.1f} posts/s** |
| 429 answers from the fake | {flooded} |
| sustained rate / Telegram's limit (30/s) | {sent / seconds / 30:.2f} |
| sustained rate / baseline | {(sent / seconds) / (base_sent / base_seconds):.2f}× |""")


if __name__ == "__main__":
    main()
