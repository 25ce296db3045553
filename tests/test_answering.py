from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from index.answers.extractive import Candidate, answerable, candidate_sentences, choose_quotes, role_words, states_role
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
        Candidate("Erster Satz hier im Text.", 0, whole_passage=False, siblings=2),
        Candidate("Zweiter Satz folgt gleich danach.", 0, whole_passage=False, position=1, siblings=2),
        Candidate("Ein einziger Satz, der den ganzen Absatz bildet.", 1, whole_passage=True),
        Candidate("Dritter Absatz.", 2, whole_passage=True),
    ]


def test_a_typed_sentence_of_a_later_passage_keeps_its_place_among_that_passages_sentences() -> None:
    """Later passages give only typed sentences; each keeps its position in its paragraph, where its stored vectors are."""
    passages = [
        passage("Erster Absatz ohne Zeit.", 0.9, 1),
        passage("Zweiter Absatz ohne Zeit.", 0.89, 2),
        passage("Dritter Absatz ohne Zeit.", 0.88, 3),
        passage("Hier steht zuerst nichts Zeitliches. Der Gipfel beginnt am 3. Oktober in Budapest.", 0.87, 4),
    ]
    candidates = candidate_sentences(passages, analyze("When does the summit begin?", "en"))
    assert candidates[-1] == Candidate("Der Gipfel beginnt am 3. Oktober in Budapest.", 3, whole_passage=False, position=1, siblings=2)
    assert [c.passage for c in candidates] == [0, 1, 2, 3]  # the untyped first sentence of passage 4 is left out


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
        # Questions in other languages name things in their own words: not checked by spelling ...
        ("¿Qué productor de petróleo es aliado de los Estados Unidos?", "es", ["Saudi-Arabien ist ein Verbündeter der USA."], False),
        ("Какой регион расположен в Южной Калифорнии?", "ru", ["Südkalifornien umfasst acht Bezirke."], False),
        # ... unless one of them is in the passages' language, or the language is unknown and the names Latin
        ("Wer ist Elon Musk?", "de", ["Trump trifft Putin in Budapest."], True),
        ("Elon Musk?", None, ["Trump trifft Putin in Budapest."], True),
        ("Илон Маск?", None, ["Trump trifft Putin in Budapest."], False),
    ],
)
def test_a_question_whose_focus_no_top_passage_names_is_refused(question: str, language: str | None, texts: list[str], lacks: bool) -> None:
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


def test_a_role_question_is_answered_by_the_sentence_naming_someone_in_that_role() -> None:
    """A sentence that mentions Russia and a person does not say who Russia's president is; one that names
    someone next to "Präsidenten" and "russischen" does, and its span is the person."""
    analysis = analyze("Who is the president of Russia?", "en")
    passages = [
        passage("Trump wurde als Russland gegenüber aufgeschlossener wahrgenommen als sein Vorgänger Joe Biden.", 0.84, 2),
        passage("Trump sprach am Donnerstag mit dem russischen Präsidenten Wladimir Putin über den Krieg.", 0.82, 1),
    ]
    candidates = candidate_sentences(passages, analysis)
    quotes = choose_quotes(candidates, np.array([0.86, 0.84]), [p.score for p in passages], analysis, passages)
    assert quotes[0].passage == 1 and quotes[0].span_text == "Wladimir Putin"
    where = analyze("Where did Trump meet him?", "en")  # not a role question: the closest sentence answers
    assert choose_quotes(candidates, np.array([0.86, 0.84]), [p.score for p in passages], where, passages)[0].passage == 0


@pytest.mark.parametrize(
    ("question", "text", "language", "person"),
    [
        ("Who is the president of Russia?", "Trump sprach mit dem russischen Präsidenten Wladimir Putin.", "de", "Wladimir Putin"),
        ("Who is the president of Russia?", "Russian President Vladimir Putin met the envoy on Monday.", "en", "Vladimir Putin"),
        ("Who was the prime minister of Hungary?", "Hungary's prime minister, Viktor Orban, welcomed the summit.", "en", "Viktor Orban"),
        ("Wer ist der Präsident Russlands?", "Der russische Präsident Wladimir Putin sagte zu.", "de", "Wladimir Putin"),
        ("Who is the president of Russia?", "Donald Trump and Russian President Vladimir Putin met in Alaska.", "en", "Vladimir Putin"),
        ("Who is the president of Russia?", "President Vladimir Putin of Russia said so on Monday.", "en", "Vladimir Putin"),
        ("Who is the prime minister of Hungary?", "Hungary's Prime Minister Viktor Orban welcomed the summit.", "en", "Viktor Orban"),
        ("Wer ist der Präsident Russlands?", "Wladimir Putin, der russische Präsident, sagte zu.", "de", "Wladimir Putin"),
        # a person near the country, but not in the role; the role, but not of the country asked about
        ("Wer ist der Präsident Russlands?", "US-Präsident Donald Trump lobte den Präsidenten.", "de", None),
        ("Who is the president of Russia?", "Trump wurde als Russland gegenüber aufgeschlossener wahrgenommen als Joe Biden.", "de", None),
        ("Who is the president of Russia?", "US-Präsident Donald Trump sprach am Donnerstag lange mit Journalisten.", "de", None),
    ],
)
def test_who_holds_a_role_is_read_from_a_name_next_to_the_role_and_the_questions_name(
    question: str, text: str, language: str, person: str | None
) -> None:
    analysis = analyze(question, "de" if question.startswith("Wer") else "en")
    roles = role_words(analysis)
    assert roles
    found = states_role(analysis, roles, text, language)
    assert (text[found.start : found.end] if found else None) == person


def test_only_who_is_questions_about_a_name_ask_for_a_role() -> None:
    assert role_words(analyze("Who is the president of Russia?", "en")) == ("president",)
    assert role_words(analyze("Who called Putin on Thursday?", "en")) == ()
    assert role_words(analyze("When is the Budapest meeting?", "en")) == ()
    assert role_words(analyze("Who is the president?", "en")) == ()  # names nothing the role belongs to
    assert role_words(analyze("Who was the Normans' main enemy in Italy?", "en")) == ()  # whose enemy: not a role
    assert role_words(analyze("Wer ist der Präsident der Vereinigten Staaten?", "de")) == ("Präsident",)
    assert role_words(analyze("Who's the president of Russia?", "en")) == ("president",)
    assert role_words(analyze("Who is the new president of Russia?", "en")) == ("president",)


@pytest.mark.parametrize(
    ("question", "language", "span"),
    [
        # a question about the person it names: the answer describes her, another name is not it
        ("Wer ist Olga Stefanischyna?", "de", None),
        ("Who is Olga Stefanischyna?", "en", None),
        # a question for a person: the name is marked
        ("Wer kritisierte Putins Anruf?", "de", "Olga Stefanischyna"),
    ],
)
def test_who_is_a_named_person_marks_no_other_name(question: str, language: str, span: str | None) -> None:
    passages = [passage("Die ukrainische Botschafterin, Olga Stefanischyna, kritisierte Putins Anruf bei Trump scharf.", 0.8)]
    analysis = analyze(question, language)
    quotes = choose_quotes(candidate_sentences(passages, analysis), np.array([0.8]), [0.8], analysis, passages)
    assert [q.span_text for q in quotes] == [span]


def test_who_is_a_title_of_something_asks_for_a_name() -> None:
    passages = [passage("Der erste Graf von Melfi war Wilhelm Eisenarm.", 0.8)]
    analysis = analyze("Who was Count of Melfi?", "en")
    quotes = choose_quotes(candidate_sentences(passages, analysis), np.array([0.8]), [0.8], analysis, passages)
    assert [q.span_text for q in quotes] == ["Wilhelm Eisenarm"]


@pytest.mark.parametrize(
    ("question", "span"),
    [
        ("How long did Putin have to agree to a ceasefire?", "weniger als zwei Wochen"),
        ("Wie lange hatte Putin Zeit?", "weniger als zwei Wochen"),
        ("When did Trump set Putin a deadline?", "Ende Juli"),  # a point in time: the one nearest the focus
    ],
)
def test_how_long_marks_a_length_of_time_not_a_date(question: str, span: str) -> None:
    passages = [passage("Ende Juli setzte Trump Putin eine Frist von weniger als zwei Wochen für einen Waffenstillstand.", 0.8)]
    analysis = analyze(question, "de" if question.startswith("Wie") else "en")
    quotes = choose_quotes(candidate_sentences(passages, analysis), np.array([0.8]), [0.8], analysis, passages)
    assert [q.span_text for q in quotes] == [span]


def english(text: str, score: float) -> Passage:
    return Passage(Chunk("e", 0, 1, text, "Title", "seeds/e.txt", language="en"), score)


@pytest.mark.parametrize(
    ("question", "make", "text", "span"),
    [
        # the counted thing is the number's unit: the number is the answer, not "the question's own words"
        ("Wie viele Menschen starben bei den drei Angriffen?", passage, "Bei den drei Angriffen starben 27 Menschen.", "27 Menschen"),
        ("How many people died in the three attacks?", english, "In the three attacks 27 people died.", "27 people"),
        # a role without an article is still a role: the person in it is marked
        ("Wer ist Kanzler?", passage, "Kanzler Friedrich Merz sagte das am Montag.", "Friedrich Merz"),
    ],
)
def test_the_marked_span_answers_the_question(question: str, make: Callable[[str, float], Passage], text: str, span: str) -> None:
    passages = [make(text, 0.8)]
    analysis = analyze(question, "de" if make is passage else "en")
    quotes = choose_quotes(candidate_sentences(passages, analysis), np.array([0.8]), [0.8], analysis, passages)
    assert [q.span_text for q in quotes] == [span]
