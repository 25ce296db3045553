"""The pure logic of watched questions: what a watch remembers, whether an answer changed, the pre-filter."""

from __future__ import annotations

import numpy as np
import pytest

from index.subscriptions import watches
from index.domain import Answer, Chunk, Passage, Quote, TimeNote
from index.subscriptions.watches import WatchedAnswer, changed


def said(sentence: str, span: str | None, published: str | None, kind: str, article: str = "new", **extra: object) -> WatchedAnswer:
    language = "en" if any(w in sentence.split() for w in ("the", "The", "will", "is", "people")) else "de"
    return WatchedAnswer(
        article_id=article, sentence=sentence, span=span, published=published, title="T", source="s", url=None,
        paragraph=1, kind=kind, language=language, **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def old(sentence: str, span: str | None, kind: str, **extra: object) -> WatchedAnswer:
    return said(sentence, span, "2025-10-16", kind, article="old", **extra)


def new(sentence: str, span: str | None, kind: str, **extra: object) -> WatchedAnswer:
    return said(sentence, span, "2025-10-20", kind, article="new", **extra)


CHANGED = [
    # another date
    (old("Der Gipfel in Budapest soll am 12. November stattfinden.", "12. November", "time"),
     new("Der Gipfel in Budapest wurde auf den 3. Dezember verschoben.", "3. Dezember", "time")),
    (old("The summit will take place on November 12.", "November 12", "time"),
     new("The summit has been moved to November 14.", "November 14", "time")),
    # another number
    (old("Bei dem Hochwasser kamen mindestens 12 Menschen ums Leben.", "12 Menschen", "number"),
     new("Die Zahl der Todesopfer des Hochwassers stieg auf 19 Menschen.", "19 Menschen", "number")),
    (old("At least 2,500 people were evacuated from the valley.", "2,500 people", "number"),
     new("Officials now say 4,000 people were evacuated.", "4,000 people", "number")),
    # another name
    (old("Neuer Vorstandschef von Alpenstahl wird Peter Huber.", "Peter Huber", "person"),
     new("Alpenstahl hat Anna Berger zur Vorstandschefin ernannt.", "Anna Berger", "person")),
    (old("The delegation will be led by Marco Rubio.", "Marco Rubio", "person"),
     new("The delegation will be led by JD Vance instead.", "JD Vance", "person")),
    # not decided any more / not decided after all
    (old("Einen Termin für das Treffen nannte Trump nicht.", None, "time", undecided=True),
     new("Das Treffen findet am 12. November statt.", "12. November", "time")),
    (old("The summit will take place on November 12.", "November 12", "time"),
     new("No date has been set for the summit any more.", None, "time", undecided=True)),
    # a span on one side only: the other sentence's number is compared
    (old("Bei dem Hochwasser sind nach Angaben der Polizei mindestens 12 Menschen ums Leben gekommen.", None, "number"),
     new("Die Zahl der Todesopfer des Hochwassers ist auf 19 gestiegen.", "19", "number")),
    (old("Neuer Vorstandschef von Alpenstahl wird Peter Huber.", "Peter Huber", "person"),
     new("Der Aufsichtsrat von Alpenstahl hat sich für Anna Berger entschieden.", None, "person")),
    # an untyped answer that says something new
    (old("Die Regierung plant eine Reform der Pensionen.", None, "other"),
     new("Der Nationalrat hat die Pensionsreform am Abend beschlossen.", None, "other")),
    (old("The airport remains closed after the storm.", None, "other"),
     new("Flights resumed at the airport on Tuesday morning.", None, "other")),
]  # fmt: skip

SAME = [
    # the same date in other words, word order, or language
    (old("Der Gipfel in Budapest soll am 12. November stattfinden.", "12. November", "time"),
     new("Am 12. November treffen sich Trump und Putin in Budapest.", "12. November", "time")),
    (old("Der Gipfel soll am 12. November stattfinden.", "12. November", "time"),
     new("The summit is planned for November 12th.", "November 12th", "time")),
    (old("Trump will meet Putin within two weeks.", "within two weeks", "time", resolved="2025-10-30"),
     new("The meeting is expected on 30 October.", "30 October", "time", resolved="2025-10-30")),
    # the same number, written another way
    (old("At least 2,500 people were evacuated from the valley.", "2,500 people", "number"),
     new("Rund 2.500 Menschen mussten das Tal verlassen.", "2.500 Menschen", "number")),
    (old("Bei dem Hochwasser kamen zwölf Menschen ums Leben.", "zwölf Menschen", "number"),
     new("The flood killed 12 people, the authorities confirmed.", "12 people", "number")),
    # the same person, with and without the first name
    (old("The delegation will be led by Marco Rubio.", "Marco Rubio", "person"),
     new("Außenminister Rubio leitet die Delegation.", "Rubio", "person")),
    # a span on one side only, the same number in other words (German nouns are capitalized, but no names)
    (old("Die Zahl der Todesopfer des Hochwassers in der Steiermark ist auf 19 gestiegen, teilte die Landesregierung mit.", "19", "number"),
     new("Beim Hochwasser in der Steiermark sind 19 Menschen gestorben, bestätigte die Polizei.", None, "number")),
    (old("Die Nachfolge an der Spitze von Alpenstahl übernimmt Peter Huber.", "Peter Huber", "person"),
     new("Der Aufsichtsrat bestätigte Huber als neuen Vorstandschef von Alpenstahl.", None, "person")),
    # an untyped answer repeated with its words rearranged
    (old("Der Nationalrat hat die Pensionsreform beschlossen.", None, "other"),
     new("Beschlossen hat der Nationalrat die Pensionsreform.", None, "other")),
]  # fmt: skip


@pytest.mark.parametrize(("before", "after"), CHANGED, ids=[f"{b.kind}-{b.sentence[:20]}" for b, _ in CHANGED])
def test_an_answer_that_says_something_else_changed(before: WatchedAnswer, after: WatchedAnswer) -> None:
    assert changed(before, after)


@pytest.mark.parametrize(("before", "after"), SAME, ids=[f"{b.kind}-{b.sentence[:20]}" for b, _ in SAME])
def test_the_same_answer_in_other_words_did_not_change(before: WatchedAnswer, after: WatchedAnswer) -> None:
    assert not changed(before, after)


def test_only_a_newer_or_same_day_article_of_another_article_counts() -> None:
    before = old("The summit will take place on November 12.", "November 12", "time")
    later = new("The summit has been moved to November 14.", "November 14", "time")
    older = said(later.sentence, later.span, "2025-10-01", "time")
    same_article = said(later.sentence, later.span, "2025-10-20", "time", article="old")
    undated = said(later.sentence, later.span, None, "time")
    assert changed(before, later) and changed(before, undated)
    assert not changed(before, older)  # an old article indexed late is no news
    assert not changed(before, same_article)  # an edit of the answer's own article is not a newer article


@pytest.mark.parametrize(
    ("span", "kind", "facts"),
    [
        ("12. November", "time", {"12", "m11"}),
        ("November 12th", "time", {"12", "m11"}),
        ("am 3. Dez. 2025", "time", {"3", "m12", "2025"}),
        ("2.500 Menschen", "number", {"2500"}),
        ("2,500 people", "number", {"2500"}),
        ("3,5 Millionen Euro", "number", {"3500000"}),
        ("zwölf Menschen", "number", {"12"}),
        ("Marco Rubio", "person", {"marco", "rubio"}),
    ],
)
def test_span_facts(span: str, kind: str, facts: set[str]) -> None:
    assert watches.span_facts(span, kind) == facts


def test_a_watch_remembers_the_first_quote_its_passage_and_the_resolved_date() -> None:
    chunk = Chunk("a1", 8, 9, "Später teilte er mit, dass er Putin innerhalb von zwei Wochen treffen werde.", "Titel", "src",
                  url="https://example.org/a", published="2025-10-16", language="de")  # fmt: skip
    quote = Quote(chunk.text, 0, 0.8, span=(36, 61), times=(TimeNote("innerhalb von zwei Wochen", "2025-10-16", "by", "2025-10-30"),))
    answer = Answer("Wann?", (quote,), (Passage(chunk, 0.8),), "de", "time")
    kept = watches.remembered(answer)
    assert kept is not None
    assert (kept.article_id, kept.span, kept.resolved, kept.published, kept.paragraph) == (
        "a1", "innerhalb von zwei Wochen", "2025-10-30", "2025-10-16", 9,
    )
    assert WatchedAnswer.from_json(kept.to_json() | {"from_a_later_version": 1}) == kept
    assert watches.remembered(Answer("Wann?", (), (), "de")) is None


def test_the_prefilter_keeps_the_watches_a_new_paragraph_comes_close_to() -> None:
    questions = np.eye(4, dtype=np.float32)[:3]  # three watches, one direction each
    paragraphs = np.array([[0.9, 0.436, 0, 0], [0, 0, 0.2, 0.98]], dtype=np.float32)
    assert watches.bearing(questions, paragraphs, 0.8).tolist() == [0]
    assert watches.bearing(questions, paragraphs, 0.4).tolist() == [0, 1]
    assert watches.bearing(questions, paragraphs[:0], 0.1).tolist() == []
    stored = [watches.vector_bytes(v) for v in questions]
    assert np.array_equal(watches.vectors_from(stored, 4), questions)
