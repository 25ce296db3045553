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
import unicodedata
from collections.abc import Callable, Sequence
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
# A second sentence is quoted only if nearly as good as the first: within this much when the sentences were
# also ranked by their sparse terms (SENTENCE_TERMS_WEIGHT spreads their scores), else within the plain
# margin, tuned before that signal (docs/retrieval.md).
SECOND_QUOTE_MARGIN = 0.08
PLAIN_SECOND_QUOTE_MARGIN = 0.03
NEIGHBOUR_QUOTES = True  # the second may be the first one's neighbour in the same passage
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
    siblings: int = 1  # how many answer sentences its passage has (as many stored vectors, when stored)


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
            positions = [p for p in positions if spans.find_spans(every[p], kind, passage.chunk.language) or spans.undecided(every[p], kind)]
        candidates.extend(Candidate(every[p], index, whole_passage=whole, position=p, siblings=len(every)) for p in positions)
    return candidates


def _focus(analysis: QuestionAnalysis, text: str, language: str | None) -> list[int]:
    same = analysis.language is not None and language == analysis.language
    return spans.focus_positions(text, language, analysis.names, analysis.focus, same)


def answer_spans(analysis: QuestionAnalysis, text: str, language: str | None) -> tuple[list[spans.Span], list[int]]:
    """The typed expressions of `text` that are not the question's own words, and the focus positions.

    A number's unit may be a focus word ("Wie viele Menschen …?" over "27 Menschen"): such a number is
    kept, and only one whose figure the question itself names (in digits or words: "the three attacks")
    is left out. A "Who is NAME?" question marks no person in a sentence that names that person."""
    if analysis.type not in TYPED:
        return [], []
    positions = _focus(analysis, text, language)
    typed = spans.find_spans(text, analysis.type, language)
    if analysis.type == "person" and about_someone_named(analysis) and names_them(analysis, text, typed):
        return [], positions  # the answer is what they are ("die ukrainische Botschafterin"), not another name

    def own_words(span: spans.Span) -> bool:
        inside = [p for p in positions if span.start <= p < span.end]
        if span.kind == "number":  # "Wie viele Menschen …?": the unit may be the question's, the figure not
            return any(_NUMBER_WORD.match(text, p) for p in inside)
        return bool(inside)

    found = [s for s in typed if not own_words(s)]
    if analysis.type == "time" and _HOW_LONG.match(analysis.text):
        # "How long …?": a length of time answers it, a date only when the sentence names no length ("1870 bis 1939")
        found = [s for s in found if spans.is_duration(text[s.start : s.end])] or found
    return found, positions


_HOW_LONG = re.compile(r"^\s*(?:for\s+)?(?:how\s+long|wie\s+lange?)\b", re.IGNORECASE)


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
    margin: float | None = None,
) -> tuple[Quote, ...]:
    """The best sentence, and a second one: a "not decided" sentence, or one nearly as good.

    A sentence's score mixes its own similarity to the question with its passage's
    score (index i of `passage_scores` belongs to passage i), so that a sentence
    from the best passage wins over a lucky one from a weak passage. The second
    quote comes from another passage or is the best one's neighbour, within `margin`
    (default SECOND_QUOTE_MARGIN). With an analysis (and the passages, for their language and
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
    elif analysis is not None and passages and (roles := role_words(analysis)):
        # A role question: a sentence naming someone in that role leads (when the best one does not).
        def names_role(i: int) -> bool:
            return states_role(analysis, roles, candidates[i].text, passages[candidates[i].passage].chunk.language) is not None

        stating = [i for i in ranked if candidates[i].passage < ANSWER_PASSAGES and names_role(i)]
        if stating and not names_role(ranked[0]):
            ranked = stating[:1] + [i for i in ranked if i != stating[0]]
    best = ranked[0]
    chosen = [best]
    if SPAN_NEIGHBOUR and undecided is None and analysis is not None and passages:
        chosen += _span_neighbour(candidates, best, analysis, passages)
    for i in ranked[1:] if undecided is None else ():
        if len(chosen) >= MAX_QUOTES or scores[best] - scores[i] > (SECOND_QUOTE_MARGIN if margin is None else margin):
            break
        if candidates[i].text != candidates[best].text and _second(candidates[best], candidates[i], candidates):
            chosen.append(i)
    if analysis is None or not passages:
        return tuple(Quote(candidates[i].text, candidates[i].passage, scores[i]) for i in chosen)
    quotes = [_quote(candidates[i], scores[i], analysis, passages[candidates[i].passage]) for i in chosen]
    if undecided is not None and undecided != best:
        quotes.append(_quote(candidates[undecided], scores[undecided], analysis, passages[candidates[undecided].passage], True))
    return tuple(quotes)


# "Who is the president of Russia?": a question for whoever holds a role ("president") of something it
# names ("Russia"). A sentence answers it only by naming someone right next to that role and that name
# ("mit dem russischen Präsidenten Wladimir Putin"); one that mentions Russia and some person does not.
_ROLE_QUESTION = re.compile(r"^\s*(?:who|wer)(?:\s+|['’]s\s+)(?:(?:is|was|are|were|ist|war|sind|waren)\s+)?", re.IGNORECASE)
ROLE_CHARS = 25  # the role word, the person and the question's name lie within this many characters


def about_someone_named(analysis: QuestionAnalysis) -> bool:
    """"Who is Olga Stefanischyna?", "Wer war Elon Musk?": a question about the person it names, nothing else
    (no role asked for, no other content word), whose answer is a description rather than a name."""
    opening = _WHO_IS.match(analysis.text)
    if not analysis.names or opening is None or role_words(analysis) or len(analysis.focus) > len(analysis.names):
        return False
    return not _CONNECTORS & {w.lower() for w in re.findall(r"\w+", analysis.text[opening.end() :])}  # "Count of Melfi": a role


def names_them(analysis: QuestionAnalysis, text: str, people: Sequence[spans.Span]) -> bool:
    """Whether `text` names the question's person as one of its `people` (its person spans), word for word
    (spelled alike across languages)."""
    for span in people:
        words = [w for w in re.findall(r"[\w'’-]+", text[span.start : span.end]) if w not in spans.NOT_NAMES]
        if len(words) == len(analysis.names) and all(spans.name_matches(n, w) for n, w in zip(analysis.names, words, strict=True)):
            return True
    return False


_NUMBER_WORD = re.compile(rf"\d|(?:{spans.NUMBER_WORDS})\b", re.IGNORECASE)
_WHO_IS = re.compile(r"^\s*(?:who|wer)(?:['’]s|\s+(?:is|was|are|were|ist|war|sind|waren))\s", re.IGNORECASE)


def role_words(analysis: QuestionAnalysis) -> tuple[str, ...]:
    """The role of a "who is the ROLE of NAME?" question ("prime", "minister"; "Präsident" of "Wer ist der
    Präsident Russlands?"): the content words right after its article (short ones like "new" skipped),
    followed by a name the role belongs to; () for any other question ("Who is Angela Merkel?" has no
    article, "Who is the president?" no name)."""
    opening = _ROLE_QUESTION.match(analysis.text)
    if analysis.type != "person" or not analysis.names or opening is None:
        return ()
    words = re.findall(r"\w+", analysis.text[opening.end() :])
    if not words or words[0].lower() not in _ARTICLES:
        return ()
    roles: list[str] = []
    for word in words[1:]:
        content = spans.stem(word, analysis.language) in analysis.focus
        if content and len(word) < 5 and word.lower() not in analysis.names:
            continue  # "the new president": too short to match across languages, not the role itself
        if not content or re.search(rf"\b{word}['’]", analysis.text):
            break  # not a content word, or a possessive ("the Normans' enemy"): what the role belongs to
        roles.append(word)
    while roles and not any(w.lower() in analysis.names for w in words[words.index(roles[-1]) + 1 :]):
        roles.pop()  # nothing named after it: the word is what the role belongs to, or there is no such name
    return tuple(roles)


_ARTICLES = frozenset("the der die das den dem".split())
_CONNECTORS = frozenset("of von der des".split())


def states_role(analysis: QuestionAnalysis, roles: Sequence[str], text: str, language: str | None) -> spans.Span | None:
    """The person a sentence names in the asked-for role: a name of two or more words right after a role word
    (same stem, or spelled alike across languages: "president" ~ "Präsidenten"; up to ROLE_CHARS between), or
    right before it after a comma ("Wladimir Putin, der russische Präsident"), with one of the question's own
    names within ROLE_CHARS of the role word; None when the sentence names no one so."""
    same = language is not None and language == analysis.language
    role_stems = {spans.stem(r, analysis.language) for r in roles}

    def is_role(word: str) -> bool:
        if same:
            return spans.stem(word, language) in role_stems
        return any(spans.name_matches(r, word) for r in roles)

    matches = [m for m in re.finditer(r"\w+", text) if is_role(m.group())]
    if not matches:
        return None
    # German nouns are capitalized, so the role word can be among the question's names: it is not the owner.
    owners = tuple(n for n in analysis.names if not any(spans.name_matches(r, n) for r in roles))
    places = _focus(dataclasses.replace(analysis, names=owners, focus=()), text, language)
    people = spans.find_spans(text, "person")
    for m in matches:
        if not any(m.start() - ROLE_CHARS <= p <= m.end() + ROLE_CHARS for p in places if not m.start() <= p < m.end()):
            continue
        after = [_person_after(text, s, m, is_role, owners, language) for s in people if s.end > m.end()]
        found = [s for s in after if s is not None and s.start - m.end() <= ROLE_CHARS]
        if found:
            return min(found, key=lambda s: s.start)
        before = [s for s in people if s.end <= m.start() and re.fullmatch(r",\s*(?:\w+\s+){0,3}", text[s.end : m.start()])]
        if before and len(text[before[-1].start : before[-1].end].split()) >= 2:
            return before[-1]
    return None


def _person_after(
    text: str, span: spans.Span, role: re.Match[str], is_role: Callable[[str], bool], owners: Sequence[str], language: str | None
) -> spans.Span | None:
    """The person of a capitalized run after (or around) a role word: its words after the last role word,
    up to a connector before the question's name ("President Vladimir Putin of Russia"); None if fewer than two."""
    words = [w for w in re.finditer(r"\S+", text[max(span.start, role.end()) : span.end])]
    offset = max(span.start, role.end())
    kept: list[re.Match[str]] = []
    for word in words:
        bare = word.group().strip("'’.,")
        if is_role(bare) or bare.lower().rstrip("s").rstrip("'’") in owners or any(spans.name_matches(o, bare) for o in owners):
            kept = []  # a role or the owner's name inside the run: the person comes after it
            continue
        if bare.lower() in _CONNECTORS:
            break
        kept.append(word)
    if len(kept) < 2:
        return None
    return spans.Span(offset + kept[0].start(), offset + kept[-1].end(), span.kind)


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
    roles = role_words(analysis)
    in_role = states_role(analysis, roles, candidate.text, passage.chunk.language) if roles else None
    if in_role is not None:
        span = (in_role.start, in_role.end)  # the person named in the role asked for
    elif found:
        def distance(s: spans.Span) -> int:
            return min((min(abs(p - s.start), abs(p - s.end)) for p in positions), default=0)

        counted = [s for s in found if s.kind == "number" and any(s.start <= p < s.end for p in positions)]
        best = min(counted or found, key=distance)  # "How many people …?": "27 people" before "the three attacks"
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
    top passage (spelled alike across languages, see spans.name_matches), when the
    question is in English or a passage's language (or of unknown language, names in
    Latin letters); without names, a passage in the question's language must share a
    content word. Other questions cannot be checked this way: False.
    """
    top = passages[:ANSWER_PASSAGES]
    names = [n for n in analysis.names if len(n) >= 4 and not n.endswith(_DEMONYM_ENDINGS)]
    if names and not _spelled_alike(analysis.language, names, top):
        return False  # "Южной Калифорнии", "Estados Unidos": a translated name no spelling rule finds
    if names:
        named = dataclasses.replace(analysis, names=tuple(names))
        return not any(_focus(named, p.chunk.text, p.chunk.language) for p in top)
    if analysis.names:
        return False  # only acronyms or words like "French": too unlike their translations to judge by
    same = [p for p in top if p.chunk.language == analysis.language]
    if analysis.focus and same:
        return not any(_focus(analysis, p.chunk.text, p.chunk.language) for p in same)
    return False


def _spelled_alike(question_language: str | None, names: Sequence[str], passages: Sequence[Passage]) -> bool:
    """Whether a question's names can be looked for by their spelling: it is in English or in a passage's
    language, or (language unknown) its names are in Latin letters. In other languages a name is often
    translated (Russian, Greek, Spanish or Turkish XQuAD questions: the gold passage came first for 62 of
    the 71 the check refused, docs/threshold.md)."""
    if question_language == "en" or any(p.chunk.language == question_language for p in passages):
        return True
    return question_language is None and all(_latin(name) for name in names)


def _latin(word: str) -> bool:
    return all("LATIN" in unicodedata.name(ch, "") for ch in word if ch.isalpha())


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
