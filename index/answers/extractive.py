"""Choose the sentences that answer a question from the retrieved passages. Pure functions.

Without a language model the answer is extractive: the sentence(s) of the top
passages closest to the question, quoted as they are. The question's expected
answer type (index.retrieval.questions) is evidence: a passage or sentence holding a
date for "when", a number for "how many", near the question's focus words,
ranks higher, and the expression found is marked as the answer's span. An answer never quotes
a passage that was not retrieved, because candidates come only from `passages`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.answers import spans
from index.answers import times
from index.domain import Chunk, IndexHoldings, Passage, Quote
from index.retrieval.keywords import terms
from index.retrieval.questions import QuestionAnalysis
from index.ingest.splitting import shorten, split_sentences
from index.embedding.sentence_vectors import answer_sentences

ANSWER_PASSAGES = 3  # every sentence of this many top passages is a candidate
EXTRA_PASSAGES = 3  # from the passages after them, only sentences with an expression of the expected type
MAX_QUOTES = 2
SECOND_QUOTE_MARGIN = 0.08  # a second sentence is quoted only if nearly as good as the first (docs/retrieval.md)
NEIGHBOUR_QUOTES = True  # the second may be the first one's neighbour in the same passage
ADJACENT_FIRST = False  # a who/where question: a sentence with a name right next to the question's name leads
SPAN_NEIGHBOUR = False  # a typed question's best sentence without an expression of that type: its neighbour with one is quoted too
PASSAGE_WEIGHT = 0.5  # how much the passage's own score counts for its sentences


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


# Evidence from the expected answer type (tuned on XQuAD half A, see docs/retrieval.md).
TYPED = ("time", "number", "person", "place", "organisation", "reason")
PASSAGE_TYPE_WEIGHT = {"time": 0.01, "number": 0.01}  # bonus for a typed expression near the focus in a passage
SENTENCE_KEYWORD_SHARE = 0.5  # the sentence's keyword bonus counts this much of the passage's
# Weight of the z-scored sparse "latent terms" score among a question's candidate sentences (fused as
# index.retrieval.fusion.fuse fuses it among passages; index.answers.quoting), tuned on half A with
# SECOND_QUOTE_MARGIN.
SENTENCE_TERMS_WEIGHT = 0.6
SENTENCE_TYPE_WEIGHT = 0.04  # bonus for a sentence that holds a typed expression
SENTENCE_NEAR_WEIGHT = 0.04  # more when the expression is right next to a focus word (ADJACENT_CHARS)
SENTENCE_EVENT_WEIGHT = 0.1  # bonus for a word pair of the focus's sentence near the expression
PAIR_WINDOW = 3  # words of a pair are at most this many content words apart, minus one
NEAR_CHARS = 60  # "near": a focus word within this many characters of the expression
ADJACENT_CHARS = 15  # for the sentence bonus: right next to it ("dem russischen Präsidenten Wladimir Putin")


@dataclass(frozen=True)
class Candidate:
    """A sentence of passage number `passage` (an index into the retrieved passages)."""

    text: str
    passage: int
    whole_passage: bool  # the sentence is the passage itself, so its stored vector can be reused
    position: int = 0  # its place among the passage's answer sentences (where its stored vectors are)


def candidate_sentences(
    passages: Sequence[Passage], analysis: QuestionAnalysis | None = None, extra: int | None = None
) -> list[Candidate]:
    """Sentences of the top passages, plus typed or "not decided" sentences of the next `extra` passages.

    Sentences as index.embedding.sentence_vectors.answer_sentences splits them (so that their vectors
    made at ingest are found). Without an analysis (or for an
    untyped question) only the top ANSWER_PASSAGES passages are looked at.
    """
    candidates: list[Candidate] = []
    typed = analysis is not None and analysis.type in ("time", "number")
    extra = EXTRA_PASSAGES if extra is None else extra
    for index, passage in enumerate(passages[: ANSWER_PASSAGES + (extra if typed else 0)]):
        every = answer_sentences(passage.chunk.text, passage.chunk.language)
        whole = every == [passage.chunk.text]
        positions: Sequence[int] = range(len(every))
        if index >= ANSWER_PASSAGES and analysis is not None:
            kind = analysis.type
            positions = [p for p in positions if spans.find_spans(every[p], kind) or spans.undecided(every[p], kind)]
        candidates.extend(Candidate(every[p], index, whole_passage=whole, position=p) for p in positions)
    return candidates


def _focus(analysis: QuestionAnalysis, text: str, language: str | None) -> list[int]:
    same = analysis.language is not None and language == analysis.language
    return spans.focus_positions(text, language, analysis.names, analysis.focus, same)


def answer_spans(analysis: QuestionAnalysis, text: str, language: str | None) -> tuple[list[spans.Span], list[int]]:
    """The typed expressions of `text` that are not the question's own words, and the focus positions."""
    if analysis.type not in TYPED:
        return [], []
    positions = _focus(analysis, text, language)
    found = [s for s in spans.find_spans(text, analysis.type) if not any(s.start <= p < s.end for p in positions)]
    return found, positions


def evidence(
    analysis: QuestionAnalysis, text: str, language: str | None, typed: float, near: float, window: int = NEAR_CHARS
) -> float:
    """`typed` if the text holds an expression of the expected type, plus `near` if one is within `window` characters of the focus."""
    found, positions = answer_spans(analysis, text, language)
    if not found:
        return 0.0
    return typed + (near if any(spans.near(s, positions, window) for s in found) else 0.0)


def passage_evidence(analysis: QuestionAnalysis, chunks: Sequence[Chunk]) -> list[float]:
    """Ranking bonus per passage: an expression of the expected type near the question's focus."""
    weight = PASSAGE_TYPE_WEIGHT.get(analysis.type, 0.0)
    if weight == 0.0:
        return [0.0] * len(chunks)
    return [evidence(analysis, c.text, c.language, 0.0, weight) for c in chunks]


def sentence_evidence(
    analysis: QuestionAnalysis,
    candidates: Sequence[Candidate],
    passages: Sequence[Passage],
    typed: float | None = None,
    near: float | None = None,
    event: float | None = None,
) -> list[float]:
    """Bonus per candidate sentence for holding an expression of the expected type, more when it is
    right next to the focus, and more when it is near a mention of the event the question asks about (see event_pairs).
    """
    typed = SENTENCE_TYPE_WEIGHT if typed is None else typed
    near = SENTENCE_NEAR_WEIGHT if near is None else near
    event = SENTENCE_EVENT_WEIGHT if event is None else event
    pairs = event_pairs(analysis, passages) if event and analysis.type in ("time", "number") else frozenset()
    bonuses = []
    for c in candidates:
        language = passages[c.passage].chunk.language
        bonus = evidence(analysis, c.text, language, typed, near, ADJACENT_CHARS)
        if pairs and bonus and pairs & _pairs(_words_near_spans(analysis, c.text, language)):
            bonus += event
        bonuses.append(bonus)
    return bonuses


def event_pairs(analysis: QuestionAnalysis, passages: Sequence[Passage]) -> frozenset[tuple[str, str]]:
    """Pairs of nearby stemmed words in the top passages' sentences that name the question's focus.

    "When is the Budapest meeting?" names Budapest; a top passage says "sein Treffen mit Putin
    in Budapest": (putin, treff) is how the article refers to the event asked about. Another
    sentence with the same pair next to a time expression ("innerhalb von zwei Wochen mit Putin
    treffen") likely dates that event. This carries an English question's focus into German words.
    """
    found: set[tuple[str, str]] = set()
    for passage in passages[:ANSWER_PASSAGES]:
        language = passage.chunk.language
        for sentence in split_sentences(passage.chunk.text, language):
            if _focus(analysis, sentence, language):
                found |= _pairs(terms(sentence, language))
    return frozenset(found)


def _pairs(stems: Sequence[str], window: int = PAIR_WINDOW) -> set[tuple[str, str]]:
    """Unordered pairs of different stems at most `window - 1` words apart."""
    return {(min(a, b), max(a, b)) for i, a in enumerate(stems) for b in stems[i + 1 : i + window] if a != b}


def _words_near_spans(analysis: QuestionAnalysis, text: str, language: str | None) -> list[str]:
    """Stemmed words (in order, stop words dropped) within NEAR_CHARS of a typed expression, outside it."""
    found, _ = answer_spans(analysis, text, language)
    words = []
    for match in re.finditer(r"\w+", text):
        start = match.start()
        if any(s.start - NEAR_CHARS <= start <= s.end + NEAR_CHARS and not s.start <= start < s.end for s in found):
            stem = spans.stem(match.group(), language)
            if stem is not None:
                words.append(stem)
    return words


def choose_quotes(
    candidates: Sequence[Candidate],
    similarities: Sequence[float] | np.ndarray,
    passage_scores: Sequence[float],
    analysis: QuestionAnalysis | None = None,
    passages: Sequence[Passage] = (),
) -> tuple[Quote, ...]:
    """The best sentence, and a second one: a "not decided" sentence, or one nearly as good.

    A sentence's score mixes its own similarity to the question with its passage's
    score (index i of `passage_scores` belongs to passage i), so that a sentence
    from the best passage wins over a lucky one from a weak passage. The second
    quote comes from another passage or is the best one's neighbour, within
    SECOND_QUOTE_MARGIN. With an analysis (and the passages, for their language and
    date) each quote gets its answer span and time notes, and a sentence of a top
    passage that says the asked-for thing is not decided or named (and names the
    question's focus) is not an answer itself but always the second quote, and the
    answer is then the best sentence holding an expression of the expected type.
    """
    if not candidates:
        return ()
    scores = [
        (1 - PASSAGE_WEIGHT) * float(similarity) + PASSAGE_WEIGHT * passage_scores[c.passage]
        for c, similarity in zip(candidates, similarities, strict=True)
    ]
    order = sorted(range(len(candidates)), key=lambda i: scores[i], reverse=True)
    undecided = _undecided(candidates, analysis, passages, order) if analysis is not None and passages else None
    ranked = [i for i in order if i != undecided] or order
    if undecided is not None and analysis is not None:
        # The article says the exact answer is missing ("nannte keinen Termin"): the answer is then
        # the best sentence that does hold an expression of the type asked for (an estimate), if any.
        typed = [i for i in ranked if answer_spans(analysis, candidates[i].text, passages[candidates[i].passage].chunk.language)[0]]
        ranked = typed[:1] + [i for i in ranked if i not in typed[:1]]
    elif ADJACENT_FIRST and analysis is not None and passages and analysis.type in ("person", "place", "organisation") and analysis.names:
        # "Who is the president of Russia?": the answer names someone right next to the question's name
        # ("dem russischen Präsidenten Wladimir Putin"); a sentence that only mentions Russia does not say.
        stating = [i for i in ranked if candidates[i].passage < ANSWER_PASSAGES and _states(analysis, candidates[i], passages)]
        if stating and not _states(analysis, candidates[ranked[0]], passages):
            ranked = stating[:1] + [i for i in ranked if i != stating[0]]
    best = ranked[0]
    chosen = [best]
    if SPAN_NEIGHBOUR and undecided is None and analysis is not None and passages:
        chosen += _span_neighbour(candidates, best, analysis, passages)
    for i in ranked[1:] if undecided is None else ():
        if len(chosen) >= MAX_QUOTES or scores[best] - scores[i] > SECOND_QUOTE_MARGIN:
            break
        if candidates[i].text != candidates[best].text and _second(candidates[best], candidates[i], candidates):
            chosen.append(i)
    if analysis is None or not passages:
        return tuple(Quote(candidates[i].text, candidates[i].passage, scores[i]) for i in chosen)
    quotes = [_quote(candidates[i], scores[i], analysis, passages[candidates[i].passage]) for i in chosen]
    if undecided is not None and undecided != best:
        quotes.append(_quote(candidates[undecided], scores[undecided], analysis, passages[candidates[undecided].passage], True))
    return tuple(quotes)


def _states(analysis: QuestionAnalysis, candidate: Candidate, passages: Sequence[Passage]) -> bool:
    """Whether the sentence holds an expression of the expected type right next to (ADJACENT_CHARS) the question's focus."""
    found, positions = answer_spans(analysis, candidate.text, passages[candidate.passage].chunk.language)
    return any(spans.near(s, positions, ADJACENT_CHARS) for s in found)


def _span_neighbour(candidates: Sequence[Candidate], best: int, analysis: QuestionAnalysis, passages: Sequence[Passage]) -> list[int]:
    """[the sentence after (else before) the best one, in its passage] when that one holds an expression of the
    expected type and the best one does not (the answer often follows: "Sie trafen sich erneut. Das war 1998.")."""
    if analysis.type not in TYPED:
        return []
    language = passages[candidates[best].passage].chunk.language
    if answer_spans(analysis, candidates[best].text, language)[0]:
        return []
    for i in (best + 1, best - 1):
        if 0 <= i < len(candidates) and candidates[i].passage == candidates[best].passage:
            if answer_spans(analysis, candidates[i].text, language)[0]:
                return [i]
    return []


def _second(best: Candidate, other: Candidate, candidates: Sequence[Candidate]) -> bool:
    """A second quote comes from another passage, or is the sentence just before or after the best one."""
    if other.passage != best.passage:
        return True
    if not NEIGHBOUR_QUOTES:
        return False
    same = [c.text for c in candidates if c.passage == best.passage]
    return abs(same.index(other.text) - same.index(best.text)) == 1


def _undecided(
    candidates: Sequence[Candidate], analysis: QuestionAnalysis, passages: Sequence[Passage], order: Sequence[int]
) -> int | None:
    """The best-scoring sentence of a top passage saying the asked-for thing is not decided, if it names the focus."""
    if analysis.type not in ("time", "place", "person", "number"):
        return None
    for i in order:
        candidate = candidates[i]
        if candidate.passage >= ANSWER_PASSAGES:
            continue
        if spans.undecided(candidate.text, analysis.type) and _focus(analysis, candidate.text, passages[candidate.passage].chunk.language):
            return i
    return None


def _quote(candidate: Candidate, score: float, analysis: QuestionAnalysis, passage: Passage, undecided: bool = False) -> Quote:
    """A quote with its answer span (the typed expression nearest the focus) and time notes.

    A "not decided" sentence gets neither: what it says is that the answer is missing.
    """
    if undecided:
        return Quote(candidate.text, candidate.passage, score, None, True)
    found, positions = answer_spans(analysis, candidate.text, passage.chunk.language)
    span = None
    if found:
        def distance(s: spans.Span) -> int:
            return min((min(abs(p - s.start), abs(p - s.end)) for p in positions), default=0)

        best = min(found, key=distance)
        span = (best.start, best.end)
    notes = []
    for expression in spans.find_spans(candidate.text, "time") if analysis.type == "time" else []:
        note = times.resolve(candidate.text[expression.start : expression.end], passage.chunk.language, passage.chunk.published)
        if note is not None and (span is None or (expression.start, expression.end) == span):
            notes.append(note)
    return Quote(candidate.text, candidate.passage, score, span, undecided, tuple(notes))


# "Polish", "Austrian", "Romans", "Chinese", "Atlantic": English adjectives and demonyms read unlike
# their German translations ("polnisch", "Römer"), so they do not count as names to look for.
_DEMONYM_ENDINGS = ("ish", "ian", "ians", "man", "mans", "ese", "ic", "ean", "eans", "ench", "eek")


def lacks_focus(analysis: QuestionAnalysis, passages: Sequence[Passage]) -> bool:
    """Whether none of the top passages names what the question is about.

    With names in the question ("Berlin", "Elon Musk"), one of them must occur in a
    top passage (spelled alike across languages, see spans.name_matches); without
    names, a passage in the question's language must share a content word. A
    question in another language without names cannot be checked this way: False.
    """
    top = passages[:ANSWER_PASSAGES]
    names = [n for n in analysis.names if len(n) >= 4 and not n.endswith(_DEMONYM_ENDINGS)]
    if names:
        named = dataclasses.replace(analysis, names=tuple(names))
        return not any(_focus(named, p.chunk.text, p.chunk.language) for p in top)
    if analysis.names:
        return False  # only acronyms or words like "French": too unlike their translations to judge by
    same = [p for p in top if p.chunk.language == analysis.language]
    if analysis.focus and same:
        return not any(_focus(analysis, p.chunk.text, p.chunk.language) for p in same)
    return False


def holdings_hint(holdings: IndexHoldings | None, language: str = "en") -> str:
    """One plain sentence on what the index holds, for a refusal: its sources and newest articles ("" if unknown)."""
    if holdings is None or not holdings.sources:
        return ""
    german = language == "de"
    sources = ", ".join(f"{origin} ({count} {'Artikel' if german else 'article' if count == 1 else 'articles'})" for origin, count in holdings.sources[:5])
    more = len(holdings.sources) - 5
    if more > 0:
        sources += f" {'und' if german else 'and'} {more} {'weitere' if german else 'more'}"
    newest = "; ".join(f"„{shorten(title, 70)}“" + (f" ({date})" if date else "") for title, date in holdings.newest)
    if german:
        return f"Der Index enthält: {sources}." + (f" Neueste Artikel: {newest}." if newest else "")
    return f"The index holds: {sources}." + (f" Newest articles: {newest}." if newest else "")
