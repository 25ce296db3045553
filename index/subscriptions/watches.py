"""Watched questions: the answer a watch remembers, whether a new answer changed it, and the pre-filter. Pure functions.

A watch (`/watch QUESTION`) remembers the answer it was given: its first quote, the
passage and article that quote comes from, the article's date and the answer span
(a date, a number, a name) where one was marked. When new articles are indexed, a
watch is asked again only if one of their paragraphs comes close to its question
(`bearing`: one matrix product of the watches' question vectors against the new
paragraphs' vectors). A post goes out only when `changed` says so: the new answer
(the answer's first quote from a new article: the best sentence, or one nearly as good,
see `remembered`) comes from another, not older article and says something different:

- both answers have a span: the spans' facts differ (another date, number or name;
  "12. November" and "November 12" are the same date, "2.500" and "2,500 people" the
  same number, "Rubio" and "Marco Rubio" the same person);
- one says the thing is not decided yet and the other names it;
- a span on one side only: the new sentence states a value of the answer's type (the
  span, or the dates, numbers or names in it) that the old sentence does not;
- a question without one expected value ("why", "what happened"): the new sentence has
  a number the old one does not, or at least half of its content words are new to it.

An article that repeats the old answer, in other words or another word order, posts nothing.
"""

from __future__ import annotations

import re
from collections.abc import Container, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from index.answers import spans
from index.domain import Answer
from index.retrieval.keywords import terms

NEW_WORDS_SHARE = 0.5  # an untyped answer changed when at least this share of its content words is new


@dataclass(frozen=True)
class WatchedAnswer:
    """What a watch remembers of an answer (and what its post shows).

    `sentence`: the first quoted sentence; `span`: its marked answer or None;
    `resolved`: the ISO date a time span points to where it was worked out
    ("innerhalb von zwei Wochen" in an article of 2025-10-16 → "2025-10-30");
    `published`: the article's ISO date or None; `kind`: the question's answer type.
    """

    article_id: str
    sentence: str
    span: str | None
    published: str | None
    title: str
    source: str
    url: str | None
    paragraph: int
    kind: str = "other"
    undecided: bool = False
    resolved: str | None = None
    language: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WatchedAnswer:
        """The stored form back; keys this version does not know are ignored."""
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)


def remembered(answer: Answer, among: Container[str] | None = None) -> WatchedAnswer | None:
    """The part of an answer a watch keeps: its first quote and where it comes from; None if nothing was found.

    With `among` (the ids of new articles), the first quote from one of those articles, or
    None: a quote is a sentence nearly as good as the best one (index.answers.extractive quotes a
    second sentence only then), and of two such answers the newer article's is the current one.
    """
    quotes = [q for q in answer.quotes if among is None or answer.passages[q.passage].chunk.article_id in among]
    if not quotes:
        return None
    quote = quotes[0]
    chunk = answer.passages[quote.passage].chunk
    span = quote.span_text
    resolved = next((t.resolved for t in quote.times if span is not None and t.expression == span), None)
    return WatchedAnswer(
        article_id=chunk.article_id, sentence=quote.text, span=span, published=chunk.published, title=chunk.title,
        source=chunk.source, url=chunk.url, paragraph=chunk.paragraph, kind=answer.kind, undecided=quote.undecided,
        resolved=resolved, language=chunk.language,
    )  # fmt: skip


def newer_or_same_day(new: WatchedAnswer, old: WatchedAnswer) -> bool:
    """Whether the new answer's article is not older than the old one's (an undated one counts as new)."""
    return new.published is None or old.published is None or new.published >= old.published


VALUE_KINDS = ("time", "number", "person", "place", "organisation")  # questions whose answer is one value


def changed(old: WatchedAnswer, new: WatchedAnswer) -> bool:
    """Whether `new` tells the watcher something `old` did not (see the module's rules)."""
    if new.article_id == old.article_id or not newer_or_same_day(new, old):
        return False
    if new.undecided != old.undecided and (new.span is None) != (old.span is None):
        return True  # "no date yet" against a date, either way round
    if new.kind in VALUE_KINDS:
        if new.span is not None and old.span is not None:
            if new.resolved and old.resolved:
                return new.resolved != old.resolved
            return not same_facts(old.span, new.span, new.kind)
        # A span on one side only: does the other sentence state that value too?
        if new.span is not None:
            return not _states(old, new.span, new.kind)
        if old.span is not None:
            return bool(values(new, everything=True)) and not _states(new, old.span, new.kind)
        stated = values(new, everything=False)
        return bool(stated) and not _within(stated, values(old, everything=True), new.kind)
    if numbers(new.sentence) - numbers(old.sentence):
        return True
    return new_words_share(old.sentence, old.language, new.sentence, new.language) >= NEW_WORDS_SHARE


def values(answer: WatchedAnswer, *, everything: bool) -> frozenset[str]:
    """The facts of the answer's span; without a span (or with `everything`), of every expression of its type in the sentence."""
    found: set[str] = set(span_facts(answer.span, answer.kind)) if answer.span else set()
    if everything or not answer.span:
        for span in spans.find_spans(answer.sentence, answer.kind):
            found |= span_facts(answer.sentence[span.start : span.end], answer.kind)
    return frozenset(found)


def _states(answer: WatchedAnswer, span: str, kind: str) -> bool:
    """Whether the answer's sentence states the value `span` names (a name: its last word, "Huber" for "Peter Huber")."""
    if kind in ("person", "place", "organisation"):
        words = span.split()
        return bool(words) and any(spans.name_matches(words[-1].strip(".,;:"), w) for w in re.findall(r"\w+", answer.sentence))
    return _within(span_facts(span, kind), values(answer, everything=True), kind)


def _within(part: frozenset[str], whole: frozenset[str], kind: str) -> bool:
    if kind in ("person", "place", "organisation"):
        return _names_within(part, whole)
    return part <= whole


# --- facts: numbers, dates and names as they compare across wordings and languages ------------

_MONTH_NUMBERS = {
    "jan": 1, "jän": 1, "feb": 2, "mär": 3, "mar": 3, "apr": 4, "mai": 5, "may": 5, "jun": 6, "jul": 7,
    "aug": 8, "sep": 9, "okt": 10, "oct": 10, "nov": 11, "dez": 12, "dec": 12,
}  # fmt: skip
_NUMBER_WORDS = {
    "null": 0, "zero": 0, "eins": 1, "ein": 1, "eine": 1, "one": 1, "zwei": 2, "two": 2, "drei": 3, "three": 3,
    "vier": 4, "four": 4, "fünf": 5, "five": 5, "sechs": 6, "six": 6, "sieben": 7, "seven": 7, "acht": 8, "eight": 8,
    "neun": 9, "nine": 9, "zehn": 10, "ten": 10, "elf": 11, "eleven": 11, "zwölf": 12, "twelve": 12,
    "zwanzig": 20, "twenty": 20, "dreißig": 30, "thirty": 30, "hundert": 100, "hundred": 100,
    "tausend": 1000, "thousand": 1000,
}  # fmt: skip
_SCALES = {"million": 10**6, "millionen": 10**6, "mio": 10**6, "milliarde": 10**9, "milliarden": 10**9, "mrd": 10**9, "billion": 10**9}
_TOKEN = re.compile(r"\d+(?:[.,']\d{3})+(?![\d])|\d+(?:[.,]\d+)?|[^\W\d_]+", re.UNICODE)
_WEEKDAY_OR_FILLER = set(
    "am on the im in of um at an der den die das von bis until by since seit ab from mehr als more than über over rund etwa "
    "about around nearly fast knapp almost some uhr".split()
)


def _number(token: str) -> float | None:
    """A number as written ("2.500", "2,500", "3,5", "12") as a value; None if it is no number."""
    if re.fullmatch(r"\d+(?:[.,']\d{3})+", token):
        return float(re.sub(r"[.,']", "", token))
    if re.fullmatch(r"\d+(?:[.,]\d+)?", token):
        return float(token.replace(",", "."))
    return None


def span_facts(value: str, kind: str) -> frozenset[str]:
    """The comparable content of an answer span: numbers (with scales applied), months as numbers, other words folded.

    "12. November", "November 12th" → {"12", "m11"}; "2.500 Menschen", "2,500 people" → {"2500"} plus
    their words for a number span only when no number is in it; names → their folded words.
    """
    tokens = [t for t in _TOKEN.findall(value)]
    found: set[str] = set()
    words: set[str] = set()
    pending: float | None = None
    for token in tokens:
        lower = token.lower()
        number = _number(lower)
        if number is None and lower in _NUMBER_WORDS and kind in ("number", "time"):
            number = float(_NUMBER_WORDS[lower])
        if number is not None:
            if pending is not None:
                found.add(_fmt(pending))
            pending = number
            continue
        if lower in _SCALES and pending is not None:
            pending *= _SCALES[lower]
            continue
        if lower[:3] in _MONTH_NUMBERS and kind == "time" and _is_month(lower):
            found.add(f"m{_MONTH_NUMBERS[lower[:3]]}")
            continue
        if lower not in _WEEKDAY_OR_FILLER:
            words.add(spans.fold(lower))
    if pending is not None:
        found.add(_fmt(pending))
    if kind in ("person", "place", "organisation", "other", "reason", "yesno"):
        return frozenset(found | words)
    return frozenset(found) if found else frozenset(words)


def _is_month(word: str) -> bool:
    return bool(re.fullmatch(r"(?:jan|jän|feb|mär|mar|apr|mai|may|jun|jul|aug|sep|okt|oct|nov|dez|dec)\w*", word))


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def same_facts(old: str, new: str, kind: str) -> bool:
    """Whether two answer spans say the same thing (names: one's words are among the other's, by spelling)."""
    a, b = span_facts(old, kind), span_facts(new, kind)
    if kind in ("person", "place", "organisation"):
        return _names_within(a, b) or _names_within(b, a)
    return a == b


def _names_within(part: frozenset[str], whole: frozenset[str]) -> bool:
    return bool(part) and all(any(w == p or spans.name_matches(p, w) for w in whole) for p in part)


_FACT = re.compile(r"\d+(?:[.,']\d+)*")


def numbers(sentence: str) -> frozenset[str]:
    """The numbers of a sentence (dates' digits too) as values, so "2.500" and "2,500" compare equal."""
    return frozenset(_fmt(v) for v in (_number(m.group()) for m in _FACT.finditer(sentence)) if v is not None)


def new_words_share(old: str, old_language: str | None, new: str, new_language: str | None) -> float:
    """The share of the new sentence's content words (stemmed) that the old sentence does not have."""
    new_terms = set(terms(new, new_language))
    if not new_terms:
        return 0.0
    old_terms = set(terms(old, old_language))
    return len(new_terms - old_terms) / len(new_terms)


# --- the pre-filter ---------------------------------------------------------------------------


def bearing(question_vectors: np.ndarray, paragraph_vectors: np.ndarray, threshold: float) -> np.ndarray:
    """Indices of the watches (rows of `question_vectors`, W×d) whose closest new paragraph (rows of
    `paragraph_vectors`, P×d, both unit length) has a cosine of at least `threshold`: one W×P product."""
    if len(question_vectors) == 0 or len(paragraph_vectors) == 0:
        return np.zeros(0, dtype=np.int64)
    best = (question_vectors @ paragraph_vectors.T).max(axis=1)
    return np.flatnonzero(best >= threshold)


def vector_bytes(vector: np.ndarray) -> bytes:
    """A question vector as stored (float32, little endian)."""
    return np.asarray(vector, dtype="<f4").tobytes()


def vectors_from(blobs: Sequence[bytes], dimensions: int) -> np.ndarray:
    """Stored question vectors as one W×d float32 matrix."""
    if not blobs:
        return np.zeros((0, dimensions), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), dimensions).astype(np.float32)
