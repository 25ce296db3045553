"""News over time over a real Chroma store and the real model: the project's own dated set
(tests/news_over_time, own text) answered through service.answer_question."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.ingest import indexing
from index import service
from index.domain import Answer, Chunk
from index.embedding.embedder import SentenceTransformerEmbedder
from index.settings import Settings
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
