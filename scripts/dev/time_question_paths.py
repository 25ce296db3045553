"""Time `newsbot bench`'s three question paths on a store built once, for quick A/B rounds.

    .venv/bin/python -m scripts.dev.time_question_paths /tmp/qstore --build     # once: 10k paragraphs
    .venv/bin/python -m scripts.dev.time_question_paths /tmp/qstore --rounds 2 [--head int8|float]

`newsbot bench` builds its 10k-paragraph question store afresh every run (20 minutes on a slow day);
this builds the same store (`index.quality.benchmark.fill_question_store`) into a folder of its own once,
then times the same three paths (`question_paths`, `time_paths`: baseline query encode + exact numpy
top-10, retrieval, full answer; interleaved, one BLAS thread, paragraph terms cleared before each) and
prints each round's median ratios. `--head` forces the sparse head's arithmetic (default: chosen by
timing, as the product does).
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from index.embedding import by_name
from index.embedding.sparse_embedding import SparseTermsEmbedder
from index.embedding.sparse_head import SparseHead
from index.quality.benchmark import fill_question_store, load_corpus, open_question_store, question_paths, time_paths
from index.settings import Settings
from index.store.keyword_index import KeywordIndex


def time_rounds(folder: Path, embedder: SparseTermsEmbedder, corpus: Path, rounds: int, count: int) -> None:
    store, sparse = open_question_store(folder, embedder)
    questions = [a.title for a in load_corpus(corpus) if a.title][:count]
    keywords = KeywordIndex(store, None)
    keywords.stats()
    paths = question_paths(embedder, store, sparse, keywords, store.vectors())
    for question in questions[:5]:
        paths["answer"](question)  # warm up every path
    for round_ in range(rounds):
        timings = time_paths(paths, questions)
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
        real, padding = fill_question_store(load_corpus(args.corpus), embedder, args.folder, args.size)
        print(f"built: {real} real + {padding} synthetic paragraphs in {args.folder}")
    else:
        time_rounds(args.folder, embedder, args.corpus, args.rounds, args.questions)


if __name__ == "__main__":
    main()
