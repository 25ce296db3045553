"""News over time: one passage per story, the newest report first. Pure functions (numpy only).

Retrieval ranks passages by similarity alone, so an answer can quote the oldest state of
a story ("opening in October") as if it were current, and one agency text printed by
three outlets fills three of the five passages. Two relations between retrieved passages
fix that, both read from the vectors the index stored at ingest (cosine of unit vectors):

- **copies** (cosine ≥ COPY_SIMILARITY, another article, the same figures): the same text
  from another outlet, the same agency copy, a translation (CROSS_LANGUAGE_OFFSET lower), a
  reworded version. One of them is shown, the others are folded into its `Passage.also`
  ("also reported by …"). Embeddings hardly tell "12 dead" from "27 dead" (an update of a
  story scores up to 0.975 with its first report on the dated set), so a passage that
  states other figures is never a copy: it is a report of the same story.
- **one story** (cosine ≥ STORY_SIMILARITY, or the same story id given at ingest by
  index.ingest.story_ids; another article): reports of the same event
  that may say different things ("postponed to 20 November", "opened on 20 November").
  When the best passage has a newer report of its story among the candidates (close
  enough in score: STORY_SCORE_MARGIN), that newest report is moved to the front and
  the older ones are marked `Passage.earlier` ("earlier: 6 Oct 2026").

Questions about the past ("When did …", "im Jahr 2022", "last year", "damals", "ursprünglich")
get no recency preference: their answer may well be in the older report (`asks_about_past`).

The thresholds were set on the project's own dated set (tests/news_over_time, see
docs/news-over-time.md for the figures and the 828-article corpus it was mixed into).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Sequence

import numpy as np

from index.answers import extractive
from index.domain import Chunk, Passage, Quote
from index.ingest.story_ids import CROSS_LANGUAGE_OFFSET, published_day  # a translated copy needs this much less
from index.retrieval.questions import QuestionAnalysis

COPY_SIMILARITY = 0.95  # paragraphs this close are the same text (another outlet's copy, an update)
STORY_SIMILARITY = 0.89  # paragraphs this close tell of the same event
_NUMBER = re.compile(r"\d+(?:[.,']\d+)*")


def numbers(text: str) -> frozenset[str]:
    """The figures a text states, separators dropped ("2,000" and "2000" alike): copies state the same ones."""
    return frozenset(re.sub(r"[.,']", "", match) for match in _NUMBER.findall(text))
STORY_SCORE_MARGIN = 0.06  # a newer report of the best passage's story may score this much lower and still lead

# Questions about the past: the newest report is not what they ask for.
_PAST = re.compile(
    r"\b(?:when\s+(?:did|was|were|had)|wann\s+(?:wurde|wurden|war|waren|hat|hatte|hatten|ist\s+\w+\s+gewesen)"
    r"|last\s+(?:year|month|week)|letzte[ns]?\s+(?:Jahr|Monat|Woche)|vergangene[ns]?\s+(?:Jahr|Monat|Woche)"
    r"|(?:im\s+Jahre?|in(?:\s+the\s+year)?)\s+(?:19|20)\d\d|(?:19|20)\d\d\b"
    r"|damals|früher|ursprünglich|zuerst|anfangs|zunächst|at\s+first|first|originally|initially|back\s+then|\w+\s+ago"
    r"|vor\s+\w+\s+(?:Jahren|Monaten|Wochen|Tagen))",
    re.IGNORECASE,
)


def scaled_margin(base: Sequence[float], fused: Sequence[float], margin: float = STORY_SCORE_MARGIN) -> float:
    """`margin` (in the units of the candidates' `base` scores: cosine + keyword bonus + typed evidence)
    in the units of their `fused` scores: each signal fused in (index.retrieval.fusion) stretches the
    scores' spread, and a newer report should stay within reach as before."""
    spread = float(np.std(base)) if len(base) > 1 else 0.0
    return margin * float(np.std(fused)) / spread if spread > 0 else margin


def asks_about_past(question: str) -> bool:
    """Whether a question asks about an earlier state ("When did …", "im Jahr 2022", "damals")."""
    return bool(_PAST.search(question))


@dataclasses.dataclass(frozen=True)
class Arranged:
    """Passages in their new order (indices into the input), copies folded away, stories marked.

    `order`: what to show, best first (copies of a shown passage left out); `passages`:
    the input passages with `also` (copies from other articles) and `earlier` set, same
    indices as the input; `lead`: the index moved to the front as its story's newest report, or None.
    """

    order: list[int]
    passages: list[Passage]
    lead: int | None


def arrange(
    passages: Sequence[Passage],
    vectors: np.ndarray,
    order: Sequence[int],
    question: str,
    *,
    scores: Sequence[float] | None = None,
    margin: float = STORY_SCORE_MARGIN,
) -> Arranged:
    """Fold copies into the best-ranked one and put the newest report of the best passage's story first.

    `passages[i]` has the unit vector `vectors[i]`; `order` ranks them (best first);
    `scores[i]` is passage i's ranking score (default: its similarity), used for the `margin`
    within which a newer report may lead (in the units of `scores`). See the module docstring for the rules.
    """
    scores = [p.score for p in passages] if scores is None else list(scores)
    if not order:
        return Arranged([], list(passages), None)
    vectors = np.asarray(vectors, dtype=np.float32)
    similar = vectors @ vectors.T if len(vectors) else np.zeros((0, 0), dtype=np.float32)
    articles = [p.chunk.article_id for p in passages]

    # 1. copies: passages of other articles that are nearly the same text with the same figures
    mates = _copies(passages, articles, similar)
    groups: list[list[int]] = []  # each a set of copies, in ranking order; groups ordered by their best member
    for i in order:
        group = next((g for g in groups if not mates[i].isdisjoint(g)), None) if mates[i] else None
        if group is None:
            groups.append([i])
        else:
            group.append(i)
    kept: list[int] = []
    arranged = list(passages)
    shown_articles: set[str] = set()
    for group in groups:
        # One article stands for the copies: one already shown (so a story's paragraphs cite one outlet), else the best.
        home = next((i for i in group if articles[i] in shown_articles), group[0])
        kept.append(home)
        shown_articles.add(articles[home])
        also: dict[str, Chunk] = {}
        for i in group:
            if articles[i] != articles[home]:
                also.setdefault(articles[i], passages[i].chunk)
        if also:
            arranged[home] = dataclasses.replace(passages[home], also=tuple(also.values()))

    # 2. the newest report of the best passage's story leads; older ones are earlier reports
    lead = None
    if not asks_about_past(question):
        best = kept[0]
        stories = [p.chunk.story for p in passages]

        def same_story(i: int) -> bool:
            told_at_ingest = stories[i] is not None and stories[i] == stories[best]
            return articles[i] != articles[best] and (told_at_ingest or bool(similar[i, best] >= STORY_SIMILARITY))

        story = [i for i in kept if i == best or same_story(i)]
        dated = [i for i in story if published_day(passages[i].chunk.published) is not None]
        close = [i for i in dated if scores[i] >= scores[best] - margin]
        days = {i: published_day(passages[i].chunk.published) or dt.date.min for i in dated}
        if len({days[i] for i in close}) > 1:
            newest = max(close, key=lambda i: (days[i], scores[i]))
            older = {articles[i] for i in dated if days[i] < days[newest]}
            for i in kept:  # every shown paragraph of an older report of the story
                if articles[i] in older:
                    arranged[i] = dataclasses.replace(arranged[i], earlier=True)
            if newest != best:
                lead = newest
                kept = [newest, *(i for i in kept if i != newest)]
    return Arranged(kept, arranged, lead)


def _copies(passages: Sequence[Passage], articles: Sequence[str], similar: np.ndarray) -> list[set[int]]:
    """For each passage, the passages of other articles that are its copies: at least COPY_SIMILARITY
    (less CROSS_LANGUAGE_OFFSET across languages) and the same figures. Only the few pairs that close
    are looked at (a question's 30 candidates make 435 pairs)."""
    mates: list[set[int]] = [set() for _ in passages]
    lowest = COPY_SIMILARITY - CROSS_LANGUAGE_OFFSET
    figures: dict[int, frozenset[str]] = {}

    def figures_of(i: int) -> frozenset[str]:
        if i not in figures:
            figures[i] = numbers(passages[i].chunk.text)
        return figures[i]

    for i, j in zip(*np.nonzero(np.triu(similar >= lowest, k=1)), strict=True):
        a, b = int(i), int(j)
        level = COPY_SIMILARITY if passages[a].chunk.language == passages[b].chunk.language else lowest
        if articles[a] != articles[b] and bool(similar[a, b] >= level) and figures_of(a) == figures_of(b):
            mates[a].add(b)
            mates[b].add(a)
    return mates


def lead_quotes(
    quotes: Sequence[Quote],
    candidates: Sequence[extractive.Candidate],
    similarities: Sequence[float] | np.ndarray,
    passage_scores: Sequence[float],
    analysis: QuestionAnalysis,
    pool: Sequence[Passage],
) -> tuple[Quote, ...]:
    """The quotes with the best sentence of a current (not `earlier`) passage first.

    `quotes` as index.answers.extractive.choose_quotes chose them from `candidates` (sentences of
    `pool`, with their `similarities` and the pool's `passage_scores`). When the best
    sentence comes from an earlier report, the best one of the current passages is
    quoted first and the earlier one follows it (marked as earlier where it is shown).
    """
    if not quotes or not pool[quotes[0].passage].earlier:
        return tuple(quotes)
    current = [i for i, c in enumerate(candidates) if not pool[c.passage].earlier]
    if not current:
        return tuple(quotes)
    chosen = extractive.choose_quotes(
        [candidates[i] for i in current], [float(similarities[i]) for i in current], passage_scores, analysis, pool
    )
    if not chosen:
        return tuple(quotes)
    first = chosen[0]
    rest = [q for q in quotes if q.text != first.text]
    return (first, *rest[: extractive.MAX_QUOTES - 1])


def newest_date(passages: Sequence[Passage]) -> str | None:
    """The ISO date of the newest dated passage (None when none is dated)."""
    dates = [p.chunk.published for p in passages if published_day(p.chunk.published) is not None]
    return max(dates) if dates else None  # type: ignore[type-var]


def age_in_days(passages: Sequence[Passage], today: dt.date) -> int | None:
    """How many days old the newest dated passage is on `today` (None when none is dated)."""
    newest = published_day(newest_date(passages))
    return None if newest is None else (today - newest).days


def stale_age(passages: Sequence[Passage], today: dt.date, stale_after_days: int | None) -> int | None:
    """The newest of the (quoted) passages' age in days when it is older than `stale_after_days`, else None (also when off or undated)."""
    if stale_after_days is None:
        return None
    age = age_in_days(passages, today)
    return age if age is not None and age > stale_after_days else None
