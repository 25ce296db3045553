"""Sparse "latent terms" vectors of the stored paragraphs, in a side index that follows the store.

One SQLite file per generation of the dense index (index/store/vector_store.py), named after the
generation's collection, under `$NEWSBOT_DATA_DIR/sparse/COLLECTION/`:

    vectors(id TEXT PRIMARY KEY, features BLOB, weights BLOB)   -- chunk id -> uint16 ids, float16 values
    sentences(id TEXT PRIMARY KEY, counts BLOB, features BLOB, weights BLOB)
                                                                -- chunk id -> its answer sentences' vectors:
                                                                --   uint16 features per sentence, then both concatenated
    meta(key TEXT PRIMARY KEY, value TEXT)                      -- model, head

Why not Chroma: a sparse vector has no place there but metadata, which a question could only
use by fetching it back for every candidate; a keyed table answers "the vectors of these 30
chunk ids" in well under a millisecond and is dropped with its generation as one file
(docs/sparse.md measures it at 10k paragraphs). The sentences' vectors (the answer sentences of
index.embedding.sentence_vectors, from the same forward passes) rank the sentences an answer quotes
(index.answers.quoting, docs/retrieval.md); a file written before them has no such table, and
answers then rank sentences without the signal.

It follows the dense index:
- ingest writes a batch's sparse vectors (from the same forward pass as the dense ones,
  index/embedding/sparse_embedding.py) into the file of the generation that received them; an edited
  article's stale paragraphs are removed from both (`remove`);
- `/reindex` fills the new generation's own file; the replaced generation's file goes when that
  generation is dropped (`drop`, `prune`), an unfinished build's with it;
- `forget` deletes the source's rows (`sync`: rows whose chunk the store no longer holds);
- a generation built by a model without a sparse head has no file, so the signal is off;
  a file records the model and head that wrote it and answers no other.

A question uses the signal only when every dense candidate has a vector in the serving
generation's file (an index built before this feature, or a paragraph written by a process
with another data directory, turns it off for that question instead of skewing the ranking);
`status` says how much of the index is covered.

The file is local to `$NEWSBOT_DATA_DIR`: with a Chroma server shared by several machines, only
processes sharing the data directory share the vectors; elsewhere that rule turns the signal off
(questions rank by meaning and keywords). docs/sparse.md, "Server mode".
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.retrieval import fusion
from index.domain import Chunk
from index.embedding import sentence_vectors
from index.embedding.embedder import Embedder
from index.embedding.sentence_vectors import SentenceVectors
from index.errors import IndexEmpty
from index.embedding.sparse_embedding import SparseTermsEmbedder, sparse_embedder
from index.embedding.sparse_head import SparseVector
from index.store.vector_store import VectorStore

log = logging.getLogger(__name__)

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS vectors (id TEXT PRIMARY KEY, features BLOB NOT NULL, weights BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS sentences (id TEXT PRIMARY KEY, counts BLOB NOT NULL, features BLOB NOT NULL, weights BLOB NOT NULL)",
)
_LOOKUP_BATCH = 500  # ids per SELECT ... IN (...), below SQLite's variable limit
_MAX_FEATURE = np.iinfo(np.uint16).max


@dataclass(frozen=True)
class SparseStatus:
    """How much of the serving generation has sparse vectors, for `stats`."""

    vectors: int
    paragraphs: int
    model: str | None  # the model that wrote them (None: no side file)
    sentences: int = 0  # paragraphs whose answer sentences have sparse vectors too

    @property
    def on(self) -> bool:
        return self.vectors > 0 and self.vectors >= self.paragraphs

    @property
    def sentences_on(self) -> bool:
        """Whether every paragraph's sentences have them (an index from before them: after a reindex)."""
        return self.on and self.sentences >= self.paragraphs


def signals(status: SparseStatus | None, best_sentence: bool = False) -> list[str]:
    """What questions are ranked by, for `stats` and /stats: ["dense", "keywords"], plus "sparse"
    when the serving generation's side file here holds a vector for every paragraph, plus "best
    sentence" when the index holds sentence vectors (index.retrieval.fusion.fuse_best_sentence: used
    for questions whose candidates have a paragraph of several sentences), plus "sparse sentences" when
    every paragraph's answer sentences have sparse vectors (they rank the sentences an answer quotes;
    an index written before them gets them with `newsbot reindex`)."""
    on = status is not None and status.on
    sentences = status is not None and status.sentences_on
    return ["dense", "keywords"] + (["sparse"] if on else []) + (["best sentence"] if best_sentence else []) + (["sparse sentences"] if sentences else [])


def _pack(vector: SparseVector) -> tuple[bytes, bytes]:
    if len(vector.indices) and int(vector.indices.max()) > _MAX_FEATURE:
        raise ValueError(f"sparse feature ids above {_MAX_FEATURE} do not fit the side index")
    return vector.indices.astype("<u2").tobytes(), vector.values.astype("<f2").tobytes()


def _unpack(features: bytes, weights: bytes) -> SparseVector:
    return SparseVector(
        np.frombuffer(features, dtype="<u2").astype(np.int32), np.frombuffer(weights, dtype="<f2").astype(np.float32)
    )


def _pack_group(vectors: Sequence[SparseVector]) -> tuple[bytes, bytes, bytes]:
    """One paragraph's sentence vectors as one row: their feature counts, then features and weights concatenated."""
    packed = [_pack(v) for v in vectors]
    counts = np.asarray([len(v.indices) for v in vectors], dtype="<u2").tobytes()
    return counts, b"".join(f for f, _ in packed), b"".join(w for _, w in packed)


def _unpack_group(counts: bytes, features: bytes, weights: bytes) -> list[SparseVector]:
    if not counts:
        return []  # a paragraph without answer sentences
    whole = _unpack(features, weights)
    bounds = np.cumsum(np.frombuffer(counts, dtype="<u2"), dtype=np.int64)
    return [SparseVector(i, v) for i, v in zip(np.split(whole.indices, bounds[:-1]), np.split(whole.values, bounds[:-1]), strict=True)]


class SparseIndex:
    """The side files of one dense index (one `VectorStore` base name)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._readers = threading.local()  # per thread: path -> (inode, connection), see _reading

    def path(self, generation: str) -> Path:
        return self.directory / f"{generation}.sqlite3"

    @contextlib.contextmanager
    def _open(self, generation: str, create: bool = False) -> Iterator[sqlite3.Connection | None]:
        path = self.path(generation)
        if not create and not path.exists():
            yield None
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, timeout=30.0)
        try:
            if create:
                connection.execute("PRAGMA journal_mode=WAL")
                for statement in _SCHEMA:
                    connection.execute(statement)
            with connection:  # one transaction: committed on success, rolled back on error
                yield connection
        finally:
            connection.close()

    @contextlib.contextmanager
    def _reading(self, generation: str) -> Iterator[sqlite3.Connection | None]:
        """A connection for reads (None: no side file), kept per thread and file.

        A question reads the side file three times; opening a connection each time cost as much as
        the reads. A kept connection sees every commit, as long as each read runs to its last row
        (no transaction stays open between reads). It is replaced when the file at the path is
        another one (dropped and written anew: a new inode, since the kept connection holds the old
        one open), and a dropped file's connection is closed when this thread next opens one, so
        the disk space of replaced generations is given back.
        """
        path = self.path(generation)
        kept: dict[Path, tuple[int, sqlite3.Connection]] = self._readers.__dict__.setdefault("connections", {})
        try:
            inode = path.stat().st_ino
        except FileNotFoundError:
            inode = None
        held = kept.get(path)
        if inode is None or held is None or held[0] != inode:
            for other in [p for p in kept if p == path or not p.exists()]:
                kept.pop(other)[1].close()
            if inode is None:
                yield None
                return
            held = (inode, sqlite3.connect(path, timeout=30.0))
            kept[path] = held
        yield held[1]

    # --- writing ------------------------------------------------------------------

    def add(
        self,
        store: VectorStore,
        ids: Sequence[str],
        vectors: Sequence[SparseVector],
        model: str,
        sentences: Sequence[Sequence[SparseVector]] | None = None,
    ) -> None:
        """Store the sparse vectors of chunks just written to `store` (same order as `ids`), and with
        `sentences` each chunk's answer sentences' vectors (in the order of its sentence spans).
        Raises ValueError when the lengths differ."""
        if len(ids) != len(vectors) or (sentences is not None and len(sentences) != len(ids)):
            raise ValueError("one sparse vector (and one list of sentence vectors) per chunk id")
        if not ids:
            return
        generation = store.serving_name()  # after the dense write: a first write creates the generation
        with self._open(generation, create=True) as db:
            assert db is not None
            stored = dict(db.execute("SELECT key, value FROM meta").fetchall())
            if stored and stored.get("model") != model:
                log.warning("sparse vectors of %s are not stored in %s's side index", model, stored.get("model"))
                return
            if not stored:
                db.execute("INSERT INTO meta VALUES ('model', ?)", (model,))
            db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", [(i, *_pack(v)) for i, v in zip(ids, vectors, strict=True)])
            if sentences is not None:
                rows = [(i, *_pack_group(group)) for i, group in zip(ids, sentences, strict=True)]
                db.executemany("INSERT OR REPLACE INTO sentences VALUES (?, ?, ?, ?)", rows)

    def remove(self, store: VectorStore, ids: Sequence[str]) -> None:
        """Delete chunks' vectors (the paragraphs an edited article no longer has)."""
        if not ids:
            return
        with self._open(store.serving_name()) as db:
            if db is not None:
                _ensure_schema(db)
                for table in ("vectors", "sentences"):
                    db.executemany(f"DELETE FROM {table} WHERE id = ?", [(i,) for i in ids])

    def sync(self, store: VectorStore) -> int:
        """Delete the vectors of chunks the serving generation no longer holds (after `forget`); how many."""
        try:
            generation = store.serving_name()
            held = {chunk_id for page in store.pages([]) for chunk_id in page["ids"]}
        except IndexEmpty:
            return 0
        with self._open(generation) as db:
            if db is None:
                return 0
            _ensure_schema(db)
            gone = [row[0] for row in db.execute("SELECT id FROM vectors") if row[0] not in held]
            for table in ("vectors", "sentences"):
                db.executemany(f"DELETE FROM {table} WHERE id = ?", [(i,) for i in gone])
        return len(gone)

    def drop(self, generation: str) -> None:
        """Delete a generation's side file (the generation was dropped)."""
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path(generation)}{suffix}").unlink(missing_ok=True)

    def prune(self, store: VectorStore) -> list[str]:
        """Delete the side files of generations the store no longer has; their names."""
        if not self.directory.exists():
            return []
        existing = set(store.generations.all())
        orphans = [p.name.removesuffix(".sqlite3") for p in self.directory.glob("*.sqlite3")]
        orphans = [name for name in orphans if name not in existing]
        for name in orphans:
            self.drop(name)
        return orphans

    # --- reading ------------------------------------------------------------------

    def model_of(self, generation: str) -> str | None:
        """The model that wrote the generation's sparse vectors (None: no side file)."""
        with self._reading(generation) as db:
            return None if db is None else _writer(db)

    def lookup(self, generation: str, ids: Sequence[str], model: str) -> list[SparseVector] | None:
        """The vectors of `ids` in order; None unless every one is there, written by `model`."""
        with self._reading(generation) as db:
            if db is None or _writer(db) != model:
                return None
            rows = _rows_of(db, "SELECT id, features, weights FROM vectors", ids)
            found = {chunk_id: _unpack(features, weights) for chunk_id, features, weights in rows}
        if any(i not in found for i in ids):
            return None
        return [found[i] for i in ids]

    def sentence_lookup(self, generation: str, ids: Sequence[str], model: str) -> dict[str, list[SparseVector]]:
        """Chunk id → its answer sentences' vectors, for the `ids` that have them (written by `model`)."""
        found: dict[str, list[SparseVector]] = {}
        with self._reading(generation) as db:
            if db is None:
                return found
            tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if _writer(db) != model or "sentences" not in tables:  # written before sentence vectors
                return found
            for chunk_id, counts, features, weights in _rows_of(db, "SELECT id, counts, features, weights FROM sentences", ids):
                found[chunk_id] = _unpack_group(counts, features, weights)
        return found

    def count(self, generation: str, table: str = "vectors") -> int:
        """Rows in the generation's `vectors` (paragraphs) or `sentences` (paragraphs' sentence groups) table."""
        if table not in ("vectors", "sentences"):
            raise ValueError(f"no table {table!r} in a sparse side file")
        with self._reading(generation) as db:
            if db is None or not db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchall():
                return 0
            return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchall()[0][0])

    def status(self, store: VectorStore) -> SparseStatus:
        """Vectors in the serving generation's side file against its paragraphs."""
        try:
            generation = store.serving_name()
            paragraphs = store.info().chunks
        except IndexEmpty:
            return SparseStatus(0, 0, None)
        return SparseStatus(self.count(generation), paragraphs, self.model_of(generation), self.count(generation, "sentences"))


def _writer(db: sqlite3.Connection) -> str | None:
    """The model (and head) that wrote a side file; every row read (a kept connection keeps no statement open)."""
    rows = db.execute("SELECT value FROM meta WHERE key = 'model'").fetchall()
    return str(rows[0][0]) if rows else None


def _rows_of(db: sqlite3.Connection, select: str, ids: Sequence[str]) -> Iterator[tuple[Any, ...]]:
    """The rows `select` ("SELECT id, … FROM table") gives for `ids` (each once), in batches below SQLite's variable limit."""
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), _LOOKUP_BATCH):
        batch = unique[start : start + _LOOKUP_BATCH]
        yield from db.execute(f"{select} WHERE id IN ({','.join('?' * len(batch))})", batch)


def _ensure_schema(db: sqlite3.Connection) -> None:
    """The tables of today's schema in a file written before some of them (the sentences table)."""
    for statement in _SCHEMA:
        db.execute(statement)


def scores(query: SparseVector, vectors: Sequence[SparseVector]) -> list[float]:
    """The sparse dot product of the query with each vector, divided by that vector's L2 norm
    (max-pooling gives longer paragraphs larger values; tuned in scripts/dev/tune_fusion.py)."""
    if not len(query.indices):
        return [0.0] * len(vectors)
    if not vectors:
        return []
    dense = np.zeros(int(query.indices.max()) + 1, dtype=np.float32)
    dense[query.indices] = query.values
    # All vectors at once (one numpy pass instead of a few small ones per vector: 0.4 ms a question).
    lengths = [len(vector.indices) for vector in vectors]
    indices = np.concatenate([vector.indices for vector in vectors])
    values = np.concatenate([vector.values for vector in vectors]).astype(np.float32, copy=False)
    owner = np.repeat(np.arange(len(vectors)), lengths)
    matched = np.where(indices < len(dense), dense[np.minimum(indices, len(dense) - 1)], 0.0) * values
    dots = np.bincount(owner, weights=matched, minlength=len(vectors))
    norms = np.sqrt(np.bincount(owner, weights=values.astype(np.float64) ** 2, minlength=len(vectors)))
    norms[norms == 0] = 1.0
    return [float(x) for x in dots / norms]


# --- the hooks ingest and questions call ----------------------------------------------


def signature(terms: SparseTermsEmbedder) -> str:
    """What a side file records as its writer: the model and its head."""
    return f"{terms.name} {terms.head_name}"


@dataclass(frozen=True)
class IndexVectors:
    """What ingest stores for a batch of chunks: dense [n, D], their sentence vectors as
    index.embedding.sentence_vectors.embed_chunks makes them (None when the embedder makes none), and,
    with a side index and a model with a sparse head, the sparse vectors of each paragraph and of each
    of its answer sentences (else None), all from the same forward passes."""

    dense: np.ndarray
    sentences: list[SentenceVectors | None] | None
    sparse: list[SparseVector] | None = None
    sentence_sparse: list[list[SparseVector]] | None = None

    @classmethod
    def joined(cls, parts: Sequence[IndexVectors]) -> IndexVectors:
        """The parts of one batch (embedded slice by slice) as one; a kind of vector some part lacks is None."""

        def join(lists: list[Any]) -> list[Any] | None:
            return None if any(part is None for part in lists) else [item for part in lists for item in part]

        return cls(
            np.concatenate([p.dense for p in parts]),
            join([p.sentences for p in parts]),
            join([p.sparse for p in parts]),
            join([p.sentence_sparse for p in parts]),
        )


def embed_for_index(embedder: Embedder, chunks: Sequence[Chunk], sparse: SparseIndex | None) -> IndexVectors:
    """The vectors to store for `chunks` (IndexVectors)."""
    terms = sparse_embedder(embedder) if sparse is not None else None
    if terms is None:
        dense, sentences = sentence_vectors.embed_chunks(embedder, chunks)
        return IndexVectors(dense, sentences)
    spans = [sentence_vectors.sentence_spans(c.text, c.language) for c in chunks]
    dense, grouped, vectors, sentence_terms = terms.embed_passages_sentences_and_sparse([c.text for c in chunks], spans)
    return IndexVectors(dense, [SentenceVectors(tuple(s), v) for s, v in zip(spans, grouped, strict=True)], vectors, sentence_terms)


def store_vectors(
    sparse: SparseIndex | None,
    store: VectorStore,
    embedder: Embedder,
    ids: Sequence[str],
    vectors: list[SparseVector] | None,
    sentences: list[list[SparseVector]] | None = None,
) -> None:
    """After a dense write: the same chunks' sparse vectors (and their sentences') into the generation's side file."""
    terms = sparse_embedder(embedder)
    if sparse is not None and vectors is not None and terms is not None:
        sparse.add(store, ids, vectors, signature(terms), sentences)


@dataclass(frozen=True)
class SparseQuery:
    """A question's sparse vector and the side file it is to be scored against."""

    vector: SparseVector
    generation: str
    writer: str


def embed_question(
    embedder: Embedder,
    text: str,
    store: VectorStore,
    sparse: SparseIndex | None,
    on_dense: Callable[[np.ndarray], object] | None = None,
) -> tuple[np.ndarray, SparseQuery | None]:
    """The question's dense vector, and its sparse one from the same pass when the serving
    generation has sparse vectors of this model (else None, and no head runs). `on_dense` gets the
    dense vector before the head runs; never when no head runs, nor for a background job's question
    (SparseTermsEmbedder.embed_query_sparse), so a caller must be ready to query the store itself."""
    terms = sparse_embedder(embedder) if sparse is not None else None
    if sparse is None or terms is None:
        return embedder.embed_query(text), None
    try:
        generation = store.current_name()
    except IndexEmpty:
        return embedder.embed_query(text), None
    if sparse.model_of(generation) != signature(terms):
        return embedder.embed_query(text), None
    dense, vector = terms.embed_query_sparse(text, on_dense)
    return dense, SparseQuery(fusion.strongest(vector), generation, signature(terms))


def sentence_scores(
    query: SparseQuery | None, sparse: SparseIndex | None, sentences: Sequence[tuple[str, int, int]]
) -> list[float] | None:
    """The question's sparse score (`scores`) of each sentence, given as (chunk id, position among its
    paragraph's answer sentences, how many answer sentences the paragraph has); None without a sparse query,
    or when a sentence has no stored vector (an index written before them) or its paragraph's stored
    vectors are not one per answer sentence (split otherwise when stored), so that a partial or
    misplaced signal never skews the choice."""
    if query is None or sparse is None or not sentences:
        return None
    stored = sparse.sentence_lookup(query.generation, [chunk_id for chunk_id, _, _ in sentences], query.writer)
    vectors = []
    for chunk_id, position, count in sentences:
        group = stored.get(chunk_id)
        if group is None or len(group) != count or position >= count:
            return None
        vectors.append(group[position])
    return scores(query.vector, vectors)


def candidate_vectors(chunks: Sequence[Chunk], query: SparseQuery | None, sparse: SparseIndex | None) -> list[SparseVector] | None:
    """The candidates' stored sparse vectors, in order; None without a sparse query, or when a
    candidate has none (then the signal is left out rather than skewing the ranking)."""
    if query is None or sparse is None:
        return None
    return sparse.lookup(query.generation, [c.id for c in chunks], query.writer)


def rerank(
    base: Sequence[float],
    chunks: Sequence[Chunk],
    question_language: str | None,
    query: SparseQuery | None,
    vectors: Sequence[SparseVector] | None,
) -> list[float]:
    """The candidates' scores with the sparse signal fused in (index.retrieval.fusion); `base` unchanged
    when there is no sparse query or no stored `vectors` (from `candidate_vectors`)."""
    if query is None or vectors is None:
        return list(base)
    weights = [fusion.sparse_weight(question_language, c.language) for c in chunks]
    return fusion.fuse(base, scores(query.vector, vectors), weights)
