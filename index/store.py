"""Paragraph vectors in Chroma, embedded (a folder) or a `chroma run` server.

Newsbot always passes its own embeddings: Chroma's default embedding function
(which would download an ONNX model) is never used, and telemetry is off.
The collection records the embedding model and dimension that built it, and
refuses to be queried or extended with another model.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import numpy as np

from index.domain import Chunk, Passage
from index.errors import IndexEmpty, ModelMismatch, StoreError, StoreUnavailable

log = logging.getLogger(__name__)

# Chroma's HNSW: cosine space; ef_search only takes effect when set at creation.
HNSW_CONFIGURATION: dict[str, str | int] = {"space": "cosine", "ef_construction": 200, "ef_search": 100, "max_neighbors": 32}
# Large write batches stall queries in the same process; stay well below Chroma's limit.
WRITE_BATCH = 1000


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


class VectorStore:
    """One Chroma collection of paragraph chunks, for one embedding model."""

    def __init__(self, connect: Callable[[], Any], collection: str, model_name: str, *, remote: bool = False) -> None:
        """`connect` makes the Chroma client; it is called on first use and again after a failure,
        so a server that is down at start (or restarts) is picked up when it is back."""
        self._connect = connect
        self._connection: Any = None
        self._name = collection
        self.model_name = model_name
        self._remote = remote
        self._collection: Any = None
        self.local_changes = 0  # writes by this process; lets caches notice them for free

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
        if close is not None:
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

    def _existing(self) -> Any:
        """The collection, checked against the configured model; IndexEmpty if there is none."""
        if self._collection is not None:
            return self._collection
        from chromadb.errors import NotFoundError

        with self._guard():
            try:
                collection = self._client.get_collection(self._name, embedding_function=None)
            except NotFoundError as exc:
                raise IndexEmpty("the index is empty: ingest some articles first") from exc
        built_with = (collection.metadata or {}).get("embedding_model")
        if built_with and built_with != self.model_name:
            raise ModelMismatch(
                f"the index was built with the embedding model {built_with!r}, but "
                f"{self.model_name!r} is configured: reindex (newsbot reset, then newsbot ingest) "
                f"or set NEWSBOT_EMBEDDING_MODEL={built_with}"
            )
        self._collection = collection
        return collection

    def _for_writing(self, dimension: int) -> Any:
        try:
            collection = self._existing()
        except IndexEmpty:
            with self._guard():
                collection = self._client.get_or_create_collection(
                    self._name,
                    configuration={"hnsw": HNSW_CONFIGURATION},
                    metadata={"embedding_model": self.model_name, "dimension": dimension},
                    embedding_function=None,
                )
            self._collection = collection
        stored = (collection.metadata or {}).get("dimension")
        if stored is not None and int(stored) != dimension:
            raise ModelMismatch(
                f"the index holds {stored}-dimensional vectors but the model makes {dimension}: reindex"
            )
        return collection

    # --- writing -----------------------------------------------------------------

    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of `ids` are stored already (so unchanged text is not embedded again)."""
        try:
            collection = self._existing()
        except IndexEmpty:
            return set()
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
        with self._guard():
            for start in range(0, len(chunks), WRITE_BATCH):
                batch = chunks[start : start + WRITE_BATCH]
                collection.upsert(
                    ids=[c.id for c in batch],
                    embeddings=vectors[start : start + WRITE_BATCH],
                    documents=[c.text for c in batch],
                    metadatas=[chunk_metadata(c) for c in batch],
                )
            self._touch(collection)

    def delete(self, ids: Sequence[str]) -> None:
        if not ids:
            return
        collection = self._existing()
        with self._guard():
            for start in range(0, len(ids), WRITE_BATCH):
                collection.delete(ids=list(ids[start : start + WRITE_BATCH]))
            self._touch(collection)

    def _touch(self, collection: Any) -> None:
        """Record a write: a new revision tells every process's caches to rebuild."""
        self.local_changes += 1
        metadata = dict(collection.metadata or {})
        metadata["updated"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        metadata["revision"] = uuid.uuid4().hex
        collection.modify(metadata=metadata)

    def revision(self) -> str | None:
        """An id that changes with every write to the collection (None when there is none)."""
        try:
            self._collection = None  # fetch fresh metadata: another process may have written
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
                yield text, meta.get("language")

    def vectors(self) -> np.ndarray:
        """Every stored vector, in storage order (for exact-search baselines)."""
        return np.vstack([np.asarray(r["embeddings"], dtype=np.float32) for r in self.pages(["embeddings"], 5000)])

    def reset(self) -> bool:
        """Drop the whole collection; True if there was one."""
        from chromadb.errors import NotFoundError

        self._collection = None
        with self._guard():
            try:
                self._client.delete_collection(self._name)
            except NotFoundError:
                return False
        return True

    # --- reading -----------------------------------------------------------------

    def query(self, vector: np.ndarray, k: int) -> list[tuple[Passage, np.ndarray]]:
        """The `k` chunks closest to `vector`, best first, each with its stored vector."""
        collection = self._existing()
        with self._guard():
            result = collection.query(
                query_embeddings=[vector],
                n_results=k,
                include=["documents", "metadatas", "distances", "embeddings"],
            )
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
        collection = self._existing()
        positions = list(range(max(0, chunk.position - before), chunk.position + after + 1))
        with self._guard():
            result = collection.get(
                where={"$and": [{"article_id": chunk.article_id}, {"position": {"$in": positions}}]},
                include=["documents", "metadatas"],
            )
        chunks = [chunk_from_record(t, m) for t, m in zip(result["documents"], result["metadatas"], strict=True)]
        return sorted(chunks, key=lambda c: c.position)

    def get(self, chunk_id: str) -> Chunk | None:
        collection = self._existing()
        with self._guard():
            result = collection.get(ids=[chunk_id], include=["documents", "metadatas"])
        if not result["ids"]:
            return None
        return chunk_from_record(result["documents"][0], result["metadatas"][0])

    def info(self) -> IndexInfo:
        try:
            collection = self._existing()
        except IndexEmpty:
            return IndexInfo(0, 0, None, None, None)
        articles: set[str] = set()
        count = 0
        for page in self.pages(["metadatas"]):
            count += len(page["ids"])
            articles.update(str(m["article_id"]) for m in page["metadatas"] or [])
        meta = collection.metadata or {}
        dimension = meta.get("dimension")
        return IndexInfo(
            chunks=count,
            articles=len(articles),
            embedding_model=meta.get("embedding_model"),
            dimension=int(dimension) if dimension is not None else None,
            updated=meta.get("updated"),
        )


def chunk_metadata(chunk: Chunk) -> dict[str, str | int]:
    """Chroma metadata for a chunk; Chroma refuses None, so unknown fields are left out."""
    meta: dict[str, str | int] = {
        "article_id": chunk.article_id,
        "position": chunk.position,
        "paragraph": chunk.paragraph,
        "title": chunk.title,
        "source": chunk.source,
    }
    for key in ("url", "published", "language"):
        value = getattr(chunk, key)
        if value:
            meta[key] = value
    return meta


def chunk_from_record(text: str, meta: dict[str, Any]) -> Chunk:
    return Chunk(
        article_id=str(meta["article_id"]),
        position=int(meta["position"]),
        paragraph=int(meta["paragraph"]),
        text=text,
        title=str(meta.get("title", "")),
        source=str(meta.get("source", "")),
        url=meta.get("url"),
        published=meta.get("published"),
        language=meta.get("language"),
    )
