"""A story once per chat, as pure logic: which articles tell one story, and what a later report adds."""

from __future__ import annotations

import numpy as np
import pytest

from index.subscriptions import stories


def unit(cos: float, axis: int, dim: int = 8) -> np.ndarray:
    v = np.zeros(dim, dtype=np.float32)
    v[0], v[axis] = cos, np.sqrt(1 - cos * cos)
    return v[None, :]


@pytest.mark.parametrize(
    ("text", "earlier", "new"),
    [
        ("At least 27 people died in Valmora.", ["At least 12 people died in Valmora."], ["At least 27 people"]),
        ("At least 12 people died, mayor Tomas Ruiz said.", ["At least 12 people died."], ["Tomas Ruiz"]),
        ("The plant opens on 20 November.", ["The plant opens on 15 October."], ["on 20 November"]),
        ("Costs rose to 2,000 euros.", ["Costs: 2000 euros."], []),  # the same figure, written otherwise
        ("The mayor said the rescue goes on soon.", ["The rescue goes on."], []),  # "May" in "mayor", "soon": no facts
        ("Anna Roth wird Ministerin.", ["Die Abgeordnete Anna Roth wird Ministerin."], []),
        # German capitalises nouns: a name's other words, or a noun after an article, name no one new
        ("Der Impfstoff stammt von der Firma Virena.", ["Die Zulassung ging an Virena."], []),
        ("Die Arzneimittelbehörde prüft den Antrag.", ["Der Antrag liegt vor."], []),
        ("Die neue Ministerin heißt Jana Weber.", ["Minister Anna Roth resigned."], ["Jana Weber"]),
    ],
)
def test_new_facts_are_figures_dates_and_names_not_stated_before(text: str, earlier: list[str], new: list[str]) -> None:
    assert stories.new_facts(text, earlier) == new


def test_a_translation_adds_only_figures_its_original_did_not_state() -> None:
    original = ["The spray is made by the company Virena and will be offered free of charge from December to 40,000 children."]
    translation = "Das Spray der Firma Virena wird ab Dezember 40.000 Kindern kostenlos angeboten."
    assert stories.new_facts(translation, [], original) == []
    assert stories.new_facts(translation.replace("40.000", "55.000"), [], original) == ["55.000"]
    # with an earlier report in its own language too, its words are compared with that one
    new = stories.new_facts("Die Impfung beginnt im Dezember, sagte Minister Paul Berger.", ["Die Impfung beginnt im Dezember."], original)
    assert [fact for fact in new if "Paul Berger" in fact] == new and len(new) == 1


def test_one_story_is_nearly_the_same_text_and_a_translation_needs_less() -> None:
    first = unit(1.0, 1)
    assert stories.same_story(unit(0.97, 2), first)
    assert not stories.same_story(unit(0.92, 2), first)  # another article on the same subject
    assert stories.same_story(unit(0.90, 2), first, ["de"], ["en"])
    assert not stories.same_story(unit(0.90, 2), first, ["en"], ["en"])
    assert not stories.same_story(unit(0.90, 2), first, [None], ["en"])  # an unknown language is no translation
    earlier = [stories.Told(1, unit(0.3, 3), ["en"], None), stories.Told(2, first, ["en"], None), stories.Told(3, first, ["en"], None)]
    assert stories.first_of_story(unit(0.99, 2), earlier, ["en"]) == 2
    assert stories.first_of_story(unit(0.5, 2), earlier, ["en"]) is None


def test_one_story_by_the_story_id_from_ingest_or_by_the_paragraphs() -> None:
    first = unit(1.0, 1)
    earlier = [stories.Told(1, unit(0.3, 3), ["en"], "story-a"), stories.Told(2, first, ["en"], "story-b")]
    # ingest put the new article into story-a although its matching paragraph is far from it
    assert stories.first_of_story(unit(0.99, 2), earlier, ["en"], "story-a") == 1
    # ingest gave it a story of its own (it compares with the nearest stored paragraphs only), the paragraphs still match
    assert stories.first_of_story(unit(0.99, 2), earlier, ["en"], "story-c") == 2
    assert stories.first_of_story(unit(0.5, 2), earlier, ["en"], "story-c") is None
    # an article stored before story ids were kept is compared by its vectors
    older = [stories.Told(4, first, ["en"], None)]
    assert stories.first_of_story(unit(0.99, 2), older, ["en"], "story-c") == 4


def sentence(text: str, near: int, cos: float, away: int, language: str = "en") -> stories.Sentence:
    """A sentence whose unit vector has cosine `cos` with axis `near` and leans towards axis `away`."""
    v = np.zeros(8, dtype=np.float32)
    v[near], v[away] = cos, np.sqrt(1 - cos * cos)
    return stories.Sentence(text, v, language)


def test_novel_sentences_are_those_no_earlier_sentence_says_alike() -> None:
    earlier = [sentence("The union called a strike for Monday.", 1, 1.0, 0), sentence("It wants 8 percent more pay.", 2, 1.0, 0)]
    copy = [sentence("The union has called a strike for Monday.", 1, 0.98, 3), sentence("It demands 8 percent more pay.", 2, 0.97, 4)]
    assert stories.novel_sentences(copy, earlier) == []
    translation = [sentence("Die Gewerkschaft ruft für Montag zum Streik auf.", 1, 0.91, 3, "de")]
    assert stories.novel_sentences(translation, earlier) == []  # a translation needs less
    assert stories.novel_sentences([sentence("The union calls a strike on Monday.", 1, 0.91, 3)], earlier) != []  # ... but not within a language
    called_off = [
        sentence("The union called off the strike for Monday.", 1, 0.90, 3),
        sentence("Talks resume on the day after.", 2, 0.5, 5),
        sentence("Mit Material von dpa.", 6, 1.0, 0),  # too short to be the news
    ]
    assert stories.novel_sentences(called_off, earlier) == ["Talks resume on the day after.", "The union called off the strike for Monday."]
    assert stories.novel_sentences(called_off, []) == []
