"""Rebuild the whole index from its sources while the old one keeps answering.

The new generation is built beside the serving one (see index.store.vector_store), its
keyword statistics are computed, and only then does the pointer move. If
anything fails, or the process dies, the old generation keeps serving and the
unfinished one is dropped (now, or by the next start's cleanup).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from index.ingest import indexing
from index.ingest import loading
from index.ingest.articles import Collected
from index.domain import IngestReport
from index.embedding.embedder import Embedder
from index.errors import NothingToIndex, ReindexRunning
from index.store.keyword_index import KeywordIndex
from index.embedding.priority import PRIORITY
from index.store.sparse_index import SparseIndex
from index.store.vector_store import VectorStore

log = logging.getLogger(__name__)

# Questions already on their way to the old generation get this long to finish.
DROP_GRACE_SECONDS = 2.0


@dataclass
class ReindexProgress:
    """Written by the reindex thread, read by whoever reports on it (a chat message, a bar)."""

    started: float = field(default_factory=time.monotonic)
    phase: str = "reading"  # reading, embedding, switching, done, failed
    sources_read: int = 0
    articles: int = 0
    chunks_done: int = 0
    chunks_total: int = 0

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def rate(self) -> float:
        """Paragraphs embedded per second so far."""
        return self.chunks_done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def seconds_left(self) -> float | None:
        if self.phase != "embedding" or self.chunks_done == 0:
            return None
        return (self.chunks_total - self.chunks_done) / max(self.rate, 1e-9)


@dataclass
class ReindexReport:
    """What a finished reindex did."""

    articles: int
    paragraphs: int
    seconds: float
    errors: list[tuple[str, str]]
    generation: str
    replaced: str | None
    warnings: list[tuple[str, str]] = field(default_factory=list)  # indexed with something left out or merged


def sources_to_read(configured: Sequence[str], store: VectorStore) -> list[str]:
    """The configured sources, then what was ingested later by hand, each once."""
    return list(dict.fromkeys([*configured, *store.added_sources.all()]))


def reindex(
    sources: Sequence[str],
    embedder: Embedder,
    store: VectorStore,
    *,
    progress: ReindexProgress | None = None,
    keywords_dir: Path | None = None,
    client: httpx.Client | None = None,
    grace: float = DROP_GRACE_SECONDS,
    sparse: SparseIndex | None = None,
) -> ReindexReport:
    """Build a new generation from `sources` with `embedder`, then make it serve.

    `sources` are file or folder paths, page and feed URLs (index.ingest.loading). The old
    generation keeps answering until the new one is complete; then the pointer moves in one write
    and the old generation is dropped after `grace` seconds (readers that still hold it finish).
    Keyword statistics are computed into `keywords_dir` before the switch. With `sparse` (and a
    model with a sparse head) the new generation gets its sparse side file, dropped with it
    (index.store.sparse_index). `progress` is updated
    as it goes (articles read, paragraphs embedded). Unreadable sources are reported in the
    result, not raised. Raises ReindexRunning when another process is building a generation,
    NothingToIndex when no source gave an article,
    StoreUnavailable when the store fails (the half-built generation is dropped, the old one serves).
    """
    progress = progress or ReindexProgress()
    running = store.generations.building()
    if running is not None:
        raise ReindexRunning(f"another process is already rebuilding the index ({running}); wait for it to finish")
    collected = _read(sources, client, progress)
    articles, errors = list(collected.articles.values()), collected.errors
    if not articles:
        reasons = "; ".join(f"{source}: {reason}" for source, reason in errors[:5]) or "the sources are empty"
        raise NothingToIndex(f"no article could be read ({reasons}); the old index keeps serving")

    generation = store.new_generation(embedder.dimension, expected=sum(len(a.paragraphs) for a in articles))
    progress.phase = "embedding"
    report = IngestReport(articles=len(articles))

    def advance(done: int, total: int) -> None:
        progress.chunks_done, progress.chunks_total = done, total

    try:
        with PRIORITY.background():  # questions asked meanwhile go first
            indexing.index_articles(articles, embedder, generation, report, advance, sparse)
        progress.phase = "switching"
        KeywordIndex(generation, keywords_dir).stats()  # ready before the first question needs it
        replaced = store.activate(generation, build_seconds=progress.elapsed)
    except BaseException:
        progress.phase = "failed"
        with contextlib.suppress(Exception):
            store.generations.drop(str(generation.serving_name()))
        if sparse is not None:
            sparse.drop(generation.serving_name())
        raise
    finally:
        generation.close()
    if replaced is not None:
        _drop_later(store, replaced, grace, sparse)
    progress.phase = "done"
    log.info(
        "reindex done: articles=%d paragraphs=%d seconds=%.1f errors=%d",
        len(articles), report.chunks_added + report.chunks_unchanged, progress.elapsed, len(errors),
    )
    return ReindexReport(
        articles=len(articles),
        paragraphs=report.chunks_added + report.chunks_unchanged,
        seconds=progress.elapsed,
        errors=errors,
        generation=generation.serving_name(),
        replaced=replaced,
        warnings=collected.warnings,
    )


def _read(sources: Sequence[str], client: httpx.Client | None, progress: ReindexProgress) -> Collected:
    collected = Collected()
    for result in loading.read_sources(list(sources), client):
        progress.sources_read += 1
        collected.add(result)
        progress.articles = len(collected.articles)
    return collected


def _drop_later(store: VectorStore, name: str, grace: float, sparse: SparseIndex | None = None) -> None:
    """Drop the replaced generation (and its sparse side file) once questions already sent to it are done."""

    def drop() -> None:
        time.sleep(grace)
        try:
            store.generations.drop(name)
        except Exception as error:  # the next start's cleanup will try again
            log.warning("could not drop the replaced index generation %s: %s", name, error)
            return
        if sparse is not None:
            sparse.drop(name)

    if grace <= 0:
        drop()
    else:
        threading.Thread(target=drop, name="drop-old-generation", daemon=True).start()
