"""Services.warm_up: what the first question needs is loaded before it is asked (issue 18, cold start),
and a part that cannot load does not stop the others or the process."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from index import bootstrap
from index.embedding.embedder import CachedEmbedder, SentenceTransformerEmbedder
from index.embedding.sparse_embedding import SparseTermsEmbedder
from index.ingest import indexing
from index.retrieval import language, small_talk
from index.settings import Settings

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _loaded_parts(services: bootstrap.Services) -> tuple[bool, bool]:
    """(the model is loaded, its sparse head is loaded)."""
    inner = services.embedder.inner if isinstance(services.embedder, CachedEmbedder) else services.embedder
    assert isinstance(inner, SparseTermsEmbedder)
    head_loaded = inner._encoder is not None and inner._encoder.head._tensors is not None
    return inner._model is not None, head_loaded


@pytest.mark.slow
def test_warm_up_loads_model_sparse_head_language_identifier_and_keywords(
    settings: Settings, real_embedder: SentenceTransformerEmbedder
) -> None:
    written = bootstrap.build(settings, write=True, embedder=real_embedder)
    try:
        indexing.ingest([str(SEEDS)], real_embedder, written.store, sparse=written.sparse)
    finally:
        written.close()
    services = bootstrap.build(settings, write=False)  # a fresh process's parts: nothing loaded yet
    try:
        language._identifier.cache_clear()
        small_talk._made.clear()
        assert _loaded_parts(services) == (False, False)
        services.warm_up()
        assert _loaded_parts(services) == (True, True)
        assert services.embedder.name in small_talk._made  # the small-talk prototypes are embedded
        assert language._identifier.cache_info().currsize == 1
        assert services.keywords._stats is not None
        answer = services.answer("When is the Budapest meeting?")
        assert answer.found
    finally:
        services.close()


@pytest.mark.slow
def test_warm_up_with_the_store_down_still_loads_the_model(
    tmp_path: Path, model_cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    down = Settings(_env_file=None, data_dir=tmp_path / "data", models_dir=model_cache, chroma_url="http://127.0.0.1:9")
    services = bootstrap.build(down, write=False)
    try:
        with caplog.at_level(logging.WARNING, logger="index.bootstrap"):
            services.warm_up()  # must not raise: the first question reports the store
        assert _loaded_parts(services) == (True, True)
        assert any("store not loaded ahead of the first question" in r.getMessage() for r in caplog.records)
        assert not any(r.getMessage().startswith("vector index") for r in caplog.records)  # not tried once the store failed
    finally:
        services.close()


def test_a_model_that_cannot_load_is_logged_and_the_rest_still_loads(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    broken = Settings(_env_file=None, data_dir=tmp_path / "data", models_dir=tmp_path / "models", embedding_model=str(tmp_path / "no-such-model"))
    services = bootstrap.build(broken, write=False)
    try:
        language._identifier.cache_clear()
        with caplog.at_level(logging.WARNING, logger="index.bootstrap"):
            services.warm_up()  # must not raise: the first question reports the model
        messages = [r.getMessage() for r in caplog.records]
        assert any(m.startswith("model not loaded ahead of the first question") and "no-such-model" in m for m in messages)
        assert language._identifier.cache_info().currsize == 1
        assert not any(m.startswith(("store", "vector index", "keyword statistics")) for m in messages)
    finally:
        services.close()
