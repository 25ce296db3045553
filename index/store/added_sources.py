"""Sources added from the chat or the command line (`/ingest URL`, `newsbot ingest PATH`).

A reindex reads NEWSBOT_SOURCES and NEWSBOT_FEEDS, and these: they are kept in the generation
pointer's metadata (index.store.generations), so every process sharing the store sees the same list
and it survives a reindex.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from index.store.generations import Generations

KEY = "extra_sources"


class AddedSources:
    """The list of added sources, in the order they were added, without repeats."""

    def __init__(self, generations: Generations) -> None:
        self._generations = generations

    def all(self) -> list[str]:
        pointer = self._generations.pointer() or {}
        return list(json.loads(str(pointer.get(KEY, "[]"))))

    def add(self, sources: Sequence[str]) -> None:
        """Remember `sources` (already known ones stay where they were)."""
        self._write([*self.all(), *sources])

    def remove(self, source: str) -> None:
        """Stop reading `source` on reindex (nothing happens if it was not added)."""
        known = self.all()
        if source in known:
            self._write([s for s in known if s != source])

    def _write(self, sources: Sequence[str]) -> None:
        pointer = self._generations.pointer() or {}
        pointer[KEY] = json.dumps(list(dict.fromkeys(sources)))
        self._generations.write_pointer(pointer)
