"""Subscriptions through the real bot process, the fake Bot API and a live feed server."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from index.embedding.embedder import SentenceTransformerEmbedder
from tests.bot_process import TOKEN, bot_environment, index_for_bot, running_bot
from tests.conftest import SEEDS
from tests.feed_fixtures import ALUMINIUM_PAGE_ONLY, FOOTBALL, GLACIER, STEEL, NewsFeed
from tests.fake_telegram import FakeTelegram, serve
from tests.servers import Routes, http_server

pytestmark = pytest.mark.slow

GROUP, SUPERGROUP, ADMIN, MEMBER = -5001, -1005001, 8001, 8002
CHANNEL, QUIET_CHANNEL = -1001234, -1005678


@pytest.fixture
def data(tmp_path: Path, model_cache: Path, real_embedder: SentenceTransformerEmbedder) -> Path:
    index_for_bot(tmp_path / "data", model_cache, real_embedder, [str(SEEDS)])
    return tmp_path / "data"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[FakeTelegram, str, NewsFeed]]:
    """Fake Telegram, and a feed server whose feed already holds two (backlog) articles."""
    telegram = FakeTelegram(TOKEN)
    routes = Routes()
    with serve(telegram) as api_url, http_server(routes) as feed_base:
        feed = NewsFeed(routes, feed_base)
        feed.add("derby", *FOOTBALL)
        feed.add("gletscher", *GLACIER)
        yield telegram, api_url, feed


def env_for(api_url: str, data: Path, model_cache: Path, feed: NewsFeed) -> dict[str, str]:
    return bot_environment(
        api_url, data, model_cache, NEWSBOT_FEEDS=feed.url, NEWSBOT_FEED_POLL_SECONDS="2", NEWSBOT_ADMIN_IDS=str(ADMIN)
    )


def command(telegram: FakeTelegram, chat: int, user: int, text: str) -> dict[str, Any]:
    before = len(telegram.sent_to(chat))
    telegram.message(chat, user, text)
    return telegram.wait_for_messages(chat, before + 1)[before]


def posts(telegram: FakeTelegram, chat: int) -> list[dict[str, Any]]:
    return [m for m in telegram.sent_to(chat) if m["text"].startswith(("New on", "Neu zu", "Your daily", "Update on", "Neues zu"))]


def feed_read(feed: NewsFeed, times: int = 1) -> None:
    """Wait until the bot has fetched the feed `times` more times."""
    target = feed.routes.hits.count("/feed.xml") + times
    deadline = time.monotonic() + 60
    while feed.routes.hits.count("/feed.xml") < target:
        assert time.monotonic() < deadline, "the bot stopped polling the feed"
        time.sleep(0.1)


def test_a_group_subscribes_and_gets_exactly_one_post_per_new_article(
    world: tuple[FakeTelegram, str, NewsFeed], data: Path, model_cache: Path, tmp_path: Path
) -> None:
    telegram, api_url, feed = world
    telegram.chat(GROUP, "supergroup", title="Handelspolitik")
    telegram.members[(GROUP, ADMIN)] = "administrator"
    with running_bot(telegram, env_for(api_url, data, model_cache, feed), tmp_path):
        refused = command(telegram, GROUP, MEMBER, "/subscribe Zölle auf Stahl")
        assert refused["text"] == "Only the group's admins can change its subscriptions."
        done = command(telegram, GROUP, ADMIN, "/subscribe Zölle auf Stahl -fußball")
        assert "#1 Zölle auf Stahl – new articles are posted as they come. Must mention: –. Never: fußball." in done["text"]
        feed_read(feed, 2)
        assert posts(telegram, GROUP) == []  # the feed's backlog is not news

        feed.add("stahl", *STEEL)
        feed.add("auto", ALUMINIUM_PAGE_ONLY[0], ALUMINIUM_PAGE_ONLY[2], summary_only=ALUMINIUM_PAGE_ONLY[1])
        feed.add("salzburg-zoll", "Salzburg und die Zölle", [FOOTBALL[1][0] + " Über Zölle auf Stahl sprach beim Fußball niemand."])
        telegram.wait_for(lambda: len(posts(telegram, GROUP)) >= 2, timeout=60)
        feed_read(feed, 3)  # more polls: nothing is posted twice
        sent = posts(telegram, GROUP)
        assert len(sent) == 2, [p["text"] for p in sent]
        steel = next(p for p in sent if STEEL[0] in p["text"])
        assert steel["text"].startswith("New on “Zölle auf Stahl”")
        assert "Zölle auf Stahl und Aluminium" in steel["text"] and "¶1" in steel["text"]
        assert f'href="{feed.base_url}/news/stahl.html"' in steel["html"]
        page_only = next(p for p in sent if ALUMINIUM_PAGE_ONLY[0] in p["text"])
        assert "Graz und Steyr" in page_only["text"] or "Autos in Europa" in page_only["text"]
        assert "/news/auto.html" in feed.routes.hits  # the summary-only entry's page was fetched

        listing = command(telegram, GROUP, ADMIN, "/subscriptions")
        assert "#1 Zölle auf Stahl" in listing["text"]
        assert listing["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "unsub:1"

        telegram.chat(SUPERGROUP, "supergroup", title="Handelspolitik")
        telegram.members[(SUPERGROUP, ADMIN)] = "administrator"
        telegram.migrated[GROUP] = SUPERGROUP  # the group became a supergroup
        feed.add("stahl-2", STEEL[0] + " (2)", [p + " Neu." for p in STEEL[1]])
        telegram.wait_for(lambda: posts(telegram, SUPERGROUP), timeout=60)
        assert "#1 Zölle auf Stahl" in command(telegram, SUPERGROUP, ADMIN, "/subscriptions")["text"]

        telegram.bot_status(SUPERGROUP, "member", "kicked")  # removed from the group
        time.sleep(1)
        feed.add("stahl-3", STEEL[0] + " (3)", [p + " Neuer." for p in STEEL[1]])
        feed_read(feed, 2)
        assert len(posts(telegram, SUPERGROUP)) == 1 and len(posts(telegram, GROUP)) == 2


def test_a_channel_is_managed_from_a_private_chat_by_its_admins(
    world: tuple[FakeTelegram, str, NewsFeed], data: Path, model_cache: Path, tmp_path: Path
) -> None:
    telegram, api_url, feed = world
    telegram.channel(CHANNEL, "wirtschaftsnews")
    telegram.channel(QUIET_CHANNEL, "quiet")
    telegram.members[(CHANNEL, ADMIN)] = "creator"
    telegram.members[(CHANNEL, 4242)] = "administrator"  # the bot may post there
    telegram.members[(QUIET_CHANNEL, ADMIN)] = "administrator"  # but not here
    with running_bot(telegram, env_for(api_url, data, model_cache, feed), tmp_path):
        refused = command(telegram, MEMBER, MEMBER, "/subscribe @wirtschaftsnews Zölle auf Stahl")
        assert refused["text"] == "Only administrators of @wirtschaftsnews can manage its subscriptions, and you are not one."
        no_rights = command(telegram, ADMIN, ADMIN, "/subscribe @quiet Zölle auf Stahl")
        assert no_rights["text"].startswith("I am not allowed to post in @quiet.")
        unknown = command(telegram, ADMIN, ADMIN, "/subscribe @nowhere Zölle")
        assert unknown["text"].startswith("I cannot see @nowhere.")
        in_group = command(telegram, GROUP, ADMIN, "/subscribe @wirtschaftsnews Zölle")
        assert in_group["text"].startswith("Manage a channel's subscriptions in a private chat")
        done = command(telegram, ADMIN, ADMIN, "/subscribe @wirtschaftsnews Zölle auf Stahl daily 07:00 Europe/Vienna")
        assert done["text"].startswith("✓ @wirtschaftsnews: #1 Zölle auf Stahl – a daily digest at 07:00 (Europe/Vienna)")
        listing = command(telegram, ADMIN, ADMIN, "/subscriptions @wirtschaftsnews")
        assert "#1 Zölle auf Stahl" in listing["text"]
        telegram.press(ADMIN, listing, "unsub:1")
        telegram.wait_for(lambda: any("Unsubscribed #1" in m["text"] for m in telegram.sent_to(ADMIN)))

        command(telegram, ADMIN, ADMIN, "/subscribe @wirtschaftsnews Zölle auf Stahl")
        feed_read(feed, 1)
        feed.add("stahl", *STEEL)
        telegram.wait_for(lambda: posts(telegram, CHANNEL), timeout=60)
        (post,) = posts(telegram, CHANNEL)
        assert STEEL[0] in post["text"]

        # An admin adds one article from the chat: it is indexed and posted at once.
        title, _, paragraphs = ALUMINIUM_PAGE_ONLY
        page = "".join(f"<p>{p}</p>" for p in paragraphs)
        feed.routes.add("/extra.html", f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{page}</article></body></html>")
        done = command(telegram, ADMIN, ADMIN, f"/ingest {feed.base_url}/extra.html")
        assert done["text"].startswith("Reading")
        telegram.wait_for(lambda: len(posts(telegram, CHANNEL)) == 2, timeout=60)
        assert "Graz und Steyr" in posts(telegram, CHANNEL)[1]["text"]


def test_a_restart_in_the_middle_of_a_burst_loses_and_doubles_nothing(
    world: tuple[FakeTelegram, str, NewsFeed], data: Path, model_cache: Path, tmp_path: Path
) -> None:
    telegram, api_url, feed = world
    chats = list(range(9000, 9100))
    blocked = chats[-1]
    env = env_for(api_url, data, model_cache, feed)
    with running_bot(telegram, env, tmp_path):
        for chat in chats:
            telegram.message(chat, chat, "/subscribe Zölle auf Stahl")
        telegram.wait_for(lambda: all(telegram.sent_to(chat) for chat in chats), timeout=120)
        telegram.blocked.add(blocked)

    first_stop = len(telegram.sent)
    telegram.pass_gate(30)  # 30 posts go through, the rest wait: the bot is stopped mid-burst
    log = tmp_path / "killed.log"
    with log.open("wb") as output:
        process = subprocess.Popen([sys.executable, "-m", "scripts.cli", "serve"], cwd=tmp_path, env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            feed_read(feed, 1)
            feed.add("stahl", *STEEL)
            telegram.wait_for(lambda: len(telegram.sent) >= first_stop + 30 and telegram.held > 0, timeout=120)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
    telegram.drop_held()
    assert 0 < sum(len(posts(telegram, chat)) for chat in chats) < 99

    with running_bot(telegram, env, tmp_path):
        telegram.wait_for(lambda: all(posts(telegram, chat) for chat in chats[:-1]), timeout=120)
        feed_read(feed, 2)
    counts = [len(posts(telegram, chat)) for chat in chats[:-1]]
    assert counts == [1] * 99
    attempts = [r for r in telegram.calls("sendMessage") if int(r.params["chat_id"]) == blocked and r.status == 403]
    assert len(attempts) == 1  # the blocked chat's subscription ended at the first 403
