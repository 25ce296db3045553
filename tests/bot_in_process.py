"""The bot's Application in the test's own process, polling the fake Bot API over HTTP.

Faster than a `newsbot serve` process (no process start, the model loaded once per test
session) and the test can reach the database; for every flow where the process boundary is
not the point. `running_app` runs in the test's event loop (async tests); `bot_in_thread` runs it
in a thread's loop for synchronous tests that talk to the fake Bot API only.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.app import build_application
from bot.chat import BotState
from index.ingest import indexing
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
        db = services.database
        try:
            if sources:
                indexing.ingest(sources, embedder, services.store)
            app = build_application(services)
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


@dataclass
class ThreadedBot:
    """An InProcessBot whose event loop runs in another thread; its waits are synchronous here."""

    bot: InProcessBot
    loop: asyncio.AbstractEventLoop

    @property
    def telegram(self) -> FakeTelegram:
        return self.bot.telegram

    def settled(self, timeout: float = 30) -> None:
        """Every update pushed so far was taken by the bot and fully handled."""
        asyncio.run_coroutine_threadsafe(self.bot.settled(timeout), self.loop).result(timeout + 5)


@contextmanager
def bot_in_thread(
    tmp_path: Path, model_cache: Path, embedder: Embedder, sources: list[str] | None = None, **values: Any
) -> Iterator[ThreadedBot]:
    """`running_app` in its own thread and event loop, for synchronous tests (module-scoped fixtures)."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, Any] = {}

    async def main() -> None:
        async with running_app(tmp_path, model_cache, embedder, sources, **values) as bot:
            holder["bot"], holder["stop"] = bot, asyncio.Event()
            ready.set()
            await holder["stop"].wait()

    def run() -> None:
        try:
            loop.run_until_complete(main())
        except BaseException as error:  # noqa: BLE001 - handed to the test below
            holder["error"] = error
        finally:
            ready.set()

    thread = threading.Thread(target=run, name="bot-in-thread", daemon=True)
    thread.start()
    if not ready.wait(timeout=300) or "error" in holder:
        raise RuntimeError("the in-process bot did not start") from holder.get("error")
    try:
        yield ThreadedBot(holder["bot"], loop)
    finally:
        loop.call_soon_threadsafe(holder["stop"].set)
        thread.join(timeout=120)
        loop.close()
        if "error" in holder:
            raise RuntimeError("the in-process bot failed while stopping") from holder["error"]
