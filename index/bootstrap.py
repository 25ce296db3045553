"""The one place that chooses real implementations: settings in, embedder and store out."""

from __future__ import annotations

from dataclasses import dataclass, field
from filelock import FileLock

from index.embedding import CachedEmbedder, Embedder, SentenceTransformerEmbedder
from index.keyword_index import KeywordIndex
from index.locking import acquire_data_dir
from index.settings import Settings
from index.store import VectorStore, open_client


@dataclass
class Services:
    """What the entry points work with. Close it to release the data directory lock."""

    settings: Settings
    embedder: Embedder
    store: VectorStore
    keywords: KeywordIndex
    lock: FileLock | None = field(default=None, repr=False)

    def close(self) -> None:
        self.store.close()
        if self.lock is not None:
            self.lock.release()
            self.lock = None


def build_embedder(settings: Settings) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(settings.embedding_model, settings.model_cache, settings.embed_batch_size)


def build_cached_embedder(settings: Settings) -> CachedEmbedder:
    """The model behind a cache of recent vectors (repeated questions, popular passages' sentences)."""
    return CachedEmbedder(build_embedder(settings))


def build_store(settings: Settings, model_name: str) -> VectorStore:
    """The store; it connects on first use, so a Chroma server may come up after we do."""
    return VectorStore(
        lambda: open_client(settings.chroma_url, settings.chroma_dir),
        settings.collection,
        model_name,
        remote=bool(settings.chroma_url),
    )


def build(settings: Settings, *, write: bool, embedder: Embedder | None = None) -> Services:
    """Services for one process; `write=True` takes the embedded store's lock first.

    The embedding model is not loaded here: it loads on first use.
    """
    lock = acquire_data_dir(settings.data_dir) if write and not settings.chroma_url else None
    try:
        embedder = embedder or build_cached_embedder(settings)
        store = build_store(settings, embedder.name)
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    keywords = KeywordIndex(store, settings.data_dir / "keywords" / settings.collection)
    return Services(settings, embedder, store, keywords, lock)
