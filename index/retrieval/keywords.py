"""The keyword side of retrieval: BM25 over stemmed words, to rerank the dense candidates.

The model alone misses exact names, numbers and rare words that a keyword match
catches, but a keyword ranking of an English question over German text is
mostly noise (plain rank fusion drops English-question Recall@1 on XQuAD from
0.84 to 0.51). So the keyword score is only added where the question and the
passage share a language, and it only reorders the passages the model already
found: one store call, no second index to query. See docs/retrieval.md.

`TermStats` (document frequencies of the whole collection) is the only state;
it is derived from the stored paragraphs and rebuilt when they change.
"""

from __future__ import annotations

import math
import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import Stemmer

K1 = 1.2
B = 0.75
# Weight of the keyword score (BM25 divided by the query's largest possible idf sum)
# next to the cosine similarity; tuned on half of XQuAD, see docs/retrieval.md.
KEYWORD_WEIGHT = 0.15
# The same for the names and numbers of a question in another language than the passage.
NAME_WEIGHT = 0.05

_WORD = re.compile(r"\w+")
_DIGITS = re.compile(r"\d+")
_STEMMERS = {"de": "german", "en": "english", "fr": "french", "es": "spanish", "it": "italian", "nl": "dutch"}
_STOPWORDS = {
    "de": set(
        "der die das den dem des ein eine einer eines einem einen und oder aber in im ins an am auf aus bei mit "
        "nach von vom zu zum zur für über unter vor hinter durch um bis als wie so auch nicht noch nur schon "
        "ist sind war waren wird werden wurde wurden hat haben hatte hatten sein kann können soll sollen "
        "es er sie ihr ihm ihn wir man sich dass daß was wer wen wem wann wo wie warum welche welcher welches "
        "welchen viele viel wieviel wie".split()
    ),
    "en": set(
        "the a an of in on at to for by with from and or but is are was were be been being has have had do does "
        "did what which who whom whose when where why how many much that this these those it its as into than "
        "then there their they he she his her we you i".split()
    ),
}


@lru_cache(maxsize=8)
def _stemmer(language: str) -> Stemmer.Stemmer | None:
    name = _STEMMERS.get(language)
    return Stemmer.Stemmer(name) if name else None


def terms(text: str, language: str | None) -> list[str]:
    """Lower-cased, stop-word-free, stemmed words (stemmed for the languages Snowball knows)."""
    language = language or "de"
    stop = _STOPWORDS.get(language, set())
    words = [w for w in _WORD.findall(text.lower()) if w not in stop]
    stemmer = _stemmer(language)
    return stemmer.stemWords(words) if stemmer else words


@dataclass
class TermStats:
    """Document frequencies over the collection, per language of the documents."""

    documents: int = 0
    total_length: int = 0
    frequency: Counter[str] = field(default_factory=Counter)

    @classmethod
    def build(cls, texts: Iterable[tuple[str, str | None]]) -> TermStats:
        stats = cls()
        for text, language in texts:
            words = terms(text, language)
            stats.documents += 1
            stats.total_length += len(words)
            stats.frequency.update(set(words))
        return stats

    @property
    def average_length(self) -> float:
        return self.total_length / self.documents if self.documents else 1.0

    def idf(self, term: str) -> float:
        count = self.frequency.get(term, 0)
        return math.log(1 + (self.documents - count + 0.5) / (count + 0.5))


def bm25(query: Sequence[str], document: Sequence[str], stats: TermStats) -> float:
    """Okapi BM25 of one document for the query terms."""
    if not query or not document:
        return 0.0
    norm = K1 * (1 - B + B * len(document) / stats.average_length)
    score = 0.0
    for term in query:
        tf = document.count(term)  # a few query terms: counting each beats counting the whole document
        if tf:
            score += stats.idf(term) * tf * (K1 + 1) / (tf + norm)
    return score


def neutral_words(question: str) -> list[str]:
    """Words of a question that read the same in any language: numbers and names.

    A name is a capitalized word that does not start the question; stop words of
    every language we know are dropped ("What", "Die"). Scripts without capitals or spaces
    (Chinese, Japanese, Thai) give their numbers only: "截至2015年3月" is one \\w+ run, 2015 and 3 in it.
    """
    words = _WORD.findall(question)
    stop = set().union(*_STOPWORDS.values())
    picked = []
    for position, word in enumerate(words):
        lower = word.lower()
        if lower in stop:
            continue
        if any(ch.isalpha() and not ch.isupper() and not ch.islower() for ch in word):  # letters without case
            picked.extend(_DIGITS.findall(word))
        elif any(ch.isdigit() for ch in word) or (position > 0 and word[0].isupper()):
            picked.append(lower)
    return picked


def keyword_bonus(
    question: str,
    language: str | None,
    documents: Sequence[tuple[str, str | None]],
    stats: TermStats,
    *,
    same_weight: float = KEYWORD_WEIGHT,
    cross_weight: float = NAME_WEIGHT,
) -> list[float]:
    """What to add to each document's cosine similarity for the question.

    Same language: BM25 of all question words. Other language: BM25 of the
    numbers and names only (stemmed like the document), with a smaller weight.
    Each BM25 is divided by the largest score the query could reach, so the
    bonus is at most the weight.
    """
    language = language or "de"
    queries: dict[str, tuple[list[str], float, float]] = {}  # per document language: terms, weight, ceiling
    bonuses = []
    for text, doc_language in documents:
        doc_language = doc_language or "de"
        if doc_language not in queries:
            query, weight = _query_terms(question, language, doc_language, same_weight, cross_weight)
            queries[doc_language] = query, weight, sum(stats.idf(t) for t in query) * (K1 + 1)
        query, weight, ceiling = queries[doc_language]
        if not query or ceiling <= 0 or weight == 0:
            bonuses.append(0.0)
            continue
        bonuses.append(weight * bm25(query, document_terms(text, doc_language), stats) / ceiling)
    return bonuses


def _query_terms(question: str, language: str, doc_language: str, same_weight: float, cross_weight: float) -> tuple[list[str], float]:
    """The question's terms to match in a document of `doc_language`, and their weight."""
    if doc_language == language:
        return terms(question, language), same_weight
    stemmer = _stemmer(doc_language)
    names = neutral_words(question)
    return (stemmer.stemWords(names) if stemmer else names), cross_weight


@lru_cache(maxsize=4096)
def document_terms(text: str, language: str | None) -> tuple[str, ...]:
    """`terms` of a stored paragraph or sentence, remembered: the same candidates come back for many
    questions about the same news (4,096 texts, terms interned: about 10 MB with the texts as keys)."""
    return tuple(sys.intern(term) for term in terms(text, language))
