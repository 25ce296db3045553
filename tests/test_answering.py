from __future__ import annotations

import numpy as np

from index.answering import Candidate, candidate_sentences, choose_quotes, answerable
from index.domain import Chunk, Passage


def passage(text: str, score: float, paragraph: int = 1) -> Passage:
    chunk = Chunk("a", paragraph - 1, paragraph, text, "Titel", "seeds/a.txt", language="de")
    return Passage(chunk, score)


def test_answerable_when_the_best_passage_reaches_the_threshold() -> None:
    passages = [passage("Irgendein Absatz.", 0.81), passage("Noch einer.", 0.70, 2)]
    assert answerable(passages, "en", min_score=0.8)
    assert answerable(passages, "de", min_score=0.77)  # same language: 0.81 - 0.04 >= 0.77
    assert not answerable(passages, "de", min_score=0.78)
    assert not answerable([], "en", min_score=0.0)


def test_candidates_are_sentences_of_the_top_passages() -> None:
    passages = [
        passage("Erster Satz hier im Text. Zweiter Satz folgt gleich danach.", 0.9),
        passage("Ein einziger Satz, der den ganzen Absatz bildet.", 0.85, 2),
        passage("Dritter Absatz.", 0.8, 3),
        passage("Vierter Absatz, zu weit unten für eine Antwort.", 0.7, 4),
    ]
    candidates = candidate_sentences(passages)
    assert candidates == [
        Candidate("Erster Satz hier im Text.", 0, whole_passage=False),
        Candidate("Zweiter Satz folgt gleich danach.", 0, whole_passage=False),
        Candidate("Ein einziger Satz, der den ganzen Absatz bildet.", 1, whole_passage=True),
        Candidate("Dritter Absatz.", 2, whole_passage=True),
    ]


def test_the_best_sentence_wins_and_a_close_second_from_another_passage_joins() -> None:
    passages = [passage("A. B.", 0.90), passage("C.", 0.89, 2)]
    candidates = [Candidate("A.", 0, False), Candidate("B.", 0, False), Candidate("C.", 1, True)]
    quotes = choose_quotes(candidates, np.array([0.70, 0.86, 0.86]), [p.score for p in passages])
    assert [(q.text, q.passage) for q in quotes] == [("B.", 0), ("C.", 1)]


def test_a_distant_second_is_left_out() -> None:
    passages = [passage("A.", 0.90), passage("C.", 0.70, 2)]
    candidates = [Candidate("A.", 0, True), Candidate("C.", 1, True)]
    quotes = choose_quotes(candidates, np.array([0.9, 0.7]), [p.score for p in passages])
    assert [q.text for q in quotes] == ["A."]


def test_no_candidates_no_quotes() -> None:
    assert choose_quotes([], np.zeros(0), []) == ()


def test_cached_embedder_embeds_each_text_once() -> None:
    from index.embedding import CachedEmbedder
    from tests.fakes import HashingEmbedder

    inner = HashingEmbedder()
    cached = CachedEmbedder(inner, max_items=2)
    first = cached.embed_passages(["a b", "c d", "a b"])
    again = cached.embed_passages(["c d", "a b"])
    assert inner.embedded == ["a b", "c d"]
    assert np.array_equal(first[0], again[1]) and np.array_equal(first[1], again[0])
    cached.embed_passages(["e f"])  # evicts the oldest
    cached.embed_passages(["a b"])
    assert inner.embedded == ["a b", "c d", "e f", "a b"]
    assert cached.embed_passages([]).shape == (0, inner.dimension)
