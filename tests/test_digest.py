"""A daily digest arrives at its hour: the bot in this process, its clock moved by the test."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from bot import subscriptions
from bot.app import build_application
from index import bootstrap
from index.embedding.embedder import SentenceTransformerEmbedder
from index.settings import Settings
from tests.bot_process import TOKEN
from tests.fake_telegram import BOT_USERNAME, FakeTelegram, serve
from tests.feed_fixtures import FOOTBALL, GLACIER, STEEL, NewsFeed
from tests.servers import Routes, http_server

pytestmark = pytest.mark.slow

READER = 8100


class Clock:
    """The bot's idea of now, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current


async def wait_for(telegram: FakeTelegram, predicate: Any, timeout: float = 60) -> Any:
    return await asyncio.to_thread(telegram.wait_for, predicate, timeout)


def digests(telegram: FakeTelegram) -> list[dict[str, Any]]:
    return [m for m in telegram.sent_to(READER) if m["text"].startswith("Your daily digest")]


async def test_a_daily_digest_is_posted_at_its_hour_in_the_chats_time_zone(
    tmp_path: Path, model_cache: Path, real_embedder: SentenceTransformerEmbedder
) -> None:
    telegram = FakeTelegram(TOKEN)
    routes = Routes()
    with serve(telegram) as api_url, http_server(routes) as feed_base:
        feed = NewsFeed(routes, feed_base)
        feed.add("derby", *FOOTBALL)
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, data_dir=tmp_path / "data", models_dir=model_cache,
            telegram_token=TOKEN, telegram_api_url=api_url, feeds=[feed.url], timezone="Europe/Berlin",
        )
        services = bootstrap.build(settings, write=True, embedder=real_embedder)
        db = services.database
        app = build_application(services)
        clock = Clock(datetime(2026, 11, 29, 5, 0, tzinfo=timezone.utc))  # 06:00 in Berlin
        state = app.bot_data["state"]
        state.clock, state.username = clock.now, BOT_USERNAME
        try:
            async with app:
                await app.start()
                try:
                    assert app.updater is not None
                    await app.updater.start_polling(poll_interval=0.05)
                    telegram.message(READER, READER, "/subscribe Zölle auf Stahl daily 08:00")
                    (confirmation,) = await wait_for(telegram, lambda: telegram.sent_to(READER))
                    assert "a daily digest at 08:00 (Europe/Berlin)" in confirmation["text"]

                    await subscriptions.poll_feeds_now(app)  # the backlog
                    feed.add("stahl", *STEEL)
                    feed.add("gletscher", *GLACIER)
                    clock.current += timedelta(minutes=30)
                    await subscriptions.poll_feeds_now(app)
                    assert db.counts() == {"pending": 1}  # the steel article, for 08:00 Berlin = 07:00 UTC

                    clock.current = datetime(2026, 11, 29, 6, 59, tzinfo=timezone.utc)
                    await subscriptions.deliver(app)
                    assert digests(telegram) == []
                    clock.current = datetime(2026, 11, 29, 7, 0, 5, tzinfo=timezone.utc)
                    await subscriptions.deliver(app)
                    (digest,) = digests(telegram)
                    assert digest["text"].startswith("Your daily digest on “Zölle auf Stahl”")
                    assert STEEL[0] in digest["text"] and GLACIER[0] not in digest["text"]

                    # a later report of the story with a new figure: an update, in the next day's digest
                    feed.add("stahl-2", STEEL[0] + " – die Folgen", [p + " Die Folgen schätzt die Industrie auf 2,5 Milliarden Euro." for p in STEEL[1]])
                    await subscriptions.poll_feeds_now(app)
                    clock.current += timedelta(hours=23, minutes=59)  # 06:59:05 UTC the next day: not yet
                    await subscriptions.deliver(app)
                    assert len(digests(telegram)) == 1
                    clock.current += timedelta(minutes=1)
                    await subscriptions.deliver(app)
                    assert len(digests(telegram)) == 2 and "die Folgen" in digests(telegram)[1]["text"]

                finally:  # a failed step must not leave the application running for the next test
                    if app.updater is not None and app.updater.running:
                        await app.updater.stop()
                    await app.stop()
        finally:
            services.close()
