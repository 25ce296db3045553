"""The answering half of the question path: retrieved passages in, an Answer with quotes out.

Retrieval (index.retrieval.search) ranks passages; this module decides whether they answer the
question at all and which of their sentences to quote (the choice itself is the pure
index.answers.extractive; here its sentence vectors are computed).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np

from index.embedding import sentence_vectors
from index.answers import extractive, recency
from index.domain import Answer, IndexHoldings, Passage, Quote
from index.embedding.embedder import Embedder
from index.retrieval import fusion
from index.retrieval.search import Asked, Retrieved, keyword_bonuses
from index.embedding.sentence_vectors import SentenceVectors
from index.store import sparse_index
from index.store.sparse_index import SparseIndex

# Passages retrieved so that answer sentences may come from beyond the k shown.
POOL = extractive.ANSWER_PASSAGES + extractive.EXTRA_PASSAGES


def refusal(asked: Asked, holdings: IndexHoldings | None = None) -> Answer:
    """The "no relevant passage" answer; `holdings` (what the index holds) is for the hint."""
    return Answer(asked.text, (), (), asked.reply_language, asked.analysis.type, holdings)


def quote(
    retrieved: Retrieved,
    embedder: Embedder,
    *,
    k: int,
    min_score: float,
    refuse: bool = True,
    stored: Callable[[Sequence[str]], dict[str, SentenceVectors]] | None = None,
    sparse: SparseIndex | None = None,
) -> Answer:
    """Quote the sentences that answer the question, from the `k` best passages (and a few more).

    When even the best passage's cosine is below `min_score` (the scale of Passage.score), or no
    top passage has the question's focus (extractive.lacks_focus), the answer is "not found" with
    no passage shown; `refuse=False` answers the latter anyway (the evaluation measures refusals
    apart); the caller adds the index's holdings to a refusal. Candidate sentences' vectors come
    from `retrieved.sentences` (read for the ranking), else from `stored` (chunk ids → their sentence
    vectors made at ingest, e.g. VectorStore.sentence_vectors); one without (an index built before them) is embedded here, or reuses its passage's vector when it
    is the whole passage (index.embedding.sentence_vectors.similarities). With `sparse` (the side index
    retrieval scored the question's sparse vector against, `retrieved.terms`) the sentences' own sparse
    vectors stored at ingest add the sparse signal to each sentence's score (index.retrieval.fusion.fuse,
    weight extractive.SENTENCE_TERMS_WEIGHT; left out when a candidate has none, and then the second quote's
    margin is the plain one). Returns an Answer whose quotes
    point into its passages: the k shown plus any pool passage a quote comes from, appended.
    """
    asked = retrieved.asked
    analysis = asked.analysis
    shown = retrieved.passages[:k]
    if not extractive.answerable(shown, asked.language, min_score) or (refuse and extractive.lacks_focus(analysis, shown)):
        return refusal(asked)
    pool, vectors, scores, kept = answer_pool(retrieved, max(k, POOL))
    candidates = extractive.candidate_sentences(pool, analysis, extra=extractive.EXTRA_PASSAGES + kept)
    wanted = sorted({pool[c.passage].chunk.id for c in candidates})
    known = {i: retrieved.sentences[i] for i in wanted if i in retrieved.sentences}
    if stored is not None and len(known) < len(wanted) and not retrieved.sentences:  # not read while ranking
        known = stored(wanted)
    similarities = sentence_vectors.similarities(retrieved.query, candidates, pool, known, vectors, embedder)
    sentences = [(c.text, pool[c.passage].chunk.language) for c in candidates]
    bonus = extractive.SENTENCE_KEYWORD_SHARE * np.asarray(
        keyword_bonuses(asked.text, asked.language, sentences, retrieved.stats), dtype=np.float32
    )
    bonus += np.asarray(extractive.sentence_evidence(analysis, candidates, pool), dtype=np.float32)
    sentence_scores = similarities + bonus
    keys = [(pool[c.passage].chunk.id, c.position, c.siblings) for c in candidates]  # where each one's sparse vector is stored
    terms = sparse_index.sentence_scores(retrieved.terms, sparse, keys)
    margin = extractive.PLAIN_SECOND_QUOTE_MARGIN
    if terms is not None:
        weights = [extractive.SENTENCE_TERMS_WEIGHT] * len(candidates)
        sentence_scores = np.asarray(fusion.fuse(sentence_scores.tolist(), terms, weights), dtype=np.float32)
        margin = extractive.SECOND_QUOTE_MARGIN
    quotes = extractive.choose_quotes(candidates, sentence_scores, scores, analysis, pool, margin)
    quotes = recency.lead_quotes(quotes, candidates, sentence_scores, scores, analysis, pool)  # the current report first
    passages, quotes = _with_quoted(shown, pool, quotes)
    return Answer(asked.text, quotes, passages, asked.reply_language, analysis.type)


def answer_pool(retrieved: Retrieved, size: int) -> tuple[tuple[Passage, ...], tuple[np.ndarray, ...], list[float], int]:
    """The passages answer sentences may come from (the first `size` retrieved), with their vectors and
    fused scores, and how many of them the sparse signal had pushed out of the top POOL.

    Without the sparse signal that is `retrieved`'s first `size`; with it, the passages that were
    in the top POOL before the fusion stay candidates for typed answer sentences (a date, a number)
    right after the fused top POOL (index.retrieval.fusion.answer_pool).
    """
    if not retrieved.unfused:
        return retrieved.passages[:size], retrieved.vectors[:size], list(retrieved.scores[:size]), 0
    passages = [*retrieved.passages, *(p for p, _, _ in retrieved.displaced)]
    vectors = [*retrieved.vectors, *(v for _, v, _ in retrieved.displaced)]
    scores = [*retrieved.scores, *(s for _, _, s in retrieved.displaced)]
    order, kept = fusion.answer_pool(range(len(retrieved.passages)), retrieved.unfused, size, POOL)
    return tuple(passages[i] for i in order), tuple(vectors[i] for i in order), [scores[i] for i in order], kept


def _with_quoted(
    passages: tuple[Passage, ...], pool: tuple[Passage, ...], quotes: tuple[Quote, ...]
) -> tuple[tuple[Passage, ...], tuple[Quote, ...]]:
    """The shown passages plus any pool passage a quote comes from (appended), quotes renumbered to them."""
    shown = list(passages)
    renumbered = []
    for quote_ in quotes:
        passage = pool[quote_.passage]
        if passage not in shown:
            shown.append(passage)
        renumbered.append(dataclasses.replace(quote_, passage=shown.index(passage)))
    return tuple(shown), tuple(renumbered)
