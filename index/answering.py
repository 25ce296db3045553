"""Choose the sentences that answer a question from the retrieved passages. Pure functions.

Without a language model the answer is extractive: the sentence(s) of the top
passages closest to the question, quoted as they are. An answer never quotes
a passage that was not retrieved, because candidates come only from `passages`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.domain import Passage, Quote
from index.splitting import split_sentences

ANSWER_PASSAGES = 3  # sentences are looked for in this many top passages
MAX_QUOTES = 2
SECOND_QUOTE_MARGIN = 0.02  # a second sentence is quoted only if nearly as good as the first
PASSAGE_WEIGHT = 0.5  # how much the passage's own score counts for its sentences
MIN_SENTENCE_CHARS = 25


# multilingual-e5 scores a question and a passage in the same language about 0.04
# higher than a translation pair of equal relevance; thresholds are set on the
# cross-language scale and same-language scores are lowered by this much first
# (measured on XQuAD, see docs/threshold.md).
SAME_LANGUAGE_OFFSET = 0.04


def relevance(passage: Passage, question_language: str | None) -> float:
    """The passage's score on the cross-language scale that `min_score` is set on."""
    same = question_language is not None and passage.chunk.language == question_language
    return passage.score - SAME_LANGUAGE_OFFSET if same else passage.score


def answerable(passages: Sequence[Passage], question_language: str | None, min_score: float) -> bool:
    """Whether the best passage reaches the threshold; below it the index has nothing on the question."""
    return bool(passages) and max(relevance(p, question_language) for p in passages) >= min_score


@dataclass(frozen=True)
class Candidate:
    """A sentence of passage number `passage` (an index into the retrieved passages)."""

    text: str
    passage: int
    whole_passage: bool  # the sentence is the passage itself, so its stored vector can be reused


def candidate_sentences(passages: Sequence[Passage]) -> list[Candidate]:
    """Sentences of the top (relevant) passages; very short fragments join the sentence before."""
    candidates: list[Candidate] = []
    for index, passage in enumerate(passages[:ANSWER_PASSAGES]):
        sentences = _join_fragments(split_sentences(passage.chunk.text, passage.chunk.language))
        if len(sentences) <= 1:
            candidates.append(Candidate(passage.chunk.text, index, whole_passage=True))
            continue
        candidates.extend(Candidate(s, index, whole_passage=False) for s in sentences)
    return candidates


def _join_fragments(sentences: list[str]) -> list[str]:
    joined: list[str] = []
    for sentence in sentences:
        if joined and len(sentence) < MIN_SENTENCE_CHARS:
            joined[-1] = f"{joined[-1]} {sentence}"
        else:
            joined.append(sentence)
    return joined


def choose_quotes(
    candidates: Sequence[Candidate],
    similarities: Sequence[float] | np.ndarray,
    passage_scores: Sequence[float],
) -> tuple[Quote, ...]:
    """The best sentence, and a second one from another passage if it is nearly as good.

    A sentence's score mixes its own similarity to the question with its passage's
    score (index i of `passage_scores` belongs to passage i), so that a sentence
    from the best passage wins over a lucky one from a weak passage.
    """
    if not candidates:
        return ()
    scores = [
        (1 - PASSAGE_WEIGHT) * float(similarity) + PASSAGE_WEIGHT * passage_scores[c.passage]
        for c, similarity in zip(candidates, similarities, strict=True)
    ]
    order = sorted(range(len(candidates)), key=lambda i: scores[i], reverse=True)
    best = order[0]
    quotes = [Quote(candidates[best].text, candidates[best].passage, scores[best])]
    for i in order[1:]:
        if len(quotes) >= MAX_QUOTES or scores[best] - scores[i] > SECOND_QUOTE_MARGIN:
            break
        if candidates[i].passage != candidates[best].passage and candidates[i].text != candidates[best].text:
            quotes.append(Quote(candidates[i].text, candidates[i].passage, scores[i]))
    return tuple(quotes)
