"""The bot's Application in the test's own process, polling the fake Bot API over HTTP.

Faster than a `newsbot serve` process (no model to load: tests pass the hashing
embedder) and the test can reach the database; for flows where the process
boundary is not the point.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.app import build_application
from bot.chat import BotState
from index import bootstrap
from index.embedding.embedder import Embedder
from index.settings import Settings
from index.subscriptions.database import SubscriptionDB
from tests.bot_process import TOKEN
from tests.fake_telegram import FakeTelegram, serve

# Over the seed article with the weightless embedder, which finds passages by shared words only: a
# question in the article's own words ("amerikanische Delegation leiten"), answered in German.
ANSWERABLE = "Wer wird die amerikanische Delegation leiten?"


@dataclass
class InProcessBot:
    app: Application  # type: ignore[type-arg]
    telegram: FakeTelegram
    db: SubscriptionDB
    services: bootstrap.Services

    @property
    def state(self) -> BotState:
        return self.app.bot_data["state"]  # type: ignore[no-any-return]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 30) -> Any:
        return await asyncio.to_thread(self.telegram.wait_for, predicate, timeout)

    async def settled(self, timeout: float = 30) -> None:
        """Every update pushed so far was taken by the bot and fully handled (updates run concurrently,
        so a reply to a later one says nothing about an earlier one)."""
        last = self.telegram.last_update_id
        # The updater asks for the next updates only once it has queued the previous ones.
        await self.wait_for(lambda: self.telegram.confirmed_update_id >= last, timeout)
        await asyncio.wait_for(self.app.update_queue.join(), timeout)  # every queued update's handlers returned

    async def replies(self, chat_id: int, count: int = 1, timeout: float = 30) -> list[dict[str, Any]]:
        return await asyncio.to_thread(self.telegram.wait_for_messages, chat_id, count, timeout)

    async def say(self, chat_id: int, user_id: int, text: str, **extra: Any) -> list[dict[str, Any]]:
        """Send a message and wait for the one reply it gets; returns everything sent to the chat after it."""
        before = len(self.telegram.sent_to(chat_id))
        self.telegram.message(chat_id, user_id, text, **extra)
        return (await self.replies(chat_id, before + 1))[before:]


@asynccontextmanager
async def running_app(
    tmp_path: Path, model_cache: Path, embedder: Embedder, sources: list[str] | None = None, **values: Any
) -> AsyncIterator[InProcessBot]:
    """Start the bot as `newsbot serve` would (post_init included); `values` are Settings fields."""
    telegram = FakeTelegram(TOKEN)
    with serve(telegram) as api_url:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, data_dir=tmp_path / "data", models_dir=model_cache,
            telegram_token=TOKEN, telegram_api_url=api_url, **values,
        )  # fmt: skip
        services = bootstrap.build(settings, write=True, embedder=embedder)
        db = SubscriptionDB(settings.database)
        db.migrate()
        try:
            if sources:
                from index import service

                service.ingest(sources, embedder, services.store)
            app = build_application(services, db)
            async with app:
                assert app.post_init is not None and app.updater is not None
                await app.post_init(app)
                await app.start()
                await app.updater.start_polling(poll_interval=0.05)
                try:
                    yield InProcessBot(app, telegram, db, services)
                finally:
                    await app.updater.stop()
                    await app.stop()
        finally:
            for thread in threading.enumerate():  # the model warm-up must not meet a closed store
                if thread.name == "warm-up":
                    thread.join(timeout=60)
            services.close()
            db.close()
