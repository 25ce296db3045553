"""Speed, measured as ratios against baselines timed in the same run (these machines are noisy).

- ingest: `indexing.index_articles` (split, embed, store) against a bare
  `model.encode` of the same paragraphs;
- question latency at 10k paragraphs: `service.answer_question` as the bot calls it (encode with the
  sparse head, one store call, keyword and sparse rerank, answer sentences with their stored vectors)
  and retrieval alone, against a query encode plus an exact numpy top-k over the same vectors, all
  with one BLAS thread (see `bench_questions`);
- the store at growing sizes (synthetic clustered vectors): Chroma's top-10
  latency and recall@10 against exact numpy search, and recall against speed
  for several ef_search values;
- memory: resident size of this process, and the store's size on disk.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from index.ingest import indexing
from index.retrieval import search
from index import service
from index.domain import Article, Chunk, IngestReport
from index.embedding.embedder import Embedder, SentenceTransformerEmbedder
from index.embedding.sparse_head import SparseVector
from index.store import sparse_index
from index.store.keyword_index import KeywordIndex
from index.store.sparse_index import SparseIndex
from index.ingest.splitting import chunk_article, split_paragraphs
from index.retrieval.keywords import document_terms
from index.store.vector_store import HNSW_CONFIGURATION, VectorStore, open_client

Log = Callable[[str], None]


@dataclass
class Results:
    machine: dict[str, str] = field(default_factory=dict)
    ingest: dict[str, float] = field(default_factory=dict)
    questions: dict[str, float] = field(default_factory=dict)
    scale: list[dict[str, float]] = field(default_factory=list)
    ef_sweep: list[dict[str, float]] = field(default_factory=list)
    memory: dict[str, float] = field(default_factory=dict)
    cold_start: dict[str, float] = field(default_factory=dict)  # index.quality.scale_benchmark
    many: dict[str, float] = field(default_factory=dict)


def rss_mb() -> float:
    """Resident set size of this process in MB (Linux)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / (1024 * 1024)


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import chromadb
    import sentence_transformers
    import torch

    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": f"{memory_gb:.0f} GiB",
        "python": platform.python_version(),
        "torch": torch.__version__,
        "sentence-transformers": sentence_transformers.__version__,
        "chromadb": chromadb.__version__,
    }


def load_corpus(path: Path, limit: int | None = None) -> list[Article]:
    """Articles of a JSONL corpus (`id`, `title`, `text`), read where it lies (never copied)."""
    articles = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            articles.append(
                Article(
                    source=f"{path.name}#{record['id']}",
                    title=record.get("title", ""),
                    paragraphs=tuple(split_paragraphs(record["text"])),
                    language="de",
                )
            )
            if limit and len(articles) >= limit:
                break
    return articles


def timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def bench_ingest(articles: Sequence[Article], embedder: SentenceTransformerEmbedder, workdir: Path) -> dict[str, float]:
    """Paragraphs a second, ingest as `newsbot ingest` runs it (sentence vectors, sparse side index) against bare encode."""
    chunks: list[Chunk] = [c for a in articles for c in chunk_article(a, embedder.max_tokens, embedder.count_tokens)]
    texts = [c.text for c in chunks]
    model = embedder.model
    prompt = model.prompts.get("document", "") if model.prompts else ""
    embedder.embed_passages(texts[:64])  # warm up
    raw = timed(
        lambda: model.encode(texts, prompt=prompt or None, batch_size=embedder.batch_size, normalize_embeddings=True)
    )
    store = VectorStore(lambda: open_client(None, workdir / "ingest"), "bench-ingest", embedder.name)
    sparse = SparseIndex(workdir / "ingest-sparse")
    ours = timed(lambda: indexing.index_articles(articles, embedder, store, IngestReport(), sparse=sparse))
    store.close()
    return {
        "paragraphs": len(texts),
        "raw_encode_per_s": len(texts) / raw,
        "ingest_per_s": len(texts) / ours,
        "ratio": raw / ours,
    }


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def fill_question_store(
    articles: Sequence[Article], embedder: SentenceTransformerEmbedder, workdir: Path, size: int, real_limit: int | None = None
) -> tuple[int, int]:
    """Fill the question store in `workdir` to `size` paragraphs as `newsbot ingest` writes them (sentence vectors,
    sparse side index): real articles first (at most `real_limit` paragraphs), then synthetic padding.
    Returns (real paragraphs, synthetic paragraphs)."""
    store, sparse = open_question_store(workdir, embedder)
    report = IngestReport()
    needed: list[Article] = []
    for article in articles:  # real articles up to the size, the rest synthetic
        if sum(len(a.paragraphs) for a in needed) >= min(size, real_limit or size):
            break
        needed.append(article)
    try:
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
            empty = SparseVector(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))  # no terms, but "has a vector"
            sparse_index.store_vectors(sparse, store, embedder, [c.id for c in filler], [empty] * padding, [[] for _ in filler])
    finally:
        store.close()
    return report.chunks_added, padding


def open_question_store(workdir: Path, embedder: Embedder) -> tuple[VectorStore, SparseIndex]:
    """The question store in `workdir` (made by `fill_question_store`) and its sparse side index."""
    store = VectorStore(lambda: open_client(None, workdir / "questions"), "bench-questions", embedder.name)
    return store, SparseIndex(workdir / "questions-sparse")


def question_paths(
    embedder: Embedder, store: VectorStore, sparse: SparseIndex, keywords: KeywordIndex, all_vectors: np.ndarray
) -> dict[str, Callable[[str], None]]:
    """The three timed paths for one question: the baseline (query encode + exact numpy top-10 over
    `all_vectors`, the store's [N, dim] unit vectors), the product's retrieval half (no quotes), the full answer."""

    def baseline(question: str) -> None:
        scores = all_vectors @ embedder.embed_query(question)
        top = np.argpartition(-scores, 10)[:10]
        top[np.argsort(-scores[top])]

    def retrieval(question: str) -> None:
        search.retrieve(search.read_question(question, 1000), embedder, store, depth=5, keywords=keywords, sparse=sparse)

    def full(question: str) -> None:
        service.answer_question(question, embedder, store, k=5, min_score=-1, keywords=keywords, sparse=sparse)

    return {"baseline": baseline, "retrieval": retrieval, "answer": full}


def time_paths(paths: dict[str, Callable[[str], None]], questions: Sequence[str]) -> dict[str, list[float]]:
    """Seconds per question for each path, interleaved (noise hits all alike), with one BLAS thread.

    One BLAS thread: after a multi-threaded numpy call OpenBLAS keeps a thread spinning for about 0.1 s,
    which took a core from whatever was timed next (the baseline's exact search made retrieval after it
    look 1.5x slower). Each path reads its candidates' words afresh (`document_terms` cleared): the full
    answer must not find them remembered from the retrieval just timed (a question about news nobody asked yet).
    """
    timings: dict[str, list[float]] = {name: [] for name in paths}
    with threadpool_limits(limits=1, user_api="blas"):
        for question in questions:
            for name, path in paths.items():
                document_terms.cache_clear()
                timings[name].append(timed(lambda q=question, p=path: p(q)))  # type: ignore[misc]
    return timings


def bench_questions(
    articles: Sequence[Article],
    questions: Sequence[str],
    embedder: SentenceTransformerEmbedder,
    workdir: Path,
    size: int,
    log: Log,
    real_limit: int | None = None,
) -> dict[str, float]:
    """Fill a store to `size` paragraphs (real ones first, at most `real_limit`; synthetic padding), then time
    questions on the three `question_paths` (`time_paths`: one BLAS thread; the exact top-10 at 10k costs 0.4 ms
    on one thread). The store has its sparse side index, as `newsbot ingest` writes it, so questions take the bot's path.
    """
    real, padding = fill_question_store(articles, embedder, workdir, size, real_limit)
    log(f"question store: {real} real + {padding} synthetic paragraphs")
    store, sparse = open_question_store(workdir, embedder)
    all_vectors = store.vectors()
    keywords = KeywordIndex(store, None)
    keywords.stats()
    time.sleep(min(10.0, size / 1000))  # let Chroma finish compacting the writes before anything is timed (10 s at 10k)
    for question in questions[:5]:  # warm up every path
        service.answer_question(question, embedder, store, k=5, min_score=-1, keywords=keywords, sparse=sparse)
    recalls = []
    for question in questions:  # the store's recall on real embeddings, against exact search
        query = embedder.embed_query(question)
        exact = {int(i) for i in np.argsort(-(all_vectors @ query))[:10]}
        found = store.query(query, 10)
        positions = {_vector_key(v): i for i, v in enumerate(all_vectors[list(exact)])}
        recalls.append(sum(_vector_key(v) in positions for _, v in found) / 10)
    timings = time_paths(question_paths(embedder, store, sparse, keywords, all_vectors), questions)
    store.close()
    result: dict[str, float] = {
        "paragraphs": float(len(all_vectors)),
        "questions": float(len(questions)),
        "real_recall@10": float(np.mean(recalls)),
        "real_paragraphs": float(real),
    }
    for name, values in timings.items():
        result[f"{name}_median_ms"] = statistics.median(values) * 1000
        result[f"{name}_p95_ms"] = percentile(values, 95) * 1000
    result["retrieval_ratio"] = result["retrieval_median_ms"] / result["baseline_median_ms"]
    result["answer_ratio"] = result["answer_median_ms"] / result["baseline_median_ms"]
    return result


def _vector_key(vector: np.ndarray) -> bytes:
    return np.round(np.asarray(vector, dtype=np.float32), 5).tobytes()


def synthetic(n: int, dimension: int, rng: np.random.Generator, latent: int = 48, noise: float = 0.15) -> np.ndarray:
    """Unit vectors with the low intrinsic dimension of real sentence embeddings.

    A random 48-dimensional cloud mapped linearly into the model's space, plus a
    little isotropic noise. Uniform noise in 384 dimensions would be far harder for
    any approximate index than real embeddings are, and say little about them.
    """
    basis = rng.standard_normal((latent, dimension)).astype(np.float32) / np.sqrt(latent)
    data: np.ndarray = rng.standard_normal((n, latent)).astype(np.float32) @ basis
    data += noise * rng.standard_normal((n, dimension)).astype(np.float32) / np.sqrt(dimension) * np.sqrt(latent)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    return data


def bench_store(
    size: int, dimension: int, workdir: Path, queries: int, log: Log, ef_search: int | None = None
) -> dict[str, float]:
    """Insert `size` synthetic vectors, then compare top-10 queries with exact numpy search."""
    rng = np.random.default_rng(size)
    points = synthetic(size + queries, dimension, rng)
    data, probe = points[:size], points[size:]  # queries: fresh points of the same space
    configuration: dict[str, str | int] = dict(HNSW_CONFIGURATION)
    if ef_search is not None:
        configuration["ef_search"] = ef_search
    ef = int(configuration["ef_search"])
    path = workdir / f"scale-{size}-{ef}"
    client = open_client(None, path)
    collection = client.create_collection(
        "bench-scale", configuration={"hnsw": configuration}, embedding_function=None
    )
    started = time.perf_counter()
    for start in range(0, size, 5000):
        collection.add(ids=[str(i) for i in range(start, min(size, start + 5000))], embeddings=data[start : start + 5000])
    build = time.perf_counter() - started
    log(f"  {size} vectors (ef_search {ef}) stored in {build:.0f} s")
    chroma_times, numpy_times, recalls = [], [], []
    for vector in probe:
        started = time.perf_counter()
        exact = np.argpartition(-(data @ vector), 10)[:10]
        numpy_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        found = collection.query(query_embeddings=[vector], n_results=10, include=[])
        chroma_times.append(time.perf_counter() - started)
        recalls.append(len({int(i) for i in found["ids"][0]} & {int(i) for i in exact}) / 10)
    result = {
        "vectors": float(size),
        "ef_search": float(ef),
        "build_s": build,
        "chroma_median_ms": statistics.median(chroma_times) * 1000,
        "numpy_median_ms": statistics.median(numpy_times) * 1000,
        "recall@10": float(np.mean(recalls)),
        "disk_mb": folder_mb(path),
    }
    result["speedup_vs_numpy"] = result["numpy_median_ms"] / result["chroma_median_ms"]
    client.close()
    return result


def run(
    corpus: Path,
    embedder: SentenceTransformerEmbedder,
    *,
    ingest_articles: int,
    question_paragraphs: int,
    questions: int,
    scales: Sequence[int],
    ef_values: Sequence[int],
    ef_size: int,
    queries: int,
    log: Log,
    cold_start_paragraphs: int = 100_000,
    real_paragraphs: int | None = None,
) -> Results:
    from index.quality import scale_benchmark

    results = Results(machine=machine())
    results.memory["start_mb"] = rss_mb()
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-") as tmp:
        workdir = Path(tmp)
        articles = load_corpus(corpus)
        embedder.embed_query("warm up")
        results.memory["model_loaded_mb"] = rss_mb()
        log(f"ingest: {ingest_articles} articles")
        results.ingest = bench_ingest(articles[:ingest_articles], embedder, workdir)
        log(f"questions at {question_paragraphs} paragraphs")
        titles = [a.title for a in articles if a.title][:questions]  # lead sentences of indexed articles
        results.questions = bench_questions(articles, titles, embedder, workdir, question_paragraphs, log, real_paragraphs)
        results.memory["after_questions_mb"] = rss_mb()
        texts = [p for a in articles for p in a.paragraphs]
        scale_benchmark.run(results, texts, titles, embedder, workdir, scales=scales, ef_values=ef_values,
                            ef_size=ef_size, queries=queries, cold_start_paragraphs=cold_start_paragraphs, log=log)
        results.memory["peak_mb"] = _peak_mb()
    return results


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_report(results: Results, folder: Path, command: str) -> Path:
    """docs/benchmarks.md with the tables, two PNG plots beside it (with the `plots` extra installed), and the
    figures themselves in benchmarks.json (Results as a dict)."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        _plot(results, folder)
    except ImportError:
        print("no plots: install them with pip install -e '.[plots]'", file=sys.stderr)
    path = folder / "benchmarks.md"
    path.write_text(render_markdown(results, command), encoding="utf-8")
    (folder / "benchmarks.json").write_text(json.dumps(dataclasses.asdict(results), indent=1) + "\n", encoding="utf-8")
    return path


def _plot(results: Results, folder: Path) -> None:
    """latency_vs_size.png and recall_vs_speed.png; ImportError without matplotlib (the `plots` extra)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if results.scale:
        figure, axis = plt.subplots(figsize=(6, 4))
        sizes = [s["vectors"] for s in results.scale]
        axis.plot(sizes, [s["chroma_median_ms"] for s in results.scale], "o-", label="Chroma HNSW (top-10)")
        axis.plot(sizes, [s["numpy_median_ms"] for s in results.scale], "s--", label="exact numpy (top-10)")
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("vectors in the collection")
        axis.set_ylabel("median query latency (ms)")
        axis.set_title("Query latency against collection size")
        axis.legend()
        axis.grid(True, which="both", alpha=0.3)
        figure.tight_layout()
        figure.savefig(folder / "latency_vs_size.png", dpi=120)
        plt.close(figure)
    if results.ef_sweep:
        figure, axis = plt.subplots(figsize=(6, 4))
        points = sorted(results.ef_sweep, key=lambda s: s["ef_search"])
        axis.plot([p["chroma_median_ms"] for p in points], [p["recall@10"] for p in points], "o-")
        for p in points:
            axis.annotate(f"ef={int(p['ef_search'])}", (p["chroma_median_ms"], p["recall@10"]), textcoords="offset points", xytext=(5, -10))
        axis.set_xlabel("median query latency (ms)")
        axis.set_ylabel("recall@10 against exact search")
        axis.set_title(f"Recall against speed at {int(points[0]['vectors']):,} vectors")
        axis.grid(True, alpha=0.3)
        figure.tight_layout()
        figure.savefig(folder / "recall_vs_speed.png", dpi=120)
        plt.close(figure)


def render_markdown(results: Results, command: str) -> str:
    from index.quality import scale_benchmark

    m, i, q = results.machine, results.ingest, results.questions
    lines = [
        "# Benchmarks",
        "",
        f"Produced by `{command}` on {time.strftime('%Y-%m-%d')}. Every figure that matters is a ratio against a",
        "baseline timed in the same run, interleaved where possible: absolute times on these shared machines vary.",
        "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in m.items()) + ".",
        "",
        *scale_benchmark.goals(results),
        "",
        "## Ingest",
        "",
        "Ingest embeds each paragraph and, for the answer step, each of its sentences on its own (issue 18), with the sparse head on both (issue 15).",
        "",
        "| paragraphs | bare `model.encode` | `newsbot` ingest (split, embed paragraphs and sentences with sparse terms, store both) | ratio (goal ≥ 0.8) |",
        "|---|---|---|---|",
        f"| {int(i['paragraphs'])} | {i['raw_encode_per_s']:.1f} /s | {i['ingest_per_s']:.1f} /s | {i['ratio']:.2f} |",
        "",
        "## Questions",
        "",
        f"{int(q['questions'])} questions (article lead sentences) over {int(q['paragraphs'])} paragraphs",
        f"({int(q.get('real_paragraphs', q['paragraphs']))} of the German news corpus, padded with synthetic vectors), as `newsbot ingest` writes them",
        "(sentence vectors, sparse side index). Baseline: query encode + exact numpy top-10. All three timed with one BLAS thread",
        "(an OpenBLAS thread spinning after the baseline's matrix product would slow whatever runs next).",
        f"Recall@10 of the Chroma query against exact search for these questions: {q['real_recall@10']:.3f}.",
        "",
        "| path | median | p95 | ratio to baseline (median) |",
        "|---|---|---|---|",
        f"| baseline: encode + numpy top-10 | {q['baseline_median_ms']:.1f} ms | {q['baseline_p95_ms']:.1f} ms | 1.00 |",
        f"| retrieval: encode (dense + sparse) + one Chroma query + keyword, sparse and best-sentence rerank | {q['retrieval_median_ms']:.1f} ms | {q['retrieval_p95_ms']:.1f} ms | {q['retrieval_ratio']:.2f} |",
        f"| full answer: retrieval + answer sentences (their dense and sparse vectors stored at ingest) | {q['answer_median_ms']:.1f} ms | {q['answer_p95_ms']:.1f} ms | {q['answer_ratio']:.2f} |",
        "",
        "## The store at scale",
        "",
        "Synthetic unit vectors (384 dimensions, of intrinsic dimension 48 like real sentence embeddings), "
        "HNSW as Newsbot configures it "
        f"({', '.join(f'{k} {v}' for k, v in HNSW_CONFIGURATION.items() if k != 'ef_search')}, "
        "ef_search by size: index.store.search_effort). `stats` / `sources`: a fresh client and one store call.",
        "",
        "| vectors | insert | ef_search | Chroma top-10 | exact numpy top-10 | Chroma speed-up | recall@10 | `stats` / `sources` | on disk |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for s in results.scale:
        lines.append(
            f"| {int(s['vectors']):,} | {s['build_s']:.0f} s | {int(s['ef_search'])} | {s['chroma_median_ms']:.2f} ms | "
            f"{s['numpy_median_ms']:.2f} ms | {s['speedup_vs_numpy']:.2f}× | {s['recall@10']:.3f} | "
            f"{s['stats_s']:.2f} s / {s['sources_s']:.2f} s | {s['disk_mb']:.0f} MB |"
        )
    lines += ["", "![latency against size](latency_vs_size.png)", ""]
    if results.ef_sweep:
        lines += [f"At {int(results.ef_sweep[0]['vectors']):,} vectors, the same graph:", ""]
        lines += ["| ef_search | Chroma top-10 | recall@10 |", "|---|---|---|"]
        for s in sorted(results.ef_sweep, key=lambda s: s["ef_search"]):
            lines.append(f"| {int(s['ef_search'])} | {s['chroma_median_ms']:.2f} ms | {s['recall@10']:.3f} |")
        lines += ["", "![recall against speed](recall_vs_speed.png)", ""]
    lines += scale_benchmark.sections(results)
    mem = results.memory
    lines += [
        "## Memory",
        "",
        f"Resident size: {mem.get('start_mb', 0):.0f} MB at start, {mem.get('model_loaded_mb', 0):.0f} MB with the model loaded, "
        f"{mem.get('after_questions_mb', 0):.0f} MB after the question benchmark; peak {mem.get('peak_mb', 0):.0f} MB.",
        "",
        "## Closing note",
        "",
        *scale_benchmark.goals(results),
        "",
    ]
    return "\n".join(lines)
