"""From a question to ranked passages: read it, embed it, ask the store, fuse the signals.

This is the retrieval half of the question path (the answering half is index.answers.quoting).
"More passages", the written answers, the evaluation and the benchmark call it directly when
they need passages and no quotes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from index.answers import extractive, recency
from index.domain import Chunk, Passage
from index.embedding.embedder import Embedder
from index.embedding.sentence_vectors import SentenceVectors
from index.errors import QuestionError
from index.retrieval import fusion, language, questions
from index.retrieval.keywords import TermStats, keyword_bonus
from index.store.keyword_index import KeywordIndex
from index.store.sparse_index import SparseIndex, SparseQuery, candidate_vectors, embed_question, rerank
from index.store.vector_store import VectorStore

CANDIDATES = 30  # dense candidates the keyword signal may reorder
# Threads that query the store while the asking thread projects the question's sparse vector, and read the
# candidates' sentence vectors while it scores their words; a few, for questions from several chats at once.
_STORE_READS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="store-reads")


@dataclass(frozen=True)
class Asked:
    """A question as read: cleaned text, detected language, the language to reply in, its analysis."""

    text: str
    language: str | None  # detected (ISO 639-1), None when too short to tell
    reply_language: str  # "en" or "de": see index.retrieval.language.reply_language_for
    analysis: questions.QuestionAnalysis


@dataclass(frozen=True)
class Retrieved:
    """The passages retrieved for a question, best first.

    `passages[i]` has the stored vector `vectors[i]` (unit length, shape (dim,)) and the fused
    score `scores[i]`: its cosine to the question (−1..1, in practice 0.7..0.9 for e5 models)
    plus the keyword bonus and the typed-evidence bonus (each 0..~0.05). `passages[i].score`
    keeps the cosine alone, which the "not found" threshold is compared with.
    """

    asked: Asked
    query: np.ndarray  # the question's vector, unit length, shape (dim,)
    passages: tuple[Passage, ...]
    vectors: tuple[np.ndarray, ...]
    scores: tuple[float, ...]
    stats: TermStats | None  # the keyword statistics used (None: no keyword signal)
    # With the sparse or best-sentence signal: the first `depth` passages as ranked without them (cosine +
    # keywords + typed evidence), as positions in `passages + displaced`; `displaced` holds those of them
    # the signals pushed below `depth`, as (passage, vector, fused score). Both empty without them.
    # index.answers.quoting keeps them in the answer pool (index.retrieval.fusion.answer_pool).
    unfused: tuple[int, ...] = ()
    displaced: tuple[tuple[Passage, np.ndarray, float], ...] = ()
    # The candidates' sentence vectors as stored at ingest, by chunk id (read once for the ranking, reused
    # by the answer step); empty when the index has none, with best_sentence=False, or when no keyword or
    # sparse signal asked for CANDIDATES.
    sentences: Mapping[str, SentenceVectors] = field(default_factory=dict)
    # The question's sparse vector and the side file it was scored against (None without the sparse
    # signal); the answer step scores candidate sentences with it (index.answers.quoting).
    terms: SparseQuery | None = None


def clean_question(question: str, max_chars: int) -> str:
    """The question as it will be embedded, or QuestionError saying how to ask instead."""
    # Zero-width and other invisible format characters count as white space here.
    text = " ".join("".join(" " if unicodedata.category(ch) == "Cf" else ch for ch in question).split())
    if not text:
        raise QuestionError("empty", "the question is empty: ask something like “When is the Budapest meeting?”")
    if len(text) > max_chars:
        raise QuestionError(
            "too_long",
            f"the question is too long ({len(text)} characters, at most {max_chars}): shorten it",
            len(text),
            max_chars,
        )
    if not any(ch.isalnum() for ch in text):
        raise QuestionError("no_words", "the question has no words in it: ask something like “When is the Budapest meeting?”")
    return text


def read_question(question: str, max_chars: int) -> Asked:
    """Clean, detect the language of and analyse a question. Raises QuestionError (empty, too long, no words)."""
    text = clean_question(question, max_chars)
    detected = language.detect(text)
    return Asked(text, detected, language.reply_language_for(detected), questions.analyze(text, detected))


def retrieve(
    asked: Asked,
    embedder: Embedder,
    store: VectorStore,
    *,
    depth: int,
    keywords: KeywordIndex | None = None,
    sparse: SparseIndex | None = None,
    best_sentence: bool = True,
) -> Retrieved:
    """The `depth` best passages for a question, by meaning, keywords and typed evidence.

    The store returns the closest paragraphs by meaning (at least CANDIDATES of them when
    keyword statistics are given, so that the BM25 bonus of index.retrieval.keywords can reorder
    them); the question's expected answer type near its focus adds evidence
    (index.answers.extractive.passage_evidence). With a sparse side index whose serving generation
    has vectors of this model, the question's sparse "latent terms" score is fused in too
    (index.store.sparse_index.rerank, index.retrieval.fusion): then CANDIDATES are fetched as well,
    and the question's dense and sparse vectors come from one forward pass. When the index holds
    sentence vectors (index.embedding.sentence_vectors), each candidate's best sentence cosine is
    fused in last (index.retrieval.fusion.fuse_best_sentence; one more store read; `best_sentence=False`
    turns it off). Copies of one story
    from several outlets are folded into one passage and the newest report of the best passage's
    story leads (index.answers.recency).

    Raises StoreUnavailable / IndexEmpty (index.errors) from the store.
    """
    stats = keywords.stats() if keywords is not None else None
    # With the sparse head, the candidates are gathered on another thread as soon as the dense vector exists,
    # while this one projects the token states: numpy's product and Chroma's query both let go of the GIL.
    early: list[Future[_Candidates]] = []

    def gather_early(dense: np.ndarray) -> None:  # the head runs: query_terms will be set, CANDIDATES wanted
        early.append(_STORE_READS.submit(_gather, asked, dense, store, embedder.name, max(depth, CANDIDATES), stats, best_sentence))

    query, query_terms = embed_question(embedder, asked.text, store, sparse, on_dense=gather_early)  # one forward pass
    reranked = stats is not None or query_terms is not None
    if early:
        candidates = early[0].result()
    else:
        count = max(depth, CANDIDATES if reranked else depth)
        candidates = _gather(asked, query, store, embedder.name, count, stats, reranked and best_sentence)
    hits, base, sentence_read = candidates.hits, candidates.base, candidates.sentence_read
    chunks = [passage.chunk for passage, _ in hits]
    fused = rerank(base, chunks, asked.language, query_terms, candidate_vectors(chunks, query_terms, sparse))
    sentences: Mapping[str, SentenceVectors] = sentence_read.result() if sentence_read is not None else {}
    # The candidates' best sentences (stored at ingest) as a signal of their own; where no candidate has more than
    # one sentence, each one's best sentence is the paragraph itself and the signal would only count the cosine twice.
    if any(len(found.vectors) > 1 for found in sentences.values()):
        best = fusion.best_sentence(query, [_vectors(sentences.get(c.id)) for c in chunks], [p.score for p, _ in hits])
        fused = fusion.fuse_best_sentence(fused, best)
    ranked = sorted(range(len(hits)), key=lambda i: fused[i], reverse=True)
    # Copies from other outlets folded into one passage, the newest report of a story first.
    margin = recency.scaled_margin(base, fused)
    arranged = recency.arrange([p for p, _ in hits], np.stack([v for _, v in hits]), ranked, asked.text, scores=fused, margin=margin)
    order = arranged.order[:depth]
    unfused: tuple[int, ...] = ()
    displaced: list[int] = []
    if fused != base:  # the sparse or best-sentence signal ranked: keep the ranking without them for the answer pool
        shown = set(arranged.order)  # folded copies stay folded
        before = [i for i in sorted(range(len(hits)), key=lambda i: base[i], reverse=True) if i in shown][:depth]
        displaced = [i for i in before if i not in order]
        position = {hit: at for at, hit in enumerate([*order, *displaced])}
        unfused = tuple(position[i] for i in before)
    return Retrieved(
        asked,
        query,
        tuple(arranged.passages[i] for i in order),
        tuple(hits[i][1] for i in order),
        tuple(fused[i] for i in order),
        stats,
        unfused,
        tuple((arranged.passages[i], hits[i][1], fused[i]) for i in displaced),
        sentences,
        query_terms,
    )


@dataclass(frozen=True)
class _Candidates:
    """The store's closest paragraphs with their vectors, each one's cosine plus keyword bonus plus typed
    evidence (`base`), and the read of their sentence vectors under way (None when not wanted)."""

    hits: list[tuple[Passage, np.ndarray]]
    base: list[float]
    sentence_read: Future[dict[str, SentenceVectors]] | None


def _gather(
    asked: Asked, query: np.ndarray, store: VectorStore, model: str, count: int, stats: TermStats | None, with_sentences: bool
) -> _Candidates:
    """Ask the store for `count` candidates and score their words. Their sentence vectors are read on another
    thread meanwhile: Chroma lets go of the GIL while it reads (a second store call, 1-2 ms). The sparse side
    file is read by the caller: a local SQLite lookup whose decoding would contend for the GIL."""
    hits = store.query(query, count, model=model)
    chunks = [passage.chunk for passage, _ in hits]
    sentence_read = _STORE_READS.submit(store.sentence_vectors, [c.id for c in chunks]) if with_sentences else None
    bonuses = keyword_bonuses(asked.text, asked.language, chunks, stats)
    typed = extractive.passage_evidence(asked.analysis, chunks)
    base = [p.score + bonus + extra for (p, _), bonus, extra in zip(hits, bonuses, typed, strict=True)]
    return _Candidates(hits, base, sentence_read)


def _vectors(sentences: SentenceVectors | None) -> np.ndarray | None:
    return None if sentences is None else sentences.vectors


def keyword_bonuses(
    question: str, question_language: str | None, documents: Sequence[Chunk | tuple[str, str | None]], stats: TermStats | None
) -> list[float]:
    """The keyword bonus of each document (zeros without statistics); documents are chunks or (text, language)."""
    if stats is None:
        return [0.0] * len(documents)
    pairs = [(d.text, d.language) if isinstance(d, Chunk) else d for d in documents]
    return keyword_bonus(question, question_language, pairs, stats)
