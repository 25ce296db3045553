from __future__ import annotations

import numpy as np

from index.answering import Candidate, candidate_sentences, choose_quotes, relevant
from index.domain import Chunk, Passage


def passage(text: str, score: float, paragraph: int = 1) -> Passage:
    chunk = Chunk("a", paragraph - 1, paragraph, text, "Titel", "seeds/a.txt", language="de")
    return Passage(chunk, score)


def test_candidates_come_only_from_relevant_passages() -> None:
    passages = [
        passage("Erster Satz hier im Text. Zweiter Satz folgt gleich danach.", 0.9),
        passage("Ein einziger Satz, der den ganzen Absatz bildet.", 0.85, 2),
        passage("Unter der Schwelle liegt dieser Absatz, er zählt nicht.", 0.5, 3),
    ]
    assert relevant(passages, "en", min_score=0.8) == [0, 1]
    assert relevant(passages, "de", min_score=0.8) == [0, 1]  # same language: 0.85 - 0.04 >= 0.8
    assert relevant(passages, "de", min_score=0.82) == [0]
    candidates = candidate_sentences([passages[i] for i in relevant(passages, "en", 0.8)])
    assert candidates == [
        Candidate("Erster Satz hier im Text.", 0, whole_passage=False),
        Candidate("Zweiter Satz folgt gleich danach.", 0, whole_passage=False),
        Candidate("Ein einziger Satz, der den ganzen Absatz bildet.", 1, whole_passage=True),
    ]


def test_the_best_sentence_wins_and_a_close_second_from_another_passage_joins() -> None:
    passages = [passage("A. B.", 0.90), passage("C.", 0.89, 2)]
    candidates = [Candidate("A.", 0, False), Candidate("B.", 0, False), Candidate("C.", 1, True)]
    quotes = choose_quotes(candidates, np.array([0.70, 0.86, 0.86]), passages)
    assert [(q.text, q.passage) for q in quotes] == [("B.", 0), ("C.", 1)]


def test_a_distant_second_is_left_out() -> None:
    passages = [passage("A.", 0.90), passage("C.", 0.70, 2)]
    candidates = [Candidate("A.", 0, True), Candidate("C.", 1, True)]
    quotes = choose_quotes(candidates, np.array([0.9, 0.7]), passages)
    assert [q.text for q in quotes] == ["A."]


def test_no_candidates_no_quotes() -> None:
    assert choose_quotes([], np.zeros(0), []) == ()
