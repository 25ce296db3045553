"""Ingest and retrieval against real Chroma (embedded and `chroma run`), with the hashing embedder."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.ingest import indexing
from index import service
from index.errors import IndexEmpty, ModelMismatch, StoreUnavailable
from index.settings import Settings
from index.store.vector_store import VectorStore, open_client
from tests.conftest import SEEDS
from tests.fakes import HashingEmbedder
from tests.servers import chroma_server, free_port

PARAGRAPHS = [
    "Die Teams aus Washington und Moskau treffen sich nächste Woche an einem nicht genannten Ort.",
    "Außenminister Marco Rubio soll die amerikanische Delegation bei den Gesprächen leiten.",
    "Die Raketen vom Typ Tomahawk haben eine Reichweite von 2.500 Kilometern.",
]


def write_article(path: Path, paragraphs: list[str]) -> None:
    path.write_text("Gipfel in Budapest\n" + "\n".join(paragraphs) + "\n", encoding="utf-8")


def test_ingest_then_ask_finds_the_paragraph_with_its_source(
    tmp_path: Path, store: VectorStore, fake_embedder: HashingEmbedder
) -> None:
    article = tmp_path / "gipfel.txt"
    write_article(article, PARAGRAPHS)
    report = indexing.ingest([str(article)], fake_embedder, store)
    assert (report.articles, report.chunks_added, report.errors) == (1, 3, [])

    answer = service.answer_question("Wer leitet die amerikanische Delegation?", fake_embedder, store, k=3, min_score=0.1)
    assert answer.found
    best = answer.passages[0].chunk
    assert "Marco Rubio" in best.text
    assert (best.title, best.source, best.paragraph) == ("Gipfel in Budapest", str(article), 2)
    assert "Marco Rubio" in answer.quotes[0].text
    assert answer.language == "de"


def test_reingest_changes_nothing_and_embeds_nothing(tmp_path: Path, store: VectorStore, fake_embedder: HashingEmbedder) -> None:
    article = tmp_path / "gipfel.txt"
    write_article(article, PARAGRAPHS)
    indexing.ingest([str(article)], fake_embedder, store)
    embedded_before = len(fake_embedder.embedded)
    again = indexing.ingest([str(article)], fake_embedder, store)
    assert (again.chunks_added, again.chunks_unchanged, again.chunks_removed) == (0, 3, 0)
    assert len(fake_embedder.embedded) == embedded_before
    assert store.info().chunks == 3


def test_an_edited_article_replaces_its_old_paragraphs(tmp_path: Path, store: VectorStore, fake_embedder: HashingEmbedder) -> None:
    article = tmp_path / "gipfel.txt"
    write_article(article, PARAGRAPHS)
    indexing.ingest([str(article)], fake_embedder, store)
    edited = [PARAGRAPHS[0], "Die Delegation wird nun doch von Vizepräsident J. D. Vance geleitet, hieß es am Abend."]
    write_article(article, edited)
    report = indexing.ingest([str(article)], fake_embedder, store)
    assert (report.chunks_added, report.chunks_unchanged, report.chunks_removed) == (1, 1, 2)
    info = store.info()
    assert (info.articles, info.chunks) == (1, 2)
    answer = service.answer_question("Tomahawk Reichweite Kilometern", fake_embedder, store, k=5, min_score=-1)
    assert not any("Tomahawk" in p.chunk.text for p in answer.passages)


def test_bad_sources_are_reported_and_nothing_indexed_is_lost(tmp_path: Path, store: VectorStore, fake_embedder: HashingEmbedder) -> None:
    good = tmp_path / "gipfel.txt"
    write_article(good, PARAGRAPHS)
    indexing.ingest([str(good)], fake_embedder, store)
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    report = indexing.ingest([str(empty), str(broken), str(tmp_path / "missing.md")], fake_embedder, store)
    assert report.articles == 0
    assert [source for source, _ in report.errors] == [str(empty), str(broken), str(tmp_path / "missing.md")]
    assert store.info().chunks == 3


def test_neighbours_come_in_reading_order(tmp_path: Path, store: VectorStore, fake_embedder: HashingEmbedder) -> None:
    article = tmp_path / "gipfel.txt"
    write_article(article, PARAGRAPHS)
    indexing.ingest([str(article)], fake_embedder, store)
    answer = service.answer_question("Marco Rubio Delegation", fake_embedder, store, k=1, min_score=-1)
    around = service.neighbours(store, answer.passages[0])
    assert [c.paragraph for c in around] == [1, 2, 3]


def test_seed_directory_ingests(store: VectorStore, fake_embedder: HashingEmbedder) -> None:
    report = indexing.ingest([str(SEEDS)], fake_embedder, store)
    assert report.articles == 1 and report.errors == []
    assert report.chunks_added >= 30


def test_preload_loads_a_filled_index_and_skips_an_empty_one(store: VectorStore, fake_embedder: HashingEmbedder) -> None:
    assert store.preload() is False  # no index yet: nothing to load, nothing raised
    indexing.ingest([str(SEEDS)], fake_embedder, store)
    assert store.preload() is True
    answer = service.answer_question("Wann ist das Treffen in Budapest?", fake_embedder, store, k=3, min_score=-1.0)
    assert answer.found  # preloading changed nothing the first question reads


def test_an_empty_index_says_so(store: VectorStore, fake_embedder: HashingEmbedder) -> None:
    with pytest.raises(IndexEmpty):
        service.answer_question("Wann ist das Treffen?", fake_embedder, store, k=3, min_score=0.5)
    assert store.info().chunks == 0


def test_another_model_is_refused(tmp_path: Path, store: VectorStore, fake_embedder: HashingEmbedder) -> None:
    article = tmp_path / "gipfel.txt"
    write_article(article, PARAGRAPHS)
    indexing.ingest([str(article)], fake_embedder, store)
    other = HashingEmbedder(name="another-model")
    other_store = VectorStore(lambda: store._client, store.base, other.name)  # same collection, other model
    with pytest.raises(ModelMismatch, match="test-hashing"):
        service.answer_question("Wann?", other, other_store, k=3, min_score=0)
    with pytest.raises(ModelMismatch):
        indexing.ingest([str(article)], other, other_store)


def test_reset_drops_everything(tmp_path: Path, store: VectorStore, fake_embedder: HashingEmbedder) -> None:
    article = tmp_path / "gipfel.txt"
    write_article(article, PARAGRAPHS)
    indexing.ingest([str(article)], fake_embedder, store)
    assert store.reset() is True
    assert store.reset() is False
    assert store.info().chunks == 0


def test_a_chroma_server_that_is_down_is_reported_and_picked_up_when_back(
    tmp_path: Path, settings: Settings, fake_embedder: HashingEmbedder
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    store = VectorStore(lambda: open_client(url, settings.chroma_dir), "late-server", fake_embedder.name, remote=True)
    article = tmp_path / "gipfel.txt"
    write_article(article, PARAGRAPHS)
    with pytest.raises(StoreUnavailable, match="not reachable"):
        indexing.ingest([str(article)], fake_embedder, store)
    with pytest.raises(StoreUnavailable):
        service.answer_question("Wer leitet die Delegation?", fake_embedder, store, k=3, min_score=0)
    with pytest.raises(StoreUnavailable):
        store.preload()
    with chroma_server(tmp_path / "late", port=int(url.rsplit(":", 1)[1])):
        assert indexing.ingest([str(article)], fake_embedder, store).chunks_added == 3
        assert store.preload()
        assert service.answer_question("Marco Rubio Delegation", fake_embedder, store, k=3, min_score=0).found
    with pytest.raises(StoreUnavailable):
        service.answer_question("Marco Rubio Delegation", fake_embedder, store, k=3, min_score=0)
    store.close()
