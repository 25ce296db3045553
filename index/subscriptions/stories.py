"""A story posted once per chat: is a new article another report of a story already posted, and what does it add? Pure functions.

Subscriptions see the same story several times: three outlets print one agency text, a
report is updated with a higher death toll. A chat gets the first article of a story; a
later one only when it states facts the earlier reports of that story did not — new
figures, dates or names (found with index.answers.spans), or, short of those, a sentence
that none of them says alike ("the strike was called off") — and then as an update, in
reply to the first post.

Two articles tell one story when ingest gave them the same story id (index.ingest.story_ids:
a paragraph of one is nearly the same text as a paragraph of the other, cosine ≥ STORY_SIMILARITY,
published within its STORY_WINDOW) and the earlier one was posted to the chat within STORY_WINDOW.
Articles stored before story ids were kept are compared by the same rule on their stored vectors.
The bar is higher than for answers (index.answers.recency.STORY_SIMILARITY, 0.89): every article a
subscription gets is close to its topic, so distinct articles on one topic come close to each other
too ("EU raises steel tariffs" and "steel tariffs hit car makers": 0.92). At 0.95, copies from
other outlets (≥ 0.966 on the dated set) and close rewrites of a report (15 of 39 report pairs)
are one story; a rewrite further apart is posted as an article of its own — a post too many rather
than a story lost.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
import numpy as np

from index.answers import spans
from index.answers.recency import numbers
from index.ingest.story_ids import CROSS_LANGUAGE_OFFSET, STORY_SIMILARITY, STORY_WINDOW, needed_similarity, translated

__all__ = ["STORY_SIMILARITY", "STORY_WINDOW", "facts", "first_of_story", "new_facts", "novel_sentences", "same_story"]
MAX_FACTS = 5  # new facts named in an update post
_DETERMINERS = frozenset("the a an der die das den dem des ein eine einen einem einer eines".split())
_MONTH = re.compile(
    r"\b(?:Januar|Jänner|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"
    r"|January|February|March|May|June|July|October|December)\b"
)


def same_story(
    new: np.ndarray, earlier: np.ndarray, new_languages: Sequence[str | None] = (), earlier_languages: Sequence[str | None] = ()
) -> bool:
    """Whether two articles (their paragraph vectors, unit length, one per row) tell one story.

    A pair of paragraphs needs the cosine ingest's story ids need (story_ids.needed_similarity:
    less for a pair in two known, different languages, when the languages are given).
    """
    if not len(new) or not len(earlier):
        return False
    similar = np.asarray(new) @ np.asarray(earlier).T
    needed = np.full(similar.shape, STORY_SIMILARITY)
    if len(new_languages) == len(new) and len(earlier_languages) == len(earlier):
        needed = np.array([[needed_similarity(a, b) for b in earlier_languages] for a in new_languages])
    return bool(np.any(similar >= needed))


def _folded(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def facts(text: str) -> list[str]:
    """The figures, dates and names a text states: numbers with digits, time expressions with a digit
    or month, and names of two or more capitalized words ("Anna Roth"), in order, without repeats."""
    found: list[tuple[int, int]] = []
    for kind in ("time", "number", "person"):
        for span in spans.find_spans(text, kind):
            value = text[span.start : span.end]
            if text[span.end : span.end + 1].isalpha() or text[max(0, span.start - 1) : span.start].isalpha():
                continue  # a piece of a word ("May" in "mayor")
            if re.match(r"[.,']\d", text[span.end : span.end + 2]):
                continue  # a piece of a number ("Dezember 40" of "ab Dezember 40.000 Kindern")
            if kind == "person" and len([w for w in value.split() if w.lower() not in _DETERMINERS]) < 2:
                continue  # "Die Arzneimittelbehörde": a German noun after a capitalised article is no name
            if kind != "person" and not numbers(value) and not _MONTH.search(value):
                continue  # "soon", "zwei Wochen": too vague to be news
            if not any(start < span.end and span.start < end for start, end in found):  # "20" inside "on 20 November"
                found.append((span.start, span.end))
    return list(dict.fromkeys(text[start:end] for start, end in sorted(found)))


def new_facts(text: str, earlier: Iterable[str], other_languages: Iterable[str] = ()) -> list[str]:
    """The facts of `text` (see `facts`) that none of the earlier texts states, at most MAX_FACTS.

    `earlier`: the story's earlier texts in the language of `text`; `other_languages`: those in
    other languages, whose figures count but whose words cannot be compared. A fact with digits (a
    figure, "20 November") counts as stated when all its digits occur among the earlier texts'
    figures ("2,000" and "2000" alike); a date without digits when its words occur there in that
    order (case folded); a name when its last word (the surname, the proper noun) occurs there:
    German capitalises nouns, so "Firma Virena" after "Virena" names no one new, while "Minister
    Paul Berger" after "der Minister" does. With no earlier text in its language, only new figures
    are news: a translation's "Dezember" or "Firma Virena" says nothing its English original did not.
    """
    same = list(earlier)
    before = [*same, *other_languages]
    known_numbers = frozenset().union(*(numbers(t) for t in before)) if before else frozenset()
    known_text = " " + " ".join(_folded(t) for t in same) + " "
    fresh = []
    for fact in facts(text):
        figures = numbers(fact)
        if figures:
            if not figures <= known_numbers:
                fresh.append(fact)
            continue
        if not same or f" {_folded(fact)} " in known_text:
            continue
        if not _MONTH.search(fact) and f" {_folded(fact).split()[-1]} " in known_text:
            continue
        fresh.append(fact)
    return fresh[:MAX_FACTS]


NOVEL_BELOW = 0.94  # a sentence whose closest earlier sentence scores less says something new (docs/news-over-time.md)
MIN_NOVEL_WORDS = 6  # shorter sentences ("Ja.", a dateline, "Mit Material von dpa") are never the news
MAX_NOVEL_CHARS = 200  # a novel sentence named in an update post is cut to this


@dataclasses.dataclass(frozen=True)
class Sentence:
    """A sentence of a report with its unit vector (dim,) and its paragraph's language."""

    text: str
    vector: np.ndarray
    language: str | None


def novel_sentences(new: Sequence[Sentence], earlier: Sequence[Sentence]) -> list[str]:
    """The sentences of a later report that no sentence of the story's earlier reports says nearly
    alike, most novel first: "VTL sagt den Streik ab" after "VTL ruft zum Streik auf" states no new
    figure, date or name, but is the news.

    Nearly alike: cosine ≥ NOVEL_BELOW (CROSS_LANGUAGE_OFFSET less for a translation pair: both languages known and different). On the dated
    set, sentences of copies from other outlets and translations score ≥ 0.966 and ≥ 0.899 with their
    closest original sentence, every later report has a sentence below 0.923 (docs/news-over-time.md).
    """
    if not new or not earlier:
        return []
    similar = np.stack([s.vector for s in new]) @ np.stack([s.vector for s in earlier]).T
    found: list[tuple[float, str]] = []
    for i, sentence in enumerate(new):
        if len(sentence.text.split()) < MIN_NOVEL_WORDS:
            continue
        margin = [
            float(similar[i, j]) - NOVEL_BELOW + (CROSS_LANGUAGE_OFFSET if translated(sentence.language, other.language) else 0.0)
            for j, other in enumerate(earlier)
        ]
        if max(margin) < 0:
            found.append((max(margin), sentence.text))
    return [_cut(text) for _, text in sorted(found)]


def _cut(text: str) -> str:
    return text if len(text) <= MAX_NOVEL_CHARS else text[: MAX_NOVEL_CHARS - 1].rsplit(" ", 1)[0] + "…"


@dataclasses.dataclass(frozen=True)
class Told:
    """An article a chat was sent (or has queued): its delivery key, paragraph vectors (n, dim),
    their languages and the story id ingest gave it (None when stored before story ids were kept)."""

    key: int
    vectors: np.ndarray
    languages: Sequence[str | None]
    story: str | None


def first_of_story(
    new: np.ndarray, earlier: Sequence[Told], new_languages: Sequence[str | None] = (), new_story: str | None = None
) -> int | None:
    """The key of the first of the `earlier` articles (in the given order) that tells the story of the new
    one (the vectors of its matching paragraphs, their languages, its story id), or None.

    The same story id (given at ingest, when both have one) makes one story, and so do the paragraphs
    compared here (`same_story`): ingest compares a new paragraph with its nearest stored ones only,
    so a copy it missed is still caught.
    """
    for told in earlier:
        if (new_story is not None and new_story == told.story) or same_story(new, told.vectors, new_languages, told.languages):
            return told.key
    return None
