"""A story posted once per chat: is a new article another report of a story already posted, and what does it add? Pure functions.

Subscriptions see the same story several times: three outlets print one agency text, a
report is updated with a higher death toll. A chat gets the first article of a story; a
later one only when it states facts the earlier reports of that story did not — new
figures, dates or names (found with index.answers.spans) — and then as an update, in
reply to the first post.

Two articles tell one story when a matching paragraph of the new one is nearly the same text
as a paragraph of the earlier one (cosine of the vectors stored at ingest ≥ STORY_SIMILARITY),
and the earlier one was posted within STORY_WINDOW. The bar is higher than for answers
(index.answers.recency.STORY_SIMILARITY, 0.89): every article a subscription gets is close to
its topic, so distinct articles on one topic come close to each other too ("EU raises steel
tariffs" and "steel tariffs hit car makers": 0.92). At 0.95, copies from other outlets (≥ 0.966
on the dated set) and close rewrites of a report (15 of 39 report pairs) are one story; a
rewrite further apart is posted as an article of its own — a post too many rather than a story lost.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import timedelta

import numpy as np

from index.answers import spans
from index.answers.recency import CROSS_LANGUAGE_OFFSET, numbers

STORY_SIMILARITY = 0.95  # see the module docstring
STORY_WINDOW = timedelta(days=14)  # a later article is matched against the chat's posts of this long ago
MAX_FACTS = 5  # new facts named in an update post
_MONTH = re.compile(
    r"\b(?:Januar|Jänner|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"
    r"|January|February|March|May|June|July|October|December)\b"
)


def same_story(
    new: np.ndarray, earlier: np.ndarray, new_languages: Sequence[str | None] = (), earlier_languages: Sequence[str | None] = ()
) -> bool:
    """Whether two articles (their paragraph vectors, unit length, one per row) tell one story.

    A pair of paragraphs in different languages (when both languages are given) needs
    CROSS_LANGUAGE_OFFSET less: a translation scores lower than the same text.
    """
    if not len(new) or not len(earlier):
        return False
    similar = np.asarray(new) @ np.asarray(earlier).T
    needed = np.full(similar.shape, STORY_SIMILARITY)
    if len(new_languages) == len(new) and len(earlier_languages) == len(earlier):
        differ = np.array([[a != b for b in earlier_languages] for a in new_languages])
        needed = needed - CROSS_LANGUAGE_OFFSET * differ
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
            if kind == "person" and len(value.split()) < 2:
                continue
            if kind != "person" and not numbers(value) and not _MONTH.search(value):
                continue  # "soon", "zwei Wochen": too vague to be news
            if not any(start < span.end and span.start < end for start, end in found):  # "20" inside "on 20 November"
                found.append((span.start, span.end))
    return list(dict.fromkeys(text[start:end] for start, end in sorted(found)))


def new_facts(text: str, earlier: Iterable[str]) -> list[str]:
    """The facts of `text` (see `facts`) that none of the `earlier` texts states, at most MAX_FACTS.

    A figure counts as stated when its digits occur among the earlier texts' figures ("2,000" and
    "2000" alike); a date or name when its words occur there in that order (case folded).
    """
    before = list(earlier)
    known_numbers = frozenset().union(*(numbers(t) for t in before)) if before else frozenset()
    known_text = " " + " ".join(_folded(t) for t in before) + " "
    fresh = []
    for fact in facts(text):
        figures = numbers(fact)
        if figures and figures <= known_numbers:
            continue
        if not figures and f" {_folded(fact)} " in known_text:
            continue
        fresh.append(fact)
    return fresh[:MAX_FACTS]


def first_of_story(
    new: np.ndarray, earlier: Sequence[tuple[int, np.ndarray, Sequence[str | None]]], new_languages: Sequence[str | None] = ()
) -> int | None:
    """The key of the first earlier article (key, vectors, paragraph languages; in the given order) that tells the story of `new`, or None."""
    return next((key for key, vectors, languages in earlier if same_story(new, vectors, new_languages, languages)), None)
