"""Index generations: which Chroma collection serves, and the life of the others.

The index is a *generation*: one collection named `BASE.gYYYYMMDDTHHMMSS-xxxx` that records the
embedding model and dimension that built it. A pointer collection `BASE.current` (no records, only
metadata) names the generation that serves. A reindex builds a new generation beside the serving
one and then moves the pointer in one metadata write, so questions never see a half-built index.
A generation whose builder died (no heartbeat for `STALE_AFTER` seconds) is dropped by the next
`cleanup()`. An index from before generations (a collection named BASE and no pointer) keeps
serving until the first reindex.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from datetime import datetime, timezone
from typing import Any

from index.store.connection import Connection, age_seconds, now_stamp
from index.store.search_effort import ef_search_for

log = logging.getLogger(__name__)

# Chroma's HNSW: cosine space. ef_search here is the default; a generation gets the one its
# expected size needs (index.store.search_effort), changed as it grows.
HNSW_CONFIGURATION: dict[str, str | int] = {"space": "cosine", "ef_construction": 200, "ef_search": 100, "max_neighbors": 32}
# A generation being built writes at least every batch; silent this long, its builder is gone.
STALE_AFTER = 600.0


class Generations:
    """The pointer and the generations of the index named `base`. Every call may raise StoreUnavailable."""

    def __init__(self, connection: Connection, base: str) -> None:
        self._connection = connection
        self.base = base

    @property
    def pointer_name(self) -> str:
        return f"{self.base}.current"

    @property
    def prefix(self) -> str:
        return f"{self.base}.g"

    def pointer(self) -> dict[str, Any] | None:
        """The pointer's metadata, or None when no generation was ever activated."""
        from chromadb.errors import NotFoundError

        with self._connection.guard():
            try:
                pointer = self._connection.client.get_collection(self.pointer_name, embedding_function=None)
            except NotFoundError:
                return None
        return dict(pointer.metadata or {})

    def write_pointer(self, metadata: dict[str, Any]) -> None:
        """Replace the pointer's metadata (created if missing): one write, seen by every process."""
        with self._connection.guard():
            self._connection.client.get_or_create_collection(self.pointer_name, embedding_function=None).modify(metadata=metadata)

    def serving(self) -> str:
        """The collection that answers questions now (BASE itself before the first generation)."""
        pointer = self.pointer()
        return str(pointer["active"]) if pointer and pointer.get("active") else self.base

    def create(self, model_name: str, dimension: int, expected: int = 0) -> str:
        """A new, empty generation marked as building, searched as `expected` vectors need; its collection name."""
        name = f"{self.prefix}{datetime.now(timezone.utc):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
        with self._connection.guard():
            self._connection.client.create_collection(
                name,
                configuration={"hnsw": {**HNSW_CONFIGURATION, "ef_search": ef_search_for(expected)}},
                metadata={
                    "embedding_model": model_name,
                    "dimension": dimension,
                    "building": True,
                    "started": now_stamp(),
                    "updated": now_stamp(),
                    "revision": uuid.uuid4().hex,
                },
                embedding_function=None,
            )
        return name

    def switch_to(self, name: str, build_seconds: float | None = None) -> str | None:
        """Mark generation `name` complete and make it serve; the name of the one it replaces."""
        with self._connection.guard():
            built = self._connection.client.get_collection(name, embedding_function=None)
            metadata = dict(built.metadata or {})
            metadata["building"] = False
            metadata["built"] = now_stamp()
            if build_seconds is not None:
                metadata["build_seconds"] = round(build_seconds, 1)
            built.modify(metadata=metadata)
        pointer = self.pointer() or {}
        previous = str(pointer.get("active") or self.base)
        pointer.update(active=name, switched=now_stamp())
        self.write_pointer(pointer)
        return previous if previous != name else None

    def all(self) -> dict[str, dict[str, Any]]:
        """Every generation of this index (and a pre-generation collection), with its metadata."""
        with self._connection.guard():
            collections = self._connection.client.list_collections()
        return {c.name: dict(c.metadata or {}) for c in collections if c.name.startswith(self.prefix) or c.name == self.base}

    def building(self) -> str | None:
        """A generation another builder is still writing (recent heartbeat), if any."""
        serving = self.serving()
        for name, metadata in self.all().items():
            if name != serving and metadata.get("building") and age_seconds(metadata.get("updated")) < STALE_AFTER:
                return name
        return None

    def sentences_name(self, name: str) -> str:
        """The side collection with the sentence vectors of generation `name` ("news.g2025…" → "news.sentences.g2025…")."""
        return f"{self.base}.sentences{name[len(self.base):]}"

    def drop(self, name: str) -> None:
        """Delete one collection of this index, with its sentence vectors. Raises ValueError for the serving one or a foreign name."""
        from chromadb.errors import NotFoundError

        if not (name.startswith(self.prefix) or name == self.base):
            raise ValueError(f"{name} is not part of the index {self.base}")
        if name == self.serving():
            raise ValueError(f"{name} is serving; activate another generation first")
        for collection in (name, self.sentences_name(name)):
            with self._connection.guard(), contextlib.suppress(NotFoundError):
                self._connection.client.delete_collection(collection)

    def cleanup(self, stale_after: float = STALE_AFTER) -> list[str]:
        """Drop generations that do not serve and whose builder is gone; their names."""
        serving = self.serving()
        dropped = []
        for name, metadata in self.all().items():
            if name == serving:
                continue
            if metadata.get("building") and age_seconds(metadata.get("updated")) < stale_after:
                continue  # someone is building it right now
            self.drop(name)
            dropped.append(name)
        if dropped:
            log.info("dropped unfinished or replaced index generations: %s", ", ".join(dropped))
        return dropped

    def reset(self) -> bool:
        """Drop the whole index, every generation and the pointer; True if there was anything."""
        from chromadb.errors import NotFoundError

        existed = False
        generations = list(self.all())
        for name in [*generations, self.pointer_name, *(self.sentences_name(g) for g in generations)]:
            with self._connection.guard():
                try:
                    self._connection.client.delete_collection(name)
                    existed = existed or name in generations
                except NotFoundError:
                    pass
        return existed
