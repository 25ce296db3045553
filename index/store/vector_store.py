"""Paragraph chunks and their vectors in Chroma: writes, reads and what the index holds.

A VectorStore reads and writes the serving generation of one index (or, pinned, the generation
a reindex is building). Its parts:

    index.store.connection      the Chroma client and its failures as Newsbot's errors
    index.store.generations     which collection serves; building, switching, dropping generations
    index.store.added_sources   sources added from the chat that a reindex reads again
    index.store.counts          per-source counts kept at every write, for stats without a scan
    index.store.chunk_records   a chunk as a Chroma record (metadata checked on the way in)

Scores: Chroma's cosine distance d is returned as the cosine similarity 1 − d (−1..1; unit
vectors from e5 models give about 0.7..0.9 for related text). Every method may raise
StoreUnavailable (server down) and, where it reads, IndexEmpty (nothing indexed yet).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from index.domain import Chunk, Passage
from index.errors import IndexEmpty, ModelMismatch
from index.embedding.sentence_vectors import SentenceVectors
from index.ingest.story_ids import StoredParagraph
from index.store import counts as counting
from index.store.added_sources import AddedSources
from index.store.chunk_records import chunk_from_record, chunk_metadata
from index.store.connection import Connection, now_stamp, open_client
from index.store.counts import IndexCounts
from index.store import search_effort
from index.store.generations import HNSW_CONFIGURATION, STALE_AFTER, Generations

__all__ = ["HNSW_CONFIGURATION", "STALE_AFTER", "IndexInfo", "SourceInfo", "StoredArticle", "VectorStore", "open_client"]

log = logging.getLogger(__name__)

# Sentence vectors (index.embedding.sentence_vectors) live in a side collection per generation, read by id only,
# so its vector index (of the paragraph vectors, which Chroma requires) is built as cheaply as allowed.
SIDE_HNSW_CONFIGURATION: dict[str, str | int] = {"space": "cosine", "ef_construction": 8, "ef_search": 8, "max_neighbors": 4}

# Large write batches stall queries in the same process; stay well below Chroma's limit.
WRITE_BATCH = 1000
# How long a process trusts its idea of which generation serves.
POINTER_TTL = 5.0


@dataclass(frozen=True)
class IndexInfo:
    """What the collection says about itself."""

    chunks: int
    articles: int
    embedding_model: str | None
    dimension: int | None
    updated: str | None
    built: str | None = None  # when the serving generation was completed
    build_seconds: float | None = None
    sources: int = 0  # distinct origins (see sources())
    newest: tuple[tuple[str, str | None], ...] = ()  # (origin, ISO date of its newest article or None), newest first


@dataclass(frozen=True)
class StoredArticle:
    """An indexed article's chunks in reading order, with their vectors."""

    chunks: list[Chunk]
    vectors: np.ndarray


@dataclass(frozen=True)
class SourceInfo:
    """One configured or ingested source as the index holds it."""

    origin: str
    articles: int
    paragraphs: int
    last_indexed: str | None
    newest: str | None = None  # ISO date of its newest dated article


class VectorStore:
    """The serving generation of a Chroma index of paragraph chunks (or, pinned, one generation)."""

    def __init__(
        self,
        connect: Callable[[], Any],
        collection: str,
        model_name: str,
        *,
        remote: bool = False,
        pinned: str | None = None,
    ) -> None:
        """`connect` makes the Chroma client; it is called on first use and again after a failure,
        so a server that is down at start (or restarts) is picked up when it is back.

        `collection` is the index's base name; `pinned` fixes the store to one generation
        (the one a reindex is building) instead of following the pointer.
        """
        self.connection = Connection(connect, remote=remote)
        self.base = collection
        self.model_name = model_name
        self.generations = Generations(self.connection, collection)
        self.added_sources = AddedSources(self.generations)
        self._pinned = pinned
        self._collection: Any = None
        self._side: Any = None  # the serving generation's side collection of sentence vectors, once looked up
        self._resolved_at = float("-inf")
        self.local_changes = 0  # writes by this process; lets caches notice them for free

    @property
    def _client(self) -> Any:
        return self.connection.client

    def close(self) -> None:
        """Release the client's connections (HTTP) or files (embedded); a pinned store shares its parent's."""
        self._collection = None
        if self._pinned is None:
            self.connection.close()

    def _guard(self) -> Any:
        return self.connection.guard(on_failure=self._forget)

    # --- the serving collection ----------------------------------------------------

    def serving_name(self) -> str:
        """The collection that answers questions now (the pinned one for a generation being built)."""
        return self._pinned if self._pinned is not None else self.generations.serving()

    def _existing(self) -> Any:
        """The serving collection; IndexEmpty if there is none."""
        stale = time.monotonic() - self._resolved_at > POINTER_TTL and self._pinned is None
        if self._collection is not None and not stale:
            return self._collection
        from chromadb.errors import NotFoundError

        name = self.serving_name()
        if self._collection is not None and self._collection.name == name:
            self._resolved_at = time.monotonic()
            return self._collection
        with self._guard():
            try:
                collection = self._client.get_collection(name, embedding_function=None)
            except NotFoundError as exc:
                self._collection = None
                raise IndexEmpty("the index is empty: ingest some articles first") from exc
        self._collection = collection
        self._resolved_at = time.monotonic()
        return collection

    def _forget(self) -> None:
        """Look the serving collection up again on next use (it may have been replaced)."""
        self._collection = None
        self._side = None
        self._resolved_at = float("-inf")

    def _read(self, operation: Callable[[Any], Any]) -> Any:
        """Run a read on the serving collection, once more if a reindex just dropped it."""
        for attempt in range(2):
            collection = self._existing()
            try:
                with self._guard():
                    return operation(collection)
            except IndexEmpty:
                if attempt or self._pinned is not None:
                    raise
                self._forget()
        raise AssertionError("unreachable")

    def current_name(self) -> str:
        """The serving collection's name, as cached for reads (IndexEmpty when there is none)."""
        return str(self._existing().name)

    def built_with(self) -> str | None:
        """The embedding model of the serving index (None when there is none)."""
        try:
            return (self._existing().metadata or {}).get("embedding_model")
        except IndexEmpty:
            return None

    def _check_model(self, collection: Any) -> None:
        built_with = (collection.metadata or {}).get("embedding_model")
        if built_with and built_with != self.model_name:
            raise ModelMismatch(
                f"the index was built with the embedding model {built_with!r}, but "
                f"{self.model_name!r} is configured: rebuild it (/reindex in the chat or `newsbot reindex`) "
                f"or set NEWSBOT_EMBEDDING_MODEL={built_with}"
            )

    def _for_writing(self, dimension: int) -> Any:
        try:
            collection = self._existing()
        except IndexEmpty:
            if self._pinned is not None:
                raise
            # The first write of an empty index creates its first generation.
            generation = self.new_generation(dimension)
            self.activate(generation)
            collection = self._existing()
        self._check_model(collection)
        stored = (collection.metadata or {}).get("dimension")
        if stored is not None and int(stored) != dimension:
            raise ModelMismatch(f"the index holds {stored}-dimensional vectors but the model makes {dimension}: reindex")
        return collection

    # --- generations -----------------------------------------------------------

    def new_generation(self, dimension: int, expected: int = 0) -> VectorStore:
        """An empty generation for this store's model, pinned, not serving yet (see index.store.generations).

        `expected`: about how many paragraphs it will hold (chooses its ef_search, index.store.search_effort).
        """
        name = self.generations.create(self.model_name, dimension, expected)
        with self._guard():
            created = self._client.get_collection(name, embedding_function=None)
            created.modify(metadata={**(created.metadata or {}), counting.KEY: IndexCounts().to_json()})
        connection = self.connection
        return VectorStore(lambda: connection.client, self.base, self.model_name, remote=connection.remote, pinned=name)

    def activate(self, generation: VectorStore, build_seconds: float | None = None) -> str | None:
        """Make `generation` serve (one metadata write); the name of the one it replaces."""
        if generation._pinned is None:
            raise ValueError("activate a generation from new_generation()")
        previous = self.generations.switch_to(generation._pinned, build_seconds)
        self._forget()
        self.local_changes += 1
        return previous

    def reset(self) -> bool:
        """Drop the whole index, every generation and the pointer; True if there was anything."""
        self._forget()
        existed = self.generations.reset()
        self.local_changes += 1
        return existed

    # --- writing -----------------------------------------------------------------

    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of `ids` are stored already (so unchanged text is not embedded again)."""
        try:
            collection = self._existing()
        except IndexEmpty:
            return set()
        self._check_model(collection)  # the start of every write: refuse a foreign model early
        found: set[str] = set()
        with self._guard():
            for start in range(0, len(ids), WRITE_BATCH):
                result = collection.get(ids=list(ids[start : start + WRITE_BATCH]), include=[])
                found.update(result["ids"])
        return found

    def ids_of_articles(self, article_ids: Sequence[str], stories: dict[str, str] | None = None) -> dict[str, set[str]]:
        """Stored chunk ids per article id, to find paragraphs an edited article no longer has.

        With `stories`, the stored story id of each of those articles that has one is put there too.
        """
        try:
            collection = self._existing()
        except IndexEmpty:
            return {}
        return self._article_chunk_ids(collection, article_ids, stories)

    def _article_chunk_ids(
        self, collection: Any, article_ids: Sequence[str], stories: dict[str, str] | None = None
    ) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        with self._guard():
            for start in range(0, len(article_ids), 100):
                batch = list(article_ids[start : start + 100])
                result = collection.get(where={"article_id": {"$in": batch}}, include=["metadatas"])
                for chunk_id, meta in zip(result["ids"], result["metadatas"] or [], strict=True):
                    found.setdefault(str(meta["article_id"]), set()).add(chunk_id)
                    if stories is not None and isinstance(meta.get("story"), str) and meta["story"]:
                        stories[str(meta["article_id"])] = meta["story"]
        return found

    def nearest(self, vectors: np.ndarray, k: int) -> list[list[StoredParagraph]]:
        """For each row of `vectors` (n, dim), the `k` closest stored paragraphs as the story rule reads them
        (index.ingest.story_ids), closest first; empty lists when nothing is stored yet."""
        if not len(vectors):
            return []
        try:
            collection = self._existing()
        except IndexEmpty:
            return [[] for _ in range(len(vectors))]
        with self._guard():
            count = collection.count()
            if not count:
                return [[] for _ in range(len(vectors))]
            result = collection.query(
                query_embeddings=np.asarray(vectors, dtype=np.float32),
                n_results=min(k, count),
                include=["documents", "metadatas", "distances"],
            )
        found = []
        for texts, metas, distances in zip(result["documents"], result["metadatas"], result["distances"], strict=True):
            row = []
            for text, meta, distance in zip(texts, metas, distances, strict=True):
                chunk = chunk_from_record(text, meta)
                row.append(
                    StoredParagraph(
                        chunk.article_id, chunk.story, chunk.published, chunk.language, len(chunk.text.split()), 1.0 - float(distance),
                        chunk.source_name,
                    )
                )
            found.append(row)
        return found

    def upsert(
        self, chunks: Sequence[Chunk], vectors: np.ndarray, sentences: Sequence[SentenceVectors | None] | None = None
    ) -> None:
        """Store chunks with their vectors, shape (len(chunks), dim); same id = replaced, never duplicated.
        With `sentences` (one entry per chunk, None for none), their sentence vectors go to the
        generation's side collection (index.embedding.sentence_vectors).

        Raises ValueError for a chunk whose metadata the store would not accept (see
        index.store.chunk_records), ModelMismatch for vectors of another model or dimension.
        """
        if not chunks:
            return
        if len(chunks) != len(vectors) or (sentences is not None and len(sentences) != len(chunks)):
            raise ValueError("one vector per chunk")
        collection = self._for_writing(int(vectors.shape[1]))
        metadatas = [chunk_metadata(c) for c in chunks]
        indexed = now_stamp()
        for meta in metadatas:
            meta["indexed"] = indexed
        stored_before = self._stored(collection, [c.id for c in chunks])
        articles_before = self._article_chunk_ids(collection, sorted({c.article_id for c in chunks}))
        with self._guard():
            for start in range(0, len(chunks), WRITE_BATCH):
                batch = chunks[start : start + WRITE_BATCH]
                collection.upsert(
                    ids=[c.id for c in batch],
                    embeddings=vectors[start : start + WRITE_BATCH],
                    documents=[c.text for c in batch],
                    metadatas=metadatas[start : start + WRITE_BATCH],
                )
            if sentences is not None:
                self._upsert_sentences(collection, chunks, vectors, sentences)
            new_records = [m for c, m in zip(chunks, metadatas, strict=True) if c.id not in stored_before]
            new_articles = {c.article_id for c in chunks} - set(articles_before)
            self._record_write(collection, lambda counts: counting.added(counts, new_records, new_articles))

    # --- sentence vectors (index.embedding.sentence_vectors) ------------------------------------

    def sentences_name(self, name: str) -> str:
        """The side collection with the sentence vectors of generation `name`."""
        return self.generations.sentences_name(name)

    def _sentences_collection(self, collection: Any, create: bool) -> Any:
        """The side collection of `collection` (None when it has none and `create` is false)."""
        from chromadb.errors import NotFoundError

        name = self.sentences_name(collection.name)
        if self._side is not None and self._side.name == name:
            return self._side
        try:
            if create:
                side = self._client.get_or_create_collection(
                    name, configuration={"hnsw": SIDE_HNSW_CONFIGURATION}, embedding_function=None
                )
            else:
                side = self._client.get_collection(name, embedding_function=None)
        except NotFoundError:
            return None
        self._side = side
        return side

    def _upsert_sentences(
        self, collection: Any, chunks: Sequence[Chunk], vectors: np.ndarray, sentences: Sequence[SentenceVectors | None]
    ) -> None:
        rows = [(c.id, v, s.encode()) for c, v, s in zip(chunks, vectors, sentences, strict=True) if s is not None]
        if not rows:
            return
        side = self._sentences_collection(collection, create=True)
        for start in range(0, len(rows), WRITE_BATCH):
            batch = rows[start : start + WRITE_BATCH]
            side.upsert(
                ids=[r[0] for r in batch],
                embeddings=np.stack([r[1] for r in batch]),
                metadatas=[{"sentences": r[2]} for r in batch],
            )

    def preload(self) -> bool:
        """Have Chroma load the serving index into memory before the first question needs it.

        Embedded Chroma reads a collection's vector graph from disk at its first query (0.7 s at 100k
        paragraphs on these machines, docs/scale.md "Cold start"; a Chroma server does the same on its
        side); one nearest-neighbour query with a unit vector of the stored dimension, and a read of
        that neighbour's sentence vectors, do it ahead. False when there is nothing to load (no index,
        or it is empty). Raises StoreUnavailable.
        """

        def run(collection: Any) -> list[str]:
            dimension = int((collection.metadata or {}).get("dimension") or 0)
            if dimension <= 0 or collection.count() == 0:
                return []
            probe = np.full(dimension, 1.0 / np.sqrt(dimension), dtype=np.float32)
            found = collection.query(query_embeddings=[probe], n_results=1, include=[])
            return list(found["ids"][0]) if found["ids"] else []

        try:
            nearest: list[str] = self._read(run)
        except IndexEmpty:
            return False
        if nearest:
            self.sentence_vectors(nearest)
        return bool(nearest)

    def has_sentence_vectors(self) -> bool:
        """Whether the serving generation keeps sentence vectors (models that make them, indexes built since)."""

        def run(collection: Any) -> bool:
            side = self._sentences_collection(collection, create=False)
            return side is not None and side.count() > 0

        try:
            found: bool = self._read(run)
        except IndexEmpty:
            return False
        return found

    def sentence_vectors(self, chunk_ids: Sequence[str]) -> dict[str, SentenceVectors]:
        """The stored sentence vectors of these chunks of the serving generation (those it has)."""
        if not chunk_ids:
            return {}

        def run(collection: Any) -> dict[str, SentenceVectors]:
            side = self._sentences_collection(collection, create=False)
            if side is None:  # an index built before sentence vectors
                return {}
            result = side.get(ids=list(dict.fromkeys(chunk_ids)), include=["metadatas"])
            found = {}
            for chunk_id, meta in zip(result["ids"], result["metadatas"] or [], strict=True):
                decoded = SentenceVectors.decode((meta or {}).get("sentences"))
                if decoded is not None:
                    found[chunk_id] = decoded
            return found

        found: dict[str, SentenceVectors] = self._read(run)
        return found

    def delete(self, ids: Sequence[str]) -> None:
        """Delete chunks by id (unknown ids are ignored)."""
        if not ids:
            return
        collection = self._existing()
        self._check_model(collection)
        old = self._stored(collection, ids)
        with self._guard():
            side = self._sentences_collection(collection, create=False)
            for start in range(0, len(ids), WRITE_BATCH):
                collection.delete(ids=list(ids[start : start + WRITE_BATCH]))
                if side is not None:
                    side.delete(ids=list(ids[start : start + WRITE_BATCH]))
        affected = sorted({str(meta.get("article_id", "")) for meta in old.values()})
        gone = set(affected) - set(self._article_chunk_ids(collection, affected))
        with self._guard():
            self._record_write(collection, lambda counts: counting.removed(counts, old.values(), gone))

    def _stored(self, collection: Any, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The metadata of those of `ids` that are stored."""
        found: dict[str, dict[str, Any]] = {}
        with self._guard():
            for start in range(0, len(ids), WRITE_BATCH):
                result = collection.get(ids=list(ids[start : start + WRITE_BATCH]), include=["metadatas"])
                found.update(zip(result["ids"], [dict(m or {}) for m in result["metadatas"] or []], strict=True))
        return found

    def _record_write(self, collection: Any, change: Callable[[IndexCounts], None]) -> None:
        """Record a write: counts changed, a new revision tells every process's caches to rebuild."""
        self.local_changes += 1
        fresh = self._client.get_collection(collection.name, embedding_function=None)  # another process may have written
        metadata = dict(fresh.metadata or {})
        kept = IndexCounts.from_metadata(metadata)
        if kept is not None:  # an index without counts is tallied once, when they are first asked for
            change(kept)
            metadata[counting.KEY] = kept.to_json()
        metadata["updated"] = now_stamp()  # also the heartbeat of a generation being built
        metadata["revision"] = uuid.uuid4().hex
        fresh.modify(metadata=metadata)
        if kept is not None:
            search_effort.follow_size(fresh, kept.paragraphs)
        self._collection = fresh if self._collection is not None and self._collection.name == fresh.name else self._collection

    def revision(self) -> str | None:
        """An id that changes with every write to the collection (None when there is none)."""
        try:
            self._forget()  # fetch fresh metadata: another process may have written or reindexed
            collection = self._existing()
        except IndexEmpty:
            return None
        return str((collection.metadata or {}).get("revision", ""))

    def pages(self, include: list[str], page: int = WRITE_BATCH) -> Iterator[dict[str, Any]]:
        """The whole collection, `page` records at a time, with the fields named in `include`."""
        collection = self._existing()
        with self._guard():
            total = collection.count()
        for offset in range(0, total, page):
            with self._guard():
                yield collection.get(include=include, limit=page, offset=offset)

    def documents(self) -> Iterator[tuple[str, str | None]]:
        """Every stored paragraph's text and language."""
        for result in self.pages(["documents", "metadatas"]):
            for text, meta in zip(result["documents"], result["metadatas"], strict=True):
                chunk = chunk_from_record(text, meta)  # read leniently: an older version may have stored odd types
                yield chunk.text, chunk.language

    def vectors(self) -> np.ndarray:
        """Every stored vector, in storage order, shape (n, dim) (for exact-search baselines)."""
        return np.vstack([np.asarray(r["embeddings"], dtype=np.float32) for r in self.pages(["embeddings"], 5000)])

    # --- reading -----------------------------------------------------------------

    def query(self, vector: np.ndarray, k: int, model: str | None = None) -> list[tuple[Passage, np.ndarray]]:
        """The `k` chunks closest to `vector` (made by `model`), best first, each with its stored vector."""

        def run(collection: Any) -> Any:
            built_with = (collection.metadata or {}).get("embedding_model")
            if model is not None and built_with and built_with != model:
                raise ModelMismatch(
                    f"the index was built with {built_with!r}; a question embedded with {model!r} cannot search it"
                )
            return collection.query(
                query_embeddings=[vector], n_results=k, include=["documents", "metadatas", "distances", "embeddings"]
            )

        result = self._read(run)
        if not result["ids"] or not result["ids"][0]:
            raise IndexEmpty("the index is empty: ingest some articles first")
        embeddings = result["embeddings"][0]
        hits = zip(result["documents"][0], result["metadatas"][0], result["distances"][0], embeddings, strict=True)
        return [
            (Passage(chunk_from_record(text, meta), 1.0 - float(distance)), np.asarray(vec, dtype=np.float32))
            for text, meta, distance, vec in hits
        ]

    def neighbours(self, chunk: Chunk, before: int = 1, after: int = 1) -> list[Chunk]:
        """The chunk with its neighbours in the same article, in reading order."""
        positions = list(range(max(0, chunk.position - before), chunk.position + after + 1))
        result = self._read(
            lambda collection: collection.get(
                where={"$and": [{"article_id": chunk.article_id}, {"position": {"$in": positions}}]},
                include=["documents", "metadatas"],
            )
        )
        chunks = [chunk_from_record(t, m) for t, m in zip(result["documents"], result["metadatas"], strict=True)]
        return sorted(chunks, key=lambda c: c.position)

    def article_chunks(self, article_ids: Sequence[str]) -> dict[str, StoredArticle]:
        """Each article's chunks in reading order with their vectors (to match new articles to topics)."""
        found: dict[str, StoredArticle] = {}
        for start in range(0, len(article_ids), 100):
            where = {"article_id": {"$in": list(article_ids[start : start + 100])}}
            result = self._read(lambda c: c.get(where=where, include=["documents", "metadatas", "embeddings"]))  # noqa: B023
            rows: dict[str, list[tuple[Chunk, np.ndarray]]] = {}
            for text, meta, vector in zip(result["documents"], result["metadatas"], result["embeddings"], strict=True):
                chunk = chunk_from_record(text, meta)
                rows.setdefault(chunk.article_id, []).append((chunk, np.asarray(vector, dtype=np.float32)))
            for article_id, pairs in rows.items():
                pairs.sort(key=lambda pair: pair[0].position)
                found[article_id] = StoredArticle([c for c, _ in pairs], np.stack([v for _, v in pairs]))
        return found

    def get(self, chunk_id: str) -> Chunk | None:
        result = self._read(lambda collection: collection.get(ids=[chunk_id], include=["documents", "metadatas"]))
        if not result["ids"]:
            return None
        return chunk_from_record(result["documents"][0], result["metadatas"][0])

    # --- what the index holds ------------------------------------------------------

    def counts(self) -> IndexCounts:
        """Per-source counts and the newest articles, kept at every write (no scan).

        An index without kept counts (written by an older version) or whose newest-articles list
        lost an article is counted once by a full scan, and the result kept.
        """
        try:
            collection = self._existing()
        except IndexEmpty:
            return IndexCounts()
        kept = IndexCounts.from_metadata(collection.metadata or {})
        if kept is not None and kept.complete:
            return kept
        self._forget()
        collection = self._existing()
        kept = IndexCounts.from_metadata(collection.metadata or {})  # maybe counted by another process meanwhile
        if kept is not None and kept.complete:
            return kept
        tallied = counting.tally(meta for page in self.pages(["metadatas"]) for meta in page["metadatas"] or [])
        with self._guard():
            fresh = self._client.get_collection(collection.name, embedding_function=None)
            fresh.modify(metadata={**(fresh.metadata or {}), counting.KEY: tallied.to_json()})
        log.info("counted the index %s once by a full scan: %d paragraphs", collection.name, tallied.paragraphs)
        return tallied

    def info(self) -> IndexInfo:
        """What the serving index says about itself (zeros when there is none)."""
        counts = self.counts()  # zero counts without an index
        try:
            meta = self._existing().metadata or {}  # after counts(): the collection as it was read there
        except IndexEmpty:
            return IndexInfo(0, 0, None, None, None)
        dimension = meta.get("dimension")
        build_seconds = meta.get("build_seconds")
        return IndexInfo(
            chunks=counts.paragraphs,
            articles=counts.articles,
            embedding_model=meta.get("embedding_model"),
            dimension=int(dimension) if dimension is not None else None,
            updated=meta.get("updated"),
            built=meta.get("built"),
            build_seconds=float(build_seconds) if build_seconds is not None else None,
            sources=len(counts.sources),
            newest=tuple(
                sorted(((o, c.newest_published) for o, c in counts.sources.items()), key=lambda pair: (pair[1] or "", pair[0]), reverse=True)
            ),
        )

    def sources(self) -> list[SourceInfo]:
        """What each source (a configured file, folder, feed or URL) contributes, largest first."""
        return self.overview(0)[0]

    def overview(self, newest: int) -> tuple[list[SourceInfo], list[tuple[str, str | None]]]:
        """The sources (see sources()) and the `newest` articles as (title, date), newest first (at most counts.NEWEST).

        Articles are ordered by their date, those without one by when they were indexed.
        """
        counts = self.counts()
        found = [SourceInfo(o, s.articles, s.paragraphs, s.last_indexed, s.newest_published) for o, s in counts.sources.items()]
        latest = [(title, date) for _, title, date, _ in counts.newest[:newest]]
        return sorted(found, key=lambda s: (-s.articles, s.origin)), latest

    def forget(self, source: str) -> int:
        """Delete every paragraph from `source` (an origin, an article's source or URL); how many."""
        collection = self._existing()
        self._check_model(collection)
        ids: set[str] = set()
        with self._guard():
            for key in ("origin", "source", "url"):
                ids.update(collection.get(where={key: source}, include=[])["ids"])
        self.delete(sorted(ids))
        return len(ids)
