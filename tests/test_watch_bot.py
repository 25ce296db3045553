"""/watch, /watches, /unwatch and the posts about changed answers: the bot in-process against the fake Bot API."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bot import subscriptions
from index.ingest import indexing
from index.subscriptions import watch_db
from tests.bot_in_process import InProcessBot, running_app
from tests.fakes import HashingEmbedder
from tests.test_watching import QUESTION, article

USER, GROUP, ADMIN, MEMBER, CHANNEL = 7501, -1007501, 7502, 7503, -1007599


async def new_article(bot: InProcessBot, folder: Path, name: str) -> None:
    """An article arrives (as from a feed or /ingest): checked against the watches, posts delivered."""
    report = await asyncio.to_thread(indexing.ingest, [article(folder, name)], bot.services.embedder, bot.services.store)
    await subscriptions.queue_and_deliver(bot.app, report.new_articles)


async def watch(bot: InProcessBot, chat_id: int, user_id: int, command: str) -> list[dict[str, Any]]:
    """Send /watch and wait for its last reply (the answer comes first, then the 👁 line)."""
    before = len(bot.telegram.sent_to(chat_id))
    bot.telegram.message(chat_id, user_id, command)
    await bot.wait_for(lambda: any(m["text"].startswith("👁") for m in bot.telegram.sent_to(chat_id)[before:]))
    return bot.telegram.sent_to(chat_id)[before:]


def changes(bot: InProcessBot, chat_id: int) -> list[str]:
    return [m["text"] for m in bot.telegram.sent_to(chat_id) if m["text"].startswith(("Die Antwort hat sich geändert", "The answer changed"))]


async def test_a_watched_question_is_answered_at_once_and_posted_only_when_its_answer_changes(tmp_path: Path, model_cache: Path) -> None:
    async with running_app(tmp_path, model_cache, HashingEmbedder(dimension=1024), [article(tmp_path, "a-12-nov")], min_score=0.2) as bot:
        answer = await watch(bot, USER, USER, f"/watch {QUESTION}")
        assert "am 12. November" in answer[0]["text"] and "<b>am 12. November</b>" in answer[0]["html"]
        assert answer[-1]["text"].startswith("👁 Dieser Chat beobachtet #1: Ich melde mich dort, wenn sich diese Antwort ändert.")

        (listing,) = await bot.say(USER, USER, "/watches")
        assert f"#1 {QUESTION} → am 12. November — 16 Oct 2025" in listing["text"]
        assert listing["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "unwatch:1"

        await new_article(bot, tmp_path, "b-3-dez")
        (post,) = changes(bot, USER)
        assert post.startswith(f"Die Antwort hat sich geändert: {QUESTION}\n„Der Gipfel in Budapest findet nun am 3. Dezember statt")
        assert "Gipfel in Budapest verschoben · b-3-dez.json · 20. Okt. 2025 · Absatz 1" in post  # title, source, date (issue 16)
        assert "vorher: „Nach Angaben der Regierung in Wien findet der Gipfel in Budapest am 12. November statt" in post
        assert post.endswith("— 16. Okt. 2025")

        await new_article(bot, tmp_path, "c-3-dez-again")  # the same date again: nothing
        await new_article(bot, tmp_path, "football")  # another story: not even asked
        assert len(changes(bot, USER)) == 1

        before = len(bot.telegram.sent_to(USER))
        bot.telegram.press(USER, listing, "unwatch:1")
        (done,) = (await bot.replies(USER, before + 1))[before:]
        assert done["text"] == f"Stopped watching #1 ({QUESTION})."
        await new_article(bot, tmp_path, "d-9-jan")
        assert len(changes(bot, USER)) == 1  # unwatched: the new date is not posted


async def test_a_chat_that_blocked_the_bot_ends_its_watches_at_the_first_refused_post(tmp_path: Path, model_cache: Path) -> None:
    async with running_app(tmp_path, model_cache, HashingEmbedder(dimension=1024), [article(tmp_path, "a-12-nov")], min_score=0.2) as bot:
        await watch(bot, USER, USER, f"/watch {QUESTION}")
        bot.telegram.blocked.add(USER)
        await new_article(bot, tmp_path, "b-3-dez")
        assert watch_db.active(bot.db) == [] and bot.db.counts() == {"dropped": 1}
        (ended,) = watch_db.by_ids(bot.db, [1])
        assert ended.ended_reason is not None and "blocked" in ended.ended_reason


async def test_questions_that_cannot_be_watched_are_refused_and_nothing_is_kept(tmp_path: Path, model_cache: Path) -> None:
    async with running_app(
        tmp_path, model_cache, HashingEmbedder(dimension=1024), [article(tmp_path, "a-12-nov")], min_score=0.2, max_question_chars=80,
    ) as bot:  # fmt: skip
        (usage,) = await bot.say(USER, USER, "/watch")
        assert usage["text"].startswith("Usage: /watch QUESTION")
        (small_talk,) = await bot.say(USER, USER, "/watch Wie geht es dir?")
        assert small_talk["text"].startswith("Diese Frage können die Nachrichten nicht beantworten")
        (too_long,) = await bot.say(USER, USER, "/watch " + "Wann findet der Gipfel statt? " * 5)
        assert too_long["text"].startswith("Die Frage ist zu lang (149 Zeichen, höchstens 80)")
        (no_words,) = await bot.say(USER, USER, "/watch ???")
        assert no_words["text"].startswith("I need words to search for")

        bot.telegram.chat(GROUP, "supergroup", title="Gipfelbeobachter")
        bot.telegram.members[(GROUP, ADMIN)] = "administrator"
        (refused,) = await bot.say(GROUP, MEMBER, f"/watch {QUESTION}")
        assert refused["text"] == "Only the group's admins can change its subscriptions."
        assert watch_db.active(bot.db) == []

        unanswered = await watch(bot, GROUP, ADMIN, "/watch Wer wird neuer Vorstandschef von Alpenstahl?")
        assert unanswered[-1]["text"].startswith("👁 Dieser Chat beobachtet #1: Noch gibt es keine Antwort")
        (listing,) = await bot.say(GROUP, ADMIN, "/watches")
        assert "#1 Wer wird neuer Vorstandschef von Alpenstahl? → no answer yet" in listing["text"]
        (unknown,) = await bot.say(GROUP, ADMIN, "/unwatch 7")
        assert unknown["text"] == "There is no watched question #7 here. /watches lists them."
        (member_unwatch,) = await bot.say(GROUP, MEMBER, "/unwatch all")
        assert member_unwatch["text"] == "Only the group's admins can change its subscriptions."
        (ended,) = await bot.say(GROUP, ADMIN, "/unwatch all")
        assert ended["text"] == "Stopped watching 1 question(s)."
        assert watch_db.active(bot.db) == []


async def test_a_channel_watch_is_set_up_from_a_private_chat_and_posts_in_the_channel(tmp_path: Path, model_cache: Path) -> None:
    async with running_app(tmp_path, model_cache, HashingEmbedder(dimension=1024), [article(tmp_path, "a-12-nov")], min_score=0.2) as bot:
        bot.telegram.channel(CHANNEL, "gipfelnews")
        bot.telegram.members[(CHANNEL, ADMIN)] = "creator"
        bot.telegram.members[(CHANNEL, 4242)] = "administrator"  # the bot may post there
        (not_admin,) = await bot.say(MEMBER, MEMBER, f"/watch @gipfelnews {QUESTION}")
        assert not_admin["text"] == "Only administrators of @gipfelnews can manage its subscriptions, and you are not one."
        answer = await watch(bot, ADMIN, ADMIN, f"/watch @gipfelnews {QUESTION}")
        assert answer[-1]["text"].startswith("👁 @gipfelnews beobachtet #1")
        assert bot.telegram.sent_to(CHANNEL) == []  # the answer goes to the private chat

        await new_article(bot, tmp_path, "b-3-dez")
        (post,) = changes(bot, CHANNEL)
        assert "am 3. Dezember" in post and "vorher:" in post and changes(bot, ADMIN) == []
        (listing,) = await bot.say(ADMIN, ADMIN, "/watches @gipfelnews")
        assert f"#1 {QUESTION} → am 3. Dezember — 20 Oct 2025" in listing["text"]
