"""Paragraph vectors in Chroma, embedded (a folder) or a `chroma run` server.

Newsbot always passes its own embeddings: Chroma's default embedding function
(which would download an ONNX model) is never used, and telemetry is off.
The index is a *generation*: one collection named `BASE.gYYYYMMDDTHHMMSS-xxxx`
that records the embedding model and dimension that built it. A pointer
collection `BASE.current` (no records, only metadata) names the generation that
serves. A reindex builds a new generation beside the serving one and then moves
the pointer in one metadata write, so questions never see a half-built index;
every process re-reads the pointer within `POINTER_TTL` seconds. A generation
whose builder died (no heartbeat for `STALE_AFTER` seconds) is dropped by the
next `cleanup()`. An index from before generations (a collection named BASE
and no pointer) keeps serving until the first reindex.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import numpy as np

from index.chunk_records import chunk_from_record, chunk_metadata, origin_of
from index.domain import Chunk, Passage
from index.errors import IndexEmpty, ModelMismatch, StoreError, StoreUnavailable

log = logging.getLogger(__name__)

# Chroma's HNSW: cosine space; ef_search only takes effect when set at creation.
HNSW_CONFIGURATION: dict[str, str | int] = {"space": "cosine", "ef_construction": 200, "ef_search": 100, "max_neighbors": 32}
# Large write batches stall queries in the same process; stay well below Chroma's limit.
WRITE_BATCH = 1000
# How long a process trusts its idea of which generation serves.
POINTER_TTL = 5.0
# A generation being built writes at least every batch; silent this long, its builder is gone.
STALE_AFTER = 600.0


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _age_seconds(stamp: object) -> float:
    """Seconds since an ISO time stamp (infinite when there is none)."""
    if not isinstance(stamp, str):
        return float("inf")
    try:
        return (datetime.now(timezone.utc) - datetime.fromisoformat(stamp)).total_seconds()
    except ValueError:
        return float("inf")


def _quiet_chroma_logs() -> None:
    for name in ("chromadb.telemetry", "chromadb.telemetry.product.posthog"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def open_client(chroma_url: str | None, chroma_dir: Path) -> Any:
    """A Chroma client: HTTP when `chroma_url` is set, else persistent under `chroma_dir`."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    _quiet_chroma_logs()
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if not chroma_url:
        chroma_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(chroma_dir), settings=chroma_settings)
    url = urlparse(chroma_url)
    if url.scheme not in {"http", "https"} or not url.hostname:
        raise StoreError(f"NEWSBOT_CHROMA_URL must look like http://host:8000, not {chroma_url!r}")
    port = url.port or (443 if url.scheme == "https" else 8000)
    try:
        return chromadb.HttpClient(
            host=url.hostname, port=port, ssl=url.scheme == "https", settings=chroma_settings
        )
    except Exception as exc:
        raise StoreUnavailable(
            f"the Chroma server at {chroma_url} is not reachable ({_reason(exc)}); "
            "start it with `chroma run --path DIR` or check NEWSBOT_CHROMA_URL"
        ) from exc


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]


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
        self._connect = connect
        self._connection: Any = None
        self.base = collection
        self.model_name = model_name
        self._remote = remote
        self._pinned = pinned
        self._collection: Any = None
        self._resolved_at = float("-inf")
        self.local_changes = 0  # writes by this process; lets caches notice them for free

    @property
    def pointer_name(self) -> str:
        return f"{self.base}.current"

    @property
    def generation_prefix(self) -> str:
        return f"{self.base}.g"

    @property
    def _client(self) -> Any:
        if self._connection is None:
            self._connection = self._connect()
        return self._connection

    def close(self) -> None:
        """Release the client's connections (HTTP) or files (embedded)."""
        self._collection = None
        close = getattr(self._connection, "close", None)
        self._connection = None
        if close is not None and self._pinned is None:
            close()

    # --- errors ----------------------------------------------------------

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        """Turn transport failures into StoreUnavailable, with a hint of what to do."""
        try:
            yield
        except (StoreError, ModelMismatch):
            raise
        except (httpx.HTTPError, ConnectionError, OSError) as exc:
            self._collection = None
            if self._remote:
                self._connection = None
            raise StoreUnavailable(
                f"the vector store is unavailable ({_reason(exc)}); try again in a moment"
            ) from exc
        except Exception as exc:
            from chromadb.errors import ChromaError, NotFoundError

            if isinstance(exc, NotFoundError):
                self._collection = None
                raise IndexEmpty("the index is empty: ingest some articles first") from exc
            if isinstance(exc, ChromaError) and self._remote:
                self._collection = None
                self._connection = None
                raise StoreUnavailable(f"the Chroma server failed ({_reason(exc)}); try again") from exc
            raise

    # --- the collection --------------------------------------------------------

    def _pointer(self) -> dict[str, Any] | None:
        """The pointer's metadata, or None when no generation was ever activated."""
        from chromadb.errors import NotFoundError

        with self._guard():
            try:
                pointer = self._client.get_collection(self.pointer_name, embedding_function=None)
            except NotFoundError:
                return None
        return dict(pointer.metadata or {})

    def serving_name(self) -> str:
        """The collection that answers questions now."""
        if self._pinned is not None:
            return self._pinned
        pointer = self._pointer()
        return str(pointer["active"]) if pointer and pointer.get("active") else self.base

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
            raise ModelMismatch(
                f"the index holds {stored}-dimensional vectors but the model makes {dimension}: reindex"
            )
        return collection

    # --- generations -----------------------------------------------------------

    def new_generation(self, dimension: int) -> VectorStore:
        """An empty generation for this store's model, pinned, not serving yet."""
        name = f"{self.generation_prefix}{datetime.now(timezone.utc):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
        with self._guard():
            self._client.create_collection(
                name,
                configuration={"hnsw": HNSW_CONFIGURATION},
                metadata={
                    "embedding_model": self.model_name,
                    "dimension": dimension,
                    "building": True,
                    "started": _now(),
                    "updated": _now(),
                    "revision": uuid.uuid4().hex,
                },
                embedding_function=None,
            )
        return VectorStore(lambda: self._client, self.base, self.model_name, remote=self._remote, pinned=name)

    def activate(self, generation: VectorStore, build_seconds: float | None = None) -> str | None:
        """Make `generation` serve (one metadata write); the name of the one it replaces."""
        if generation._pinned is None:
            raise ValueError("activate a generation from new_generation()")
        with self._guard():
            built = self._client.get_collection(generation._pinned, embedding_function=None)
            metadata = dict(built.metadata or {})
            metadata["building"] = False
            metadata["built"] = _now()
            if build_seconds is not None:
                metadata["build_seconds"] = round(build_seconds, 1)
            built.modify(metadata=metadata)
        pointer = self._pointer() or {}
        previous = str(pointer.get("active") or self.base)
        pointer.update(active=generation._pinned, switched=_now())
        with self._guard():
            self._client.get_or_create_collection(self.pointer_name, embedding_function=None).modify(metadata=pointer)
        self._forget()
        self.local_changes += 1
        return previous if previous != generation._pinned else None

    def generations(self) -> dict[str, dict[str, Any]]:
        """Every generation of this index (and a pre-generation collection), with its metadata."""
        with self._guard():
            collections = self._client.list_collections()
        return {
            c.name: dict(c.metadata or {})
            for c in collections
            if c.name.startswith(self.generation_prefix) or c.name == self.base
        }

    def building(self) -> str | None:
        """A generation another builder is still writing (recent heartbeat), if any."""
        serving = self.serving_name()
        for name, metadata in self.generations().items():
            if name != serving and metadata.get("building") and _age_seconds(metadata.get("updated")) < STALE_AFTER:
                return name
        return None

    def drop(self, name: str) -> None:
        """Delete one collection of this index (never the serving one)."""
        from chromadb.errors import NotFoundError

        if not (name.startswith(self.generation_prefix) or name == self.base):
            raise ValueError(f"{name} is not part of the index {self.base}")
        if name == self.serving_name():
            raise ValueError(f"{name} is serving; activate another generation first")
        with self._guard(), contextlib.suppress(NotFoundError):
            self._client.delete_collection(name)

    def cleanup(self, stale_after: float = STALE_AFTER) -> list[str]:
        """Drop generations that do not serve and whose builder is gone; their names."""
        serving = self.serving_name()
        dropped = []
        for name, metadata in self.generations().items():
            if name == serving:
                continue
            if metadata.get("building") and _age_seconds(metadata.get("updated")) < stale_after:
                continue  # someone is building it right now
            self.drop(name)
            dropped.append(name)
        if dropped:
            log.info("dropped unfinished or replaced index generations: %s", ", ".join(dropped))
        return dropped

    # --- extra sources ------------------------------------------------------------

    def extra_sources(self) -> list[str]:
        """Sources added from the chat (/ingest) that a reindex must read again."""
        pointer = self._pointer() or {}
        return list(json.loads(str(pointer.get("extra_sources", "[]"))))

    def set_extra_sources(self, sources: Sequence[str]) -> None:
        pointer = self._pointer() or {}
        pointer["extra_sources"] = json.dumps(list(dict.fromkeys(sources)))
        with self._guard():
            self._client.get_or_create_collection(self.pointer_name, embedding_function=None).modify(metadata=pointer)

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

    def ids_of_articles(self, article_ids: Sequence[str]) -> dict[str, set[str]]:
        """Stored chunk ids per article id, to find paragraphs an edited article no longer has."""
        try:
            collection = self._existing()
        except IndexEmpty:
            return {}
        found: dict[str, set[str]] = {}
        with self._guard():
            for start in range(0, len(article_ids), 100):
                batch = list(article_ids[start : start + 100])
                result = collection.get(where={"article_id": {"$in": batch}}, include=["metadatas"])
                for chunk_id, meta in zip(result["ids"], result["metadatas"] or [], strict=True):
                    found.setdefault(str(meta["article_id"]), set()).add(chunk_id)
        return found

    def upsert(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Store chunks with their vectors (same id = replaced, never duplicated)."""
        if not chunks:
            return
        if len(chunks) != len(vectors):
            raise ValueError("one vector per chunk")
        collection = self._for_writing(int(vectors.shape[1]))
        metadatas = [chunk_metadata(c) for c in chunks]
        indexed = _now()
        for meta in metadatas:
            meta["indexed"] = indexed
        with self._guard():
            for start in range(0, len(chunks), WRITE_BATCH):
                batch = chunks[start : start + WRITE_BATCH]
                collection.upsert(
                    ids=[c.id for c in batch],
                    embeddings=vectors[start : start + WRITE_BATCH],
                    documents=[c.text for c in batch],
                    metadatas=metadatas[start : start + WRITE_BATCH],
                )
            self._touch(collection)

    def delete(self, ids: Sequence[str]) -> None:
        if not ids:
            return
        collection = self._existing()
        self._check_model(collection)
        with self._guard():
            for start in range(0, len(ids), WRITE_BATCH):
                collection.delete(ids=list(ids[start : start + WRITE_BATCH]))
            self._touch(collection)

    def _touch(self, collection: Any) -> None:
        """Record a write: a new revision tells every process's caches to rebuild."""
        self.local_changes += 1
        metadata = dict(collection.metadata or {})
        metadata["updated"] = _now()  # also the heartbeat of a generation being built
        metadata["revision"] = uuid.uuid4().hex
        collection.modify(metadata=metadata)

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
        """Every stored vector, in storage order (for exact-search baselines)."""
        return np.vstack([np.asarray(r["embeddings"], dtype=np.float32) for r in self.pages(["embeddings"], 5000)])

    def reset(self) -> bool:
        """Drop the whole index, every generation and the pointer; True if there was anything."""
        from chromadb.errors import NotFoundError

        names = [*self.generations(), self.pointer_name]
        self._forget()
        existed = False
        for name in names:
            with self._guard():
                try:
                    self._client.delete_collection(name)
                    existed = existed or name != self.pointer_name
                except NotFoundError:
                    pass
        self.local_changes += 1
        return existed

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

    def info(self) -> IndexInfo:
        try:
            collection = self._existing()
        except IndexEmpty:
            return IndexInfo(0, 0, None, None, None)
        articles: set[str] = set()
        origins: set[str] = set()
        count = 0
        for page in self.pages(["metadatas"]):
            count += len(page["ids"])
            for record in page["metadatas"] or []:
                articles.add(str(record["article_id"]))
                origins.add(origin_of(record))
        meta = collection.metadata or {}
        dimension = meta.get("dimension")
        build_seconds = meta.get("build_seconds")
        return IndexInfo(
            chunks=count,
            articles=len(articles),
            embedding_model=meta.get("embedding_model"),
            dimension=int(dimension) if dimension is not None else None,
            updated=meta.get("updated"),
            built=meta.get("built"),
            build_seconds=float(build_seconds) if build_seconds is not None else None,
            sources=len(origins),
        )

    def sources(self) -> list[SourceInfo]:
        """What each source (a configured file, folder, feed or URL) contributes, largest first."""
        return self.overview(0)[0]

    def overview(self, newest: int) -> tuple[list[SourceInfo], list[tuple[str, str | None]]]:
        """The sources (see sources()) and the `newest` articles as (title, date), newest first, in one pass.

        Articles are ordered by their date, those without one by when they were indexed.
        """
        try:
            pages = list(self.pages(["metadatas"]))
        except IndexEmpty:
            return [], []
        articles: dict[str, set[str]] = {}
        paragraphs: dict[str, int] = {}
        last: dict[str, str] = {}
        titles: dict[str, tuple[str, str, str | None]] = {}  # article id: (sort key, title, date)
        for page in pages:
            for meta in page["metadatas"] or []:
                origin = origin_of(meta)
                article = str(meta["article_id"])
                articles.setdefault(origin, set()).add(article)
                paragraphs[origin] = paragraphs.get(origin, 0) + 1
                stamp = str(meta.get("indexed", ""))
                last[origin] = max(last.get(origin, ""), stamp)
                published = meta.get("published")
                titles.setdefault(article, (str(published or stamp), str(meta.get("title") or meta.get("source", "")), published))
        found = [SourceInfo(o, len(a), paragraphs[o], last[o] or None) for o, a in articles.items()]
        latest = sorted(titles.values(), reverse=True)[:newest]
        return sorted(found, key=lambda s: (-s.articles, s.origin)), [(title, date) for _, title, date in latest]

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
