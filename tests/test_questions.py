"""Question analysis, spans of an answer type, and time expressions read against an article's date."""

from __future__ import annotations

import pytest

from index.domain import TimeNote
from index.retrieval.questions import analyze, answer_type, is_small_talk
from index.answers.spans import find_spans, is_duration, name_matches, undecided
from index.answers.times import describe, resolve


@pytest.mark.parametrize(
    ("question", "language", "expected"),
    [
        ("When is the Budapest meeting?", "en", "time"),
        ("Wann beginnt der Gipfel?", "de", "time"),
        ("Bis wann soll die Frist laufen?", "de", "time"),
        ("How long did the war last?", "en", "time"),
        ("In what year did Tesla die?", "en", "time"),
        ("In welchem Jahr wurde die Stadt gegründet?", "de", "time"),
        ("How many points did the Panthers defense surrender?", "en", "number"),
        ("Wie viele Menschen wurden getötet?", "de", "number"),
        ("Wie viel kostet das Programm?", "de", "number"),
        ("Welche Reichweite haben die Raketen?", "de", "number"),
        ("What percentage of the vote did she get?", "en", "number"),
        ("Who will lead the American delegation?", "en", "person"),
        ("Wer leitet die Delegation?", "de", "person"),
        ("Where will the summit take place?", "en", "place"),
        ("Wo findet das Treffen statt?", "de", "place"),
        ("In which city did they meet?", "en", "place"),
        ("Which company makes the missiles?", "en", "organisation"),
        ("Welche Partei gewann die Wahl?", "de", "organisation"),
        ("Why did the talks fail?", "en", "reason"),
        ("Warum scheiterten die Gespräche?", "de", "reason"),
        ("Is Trump meeting Putin?", "en", "yesno"),
        ("Hat Selenskyj die Raketen bekommen?", "de", "yesno"),
        ("Und wann trifft er Putin?", "de", "time"),
        ("What did Orban say about the meeting?", "en", "other"),
        # Other languages the detector knows: their question words, only for a question in that language.
        ("Quand aura lieu la réunion ?", "fr", "time"),
        ("¿Cuándo es la reunión en Budapest?", "es", "time"),
        ("Когда встреча в Будапеште?", "ru", "time"),
        ("Kiedy odbędzie się spotkanie?", "pl", "time"),
        ("Budapeşte zirvesi ne zaman?", "tr", "time"),
        ("Combien de missiles l'Ukraine demande-t-elle ?", "fr", "number"),
        ("Сколько ракет получит Украина?", "ru", "number"),
        ("Quem vai se encontrar com Putin?", "pt", "person"),
        ("Wie leidt de delegatie?", "nl", "person"),
        ("Wie leitet die Delegation?", "de", "other"),  # German "wie" asks how, Dutch "wie" who
        ("Dove si terrà il vertice?", "it", "place"),
        ("Hvor mange raketter får Ukraine?", "da", "number"),
        ("Hvor mødes de?", "da", "place"),
        ("Pourquoi les négociations ont-elles échoué ?", "fr", "reason"),
        ("Hvor gammel er statsministeren?", "da", "other"),  # "hvor" + adjective asks how, not where
        ("Var det en olycka?", "sv", "other"),  # Swedish "var" is also "was"
        ("Var ligger Budapest?", "sv", "place"),
        ("Kim Jong Un ne söyledi?", "tr", "other"),  # the name Kim, not "kim" (who)
        ("Seçimi kim kazandı?", "tr", "person"),
        ("D’où vient la délégation ?", "fr", "place"),  # a typographic apostrophe
        ("¿A qué hora empieza la cumbre?", "es", "time"),
        ("Et quand aura lieu le sommet ?", "fr", "time"),  # "and" in the question's language
        ("En qué año murió?", "es", "time"),  # Spanish "en" is no Dutch "and"
        ("Quand aura lieu la réunion ?", None, "other"),  # language unknown: only English and German words
        ("Que pense Orban de la réunion ?", "fr", "other"),
        ("Was hat Orban über das Treffen gesagt?", "de", "other"),  # German "was" asks what, it is no English "was"
    ],
)
def test_answer_type(question: str, language: str, expected: str) -> None:
    assert answer_type(question, language) == expected


@pytest.mark.parametrize(
    ("question", "small_talk"),
    [
        ("How are you doing?", True),
        ("Hallo!", True),
        ("Good morning", True),
        ("Wie geht es dir?", True),
        ("What will the weather be like in Hamburg tomorrow?", True),
        ("Wie wird das Wetter morgen in Wien?", True),
        ("Give me a recipe for lentil soup.", True),
        ("Erzähl mir einen Witz", True),
        ("Thanks!", True),
        ("How did the storm affect the harvest?", False),
        ("When is the Budapest meeting?", False),
        ("Who is the president of Russia?", False),
        ("Hallo, wann ist das Treffen in Budapest?", False),
    ],
)
def test_small_talk(question: str, small_talk: bool) -> None:
    assert is_small_talk(question) is small_talk


def test_names_and_focus() -> None:
    analysis = analyze("When is the Budapest meeting?", "en")
    assert analysis.type == "time" and analysis.names == ("budapest",)
    assert "meet" in analysis.focus and "when" not in analysis.focus
    german = analyze("Welche Reichweite haben die Tomahawk-Raketen?", "de")
    assert "tomahawk" in german.names and "reichweit" in german.focus


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("Er werde sich voraussichtlich „innerhalb von zwei Wochen“ mit Putin treffen.", "time", ["innerhalb von zwei Wochen"]),
        ("Sie trafen sich am 15. August in Alaska. Die Invasion begann im Februar 2022.", "time", ["am 15. August", "im Februar 2022"]),
        ("Teams sollen sich nächste Woche treffen, Selenskyj kommt am Freitag.", "time", ["nächste Woche", "am Freitag"]),
        ("The talks will resume within two weeks, on October 30, 2025.", "time", ["within two weeks", "October 30, 2025"]),
        ("Die Stadt wurde 1291 gegründet.", "time", ["1291"]),
        # a month's name or abbreviation only as a whole word: not in Marseille, Mainz, Augustus or Dezernat
        ("Der Zug fuhr über Marseille und Mainz, Augustus sprach im Dezernat.", "time", []),
        ("Das Treffen ist am 3. Okt. in Mainz, nicht im Mai.", "time", ["am 3. Okt", "im Mai"]),  # (before: also "in Mai" of "in Mainz")
        ("Hernández sagte es in Rodez.", "time", []),  # no expression starts inside a word ("dez" of "Hernández")
        ("Seit Mitte Augusts ist die Grenze zu.", "time", ["Mitte Augusts"]),
        ("Er könne den Krieg innerhalb von Tagen beenden, binnen Stunden, within weeks.", "time", ["innerhalb von Tagen", "binnen Stunden", "within weeks"]),
        ("Within the next few days, within the second half, within the monthly budget.", "time", ["Within the next few days"]),
        ("Die Raketen haben eine Reichweite von 2.500 km.", "number", ["2.500 km"]),
        ("Die Verteidigung gab nur 308 Punkte ab und fing vier Bälle.", "number", ["308 Punkte", "vier"]),
        ("Prices rose by 4.5 percent to $3 billion.", "number", ["4.5 percent", "$3 billion"]),
        ("Ein Satz ohne Zahl.", "number", []),
        ("Dabei werde Außenminister Marco Rubio die Delegation leiten.", "person", ["Außenminister Marco Rubio"]),
        ("Talks stalled because neither side would move.", "reason", ["because neither side would move"]),
        ("Ein Satz.", "yesno", []),
    ],
)
def test_find_spans(text: str, kind: str, expected: list[str]) -> None:
    assert [text[s.start : s.end] for s in find_spans(text, kind)] == expected


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        # German capitalizes every noun: a place is what follows a preposition of place, not "Treffen" or "Termin"
        ("Während Trump keinen Termin für sein Treffen mit Putin in Budapest nannte, kündigte der Kreml an.", "place", ["Budapest"]),
        ("Er war im August in der Ukraine und am Freitag im Weißen Haus.", "place", ["Ukraine", "Weißen Haus"]),
        ("Hochrangige Berater treffen sich an einem nicht genannten Ort.", "place", []),
        ("Die Teams reisen nach Moskau und aus Kiew zurück.", "place", ["Moskau", "Kiew"]),
        # set phrases are no places; a name of two words after "im" is
        ("Im Rahmen der Gespräche und am Rande des Gipfels in Genf trafen sie sich im Oval Office.", "place", ["Genf", "Oval Office"]),
        ("Das gilt in Bezug auf Genf.", "place", ["Genf"]),
        ("In Budapest treffen sie sich, das Gesetz tritt in Kraft.", "place", ["Budapest"]),  # "In" at the start; "Kraft."
        ("Nach Angaben der Polizei kam er aus Wien.", "place", ["Wien"]),
        ("Nach der Gründung der Kolonie stand die Regierung in Sydney.", "place", ["Sydney"]),
        # a German person without the title before the name
        ("Der ungarische Premierminister Viktor Orban postete auf X.", "person", ["Viktor Orban"]),
        ("Dabei werde Außenminister Marco Rubio die Delegation leiten.", "person", ["Marco Rubio"]),
        ("Die Botschafterin Olga Stefanischyna sprach.", "person", ["Olga Stefanischyna"]),
        ("Wie die englische Bibel von William Tyndale.", "person", ["William Tyndale"]),
        ("George W. Bush traf Kanzler Friedrich Merz.", "person", ["George W. Bush", "Friedrich Merz"]),
        # numbers keep the words that bound them
        ("Dabei sind mindestens 27 Menschen getötet worden.", "number", ["mindestens 27 Menschen"]),
        ("At least 12 people died and up to 40 were hurt.", "number", ["At least 12 people", "up to 40"]),
    ],
)
def test_find_spans_in_german_text(text: str, kind: str, expected: list[str]) -> None:
    assert [text[s.start : s.end] for s in find_spans(text, kind, "de")] == expected


def test_english_places_are_still_capitalized_runs() -> None:
    text = "The summit will be held at the White House, not in Budapest."
    assert [text[s.start : s.end] for s in find_spans(text, "place", "en")] == ["White House", "Budapest"]


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("Während Trump keinen Termin für sein Treffen mit Putin nannte, begannen Vorbereitungen.", "time", True),
        ("No date has been set for the summit.", "time", True),
        ("The date of the summit has not been announced.", "time", True),
        ("Berater treffen sich an einem nicht genannten Ort.", "time", False),
        ("Berater treffen sich an einem nicht genannten Ort.", "place", True),
        ("Ob die Ukraine die Raketen bekommt, ist noch offen.", "other", True),
        ("Sie trafen sich am 15. August.", "time", False),
    ],
)
def test_undecided(text: str, kind: str, expected: bool) -> None:
    assert undecided(text, kind) is expected


@pytest.mark.parametrize(
    ("name", "word", "expected"),
    [
        ("russia", "russischen", True),
        ("american", "amerikanische", True),
        ("rhine", "Rhein", True),
        ("poland", "Polen", True),
        ("budapest", "Budapest", True),
        ("berlin", "Budapest", False),
        ("nfl", "NFL", True),
        ("nfl", "Nflx", False),
        ("bundestag", "Budapest", False),
        ("musk", "Museum", False),
        # other scripts are compared in Latin letters
        ("будапеште", "Budapest", True),
        ("кремль", "Kreml", True),
        ("путин", "Putin", True),
        ("москва", "Budapest", False),
        ("orbán", "Orban", True),
        ("strasse", "Straße", True),
        ("ʼ", "_", False),  # nothing left after folding names nothing
        # a name's first sound is spelled differently in English and German transliterations
        ("zelensky", "Selenskyj", True),
        ("zelensky", "Selenskyjs", True),
        ("yanukovych", "Janukowytsch", True),
        ("volodymyr", "Wolodymyr", True),
        ("kharkiv", "Charkiw", True),
        ("tchaikovsky", "Tschaikowski", True),
        ("zelensky", "Sanktionen", False),
        # ... but only over the whole word: common words that begin with the same sound are no match
        ("verdi", "werden", False),
        ("khan", "Chancen", False),
        ("kent", "century", False),
        ("wien", "vier", False),
        ("siemens", "ziemlich", False),
        ("china", "Kina", False),
        ("yale", "Jalta", False),
    ],
)
def test_name_matches(name: str, word: str, expected: bool) -> None:
    assert name_matches(name, word) is expected


@pytest.mark.parametrize(
    ("expression", "language", "relation", "resolved"),
    [
        ("innerhalb von zwei Wochen", "de", "by", "2025-10-30"),
        ("within two weeks", "en", "by", "2025-10-30"),
        ("binnen drei Tagen", "de", "by", "2025-10-19"),
        ("in drei Tagen", "de", "on", "2025-10-19"),
        ("am Freitag", "de", "on", "2025-10-17"),
        ("tomorrow", "en", "on", "2025-10-17"),
        ("am 15. August", "de", "on", None),  # a written date says its date already
        ("zwei Wochen lang", "de", "on", None),  # a duration is no point in time
        ("nächste Woche", "de", "on", None),  # a week, not a day
    ],
)
def test_resolve_against_the_article_date(expression: str, language: str, relation: str, resolved: str | None) -> None:
    assert resolve(expression, language, "2025-10-16") == TimeNote(expression, "2025-10-16", relation, resolved)


def test_no_article_date_no_note() -> None:
    assert resolve("innerhalb von zwei Wochen", "de", None) is None
    assert resolve("innerhalb von zwei Wochen", "de", "Herbst 2025") is None


def test_describe() -> None:
    note = TimeNote("innerhalb von zwei Wochen", "2025-10-16", "by", "2025-10-30")
    assert describe(note, "en") == "innerhalb von zwei Wochen — article of 16 Oct 2025 → by 30 Oct 2025"
    assert describe(note, "de") == "innerhalb von zwei Wochen — Artikel vom 16. Okt. 2025 → bis 30. Okt. 2025"
    assert describe(TimeNote("Mitte August", "2025-10-16"), "en") == "Mitte August — article of 16 Oct 2025"


@pytest.mark.parametrize(
    ("expression", "duration"),
    [("zwei Wochen", True), ("seit drei Jahren", True), ("innerhalb von Tagen", True), ("Ende Juli", False),
     ("next week", False), ("vor drei Jahren", False), ("two years ago", False), ("am 15. August", False)],
)
def test_is_duration(expression: str, duration: bool) -> None:
    assert is_duration(expression) is duration
