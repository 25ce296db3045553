"""Reindex time of the seed plus the shared German news corpus, and answer times during a reindex.

    .venv/bin/python -m scripts.dev.bench_reindex [--corpus ../shared/corpus/derstandard.jsonl] [--questions 40]

Builds the index once from empty (timed), asks questions with nothing else running (the
baseline), then rebuilds it while users keep asking: the same questions, one every
--interval seconds (a busy bot), answered as the bot answers them. Prints a Markdown section
for docs/operations.md. The corpus is read where it lies.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path

from index import bootstrap
from index.ingest import rebuild
from index.embedding.priority import PRIORITY
from index.settings import Settings

SEED_QUESTIONS = Path("../shared/eval/seed/questions.jsonl")


def questions(corpus: Path, count: int) -> list[str]:
    """The seed questions, then corpus titles as questions (one per article, spread over the corpus)."""
    asked = [json.loads(line)["question"] for line in SEED_QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    titles = [json.loads(line)["title"] for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    step = max(1, len(titles) // count)
    return (asked + [f"Was ist bekannt über: {t}" for t in titles[::step]])[:count]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpus/derstandard.jsonl"))
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--interval", type=float, default=0.5, help="Seconds between questions during the reindex.")
    parser.add_argument("--no-priority", action="store_true", help="Let the reindex embed at full speed (for comparison).")
    args = parser.parse_args()
    if args.no_priority:
        PRIORITY.wait_turn = lambda: None  # type: ignore[method-assign]
    asked = questions(args.corpus, args.questions)

    with tempfile.TemporaryDirectory() as workdir:
        settings = Settings(_env_file=None, data_dir=Path(workdir), sources=["seeds", str(args.corpus)])
        # No vector cache: a rebuild must embed every paragraph again, and each question too.
        services = bootstrap.build(settings, write=True, embedder=bootstrap.build_embedder(settings))
        try:
            services.embedder.embed_query("warm up")
            first = rebuild.reindex(settings.sources, services.embedder, services.store, keywords_dir=services.keywords_dir, grace=0)
            services.answer(asked[0])  # keyword statistics loaded

            baseline = []
            expected = {}
            for question in asked * 2:  # at the same pace as during the reindex
                started = time.perf_counter()
                expected[question] = services.answer(question).found
                baseline.append(time.perf_counter() - started)
                time.sleep(max(0.0, args.interval - (time.perf_counter() - started)))

            during: list[float] = []
            result: dict[str, rebuild.ReindexReport] = {}
            worker = threading.Thread(
                target=lambda: result.update(
                    report=rebuild.reindex(settings.sources, services.embedder, services.store, keywords_dir=services.keywords_dir)
                )
            )
            worker.start()
            index = differing = 0
            while worker.is_alive():
                question = asked[index % len(asked)]
                started = time.perf_counter()
                answer = services.answer(question)
                during.append(time.perf_counter() - started)
                differing += answer.found != expected[question]
                index += 1
                time.sleep(max(0.0, args.interval - (time.perf_counter() - started)))
            worker.join()
            second = result["report"]
        finally:
            services.close()

    ratio_p95 = percentile(during, 0.95) / percentile(baseline, 0.95)
    ratio_median = statistics.median(during) / statistics.median(baseline)
    mode = "full speed (--no-priority)" if args.no_priority else "yielding to questions (index.embedding.priority)"
    print(f"""| measure ({mode}) | value |
|---|---|
| corpus | seed + {first.articles - 1} articles ({first.paragraphs} paragraphs) |
| reindex from empty, nothing else running | {first.seconds:.0f} s ({first.paragraphs / first.seconds:.0f} paragraphs/s) |
| reindex while answering a question every {args.interval} s | {second.seconds:.0f} s |
| answers during that reindex | {len(during)}; {differing} differ from the answer without reindex (found / not found) |
| p95 answer time without reindex | {percentile(baseline, 0.95) * 1000:.0f} ms ({len(baseline)} questions) |
| p95 answer time during reindex | {percentile(during, 0.95) * 1000:.0f} ms |
| **p95 during / without** | **{ratio_p95:.2f}×** (median {ratio_median:.2f}×) |""")


if __name__ == "__main__":
    main()
