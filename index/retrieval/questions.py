"""What a question asks for: the expected answer type and the words it is about. Pure functions.

An answer to "When …?" is a time expression, to "How many …?" a number, to
"Who …?" a name. Knowing that lets ranking prefer passages and sentences that
hold such an expression near the question's focus (its names and content
words), and lets the answer mark the span. Small talk (greetings, "how are
you", weather forecasts, recipes, jokes) asks nothing the news can answer and
is recognised here so that it is refused instead of answered with a random quote.

Patterns cover English and German, and the question words (when, how many, who, where, why) of
the other languages the language detector knows; small talk in those languages is recognised by
meaning (index.retrieval.small_talk).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, cast

from index.retrieval.keywords import neutral_words, terms

AnswerType = Literal["time", "number", "person", "place", "organisation", "reason", "yesno", "other"]
ANSWER_TYPES: tuple[AnswerType, ...] = ("time", "number", "person", "place", "organisation", "reason", "yesno", "other")

_ORG_NOUNS_EN = r"(?:company|companies|firm|organi[sz]ations?|team|teams|party|parties|university|club|agency|group|institution|network|band)"
_ORG_NOUNS_DE = r"(?:firma|firmen|unternehmen|organisation(?:en)?|mannschaft|team|partei(?:en)?|universität|verein|behörde|gruppe|institution|sender|band|konzern)"
_PLACE_NOUNS_EN = r"(?:country|countries|city|cities|state|region|place|town|continent|island|river|location|area|nation)"
_PLACE_NOUNS_DE = r"(?:land|länder|ländern|stadt|städte|staat|region|ort|kontinent|insel|fluss|gegend|gebiet)"
_NUMBER_NOUNS_EN = r"(?:range|size|height|length|number|amount|percentage|proportion|distance|population|price|cost|share|rate|weight|speed|depth|temperature)"
_NUMBER_NOUNS_DE = r"(?:reichweite|höhe|größe|länge|anzahl|summe|zahl|menge|entfernung|bevölkerung|einwohnerzahl|preis|kosten|anteil|rate|gewicht|geschwindigkeit|tiefe|temperatur|prozent)"
_TIME_NOUNS_EN = r"(?:year|years|date|day|month|century|decade|time|period|era|season)"
_TIME_NOUNS_DE = r"(?:jahr|jahres|datum|tag|tages|monat|jahrhundert|jahrzehnt|zeitpunkt|zeit|zeitraum|epoche|saison|uhrzeit)"
_PREP = r"(?:(?:in|on|at|by|from|to|during|of|an|am|im|um|in|zu|seit|bis|ab|aus|von|vor|nach|für|mit)\s+)?"

# First matching rule wins; each is tried at the start of the question (after an optional preposition).
# "yesno-en"/"yesno-de": only for a question in that language (or of unknown language): German "Was …?" is no yes/no question.
_RULE_TEXTS: tuple[tuple[str, str], ...] = (
    ("time", r"^(?:since|until|till|by)\s+when\b|^(?:seit|bis|ab)\s+wann\b"),
    ("time", r"^how\s+long\b|^wie\s+lange?\b(?!\s+(?:ist|war|sind|waren)\s+(?:der|die|das)\b)"),
    ("number", r"^how\s+(?:many|much|far|old|large|big|high|tall|deep|wide|long|heavy|often|fast)\b"),
    ("number", r"^wie\s*(?:viele?|hoch|groß|weit|alt|schwer|oft|schnell|tief|breit)\b|^wieviele?\b"),
    ("time", r"^when\b|^wann\b|^what\s+time\b|^um\s+wie\s+viel\s+uhr\b"),
    ("time", rf"^{_PREP}(?:what|which|welche[mnrs]?)\s+{_TIME_NOUNS_EN}\b|^{_PREP}welche[mnrs]?\s+{_TIME_NOUNS_DE}\b"),
    ("number", rf"^{_PREP}(?:what|which)\s+(?:is\s+the\s+|was\s+the\s+|are\s+the\s+)?{_NUMBER_NOUNS_EN}\b"),
    ("number", rf"^{_PREP}(?:welche[mnrs]?|was\s+ist\s+die|wie\s+(?:hoch|groß)\s+ist\s+die)\s+{_NUMBER_NOUNS_DE}\b"),
    ("organisation", rf"^{_PREP}(?:what|which)\s+{_ORG_NOUNS_EN}\b|^{_PREP}welche[mnrs]?\s+{_ORG_NOUNS_DE}\b"),
    ("place", rf"^{_PREP}(?:what|which)\s+{_PLACE_NOUNS_EN}\b|^{_PREP}welche[mnrs]?\s+{_PLACE_NOUNS_DE}\b"),
    ("place", r"^where\b|^wo(?:hin|her)?\b"),
    ("person", r"^(?:who|whom|whose)\b|^(?:wer|wem|wen|wessen)\b"),
    ("reason", r"^why\b|^for\s+what\s+reason\b|^how\s+come\b|^(?:warum|weshalb|wieso|weswegen)\b|^aus\s+welchem\s+grund\b"),
    ("yesno-en", r"^(?:is|are|was|were|do|does|did|can|could|will|would|has|have|had|should|shall|may|might|must)\b"),
    ("yesno-de", r"^(?:ist|sind|war|waren|hat|haben|hatte|hatten|wird|werden|wurde|wurden|kann|können|konnte|gibt|gab|soll|sollen|darf|muss|müssen)\b"),
)
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple((kind, re.compile(p, re.IGNORECASE)) for kind, p in _RULE_TEXTS)

# The question words of other languages the detector knows (index.retrieval.language), tried only for a
# question detected in that language and before the rules above (Dutch "wie" is "who", German "wie" "how").
# The answer is still found in the passages' language: only the type comes from here. Turkish puts its
# question word late ("Zirve ne zaman?"), so its rules are not anchored at the start.
_OTHER_LANGUAGE_RULE_TEXTS: dict[str, tuple[tuple[AnswerType, str], ...]] = {
    "fr": (
        ("time", r"^quand\b|^depuis\s+quand\b|^jusqu['’]?\s*(?:à|a)\s+quand\b|^(?:à|a|en|depuis)\s+quel(?:le)?s?\s+(?:date|année|jour|heure|mois|siècle)\b"),
        ("number", r"^combien\b"),
        ("person", r"^(?:qui|à\s+qui|de\s+qui)\b"),
        ("place", r"^(?:où|d['’]où|jusqu['’]où)(?!\w)"),
        ("reason", r"^pourquoi\b"),
    ),
    "es": (
        ("time", r"^(?:desde\s+|hasta\s+)?cu[aá]ndo\b|^(?:en|desde)\s+qu[eé]\s+(?:año|fecha|día|mes|siglo)\b|^a\s+qu[eé]\s+hora\b"),
        ("number", r"^cu[aá]nt[oa]s?\b"),
        ("person", r"^(?:a\s+|de\s+)?qui[eé]n(?:es)?\b"),
        ("place", r"^(?:a\s*|de\s*)?d[oó]nde\b"),
        ("reason", r"^por\s*qu[eé]\b"),
    ),
    "it": (
        ("time", r"^(?:da\s+|fino\s+a\s+)?quando\b|^(?:in|da)\s+che\s+(?:anno|data|giorno|mese|secolo)\b|^a\s+che\s+ora\b"),
        ("number", r"^quant[oiae]\b"),
        ("person", r"^(?:a\s+|di\s+)?chi\b"),
        ("place", r"^(?:da\s+)?dove\b"),
        ("reason", r"^perch[eé]\b"),
    ),
    "pt": (
        ("time", r"^(?:desde\s+|até\s+)?quando\b|^(?:em|desde)\s+que\s+(?:ano|data|dia|mês|século)\b|^a\s+que\s+horas\b"),
        ("number", r"^quant[oa]s?\b"),
        ("person", r"^(?:a\s+|de\s+)?quem\b"),
        ("place", r"^(?:a\s*|de\s*)?onde\b"),
        ("reason", r"^por\s*qu[eê]\b"),
    ),
    "nl": (
        ("time", r"^(?:sinds\s+|tot\s+)?wanneer\b|^in\s+welk(?:e)?\s+(?:jaar|maand|eeuw)\b"),
        ("number", r"^hoeveel\b"),
        ("person", r"^wie\b"),
        ("place", r"^waar(?:heen|vandaan)?\b"),
        ("reason", r"^waarom\b"),
    ),
    "pl": (
        ("time", r"^(?:od\s+|do\s+)?kiedy\b|^w\s+(?:którym|jakim)\s+(?:roku|miesiącu|wieku)\b"),
        ("number", r"^ile\b"),
        ("person", r"^(?:kto|kogo|komu|kim)\b"),
        ("place", r"^(?:gdzie|dokąd|skąd)\b"),
        ("reason", r"^(?:dlaczego|czemu)\b"),
    ),
    "ru": (
        ("time", r"^(?:с\s+|до\s+)?когда\b|^в\s+каком\s+(?:году|месяце|веке)\b"),
        ("number", r"^сколько\b"),
        ("person", r"^(?:кто|кого|кому|кем)\b"),
        ("place", r"^(?:где|куда|откуда)\b"),
        ("reason", r"^(?:почему|зачем)\b"),
    ),
    "uk": (
        ("time", r"^(?:з\s+|до\s+)?коли\b|^[ву]\s+якому\s+(?:році|місяці)\b"),
        ("number", r"^скільки\b"),
        ("person", r"^(?:хто|кого|кому)\b"),
        ("place", r"^(?:де|куди|звідки)\b"),
        ("reason", r"^(?:чому|навіщо)\b"),
    ),
    "cs": (
        ("time", r"^(?:od\s+|do\s+)?kdy\b|^v\s+(?:kterém|jakém)\s+roce\b"),
        ("number", r"^kolik\b"),
        ("person", r"^(?:kdo|koho|komu)\b"),
        ("place", r"^(?:kde|kam|odkud)\b"),
        ("reason", r"^proč\b"),
    ),
    "sv": (
        ("time", r"^(?:sedan\s+|till\s+)?när\b|^vilket\s+år\b|^hur\s+länge\b"),
        ("number", r"^hur\s+(?:många|mycket)\b"),
        ("person", r"^vem\b"),
        # "var" is also "was" and "vart" "became": where only before a verb of place or meeting
        ("place", r"^varifrån\b|^var(?:t)?\s+(?:ligger|finns|bor|hålls|sker|skedde|hände|träffas|träffades|möts|ska|kommer|åker|reser|flyttar)\b"),
        ("reason", r"^varför\b"),
    ),
    "da": (
        ("time", r"^hvornår\b|^hvilket\s+år\b|^hvor\s+længe\b"),
        ("number", r"^hvor\s+(?:mange|meget)\b"),
        ("person", r"^hvem\b"),
        ("reason", r"^hvorfor\b"),
        # "hvor" + an adjective or adverb asks how ("hvor gammel", "hvor stor"), not where
        ("place", r"^hvor\b(?!\s+(?:gammel|gamle|længe|lang|langt|stor|store|høj|højt|ofte|tit|dyr|dyrt|mange|meget|hurtig|hurtigt)\b)"),
    ),
    "tr": (
        ("time", r"\bne\s+zaman\b|\bhangi\s+(?:yıl|tarih|gün)"),
        ("number", r"\bkaç\b|\bne\s+kadar\b"),
        ("person", r"\bkim(?:in|e|i|den|ler|inle)?\b(?!(?-i:\s+[A-ZÇĞİÖŞÜ]))"),  # not "Kim Jong Un"
        ("place", r"\bnere(?:de|ye|den)\b"),
        ("reason", r"\b(?:neden|niçin|niye)\b"),
    ),
}
# "Et quand …?", "А когда …?", "Y cuándo …?": the word for "and" (or "but") of the question's language does not change the type.
_OTHER_CONJUNCTIONS = {
    "fr": "et mais", "es": "y pero", "it": "e ma", "pt": "e mas", "nl": "en maar", "pl": "i ale a", "ru": "а и но",
    "uk": "а і та але", "cs": "a ale", "sv": "och men", "da": "og men", "tr": "ve ama",
}
_OTHER_LEADING = {
    code: re.compile(rf"^(?:(?:{'|'.join(words.split())})\s*,?\s+)+", re.IGNORECASE) for code, words in _OTHER_CONJUNCTIONS.items()
}
_OTHER_LANGUAGE_RULES: dict[str, tuple[tuple[AnswerType, re.Pattern[str]], ...]] = {
    code: tuple((kind, re.compile(p, re.IGNORECASE)) for kind, p in rules) for code, rules in _OTHER_LANGUAGE_RULE_TEXTS.items()
}

# "And when …?", "Und wer …?": a leading conjunction does not change the type.
_LEADING = re.compile(r"^(?:(?:and|und|but|aber|so|also|then|dann|na)\s*,?\s+)+", re.IGNORECASE)

# Kinds of question that news articles cannot answer. Patterns describe the kind, not examples.
_SMALL_TALK = re.compile(
    r"^(?:hi|hello|hey|hallo|moin|servus|grüß\s*gott|guten\s+(?:morgen|tag|abend)|good\s+(?:morning|evening|afternoon))\b[\s!.,]*\w{0,12}[\s!.?]*$"
    r"|\bhow\s+are\s+you\b|\bhow\s+(?:is|'s)\s+it\s+going\b|\bwhat'?s\s+up\b|\bwie\s+geht'?s\b|\bwie\s+geht\s+es\s+(?:dir|ihnen|euch)\b"
    r"|^(?:thanks?|thank\s+you|danke)\b|\bwho\s+are\s+you\b|\bwer\s+bist\s+du\b|\bare\s+you\s+a\s+(?:bot|robot|human)\b"
    r"|\btell\s+me\s+a\s+joke\b|\berzähl\w*\s+(?:mir\s+)?einen\s+witz\b"
    r"|\b(?:recipe|rezept)\b"
    r"|\b(?:weather|wetter|forecast|wettervorhersage)\b.*\b(?:tomorrow|today|tonight|weekend|next\s+week|morgen|heute|übermorgen|wochenende|nächste\s+woche)\b"
    r"|\b(?:tomorrow|today|tonight|morgen|heute)\b.*\b(?:weather|wetter)\b"
    r"|\bwill\s+it\s+(?:rain|snow)\b|\bwird\s+es\s+(?:regnen|schneien)\b",
    re.IGNORECASE,
)

# Words that say what kind of answer is wanted, not what it is about.
_QUESTION_WORDS = set(
    "what which who whom whose when where why how many much long far old large big high tall often "
    "year years date day month century decade time period name called kind type "
    "was welche welcher welches welchen welchem wer wem wen wessen wann wo wohin woher warum weshalb wieso wie "
    "viele viel lange hoch groß weit alt jahr jahres datum tag monat jahrhundert zeit name namen heißt genannt art "
    "do does did doing done is are was were be been will would can could should".split()
)


@dataclass(frozen=True)
class QuestionAnalysis:
    """A question's expected answer type and focus.

    `names`: capitalized words and numbers (lower-cased), which read alike across
    languages; `focus`: stemmed content words in the question's language (see
    index.retrieval.keywords.terms), without the words that only say what is asked.
    """

    text: str
    language: str | None
    type: AnswerType
    names: tuple[str, ...]
    focus: tuple[str, ...]
    small_talk: bool


def answer_type(question: str, language: str | None = None) -> AnswerType:
    """The expected answer type from the question's opening words (English and German rules; the
    question words of `language` first when it is one of _OTHER_LANGUAGE_RULES)."""
    opening = _LEADING.sub("", question.strip().lstrip("¿¡\"'„“«»").strip())
    rules = _OTHER_LANGUAGE_RULES.get(language or "", ())
    if rules:
        own = _OTHER_LEADING[language or ""].sub("", opening)
        for kind_of, pattern in rules:
            if pattern.search(own):
                return kind_of
    for kind, pattern in _RULES:
        kind, _, only = kind.partition("-")
        if only and language is not None and language != only:
            continue
        if pattern.search(opening):
            return cast(AnswerType, kind)
    return "other"


def is_small_talk(question: str) -> bool:
    """Greetings, "how are you", weather forecasts, recipes and jokes: nothing the news answers."""
    return bool(_SMALL_TALK.search(question.strip()))


def analyze(question: str, language: str | None) -> QuestionAnalysis:
    """Type, names, focus and small-talk flag of a question (language: ISO code or None)."""
    names = tuple(w for w in neutral_words(question) if w.lower() not in _QUESTION_WORDS)
    words = [w for w in re.findall(r"\w+", question) if w.lower() not in _QUESTION_WORDS]
    focus = tuple(dict.fromkeys(terms(" ".join(words), language)))
    return QuestionAnalysis(question, language, answer_type(question, language), names, focus, is_small_talk(question))
