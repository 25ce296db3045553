"""Expressions of an answer type in a sentence, and where a question's focus occurs. Pure functions.

`find_spans(text, "time")` finds dates, weekdays, months, years, durations and
relative times ("innerhalb von zwei Wochen", "next week"); "number" finds
numbers with their unit; "person", "place" and "organisation" find runs of
capitalized words (in German text, where every noun is capitalized, a place is such a
run after a preposition of place); "reason" the clause after "weil", "because", "due to".
Offsets are character offsets into `text` (end exclusive). English and German
patterns; other languages still get digits, years and capitalized names.

`undecided(text, kind)` tells a sentence that says the answer is not known yet
("nannte keinen Termin", "no date has been set"): it belongs in the answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from anyascii import anyascii

from index.retrieval.keywords import terms

_MONTHS = (
    r"(?:(?:Januar|Jänner|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember)(?:e?s)?"  # "Mitte Augusts"
    r"|January|February|March|May|June|July|October|December"
    r"|Jan|Feb|Mär|Mar|Apr|Jun|Jul|Aug|Sept?|Okt|Oct|Nov|Dez|Dec)\b\.?"  # a whole word: not the "Mar" of "Marseille"
)
_WEEKDAYS = (
    r"(?:Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonnabend|Sonntag"
    r"|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
)
NUMBER_WORDS = (
    r"(?:ein(?:e[mnrs]?)?|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwanzig|dreißig|hundert|tausend"
    r"|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand"
    r"|a\s+few|several|einige[nr]?|wenigen?|mehrere[nr]?|couple\s+of)"
)
_UNITS_TIME = (
    r"(?:Sekunden?|Minuten?|Stunden?|Tagen?|Tage|Wochen?|Monaten?|Monate|Jahren?|Jahre|Jahrzehnten?|Jahrhunderten?"
    r"|seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centuries)"
)
# Without a number only the plural reads as a length of time ("within weeks"; "within the second half" is none).
_UNITS_TIME_PLURAL = (
    r"(?:Sekunden|Minuten|Stunden|Tagen|Tage|Wochen|Monaten|Monate|Jahren|Jahre|Jahrzehnten"
    r"|seconds|minutes|hours|days|weeks|months|years|decades)"
)
_NUM = rf"(?:\d+(?:[.,]\d+)?|{NUMBER_WORDS})"
_TIME_PATTERNS = (
    # relative: "innerhalb von zwei Wochen", "binnen drei Tagen", "within two weeks", "in 10 days", "vor zwei Jahren"
    rf"(?:innerhalb|binnen|within|in|nach|after|vor|für|for|seit|since|über|over|bis\s+zu|up\s+to|weniger\s+als|less\s+than|mehr\s+als|more\s+than)"
    rf"(?:\s+(?:von|der|den|the|next|nächsten|kommenden|letzten|past|last))?\s+{_NUM}\s+{_UNITS_TIME}(?:\s+(?:später|früher|lang|ago|later|earlier))?",
    rf"{_NUM}\s+{_UNITS_TIME}(?:\s+(?:später|früher|lang|ago|later|earlier|zuvor|danach))?",
    # without a number: "innerhalb von Tagen", "binnen Stunden", "within weeks"
    r"(?:innerhalb|binnen|within)(?:\s+(?:von|der|den|the|next|nächsten|kommenden|wenigen|a|few|couple|of)){0,3}\s+"
    rf"{_UNITS_TIME_PLURAL}\b",
    r"(?:nächste[nr]?|kommende[nr]?|diese[nr]?|vergangene[nr]?|letzte[nr]?|next|this|last|coming)\s+(?:Woche|Monat|Jahr|Wochenende|week|month|year|weekend)",
    r"\b(?:heute|morgen|gestern|übermorgen|vorgestern|today|tomorrow|yesterday|tonight|demnächst|bald|soon|unverzüglich|sofort|immediately)\b",
    # dates
    r"\d{4}-\d{2}-\d{2}",
    r"\d{1,2}\.\s?\d{1,2}\.\s?(?:\d{2,4})?",
    rf"(?:(?:am|on|the)\s+)?\d{{1,2}}(?:\.|st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}(?:\s+\d{{4}})?",
    rf"{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?",
    rf"(?:(?:Anfang|Mitte|Ende|early|mid|late|Beginning\s+of|end\s+of)\s+)?(?:(?:im|in|seit|since|bis|until)\s+)?{_MONTHS}(?:\s+\d{{4}})?",
    rf"(?:(?:am|on|next|last|this|nächsten|kommenden|letzten|diesen)\s+)?{_WEEKDAYS}",
    r"(?:im\s+|in\s+the\s+)?\d{1,2}\.\s+Jahrhundert|\d{1,2}(?:st|nd|rd|th)\s+century",
    r"(?:(?:Anfang|Mitte|Ende|early|mid|late)\s+)?(?:der\s+|den\s+|the\s+)?\d{4}(?:er(?:\s+Jahren?)?|s)",
    r"(?:(?:im\s+Jahr(?:e)?|in|seit|since|bis|until|ab|from|Anfang|Mitte|Ende|early|mid|late)\s+)?\b(?:1\d{3}|20\d{2})\b",
    r"\d{1,2}[:.]\d{2}\s*(?:Uhr|a\.?m\.?|p\.?m\.?)|\d{1,2}\s*(?:Uhr|a\.?m\.?|p\.?m\.?)",
)
# Every expression starts at a word: anchoring the alternation there lets the engine skip the other
# positions of a text (3× faster on XQuAD paragraphs, and no match starts inside a word).
_TIME = re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in _TIME_PATTERNS) + ")", re.IGNORECASE)
_NUMBER = re.compile(
    r"(?:(?:rund|etwa|ungefähr|fast|mehr\s+als|über|knapp|mindestens|höchstens|bis\s+zu|weniger\s+als|about|around|nearly|over"
    r"|more\s+than|almost|some|at\s+least|at\s+most|up\s+to|less\s+than|fewer\s+than)\s+)?"
    rf"(?:[$€£]\s?)?(?:\d[\d.,']*\d|\d|\b{NUMBER_WORDS}\b)(?:½|¼|¾)?"
    r"(?:\s*(?:%|Prozent|percent|per\s+cent|Millionen|Milliarden|Mio\.?|Mrd\.?|million|billion|thousand|hundred|tausend|hundert))?"
    r"(?:\s*(?:km|Kilometer|Meilen|miles|m|Meter|meters|metres|cm|mm|kg|Kilogramm|Tonnen|tons|tonnes|Euro|Dollar|US-Dollar|Pfund|pounds|"
    r"[$€£]|km/h|mph|Grad|degrees|°C?|Einwohner|inhabitants|Menschen|people|Prozentpunkte|Punkte|points|Stimmen|votes)\b)?",
    re.IGNORECASE,
)
_CAPITAL = r"[A-ZÄÖÜ][\w'’.-]*"
_NAME = re.compile(rf"{_CAPITAL}(?:\s+(?:von|van|de|der|den|del|da|di|bin|al|la|le|of|the)?\s*{_CAPITAL}){{0,4}}")
_PLACE_DE = re.compile(
    r"(?:\b(?:in|im|ins|nach|aus|bei|beim|nahe|an|am|auf|von|vom|zwischen|gegenüber|durch|bis\s+nach)\s+(?:(?:der|die|den|dem|des|das)\s+)?"
    r"|\b(?:In|Nach|Aus|Bei|Von|Auf|Zwischen)\s+)"  # at a sentence's start only without an article: "In Budapest", not "Nach der Gründung"
    rf"(?P<name>{_CAPITAL}(?:\s+{_CAPITAL}){{0,3}})"
)
_REASON = re.compile(
    r"\b(?:weil|da|denn|aufgrund|wegen|infolge|um\s+\w+|damit|because|since|due\s+to|as\s+a\s+result\s+of|owing\s+to|in\s+order\s+to|so\s+that)\b"
    r"[^.;:!?]*",
    re.IGNORECASE,
)
_UNDECIDED = {
    "time": re.compile(
        r"\bkein\w*\s+(?:\w+\s+){0,2}(?:Termin|Datum|Zeitpunkt|Zeitplan|Zeitrahmen)\b"
        r"|\b(?:Termin|Datum|Zeitpunkt|Zeitplan)\w*\s+(?:\w+\s+){0,4}(?:noch\s+)?(?:nicht|offen|unklar|unbekannt)"
        r"|\bno\s+(?:\w+\s+){0,2}(?:date|timeline|timetable|time\s*frame|schedule)\b"
        r"|\b(?:date|timing|timeline)\b[^.]{0,40}\b(?:not|yet\s+to\s+be)\s+(?:been\s+|yet\s+)?(?:set|named|announced|decided|disclosed|confirmed|fixed)",
        re.IGNORECASE,
    ),
    "place": re.compile(
        r"\b(?:nicht\s+genannt\w*|unbekannt\w*|geheim\w*)\s+(?:Ort|Stelle|Platz)\b|\bkein\w*\s+(?:\w+\s+){0,2}Ort\b"
        r"|\b(?:undisclosed|unnamed|unknown)\s+(?:location|place|venue)\b|\bno\s+(?:location|venue)\b",
        re.IGNORECASE,
    ),
    "any": re.compile(
        r"\b(?:noch\s+)?nicht\s+(?:entschieden|beschlossen|festgelegt|bekannt\s*gegeben|bekannt)\b|\bsteht\s+noch\s+nicht\s+fest\b"
        r"|\b(?:ist|sei|bleibt|blieb)\s+(?:noch\s+)?(?:offen|unklar)\b"
        r"|\bnot\s+(?:yet\s+)?(?:been\s+)?(?:decided|determined|announced|disclosed)\b|\b(?:remains?|is|was)\s+(?:still\s+)?unclear\b|\bundecided\b",
        re.IGNORECASE,
    ),
}


@dataclass(frozen=True)
class Span:
    """An expression in a text: `text[start:end]`, of kind "time", "number", "name" or "reason"."""

    start: int
    end: int
    kind: str


def find_spans(text: str, kind: str, language: str | None = None) -> list[Span]:
    """Expressions of answer type `kind` in `text` (written in `language`), left to right, not overlapping.

    German capitalizes every noun, so in German text a place is a capitalized run right after a
    preposition of place ("in Budapest", "nach Moskau", "in der Ukraine"), not any capitalized word
    ("Treffen", "Berater")."""
    if kind == "place" and language == "de":
        found = [Span(m.start("name"), m.end("name"), "name") for m in _PLACE_DE.finditer(text) if _is_place_de(m.group("name"))]
    elif kind == "time":
        found = [Span(m.start(), m.end(), "time") for m in _TIME.finditer(text) if m.group().strip()]
    elif kind == "number":
        found = [Span(m.start(), m.end(), "number") for m in _NUMBER.finditer(text) if _is_number(m.group())]
    elif kind in ("person", "place", "organisation"):
        found = [Span(m.start(), m.end(), "name") for m in _NAME.finditer(text) if _is_name(text, m.start(), m.group(), kind)]
        if kind == "person" and any(len(text[s.start : s.end].split()) >= 2 for s in found):
            found = [s for s in found if len(text[s.start : s.end].split()) >= 2]  # "Marco Rubio", not "Berater"
        if kind == "person" and language == "de":
            found = [_without_title(text, s) for s in found]
    elif kind == "reason":
        found = [Span(m.start(), m.end(), "reason") for m in _REASON.finditer(text) if len(m.group()) > 8]
    else:
        return []
    return [_trim(text, s) for s in found if s.end > s.start]


def _is_number(value: str) -> bool:
    return any(ch.isdigit() for ch in value) or len(value.split()) >= 1 and not value.lower().startswith(("ein", "a "))


NOT_NAMES = set(
    "Der Die Das Den Dem Des Ein Eine Einer Er Sie Es Wir Ich Im In Am An Auf Aus Bei Mit Nach Von Vor Zu Zum Zur Als Auch Aber "
    "The A An He She It We They I In On At By For From With After Before His Her Its Their This That These Those But And "
    "Während Seitdem Später Zuvor Dort Hier Nur Noch Doch So".split()
)


def _is_name(text: str, start: int, value: str, kind: str) -> bool:
    """A run of capitalized words that is not just the sentence's first word or a function word."""
    words = value.split()
    if all(w in NOT_NAMES for w in words):
        return False
    at_start = start == 0 or text[:start].rstrip()[-1:] in {".", "!", "?", "„", "“", '"', ":"}
    if at_start and len(words) == 1:
        return False
    return True


def _without_title(text: str, span: Span) -> Span:
    """A German person's name without the capitalized title or role before it: "Premierminister Viktor Orban"
    → "Viktor Orban", "Bibel von William Tyndale" → "William Tyndale" (a run of three capitalized words, after
    leading function words like "Die", keeps its last two unless the middle one is an initial; other runs are left
    whole). A name of three words loses its first ("Kim Jong Un" → "Jong Un")."""
    words = list(re.finditer(r"\S+", text[span.start : span.end]))
    while len(words) > 1 and words[0].group() in NOT_NAMES:
        words = words[1:]  # "Die Botschafterin Olga Stefanischyna" at a sentence's start
    capitalized = [w for w in words if w.group()[:1].isupper()]
    if len(capitalized) != 3 or re.fullmatch(r"\w\.", capitalized[1].group()):
        return span  # "George W. Bush": a name of three words
    return Span(span.start + capitalized[-2].start(), span.end, span.kind)


_TIME_WORD = re.compile(rf"^(?:{_MONTHS}|{_WEEKDAYS})", re.IGNORECASE)


# Nouns that follow a German preposition without an article in set phrases, not places ("in Bezug auf",
# "im Rahmen", "am Rande", "in Kraft"). (Not every abstract noun: "an der Universität", "in der Landwirtschaft"
# answer "where" questions.)
_PHRASE_NOUNS_DE = frozenset(
    "Bezug Hinblick Rahmen Zuge Vorfeld Gegensatz Anschluss Auftrag Namen Rande Laufe Höhe Kraft Frage Zukunft Kürze "
    "Folge Fall Falle Sachen Betracht Kauf Anspruch Gefahr Haft Not Moment Vergleich Verlauf Mittelpunkt Vordergrund "
    "Hintergrund Gespräch Amt Einsatz Krieg Jahr Jahre Durchschnitt Internet Fernsehen Streit Ende Anfang Abend Morgen "
    "Mittag Nachmittag Vormittag Wochenende Tag Sinne Grunde Wesentlichen Gange Kontakt Zusammenarbeit Zusammenhang "
    "Angaben Ansicht Sicht Meinung Worten Berichten Informationen Schätzungen Darstellung".split()
)


def _is_place_de(value: str) -> bool:
    """Not a month or weekday ("im August", "am Freitag"), a function word or the noun of a set phrase."""
    words = value.split()
    first = words[0].rstrip(".'’")
    if first in NOT_NAMES or _TIME_WORD.match(first):
        return False
    return len(words) > 1 or first not in _PHRASE_NOUNS_DE


def _trim(text: str, span: Span) -> Span:
    start, end = span.start, span.end
    while end > start and text[end - 1] in " ,;:.-–—":
        if text[end - 1] == "." and end - 1 > start and text[end - 2].isdigit() and span.kind == "time":
            break  # "15." in "am 15. August" is part of the date
        end -= 1
    while start < end and text[start] == " ":
        start += 1
    return Span(start, end, span.kind)


_DURATION = re.compile(rf"\b{_UNITS_TIME}\b", re.IGNORECASE)
_POINT = re.compile(
    r"^(?:vor|next|last|this|coming|nächste\w*|kommende\w*|letzte\w*|vergangene\w*|diese\w*)\b"
    r"|\b(?:ago|später|früher|zuvor|danach|later|earlier)$",
    re.IGNORECASE,
)


def is_duration(expression: str) -> bool:
    """Whether a time expression is a length of time ("zwei Wochen", "within 10 days", "seit drei Jahren"),
    not a point in time ("Ende Juli", "am 15. August", "next week", "vor drei Jahren", "two years ago")."""
    return bool(_DURATION.search(expression)) and not _POINT.search(expression)


def undecided(text: str, kind: str) -> bool:
    """Whether a sentence says that the asked-for thing is not decided or named ("nannte keinen Termin")."""
    pattern = _UNDECIDED.get(kind)
    return bool((pattern is not None and pattern.search(text)) or _UNDECIDED["any"].search(text))


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """A name as it compares across languages and scripts: in Latin letters (anyascii: "Будапеште" →
    "budapeshte", "Orbán" → "orban", "ß" → "ss"), lower case, letters and digits only (cached per word)."""
    return "".join(ch for ch in anyascii(word).lower() if ch.isalnum())


# How one name's first sound is spelled in English and in German (or another Latin-script language):
# Zelensky / Selenskyj, Yanukovych / Janukowytsch, Volodymyr / Wolodymyr, Kharkiv / Charkiw.
# Longest spelling first; each maps to one common spelling.
_INITIAL_SOUNDS = (("tsch", "ch"), ("tch", "ch"), ("kh", "ch"), ("ts", "s"), ("ph", "f"), ("z", "s"), ("y", "j"), ("w", "v"))


@lru_cache(maxsize=65536)
def sound_fold(word: str) -> str:
    """`fold(word)` with its first sound spelled one way (_INITIAL_SOUNDS, and a "c" not of "ch" as "k"):
    "Zelensky" → "selensky", "Cologne" → "kologne"."""
    folded = fold(word)
    for spelling, common in _INITIAL_SOUNDS:
        if folded.startswith(spelling):
            return common + folded[len(spelling) :]
    if folded.startswith("c") and not folded.startswith("ch"):
        return "k" + folded[1:]
    return folded


@lru_cache(maxsize=65536)
def name_matches(name: str, word: str) -> bool:
    """Whether a question's name and a passage's word name the same thing ("Russia" ~ "russischen", "Rhine" ~ "Rhein",
    "Zelensky" ~ "Selenskyj").

    Same first four letters, or the same first letter and close spelling (difflib ratio ≥ 0.72); short
    names must match whole. Failing that, a name whose first sound is spelled otherwise (`sound_fold`)
    matches only a word spelled closely over its whole length (ratio ≥ 0.8): "Selenskyj", but not
    "werden" for "Verdi" or "Chancen" for "Khan". Cached: the same words come up in every passage.
    """
    a, b = fold(name), fold(word)
    if not a or not b:  # punctuation alone names nothing
        return False
    if _close_spelling(a, b):
        return True
    a_sound, b_sound = sound_fold(name), sound_fold(word)
    if (a_sound, b_sound) == (a, b) or len(a_sound) <= 3 or a_sound[:1] != b_sound[:1]:
        return False
    return abs(len(a_sound) - len(b_sound)) <= 2 and SequenceMatcher(None, a_sound, b_sound).ratio() >= 0.8


def _close_spelling(a: str, b: str) -> bool:
    if len(a) <= 3 or a[:1] != b[:1]:
        return a == b
    if a[:4] == b[:4] and (len(a) >= 5 or a == b[: len(a)]):
        return True
    return abs(len(a) - len(b)) <= 3 and SequenceMatcher(None, a, b).ratio() >= 0.72


_WORD = re.compile(r"\w+")


def focus_positions(text: str, language: str | None, names: Sequence[str], focus: Sequence[str], same_language: bool) -> list[int]:
    """Character offsets of the words of `text` that match the question's focus.

    Same language: stemmed content words (and names); other language: names only,
    compared by spelling (see name_matches).
    """
    positions: list[int] = []
    wanted = set(focus) if same_language else set()
    spelled = [n for n in names if not n.isdigit()]
    initials = {fold(n)[:1] for n in spelled} | {sound_fold(n)[:1] for n in spelled}
    for match in _WORD.finditer(text):
        word = match.group()
        if wanted and stem(word, language) in wanted:
            positions.append(match.start())
        elif word.isdigit():
            if word in names:
                positions.append(match.start())
        elif {fold(word)[:1], sound_fold(word)[:1]} & initials and any(name_matches(n, word) for n in spelled):
            positions.append(match.start())  # (names with another first letter never match: skip them fast)
    return positions


@lru_cache(maxsize=65536)
def stem(word: str, language: str | None) -> str | None:
    """The word as index.retrieval.keywords.terms stems it (None for a stop word); cached per word."""
    stems = terms(word, language)
    return stems[0] if stems else None


def near(span: Span, positions: Sequence[int], window: int) -> bool:
    """Whether a focus word lies within `window` characters of the span."""
    return any(span.start - window <= p <= span.end + window for p in positions)
