"""NEWSBOT_ALLOWED_CHATS: others get one polite line and nothing else; the bot in-process, the fake Bot API."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from index.subscriptions.database import ChatQuestion, Subscription
from tests.bot_in_process import ANSWERABLE, running_app
from tests.conftest import SEEDS
from tests.fake_telegram import BOT_USERNAME
from tests.fakes import HashingEmbedder

FRIEND, STRANGER, OUR_GROUP, OTHER_GROUP = 111, 222, -500, -600


async def test_only_allowed_users_and_chats_are_served(tmp_path: Path, model_cache: Path, fake_embedder: HashingEmbedder) -> None:
    async with running_app(
        tmp_path, model_cache, fake_embedder, [str(SEEDS)], allowed_chats=[FRIEND, OUR_GROUP], min_score=-1.0
    ) as bot:
        (answer,) = await bot.say(FRIEND, FRIEND, ANSWERABLE)
        assert answer["text"].startswith("Antwort")

        (refused,) = await bot.say(STRANGER, STRANGER, ANSWERABLE)
        assert refused["text"].startswith("Sorry, this bot is only open to some users and chats")
        assert str(STRANGER) in refused["text"]
        (refused_again,) = await bot.say(STRANGER, STRANGER, "/subscribe Zölle")
        assert "only open to some users" in refused_again["text"]

        bot.telegram.message(OTHER_GROUP, STRANGER, "just chatting here")  # not for the bot: no reply at all
        (group_refused,) = await bot.say(OTHER_GROUP, STRANGER, f"@{BOT_USERNAME} who leads?", mention=True)
        assert str(OTHER_GROUP) in group_refused["text"]
        await bot.settled()  # the chatter, handled concurrently, is done too
        assert len(bot.telegram.sent_to(OTHER_GROUP)) == 1

        (in_our_group,) = await bot.say(OUR_GROUP, STRANGER, f"/ask {ANSWERABLE}")
        assert in_our_group["text"].startswith("Antwort")  # the chat is allowed, whoever asks

        asked = bot.telegram.inline(STRANGER, ANSWERABLE)
        assert (await bot.wait_for(lambda: bot.telegram.inline_answers.get(asked)))["results"] == []
        asked = bot.telegram.inline(FRIEND, ANSWERABLE)
        offered = await bot.wait_for(lambda: bot.telegram.inline_answers.get(asked))
        assert offered["results"] != []
        assert offered["is_personal"] is True  # Telegram must not hand the friend's cached results to a stranger
        typing = bot.telegram.inline(FRIEND, "Wh")
        assert (await bot.wait_for(lambda: bot.telegram.inline_answers.get(typing)))["is_personal"] is True

        with bot.db.session() as session:
            asked_in = set(session.scalars(select(ChatQuestion.chat_id)))
            subscribed = session.scalar(select(func.count()).select_from(Subscription))
        assert asked_in == {FRIEND, OUR_GROUP} and subscribed == 0
        await bot.wait_for(lambda: bot.state.questions.today()[0] >= 2)  # counted once the answer is out
        assert bot.state.questions.today()[0] == 2  # the strangers' questions were not counted either


async def test_everyone_is_served_without_a_list(tmp_path: Path, model_cache: Path, fake_embedder: HashingEmbedder) -> None:
    async with running_app(tmp_path, model_cache, fake_embedder) as bot:
        (start,) = await bot.say(STRANGER, STRANGER, "/start")
        assert "answer questions about the news" in start["text"]


async def test_an_admin_off_the_list_is_still_served(tmp_path: Path, model_cache: Path, fake_embedder: HashingEmbedder) -> None:
    admin = 333
    async with running_app(
        tmp_path, model_cache, fake_embedder, [str(SEEDS)], allowed_chats=[FRIEND], admin_ids=[admin], min_score=-1.0
    ) as bot:
        (answer,) = await bot.say(admin, admin, ANSWERABLE)
        assert answer["text"].startswith("Antwort")
        (stats,) = await bot.say(admin, admin, "/stats")
        assert "only open to some users" not in stats["text"]


async def test_a_shorter_list_ends_the_subscriptions_and_state_it_no_longer_allows(
    tmp_path: Path, model_cache: Path, fake_embedder: HashingEmbedder, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_app(tmp_path, model_cache, fake_embedder, [str(SEEDS)], min_score=-1.0) as bot:  # open to everyone
        for user in (FRIEND, STRANGER):
            await bot.say(user, user, ANSWERABLE)
            (done,) = await bot.say(user, user, "/subscribe Zölle")
            assert done["text"].startswith("✓")
        (strangers,) = bot.db.active(STRANGER)
        assert bot.db.queue(strangers, "queued-before", {"title": "T"}, 0.9, datetime.now(timezone.utc) + timedelta(hours=1))

    with caplog.at_level(logging.INFO, logger="bot.access"):
        async with running_app(tmp_path, model_cache, fake_embedder, allowed_chats=[FRIEND], min_score=-1.0) as bot:
            assert [s.chat_id for s in bot.db.active()] == [FRIEND]
            assert bot.db.counts() == {"dropped": 1}  # the queued post is not sent
            with bot.db.session() as session:
                assert set(session.scalars(select(ChatQuestion.chat_id))) == {FRIEND}
    (ended,) = [r for r in caplog.records if getattr(r, "event", None) == "not_allowed_ended"]
    assert ended.chat_id == STRANGER  # type: ignore[attr-defined]
    assert [r.chats for r in caplog.records if getattr(r, "event", None) == "not_allowed_forgotten"] == [[STRANGER]]  # type: ignore[attr-defined]
