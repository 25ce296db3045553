"""Feeds managed from the chat and the shell: /feeds, /feed add|remove, OPML import and export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot import subscriptions
from index.subscriptions import opml
from index.errors import InputError
from scripts.cli import cli
from tests.bot_in_process import running_app
from tests.feed_fixtures import FOOTBALL, STEEL, NewsFeed
from tests.fakes import HashingEmbedder
from tests.servers import Routes, http_server

ADMIN, READER = 7501, 7502


async def test_an_admin_adds_a_feed_its_backlog_is_not_posted_its_news_is(
    tmp_path: Path, model_cache: Path, fake_embedder: HashingEmbedder
) -> None:
    routes = Routes()
    with http_server(routes) as base:
        feed = NewsFeed(routes, base)
        feed.add("derby", *FOOTBALL)
        routes.add("/page.html", "<html><body><p>A page, not a feed.</p></body></html>")
        async with running_app(
            tmp_path, model_cache, fake_embedder, admin_ids=[ADMIN], subscription_min_score=-1.0, feed_poll_seconds=3600
        ) as bot:
            await bot.say(READER, READER, "/subscribe Stahl")
            (refused,) = await bot.say(READER, READER, f"/feed add {feed.url}")
            assert refused["text"].startswith("Sorry, only the bot's admins may use /feed")
            (not_a_feed,) = await bot.say(ADMIN, ADMIN, f"/feed add {base}/page.html")
            assert "it is not an RSS or Atom feed" in not_a_feed["text"]

            (added,) = await bot.say(ADMIN, ADMIN, f"/feed add {feed.url}")
            assert added["text"].startswith(f"Following {feed.url}: 1 article(s)")
            # Checked with one fetch, which was also its first read (a poll since then got 304 Not Modified).
            assert routes.hits.count("/feed.xml") - routes.not_modified == 1
            (listed,) = await bot.say(ADMIN, ADMIN, "/feeds")
            assert f"1. {feed.url}" in listed["text"] and "1 articles indexed" in listed["text"]
            assert "last poll: never" not in listed["text"]

            feed.add("stahl", *STEEL)
            await subscriptions.poll_feeds_now(bot.app)
            posts = await bot.wait_for(lambda: [m for m in bot.telegram.sent_to(READER) if m["text"].startswith("New on")])
            assert len(posts) == 1 and STEEL[0] in posts[0]["text"]  # the news, not the backlog

            (removed,) = await bot.say(ADMIN, ADMIN, "/feed remove 1")
            assert removed["text"].startswith(f"Stopped polling {feed.url}")
            (empty,) = await bot.say(ADMIN, ADMIN, "/feeds")
            assert empty["text"].startswith("No feeds yet")
            (wrong,) = await bot.say(ADMIN, ADMIN, "/feed remove 3")
            assert "there is no feed 3" in wrong["text"]


async def test_opml_round_trip_through_the_chat(tmp_path: Path, model_cache: Path, fake_embedder: HashingEmbedder) -> None:
    routes = Routes()
    with http_server(routes) as base:
        feed = NewsFeed(routes, base)
        feed.add("derby", *FOOTBALL)
        listed = [feed.url, f"{base}/gone.xml"]
        async with running_app(tmp_path, model_cache, fake_embedder, admin_ids=[ADMIN], feed_poll_seconds=3600) as bot:
            bot.telegram.document(READER, READER, "mine.opml", opml.document(listed))
            (refused,) = await bot.replies(READER)
            assert refused["text"].startswith("Sorry, only the bot's admins may use /feeds") and bot.db.feed_list() == []

            before = len(bot.telegram.sent_to(ADMIN))
            bot.telegram.document(ADMIN, ADMIN, "reader.opml", opml.document(listed, title="My reader"))
            (imported,) = (await bot.replies(ADMIN, before + 1))[before:]
            assert imported["text"].startswith("Imported 2 feed(s) from reader.opml (0 in the list already)")
            await bot.wait_for(lambda: all(f.last_checked for f in bot.db.feed_list()))  # read at once
            (state,) = await bot.say(ADMIN, ADMIN, "/feeds")
            assert "1 articles indexed" in state["text"] and "HTTP 404" in state["text"]

            bot.telegram.message(ADMIN, ADMIN, "/feeds opml")  # the answer is a document, not a message
            (exported,) = await bot.wait_for(lambda: bot.telegram.documents)
            assert exported["document"]["file_name"] == "newsbot-feeds.opml" and exported["caption"] == "2 feed(s), as OPML"
            assert opml.feed_urls(exported["content"]) == listed


@pytest.mark.parametrize("bad", [b"<opml><body></body></opml>", b"\x00\x01 not xml"])
def test_an_opml_file_without_feeds_is_refused(bad: bytes) -> None:
    with pytest.raises(InputError, match="no feeds found in the OPML file"):
        opml.feed_urls(bad)


def test_feeds_from_the_shell(tmp_path: Path, model_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSBOT_MODELS_DIR", str(model_cache))
    monkeypatch.chdir(tmp_path)
    routes = Routes()
    with http_server(routes) as base:
        feed = NewsFeed(routes, base)
        feed.add("derby", *FOOTBALL)
        monkeypatch.setenv("NEWSBOT_FEEDS", f"{base}/initial.xml")

        def run(*args: str) -> tuple[int, str]:
            result = CliRunner().invoke(cli, ["feeds", *args], catch_exceptions=False)
            return result.exit_code, result.output

        assert run("add", f"{base}/missing.xml") == (2, f"Error: {base}/missing.xml: the server answered HTTP 404\n")
        code, out = run("add", feed.url)
        assert code == 0 and out.startswith(f"Added {feed.url} (1 entries now")
        (tmp_path / "other.opml").write_bytes(opml.document([feed.url, f"{base}/other.xml"]))
        assert run("import", str(tmp_path / "other.opml"))[1] == f"Imported 1 feed(s) from {tmp_path / 'other.opml'} (1 in the list already).\n"
        code, out = run("list", "--json")
        assert code == 0 and [f["url"] for f in json.loads(out)] == [f"{base}/initial.xml", feed.url, f"{base}/other.xml"]
        assert run("remove", "1")[0] == 0
        code, out = run("export")
        assert opml.feed_urls(out.encode()) == [feed.url, f"{base}/other.xml"]  # NEWSBOT_FEEDS does not bring it back
        assert run("remove", "9")[0] == 2
