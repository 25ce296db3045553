"""Sentence vectors made at ingest: which sentences, embedding and storing them, the side store across
edits, forget and reindex (real Chroma, hashing embedder), and the real model's vectors."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from index import service
from index.answers.quoting import quote
from index.retrieval import fusion
from index.retrieval.search import read_question, retrieve
from index.store.keyword_index import KeywordIndex
from index.ingest import indexing, rebuild
from index.answers.extractive import candidate_sentences
from index.domain import Chunk, Passage
from index.embedding.embedder import SentenceTransformerEmbedder
from index.errors import StoreUnavailable
from index.embedding.sentence_vectors import SentenceVectors, answer_sentences, embed_together, sentence_rows, sentence_spans
from index.ingest.splitting import normalize_space
from index.store.vector_store import VectorStore
from tests.fakes import HashingEmbedder

PARAGRAPH = (
    "Später teilte er Reportern mit, dass er sich voraussichtlich innerhalb von zwei Wochen mit Putin treffen werde. "
    "Ja. Einen Termin nannte er nicht, auch keinen Ort für die Gespräche der Berater."
)
ARTICLE = [
    PARAGRAPH,
    "Außenminister Marco Rubio soll die amerikanische Delegation leiten. Er fliegt am Montag nach Ungarn.",
    "Die Raketen vom Typ Tomahawk haben eine Reichweite von 2.500 Kilometern, sagte ein Sprecher.",
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (PARAGRAPH, 2),  # "Ja." joins the sentence before it
        ("Ein einziger Satz ohne Ende", 1),
        ("Erster Satz mit  doppeltem Leerzeichen hier. Zweiter Satz folgt gleich danach.", 2),
    ],
)
def test_spans_are_the_sentences_an_answer_quotes(text: str, expected: int) -> None:
    spans = sentence_spans(text, "de")
    assert len(spans) == expected
    assert [normalize_space(text[a:b]) for a, b in spans] == answer_sentences(text, "de")
    chunk = Chunk("a", 0, 1, text, "t", "s", language="de")
    assert [c.text for c in candidate_sentences([Passage(chunk, 0.9)])] == answer_sentences(text, "de")


def test_sentences_are_embedded_with_their_paragraphs_in_one_call() -> None:
    calls: list[list[str]] = []
    embedder = HashingEmbedder()

    def embed(texts: Sequence[str]) -> np.ndarray:
        calls.append(list(texts))
        return embedder.embed_passages(texts)

    texts = [PARAGRAPH, ARTICLE[2]]
    spans = [sentence_spans(t, "de") for t in texts]
    paragraphs, sentences = embed_together(embed, texts, spans)
    first, second = (PARAGRAPH[a:b] for a, b in spans[0])
    assert calls == [[PARAGRAPH, ARTICLE[2], first, second]]  # a one-sentence paragraph is its own sentence
    np.testing.assert_allclose(sentences[0], embedder.embed_passages([first, second]))
    np.testing.assert_allclose(sentences[1], paragraphs[1:])


def test_encoded_vectors_come_back_and_garbage_is_none() -> None:
    vectors = np.asarray([[0.6, 0.8], [1.0, 0.0]], dtype=np.float32)
    stored = SentenceVectors(((0, 5), (6, 11)), vectors)
    back = SentenceVectors.decode(stored.encode())
    assert back is not None and back.spans == stored.spans
    np.testing.assert_allclose(back.vectors, vectors, atol=1e-3)
    assert back.lookup("Hallo Welt!", "Welt!") is not None and back.lookup("Hallo Welt!", "Welt") is None
    for garbage in (None, 3, "", "{}", '{"spans": [[0, 1]], "dim": 2, "f16": "!!"}'):
        assert SentenceVectors.decode(garbage) is None


def write(path: Path, paragraphs: list[str]) -> Path:
    path.write_text("Gipfel in Budapest\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return path


def test_an_answer_embeds_no_sentence_and_the_vectors_follow_edits_forget_and_reindex(
    tmp_path: Path, store: VectorStore, fake_embedder: HashingEmbedder
) -> None:
    source = write(tmp_path / "gipfel.txt", ARTICLE)
    assert not store.has_sentence_vectors()  # nothing indexed yet
    indexing.ingest([str(source)], fake_embedder, store)
    assert store.has_sentence_vectors()
    chunks = store.neighbours(store.query(fake_embedder.embed_query(PARAGRAPH), 1)[0][0].chunk, 5, 5)
    assert len(chunks) == 3 and set(store.sentence_vectors([c.id for c in chunks])) == {c.id for c in chunks}

    embedded = len(fake_embedder.embedded)
    answer = service.answer_question("Wann will er sich mit Putin treffen?", fake_embedder, store, k=3, min_score=0.0)
    assert answer.found and "innerhalb von zwei Wochen" in answer.quotes[0].text
    assert len(fake_embedder.embedded) == embedded  # every candidate sentence had its stored vector

    write(source, [ARTICLE[0], "Die Delegation leitet nun doch Vizepräsident Vance, hieß es am Abend."])
    indexing.ingest([str(source)], fake_embedder, store)
    assert store.sentence_vectors([c.id for c in chunks]).keys() == {chunks[0].id}  # the edited paragraphs' are gone

    old = store.serving_name()
    report = rebuild.reindex([str(source)], fake_embedder, store, grace=0)
    assert store.serving_name() == report.generation != old
    fresh = store.neighbours(store.query(fake_embedder.embed_query(PARAGRAPH), 1)[0][0].chunk, 5, 5)
    assert set(store.sentence_vectors([c.id for c in fresh])) == {c.id for c in fresh}
    names = {c.name for c in store._client.list_collections()}
    assert store.sentences_name(report.generation) in names and store.sentences_name(old) not in names

    assert indexing.forget(str(source), store) == 2
    assert store.sentence_vectors([c.id for c in fresh]) == {} and not store.has_sentence_vectors()


def test_the_model_makes_paragraph_and_sentence_vectors_in_one_pass(real_embedder: SentenceTransformerEmbedder) -> None:
    texts = [PARAGRAPH, ARTICLE[2]]
    spans = [sentence_spans(t, "de") for t in texts]
    paragraphs, sentences = real_embedder.embed_passages_and_sentences(texts, spans)
    np.testing.assert_allclose(paragraphs, real_embedder.embed_passages(texts), atol=1e-4)
    assert [s.shape for s in sentences] == [(2, real_embedder.dimension), (1, real_embedder.dimension)]
    # The vectors the answer step embedded per question before: each sentence on its own.
    np.testing.assert_allclose(sentences[0], real_embedder.embed_passages([PARAGRAPH[a:b] for a, b in spans[0]]), atol=1e-4)
    np.testing.assert_allclose(sentences[1], paragraphs[1:], atol=1e-6)


def test_a_passage_whose_one_sentence_answers_rises_over_one_that_is_only_near_as_a_whole() -> None:
    query = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    # A: no sentence says it, the paragraph as a whole is near (0.82); B: one sentence says it (0.95), the paragraph is diluted (0.80)
    sentences = [np.array([[0.8, 0.6, 0.0], [0.78, 0.0, 0.626]], dtype=np.float32), np.array([[0.95, 0.312, 0.0], [0.2, 0.98, 0.0]], dtype=np.float32)]
    scores = [0.82, 0.80, 0.70]
    best = fusion.best_sentence(query, [*sentences, None], scores)
    assert best == pytest.approx([0.8, 0.95, 0.70])  # the third has no stored sentences: its passage's cosine
    fused = fusion.fuse_best_sentence(scores, best)
    assert fused[1] > fused[0] > fused[2]


def test_retrieval_reads_the_candidates_sentence_vectors_and_the_answer_reuses_them(
    tmp_path: Path, store: VectorStore, fake_embedder: HashingEmbedder
) -> None:
    source = write(tmp_path / "gipfel.txt", ARTICLE)
    indexing.ingest([str(source)], fake_embedder, store)
    keywords = KeywordIndex(store, None)
    asked = read_question("Wann will er sich mit Putin treffen?", 500)
    retrieved = retrieve(asked, fake_embedder, store, depth=5, keywords=keywords)
    assert set(retrieved.sentences) == {p.chunk.id for p in retrieved.passages}
    # the answer step takes them from the retrieval: without a way to read the store it embeds nothing ...
    embedded = len(fake_embedder.embedded)
    reused = quote(retrieved, fake_embedder, k=3, min_score=0.0, stored=None)
    assert len(fake_embedder.embedded) == embedded
    # ... and quotes what it quotes with the store's vectors read again
    read_again = quote(dataclasses.replace(retrieved, sentences={}), fake_embedder, k=3, min_score=0.0, stored=store.sentence_vectors)
    assert reused.quotes == read_again.quotes and len(fake_embedder.embedded) == embedded
    # without either, the candidate sentences are embedded now
    quote(dataclasses.replace(retrieved, sentences={}), fake_embedder, k=3, min_score=0.0, stored=None)
    assert len(fake_embedder.embedded) > embedded
    off = retrieve(asked, fake_embedder, store, depth=5, keywords=keywords, best_sentence=False)
    assert off.sentences == {} and off.scores != retrieved.scores


def test_sentence_vectors_are_read_beside_the_keyword_scoring_and_errors_come_back(
    tmp_path: Path, store: VectorStore, fake_embedder: HashingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second store read runs on another thread while the asking one scores words (issue 18); what it
    raises reaches the caller like any store error."""
    indexing.ingest([str(write(tmp_path / "gipfel.txt", ARTICLE))], fake_embedder, store)
    keywords = KeywordIndex(store, None)
    asked = read_question("Wann will er sich mit Putin treffen?", 500)
    read = store.sentence_vectors
    threads: list[str] = []

    def recorded(ids: Sequence[str]) -> dict[str, SentenceVectors]:
        threads.append(threading.current_thread().name)
        return read(ids)

    monkeypatch.setattr(store, "sentence_vectors", recorded)
    assert retrieve(asked, fake_embedder, store, depth=5, keywords=keywords).sentences
    assert threads and threads[0] != threading.current_thread().name

    def down(ids: Sequence[str]) -> dict[str, SentenceVectors]:
        raise StoreUnavailable("the Chroma server at http://localhost:8000 is not reachable")

    monkeypatch.setattr(store, "sentence_vectors", down)
    with pytest.raises(StoreUnavailable):
        retrieve(asked, fake_embedder, store, depth=5, keywords=keywords)


def test_sentence_rows_point_each_paragraph_at_its_sentences_after_the_paragraphs() -> None:
    texts = ["Erster Satz des Absatzes hier. Zweiter Satz des Absatzes hier.", "Ein Absatz aus nur einem einzigen Satz.", ""]
    spans = [sentence_spans(t, "de") for t in texts]
    sentences, rows = sentence_rows(texts, spans)
    assert sentences == ["Erster Satz des Absatzes hier.", "Zweiter Satz des Absatzes hier."]
    assert rows == [[3, 4], [1], []]  # after the three paragraphs; one sentence: its own paragraph's row
