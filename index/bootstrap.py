"""The one place that chooses real implementations: settings in, embedder and store out."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock

from index import service
from index.domain import Answer
from index import embedders
from index.embedding import CachedEmbedder, Embedder
from index.errors import StoreUnavailable
from index.keyword_index import KeywordIndex
from index.llm import LLMClient
from index.priority import PRIORITY
from index.locking import acquire_data_dir
from index.settings import Settings
from index.sparse_index import SparseIndex
from index.store import VectorStore, open_client

log = logging.getLogger(__name__)


@dataclass
class Services:
    """What the entry points work with. Close it to release the data directory lock."""

    settings: Settings
    embedder: Embedder
    store: VectorStore
    keywords: KeywordIndex
    lock: FileLock | None = field(default=None, repr=False)
    llm: LLMClient | None = None  # set when NEWSBOT_LLM_URL is: written answers
    sparse: SparseIndex | None = None  # sparse vectors beside each generation (index/sparse_index.py)
    _others: dict[str, Embedder] = field(default_factory=dict, repr=False)
    _others_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def keywords_dir(self) -> Path:
        return self.settings.data_dir / "keywords" / self.settings.collection

    def query_embedder(self) -> Embedder:
        """The model that built the serving index, so questions match its vectors.

        Normally the configured one; after NEWSBOT_EMBEDDING_MODEL changed, the old
        model keeps answering until a reindex has built the index with the new one.
        """
        built_with = self.store.built_with()
        if built_with is None or built_with == self.embedder.name:
            return self.embedder
        with self._others_lock:
            if built_with not in self._others:
                log.warning("the index was built with %s, not the configured %s: reindex", built_with, self.embedder.name)
                self._others[built_with] = build_cached_embedder(self.settings.model_copy(update={"embedding_model": built_with}))
            return self._others[built_with]

    def ask(self, question: str, k: int | None = None) -> Answer:
        """Answer with the configured limits and the model that built the serving index.

        Questions go before background embedding (see index.priority).
        """
        with PRIORITY.foreground():
            return service.ask(
                question,
                self.query_embedder(),
                self.store,
                k=k or self.settings.top_k,
                min_score=self.settings.min_score,
                max_chars=self.settings.max_question_chars,
                keywords=self.keywords,
                sparse=self.sparse,
            )

    def model_change(self) -> tuple[str, str] | None:
        """(built with, configured) when the configured model is not the index's."""
        built_with = self.store.built_with()
        return (built_with, self.embedder.name) if built_with and built_with != self.embedder.name else None

    def close(self) -> None:
        self.store.close()
        if self.llm is not None:
            self.llm.close()
        if self.lock is not None:
            self.lock.release()
            self.lock = None


def build_embedder(settings: Settings) -> Embedder:
    """The embedder NEWSBOT_EMBEDDING_MODEL names (see index.embedders); nothing is loaded yet."""
    return embedders.create(settings.embedding_model, settings.model_cache, settings.embed_batch_size)


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
    sparse = SparseIndex(settings.data_dir / "sparse" / settings.collection)
    return Services(settings, embedder, store, keywords, lock, llm=build_llm(settings), sparse=sparse)


def build_llm(settings: Settings) -> LLMClient | None:
    if not settings.llm_url:
        return None
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return LLMClient(settings.llm_url, settings.llm_model, key, settings.llm_timeout_seconds)


def clean_up_unfinished(services: Services) -> list[str]:
    """Drop generations an interrupted reindex left behind (at the start of a writer).

    A Chroma server that is down now is not a reason to stop: the next start cleans up.
    """
    try:
        if services.lock is not None:  # embedded: we hold the lock, so nobody else can be building
            dropped = services.store.cleanup(stale_after=0.0)
        else:
            dropped = services.store.cleanup()
        if services.sparse is not None:
            services.sparse.prune(services.store)  # side files of generations that are gone
        return dropped
    except StoreUnavailable as error:
        log.warning("unfinished index generations not cleaned up: %s", error)
        return []
