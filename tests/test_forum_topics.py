"""Forum topics: answers, button replies and subscription posts stay in their topic; a closed topic ends its subscriptions."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import pytest

from bot import subscriptions
from index.ingest import indexing
from tests.bot_in_process import InProcessBot, running_app
from tests.fake_llm import FakeLLM, Reply, serve_llm
from tests.fake_telegram import BOT_USERNAME
from tests.fakes import HashingEmbedder

FORUM, ADMIN = -1007001, 7401
ASKED_IN, POSTS_IN, CLOSED_BY_MESSAGE = 11, 12, 13
YEARS = (2019, 2020, 2021, 2022, 2023)


def glacier(years: tuple[int, ...] = YEARS) -> list[str]:
    return [
        f"Die Expedition zum Pasterze-Gletscher fand im Sommer {year} im Eis eingeschlossene Pflanzenreste, "
        "die Forschende auf ein Alter von mehreren tausend Jahren schätzen. " * 9
        for year in years
    ]


def article(folder: Path, name: str, title: str, years: tuple[int, ...] = YEARS) -> str:
    path = folder / f"{name}.json"
    path.write_text(json.dumps({"title": title, "url": f"https://news.example/{name}", "text": "\n\n".join(glacier(years))}))
    return str(path)


async def new_article(bot: InProcessBot, folder: Path, name: str, years: tuple[int, ...] = YEARS) -> None:
    """An article arrives (as from a feed or /ingest): matched to the subscriptions and posted.

    The same text again is the same story with nothing new, which a chat does not get twice: other years make it news.
    """
    path = article(folder, name, f"Gletscher {name}", years)
    report = await asyncio.to_thread(indexing.ingest, [path], bot.services.embedder, bot.services.store)
    await subscriptions.queue_and_deliver(bot.app, report.new_articles)


async def test_a_question_and_subscriptions_in_forum_topics(
    tmp_path: Path, model_cache: Path, fake_embedder: HashingEmbedder, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_app(
        tmp_path, model_cache, fake_embedder, [article(tmp_path, "start", "Expedition zum Gletscher")],
        min_score=-1.0, subscription_min_score=-1.0,
    ) as bot:  # fmt: skip
        fake = bot.telegram
        fake.forum(FORUM, ASKED_IN, POSTS_IN, CLOSED_BY_MESSAGE)
        fake.members[(FORUM, ADMIN)] = "administrator"

        fake.message(FORUM, 5, f"@{BOT_USERNAME} Was fand die Expedition?", mention=True, extra=fake.in_topic(ASKED_IN))
        parts = await bot.wait_for(lambda: (lambda got: got if got and "reply_markup" in got[-1] else None)(fake.sent_to(FORUM)))
        assert len(parts) >= 2  # a split answer: every part in the question's topic
        assert [p.get("message_thread_id") for p in parts] == [ASKED_IN] * len(parts)
        typing = [r for r in fake.calls("sendChatAction") if str(r.params["chat_id"]) == str(FORUM)]
        assert typing and all(str(r.params.get("message_thread_id")) == str(ASKED_IN) for r in typing)

        more = parts[-1]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        fake.press(5, parts[-1], more)
        (further,) = (await bot.replies(FORUM, len(parts) + 1))[len(parts) :]
        assert further["text"].startswith("Weitere Stellen zu") and further["message_thread_id"] == ASKED_IN

        for thread in (POSTS_IN, CLOSED_BY_MESSAGE):
            (done,) = await bot.say(FORUM, ADMIN, "/subscribe Gletscher Expedition", extra=fake.in_topic(thread))
            assert done["text"].startswith("✓") and done["message_thread_id"] == thread
        await new_article(bot, tmp_path, "first")
        posts = [m for m in fake.sent_to(FORUM) if m["text"].startswith("New on")]
        assert sorted(p["message_thread_id"] for p in posts) == [POSTS_IN, CLOSED_BY_MESSAGE]  # once in each topic

        fake.topics[(FORUM, POSTS_IN)] = "closed"  # the next post there is refused: TOPIC_CLOSED
        fake.message(FORUM, ADMIN, "", extra={**fake.in_topic(CLOSED_BY_MESSAGE), "text": None, "forum_topic_closed": {}})
        await bot.wait_for(lambda: len(bot.db.active(FORUM)) < 2)
        with caplog.at_level(logging.INFO, logger="bot.delivery"):
            await new_article(bot, tmp_path, "second", (2024, 2025))
        assert bot.db.active(FORUM) == []
        assert len([m for m in fake.sent_to(FORUM) if m["text"].startswith("New on")]) == 2  # nothing new was posted
        gone = [r for r in caplog.records if getattr(r, "event", None) == "topic_gone"]
        assert {(r.thread_id, r.ended) for r in gone} >= {(POSTS_IN, 1)}  # type: ignore[attr-defined]
        assert bot.db.counts().get("dropped", 0) >= 1


async def test_new_in_one_topic_keeps_the_other_topics_conversation(tmp_path: Path, model_cache: Path, fake_embedder: HashingEmbedder) -> None:
    async with running_app(tmp_path, model_cache, fake_embedder, [article(tmp_path, "start", "Expedition zum Gletscher")], min_score=-1.0) as bot:
        fake = bot.telegram
        fake.forum(FORUM, ASKED_IN, POSTS_IN)
        answers = {}
        for thread in (ASKED_IN, POSTS_IN):
            before = len(fake.sent_to(FORUM))
            fake.message(FORUM, 5, f"@{BOT_USERNAME} Was fand die Expedition?", mention=True, extra=fake.in_topic(thread))
            answers[thread] = await bot.wait_for(
                lambda start=before: next((m for m in fake.sent_to(FORUM)[start:] if "reply_markup" in m), None)
            )
        (forgotten,) = await bot.say(FORUM, 5, "/new", extra=fake.in_topic(POSTS_IN))
        assert forgotten["message_thread_id"] == POSTS_IN
        for thread, expected in ((ASKED_IN, "Weitere Stellen zu"), (POSTS_IN, "That answer is too old")):
            before = len(fake.sent_to(FORUM))
            fake.press(5, answers[thread], answers[thread]["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
            (pressed,) = (await bot.replies(FORUM, before + 1))[before:]
            assert pressed["text"].startswith(expected) and pressed["message_thread_id"] == thread


async def test_a_deleted_topic_ends_its_subscriptions(
    tmp_path: Path, model_cache: Path, fake_embedder: HashingEmbedder, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_app(
        tmp_path, model_cache, fake_embedder, [article(tmp_path, "start", "Expedition zum Gletscher")],
        min_score=-1.0, subscription_min_score=-1.0,
    ) as bot:  # fmt: skip
        fake = bot.telegram
        fake.forum(FORUM, POSTS_IN)
        fake.members[(FORUM, ADMIN)] = "administrator"
        (done,) = await bot.say(FORUM, ADMIN, "/subscribe Gletscher Expedition", extra=fake.in_topic(POSTS_IN))
        assert done["text"].startswith("✓")
        fake.topics[(FORUM, POSTS_IN)] = "deleted"  # Telegram answers "message thread not found"
        with caplog.at_level(logging.INFO, logger="bot.delivery"):
            await new_article(bot, tmp_path, "after")
        assert bot.db.active(FORUM) == []
        assert not [m for m in fake.sent_to(FORUM) if m["text"].startswith("New on")]
        (gone,) = [r for r in caplog.records if getattr(r, "event", None) == "topic_gone"]
        assert (gone.thread_id, gone.ended) == (POSTS_IN, 1)  # type: ignore[attr-defined]
        assert "thread not found" in gone.reason.lower()  # type: ignore[attr-defined]


async def test_a_follow_up_is_read_against_its_own_topics_conversation(
    tmp_path: Path, model_cache: Path, fake_embedder: HashingEmbedder
) -> None:
    first = "Was fand die Expedition?"
    llm = FakeLLM(default=Reply(["Pflanzenreste [1]."]))

    def asked_with_first() -> int:
        return len([r for r in llm.requests if any(first in str(m.get("content")) for m in r["body"]["messages"])])

    async def written_in(thread: int, question: str) -> None:
        before = len(llm.requests)
        fake.message(FORUM, 5, f"@{BOT_USERNAME} {question}", mention=True, extra=fake.in_topic(thread))
        await bot.wait_for(lambda: len(llm.requests) > before and any(
            m.get("message_thread_id") == thread and "Pflanzenreste" in m["text"] and "▌" not in m["text"] for m in fake.sent_to(FORUM)[-3:]
        ))  # fmt: skip
        await bot.settled()  # the turn is kept before the answer's last edit; the update is done after it

    with serve_llm(llm) as llm_url:
        async with running_app(
            tmp_path, model_cache, fake_embedder, [article(tmp_path, "start", "Expedition zum Gletscher")],
            min_score=-1.0, llm_url=llm_url, llm_model="fake-model",
        ) as bot:  # fmt: skip
            fake = bot.telegram
            fake.forum(FORUM, ASKED_IN, POSTS_IN)
            await written_in(ASKED_IN, first)
            assert asked_with_first() == 1
            await written_in(POSTS_IN, "Und wann war das?")  # another topic: nothing to rewrite it from
            assert asked_with_first() == 1
            await written_in(ASKED_IN, "Und wann war das?")  # the same topic: rewritten from its first question
            assert asked_with_first() == 2
