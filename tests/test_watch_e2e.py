"""Watched questions through the real bot process (the real model), the fake Bot API and a live feed server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from index.embedding.embedder import SentenceTransformerEmbedder
from tests.bot_process import TOKEN, bot_environment, index_for_bot, running_bot
from tests.conftest import SEEDS
from tests.fake_telegram import FakeTelegram, serve
from tests.feed_fixtures import NewsFeed
from tests.servers import Routes, http_server
from tests.test_subscriptions_e2e import command, feed_read

pytestmark = pytest.mark.slow

USER, GROUP, ADMIN, MEMBER, CHANNEL = 8101, -1008101, 8102, 8103, -1008199
QUESTION = "Wie viele Menschen sind beim Hochwasser in der Steiermark gestorben?"
# Three dated updates after the first report: a new toll, the same toll again in other words, another new toll.
FLOOD = {
    "erste-meldung": (datetime(2025, 10, 16, 8, tzinfo=timezone.utc), "Hochwasser in der Steiermark", [
        "Bei dem Hochwasser in der Steiermark sind nach Angaben der Polizei mindestens 12 Menschen ums Leben gekommen. "
        "Hunderte Häuser stehen unter Wasser."]),
    "mehr-opfer": (datetime(2025, 10, 18, 8, tzinfo=timezone.utc), "Mehr Todesopfer nach Hochwasser", [
        "Die Zahl der Todesopfer des Hochwassers in der Steiermark ist auf 19 gestiegen, teilte die Landesregierung in Graz mit."]),
    "aufraeumen": (datetime(2025, 10, 19, 8, tzinfo=timezone.utc), "Aufräumen nach dem Hochwasser", [
        "Beim Hochwasser in der Steiermark sind 19 Menschen gestorben, bestätigte die Polizei. Die Aufräumarbeiten haben begonnen."]),
    "noch-mehr-opfer": (datetime(2025, 10, 21, 8, tzinfo=timezone.utc), "Hochwasser: Zahl der Toten steigt", [
        "Die Zahl der Toten nach dem Hochwasser in der Steiermark ist auf 23 gestiegen, sagte der Landeshauptmann."]),
}  # fmt: skip


def publish(feed: NewsFeed, slug: str) -> None:
    published, title, paragraphs = FLOOD[slug]
    feed.add(slug, title, paragraphs, published=published)


@pytest.fixture
def data(tmp_path: Path, model_cache: Path, real_embedder: SentenceTransformerEmbedder) -> Path:
    index_for_bot(tmp_path / "data", model_cache, real_embedder, [str(SEEDS)])
    return tmp_path / "data"


@pytest.fixture
def world() -> Iterator[tuple[FakeTelegram, str, NewsFeed]]:
    """Fake Telegram, and a feed whose first report is there before the bot reads it (backlog: indexed, not posted)."""
    telegram = FakeTelegram(TOKEN)
    routes = Routes()
    with serve(telegram) as api_url, http_server(routes) as feed_base:
        feed = NewsFeed(routes, feed_base)
        publish(feed, "erste-meldung")
        yield telegram, api_url, feed


def changes(telegram: FakeTelegram, chat: int) -> list[dict[str, Any]]:
    return [m for m in telegram.sent_to(chat) if m["text"].startswith("Die Antwort hat sich geändert")]


def watch(telegram: FakeTelegram, chat: int, user: int, text: str) -> dict[str, Any]:
    """Send /watch and wait for the 👁 line after the answer."""
    before = len(telegram.sent_to(chat))
    telegram.message(chat, user, text)
    telegram.wait_for(lambda: any(m["text"].startswith("👁") for m in telegram.sent_to(chat)[before:]), timeout=60)
    return {"answer": telegram.sent_to(chat)[before], "last": telegram.sent_to(chat)[-1]}


@pytest.mark.timeout(600)  # two starts of the bot with the real model, on a machine shared with other work
def test_a_watched_question_gets_exactly_one_post_per_changed_answer_across_a_restart(
    world: tuple[FakeTelegram, str, NewsFeed], data: Path, model_cache: Path, tmp_path: Path
) -> None:
    telegram, api_url, feed = world
    telegram.chat(GROUP, "supergroup", title="Hochwasserhilfe")
    telegram.members[(GROUP, ADMIN)] = "administrator"
    telegram.channel(CHANNEL, "hochwassernews")
    telegram.members[(CHANNEL, ADMIN)] = "creator"
    telegram.members[(CHANNEL, 4242)] = "administrator"  # the bot may post there
    env = bot_environment(api_url, data, model_cache, NEWSBOT_FEEDS=feed.url, NEWSBOT_FEED_POLL_SECONDS="2")

    with running_bot(telegram, env, tmp_path):
        feed_read(feed, 1)  # the first report is indexed as backlog
        refused = command(telegram, GROUP, MEMBER, f"/watch {QUESTION}")
        assert refused["text"] == "Only the group's admins can change its subscriptions."
        chatter = command(telegram, USER, USER, "/watch Salut, ça va ?")  # small talk in words the patterns do not know
        assert chatter["text"].startswith("That is not a question the news can answer, so I cannot watch it.")
        private = watch(telegram, USER, USER, f"/watch {QUESTION}")
        assert "12 Menschen" in private["answer"]["text"] and "Hochwasser in der Steiermark" in private["answer"]["text"]
        assert private["last"]["text"].startswith("👁 Dieser Chat beobachtet #1")
        channel = watch(telegram, ADMIN, ADMIN, f"/watch @hochwassernews {QUESTION}")
        assert channel["last"]["text"].startswith("👁 @hochwassernews beobachtet #2")

        publish(feed, "mehr-opfer")
        telegram.wait_for(lambda: changes(telegram, USER) and changes(telegram, CHANNEL), timeout=60)

    publish(feed, "aufraeumen")  # while the bot is down: read by the next start, and the same toll again
    with running_bot(telegram, env, tmp_path):
        feed_read(feed, 2)
        assert len(changes(telegram, USER)) == 1 and len(changes(telegram, CHANNEL)) == 1
        publish(feed, "noch-mehr-opfer")
        telegram.wait_for(lambda: len(changes(telegram, USER)) == 2 and len(changes(telegram, CHANNEL)) == 2, timeout=60)
        feed_read(feed, 2)  # more polls post nothing more
        listing = command(telegram, USER, USER, "/watches")

    for chat in (USER, CHANNEL):
        first, second = (m["text"] for m in changes(telegram, chat))
        assert "19" in first.split("vorher:")[0] and "Mehr Todesopfer nach Hochwasser" in first
        assert "vorher: „Bei dem Hochwasser in der Steiermark sind nach Angaben der Polizei mindestens 12 Menschen" in first
        assert first.endswith("— 16. Okt. 2025")
        assert "23" in second.split("vorher:")[0] and "Hochwasser: Zahl der Toten steigt" in second
        assert "vorher: „Die Zahl der Todesopfer des Hochwassers in der Steiermark ist auf 19 gestiegen" in second
        assert second.endswith("— 18. Okt. 2025")
    assert changes(telegram, ADMIN) == [] and changes(telegram, GROUP) == []
    assert f"#1 {QUESTION} → 23" in listing["text"]
