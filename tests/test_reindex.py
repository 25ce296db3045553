"""Rebuilding the index beside the serving one, against real Chroma (embedded and server)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from chromadb.errors import NotFoundError

from index.ingest import indexing
from index import service
from index.ingest import rebuild
from index.errors import ModelMismatch, NothingToIndex, ReindexRunning
from index.store.vector_store import HNSW_CONFIGURATION, VectorStore
from tests.fakes import HashingEmbedder

OLD = [
    "Das Treffen in Budapest findet nach Angaben des Weißen Hauses innerhalb von zwei Wochen statt.",
    "Außenminister Marco Rubio leitet die amerikanische Delegation bei den Gesprächen in Ungarn.",
]
NEW = [
    "Die Zölle auf Stahl und Aluminium steigen im Januar, teilte das Handelsministerium am Montag mit.",
    "Der Gipfel in Budapest wurde nach einem Telefonat der beiden Präsidenten vorerst abgesagt.",
]


def article(path: Path, title: str, paragraphs: Sequence[str]) -> Path:
    path.write_text(title + "\n" + "\n".join(paragraphs) + "\n", encoding="utf-8")
    return path


class FailingEmbedder(HashingEmbedder):
    """Dies after the first batch, like a process killed in the middle of a rebuild."""

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if self.embedded:
            raise RuntimeError("killed")
        return super().embed_passages(texts)


def test_reindex_switches_to_the_new_index_and_drops_the_old(
    tmp_path: Path, store: VectorStore, fake_embedder: HashingEmbedder
) -> None:
    source = tmp_path / "news"
    source.mkdir()
    article(source / "a.txt", "Budapest", OLD)
    indexing.ingest([str(source)], fake_embedder, store)
    first = store.serving_name()

    (source / "a.txt").unlink()
    article(source / "b.txt", "Zölle", NEW)
    progress = rebuild.ReindexProgress()
    report = rebuild.reindex([str(source)], fake_embedder, store, progress=progress, grace=0)

    assert (report.articles, report.paragraphs, report.replaced) == (1, 2, first)
    assert progress.phase == "done" and progress.chunks_done == progress.chunks_total == 2
    assert store.serving_name() == report.generation != first
    assert set(store.generations.all()) == {report.generation}
    answer = service.answer_question("Zölle Stahl Januar", fake_embedder, store, k=2, min_score=0.1)
    assert answer.found and "Stahl" in answer.passages[0].chunk.text
    assert all("Rubio" not in p.chunk.text for p in answer.passages)
    info = store.info()
    assert info.built is not None and info.build_seconds is not None and info.chunks == 2


def test_a_failed_reindex_leaves_the_old_index_serving(
    tmp_path: Path, store: VectorStore, fake_embedder: HashingEmbedder
) -> None:
    old = article(tmp_path / "old.txt", "Budapest", OLD)
    indexing.ingest([str(old)], fake_embedder, store)
    serving = store.serving_name()
    big = tmp_path / "big"
    big.mkdir()
    for number in range(3):  # three batches of 600 paragraphs
        many = [f"Absatz {i} über die Zölle auf Stahl und den Handel zwischen den Ländern, Nummer {i}." for i in range(600)]
        article(big / f"{number}.txt", f"Zölle {number}", many)
    dying = FailingEmbedder(name=fake_embedder.name)

    with pytest.raises(RuntimeError, match="killed"):
        rebuild.reindex([str(big)], dying, store, grace=0)
    assert dying.embedded  # it died after writing a batch into the new generation

    assert store.serving_name() == serving
    assert set(store.generations.all()) == {serving}  # the half-built one is gone
    assert service.answer_question("Wer leitet die Delegation? Rubio", fake_embedder, store, k=1, min_score=0.1).found


def test_an_abandoned_generation_is_cleaned_up_and_a_live_one_refuses_a_second_reindex(
    tmp_path: Path, store: VectorStore, fake_embedder: HashingEmbedder
) -> None:
    indexing.ingest([str(article(tmp_path / "old.txt", "Budapest", OLD))], fake_embedder, store)
    serving = store.serving_name()
    building = store.new_generation(fake_embedder.dimension)  # as left by a process killed mid-way

    with pytest.raises(ReindexRunning, match="already rebuilding"):
        rebuild.reindex([str(tmp_path / "old.txt")], fake_embedder, store, grace=0)
    assert store.generations.cleanup() == []  # its builder may still be alive: kept
    assert store.generations.cleanup(stale_after=0) == [building.serving_name()]
    assert set(store.generations.all()) == {serving}
    assert rebuild.reindex([str(tmp_path / "old.txt")], fake_embedder, store, grace=0).articles == 1


def test_nothing_to_read_keeps_the_old_index(tmp_path: Path, store: VectorStore, fake_embedder: HashingEmbedder) -> None:
    indexing.ingest([str(article(tmp_path / "old.txt", "Budapest", OLD))], fake_embedder, store)
    serving = store.serving_name()
    (tmp_path / "empty").mkdir()
    with pytest.raises(NothingToIndex, match="old index keeps serving"):
        rebuild.reindex([str(tmp_path / "empty"), str(tmp_path / "missing")], fake_embedder, store, grace=0)
    assert store.serving_name() == serving
    assert store.info().chunks == 2


def test_a_reader_in_another_process_follows_the_switch(
    tmp_path: Path, store: VectorStore, fake_embedder: HashingEmbedder
) -> None:
    """Another bot process keeps its view of the old generation until it is dropped, then follows."""
    indexing.ingest([str(article(tmp_path / "old.txt", "Budapest", OLD))], fake_embedder, store)
    reader = VectorStore(lambda: store._client, store.base, fake_embedder.name)
    assert service.answer_question("Rubio Delegation", fake_embedder, reader, k=1, min_score=0.1).found

    new = article(tmp_path / "new.txt", "Zölle", NEW)
    rebuild.reindex([str(new)], fake_embedder, store, grace=0)  # the old one is dropped at once

    answer = service.answer_question("Zölle Stahl Januar", fake_embedder, reader, k=1, min_score=0.1)
    assert "Stahl" in answer.passages[0].chunk.text


def test_questions_during_a_reindex_are_answered_from_the_old_index(
    tmp_path: Path, store: VectorStore, fake_embedder: HashingEmbedder
) -> None:
    indexing.ingest([str(article(tmp_path / "old.txt", "Budapest", OLD))], fake_embedder, store)
    # Varied paragraphs: with thousands of near-identical ones HNSW itself may miss the best match.
    many = [f"Meldung {i}: Werk W{i} der Firma F{i % 97} meldet Umsatz U{i * 7} und Stahl S{i % 13}." for i in range(3000)]
    big = article(tmp_path / "big.txt", "Zölle", many)
    failures: list[BaseException] = []
    answers: list[str] = []
    done = threading.Event()

    def ask_while_building() -> None:
        while not done.is_set():
            try:
                answer = service.answer_question(OLD[1], fake_embedder, store, k=1, min_score=0.0)
                answers.append(answer.passages[0].chunk.text)
            except BaseException as error:  # noqa: BLE001 - any failure is the finding
                failures.append(error)

    asker = threading.Thread(target=ask_while_building)
    asker.start()
    try:
        rebuild.reindex([str(big), str(tmp_path / "old.txt")], fake_embedder, store, grace=0.5)
    finally:
        done.set()
        asker.join()
    assert failures == []
    assert len(answers) > 5
    # The old article is read last, so a half-built generation could only offer steel paragraphs:
    # every answer, before, during and after the switch, is the Rubio paragraph.
    assert set(answers) == {OLD[1]}, set(answers) - {OLD[1]}


def test_extra_sources_are_read_again_and_forget_removes_them(
    tmp_path: Path, store: VectorStore, fake_embedder: HashingEmbedder
) -> None:
    configured = article(tmp_path / "configured.txt", "Budapest", OLD)
    later = article(tmp_path / "later.txt", "Zölle", NEW)
    indexing.ingest([str(configured)], fake_embedder, store)
    indexing.ingest([str(later)], fake_embedder, store)
    assert rebuild.sources_to_read([str(configured)], store) == [str(configured), str(later)]
    rebuild.reindex(rebuild.sources_to_read([str(configured)], store), fake_embedder, store, grace=0)
    listed = {s.origin: (s.articles, s.paragraphs) for s in store.sources()}
    assert listed == {str(configured): (1, 2), str(later): (1, 2)}
    assert all(s.last_indexed for s in store.sources())
    assert store.info().sources == 2  # counted in the same pass as articles and paragraphs

    assert indexing.forget(str(later), store) == 2
    assert indexing.forget(str(later), store) == 0
    assert [s.origin for s in store.sources()] == [str(configured)]
    assert rebuild.sources_to_read([str(configured)], store) == [str(configured)]


def test_reindex_with_a_new_model_replaces_the_old_models_index(
    tmp_path: Path, store: VectorStore, fake_embedder: HashingEmbedder
) -> None:
    source = str(article(tmp_path / "old.txt", "Budapest", OLD))
    indexing.ingest([source], fake_embedder, store)
    new_model = HashingEmbedder(name="new-model", dimension=32)
    new_store = VectorStore(lambda: store._client, store.base, new_model.name)
    with pytest.raises(ModelMismatch, match="reindex"):
        indexing.ingest([source], new_model, new_store)
    assert new_store.built_with() == fake_embedder.name
    rebuild.reindex([source], new_model, new_store, grace=0)
    assert new_store.built_with() == "new-model"
    assert service.answer_question("Rubio Delegation", new_model, new_store, k=1, min_score=0.1).found


def test_an_index_from_before_generations_serves_until_the_first_reindex(
    tmp_path: Path, store: VectorStore, fake_embedder: HashingEmbedder
) -> None:
    legacy = store._client.create_collection(
        store.base,
        configuration={"hnsw": HNSW_CONFIGURATION},
        metadata={"embedding_model": fake_embedder.name, "dimension": 64},
        embedding_function=None,
    )
    legacy.add(
        ids=["x"], embeddings=fake_embedder.embed_passages([OLD[1]]), documents=[OLD[1]],
        metadatas=[{"article_id": "a", "position": 0, "paragraph": 1, "title": "Alt", "source": "alt.txt"}],
    )
    assert store.serving_name() == store.base
    assert service.answer_question("Rubio Delegation", fake_embedder, store, k=1, min_score=0.1).found
    rebuild.reindex([str(article(tmp_path / "new.txt", "Zölle", NEW))], fake_embedder, store, grace=0)
    assert store.base not in store.generations.all()
    with pytest.raises(NotFoundError):
        store._client.get_collection(store.base)
