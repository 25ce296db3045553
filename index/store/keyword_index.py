"""Term statistics of the stored paragraphs, kept in step with the store.

The statistics are derived data: rebuilt from the store's documents when the
collection's revision changes (checked at most every `check_every` seconds, and
at once after a write by this process), and cached on disk per revision so that
a command-line `ask` does not rescan the collection.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from pathlib import Path

from index.errors import IndexEmpty
from index.retrieval.keywords import TermStats
from index.store.vector_store import VectorStore

log = logging.getLogger(__name__)


class KeywordIndex:
    def __init__(self, store: VectorStore, cache_dir: Path | None, check_every: float = 30.0) -> None:
        self._store = store
        self._cache_dir = cache_dir
        self._check_every = check_every
        self._lock = threading.Lock()
        self._stats: TermStats | None = None
        self._revision: str | None = None
        self._checked = float("-inf")
        self._seen_changes = -1

    def stats(self) -> TermStats | None:
        """Current statistics, or None when nothing is indexed."""
        with self._lock:
            fresh = time.monotonic() - self._checked < self._check_every
            if fresh and self._seen_changes == self._store.local_changes:
                return self._stats
            self._seen_changes = self._store.local_changes
            self._checked = time.monotonic()
            revision = self._store.revision()
            if revision is None:
                self._stats, self._revision = None, None
            elif revision != self._revision:
                self._stats = self._load(revision)
                self._revision = revision
            return self._stats

    def _cache_file(self, revision: str) -> Path | None:
        return self._cache_dir / f"terms-{revision}.json" if self._cache_dir and revision else None

    def _load(self, revision: str) -> TermStats | None:
        path = self._cache_file(revision)
        if path is not None and path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))
            return TermStats(data["documents"], data["total_length"], Counter(data["frequency"]))
        started = time.perf_counter()
        try:
            stats = TermStats.build(self._store.documents())
        except IndexEmpty:
            return None
        log.info("keyword statistics of %d paragraphs built in %.1f s", stats.documents, time.perf_counter() - started)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            for old in path.parent.glob("terms-*.json"):
                old.unlink(missing_ok=True)
            payload = {"documents": stats.documents, "total_length": stats.total_length, "frequency": stats.frequency}
            path.write_text(json.dumps(payload), encoding="utf-8")
        return stats
