"""The sparse side index follows the dense one (ingest, edits, forget, reindex, model change),
and the fusion of the sparse score is what index/retrieval/fusion.py says."""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from index import service
from index.ingest import indexing
from index.retrieval import fusion
from index.ingest import rebuild
from index.answers import quoting
from index.domain import Article, Chunk, IngestReport, Passage
from index.retrieval import search
from index.embedding.embedder import CachedEmbedder, Embedder
from index.embedding.hashing import HashingEmbedder
from index.store.keyword_index import KeywordIndex
from index.embedding.sparse_embedding import SparseTermsEmbedder, sparse_embedder
from index.embedding.sparse_head import SparseVector
from index.store.sparse_index import SparseIndex, candidate_vectors, embed_question, rerank, scores, sentence_scores, signature
from index.store.vector_store import VectorStore, open_client

# --- fusion (pure) -------------------------------------------------------------------


def test_fusion_moves_a_candidate_the_sparse_signal_prefers_to_the_top() -> None:
    base = [0.84, 0.83, 0.80, 0.78]
    sparse = [1.0, 9.0, 1.0, 1.0]
    fused = fusion.fuse(base, sparse, [0.6] * 4)
    assert int(np.argmax(fused)) == 1
    assert fusion.fuse(base, sparse, [0.0] * 4) == pytest.approx(base)


def test_fusion_keeps_the_base_scale() -> None:
    """The sparse part has mean zero: the mean of the scores, and so thresholds, stay where they were."""
    base = [0.9, 0.8, 0.7]
    fused = fusion.fuse(base, [3.0, 1.0, 2.0], [0.5, 0.5, 0.5])
    assert np.mean(fused) == pytest.approx(np.mean(base))
    assert fused[0] - base[0] == pytest.approx(0.5 * np.std(base) * 1.0 / np.std([3.0, 1.0, 2.0]))


@pytest.mark.parametrize(
    ("base", "sparse"),
    [([0.8], [5.0]), ([0.8, 0.7], [2.0, 2.0]), ([0.5, 0.5], [1.0, 3.0])],
    ids=["one candidate", "sparse all alike", "base all alike"],
)
def test_fusion_leaves_the_base_when_there_is_nothing_to_normalize(base: list[float], sparse: list[float]) -> None:
    assert fusion.fuse(base, sparse, [1.0] * len(base)) == base


def test_fusion_needs_one_value_per_candidate() -> None:
    with pytest.raises(ValueError, match="one value per candidate"):
        fusion.fuse([0.1, 0.2], [1.0], [0.5, 0.5])


@pytest.mark.parametrize(
    ("question", "passage", "weight"),
    [("en", "de", fusion.CROSS_LANGUAGE_WEIGHT), ("de", "de", fusion.SAME_LANGUAGE_WEIGHT), (None, "de", fusion.SAME_LANGUAGE_WEIGHT), ("en", None, fusion.CROSS_LANGUAGE_WEIGHT)],
)
def test_weight_by_language_pair(question: str | None, passage: str | None, weight: float) -> None:
    assert fusion.sparse_weight(question, passage) == weight


@pytest.mark.parametrize(
    ("order", "before", "pool", "kept"),
    [
        ([0, 1, 2, 3, 4, 5, 6, 7], [0, 1, 2, 3, 4, 5, 6, 7], [0, 1, 2, 3, 4, 5], 0),  # no fusion: today's pool
        ([0, 1, 2, 3, 6, 4, 5, 7], [0, 1, 2, 3, 4, 5, 6, 7], [0, 1, 2, 3, 6, 4, 5], 1),  # 5 pushed out: kept after the top 6
        ([7, 6, 5, 4, 3, 2, 1, 0], [0, 1, 2, 3, 4, 5, 6, 7], [7, 6, 5, 4, 3, 2, 0, 1], 2),
    ],
)
def test_the_answer_pool_keeps_what_the_fusion_pushed_out(order: list[int], before: list[int], pool: list[int], kept: int) -> None:
    assert fusion.answer_pool(order, before, 6, 6) == (pool, kept)


def test_the_answer_pool_of_a_long_list_keeps_its_length_and_members() -> None:
    order, before = [3, 0, 1, 2, 5, 6, 7, 8, 9, 4], list(range(10))
    pool, kept = fusion.answer_pool(order, before, 10, 4)
    assert (pool, kept) == ([3, 0, 1, 2, 5, 6, 7, 8, 9, 4], 0)
    pool, kept = fusion.answer_pool(order, before, 10, 3)
    assert (pool, kept) == ([3, 0, 1, 2, 5, 6, 7, 8, 9, 4], 1)
    assert sorted(fusion.answer_pool([9, 8, 7, 6, 5, 4, 3, 2, 1, 0], before, 10, 3)[0]) == list(range(10))


def test_sparse_scores_are_dot_products_over_the_passage_norm() -> None:
    query = SparseVector(np.array([3, 7], dtype=np.int32), np.array([2.0, 1.0], dtype=np.float32))
    passages = [
        SparseVector(np.array([7, 100], dtype=np.int32), np.array([4.0, 9.0], dtype=np.float32)),
        SparseVector(np.array([1], dtype=np.int32), np.array([5.0], dtype=np.float32)),
        SparseVector(np.array([3, 7], dtype=np.int32), np.array([1.0, 1.0], dtype=np.float32)),
    ]
    assert scores(query, passages) == pytest.approx([4.0 / np.hypot(4.0, 9.0), 0.0, 3.0 / np.sqrt(2.0)])
    assert scores(query, passages) == pytest.approx([query.dot(p) / np.linalg.norm(p.values) for p in passages])


def test_sparse_scores_of_no_passages_of_empty_passages_and_of_terms_the_question_lacks() -> None:
    query = SparseVector(np.array([3, 7], dtype=np.int32), np.array([2.0, 1.0], dtype=np.float32))
    empty = SparseVector(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))
    beyond = SparseVector(np.array([8, 900], dtype=np.int32), np.array([1.0, 2.0], dtype=np.float32))  # past the question's last term
    same = SparseVector(np.array([7], dtype=np.int32), np.array([3.0], dtype=np.float32))
    assert scores(query, []) == []
    assert scores(query, [empty, beyond, same, empty]) == pytest.approx([0.0, 0.0, 1.0, 0.0])
    assert scores(empty, [same, beyond]) == [0.0, 0.0]  # a question without terms scores nothing


# --- the side index with real Chroma ---------------------------------------------------

PARAGRAPHS = (
    "Außenminister Marco Rubio wird die amerikanische Delegation beim Gipfel in Budapest leiten.",
    "Die Tomahawk-Raketen haben eine Reichweite von etwa 2.500 Kilometern und wären ein neues Druckmittel.",
    "Der ungarische Premierminister Viktor Orban nannte das Treffen eine große Neuigkeit für die Welt.",
)


def article(source: str, paragraphs: tuple[str, ...] = PARAGRAPHS) -> Article:
    return Article(source=source, title="Gipfel in Budapest", paragraphs=paragraphs, language="de", origin=source)


@pytest.fixture
def store(tmp_path: Path, real_embedder: Embedder) -> Iterator[VectorStore]:
    client = open_client(None, tmp_path / "chroma")
    store = VectorStore(lambda: client, f"test-{uuid.uuid4().hex[:8]}", real_embedder.name)
    yield store
    store.close()


def stored_ids(store: VectorStore) -> set[str]:
    return {i for page in store.pages([]) for i in page["ids"]}


def side_ids(sparse: SparseIndex, generation: str) -> set[str]:
    import sqlite3

    with sqlite3.connect(sparse.path(generation)) as db:
        return {row[0] for row in db.execute("SELECT id FROM vectors")}


def densify(vector: SparseVector, size: int = 1 << 16) -> np.ndarray:
    dense = np.zeros(size, dtype=np.float32)
    dense[vector.indices] = vector.values
    return dense


def side_sentence_ids(sparse: SparseIndex, generation: str) -> set[str]:
    import sqlite3

    with sqlite3.connect(sparse.path(generation)) as db:
        return {row[0] for row in db.execute("SELECT id FROM sentences")}


def test_the_bundled_model_has_a_sparse_head_and_the_hashing_embedder_none(real_embedder: Embedder) -> None:
    assert isinstance(sparse_embedder(real_embedder), SparseTermsEmbedder)
    assert sparse_embedder(CachedEmbedder(real_embedder)) is real_embedder
    assert sparse_embedder(HashingEmbedder()) is None


def test_ingest_stores_sparse_vectors_from_the_same_forward_pass(
    tmp_path: Path, store: VectorStore, real_embedder: SparseTermsEmbedder
) -> None:
    sparse = SparseIndex(tmp_path / "sparse")
    passes = []
    hook = real_embedder.model[0].register_forward_hook(lambda *_: passes.append(1))
    try:
        indexing.index_articles([article("a.txt")], real_embedder, store, IngestReport(), sparse=sparse)
    finally:
        hook.remove()
    assert len(passes) == 1  # three paragraphs, one batch, one pass: dense and sparse from it
    generation = store.current_name()
    assert side_ids(sparse, generation) == stored_ids(store)
    status = sparse.status(store)
    assert status.on and status.vectors == status.paragraphs == 3
    assert status.model == signature(real_embedder)
    # What is stored is what the shared pass makes (to float16 precision).
    dense, fresh = real_embedder.embed_passages_sparse([PARAGRAPHS[0]])
    chunk_id = Chunk("x", 0, 1, PARAGRAPHS[0], "", "a.txt").id
    stored = sparse.lookup(generation, [chunk_id], signature(real_embedder))
    assert stored is not None
    assert np.array_equal(stored[0].indices, fresh[0].indices)
    assert np.allclose(stored[0].values, fresh[0].values, rtol=2e-3)
    article_id = article("a.txt").id
    assert np.allclose(store.article_chunks([article_id])[article_id].vectors[0], dense[0], atol=1e-5)


def test_questions_use_the_sparse_signal_only_when_every_candidate_has_a_vector(
    tmp_path: Path, store: VectorStore, real_embedder: SparseTermsEmbedder
) -> None:
    sparse = SparseIndex(tmp_path / "sparse")
    question = "Who leads the American delegation in Budapest?"
    assert embed_question(real_embedder, question, store, sparse)[1] is None  # nothing indexed yet
    indexing.index_articles([article("a.txt")], real_embedder, store, IngestReport(), sparse=sparse)
    dense, query = embed_question(real_embedder, question, store, sparse)
    assert query is not None and query.generation == store.current_name()
    assert np.allclose(dense, real_embedder.embed_query(question), atol=1e-5)  # one pass gives both
    assert embed_question(real_embedder, question, store, None)[1] is None

    chunks = [p.chunk for p, _ in store.query(dense, 3)]
    base = [0.8, 0.8 - 1e-3, 0.8 - 2e-3]
    fused = rerank(base, chunks, "en", query, candidate_vectors(chunks, query, sparse))
    expected = fusion.fuse(base, scores(query.vector, [query_vector(sparse, store, c, real_embedder) for c in chunks]), [fusion.CROSS_LANGUAGE_WEIGHT] * 3)
    assert fused == pytest.approx(expected) and fused != pytest.approx(base)
    assert service.answer_question(question, real_embedder, store, k=3, min_score=-1, sparse=sparse, refuse=False).passages[0].chunk.text == PARAGRAPHS[0]

    # A paragraph without a sparse vector (written without the side index) turns the signal off.
    other = Article(source="b.txt", title="", paragraphs=("Die Delegation aus Washington reist am Montag nach Budapest.",), language="de")
    indexing.index_articles([other], real_embedder, store, IngestReport())
    assert not sparse.status(store).on
    chunks = [p.chunk for p, _ in store.query(dense, 4)]
    assert candidate_vectors(chunks, query, sparse) is None
    assert rerank([0.8, 0.7, 0.6, 0.5], chunks, "en", query, None) == [0.8, 0.7, 0.6, 0.5]


def test_ask_ranks_the_candidates_by_the_fused_scores(tmp_path: Path, store: VectorStore, real_embedder: SparseTermsEmbedder) -> None:
    sparse = SparseIndex(tmp_path / "sparse")
    indexing.index_articles([article("a.txt")], real_embedder, store, IngestReport(), sparse=sparse)
    question = "Which country hosts the summit?"
    dense, query = embed_question(real_embedder, question, store, sparse)
    chunks = [p.chunk for p, _ in store.query(dense, 3)]  # by cosine
    fused = rerank([p.score for p, _ in store.query(dense, 3)], chunks, "en", query, candidate_vectors(chunks, query, sparse))
    expected = [chunks[i].text for i in sorted(range(3), key=lambda i: -fused[i])]
    assert expected[0] != chunks[0].text  # here the sparse signal changes the best passage
    answer = service.answer_question(question, real_embedder, store, k=3, min_score=-1, sparse=sparse, refuse=False)
    assert [p.chunk.text for p in answer.passages[:3]] == expected


def test_retrieve_hands_the_ranking_without_the_sparse_signal_to_the_answer_pool(
    tmp_path: Path, store: VectorStore, real_embedder: SparseTermsEmbedder
) -> None:
    sparse = SparseIndex(tmp_path / "sparse")
    indexing.index_articles([article("a.txt")], real_embedder, store, IngestReport(), sparse=sparse)
    asked = search.read_question("Which country hosts the summit?", 1000)
    plain = search.retrieve(asked, real_embedder, store, depth=1)
    assert plain.unfused == () and plain.displaced == ()
    fused = search.retrieve(asked, real_embedder, store, depth=1, sparse=sparse)
    assert fused.passages[0].chunk.text != plain.passages[0].chunk.text  # the sparse signal changed the best one
    assert fused.unfused == (1,) and [p.chunk.text for p, _, _ in fused.displaced] == [plain.passages[0].chunk.text]
    pool, vectors, _, kept = quoting.answer_pool(fused, 6)
    assert [p.chunk.text for p in pool] == [fused.passages[0].chunk.text, plain.passages[0].chunk.text] and kept == 1
    assert np.array_equal(vectors[1], fused.displaced[0][1])


def test_the_answer_pool_puts_displaced_passages_right_after_the_fused_top() -> None:
    passages = [Passage(Chunk(f"a{i}", i, 9, f"Absatz {i}.", "", "a.txt"), 0.8 - i / 100) for i in range(8)]
    vectors = [np.full(4, i, dtype=np.float32) for i in range(8)]
    # Fused top 7 (0..6); before the fusion, passage 7 was third: it stays in the pool after the top POOL.
    retrieved = search.Retrieved(
        search.read_question("Wann?", 1000), np.zeros(4, dtype=np.float32), tuple(passages[:7]), tuple(vectors[:7]),
        tuple(0.9 - i / 100 for i in range(7)), None, (0, 1, 7, 2, 3, 4, 5), ((passages[7], vectors[7], 0.5),),
    )
    pool, pool_vectors, pool_scores, kept = quoting.answer_pool(retrieved, 7)
    assert [p.chunk.article_id for p in pool] == ["a0", "a1", "a2", "a3", "a4", "a5", "a7", "a6"] and kept == 1
    assert pool_scores[6] == 0.5 and pool_vectors[6][0] == 7
    plain = search.Retrieved(retrieved.asked, retrieved.query, retrieved.passages, retrieved.vectors, retrieved.scores, None)
    assert [p.chunk.article_id for p in quoting.answer_pool(plain, 7)[0]] == [f"a{i}" for i in range(7)]


def test_ingest_with_the_side_index_keeps_the_sentence_vectors(
    tmp_path: Path, store: VectorStore, real_embedder: SparseTermsEmbedder
) -> None:
    sparse = SparseIndex(tmp_path / "sparse")
    two = ("Außenminister Marco Rubio wird die Delegation leiten. Der Gipfel beginnt am Donnerstag in Budapest.",)
    passes = []
    hook = real_embedder.model[0].register_forward_hook(lambda *_: passes.append(1))
    try:
        indexing.index_articles([article("b.txt", two)], real_embedder, store, IngestReport(), sparse=sparse)
    finally:
        hook.remove()
    assert len(passes) == 1  # the paragraph and its two sentences in one batch: dense and sparse from one pass
    (chunk_id,) = stored_ids(store)
    assert sparse.status(store).on
    stored = store.sentence_vectors([chunk_id])[chunk_id]
    assert len(stored.spans) == 2
    dense, fresh = real_embedder.embed_passages_sparse(["Der Gipfel beginnt am Donnerstag in Budapest."])
    assert np.allclose(stored.vectors[1], dense[0], atol=2e-3)
    # The sentences' sparse vectors, stored beside the paragraph's, are the ones the same pass makes.
    terms = sparse.sentence_lookup(store.current_name(), [chunk_id], signature(real_embedder))[chunk_id]
    assert len(terms) == 2
    # (embedded in another batch here: the same features up to the padding's rounding, so compared densely)
    assert np.allclose(densify(terms[1]), densify(fresh[0]), atol=5e-3)
    assert len(set(terms[1].indices) & set(fresh[0].indices)) >= 0.9 * len(fresh[0].indices)
    assert sparse.sentence_lookup(store.current_name(), [chunk_id], "another model") == {}


def test_a_one_sentence_paragraph_reuses_its_own_sparse_vector_for_its_sentence(
    tmp_path: Path, store: VectorStore, real_embedder: SparseTermsEmbedder
) -> None:
    sparse = SparseIndex(tmp_path / "sparse")
    indexing.index_articles([article("a.txt", PARAGRAPHS[:1])], real_embedder, store, IngestReport(), sparse=sparse)
    (chunk_id,) = stored_ids(store)
    (sentence,) = sparse.sentence_lookup(store.current_name(), [chunk_id], signature(real_embedder))[chunk_id]
    paragraph = query_vector(sparse, store, Chunk("x", 0, 1, PARAGRAPHS[0], "", "a.txt"), real_embedder)
    assert np.array_equal(sentence.indices, paragraph.indices) and np.array_equal(sentence.values, paragraph.values)


ROOMS = (
    "Die Gespräche in Budapest sollen im November beginnen. Außenminister Marco Rubio wird die amerikanische "
    "Delegation leiten. Ungarn stellt die Räume im Parlament zur Verfügung.",
    "Der ungarische Premierminister Viktor Orban nannte das Treffen eine große Neuigkeit. Er sprach am Donnerstag "
    "mit Journalisten in Budapest. Kritiker werfen ihm Nähe zum Kreml vor.",
)


def test_the_sentences_sparse_vectors_choose_what_the_answer_quotes(
    tmp_path: Path, store: VectorStore, real_embedder: SparseTermsEmbedder
) -> None:
    sparse = SparseIndex(tmp_path / "sparse")
    indexing.index_articles([article("a.txt", ROOMS)], real_embedder, store, IngestReport(), sparse=sparse)
    question = "When did Orban speak to journalists?"
    answer = service.answer_question(question, real_embedder, store, k=2, min_score=-1, sparse=sparse)
    # With the sentences' sparse terms (and the margin tuned with them) the sentence before the answer,
    # which says who "Er" is, is close enough to be quoted as well.
    assert [q.text for q in answer.quotes] == [
        "Er sprach am Donnerstag mit Journalisten in Budapest.",
        "Der ungarische Premierminister Viktor Orban nannte das Treffen eine große Neuigkeit.",
    ]
    # The same index without them (a side file written before them): the answer alone, scored otherwise.
    import sqlite3

    with sqlite3.connect(sparse.path(store.current_name())) as db:
        db.execute("DELETE FROM sentences")
    before = service.answer_question(question, real_embedder, store, k=2, min_score=-1, sparse=sparse)
    assert [q.text for q in before.quotes] == [answer.quotes[0].text]
    assert before.quotes[0].score != pytest.approx(answer.quotes[0].score, abs=1e-4)


def test_sentence_scores_need_a_stored_vector_for_every_sentence(
    tmp_path: Path, store: VectorStore, real_embedder: SparseTermsEmbedder
) -> None:
    sparse = SparseIndex(tmp_path / "sparse")
    indexing.index_articles([article("a.txt", ROOMS)], real_embedder, store, IngestReport(), sparse=sparse)
    _, query = embed_question(real_embedder, "Wer leitet die Delegation?", store, sparse)
    assert query is not None
    first = Chunk("x", 0, 1, ROOMS[0], "", "a.txt").id
    assert first in stored_ids(store)
    stored = sparse.sentence_lookup(store.current_name(), [first], signature(real_embedder))[first]
    # Each stored vector is its own sentence's (in order), as the head makes it for that sentence alone.
    sentences = ["Die Gespräche in Budapest sollen im November beginnen.", "Ungarn stellt die Räume im Parlament zur Verfügung."]
    _, fresh = real_embedder.embed_passages_sparse(sentences)
    assert np.allclose(densify(stored[0]), densify(fresh[0]), atol=5e-3)
    assert np.allclose(densify(stored[2]), densify(fresh[1]), atol=5e-3)
    assert not np.allclose(densify(stored[0]), densify(stored[2]), atol=5e-3)
    found = sentence_scores(query, sparse, [(first, 0, 3), (first, 2, 3)])
    assert found == pytest.approx(scores(query.vector, [stored[0], stored[2]]))
    assert sentence_scores(query, sparse, [(first, 0, 3), (first, 3, 3)]) is None  # no fourth sentence
    assert sentence_scores(query, sparse, [(first, 0, 4)]) is None  # split into four now: the stored ones may be others
    assert sentence_scores(query, sparse, [(first, 0, 3), ("unknown", 0, 1)]) is None
    assert sentence_scores(None, sparse, [(first, 0, 3)]) is None and sentence_scores(query, None, [(first, 0, 3)]) is None


def test_a_side_file_from_before_sentence_vectors_still_serves_and_follows_the_store(
    tmp_path: Path, store: VectorStore, real_embedder: SparseTermsEmbedder
) -> None:
    sparse = SparseIndex(tmp_path / "sparse")
    indexing.index_articles([article("a.txt")], real_embedder, store, IngestReport(), sparse=sparse)
    import sqlite3

    with sqlite3.connect(sparse.path(store.current_name())) as db:
        db.execute("DROP TABLE sentences")  # as a file written by the version before
    ids = sorted(stored_ids(store))
    assert sparse.sentence_lookup(store.current_name(), ids, signature(real_embedder)) == {}
    assert sparse.lookup(store.current_name(), ids, signature(real_embedder)) is not None
    answer = service.answer_question("Who leads the delegation?", real_embedder, store, k=3, min_score=-1, sparse=sparse)
    assert answer.quotes[0].text == PARAGRAPHS[0]
    assert not sparse.status(store).sentences_on and sparse.status(store).on  # `stats` tells a reindex would add them
    # An edit writes the new paragraph's sentences and deletes the old paragraph's rows from both tables.
    edited = (PARAGRAPHS[0], "Die Raketen reichen nach neuen Angaben etwa 1.600 Kilometer weit, nicht 2.500.", PARAGRAPHS[2])
    indexing.index_articles([article("a.txt", edited)], real_embedder, store, IngestReport(), sparse=sparse)
    assert side_ids(sparse, store.current_name()) == stored_ids(store)
    assert len(side_sentence_ids(sparse, store.current_name())) == 1  # only the new paragraph has them
    assert indexing.forget("a.txt", store, sparse) == 3
    assert side_ids(sparse, store.current_name()) == set() == side_sentence_ids(sparse, store.current_name())


def query_vector(sparse: SparseIndex, store: VectorStore, chunk: Chunk, embedder: SparseTermsEmbedder) -> SparseVector:
    found = sparse.lookup(store.current_name(), [chunk.id], signature(embedder))
    assert found is not None
    return found[0]


def test_an_edited_article_loses_the_sparse_vectors_of_its_old_paragraphs(
    tmp_path: Path, store: VectorStore, real_embedder: SparseTermsEmbedder
) -> None:
    sparse = SparseIndex(tmp_path / "sparse")
    indexing.index_articles([article("a.txt")], real_embedder, store, IngestReport(), sparse=sparse)
    edited = (PARAGRAPHS[0], "Die Raketen reichen nach neuen Angaben etwa 1.600 Kilometer weit, nicht 2.500.", PARAGRAPHS[2])
    report = IngestReport()
    indexing.index_articles([article("a.txt", edited)], real_embedder, store, report, sparse=sparse)
    assert report.chunks_removed == 1 and report.chunks_added == 1
    assert side_ids(sparse, store.current_name()) == stored_ids(store) == side_sentence_ids(sparse, store.current_name())
    assert sparse.status(store).on


def test_forget_removes_the_sources_sparse_vectors(tmp_path: Path, store: VectorStore, real_embedder: SparseTermsEmbedder) -> None:
    sparse = SparseIndex(tmp_path / "sparse")
    indexing.index_articles([article("a.txt"), article("b.txt", PARAGRAPHS[:1])], real_embedder, store, IngestReport(), sparse=sparse)
    assert indexing.forget("a.txt", store, sparse) == 3
    assert side_ids(sparse, store.current_name()) == stored_ids(store) == side_sentence_ids(sparse, store.current_name())
    assert len(stored_ids(store)) == 1


def test_reindex_builds_the_new_generations_side_file_and_drops_the_old_one(
    tmp_path: Path, store: VectorStore, real_embedder: SparseTermsEmbedder
) -> None:
    sparse = SparseIndex(tmp_path / "sparse")
    source = tmp_path / "news.txt"
    source.write_text("\n\n".join(PARAGRAPHS), encoding="utf-8")
    indexing.ingest([str(source)], real_embedder, store, sparse=sparse)
    old = store.current_name()
    assert sparse.path(old).exists()
    source.write_text("\n\n".join(PARAGRAPHS[:2]), encoding="utf-8")
    report = rebuild.reindex([str(source)], real_embedder, store, grace=0, sparse=sparse)
    assert report.replaced == old
    assert not sparse.path(old).exists()
    new = store.current_name()
    assert new == report.generation != old
    assert side_ids(sparse, new) == stored_ids(store) and len(side_ids(sparse, new)) == 2
    assert sparse.status(store).on


def test_a_failed_reindex_leaves_no_side_file(tmp_path: Path, store: VectorStore, real_embedder: SparseTermsEmbedder) -> None:
    sparse = SparseIndex(tmp_path / "sparse")
    indexing.index_articles([article("a.txt")], real_embedder, store, IngestReport(), sparse=sparse)
    serving = store.current_name()
    source = tmp_path / "news.txt"
    source.write_text("\n\n".join(PARAGRAPHS), encoding="utf-8")

    class Failing(rebuild.ReindexProgress):
        """Fails after every paragraph (and its sparse vector) of the new generation was written."""

        def __setattr__(self, name: str, value: object) -> None:
            if name == "phase" and value == "switching":
                raise RuntimeError("disk full")
            super().__setattr__(name, value)

    with pytest.raises(RuntimeError, match="disk full"):
        rebuild.reindex([str(source)], real_embedder, store, grace=0, sparse=sparse, progress=Failing())
    assert [p.name for p in sparse.directory.glob("*.sqlite3")] == [f"{serving}.sqlite3"]
    assert sparse.status(store).on


def test_after_a_reindex_with_a_model_without_a_head_the_signal_is_off(
    tmp_path: Path, real_embedder: SparseTermsEmbedder
) -> None:
    client = open_client(None, tmp_path / "chroma")
    sparse = SparseIndex(tmp_path / "sparse")
    base = f"test-{uuid.uuid4().hex[:8]}"
    bundled = VectorStore(lambda: client, base, real_embedder.name)
    indexing.index_articles([article("a.txt")], real_embedder, bundled, IngestReport(), sparse=sparse)
    assert sparse.status(bundled).on
    source = tmp_path / "news.txt"
    source.write_text("\n\n".join(PARAGRAPHS), encoding="utf-8")
    hashing = HashingEmbedder()
    store = VectorStore(lambda: client, base, hashing.name)  # NEWSBOT_EMBEDDING_MODEL=hashing:64, then reindex
    rebuild.reindex([str(source)], hashing, store, grace=0, sparse=sparse)
    status = sparse.status(store)
    assert not status.on and status.vectors == 0 and status.model is None
    assert list(sparse.directory.glob("*.sqlite3")) == []  # the bundled generation's file went with it
    keywords = KeywordIndex(store, None)
    answer = service.answer_question("Marco Rubio Delegation Budapest", hashing, store, k=2, min_score=-1, keywords=keywords, sparse=sparse)
    assert answer.passages[0].chunk.text == PARAGRAPHS[0]


def test_prune_deletes_side_files_of_generations_that_are_gone(tmp_path: Path, store: VectorStore, real_embedder: SparseTermsEmbedder) -> None:
    sparse = SparseIndex(tmp_path / "sparse")
    indexing.index_articles([article("a.txt")], real_embedder, store, IngestReport(), sparse=sparse)
    (sparse.directory / "test-gone.g20250101T000000-abcdef.sqlite3").write_bytes(b"")
    assert sparse.prune(store) == ["test-gone.g20250101T000000-abcdef"]
    assert sparse.path(store.current_name()).exists()
    store.reset()
    assert sparse.prune(store) and list(sparse.directory.glob("*.sqlite3")) == []


def _open_deleted_files() -> list[str]:
    """Files this process holds open that have been deleted (Linux: /proc/self/fd)."""
    found = []
    for fd in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.endswith(" (deleted)"):
                found.append(target)
    return found


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_kept_read_connections_see_new_writes_and_let_go_of_dropped_files(tmp_path: Path, fake_embedder: HashingEmbedder) -> None:
    store = VectorStore(lambda: open_client(None, tmp_path / "chroma"), "kept", fake_embedder.name)
    try:
        chunks = [Chunk(f"a{i}", 0, 1, f"Absatz {i}", "Titel", f"a{i}") for i in range(3)]
        store.upsert(chunks, fake_embedder.embed_passages([c.text for c in chunks]))
        sparse = SparseIndex(tmp_path / "sparse")
        generation = store.serving_name()
        vectors = [SparseVector(np.array([i, 40 + i], dtype=np.int32), np.array([1.0, 0.5], dtype=np.float32)) for i in range(3)]
        sparse.add(store, [chunks[0].id], vectors[:1], "m")
        assert sparse.lookup(generation, [chunks[0].id], "m") is not None  # this thread now keeps a connection
        sparse.add(store, [chunks[1].id], vectors[1:2], "m")  # committed through another connection
        found = sparse.lookup(generation, [chunks[0].id, chunks[1].id], "m")
        assert found is not None and found[1].indices.tolist() == [1, 41]
        elsewhere: list[object] = []
        read, dropped, done = threading.Event(), threading.Event(), threading.Event()

        def other_thread() -> None:  # reads through its own connection, before and after the drop
            elsewhere.append(sparse.lookup(generation, [chunks[1].id], "m"))
            read.set()
            dropped.wait(10)
            elsewhere.append(sparse.lookup(generation, [chunks[1].id], "m"))
            done.set()

        reader = threading.Thread(target=other_thread)
        reader.start()
        assert read.wait(10) and elsewhere[0] is not None

        sparse.drop(generation)
        dropped.set()
        assert done.wait(10) and elsewhere[1] is None
        assert sparse.lookup(generation, [chunks[0].id], "m") is None
        assert not [f for f in _open_deleted_files() if generation in f]  # the dropped file's space is given back
        reader.join(10)
        sparse.add(store, [chunks[2].id], vectors[2:], "m")  # the same name, a new file
        assert sparse.lookup(generation, [chunks[0].id], "m") is None
        again = sparse.lookup(generation, [chunks[2].id], "m")
        assert again is not None and again[0].indices.tolist() == [2, 42]
    finally:
        store.close()
