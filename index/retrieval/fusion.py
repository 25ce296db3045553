"""Fusing the sparse "latent terms" score and the best sentence's cosine with the dense + keyword score of the candidates (pure).

Per question, over the candidates the store returned (the dense top-30):

    fused_i = base_i + w_i * std(base) * (s_i - mean(s)) / std(s)

where `base` is what the candidates were ranked by before (cosine + keyword bonus + typed
evidence, index.retrieval.search.retrieve) and `s` the sparse dot products of the question's QUERY_FEATURES
strongest latent terms with each passage's vector, divided by the passage vector's L2 norm
(index.store.sparse_index.scores). This orders the candidates
exactly as z(base) + w * z(s) does (the z-score fusion tuned in docs/sparse.md), but stays in
the cosine's units, so thresholds and the answer's sentence scores that read these scores
keep their meaning. The weight depends on whether question and passage share a language;
both were tuned on XQuAD half A (scripts/dev/tune_fusion.py, docs/retrieval.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from index.embedding.sparse_head import SparseVector

# Weight of the z-scored sparse signal, tuned on XQuAD half A (scripts/dev/tune_fusion.py).
SAME_LANGUAGE_WEIGHT = 0.7
CROSS_LANGUAGE_WEIGHT = 2.0
# Weight of the z-scored best-sentence cosine ("MaxP", fuse_best_sentence), tuned on XQuAD half A for
# both question languages (scripts/dev/tune_fusion.py --only-sentences, docs/retrieval.md).
SENTENCE_WEIGHT = 1.0
# A question keeps only its strongest latent terms (as many as the head keeps per token);
# its weaker ones match passages by chance (scripts/dev/tune_fusion.py).
QUERY_FEATURES = 32


def strongest(vector: SparseVector, count: int = QUERY_FEATURES) -> SparseVector:
    """The `count` largest features of a sparse vector (its values are sorted, descending)."""
    order = np.argsort(-vector.values, kind="stable")[:count]
    return SparseVector(vector.indices[order], vector.values[order])


def sparse_weight(question_language: str | None, passage_language: str | None) -> float:
    """The sparse signal's weight for one passage; an unknown language counts as German, as in index.retrieval.keywords."""
    return SAME_LANGUAGE_WEIGHT if (question_language or "de") == (passage_language or "de") else CROSS_LANGUAGE_WEIGHT


def answer_pool(order: Sequence[int], before: Sequence[int], size: int, answer_size: int) -> tuple[list[int], int]:
    """The passages answer sentences may come from, and how many of them the fusion would have left out.

    `order` ranks the candidates after the fusion, `before` as they were ranked without it
    (cosine + keywords + typed evidence). The pool is the fused top `size`, but the first
    `answer_size` of `before` that the fusion pushed below `answer_size` are put right after the
    fused top `answer_size`, so that they stay candidates for typed answer sentences (a date,
    a number: index.answers.extractive.candidate_sentences): the sparse signal ranks passages by their
    topic's words, which a short paragraph that holds the asked-for date may lack.
    Returns (candidate indices in pool order, the number of such kept passages).
    """
    head = list(order[:answer_size])
    kept = [i for i in before[:answer_size] if i not in head]
    tail = [i for i in order[answer_size:size] if i not in kept]
    return head + kept + tail, len(kept)


def fuse(base: Sequence[float], sparse: Sequence[float], weights: Sequence[float]) -> list[float]:
    """The fused scores (formula in the module docstring), one per candidate.

    Fewer than two candidates, or candidates all alike in one signal, leave `base` as it is.
    Raises ValueError when the three sequences differ in length.
    """
    if not len(base) == len(sparse) == len(weights):
        raise ValueError("base, sparse and weights must have one value per candidate")
    b = np.asarray(base, dtype=np.float64)
    s = np.asarray(sparse, dtype=np.float64)
    if len(b) < 2 or s.std() == 0.0 or b.std() == 0.0:
        return [float(x) for x in b]
    fused = b + np.asarray(weights, dtype=np.float64) * b.std() * (s - s.mean()) / s.std()
    return [float(x) for x in fused]


def best_sentence(query: np.ndarray, sentences: Sequence[np.ndarray | None], fallback: Sequence[float]) -> list[float]:
    """Each candidate's best sentence cosine with the question: `query` a unit vector (dim,),
    `sentences[i]` candidate i's sentence vectors (n_i, dim) as stored at ingest, or None (an index
    built before them, a model that makes none): then `fallback[i]`, its passage's cosine."""
    return [
        float(np.max(vectors @ query)) if vectors is not None and len(vectors) else float(fallback[i])
        for i, vectors in enumerate(sentences)
    ]


def fuse_best_sentence(scores: Sequence[float], best: Sequence[float]) -> list[float]:
    """`scores` with each candidate's best sentence cosine (`best_sentence`) fused in at SENTENCE_WEIGHT.

    A paragraph vector averages all its sentences; a question usually asks what one of them says.
    Scoring a passage by its best part is "MaxP" (Dai & Callan, "Deeper Text Understanding for IR with
    Contextual Neural Language Modeling", SIGIR 2019), here one level down, with the sentence vectors
    the answer step reads anyway. On XQuAD it lifts Recall@1 of English questions over German
    paragraphs by about 0.025 on the held-out half (docs/retrieval.md).
    """
    return fuse(scores, best, [SENTENCE_WEIGHT] * len(scores))
