"""Indexing: read sources, split their articles into chunks, embed the new ones, store them.

Unchanged paragraphs are never embedded again (chunk ids are content hashes), an article whose
text changed loses the paragraphs it no longer has, and one source's errors never undo what
another source added. `index.ingest.rebuild` uses the same path for a whole new generation.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Sequence

import httpx
import numpy as np

from index.domain import Article, Chunk, IngestReport
from index.embedding.embedder import Embedder
from index.ingest import loading, story_ids
from index.ingest.articles import Collected
from index.ingest.splitting import chunk_article
from index.store.chunk_records import chunk_metadata
from index.store.sparse_index import IndexVectors, SparseIndex, embed_for_index, store_vectors
from index.store.vector_store import VectorStore

Progress = Callable[[int, int], None]  # (chunks done, chunks in all)
INGEST_BATCH_CHUNKS = 512


def ingest(
    sources: Sequence[str],
    embedder: Embedder,
    store: VectorStore,
    *,
    progress: Progress | None = None,
    client: httpx.Client | None = None,
    sparse: SparseIndex | None = None,
) -> IngestReport:
    """Read, split, embed and store every article the sources hold.

    Unchanged paragraphs are not embedded again; an article whose text changed
    loses the paragraphs it no longer has. Errors are reported per source and
    never undo what is already indexed. With `sparse`, the paragraphs' sparse vectors are kept
    in its side file too (see index_articles).
    """
    collected = Collected()
    for result in loading.read_sources(list(sources), client):
        collected.add(result)
    articles = collected.articles
    report = IngestReport(errors=collected.errors, warnings=collected.warnings)
    report.articles = len(articles)
    index_articles(list(articles.values()), embedder, store, report, progress, sparse)
    read = [spec for spec in sources if any(a.origin == spec for a in articles.values())]
    if read:  # a later reindex reads them again
        store.added_sources.add(read)
    return report


def index_articles(
    articles: Sequence[Article],
    embedder: Embedder,
    store: VectorStore,
    report: IngestReport,
    progress: Progress | None = None,
    sparse: SparseIndex | None = None,
) -> None:
    """Embed and store articles in batches, updating `report` as it goes (sparse vectors too, from
    the paragraphs' same forward pass, when a side index is given and the model has a sparse head:
    index.store.sparse_index).

    An article whose metadata the store would not accept (see index.store.chunk_records) is
    reported in `report.errors` and skipped; the others are indexed.
    """
    checked: list[tuple[Article, list[Chunk]]] = []
    for article in articles:
        chunks = chunk_article(article, embedder.max_tokens, embedder.count_tokens)
        try:
            for chunk in chunks:
                chunk_metadata(chunk)
        except ValueError as error:
            report.errors.append((article.source, f"not indexed: {error}"))
            continue
        checked.append((article, chunks))
    articles = [article for article, _ in checked]
    per_article = [chunks for _, chunks in checked]
    total = sum(len(chunks) for chunks in per_article)
    done = 0
    if progress:
        progress(0, total)
    for batch in _batches(zip(articles, per_article, strict=True), INGEST_BATCH_CHUNKS):
        chunks = [chunk for _, article_chunks in batch for chunk in article_chunks]
        advance = functools.partial(_advance, progress, done, total) if progress else None
        _store_batch([a.id for a, _ in batch], chunks, embedder, store, report, advance, sparse)
        done += len(chunks)
        if progress:
            progress(done, total)


def _advance(progress: Progress, before: int, total: int, embedded: int) -> None:
    progress(before + embedded, total)


def _batches(
    items: Iterable[tuple[Article, list[Chunk]]], max_chunks: int
) -> Iterable[list[tuple[Article, list[Chunk]]]]:
    batch: list[tuple[Article, list[Chunk]]] = []
    size = 0
    for item in items:
        batch.append(item)
        size += len(item[1])
        if size >= max_chunks:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


PROGRESS_SLICE = 64  # paragraphs embedded between two progress reports (a /reindex message moves)


def _store_batch(
    article_ids: list[str],
    chunks: list[Chunk],
    embedder: Embedder,
    store: VectorStore,
    report: IngestReport,
    advance: Callable[[int], None] | None = None,
    sparse: SparseIndex | None = None,
) -> None:
    unique = list({c.id: c for c in chunks}.values())
    stories: dict[str, str] = {}
    known = store.ids_of_articles(article_ids, stories)
    report.new_articles.extend(a for a in article_ids if a not in known)
    existing = store.existing_ids([c.id for c in unique])
    new = [c for c in unique if c.id not in existing]
    if new:
        parts: list[IndexVectors] = []
        for begin in range(0, len(new), PROGRESS_SLICE):
            parts.append(embed_for_index(embedder, new[begin : begin + PROGRESS_SLICE], sparse))
            if advance is not None:
                advance(len(unique) - len(new) + begin + len(parts[-1].dense))
        batch = IndexVectors.joined(parts)
        embedded = batch.dense
        stories.update(_new_stories(new, embedded, known, store))
        new = [dataclasses.replace(c, story=stories.get(c.article_id)) for c in new]
        store.upsert(new, embedded, batch.sentences)
        store_vectors(sparse, store, embedder, [c.id for c in new], batch.sparse, batch.sentence_sparse)
    keep = {c.id for c in unique}
    stale = [cid for ids in known.values() for cid in ids if cid not in keep]
    store.delete(stale)
    if sparse is not None:
        sparse.remove(store, stale)
    report.chunks_added += len(new)
    report.chunks_unchanged += len(unique) - len(new)
    report.chunks_removed += len(stale)


STORY_NEIGHBOURS = 4  # stored paragraphs compared with each new one (copies of one story share a story id, so a few suffice)


def _new_stories(
    chunks: Sequence[Chunk], vectors: np.ndarray, known: dict[str, set[str]], store: VectorStore
) -> dict[str, str]:
    """Story ids (index.ingest.story_ids) of the articles among `chunks` that are not stored yet."""
    rows: dict[str, list[int]] = {}
    for row, chunk in enumerate(chunks):
        if chunk.article_id not in known:
            rows.setdefault(chunk.article_id, []).append(row)
    if not rows:
        return {}
    flat = [row for article_rows in rows.values() for row in article_rows]
    found = store.nearest(vectors[flat], STORY_NEIGHBOURS)
    nearby: list[list[list[story_ids.StoredParagraph]]] = []
    articles: list[story_ids.NewArticle] = []
    at = 0
    for article_id, article_rows in rows.items():
        first = chunks[article_rows[0]]
        articles.append(
            story_ids.NewArticle(
                article_id,
                first.published,
                vectors[article_rows],
                [chunks[r].language for r in article_rows],
                [len(chunks[r].text.split()) for r in article_rows],
                first.source_name,
            )
        )
        nearby.append(found[at : at + len(article_rows)])
        at += len(article_rows)
    return story_ids.assign_stories(articles, nearby)


def forget(source: str, store: VectorStore, sparse: SparseIndex | None = None) -> int:
    """Remove a source's paragraphs (and their sparse vectors) and stop reading it on reindex; how many paragraphs went."""
    removed = store.forget(source)
    if sparse is not None and removed:
        sparse.sync(store)
    store.added_sources.remove(source)
    return removed
