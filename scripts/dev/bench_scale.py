"""The scale parts of `newsbot bench` alone (issue 18), printed as Markdown: store sizes with ef_search
by size and an ef_search sweep on the same graph, `stats`/`sources` time, cold start, 20 questions at once.

    .venv/bin/python -m scripts.dev.bench_scale [--sizes 30000,100000] [--ef 32,64,100,128,200] \
        [--ef-size 100000] [--cold-start 100000] [--corpus ../shared/corpus/derstandard.jsonl]

For a quicker look than the whole `newsbot bench` (no ingest or 10k-question part). The corpus is read where it lies.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from index import bootstrap
from index.quality import benchmark, scale_benchmark
from index.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpus/derstandard.jsonl"))
    parser.add_argument("--sizes", default="30000,100000")
    parser.add_argument("--ef", default="32,64,100,128,200,256,384")
    parser.add_argument("--ef-size", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--cold-start", type=int, default=100_000, help="Index size for cold start and many chats (0: skip).")
    args = parser.parse_args()
    embedder = bootstrap.build_embedder(Settings(_env_file=None))
    articles = benchmark.load_corpus(args.corpus)
    results = benchmark.Results()
    with tempfile.TemporaryDirectory(prefix="newsbot-scale-") as workdir:
        scale_benchmark.run(
            results,
            [p for a in articles for p in a.paragraphs],
            [a.title for a in articles if a.title][:40],
            embedder,
            Path(workdir),
            scales=[int(s) for s in args.sizes.split(",") if s],
            ef_values=[int(e) for e in args.ef.split(",") if e],
            ef_size=args.ef_size,
            queries=args.queries,
            cold_start_paragraphs=args.cold_start,
            log=print,
        )
    print("\n".join(scale_benchmark.goals(results)))
    print()
    for s in results.scale:
        print(
            f"| {int(s['vectors']):,} | {s['build_s']:.0f} s | {int(s['ef_search'])} | {s['chroma_median_ms']:.2f} ms | "
            f"{s['numpy_median_ms']:.2f} ms | {s['recall@10']:.3f} | {s['stats_s']:.2f} s / {s['sources_s']:.2f} s |"
        )
    print()
    for s in results.ef_sweep:
        print(f"| {int(s['ef_search'])} | {s['chroma_median_ms']:.2f} ms | {s['recall@10']:.3f} |")
    print()
    print("\n".join(scale_benchmark.sections(results)))


if __name__ == "__main__":
    main()
