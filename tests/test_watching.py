"""Watched questions checked against new articles: real Chroma, a real SQLite outbox, the weightless embedder."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from index import bootstrap
from index.ingest import indexing
from index.subscriptions import watch_db, watches, watching
from index.domain import Answer
from index.settings import Settings
from index.subscriptions.database import Subscription, SubscriptionDB, Watch
from tests.fakes import HashingEmbedder

NOW = datetime(2025, 10, 20, 9, 0, tzinfo=timezone.utc)
QUESTION = "Wann findet der Gipfel in Budapest statt?"
# The updates name the summit in the question's words, more closely each time, so that each is the best answer when it comes.
SUMMIT = {
    "a-12-nov": ("2025-10-16", "Gipfel in Budapest geplant",
                 "Nach Angaben der Regierung in Wien findet der Gipfel in Budapest am 12. November statt, Details folgen später."),
    "b-3-dez": ("2025-10-20", "Gipfel in Budapest verschoben",
                "Der Gipfel in Budapest findet nun am 3. Dezember statt, teilte die Regierung mit."),
    "c-3-dez-again": ("2025-10-22", "Budapest bestätigt Gipfel",
                      "Am 3. Dezember findet der Gipfel in Budapest statt, sagte die Regierung."),
    "d-9-jan": ("2025-10-25", "Gipfel in Budapest erneut verschoben",
                "Der Gipfel in Budapest findet am 9. Januar statt."),
    "football": ("2025-10-25", "Salzburg gewinnt das Derby",
                 "Der FC Red Bull Salzburg hat das Derby gegen Rapid Wien am Sonntagabend mit drei zu eins gewonnen."),
}  # fmt: skip


def article(folder: Path, name: str) -> str:
    published, title, text = SUMMIT[name]
    path = folder / f"{name}.json"
    path.write_text(json.dumps({"title": title, "url": f"https://news.example/{name}", "published": published, "text": text}))
    return str(path)


@pytest.fixture
def services(tmp_path: Path, model_cache: Path) -> Iterator[bootstrap.Services]:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", models_dir=model_cache, min_score=0.2)  # type: ignore[call-arg]
    built = bootstrap.build(settings, write=True, embedder=HashingEmbedder(dimension=1024))
    yield built
    built.close()


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[SubscriptionDB]:
    db = SubscriptionDB(f"sqlite:///{tmp_path / 'newsbot.db'}")
    db.migrate()
    yield db
    db.close()


def ingest(services: bootstrap.Services, folder: Path, name: str) -> list[str]:
    return indexing.ingest([article(folder, name)], services.embedder, services.store).new_articles


def watch(services: bootstrap.Services, db: SubscriptionDB, chat_id: int = 42, thread_id: int | None = None) -> Watch:
    """As /watch does it: the question answered now, its answer and vector kept."""
    answer = watches.remembered(services.answer(QUESTION))
    return watch_db.add(db, Watch(
        chat_id=chat_id, thread_id=thread_id, question=QUESTION, language="de",
        answer=json.dumps(answer.to_json()) if answer else None,
    ))  # fmt: skip


def check(services: bootstrap.Services, db: SubscriptionDB, ids: list[str], now: datetime = NOW) -> watching.WatchCheck:
    return watching.check_new_articles(ids, services.store, services.query_embedder(), services.answer, db, threshold=0.15, now=now)


def test_a_post_only_when_a_newer_article_changes_the_answer(services: bootstrap.Services, sqlite: SubscriptionDB, tmp_path: Path) -> None:
    ingest(services, tmp_path, "a-12-nov")
    watched = watch(services, sqlite)
    assert watch_db.answer_of(watched) is not None and watch_db.answer_of(watched).span == "am 12. November"  # type: ignore[union-attr]

    first = check(services, sqlite, ingest(services, tmp_path, "b-3-dez"))
    assert (first.watches, first.asked, first.queued) == (1, 1, 1)
    (post,) = sqlite.claim_due(NOW)
    assert (post.watch_id, post.subscription_id, post.chat_id, post.topic) == (watched.id, 0, 42, QUESTION)
    assert post.post["answer"]["span"] == "am 3. Dezember" and post.post["before"]["span"] == "am 12. November"  # type: ignore[index]
    assert post.post["before"]["published"] == "2025-10-16"  # type: ignore[index]
    sqlite.mark([post.id], "sent", NOW)

    repeat = check(services, sqlite, ingest(services, tmp_path, "c-3-dez-again"), NOW + timedelta(hours=1))
    assert (repeat.asked, repeat.queued) == (1, 0)  # asked again: the same date, so nothing is posted

    later = check(services, sqlite, ingest(services, tmp_path, "d-9-jan"), NOW + timedelta(hours=2))
    assert later.queued == 1
    (post,) = sqlite.claim_due(NOW + timedelta(hours=2))
    assert post.post["answer"]["span"] == "am 9. Januar" and post.post["before"]["span"] == "am 3. Dezember"  # type: ignore[index]
    current = watch_db.answer_of(watch_db.get(sqlite, watched.id))  # type: ignore[arg-type]
    assert current is not None and current.span == "am 9. Januar"  # what /watches shows now


def test_an_article_far_from_every_question_asks_none_and_one_article_posts_once(
    services: bootstrap.Services, sqlite: SubscriptionDB, tmp_path: Path
) -> None:
    ingest(services, tmp_path, "a-12-nov")
    watch(services, sqlite)
    football = check(services, sqlite, ingest(services, tmp_path, "football"))
    assert (football.watches, football.asked, football.queued) == (1, 0, 0)  # the pre-filter: not asked at all

    news = ingest(services, tmp_path, "b-3-dez")
    watched = watch_db.active(sqlite)[0]
    # Two processes check the same article with the answer read before either queued: one post.
    assert check(services, sqlite, news).queued == 1
    stale = watch_db.queue_change(sqlite, watched, watches.remembered(services.answer(QUESTION)), {"x": 1}, NOW)  # type: ignore[arg-type]
    assert stale is False
    assert sqlite.counts() == {"pending": 1}


def test_a_watch_without_an_answer_posts_the_first_one(services: bootstrap.Services, sqlite: SubscriptionDB, tmp_path: Path) -> None:
    ingest(services, tmp_path, "football")
    watched = watch(services, sqlite)
    assert watched.answer is None and watched.vector is None  # no answer yet; the vector is made at the first check
    assert check(services, sqlite, ingest(services, tmp_path, "a-12-nov")).queued == 1
    (post,) = sqlite.claim_due(NOW)
    assert post.post["before"] is None and post.post["answer"]["span"] == "am 12. November"  # type: ignore[index]
    assert watch_db.get(sqlite, watched.id).vector is not None  # type: ignore[union-attr]


def test_watch_posts_share_the_outbox_with_subscription_posts(sqlite: SubscriptionDB) -> None:
    """A chat gets an article's subscription post and each watch's post; a chat that is gone ends both, a migrated one keeps both."""
    subscription = sqlite.add(Subscription(chat_id=-7, topic="Gipfel"))
    first = watch_db.add(sqlite, Watch(chat_id=-7, question="Wann?", language="de"))
    second = watch_db.add(sqlite, Watch(chat_id=-7, question="Wo?", language="de"))
    new = watches.WatchedAnswer("a1", "Am 3. Dezember.", "3. Dezember", "2025-10-20", "T", "s", None, 1, "time")
    assert sqlite.queue(subscription, "a1", {"title": "T"}, 0.9, NOW)
    assert watch_db.queue_change(sqlite, first, new, {"answer": new.to_json()}, NOW)
    assert watch_db.queue_change(sqlite, second, new, {"answer": new.to_json()}, NOW)
    assert not watch_db.queue_change(sqlite, first, new, {"answer": new.to_json()}, NOW)
    assert sorted((q.subscription_id, q.watch_id or 0) for q in sqlite.claim_due(NOW)) == [(0, first.id), (0, second.id), (subscription.id, 0)]

    sqlite.move_chat(-7, -1007)
    assert [w.chat_id for w in watch_db.active(sqlite)] == [-1007, -1007]
    sqlite.end_chat(-1007, "bot kicked")
    assert watch_db.active(sqlite) == [] and sqlite.active() == []


def test_a_closed_forum_topic_and_the_allow_list_end_watches(sqlite: SubscriptionDB) -> None:
    in_topic = watch_db.add(sqlite, Watch(chat_id=-9, thread_id=11, question="Wann?", language="de"))
    elsewhere = watch_db.add(sqlite, Watch(chat_id=-9, question="Wo?", language="de"))
    by_admin = watch_db.add(sqlite, Watch(chat_id=-10, question="Wer?", language="de", created_by=1))
    sqlite.end_topic(-9, 11, "topic closed")
    assert [w.id for w in watch_db.active(sqlite)] == [elsewhere.id, by_admin.id]
    sqlite.end_not_allowed({1}, "not allowed")
    assert [w.id for w in watch_db.active(sqlite)] == [by_admin.id]
    assert in_topic.id not in [w.id for w in watch_db.active(sqlite)]


def test_newsbot_ingest_checks_the_watches_and_leaves_the_post_to_the_bot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from scripts.cli import cli

    for name, value in {"DATA_DIR": tmp_path / "data", "EMBEDDING_MODEL": "hashing:1024", "MIN_SCORE": "0.2"}.items():
        monkeypatch.setenv(f"NEWSBOT_{name}", str(value))
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(cli, ["ingest", article(tmp_path, "a-12-nov")]).exit_code == 0
    settings = Settings()
    built = bootstrap.build(settings, write=True)
    db = SubscriptionDB(settings.database)
    db.migrate()
    try:
        watch(built, db)
    finally:
        built.close()  # the command takes the data directory's lock
    try:
        result = CliRunner().invoke(cli, ["ingest", article(tmp_path, "b-3-dez")], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert "1 watched question(s) got a new answer: the bot posts it." in result.output
        (post,) = db.claim_due(datetime.now(timezone.utc))
        assert post.post["answer"]["span"] == "am 3. Dezember"  # type: ignore[index]
    finally:
        db.close()


def test_the_upgrade_keeps_queued_subscription_posts_and_their_uniqueness(db: SubscriptionDB) -> None:
    """Migration 0006 on a database with posts queued by the version before (SQLite and PostgreSQL)."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from index.subscriptions.database import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = db.engine
    command.downgrade(config, "0005")
    with db.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO subscriptions (id, chat_id, chat_title, topic, include, exclude, timezone, language, created_at, active) "
            "VALUES (1, -7, '', 'Gipfel', '', '', 'UTC', 'de', :now, :yes)"
        ), {"now": NOW, "yes": True})  # fmt: skip
        connection.execute(text(
            "INSERT INTO deliveries (subscription_id, chat_id, thread_id, article_id, post, score, due_at, status, created_at) "
            "VALUES (1, -7, 0, 'a1', '{}', 0.9, :now, 'pending', :now)"
        ), {"now": NOW})  # fmt: skip
    db.migrate()
    subscription = db.get(1)
    assert subscription is not None
    assert db.queue(subscription, "a1", {}, 0.9, NOW) is False  # still once per chat and article
    (queued,) = db.claim_due(NOW)
    assert (queued.subscription_id, queued.watch_id, queued.article_id) == (1, None, "a1")


def test_watches_of_the_same_question_are_asked_once_per_check(services: bootstrap.Services, sqlite: SubscriptionDB, tmp_path: Path) -> None:
    ingest(services, tmp_path, "a-12-nov")
    watch(services, sqlite, chat_id=1)
    watch(services, sqlite, chat_id=2)
    asked: list[str] = []

    def answer(question: str) -> Answer:
        asked.append(question)
        return services.answer(question)

    news = ingest(services, tmp_path, "b-3-dez")
    check = watching.check_new_articles(news, services.store, services.query_embedder(), answer, sqlite, threshold=0.15, now=NOW)
    assert (check.asked, check.queued, asked) == (2, 2, [QUESTION])
