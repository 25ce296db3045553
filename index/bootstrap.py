"""The composition root: settings in, everything a process works with out.

`build(settings)` gives Services: the embedder (chosen by name, index.embedding.by_name; loaded on
first use), the store, the keyword statistics, the language model client when configured, and
the subscription database (opened and migrated on first use). The CLI, the bot, the evaluation,
the benchmarks and the tests all build their parts here.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock

from index import service
from index.domain import Answer, Passage
from index.retrieval.search import Asked, read_question, retrieve
from index.embedding import by_name
from index.embedding.embedder import CachedEmbedder, Embedder
from index.embedding.sparse_embedding import sparse_embedder
from index.errors import NewsbotError, StoreUnavailable
from index.retrieval import language, small_talk
from index.store.keyword_index import KeywordIndex
from index.answers.llm import LLMClient
from index.embedding.priority import PRIORITY
from index.store.locking import acquire_data_dir
from index.settings import Settings
from index.store.sparse_index import SparseIndex
from index.subscriptions.database import SubscriptionDB
from index.store.vector_store import VectorStore, open_client

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
    sparse: SparseIndex | None = None  # sparse vectors beside each generation (index/store/sparse_index.py)
    _database: SubscriptionDB | None = field(default=None, repr=False)
    _database_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
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

    def answer(self, question: str, k: int | None = None) -> Answer:
        """The question's answer with the configured limits, from the model that built the serving index.

        Questions go before background embedding (see index.embedding.priority). Raises what
        index.service.answer_question raises.
        """
        with PRIORITY.foreground():
            return service.answer_question(
                question,
                self.query_embedder(),
                self.store,
                k=k or self.settings.top_k,
                min_score=self.settings.min_score,
                max_chars=self.settings.max_question_chars,
                keywords=self.keywords,
                sparse=self.sparse,
                stale_after_days=self.settings.stale_after_days,
            )

    def passages(self, question: str, depth: int) -> tuple[Asked, tuple[Passage, ...]]:
        """The question as read and its `depth` best passages, without choosing quotes ("More passages").

        Raises QuestionError for an unusable question and the store's errors (index.errors).
        """
        with PRIORITY.foreground():
            asked = read_question(question, self.settings.max_question_chars)
            retrieved = retrieve(asked, self.query_embedder(), self.store, depth=depth, keywords=self.keywords, sparse=self.sparse)
        return asked, retrieved.passages

    def warm_up(self) -> None:
        """Load what the first question needs before it is asked, side by side (issue 18, cold start).

        The configured model with its sparse head (and its small-talk prototypes, index.retrieval.small_talk)
        and the language identifier load in two threads (file reads, decompression and torch let go of
        the GIL) while this thread opens the store, has it load its vector index (VectorStore.preload)
        and reads the keyword statistics; then the model that built the index, if another (until a
        reindex, both models are in memory). The store is opened here only: two threads opening an
        embedded Chroma store at once can collide inside chromadb. A part that fails is logged and left
        for the first question to report; the vector index is not tried when the store did not open.
        """

        def run(name: str, work: Callable[[], object]) -> bool:
            try:
                work()
            except Exception as error:  # noqa: BLE001 - any failure is the first question's to report, with its message
                log.warning("%s not loaded ahead of the first question: %s", name, error)
                return False
            return True

        def load(name: str, work: Callable[[], object]) -> threading.Thread:
            thread = threading.Thread(target=run, args=(name, work), name=f"warm-up {name}", daemon=True)
            thread.start()
            return thread

        terms = sparse_embedder(self.embedder) if self.sparse is not None else None

        def model() -> None:
            _ = terms.embed_query_sparse("warm up") if terms is not None else self.embedder.embed_query("warm up")
            small_talk.prototypes_for(self.embedder)  # embedded once, for the small talk the patterns miss

        threads = [
            load("model", model),
            load("language identifier", lambda: language.detect("warm up")),
        ]
        if run("store", self.store.built_with):  # opens the client and finds the serving generation, no scan
            run("vector index", self.store.preload)  # read from disk by the first query otherwise
        run("keyword statistics", self.keywords.stats)
        for thread in threads:
            thread.join()
        with contextlib.suppress(NewsbotError):
            if self.query_embedder() is not self.embedder:  # the index was built with another model
                self.query_embedder().embed_query("warm up")
                small_talk.prototypes_for(self.query_embedder())

    def model_change(self) -> tuple[str, str] | None:
        """(built with, configured) when the configured model is not the index's."""
        built_with = self.store.built_with()
        return (built_with, self.embedder.name) if built_with and built_with != self.embedder.name else None

    @property
    def database(self) -> SubscriptionDB:
        """The subscription database (NEWSBOT_DATABASE_URL), migrated to the newest schema and holding
        NEWSBOT_FEEDS, opened on first use. Raises DatabaseUnavailable when it cannot be reached."""
        with self._database_lock:
            if self._database is None:
                self._database = open_database(self.settings)
            return self._database

    def close(self) -> None:
        if self._database is not None:
            self._database.close()
            self._database = None
        self.store.close()
        if self.llm is not None:
            self.llm.close()
        if self.lock is not None:
            self.lock.release()
            self.lock = None


def open_database(settings: Settings) -> SubscriptionDB:
    """The subscription database migrated to the newest schema, NEWSBOT_FEEDS added where new.

    Raises DatabaseUnavailable when it cannot be reached.
    """
    database = SubscriptionDB(settings.database)
    try:
        database.migrate()
        database.seed_feeds(settings.feeds)
    except BaseException:
        database.close()
        raise
    return database


def build_embedder(settings: Settings) -> Embedder:
    """The embedder NEWSBOT_EMBEDDING_MODEL names (see index.embedding.by_name); nothing is loaded yet."""
    return by_name.create(settings.embedding_model, settings.model_cache, settings.embed_batch_size)


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
            dropped = services.store.generations.cleanup(stale_after=0.0)
        else:
            dropped = services.store.generations.cleanup()
        if services.sparse is not None:
            services.sparse.prune(services.store)  # side files of generations that are gone
        return dropped
    except StoreUnavailable as error:
        log.warning("unfinished index generations not cleaned up: %s", error)
        return []
