"""ef_search follows the collection's size: chosen at creation, changed as writes grow it (real Chroma)."""

from __future__ import annotations

import pytest

from index.domain import Chunk
from index.store import search_effort
from index.store.search_effort import configured_ef_search, ef_search_for
from index.store.vector_store import VectorStore
from tests.fakes import HashingEmbedder


@pytest.mark.parametrize(
    ("vectors", "ef"),
    [(0, 100), (30_000, 100), (30_001, 128), (100_000, 128), (400_000, 256), (1_000_000, 320), (1_000_001, 512), (50_000_000, 512)],
)
def test_ef_search_grows_with_the_collection(vectors: int, ef: int) -> None:
    assert ef_search_for(vectors) == ef


def test_table_is_ascending_and_never_narrows() -> None:
    limits = [limit for limit, _ in search_effort.EF_SEARCH_BY_SIZE]
    efs = [ef for _, ef in search_effort.EF_SEARCH_BY_SIZE]
    assert limits == sorted(limits) and efs == sorted(efs)


def serving_ef(store: VectorStore) -> int | None:
    store._forget()
    return configured_ef_search(store._existing())


def chunks(start: int, count: int) -> list[Chunk]:
    return [Chunk(f"a{i}", 0, 1, f"Absatz Nummer {i} über die Brücke", "Titel", f"src{i}", language="de", origin="src") for i in range(start, start + count)]


def test_a_generation_gets_the_ef_search_of_its_expected_size(store: VectorStore, fake_embedder: HashingEmbedder) -> None:
    generation = store.new_generation(fake_embedder.dimension, expected=1_000_000)
    store.activate(generation)
    assert serving_ef(store) == ef_search_for(1_000_000)


def test_writes_that_grow_the_collection_raise_its_ef_search(
    store: VectorStore, fake_embedder: HashingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_effort, "EF_SEARCH_BY_SIZE", ((5, 16), (20, 40), (10**9, 80)))  # small sizes for a test
    first = chunks(0, 4)
    store.upsert(first, fake_embedder.embed_passages([c.text for c in first]))
    assert serving_ef(store) == 16
    more = chunks(4, 10)
    store.upsert(more, fake_embedder.embed_passages([c.text for c in more]))
    assert serving_ef(store) == 40
    store.delete([c.id for c in more])
    assert serving_ef(store) == 16  # and narrower again when it shrinks
