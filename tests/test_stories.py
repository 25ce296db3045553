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
        ("At least 27 people died in Valmora.", ["At least 12 people died in Valmora."], ["27 people"]),
        ("At least 12 people died, mayor Tomas Ruiz said.", ["At least 12 people died."], ["Tomas Ruiz"]),
        ("The plant opens on 20 November.", ["The plant opens on 15 October."], ["on 20 November"]),
        ("Costs rose to 2,000 euros.", ["Costs: 2000 euros."], []),  # the same figure, written otherwise
        ("The mayor said the rescue goes on soon.", ["The rescue goes on."], []),  # "May" in "mayor", "soon": no facts
        ("Anna Roth wird Ministerin.", ["Die Abgeordnete Anna Roth wird Ministerin."], []),
    ],
)
def test_new_facts_are_figures_dates_and_names_not_stated_before(text: str, earlier: list[str], new: list[str]) -> None:
    assert stories.new_facts(text, earlier) == new


def test_one_story_is_nearly_the_same_text_and_a_translation_needs_less() -> None:
    first = unit(1.0, 1)
    assert stories.same_story(unit(0.97, 2), first)
    assert not stories.same_story(unit(0.92, 2), first)  # another article on the same subject
    assert stories.same_story(unit(0.90, 2), first, ["de"], ["en"])
    assert not stories.same_story(unit(0.90, 2), first, ["en"], ["en"])
    earlier = [(1, unit(0.3, 3), ["en"]), (2, first, ["en"]), (3, first, ["en"])]
    assert stories.first_of_story(unit(0.99, 2), earlier, ["en"]) == 2
    assert stories.first_of_story(unit(0.5, 2), earlier, ["en"]) is None
