"""Feed polling against a local HTTP server: backoff, conditional requests, backlog, full text."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from index.subscriptions import feeds
from index.domain import stable_hash
from index.settings import Settings
from index.store.vector_store import VectorStore
from index.subscriptions.database import SubscriptionDB
from tests.fakes import HashingEmbedder
from tests.feed_fixtures import ALUMINIUM_PAGE_ONLY, GLACIER, STEEL, NewsFeed
from tests.servers import Routes, http_server

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=timezone.utc)


@dataclass
class Web:
    """A local HTTP server the test publishes feeds and pages on, and a client to read them."""

    routes: Routes
    base: str
    client: httpx.Client


@pytest.fixture
def web() -> Iterator[Web]:
    routes = Routes()
    with http_server(routes) as base, httpx.Client() as client:
        yield Web(routes, base, client)


@pytest.fixture
def db(tmp_path: Path) -> SubscriptionDB:
    database = SubscriptionDB(f"sqlite:///{tmp_path / 'subs.db'}")
    database.migrate()
    return database


def test_a_broken_feed_backs_off_and_does_not_stop_the_others(
    db: SubscriptionDB, store: VectorStore, fake_embedder: HashingEmbedder, settings: Settings, web: Web
) -> None:
    good = NewsFeed(web.routes, web.base)
    good.add("gletscher", *GLACIER)
    web.routes.add("/broken.xml", "<rss><channel><item>", content_type="application/rss+xml")
    urls = [f"{web.base}/broken.xml", f"{web.base}/missing.xml", good.url]

    assert feeds.poll_and_index(urls, fake_embedder, store, db, web.client, NOW) == []  # backlog only
    assert store.info().articles == 1
    assert [db.feed(u).failures for u in urls] == [1, 1, 0]
    assert db.feed(urls[1]).last_error == f"{urls[1]}: the server answered HTTP 404"

    good.add("stahl", *STEEL)
    hits = len(web.routes.hits)
    news = feeds.poll_and_index(urls, fake_embedder, store, db, web.client, NOW + timedelta(seconds=30))
    assert len(news) == 2  # both items of the good feed (the old one is filtered later, as seen)
    assert web.routes.hits[hits:] == ["/feed.xml"]  # the broken ones wait out their backoff; no page fetched
    feeds.poll_and_index(urls, fake_embedder, store, db, web.client, NOW + timedelta(minutes=1, seconds=1))
    assert [db.feed(u).failures for u in urls] == [2, 2, 0]
    assert db.feed(urls[0]).next_attempt == NOW + timedelta(minutes=1, seconds=1) + timedelta(minutes=2)


def test_unchanged_feeds_cost_a_304_and_summaries_get_the_full_text(db: SubscriptionDB, web: Web) -> None:
    feed = NewsFeed(web.routes, web.base)
    feed.add("auto", ALUMINIUM_PAGE_ONLY[0], ALUMINIUM_PAGE_ONLY[2], summary_only=ALUMINIUM_PAGE_ONLY[1])
    read = feeds.poll(feed.url, db, web.client, NOW)
    assert read is not None and read.backlog
    assert feeds.poll(feed.url, db, web.client, NOW).backlog  # type: ignore[union-attr]  # not done: read again in full
    feeds.done(read, db, NOW)
    (summary,) = read.articles
    assert summary.partial and summary.origin == feed.url
    article = feeds.full_text(summary, web.client)
    assert "Graz und Steyr" in " ".join(article.paragraphs)  # from the page, not the feed
    assert article.title == ALUMINIUM_PAGE_ONLY[0] and not article.partial
    again = feeds.poll(feed.url, db, web.client, NOW + timedelta(minutes=15))
    assert again is not None and again.articles == [] and not again.backlog
    assert web.routes.not_modified == 1
    assert feeds.backoff(1) == timedelta(minutes=1) and feeds.backoff(20) == timedelta(hours=6)


def test_a_summary_only_entry_is_completed_once_and_keeps_its_full_text(
    db: SubscriptionDB, store: VectorStore, fake_embedder: HashingEmbedder, web: Web
) -> None:
    feed = NewsFeed(web.routes, web.base)
    feed.add("auto", ALUMINIUM_PAGE_ONLY[0], ALUMINIUM_PAGE_ONLY[2], summary_only=ALUMINIUM_PAGE_ONLY[1])
    feeds.poll_and_index([feed.url], fake_embedder, store, db, web.client, NOW)
    feed.add("stahl", *STEEL)  # the feed changes: it is read again
    feeds.poll_and_index([feed.url], fake_embedder, store, db, web.client, NOW + timedelta(minutes=15))
    assert web.routes.hits.count("/news/auto.html") == 1
    texts = " ".join(text for text, _ in store.documents())
    assert "Graz und Steyr" in texts and ALUMINIUM_PAGE_ONLY[1] not in texts


def test_articles_that_could_not_be_indexed_are_read_again(
    db: SubscriptionDB, store: VectorStore, fake_embedder: HashingEmbedder, web: Web
) -> None:
    feed = NewsFeed(web.routes, web.base)
    feed.add("gletscher", *GLACIER)
    feeds.poll_and_index([feed.url], fake_embedder, store, db, web.client, NOW)
    feed.add("stahl", *STEEL)
    other = HashingEmbedder(name="another-model")  # the index refuses it: indexing fails
    assert feeds.poll_and_index([feed.url], other, VectorStore(lambda: store._client, store.base, other.name), db, web.client, NOW) == []
    news = feeds.poll_and_index([feed.url], fake_embedder, store, db, web.client, NOW + timedelta(minutes=15))
    assert len(news) == 2 and web.routes.not_modified == 0  # read in full again, not "304 not modified"


def test_a_known_feed_whose_entries_all_got_new_ids_is_not_posted_again(
    db: SubscriptionDB, store: VectorStore, fake_embedder: HashingEmbedder, web: Web
) -> None:
    later = NOW + timedelta(days=2)  # the items are dated NOW: older than these reads
    feed = NewsFeed(web.routes, web.base)
    feed.add("gletscher", *GLACIER)
    feed.add("stahl", *STEEL)
    assert feeds.poll_and_index([feed.url], fake_embedder, store, db, web.client, later) == []  # backlog
    # The same items under new guids (a feed re-published, or ids from an older Newsbot): old news.
    feed.items = [i.replace("<guid>", "<guid>v2-") for i in feed.items]
    feed.publish()
    assert feeds.poll_and_index([feed.url], fake_embedder, store, db, web.client, later + timedelta(minutes=15)) == []
    # One new entry beside known ones is news as always, and only it.
    feed.add("neu", "Neue Meldung", [GLACIER[1][0] + " Neu."])
    news = feeds.poll_and_index([feed.url], fake_embedder, store, db, web.client, later + timedelta(minutes=30))
    assert db.unseen(news) == [stable_hash(f"{feed.url}#{web.base}/news/neu.html")]  # the entry's guid is its link


def test_a_busy_feed_whose_items_all_turned_over_is_still_news(
    db: SubscriptionDB, store: VectorStore, fake_embedder: HashingEmbedder, web: Web
) -> None:
    feed = NewsFeed(web.routes, web.base)
    feed.add("gletscher", *GLACIER)
    feed.add("stahl", *STEEL)
    assert feeds.poll_and_index([feed.url], fake_embedder, store, db, web.client, NOW) == []  # backlog
    feed.items = []  # fifteen minutes later every item is new, and dated today
    feed.add("eins", "Erste neue Meldung", [GLACIER[1][0] + " Eins."])
    feed.add("zwei", "Zweite neue Meldung", [STEEL[1][0] + " Zwei."])
    news = feeds.poll_and_index([feed.url], fake_embedder, store, db, web.client, NOW + timedelta(minutes=15))
    assert len(db.unseen(news)) == 2
