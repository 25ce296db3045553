"""How hard Chroma's HNSW searches (ef_search), chosen by the size of the collection.

A larger graph needs a wider search for the same recall: at 1M vectors ef_search 100 found only
0.81 of the exact top-10. `EF_SEARCH_BY_SIZE` gives each size the smallest ef_search measured to
reach recall@10 ≥ 0.95 on the bench's synthetic vectors (harder than real embeddings), rounded up:
at 30k ef 64 gave 0.943 and 100 gave 0.979; at 100k ef 100 gave 0.947 and 128 gave 0.973
(`newsbot bench`, docs/benchmarks.md); at 1M ef 256 gave 0.947, 288 gave 0.953 and 320 gave 0.965
at 11.7× the speed of exact numpy top-10 (384: 0.980, 512: 0.990 at 8.4×; `newsbot bench --scales
1000000 --ef-size 1000000 --ef 288,320,352`, docs/scale.md). The 400k row lies between measured
sizes; beyond 1M the value is extrapolated (512, not measured). Sizes between two rows take the
larger row's value.

Pure functions plus two small Chroma calls: the store applies the value when it creates a
generation and again when a write moves the collection into another row. Chroma 1.5.9 stores a
changed ef_search with `modify(configuration=...)` and uses it when the collection is next opened
(a new process, or a client closed and opened again; measured), not in a process that has the
graph loaded already.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

log = logging.getLogger(__name__)

# (at most this many vectors, ef_search), ascending; beyond the last row its value holds.
EF_SEARCH_BY_SIZE: tuple[tuple[int, int], ...] = (
    (30_000, 100),
    (150_000, 128),
    (400_000, 256),
    (1_000_000, 320),
    (10**9, 512),
)


def ef_search_for(vectors: int) -> int:
    """The ef_search for a collection of `vectors` vectors (>= 0)."""
    for limit, ef in EF_SEARCH_BY_SIZE:
        if vectors <= limit:
            return ef
    return EF_SEARCH_BY_SIZE[-1][1]


def configured_ef_search(collection: Any) -> int | None:
    """The ef_search a Chroma collection is configured with (None if it does not say)."""
    hnsw = (collection.configuration_json or {}).get("hnsw") or {}
    value = hnsw.get("ef_search")
    return int(value) if value is not None else None


def follow_size(collection: Any, vectors: int) -> int | None:
    """Set `collection`'s ef_search to the one `vectors` vectors need, if it differs; the new value or None.

    Chroma stores the change at once; a process that has the collection's graph loaded keeps
    searching with the old value until it opens the store again (measured with chromadb 1.5.9;
    a reindex's new generation is opened fresh when it starts serving).
    """
    wanted = ef_search_for(vectors)
    if configured_ef_search(collection) == wanted:
        return None
    set_ef_search(collection, wanted)
    log.info("ef_search of %s set to %d for %d vectors", collection.name, wanted, vectors)
    return wanted


def set_ef_search(collection: Any, ef: int) -> None:
    """Store a new ef_search for a Chroma collection (used when the collection is next opened)."""
    with warnings.catch_warnings():  # Chroma re-reads its own config of a collection without embedding function
        warnings.filterwarnings("ignore", "legacy embedding function config", DeprecationWarning)
        collection.modify(configuration={"hnsw": {"ef_search": ef}})
