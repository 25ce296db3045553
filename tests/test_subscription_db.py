"""The subscription database (real SQLite, migrated by Alembic) and topic parsing and matching."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from index.subscriptions import matching
from index.subscriptions import topics
from index.domain import Chunk
from index.errors import DatabaseUnavailable, InputError, NewsbotError, ReindexRunning, StoreError
from index.subscriptions.database import CLAIM_TIMEOUT, MIGRATIONS, Base, Subscription, SubscriptionDB
from tests.servers import free_port

NOW = datetime(2026, 11, 29, 7, 30, tzinfo=timezone.utc)


def test_the_migrations_build_exactly_the_models_schema(db: SubscriptionDB) -> None:
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    assert {"subscriptions", "deliveries", "feeds", "articles_seen", "watches", "alembic_version"} <= set(inspect(db.engine).get_table_names())
    db.migrate()  # running it again changes nothing


def subscription(db: SubscriptionDB, chat_id: int = -100, **values: object) -> Subscription:
    return db.add(Subscription(chat_id=chat_id, topic="Zölle", **values))


def test_an_article_is_queued_once_per_chat_and_claimed_once(db: SubscriptionDB) -> None:
    first, second = subscription(db), subscription(db)  # two topics of one chat match the same article
    assert db.queue(first, "a1", {"title": "T"}, 0.9, NOW) is True
    assert db.queue(second, "a1", {"title": "T"}, 0.9, NOW) is False
    assert db.queue(first, "a2", {"title": "U"}, 0.9, NOW + timedelta(hours=1)) is True

    claimed = db.claim_due(NOW)
    assert [q.article_id for q in claimed] == ["a1"]  # a2 is not due yet
    assert db.claim_due(NOW) == []  # claimed: nobody else gets it
    db.mark([claimed[0].id], "sent", NOW)
    assert db.claim_due(NOW + CLAIM_TIMEOUT * 2) == []  # sent stays sent; a2 is due only in an hour
    assert db.counts() == {"sent": 1, "pending": 1}


def test_each_forum_topic_gets_an_article_once(db: SubscriptionDB) -> None:
    """Subscriptions in two topics of one forum both get the article; two in one topic share it."""
    in_a, also_in_a, in_b = subscription(db, thread_id=11), subscription(db, thread_id=11), subscription(db, thread_id=12)
    assert db.queue(in_a, "a1", {}, 0.9, NOW) is True
    assert db.queue(also_in_a, "a1", {}, 0.9, NOW) is False
    assert db.queue(in_b, "a1", {}, 0.9, NOW) is True
    assert sorted(q.thread_id or 0 for q in db.claim_due(NOW)) == [11, 12]


def test_a_claim_whose_sender_died_is_claimed_again(db: SubscriptionDB) -> None:
    db.queue(subscription(db), "a1", {}, 0.9, NOW)
    (claimed,) = db.claim_due(NOW)
    assert db.claim_due(NOW + timedelta(minutes=1)) == []
    (again,) = db.claim_due(NOW + CLAIM_TIMEOUT + timedelta(seconds=1))
    assert again.id == claimed.id
    db.mark([again.id], "pending")
    assert [q.id for q in db.claim_due(NOW + CLAIM_TIMEOUT * 3)] == [claimed.id]


def test_a_chat_that_is_gone_ends_its_subscriptions_and_a_migrated_one_keeps_them(db: SubscriptionDB) -> None:
    gone, moving = subscription(db, chat_id=-1), subscription(db, chat_id=-2)
    db.queue(gone, "a1", {}, 0.9, NOW)
    db.queue(moving, "a1", {}, 0.9, NOW)
    assert db.end_chat(-1, "bot kicked") == 1
    db.move_chat(-2, -1002)
    assert [s.chat_id for s in db.active()] == [-1002]
    assert [(q.chat_id, q.article_id) for q in db.claim_due(NOW)] == [(-1002, "a1")]
    assert db.counts()["dropped"] == 1


def test_two_senders_never_claim_the_same_delivery(db: SubscriptionDB) -> None:
    for number in range(200):
        db.queue(subscription(db, chat_id=-number - 1), f"a{number}", {}, 0.9, NOW)
    claimed: list[list[int]] = [[], []]

    def sender(index: int) -> None:
        while batch := db.claim_due(NOW, limit=7):
            claimed[index] += [q.id for q in batch]

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(claimed[0]) + len(claimed[1]) == 200
    assert set(claimed[0]).isdisjoint(claimed[1])


def test_seen_articles_are_matched_once(db: SubscriptionDB) -> None:
    assert db.unseen(["a", "b", "a"]) == ["a", "b"]
    db.mark_seen(["a"])
    db.mark_seen(["a"])
    assert db.unseen(["a", "b"]) == ["b"]


def test_topics_parse_filters_and_digest_times() -> None:
    topic = topics.parse_topic("Ukraine peace talks -sport +EU daily 8:30 Europe/Vienna")
    assert topic == topics.Topic("Ukraine peace talks", ("eu",), ("sport",), "08:30", "Europe/Vienna")
    assert topics.parse_topic("Zölle täglich 07:00").digest_at == "07:00"
    assert topics.parse_topic("  Zölle  ") == topics.Topic("Zölle")
    for bad, reason in [("-sport", "empty"), ("Zölle daily 25:00", "not a time"), ("Zölle daily 08:00 Mars/Base", "unknown time zone")]:
        with pytest.raises(InputError, match=reason):
            topics.parse_topic(bad)


def test_keywords_match_word_prefixes() -> None:
    text = "Die Sportler der EU-Staaten protestieren gegen Zölle."
    assert topics.keywords_allow(text, ["eu"], [])
    assert not topics.keywords_allow(text, [], ["sport"])  # "Sportler"
    assert not topics.keywords_allow(text, ["china"], [])


def test_the_next_digest_is_at_the_local_hour() -> None:
    # 07:30 UTC is 08:30 in Berlin (winter): 08:00 has passed, so tomorrow 07:00 UTC.
    assert topics.next_digest(NOW, "08:00", "Europe/Berlin") == datetime(2026, 11, 30, 7, 0, tzinfo=timezone.utc)
    assert topics.next_digest(NOW, "09:00", "Europe/Berlin") == datetime(2026, 11, 29, 8, 0, tzinfo=timezone.utc)
    summer = datetime(2026, 7, 1, 5, 0, tzinfo=timezone.utc)
    assert topics.next_digest(summer, "08:00", "Europe/Berlin") == datetime(2026, 7, 1, 6, 0, tzinfo=timezone.utc)


def test_best_passages_need_the_threshold() -> None:
    chunks = [Chunk("a", i, i + 1, f"p{i}", "T", "s") for i in range(3)]
    vectors = np.array([[1.0, 0.0], [0.6, 0.8], [0.8, 0.6]], dtype=np.float32)
    best = topics.best_passages(np.array([0.8, 0.6], dtype=np.float32), chunks, vectors, min_score=0.9)
    assert [(c.paragraph, round(s, 2)) for c, s in best] == [(3, 1.0), (2, 0.96)]
    assert topics.best_passages(np.array([0.0, -1.0], dtype=np.float32), chunks, vectors, min_score=0.5) == []
    post = matching.post_for(best)
    assert post["title"] == "T" and post["passages"][0]["paragraph"] == 3  # type: ignore[index]


def test_an_unreachable_database_is_its_own_error_not_the_vector_stores() -> None:
    database = SubscriptionDB(f"postgresql+psycopg://newsbot@127.0.0.1:{free_port()}/newsbot")
    with pytest.raises(DatabaseUnavailable, match="NEWSBOT_DATABASE_URL") as raised:
        database.migrate()
    assert not isinstance(raised.value, StoreError)
    assert issubclass(ReindexRunning, NewsbotError) and not issubclass(ReindexRunning, StoreError)


FEED = "https://news.example/feed.xml"


def test_a_poll_does_not_bring_back_a_feed_removed_while_it_fetched(db: SubscriptionDB) -> None:
    db.seed_feeds([FEED])
    state = db.feed(FEED)  # read at the start of a poll, before a fetch of up to 30 s
    assert db.disable_feed(FEED)  # /feed remove meanwhile
    state.failures, state.last_error, state.last_checked = 1, "HTTP 503", NOW
    db.save_feed(state)
    assert db.feed_list() == []  # still removed
    assert (db.feed(FEED).failures, db.feed(FEED).last_error) == (1, "HTTP 503")  # what the poll learnt is kept


def test_after_the_upgrade_to_feeds_in_the_database_only_the_configured_feeds_are_polled(db: SubscriptionDB) -> None:
    """Before 0004 the feeds table held every feed ever polled, also ones dropped from NEWSBOT_FEEDS since."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = db.engine
    command.downgrade(config, "0003")
    kept, dropped = "https://kept.example/rss", "https://dropped.example/rss"
    with db.engine.begin() as connection:
        for url in (kept, dropped):
            connection.execute(text("INSERT INTO feeds (url, failures, last_ok) VALUES (:url, 0, :ok)"), {"url": url, "ok": NOW})
    db.migrate()
    db.seed_feeds([kept, FEED])  # the start after the upgrade, NEWSBOT_FEEDS as it is now
    assert [f.url for f in db.feed_list()] == [kept, FEED]
    db.seed_feeds([FEED])  # from now on the database is the list: a later NEWSBOT_FEEDS removes nothing
    assert [f.url for f in db.feed_list()] == [kept, FEED]
