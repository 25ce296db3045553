"""What happens to a chat's stored state and subscriptions: the bot removed, the database failing, its expiry setting.

The bot in-process against the fake Bot API, with its real SQLite database.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from index.subscriptions.database import ChatQuestion, Subscription
from tests.bot_in_process import ANSWERABLE, InProcessBot, running_app
from tests.conftest import SEEDS
from tests.fake_llm import FakeLLM, Reply, serve_llm
from tests.fake_telegram import BOT_USERNAME
from tests.fakes import HashingEmbedder

GROUP, ADMIN = -4301, 4302
QUESTION = ANSWERABLE


def stored_questions(bot: InProcessBot, chat_id: int) -> int:
    with bot.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(ChatQuestion).where(ChatQuestion.chat_id == chat_id)) or 0)


async def asked_in_group(bot: InProcessBot) -> None:
    """A question in the group, so that the chat has stored state, and a subscription."""
    bot.telegram.members[(GROUP, ADMIN)] = "administrator"
    await bot.say(GROUP, ADMIN, f"@{BOT_USERNAME} {QUESTION}", mention=True)
    (done,) = await bot.say(GROUP, ADMIN, "/subscribe delegation talks")
    assert done["text"].startswith("✓")
    assert stored_questions(bot, GROUP) == 1


async def test_the_bot_removed_from_a_chat_deletes_its_state_and_ends_its_subscriptions(
    tmp_path: Path, model_cache: Path, fake_embedder: HashingEmbedder
) -> None:
    async with running_app(tmp_path, model_cache, fake_embedder, [str(SEEDS)], min_score=-1.0) as bot:
        await asked_in_group(bot)
        bot.telegram.bot_status(GROUP, "member", "kicked")
        await bot.wait_for(lambda: stored_questions(bot, GROUP) == 0 and bot.db.active(GROUP) == [])


async def test_the_chat_state_is_deleted_even_when_its_subscriptions_cannot_be_ended(
    tmp_path: Path, model_cache: Path, fake_embedder: HashingEmbedder, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_app(tmp_path, model_cache, fake_embedder, [str(SEEDS)], min_score=-1.0) as bot:
        await asked_in_group(bot)
        with bot.db.engine.begin() as connection:  # the subscriptions table unusable, the chat state still there
            connection.execute(text(f"ALTER TABLE {Subscription.__tablename__} RENAME TO subscriptions_away"))
        with caplog.at_level(logging.WARNING, logger="bot.subscriptions"):
            bot.telegram.bot_status(GROUP, "member", "kicked")
            await bot.wait_for(lambda: any("not ended" in r.getMessage() for r in caplog.records))
        assert stored_questions(bot, GROUP) == 0


async def test_a_written_answer_is_given_when_the_database_is_gone(
    tmp_path: Path, model_cache: Path, fake_embedder: HashingEmbedder
) -> None:
    """The conversation for follow-ups is read from the database: without it the question is answered on its own."""
    llm = FakeLLM(default=Reply(["Marco Rubio leads it [1]."]))
    with serve_llm(llm) as llm_url:
        async with running_app(
            tmp_path, model_cache, fake_embedder, [str(SEEDS)], min_score=-1.0, llm_url=llm_url, llm_model="fake-model"
        ) as bot:
            bot.db.engine.dispose()
            database = Path(bot.db.url.removeprefix("sqlite:///"))
            for path in (database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")):
                if path.exists():
                    os.remove(path)  # a new connection finds an empty file: no tables at all
            chat = 4303
            bot.telegram.message(chat, chat, QUESTION)
            answer = await bot.wait_for(
                lambda: next((m for m in bot.telegram.sent_to(chat) if "Marco Rubio leads it" in m["text"] and "▌" not in m["text"]), None)
            )
            assert answer["text"].startswith("Antwort")
            assert not any("went wrong" in m["text"].lower() for m in bot.telegram.sent_to(chat))


async def test_the_chat_state_hours_setting_reaches_the_chat_state(
    tmp_path: Path, model_cache: Path, fake_embedder: HashingEmbedder
) -> None:
    async with running_app(tmp_path, model_cache, fake_embedder, chat_state_hours=2.5) as bot:
        assert bot.state.chats is not None
        assert bot.state.chats.ttl == timedelta(hours=2.5)
