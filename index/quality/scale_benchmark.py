"""Speed at scale (issue 18): the store at growing sizes with ef_search chosen by size, `stats` at
that size, cold start with a large index, and many questions at once.

Part of `newsbot bench` (index.quality.benchmark calls these); every figure is a ratio against a
baseline measured in the same run where one exists. Vectors are synthetic (`benchmark.synthetic`:
a 48-dimensional cloud mapped into 384 dimensions with noise), harder for HNSW than real sentence
embeddings (recall of real questions at 10k: see the question table), so the ef_search table
chosen on them is on the safe side.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index import bootstrap
from index.domain import Chunk
from index.embedding.embedder import Embedder
from index.settings import Settings
from index.store import counts as counting
from index.store.generations import HNSW_CONFIGURATION
from index.store.search_effort import ef_search_for, set_ef_search
from index.store.vector_store import VectorStore, open_client

Log = Callable[[str], None]
COLLECTION = "bench-scale"

# Figures before this work (docs/benchmarks.md of 2026-11-29, docs/operations.md), for the goals table.
BEFORE = {
    "answer_ratio": "7.72×",
    "retrieval_ratio": "2.07×",
    "ingest_ratio": "0.94 (paragraphs alone: no sentence vectors, no sparse terms yet)",
    "recall_1m": "0.806 (ef_search 100)",
    "speedup_1m": "27.4×",
    "insert_1m": "1816 s",
    "stats_1m": "not measured (full scan)",
    "cold_start": "not measured",
    "reindex_p95": "1.57×",
    "many_chats": "not measured",
}


def _metadatas(size: int) -> list[dict[str, Any]]:
    """Chunk metadata as ingest writes it: 8 paragraphs an article, 200 sources (for the kept counts)."""
    return [
        {
            "article_id": f"a{i // 8}",
            "title": f"Artikel {i // 8}",
            "source": f"a{i // 8}",
            "origin": f"https://feed{(i // 8) % 200}.example.org/rss",
            "position": i % 8,
            "paragraph": i % 8 + 1,
            "published": f"2026-{(i // 8) % 12 + 1:02d}-{(i // 8) % 28 + 1:02d}",
            "indexed": "2026-11-30T00:00:00+00:00",
        }
        for i in range(size)
    ]


def _query_all(collection: Any, probe: np.ndarray, data: np.ndarray) -> tuple[list[float], list[float]]:
    times, recalls = [], []
    for vector in probe:
        exact = np.argpartition(-(data @ vector), 10)[:10]
        started = time.perf_counter()
        found = collection.query(query_embeddings=[vector], n_results=10, include=[])
        times.append(time.perf_counter() - started)
        recalls.append(len({int(i) for i in found["ids"][0]} & {int(i) for i in exact}) / 10)
    return times, recalls


def store_at_size(
    size: int, dimension: int, workdir: Path, queries: int, log: Log, sweep: Sequence[int] = ()
) -> tuple[dict[str, float], list[dict[str, float]]]:
    """Insert `size` synthetic vectors into a collection configured as a generation of that size is.

    Returns the row at the ef_search Newsbot chooses (index.store.search_effort) with insert time,
    latency against exact numpy search, recall@10, `stats`/`sources` time (fresh client, kept counts),
    and one row per ef_search of `sweep`, measured on the same graph (Chroma applies a changed
    ef_search when the collection is opened again, so each is measured after reopening).
    """
    from index.quality.benchmark import folder_mb, synthetic

    rng = np.random.default_rng(size)
    points = synthetic(size + queries, dimension, rng)
    data, probe = points[:size], points[size:]
    path = workdir / f"scale-{size}"
    chosen = ef_search_for(size)
    counts = counting.tally(_metadatas(size))
    client = open_client(None, path)
    collection = client.create_collection(
        COLLECTION,
        configuration={"hnsw": {**HNSW_CONFIGURATION, "ef_search": chosen}},
        metadata={"embedding_model": "synthetic", "dimension": dimension, counting.KEY: counts.to_json()},
        embedding_function=None,
    )
    started = time.perf_counter()
    for start in range(0, size, 5000):
        collection.add(ids=[str(i) for i in range(start, min(size, start + 5000))], embeddings=data[start : start + 5000])
    build = time.perf_counter() - started
    client.close()
    log(f"  {size} vectors stored in {build:.0f} s")
    numpy_times = []
    for vector in probe:
        started = time.perf_counter()
        np.argpartition(-(data @ vector), 10)[:10]
        numpy_times.append(time.perf_counter() - started)
    numpy_ms = statistics.median(numpy_times) * 1000
    rows: dict[int, dict[str, float]] = {}
    for ef in [chosen, *[e for e in sweep if e != chosen]]:
        client = open_client(None, path)
        collection = client.get_collection(COLLECTION, embedding_function=None)
        if ef != chosen or collection.configuration_json["hnsw"]["ef_search"] != ef:
            set_ef_search(collection, ef)
            client.close()
            client = open_client(None, path)
            collection = client.get_collection(COLLECTION, embedding_function=None)
        _query_all(collection, probe[:5], data)  # load the graph
        times, recalls = _query_all(collection, probe, data)
        client.close()
        rows[ef] = {
            "vectors": float(size),
            "ef_search": float(ef),
            "chroma_median_ms": statistics.median(times) * 1000,
            "chroma_p95_ms": float(np.percentile(times, 95)) * 1000,
            "numpy_median_ms": numpy_ms,
            "recall@10": float(np.mean(recalls)),
        }
        rows[ef]["speedup_vs_numpy"] = numpy_ms / rows[ef]["chroma_median_ms"]
        log(f"  ef_search {ef}: recall@10 {rows[ef]['recall@10']:.3f}, {rows[ef]['chroma_median_ms']:.2f} ms")
    row = dict(rows[chosen], build_s=build, disk_mb=folder_mb(path))
    row["stats_s"], row["sources_s"] = _stats_times(path)
    return row, [rows[ef] for ef in sorted(rows)]


def _stats_times(path: Path) -> tuple[float, float]:
    """Seconds for `stats` and `sources` as the commands run them: a fresh client, then one store call."""
    calls: list[Callable[[VectorStore], object]] = [VectorStore.info, VectorStore.sources]
    times = []
    for call in calls:
        started = time.perf_counter()
        store = VectorStore(lambda: open_client(None, path), COLLECTION, "synthetic")
        call(store)
        times.append(time.perf_counter() - started)
        store.close()
    return times[0], times[1]


# --- cold start ------------------------------------------------------------------------------

_COLD_START_CHILD = """
import json, sys, time
started = time.perf_counter()
from pathlib import Path
from index import bootstrap
from index.settings import Settings
imported = time.perf_counter()
settings = Settings(_env_file=None, data_dir=Path(sys.argv[1]), embedding_model=sys.argv[3])
services = bootstrap.build(settings, write=False)
services.warm_up()
warm = time.perf_counter()
services.answer(sys.argv[2])
answered = time.perf_counter()
print(json.dumps({"answered_at": time.time(), "imports_s": imported - started, "warm_up_s": warm - imported,
                  "answer_s": answered - warm, "cpu_s": time.process_time()}))
"""


def cold_start(data_dir: Path, question: str, model: str, runs: int = 3) -> dict[str, float]:
    """Seconds from process start to the first answer over the index in `data_dir`, and its phases:
    the run with the median total of `runs` (one start is at the mercy of this machine's neighbours).

    A new Python process (interpreter start included) builds its services and warms them up as
    `newsbot serve` does (Services.warm_up: the model with its sparse head, the language identifier,
    the store and the keyword statistics, loaded side by side) and answers `question`. The total ends
    at the answer, not when the process has exited (tearing down torch and Chroma takes another second).
    """
    measured = []
    for _ in range(runs):
        started = time.time()
        done = subprocess.run(
            [sys.executable, "-c", _COLD_START_CHILD, str(data_dir), question, model], capture_output=True, text=True, check=True
        )
        phases: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
        measured.append({"total_s": phases.pop("answered_at") - started, **phases, "runs": float(runs)})
    return sorted(measured, key=lambda run: run["total_s"])[len(measured) // 2]


# --- many chats ------------------------------------------------------------------------------


def many_questions(answer: Callable[[str], object], questions: Sequence[str], at_once: int = 20) -> dict[str, float]:
    """p95 answer time of `at_once` questions asked together (as the bot runs them: asyncio.to_thread)
    against one question asked alone; seconds, each question timed from its arrival to its answer."""
    for question in questions[:3]:
        answer(question)  # warm up
    alone = []
    for question in questions[:at_once]:
        started = time.perf_counter()
        answer(question)
        alone.append(time.perf_counter() - started)

    async def together() -> list[float]:
        async def one(question: str) -> float:
            started = time.perf_counter()
            await asyncio.to_thread(answer, question)
            return time.perf_counter() - started

        return list(await asyncio.gather(*(one(q) for q in questions[:at_once])))

    crowded = asyncio.run(together())
    result = {
        "questions": float(len(crowded)),
        "alone_median_s": statistics.median(alone),
        "alone_p95_s": float(np.percentile(alone, 95)),
        "together_median_s": statistics.median(crowded),
        "together_p95_s": float(np.percentile(crowded, 95)),
    }
    result["ratio"] = result["together_p95_s"] / result["alone_median_s"]
    return result


# --- all of it, for `newsbot bench` ----------------------------------------------------------------


def fill_index(data_dir: Path, texts: Sequence[str], embedder: Embedder, size: int, log: Log) -> None:
    """An index of `size` paragraphs in `data_dir`, written as ingest writes it (kept counts, keyword statistics).

    Texts are the corpus paragraphs over and over (a realistic vocabulary), vectors synthetic (no hour of embedding).
    """
    from index.quality.benchmark import synthetic

    settings = Settings(_env_file=None, data_dir=data_dir, embedding_model=embedder.name)
    services = bootstrap.build(settings, write=True, embedder=embedder)
    try:
        vectors = synthetic(size, embedder.dimension, np.random.default_rng(size))
        started = time.perf_counter()
        for start in range(0, size, 5000):
            chunks = [
                Chunk(f"bench-{i // 8}", i % 8, i % 8 + 1, texts[i % len(texts)], f"Artikel {i // 8}", f"bench-{i // 8}",
                      language="de", origin=f"https://feed{(i // 8) % 200}.example.org/rss")
                for i in range(start, min(size, start + 5000))
            ]
            services.store.upsert(chunks, vectors[start : start + len(chunks)])
        services.keywords.stats()  # written once, as a reindex does before its generation serves
        log(f"  cold-start index: {size} paragraphs written in {time.perf_counter() - started:.0f} s")
    finally:
        services.close()


def run(
    results: Any,
    texts: Sequence[str],
    questions: Sequence[str],
    embedder: Embedder,
    workdir: Path,
    *,
    scales: Sequence[int],
    ef_values: Sequence[int],
    ef_size: int,
    queries: int,
    cold_start_paragraphs: int,
    log: Log,
) -> None:
    """Fill `results` (index.quality.benchmark.Results): scale rows, ef_search sweep, cold start, many chats."""
    for size in scales:
        log(f"store at {size} vectors")
        row, sweep = store_at_size(size, embedder.dimension, workdir, queries, log, ef_values if size == ef_size else ())
        results.scale.append(row)
        if size == ef_size:
            results.ef_sweep = sweep
    if ef_values and ef_size not in scales:
        log(f"ef_search at {ef_size} vectors")
        results.ef_sweep = store_at_size(ef_size, embedder.dimension, workdir, queries, log, ef_values)[1]
    if cold_start_paragraphs:
        log(f"cold start at {cold_start_paragraphs} paragraphs")
        data_dir = workdir / "cold-start"
        fill_index(data_dir, texts, embedder, cold_start_paragraphs, log)
        results.cold_start = {"paragraphs": float(cold_start_paragraphs), **cold_start(data_dir, questions[0], embedder.name)}
        log(f"  first answer {results.cold_start['total_s']:.1f} s after process start; 20 questions at once")
        settings = Settings(_env_file=None, data_dir=data_dir, embedding_model=embedder.name)
        services = bootstrap.build(settings, write=False, embedder=embedder)
        try:
            results.many = many_questions(services.answer, list(questions) * 2)
        finally:
            services.close()


# --- the report ----------------------------------------------------------------------------------

# Measured by `python -m scripts.dev.bench_reindex` (too long to run inside `newsbot bench`); see docs/operations.md.
REINDEX_P95_AFTER = "0.86× (1 Dec 2026: 61 ms idle, 52 ms during the reindex)"


def _largest(results: Any) -> dict[str, float] | None:
    return max(results.scale, key=lambda s: s["vectors"]) if results.scale else None


def goals(results: Any) -> list[str]:
    """The goals table of issue 18 (Markdown lines): goal, before, after (this run)."""
    big, cold, many = _largest(results), results.cold_start, results.many
    at = f"at {int(big['vectors']):,}" if big else ""

    def measured(value: str) -> str:
        return value if big else "not run"

    questions, ingest = results.questions, results.ingest
    lines = [
        "| goal (issue 18) | before | after |",
        "|---|---|---|",
        f"| full answer ≤ 1.5× (query encode + exact numpy top-10) at 10k | {BEFORE['answer_ratio']} | "
        + (f"{questions['answer_ratio']:.2f}× at {int(questions['paragraphs']):,}" if questions else "not run")
        + " |",
        f"| retrieval ≤ 1.3× the same baseline | {BEFORE['retrieval_ratio']} | "
        + (f"{questions['retrieval_ratio']:.2f}×" if questions else "not run")
        + " |",
        f"| ingest ≥ 0.8× bare `model.encode` of the paragraphs | {BEFORE['ingest_ratio']} | "
        + (f"{ingest['ratio']:.2f} ({int(ingest['paragraphs']):,} paragraphs)" if ingest else "not run")
        + " |",
        f"| recall@10 ≥ 0.95 at 1M vectors | {BEFORE['recall_1m']} | "
        + measured(f"{big['recall@10']:.3f} {at} (ef_search {int(big['ef_search'])})" if big else "")
        + " |",
        f"| ≥ 10× faster than exact numpy at 1M | {BEFORE['speedup_1m']} | "
        + measured(f"{big['speedup_vs_numpy']:.1f}× {at}" if big else "")
        + " |",
        f"| insert time at 1M reported | {BEFORE['insert_1m']} | " + measured(f"{big['build_s']:.0f} s {at}" if big else "") + " |",
        f"| `stats` / `sources` < 1 s at 1M | {BEFORE['stats_1m']} | "
        + measured(f"{big['stats_s']:.2f} s / {big['sources_s']:.2f} s {at}" if big else "")
        + " |",
        f"| cold start to first answer ≤ 5 s at 100k paragraphs | {BEFORE['cold_start']} | "
        + (f"{cold['total_s']:.1f} s at {int(cold['paragraphs']):,}" if cold else "not run")
        + " |",
        f"| p95 answer during /reindex ≤ 1.5× idle | {BEFORE['reindex_p95']} | {REINDEX_P95_AFTER} |",
        f"| 20 questions at once: p95 ≤ 2× one question | {BEFORE['many_chats']} | "
        + (f"{many['ratio']:.2f}×" if many else "not run")
        + " |",
    ]
    return lines


def sections(results: Any) -> list[str]:
    """Markdown sections for the cold start and many questions at once (empty when not run)."""
    lines: list[str] = []
    cold, many = results.cold_start, results.many
    if cold:
        lines += [
            "## Cold start",
            "",
            f"The median of {int(cold.get('runs', 1))} new processes (`python -c`, warmed up as `newsbot serve` warms up) over an index of "
            f"{int(cold['paragraphs']):,} paragraphs written as ingest writes them (corpus texts, synthetic vectors); keyword statistics "
            "loaded from their file, not rebuilt.",
            "",
            "| Newsbot's imports | warm-up (model, sparse head, language identifier, store, keyword statistics) | first answer | total (process start to answer) | CPU time of the process |",
            "|---|---|---|---|---|",
            f"| {cold['imports_s']:.1f} s | {cold['warm_up_s']:.1f} s | {cold['answer_s']:.2f} s | **{cold['total_s']:.1f} s** | {cold['cpu_s']:.1f} s |",
            "",
        ]
    if many:
        lines += [
            "## Many chats",
            "",
            f"{int(many['questions'])} questions at once, run as the bot runs them (`asyncio.to_thread`), each timed "
            "from its arrival to its answer, against the same questions asked one by one.",
            "",
            "| | median | p95 |",
            "|---|---|---|",
            f"| one at a time | {many['alone_median_s'] * 1000:.0f} ms | {many['alone_p95_s'] * 1000:.0f} ms |",
            f"| {int(many['questions'])} at once | {many['together_median_s'] * 1000:.0f} ms | {many['together_p95_s'] * 1000:.0f} ms |",
            "",
            f"p95 at once / median alone: **{many['ratio']:.2f}×**.",
            "",
        ]
    return lines
