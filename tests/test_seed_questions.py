"""The seed questions with the real default model, on embedded Chroma and on a `chroma run` server."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from index.ingest import indexing
from index import service
from index.retrieval import small_talk
from index.embedding.embedder import SentenceTransformerEmbedder
from index.settings import DEFAULT_MIN_SCORE
from index.store.vector_store import VectorStore, open_client
from tests.conftest import SEED_QUESTIONS, SEEDS, SHARED

pytestmark = pytest.mark.slow

QUESTIONS: list[dict[str, Any]] = [json.loads(line) for line in SEED_QUESTIONS.read_text().splitlines() if line.strip()]
SMALL_TALK = [line for line in (SHARED / "cases" / "answers" / "small-talk" / "questions.txt").read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module", params=["embedded", "server"])
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, real_embedder: SentenceTransformerEmbedder
) -> Iterator[VectorStore]:
    if request.param == "embedded":
        client = open_client(None, tmp_path_factory.mktemp("seeded") / "chroma")
    else:
        client = open_client(request.getfixturevalue("chroma_url"), tmp_path_factory.mktemp("unused"))
    store = VectorStore(lambda: client, f"seed-{uuid.uuid4().hex[:8]}", real_embedder.name, remote=request.param == "server")
    report = indexing.ingest([str(SEEDS)], real_embedder, store)
    assert report.errors == [] and report.articles == 1
    yield store
    store.close()


@pytest.mark.parametrize("question", [q for q in QUESTIONS if q["gold_contains"]], ids=lambda q: q["id"])
def test_seed_question_finds_a_gold_passage(
    seeded: VectorStore, real_embedder: SentenceTransformerEmbedder, question: dict[str, Any]
) -> None:
    # With the model alone the gold paragraph of seed-0 ranks 6th of 35 (0.769, the 5th 0.773):
    # look in the top 8. Retrieval quality beyond the model alone is measured by `newsbot eval`.
    answer = service.answer_question(question["question"], real_embedder, seeded, k=8, min_score=DEFAULT_MIN_SCORE)
    assert answer.found
    texts = [p.chunk.text for p in answer.passages]
    assert any(gold in text for gold in question["gold_contains"] for text in texts), texts
    assert all(p.chunk.source.endswith(".txt") and p.chunk.paragraph >= 1 for p in answer.passages)
    quoted = {q.passage for q in answer.quotes}
    assert quoted <= set(range(len(answer.passages)))  # never a quote from a passage not retrieved
    assert answer.language == question["lang"]


@pytest.mark.parametrize("question", [q for q in QUESTIONS if not q["gold_contains"]], ids=lambda q: q["id"])
def test_out_of_scope_question_gets_no_answer(
    seeded: VectorStore, real_embedder: SentenceTransformerEmbedder, question: dict[str, Any]
) -> None:
    answer = service.answer_question(question["question"], real_embedder, seeded, k=5, min_score=DEFAULT_MIN_SCORE)
    assert not answer.found
    assert answer.passages == ()


@pytest.mark.parametrize("question", [q for q in QUESTIONS if q["gold_contains"]], ids=lambda q: q["id"])
def test_seed_question_quotes_a_gold_sentence(
    seeded: VectorStore, real_embedder: SentenceTransformerEmbedder, question: dict[str, Any]
) -> None:
    """With the default number of passages, the quoted answer itself holds the gold (and, for dates, the span)."""
    answer = service.answer_question(question["question"], real_embedder, seeded, k=5, min_score=DEFAULT_MIN_SCORE)
    quoted = " ".join(q.text for q in answer.quotes)
    assert any(gold in quoted for gold in question["gold_contains"]), quoted
    assert any(gold in (q.span_text or "") for q in answer.quotes for gold in question["gold_contains"]), answer.quotes
    assert {q.passage for q in answer.quotes} <= set(range(len(answer.passages)))


def test_when_question_quotes_the_date_resolved_and_the_missing_date(
    seeded: VectorStore, real_embedder: SentenceTransformerEmbedder
) -> None:
    answer = service.answer_question("When is the Budapest meeting?", real_embedder, seeded, k=5, min_score=DEFAULT_MIN_SCORE)
    (dated,) = [q for q in answer.quotes if q.span_text == "innerhalb von zwei Wochen"]
    assert [(n.published, n.relation, n.resolved) for n in dated.times] == [("2025-10-16", "by", "2025-10-30")]
    assert any(q.undecided and "keinen Termin" in q.text for q in answer.quotes)


@pytest.mark.parametrize("question", SMALL_TALK)
def test_small_talk_and_questions_the_article_does_not_answer_are_refused(
    seeded: VectorStore, real_embedder: SentenceTransformerEmbedder, question: str
) -> None:
    answer = service.answer_question(question, real_embedder, seeded, k=5, min_score=DEFAULT_MIN_SCORE)
    if answer.found:  # "Who is the president of Russia?" may be answered, but only with a sentence that says it
        assert any("Putin" in q.text and "russisch" in q.text.lower() for q in answer.quotes), answer.quotes
    else:
        assert answer.holdings is not None and answer.holdings.sources[0][1] == 1


# "When is the Budapest meeting?" asked in other languages: the question word gives the type, the
# name in another script is compared in Latin letters (Будапеште ~ Budapest) by the focus check.
OTHER_LANGUAGES = [
    "Quand aura lieu la rencontre de Budapest ?",
    "¿Cuándo es la reunión en Budapest?",
    "Когда встреча в Будапеште?",
    "Quando sarà il vertice di Budapest?",
    "Kiedy odbędzie się spotkanie w Budapeszcie?",
]


@pytest.mark.parametrize("question", OTHER_LANGUAGES)
def test_when_question_in_another_language_quotes_the_date(
    seeded: VectorStore, real_embedder: SentenceTransformerEmbedder, question: str
) -> None:
    answer = service.answer_question(question, real_embedder, seeded, k=5, min_score=DEFAULT_MIN_SCORE)
    assert answer.kind == "time" and answer.language == "en"  # the bot replies in English to languages it does not speak
    assert any(q.span_text == "innerhalb von zwei Wochen" for q in answer.quotes), answer.quotes


@pytest.mark.parametrize(
    "question", ["Bonjour, comment ça va ?", "Привет, как дела?", "Raconte-moi une blague", "Cuéntame un chiste", "Hoe gaat het met je?"]
)
def test_small_talk_in_other_languages_is_refused(seeded: VectorStore, real_embedder: SentenceTransformerEmbedder, question: str) -> None:
    assert small_talk.recognised(real_embedder.embed_query(question), real_embedder)  # not only below the threshold
    answer = service.answer_question(question, real_embedder, seeded, k=5, min_score=DEFAULT_MIN_SCORE)
    assert not answer.found, answer.quotes
    assert answer.holdings is not None and answer.holdings.sources[0][1] == 1


# Questions about the seed article whose answer is a place, a person, a count or a day: the answer is marked,
# and no capitalized German noun ("Treffen", "Berater", "Bezug" of "in Bezug auf") or title is marked as a
# place or person; a name spelled the English way (Zelensky) is found in its German spelling (Selenskyj).
SPANS = [
    ("Where will Trump and Putin meet?", {"Ungarn", "Budapest"}),
    ("Wo treffen sich Trump und Putin?", {"Ungarn", "Budapest"}),
    ("Who is the Hungarian prime minister?", {"Viktor Orban"}),
    ("Wie viele Menschen wurden bei Angriffen auf Narco-Boote getötet?", {"mindestens 27 Menschen"}),
    ("When does Zelensky visit the White House?", {"am Freitag"}),
]
NOT_NAMES = {"Treffen", "Termin", "Berater", "Bezug", "Staats-", "Premierminister Viktor Orban", "Möglichkeit"}


@pytest.mark.parametrize(("question", "expected"), SPANS, ids=[q for q, _ in SPANS])
def test_the_answer_is_marked(
    seeded: VectorStore, real_embedder: SentenceTransformerEmbedder, question: str, expected: set[str]
) -> None:
    answer = service.answer_question(question, real_embedder, seeded, k=5, min_score=DEFAULT_MIN_SCORE)
    marked = {q.span_text for q in answer.quotes if q.span_text}
    assert marked & expected, answer.quotes
    assert not marked & NOT_NAMES, answer.quotes


@pytest.mark.parametrize("question", ["Wer ist Olga Stefanischyna?", "Who is Olga Stefanischyna?"])
def test_who_is_someone_named_quotes_her_and_marks_no_other_name(
    seeded: VectorStore, real_embedder: SentenceTransformerEmbedder, question: str
) -> None:
    answer = service.answer_question(question, real_embedder, seeded, k=5, min_score=DEFAULT_MIN_SCORE)
    assert "Botschafterin" in answer.quotes[0].text, answer.quotes
    assert answer.quotes[0].span is None  # not "Putins Anruf", the other capitalized pair in that sentence
