"""News over time as pure logic: copies folded, the newest report first, questions about the past, stale answers, citations."""

from __future__ import annotations

import dataclasses

import datetime as dt
import math

import numpy as np
import pytest

from index.answers import citing, recency
from index.answers.extractive import Candidate
from index.domain import Chunk, Passage, Quote
from index.retrieval.questions import analyze

DIM = 16


def vector(cos: float, axis: int) -> np.ndarray:
    """A unit vector whose cosine with the first axis is `cos`, leaning towards `axis` (others are orthogonal to it)."""
    v = np.zeros(DIM, dtype=np.float32)
    v[0] = cos
    v[axis] = math.sqrt(max(0.0, 1 - cos * cos))
    return v


def passage(article: str, text: str, published: str | None, score: float, language: str = "en", outlet: str = "") -> Passage:
    chunk = Chunk(article, 0, 1, text, f"Title {article}", f"feed.xml#{article}", f"https://{article}.example/", published, language,
                  source_name=outlet or f"Outlet {article}")  # fmt: skip
    return Passage(chunk, score)


def arrange(passages: list[Passage], vectors: list[np.ndarray], question: str = "How many died in the floods?") -> recency.Arranged:
    order = sorted(range(len(passages)), key=lambda i: passages[i].score, reverse=True)
    return recency.arrange(passages, np.stack(vectors), order, question)


@pytest.mark.parametrize(
    ("question", "past"),
    [
        ("When did the bridge open?", True),
        ("When was the launch scrubbed?", True),
        ("Wann wurde die Brücke eröffnet?", True),
        ("Wie viele Tote gab es im Jahr 2022?", True),
        ("What happened last year in Hallstadt?", True),
        ("Wer lag damals vorn?", True),
        ("Wann sollte die Brücke ursprünglich öffnen?", True),
        ("How many people died in the floods?", False),
        ("When does the bridge open?", False),
        ("Wann öffnet die Kunsthalle wieder?", False),
        ("Wer ist Bürgermeister von Hallstadt?", False),
    ],
)
def test_questions_about_the_past(question: str, past: bool) -> None:
    assert recency.asks_about_past(question) is past


def test_the_newest_report_of_a_story_leads_and_older_ones_are_earlier() -> None:
    # Three reports of one story (cosine 0.93 with each other's direction), the oldest scoring best,
    # and an unrelated passage.
    passages = [
        passage("flood-1", "At least 12 people died.", "2026-11-18", 0.91),
        passage("flood-2", "The toll has risen to 19.", "2026-11-20", 0.90),
        passage("flood-3", "The floods killed 27 people.", "2026-11-24", 0.88),
        passage("fire", "A wildfire burned 800 hectares.", "2026-11-25", 0.80),
    ]
    vectors = [vector(1.0, 1), vector(0.93, 2), vector(0.93, 3), vector(0.5, 4)]
    arranged = arrange(passages, vectors)
    assert arranged.order[0] == 2 and arranged.lead == 2
    assert [p.earlier for p in arranged.passages] == [True, True, False, False]  # the other story is not marked


def test_reports_that_ingest_put_in_one_story_are_one_story_however_far_apart_their_vectors() -> None:
    # A paragraph of the newest report that says it differently (cosine 0.80) is of the same story
    # when ingest recognised its article as a report of that story; without the story ids it is not.
    passages = [
        passage("flood-1", "At least 12 people died.", "2026-11-18", 0.91),
        passage("flood-3", "Rescuers now count 27 victims.", "2026-11-24", 0.88),
    ]
    vectors = [vector(1.0, 1), vector(0.80, 2)]
    assert arrange(passages, vectors).lead is None
    told = [dataclasses.replace(p, chunk=dataclasses.replace(p.chunk, story="flood-1")) for p in passages]
    arranged = arrange(told, vectors)
    assert arranged.order == [1, 0] and [p.earlier for p in arranged.passages] == [True, False]
    other = [told[0], dataclasses.replace(told[1], chunk=dataclasses.replace(told[1].chunk, story="flood-3"))]
    assert arrange(other, vectors).lead is None


def test_a_question_about_the_past_keeps_the_ranking() -> None:
    passages = [passage("flood-1", "At least 12 people died.", "2026-11-18", 0.91), passage("flood-3", "27 died.", "2026-11-24", 0.88)]
    arranged = arrange(passages, [vector(1.0, 1), vector(0.93, 2)], "How many died in the floods at first?")
    assert arranged.order == [0, 1] and arranged.lead is None
    assert not any(p.earlier for p in arranged.passages)


def test_a_newer_report_that_answers_much_worse_does_not_lead() -> None:
    passages = [passage("a", "Opening on 15 October.", "2026-09-02", 0.90), passage("b", "Costs rose again.", "2026-10-06", 0.80)]
    arranged = arrange(passages, [vector(1.0, 1), vector(0.93, 2)])
    assert arranged.order == [0, 1] and arranged.lead is None
    assert not any(p.earlier for p in arranged.passages)  # so its quote is not pushed down either


def test_the_story_margin_stretches_with_the_fused_scores() -> None:
    base = [0.90, 0.85, 0.80]
    assert recency.scaled_margin(base, base) == pytest.approx(recency.STORY_SCORE_MARGIN)
    assert recency.scaled_margin(base, [1.10, 1.00, 0.90]) == pytest.approx(2 * recency.STORY_SCORE_MARGIN)  # twice the spread
    assert recency.scaled_margin([0.9], [1.2]) == recency.STORY_SCORE_MARGIN  # one candidate: nothing to scale by
    assert recency.scaled_margin([0.9, 0.9], [0.9, 1.0]) == recency.STORY_SCORE_MARGIN


def test_the_margin_is_in_the_units_of_the_scores_it_is_given() -> None:
    # Fused signals stretch the scores' spread (index.retrieval.search scales the margin with it).
    passages = [passage("a", "Opening on 15 October.", "2026-09-02", 0.90), passage("b", "Opening on 20 November.", "2026-10-06", 0.82)]
    vectors = [vector(1.0, 1), vector(0.93, 2)]
    order = [0, 1]
    assert recency.arrange(passages, np.stack(vectors), order, "When does it open?").lead is None
    assert recency.arrange(passages, np.stack(vectors), order, "When does it open?", margin=0.1).lead == 1


@pytest.mark.parametrize("dates", [(None, None), ("2026-11-24", "2026-11-24"), (None, "2026-11-24")])
def test_undated_or_same_day_reports_keep_the_ranking(dates: tuple[str | None, str | None]) -> None:
    passages = [passage("a", "Twelve died.", dates[0], 0.90), passage("b", "Nineteen died.", dates[1], 0.89)]
    arranged = arrange(passages, [vector(1.0, 1), vector(0.93, 2)])
    assert arranged.order == [0, 1] and not any(p.earlier for p in arranged.passages)


def test_copies_from_three_outlets_are_one_passage_naming_the_others() -> None:
    text = "Aerolux has ordered 40 jets worth 4.8 billion dollars, delivery from 2029."
    passages = [
        passage("ledger", text, "2026-11-26", 0.90, outlet="Daily Ledger"),
        passage("wire", "The airline " + text, "2026-11-26", 0.89, outlet="Morning Wire"),
        passage("other", "Harbour fees rise.", "2026-11-26", 0.85),
        passage("post", text.replace("has ordered", "ordered"), "2026-11-27", 0.84, outlet="City Post"),
    ]
    arranged = arrange(passages, [vector(1.0, 1), vector(0.99, 2), vector(0.5, 3), vector(0.98, 4)])
    assert arranged.order == [0, 2]
    assert [citing.publisher(c) for c in arranged.passages[0].also] == ["Morning Wire", "City Post"]


def test_a_translated_copy_needs_less_similarity_but_a_different_figure_is_never_a_copy() -> None:
    passages = [
        passage("en", "The regulator approved a nasal flu vaccine for children.", "2026-11-19", 0.90, "en"),
        passage("de", "Die Behörde hat einen Grippe-Impfstoff als Nasenspray für Kinder zugelassen.", "2026-11-19", 0.86, "de"),
    ]
    assert arrange(passages, [vector(1.0, 1), vector(0.91, 2)]).order == [0]
    updated = [passage("a", "At least 12 people died.", "2026-11-18", 0.91), passage("b", "At least 27 people died.", "2026-11-24", 0.90)]
    arranged = arrange(updated, [vector(1.0, 1), vector(0.99, 2)])
    assert arranged.order == [1, 0] and arranged.passages[0].earlier and not arranged.passages[1].also


def test_copies_are_cited_from_the_outlet_already_shown() -> None:
    # ¶1 of outlet A ranks first; of the copies of ¶2, outlet B's ranks best, but A's is shown so that the story cites one outlet.
    passages = [
        passage("A", "First paragraph with 40 jets.", "2026-11-26", 0.90, outlet="A"),
        passage("B", "Second paragraph, delivery in 2029.", "2026-11-26", 0.85, outlet="B"),
        passage("A", "Second paragraph, delivery in 2029.", "2026-11-26", 0.84, outlet="A"),
    ]
    arranged = arrange(passages, [vector(1.0, 1), vector(0.2, 2), vector(0.2 + 1e-4, 2) / np.linalg.norm(vector(0.2 + 1e-4, 2))])
    assert arranged.order == [0, 2]
    assert [citing.publisher(c) for c in arranged.passages[2].also] == ["B"]


def test_a_quote_from_an_earlier_report_gives_way_to_the_current_one() -> None:
    pool = [
        Passage(passage("new", "The floods killed 27 people.", "2026-11-24", 0.88).chunk, 0.88),
        Passage(passage("old", "At least 12 people died in the floods.", "2026-11-18", 0.91).chunk, 0.91, earlier=True),
    ]
    candidates = [Candidate(pool[0].chunk.text, 0, True), Candidate(pool[1].chunk.text, 1, True)]
    analysis = analyze("How many people died in the floods?", "en")
    chosen = (Quote(pool[1].chunk.text, 1, 0.9),)
    quotes = recency.lead_quotes(chosen, candidates, [0.85, 0.9], [0.88, 0.91], analysis, pool)
    assert [q.passage for q in quotes] == [0, 1]
    assert recency.lead_quotes(chosen[:0], candidates, [0.85, 0.9], [0.88, 0.91], analysis, pool) == ()


def test_the_age_of_an_answer() -> None:
    passages = [passage("a", "x", "2026-11-10", 0.9), passage("b", "y", None, 0.8), passage("c", "z", "2026-11-01", 0.7)]
    today = dt.date(2026, 11, 30)
    assert recency.newest_date(passages) == "2026-11-10"
    assert recency.stale_age(passages, today, 7) == 20
    assert recency.stale_age(passages, today, 20) is None
    assert recency.stale_age(passages[1:2], today, 7) is None  # undated: nothing to say


@pytest.mark.parametrize(
    ("title", "source", "name", "shown"),
    [
        ("Floods in Valmora", "feed.xml#1", "Coastal Herald", "Floods in Valmora"),
        ("000_0ac5", "seeds/000_0ac5.txt", None, ""),  # a plain file without a heading: its name, no title
        ("", "https://herald.example/a", None, ""),
    ],
)
def test_titles_that_only_repeat_the_file_are_not_shown(title: str, source: str, name: str | None, shown: str) -> None:
    chunk = Chunk("a", 0, 1, "text", title, source, None, "2026-05-20", "en", source_name=name)
    assert citing.shown_title(chunk) == shown
    assert citing.publisher(chunk) == (name or ("000_0ac5.txt" if "seeds" in source else "herald.example"))


def test_dates_publishers_and_notes_in_both_languages() -> None:
    earlier = Passage(passage("a", "x", "2026-05-20", 0.9, outlet="Grünauer Anzeiger").chunk, 0.9, earlier=True)
    assert citing.dated_source(earlier) == "Grünauer Anzeiger, earlier: 20 May 2026"
    assert citing.dated_source(earlier, "de") == "Grünauer Anzeiger, früher: 20. Mai 2026"
    undated = passage("b", "y", None, 0.8, outlet="Tagesecho")
    assert citing.dated_source(undated, "de") == "Tagesecho, ohne Datum"
    assert citing.also_reported([undated.chunk], "en") == "also reported by Tagesecho (undated)"
    assert citing.stale_note(45, [earlier]) == "The newest source is 45 days old (20 May 2026)."
    assert citing.stale_note(None, [earlier]) == ""
