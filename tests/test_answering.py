from __future__ import annotations

import numpy as np
import pytest

from index.answers.extractive import Candidate, candidate_sentences, choose_quotes, answerable
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
        Candidate("Zweiter Satz folgt gleich danach.", 0, whole_passage=False, position=1),
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
    from index.embedding.embedder import CachedEmbedder
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


# --- answer types, spans, "not decided" sentences, refusals ------------------------------------

from index.answers.extractive import holdings_hint, lacks_focus  # noqa: E402
from index.domain import IndexHoldings  # noqa: E402
from index.retrieval.questions import analyze  # noqa: E402


def dated(text: str, score: float, paragraph: int = 1) -> Passage:
    chunk = Chunk("a", paragraph - 1, paragraph, text, "Titel", "seeds/a.txt", published="2025-10-16", language="de")
    return Passage(chunk, score)


def test_when_answer_marks_the_date_resolves_it_and_adds_the_missing_date() -> None:
    passages = [
        dated("Trump nannte keinen Termin für das Treffen in Budapest. Der Kreml bereitet den Gipfel vor.", 0.84, 3),
        dated("Er werde sich „innerhalb von zwei Wochen“ mit Putin treffen, sagte er.", 0.80, 9),
    ]
    candidates = candidate_sentences(passages, analyze("When is the Budapest meeting?", "en"))
    quotes = choose_quotes(
        candidates, np.array([0.80, 0.70, 0.86]), [p.score for p in passages], analyze("When is the Budapest meeting?", "en"), passages
    )
    assert [q.passage for q in quotes] == [1, 0]
    answer, missing = quotes
    assert answer.span_text == "innerhalb von zwei Wochen" and not answer.undecided
    assert [(n.relation, n.resolved) for n in answer.times] == [("by", "2025-10-30")]
    assert missing.undecided and missing.span is None and "keinen Termin" in missing.text


def test_a_close_neighbour_joins_a_distant_sentence_of_the_same_passage_does_not() -> None:
    candidates = [Candidate(s, 0, False) for s in ("Erster Satz hier.", "Zweiter Satz hier.", "Dritter Satz hier.")]
    neighbour = choose_quotes(candidates, np.array([0.80, 0.79, 0.60]), [0.9])
    assert [q.text for q in neighbour] == ["Erster Satz hier.", "Zweiter Satz hier."]
    distant = choose_quotes(candidates, np.array([0.80, 0.60, 0.79]), [0.9])
    assert [q.text for q in distant] == ["Erster Satz hier."]


def test_more_passages_are_searched_for_typed_sentences_only() -> None:
    passages = [passage(f"Absatz {n} ohne alles. Noch ein Satz hier.", 0.9 - n / 100, n) for n in range(1, 4)]
    passages += [passage("Ein Satz ohne Datum. Das Treffen ist im März 2026.", 0.8, 4)]
    when = candidate_sentences(passages, analyze("When is the meeting?", "en"))
    assert [c.text for c in when if c.passage == 3] == ["Das Treffen ist im März 2026."]
    what = candidate_sentences(passages, analyze("What did he say?", "en"))
    assert all(c.passage < 3 for c in what)


@pytest.mark.parametrize(
    ("question", "language", "texts", "lacks"),
    [
        ("What will happen in Berlin?", "en", ["Trump trifft Putin in Budapest."], True),
        ("When is the Budapest meeting?", "en", ["Das Treffen in Budapest ist bald."], False),
        ("Who is the president of Russia?", "en", ["Der russische Präsident Putin sprach."], False),
        ("Wann tagt der Bundestag?", "de", ["Trump trifft Putin in Budapest."], True),
        ("Wann tagt der Bundestag?", "de", ["Der Bundestag tagt am Freitag."], False),
        ("what happens next?", "en", ["Trump trifft Putin in Budapest."], False),  # nothing to check across languages
        ("Which French king issued the edict?", "en", ["Ludwig XIV. erließ das Edikt."], False),  # "French" is no name to look for
        ("When did the U.S. join?", "en", ["Die Vereinigten Staaten traten bei."], False),  # nor an acronym
    ],
)
def test_a_question_whose_focus_no_top_passage_names_is_refused(question: str, language: str, texts: list[str], lacks: bool) -> None:
    passages = [passage(t, 0.8, n) for n, t in enumerate(texts, start=1)]
    assert lacks_focus(analyze(question, language), passages) is lacks


def test_holdings_hint() -> None:
    holdings = IndexHoldings(tuple((f"feed{n}", n) for n in range(1, 8)), (("Gipfel", "2025-10-16"), ("Ohne Datum", None)))
    english = holdings_hint(holdings, "en")
    assert english.startswith("The index holds: feed1 (1 article), feed2 (2 articles)") and "and 2 more." in english
    assert english.endswith("Newest articles: „Gipfel“ (2025-10-16); „Ohne Datum“.")
    assert holdings_hint(holdings, "de").startswith("Der Index enthält: feed1 (1 Artikel)")
    assert holdings_hint(None) == "" and holdings_hint(IndexHoldings((), ())) == ""


def test_with_no_date_named_the_answer_is_the_best_dated_sentence() -> None:
    """The article says the date is missing: an undated sentence, however close, is not the answer."""
    analysis = analyze("When is the Budapest meeting?", "en")
    passages = [
        dated("Trump nannte keinen Termin für das Treffen in Budapest.", 0.84, 3),
        dated("Orban nannte das Treffen in Budapest große Neuigkeiten.", 0.84, 13),
        dated("Er werde sich „innerhalb von zwei Wochen“ mit Putin treffen.", 0.78, 9),
    ]
    candidates = candidate_sentences(passages, analysis)
    quotes = choose_quotes(candidates, np.array([0.85, 0.84, 0.80]), [p.score for p in passages], analysis, passages)
    assert [(q.passage, q.undecided) for q in quotes] == [(2, False), (0, True)]
    without = choose_quotes(candidates[1:], np.array([0.84, 0.80]), [p.score for p in passages], analysis, passages)
    assert without[0].passage == 1  # no "not named" sentence: the closest sentence answers, as always


def test_a_who_question_is_answered_by_the_sentence_that_names_someone_next_to_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """A sentence that mentions Russia does not say who its president is; one that names him next to it does."""
    monkeypatch.setattr("index.answers.extractive.ADJACENT_FIRST", True)  # off by default: see docs/retrieval.md
    analysis = analyze("Who is the president of Russia?", "en")
    passages = [
        passage("Trump wurde als Russland gegenüber aufgeschlossener wahrgenommen als sein Vorgänger Joe Biden.", 0.84, 2),
        passage("Trump sprach am Donnerstag mit dem russischen Präsidenten Wladimir Putin über den Krieg.", 0.82, 1),
    ]
    candidates = candidate_sentences(passages, analysis)
    quotes = choose_quotes(candidates, np.array([0.86, 0.84]), [p.score for p in passages], analysis, passages)
    assert quotes[0].passage == 1 and quotes[0].span_text is not None and "Wladimir Putin" in quotes[0].span_text
    where = analyze("Where did Trump meet him?", "en")  # no name next to which to look: the closest sentence answers
    assert choose_quotes(candidates, np.array([0.86, 0.84]), [p.score for p in passages], where, passages)[0].passage == 0
