"""What the sparse signal costs: ingest throughput and retrieval latency, as ratios measured in one run.

    NEWSBOT_MODELS_DIR=/tmp/models .venv/bin/python -m scripts.dev.bench_sparse \\
        --corpus ../shared/corpus/derstandard.jsonl --xquad ../shared/eval/xquad

Ingest: the same real news paragraphs (`--ingest` of them) through
  bare `model.encode` (the baseline of docs/benchmarks.md),
  `indexing.index_articles` without the side index (today's ingest), and
  `indexing.index_articles` with it (dense + sparse from one pass, both stored),
each into a fresh embedded store, interleaved `--rounds` times; the best round of each counts.

Retrieval at `--paragraphs` paragraphs: the ingested real paragraphs plus synthetic ones
(random dense vectors, sparse vectors copied from the real ones) up to the size; then for
each of `--questions` English XQuAD questions, interleaved:
  today      encode + one Chroma query (top-30) + keyword bonus (docs/benchmarks.md's "retrieval")
  sparse     the same with the question's sparse vector from the same pass, the side index's
             30 vectors and the fusion (index.store.sparse_index.embed_question / rerank)
  all        `search.retrieve` as the product calls it: sparse, and the candidates' stored sentence
             vectors read for the best-sentence signal (index.retrieval.fusion.fuse_best_sentence)
  and `service.answer_question` (a whole answer) without the side index, with it, and with both
  signals (the product).
Medians, and the ratios sparse / today (goal ≤ 1.3). Figures go to docs/sparse.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np

from index import service
from index.ingest import indexing
from index.retrieval import search
from index.retrieval import language
from index.quality.benchmark import load_corpus
from index.domain import Chunk, IngestReport
from index.store.keyword_index import KeywordIndex
from index.settings import Settings
from index.embedding.sparse_embedding import SparseTermsEmbedder
from index.store.sparse_index import SparseIndex, candidate_vectors, embed_question, rerank, signature
from index.embedding.by_name import create
from index.ingest.splitting import chunk_article
from index.store.vector_store import VectorStore, open_client


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def bench_ingest(embedder: SparseTermsEmbedder, corpus: Path, paragraphs: int, rounds: int, workdir: Path) -> tuple[VectorStore, SparseIndex]:
    articles = []
    count = 0
    for article in load_corpus(corpus):
        articles.append(article)
        count += len(chunk_article(article, embedder.max_tokens, embedder.count_tokens))
        if count >= paragraphs:
            break
    texts = [c.text for a in articles for c in chunk_article(a, embedder.max_tokens, embedder.count_tokens)]
    model = embedder.model
    embedder.embed_passages_sparse(texts[:8])  # warm up: loads the head
    times: dict[str, list[float]] = {"bare model.encode": [], "ingest (today)": [], "ingest with sparse": []}
    kept: tuple[VectorStore, SparseIndex] | None = None
    for _ in range(rounds):  # interleaved, so that load from other jobs hits all alike
        times["bare model.encode"].append(
            timed(lambda: model.encode(texts, prompt="passage: ", batch_size=embedder.batch_size, normalize_embeddings=True))
        )
        plain = VectorStore(lambda: open_client(None, workdir / uuid.uuid4().hex), "bench", embedder.name)
        times["ingest (today)"].append(timed(lambda: indexing.index_articles(articles, embedder, plain, IngestReport())))  # noqa: B023
        plain.close()
        store = VectorStore(lambda: open_client(None, workdir / uuid.uuid4().hex), "bench", embedder.name)
        sparse = SparseIndex(workdir / uuid.uuid4().hex)
        times["ingest with sparse"].append(
            timed(lambda: indexing.index_articles(articles, embedder, store, IngestReport(), sparse=sparse))  # noqa: B023
        )
        kept = (store, sparse)
    best = {name: min(values) for name, values in times.items()}
    base = best["bare model.encode"]
    print(f"ingest: {len(texts)} paragraphs, {rounds} interleaved rounds (best of each; all runs: "
          + "; ".join(f"{n} {', '.join(f'{v:.1f}' for v in vs)} s" for n, vs in times.items()) + ")")
    print("| path | best time | paragraphs/s | throughput / bare encode |")
    print("|---|---|---|---|")
    for name, seconds in best.items():
        print(f"| {name} | {seconds:.1f} s | {len(texts) / seconds:.2f} | {base / seconds:.2f} |")
    assert kept is not None
    return kept


def pad(store: VectorStore, sparse: SparseIndex, embedder: SparseTermsEmbedder, size: int) -> int:
    """Synthetic paragraphs up to `size`: random dense vectors, sparse vectors of the real ones."""
    real = sum(len(page["ids"]) for page in store.pages([]))
    generation = store.current_name()
    real_ids = [i for page in store.pages([]) for i in page["ids"]]
    vectors = sparse.lookup(generation, real_ids, signature(embedder))
    assert vectors is not None
    rng = np.random.default_rng(7)
    for start in range(real, size, 1000):
        n = min(1000, size - start)
        dense = rng.standard_normal((n, embedder.dimension)).astype(np.float32)
        dense /= np.linalg.norm(dense, axis=1, keepdims=True)
        chunks = [Chunk(f"synthetic-{(start + i) // 8}", i % 8, i % 8 + 1, f"synthetic paragraph {start + i}", "", f"synthetic-{start + i}", language="de") for i in range(n)]
        store.upsert(chunks, dense)
        sparse.add(store, [c.id for c in chunks], [vectors[(start + i) % len(vectors)] for i in range(n)], signature(embedder))
    return real


def bench_questions(store: VectorStore, sparse: SparseIndex, embedder: SparseTermsEmbedder, questions: list[str], size: int) -> None:
    real = pad(store, sparse, embedder, size)
    keywords = KeywordIndex(store, None)
    stats = keywords.stats()
    side = sparse.path(store.current_name())
    print(f"\nretrieval: {real} real + {size - real} synthetic paragraphs; side file {side.stat().st_size / 1e6:.1f} MB; "
          f"{len(questions)} English XQuAD questions")
    time.sleep(5)  # let Chroma settle after the writes

    def today(question: str) -> None:
        query = embedder.embed_query(question)
        hits = store.query(query, search.CANDIDATES)
        search.keyword_bonuses(question, language.detect(question), [p.chunk for p, _ in hits], stats)

    def with_sparse(question: str) -> None:
        query, terms = embed_question(embedder, question, store, sparse)
        assert terms is not None
        hits = store.query(query, search.CANDIDATES)
        chunks = [p.chunk for p, _ in hits]
        qlang = language.detect(question)
        bonuses = search.keyword_bonuses(question, qlang, chunks, stats)
        stored = candidate_vectors(chunks, terms, sparse)
        fused = rerank([p.score + b for (p, _), b in zip(hits, bonuses, strict=True)], chunks, qlang, terms, stored)
        assert len(fused) == len(hits)

    def all_signals(question: str) -> None:
        search.retrieve(search.read_question(question, 1000), embedder, store, depth=search.CANDIDATES, keywords=keywords, sparse=sparse)

    def ask_today(question: str) -> None:
        service.answer_question(question, embedder, store, k=5, min_score=-1, keywords=keywords, best_sentence=False)

    def ask_sparse(question: str) -> None:
        service.answer_question(question, embedder, store, k=5, min_score=-1, keywords=keywords, sparse=sparse, best_sentence=False)

    def ask_all(question: str) -> None:
        service.answer_question(question, embedder, store, k=5, min_score=-1, keywords=keywords, sparse=sparse)

    paths = {
        "retrieval today": today,
        "retrieval with sparse": with_sparse,
        "retrieval with sparse and best sentence (search.retrieve)": all_signals,
        "answer today": ask_today,
        "answer with sparse": ask_sparse,
        "answer with sparse and best sentence (the product)": ask_all,
    }
    for question in questions[:5]:  # warm up every path
        for path in paths.values():
            path(question)
    timings: dict[str, list[float]] = {name: [] for name in paths}
    for question in questions:
        for name, path in paths.items():
            timings[name].append(timed(lambda p=path, q=question: p(q)))  # type: ignore[misc]
    medians = {name: statistics.median(values) * 1000 for name, values in timings.items()}
    print("| path | median | p95 | ratio to today's path (median) |")
    print("|---|---|---|---|")
    for name, values in timings.items():
        base = medians["retrieval today"] if name.startswith("retrieval") else medians["answer today"]
        print(f"| {name} | {medians[name]:.1f} ms | {np.percentile(values, 95) * 1000:.1f} ms | {medians[name] / base:.2f} |")
    ids = [p.chunk.id for p, _ in store.query(embedder.embed_query(questions[0]), search.CANDIDATES)]
    generation, writer = store.current_name(), signature(embedder)
    lookup = statistics.median(timed(lambda: sparse.lookup(generation, ids, writer)) for _ in range(50))
    print(f"side index lookup of 30 chunk ids: {lookup * 1000:.2f} ms (median of 50)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpus/derstandard.jsonl"))
    parser.add_argument("--xquad", type=Path, default=Path("../shared/eval/xquad"))
    parser.add_argument("--ingest", type=int, default=300, help="real paragraphs to ingest")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--paragraphs", type=int, default=10_000, help="store size for the retrieval timing")
    parser.add_argument("--questions", type=int, default=60)
    args = parser.parse_args()
    settings = Settings()
    embedder = create(settings.embedding_model, settings.model_cache, settings.embed_batch_size)
    if not isinstance(embedder, SparseTermsEmbedder):
        raise SystemExit(f"{settings.embedding_model} has no sparse head: nothing to measure")
    lines = (args.xquad / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [q["question"] for q in map(json.loads, lines) if q["lang"] == "en"][:: 7][: args.questions]
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-sparse-") as workdir:
        store, sparse = bench_ingest(embedder, args.corpus, args.ingest, args.rounds, Path(workdir))
        bench_questions(store, sparse, embedder, questions, args.paragraphs)
        store.close()


if __name__ == "__main__":
    main()
