from __future__ import annotations

import math
from pathlib import Path

import numpy as np

import pytest

from index.ingest import indexing
from index import service
from index.store.keyword_index import KeywordIndex
from index.retrieval.keywords import KEYWORD_WEIGHT, NAME_WEIGHT, TermStats, keyword_bonus, neutral_words, terms
from index.settings import Settings
from index.store.vector_store import VectorStore, open_client
from tests.fakes import HashingEmbedder

DOCS = [
    ("Die Tomahawk-Raketen haben eine Reichweite von 2.500 Kilometern.", "de"),
    ("Außenminister Marco Rubio leitet die Delegation in Budapest.", "de"),
    ("Das Wetter in Wien bleibt am Wochenende freundlich.", "de"),
]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Welche Reichweite haben die Raketen?", "de", ["reichweit", "rak"]),
        ("Who leads the delegations?", "en", ["lead", "deleg"]),
        ("Zölle und Äpfel", "de", ["zoll", "apfel"]),
    ],
)
def test_terms_are_stemmed_without_stop_words(text: str, language: str, expected: list[str]) -> None:
    assert terms(text, language) == expected


def test_neutral_words_are_numbers_and_names() -> None:
    assert neutral_words("How far do the Tomahawk missiles fly, 2,500 km?") == ["tomahawk", "2", "500"]
    assert neutral_words("Who will lead the American delegation with Marco Rubio?") == ["american", "marco", "rubio"]
    # no capitals and no spaces in Chinese: a run of \w is a whole clause, only its numbers are neutral
    assert neutral_words("截至2015年3月，伊斯兰国控制的领地有多少人口？") == ["2015", "3"]
    assert neutral_words("Wie viele COVID19-Fälle gab es?") == ["covid19", "fälle"]


def test_bonus_same_language_full_words_other_language_names_only() -> None:
    stats = TermStats.build(DOCS)
    german = keyword_bonus("Welche Reichweite haben die Tomahawk-Raketen?", "de", DOCS, stats)
    assert german[0] > 0 and german[1] == 0 and german[2] == 0
    assert german[0] <= KEYWORD_WEIGHT
    english = keyword_bonus("What range do the missiles have?", "en", DOCS, stats)
    assert english == [0.0, 0.0, 0.0]  # no name or number: the keyword side has nothing to say
    named = keyword_bonus("Does Marco Rubio lead it?", "en", DOCS, stats)
    assert named[1] > 0 and named[0] == 0 and named[1] <= NAME_WEIGHT


def test_keyword_index_follows_the_store(tmp_path: Path, settings: Settings, fake_embedder: HashingEmbedder) -> None:
    store = VectorStore(lambda: open_client(None, settings.chroma_dir), "kw-index", fake_embedder.name)
    index = KeywordIndex(store, tmp_path / "cache", check_every=3600)
    assert index.stats() is None
    article = tmp_path / "a.txt"
    article.write_text("Titel\n" + "\n".join(t for t, _ in DOCS[:2]), encoding="utf-8")
    indexing.ingest([str(article)], fake_embedder, store)
    stats = index.stats()
    assert stats is not None and "wien" not in stats.frequency and stats.frequency["rak"] == 1
    assert list((tmp_path / "cache").glob("terms-*.json"))
    article.write_text("Titel\n" + "\n".join(t for t, _ in DOCS), encoding="utf-8")
    indexing.ingest([str(article)], fake_embedder, store)  # a write by this process is seen at once
    assert "wien" in index.stats().frequency  # type: ignore[union-attr]
    fresh = KeywordIndex(store, tmp_path / "cache")  # another process: reads the cached file
    assert fresh.stats().frequency == index.stats().frequency  # type: ignore[union-attr]
    store.close()


class TableEmbedder(HashingEmbedder):
    """Vectors chosen per text, so that a test sets the dense order and its margins exactly."""

    def __init__(self, table: dict[str, np.ndarray]) -> None:
        super().__init__(name="test-table", dimension=2)
        self.table = table

    def _vector(self, text: str) -> np.ndarray:
        return self.table[text] if text in self.table else super()._vector(text)


def test_keyword_signal_reorders_dense_hits(tmp_path: Path, settings: Settings) -> None:
    question = "Welche Reichweite haben die Tomahawk-Raketen?"
    missiles = "Die Tomahawk-Raketen haben eine Reichweite von 2.500 Kilometern, sagte das Ministerium."
    weather = "Das Wetter in Wien bleibt am Wochenende freundlich, sagen die Meteorologen der Zentralanstalt."

    def unit(cosine: float) -> np.ndarray:
        return np.array([cosine, math.sqrt(1 - cosine**2)], dtype=np.float32)

    # Dense: the weather paragraph is a little closer to the question (0.60 vs 0.57).
    embedder = TableEmbedder({question: unit(1.0), missiles: unit(0.57), weather: unit(0.60)})
    store = VectorStore(lambda: open_client(None, settings.chroma_dir), "kw-rerank", embedder.name)
    article = tmp_path / "a.txt"
    article.write_text(f"Titel\n{missiles}\n{weather}", encoding="utf-8")
    indexing.ingest([str(article)], embedder, store)

    dense = service.answer_question(question, embedder, store, k=2, min_score=-1)
    assert dense.passages[0].chunk.text == weather  # without keywords the weather comes first
    fused = service.answer_question(question, embedder, store, k=2, min_score=-1, keywords=KeywordIndex(store, None))
    assert fused.passages[0].chunk.text == missiles  # the question's words lift the missile paragraph
    assert "Reichweite" in fused.quotes[0].text
    store.close()
