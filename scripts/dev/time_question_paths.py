"""Time `newsbot bench`'s three question paths on a store built once, for quick A/B rounds.

    .venv/bin/python -m scripts.dev.time_question_paths /tmp/qstore --build     # once: 10k paragraphs
    .venv/bin/python -m scripts.dev.time_question_paths /tmp/qstore --rounds 2 [--head int8|float]

`newsbot bench` builds its 10k-paragraph question store afresh every run (20 minutes on a slow day);
this builds the same store (the corpus's real paragraphs as ingest writes them, synthetic padding)
into a folder of its own once, then times the same three paths as `index.quality.benchmark.bench_questions`
(baseline: query encode + exact numpy top-10; retrieval; full answer), interleaved per question with one
BLAS thread and the paragraph terms cleared before each, and prints each round's median ratios.
`--head` forces the sparse head's arithmetic (default: chosen by timing, as the product does).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from index import service
from index.domain import Article, Chunk, IngestReport
from index.embedding import by_name
from index.embedding.sparse_embedding import SparseTermsEmbedder
from index.embedding.sparse_head import SparseHead, SparseVector
from index.ingest import indexing
from index.quality.benchmark import load_corpus
from index.retrieval import search
from index.retrieval.keywords import document_terms
from index.settings import Settings
from index.store import sparse_index
from index.store.keyword_index import KeywordIndex
from index.store.sparse_index import SparseIndex
from index.store.vector_store import VectorStore, open_client


def build(folder: Path, embedder: SparseTermsEmbedder, corpus: Path, size: int) -> None:
    """The question store of `newsbot bench`: real paragraphs first, then synthetic ones up to `size`."""
    store = VectorStore(lambda: open_client(None, folder / "questions"), "bench-questions", embedder.name)
    sparse = SparseIndex(folder / "questions-sparse")
    needed: list[Article] = []
    for article in load_corpus(corpus):
        if sum(len(a.paragraphs) for a in needed) >= size:
            break
        needed.append(article)
    report = IngestReport()
    indexing.index_articles(needed, embedder, store, report, sparse=sparse)
    padding = max(0, size - report.chunks_added)
    if padding:
        vectors = np.random.default_rng(7).standard_normal((padding, embedder.dimension)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        filler = [
            Chunk(f"synthetic-{i // 8}", i % 8, i % 8 + 1, f"synthetic paragraph {i}", "synthetic", f"synthetic-{i // 8}", language="de")
            for i in range(padding)
        ]
        store.upsert(filler, vectors)
        empty = SparseVector(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))
        sparse_index.store_vectors(sparse, store, embedder, [c.id for c in filler], [empty] * padding, [[] for _ in filler])
    store.close()
    print(f"built: {report.chunks_added} real + {padding} synthetic paragraphs in {folder}")


def time_rounds(folder: Path, embedder: SparseTermsEmbedder, corpus: Path, rounds: int, count: int) -> None:
    store = VectorStore(lambda: open_client(None, folder / "questions"), "bench-questions", embedder.name)
    sparse = SparseIndex(folder / "questions-sparse")
    questions = [a.title for a in load_corpus(corpus) if a.title][:count]
    all_vectors = store.vectors()
    keywords = KeywordIndex(store, None)
    keywords.stats()

    def baseline(question: str) -> None:
        scores = all_vectors @ embedder.embed_query(question)
        top = np.argpartition(-scores, 10)[:10]
        top[np.argsort(-scores[top])]

    def retrieval(question: str) -> None:
        search.retrieve(search.read_question(question, 1000), embedder, store, depth=5, keywords=keywords, sparse=sparse)

    def full(question: str) -> None:
        service.answer_question(question, embedder, store, k=5, min_score=-1, keywords=keywords, sparse=sparse)

    paths: dict[str, Callable[[str], None]] = {"baseline": baseline, "retrieval": retrieval, "answer": full}
    for question in questions[:5]:
        full(question)
    with threadpool_limits(limits=1, user_api="blas"):
        for round_ in range(rounds):
            timings: dict[str, list[float]] = {name: [] for name in paths}
            for question in questions:
                for name, path in paths.items():
                    document_terms.cache_clear()
                    start = time.perf_counter()
                    path(question)
                    timings[name].append(time.perf_counter() - start)
            base = statistics.median(timings["baseline"])
            print(
                f"round {round_}: baseline {base * 1000:.1f} ms, retrieval {statistics.median(timings['retrieval']) / base:.3f}x, "
                f"full answer {statistics.median(timings['answer']) / base:.3f}x",
                flush=True,
            )
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="Where the question store is (built with --build).")
    parser.add_argument("--build", action="store_true", help="Build the store (once) instead of timing.")
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpus/derstandard.jsonl"))
    parser.add_argument("--size", type=int, default=10_000, help="Paragraphs in the store.")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--head", choices=["int8", "float"], default=None, help="Force the sparse head's arithmetic.")
    args = parser.parse_args()
    settings = Settings()
    embedder = by_name.create(settings.embedding_model, settings.model_cache, settings.embed_batch_size)
    if not isinstance(embedder, SparseTermsEmbedder):
        raise SystemExit("this times the bundled model with its sparse head: unset NEWSBOT_EMBEDDING_MODEL")
    if args.head is not None:
        embedder = SparseTermsEmbedder(embedder.name, settings.model_cache, embedder.batch_size, SparseHead.from_package(int8=args.head == "int8"))
    if args.build:
        build(args.folder, embedder, args.corpus, args.size)
    else:
        time_rounds(args.folder, embedder, args.corpus, args.rounds, args.questions)


if __name__ == "__main__":
    main()
