"""News over time over a real Chroma store and the real model: the project's own dated set
(tests/news_over_time, own text) answered through service.answer_question."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from index.ingest import indexing
from index import service
from index.domain import Answer, Chunk
from index.embedding.embedder import SentenceTransformerEmbedder
from index.settings import Settings
from index.store.chunk_records import chunk_from_record
from index.subscriptions import matching
from index.subscriptions.database import Delivery, Subscription, SubscriptionDB
from index.store.vector_store import VectorStore, open_client

DATA = Path(__file__).parent / "news_over_time" / "articles.jsonl"
TODAY = dt.date(2026, 11, 30)


@pytest.fixture(scope="module")
def dated_store(tmp_path_factory: pytest.TempPathFactory, real_embedder: SentenceTransformerEmbedder) -> Iterator[VectorStore]:
    folder = tmp_path_factory.mktemp("over-time")
    settings = Settings(_env_file=None, data_dir=folder)  # type: ignore[call-arg]
    client = open_client(None, settings.chroma_dir)
    store = VectorStore(lambda: client, "over-time", real_embedder.name)
    indexing.ingest([str(DATA)], real_embedder, store)
    yield store
    store.close()


def ask(question: str, embedder: SentenceTransformerEmbedder, store: VectorStore) -> Answer:
    return service.answer_question(question, embedder, store, k=5, min_score=0.78, stale_after_days=7, today=TODAY)


def record(chunk: Chunk) -> str:
    return chunk.source.partition("#")[2]


@pytest.mark.parametrize(
    ("question", "newest"),
    [
        ("How many people died in the Valmora floods?", "flood-3"),
        ("Wie viele Menschen sind bei den Überschwemmungen in Valmora gestorben?", "flood-3"),
        ("Was kostet das Regio-Abo Südwest ab Januar?", "fare-3"),
        ("How much will the Regio-Abo Südwest cost?", "fare-3"),
    ],
)
def test_the_newest_report_is_quoted_first_and_older_ones_are_earlier(
    question: str, newest: str, real_embedder: SentenceTransformerEmbedder, dated_store: VectorStore
) -> None:
    answer = ask(question, real_embedder, dated_store)
    first = answer.passages[answer.quotes[0].passage]
    assert record(first.chunk) == newest and not first.earlier
    story = newest.split("-")[0]
    older = [p for p in answer.passages if record(p.chunk).startswith(story) and record(p.chunk) != newest]
    assert older and all(p.earlier for p in older)


def test_a_question_about_the_past_gets_no_recency_preference(real_embedder: SentenceTransformerEmbedder, dated_store: VectorStore) -> None:
    answer = ask("When was the first Helios-3 launch attempt scrubbed?", real_embedder, dated_store)
    assert record(answer.passages[answer.quotes[0].passage].chunk) == "launch-2"
    assert not any(p.earlier for p in answer.passages)


@pytest.mark.parametrize(
    ("question", "outlets"),
    [
        ("How many jets did Aerolux order?", {"Daily Ledger", "Morning Wire", "City Post"}),
        ("Was kostet das neue Fährterminal in Kiel?", {"Nordkurier Online", "Kieler Blatt", "Ostsee Nachrichten"}),
        ("Which flu vaccine was approved for children?", {"Health Watch", "Tagesecho", "Medical Bulletin"}),  # one in German
    ],
)
def test_a_story_from_three_outlets_is_shown_once_naming_all_three(
    question: str, outlets: set[str], real_embedder: SentenceTransformerEmbedder, dated_store: VectorStore
) -> None:
    answer = ask(question, real_embedder, dated_store)
    of_story = [p for p in answer.passages if p.chunk.source_name in outlets]
    assert len({p.chunk.source_name for p in of_story}) == 1  # every shown paragraph of it cites one outlet
    assert {c.source_name for p in of_story for c in (p.chunk, *p.also)} == outlets


def test_an_old_answer_says_how_old_its_newest_source_is(real_embedder: SentenceTransformerEmbedder, dated_store: VectorStore) -> None:
    assert ask("When does the Helios-3 probe launch?", real_embedder, dated_store).stale_days == 235  # 9 Apr 2026
    assert ask("What is the key interest rate of the Ostland central bank?", real_embedder, dated_store).stale_days is None  # 26 Nov


def articles_by_id(store: VectorStore) -> dict[str, str]:
    """The set's record id ("strike-2") → stored article id."""
    return {record(c): c.article_id for page in store.pages(["documents", "metadatas"])
            for c in (chunk_from_record(t, m) for t, m in zip(page["documents"], page["metadatas"], strict=True))}  # fmt: skip


def test_ingest_gives_the_copies_of_a_story_one_story_id(dated_store: VectorStore) -> None:
    ids = articles_by_id(dated_store)
    stored = dated_store.article_chunks(list(ids.values()))
    story = {name: stored[ids[name]].chunks[0].story for name in ids}
    for copies in (("jet-a", "jet-b", "jet-c"), ("port-a", "port-b", "port-c"), ("vaccine-a", "vaccine-b", "vaccine-c")):
        assert len({story[name] for name in copies}) == 1, copies  # vaccine-b is the German translation
    by_story: dict[str | None, set[str]] = {}
    for name, value in story.items():
        by_story.setdefault(value, set()).add(name.rpartition("-")[0])
    assert all(len(names) == 1 for names in by_story.values()), by_story  # no two of the set's stories joined


def test_a_subscriber_gets_a_story_once_and_a_called_off_strike_as_an_update(
    tmp_path: Path, real_embedder: SentenceTransformerEmbedder, dated_store: VectorStore
) -> None:
    db = SubscriptionDB(f"sqlite:///{tmp_path / 'subscriptions.db'}")
    db.migrate()
    db.add(Subscription(chat_id=1, topic="Bahnstreik der Lokführergewerkschaft VTL", language="de"))
    db.add(Subscription(chat_id=2, topic="nasal flu vaccine for children", language="en"))
    ids = articles_by_id(dated_store)
    arrivals = [("2026-11-12", ["strike-1"]), ("2026-11-15", ["strike-2"]), ("2026-11-19", ["vaccine-a", "vaccine-b"]), ("2026-11-20", ["vaccine-c"])]
    for day, names in arrivals:
        now = dt.datetime.fromisoformat(day).replace(hour=12, tzinfo=dt.timezone.utc)
        matching.queue_matches([ids[n] for n in names], dated_store, real_embedder, db, min_score=0.79, now=now)
    name_of = {article: name for name, article in ids.items()}
    with db.session() as session:
        posts = [(d.chat_id, name_of[d.article_id], d.story_of, d.post) for d in session.scalars(select(Delivery).order_by(Delivery.id))]
    db.close()
    strike = [(name, story_of, post) for chat, name, story_of, post in posts if chat == 1]
    assert [(name, story_of is not None) for name, story_of, _ in strike] == [("strike-1", False), ("strike-2", True)]
    # no new figure, date or name: the update names the sentence no earlier report says alike
    update = json.loads(strike[1][2])
    strike_2 = " ".join(c.text for c in dated_store.article_chunks([ids["strike-2"]])[ids["strike-2"]].chunks)
    assert update["update"] and len(update["new_facts"]) == 1 and update["new_facts"][0] in strike_2, update
    # One post of the three: vaccine-a and its translation vaccine-b arrive together, of one date; vaccine-c is a copy.
    vaccine = [name for chat, name, _, _ in posts if chat == 2]
    assert len(vaccine) == 1 and vaccine[0] in {"vaccine-a", "vaccine-b"}, vaccine
