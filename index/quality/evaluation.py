"""Retrieval and answer quality, measured with the same code path that answers users.

Two kinds of evaluation directory:
- XQuAD style: `passages.jsonl` (id, title, text) and `questions.jsonl` (id, lang,
  question, passage_id, answers). The passages are indexed into a fresh temporary
  store (titles are not used: XQuAD's are English page names and would leak English
  words into German passages); each question is answered by `service.answer_question` and the
  rank of its gold passage and whether the quoted answer holds a gold answer string
  are recorded, per question language and answer type (index.retrieval.questions), with
  the span hit (a marked answer span holds a gold string) and the share of
  these answerable questions that small talk or the focus check would refuse.
- Seed style: only `questions.jsonl` with `gold_contains` (a list of strings; empty
  for an out-of-scope question); the `sources` are indexed and each question counts
  as a hit when a retrieved passage (and, separately, the answer) contains a gold
  string, and an out-of-scope question as correctly refused when nothing is found.
"""

from __future__ import annotations

import json
import math
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from index.ingest import indexing
from index import service
from index.answers import extractive
from index.retrieval import language, small_talk
from index.retrieval.questions import analyze
from index.domain import Answer, Article, IngestReport
from index.embedding.embedder import Embedder
from index.errors import InputError
from index.store.keyword_index import KeywordIndex
from index.embedding.sparse_embedding import sparse_embedder
from index.store.sparse_index import SparseIndex
from index.store.vector_store import VectorStore, open_client

CUTOFFS = (1, 5, 10)
DEPTH = 10  # distinct passages ranked per question
Progress = Callable[[int, int], None]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    try:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: cannot read it as JSON lines ({exc})") from exc


def ranking_metrics(ranks: Sequence[int | None]) -> dict[str, float]:
    """Recall@1/5/10, MRR@10 and nDCG@10 for one relevant passage per question (rank 1-based, None = not found)."""
    n = len(ranks) or 1
    found = [r for r in ranks if r is not None]
    metrics = {f"recall@{k}": sum(r <= k for r in found) / n for k in CUTOFFS}
    metrics["mrr@10"] = sum(1 / r for r in found if r <= 10) / n
    metrics["ndcg@10"] = sum(1 / math.log2(r + 1) for r in found if r <= 10) / n
    return metrics


def gold_rank(answer: Answer, gold_source: str) -> int | None:
    """The 1-based rank of the gold passage among the distinct passages retrieved."""
    seen: list[str] = []
    for passage in answer.passages:
        if passage.chunk.source not in seen:
            seen.append(passage.chunk.source)
    return seen.index(gold_source) + 1 if gold_source in seen else None


def quotes_contain(answer: Answer, strings: Sequence[str]) -> bool:
    quoted = " ".join(q.text for q in answer.quotes)
    return any(s and s in quoted for s in strings)


def span_holds(answer: Answer, strings: Sequence[str]) -> bool:
    """Whether a marked answer span holds a gold string (or is most of one: "308" for "308 Punkte")."""
    marked = [q.span_text for q in answer.quotes if q.span_text]
    return any(g and (g in m or (m in g and 2 * len(m) >= len(g))) for m in marked for g in strings)


def passages_contain(answer: Answer, strings: Sequence[str]) -> bool:
    return any(s and s in p.chunk.text for p in answer.passages for s in strings)


def evaluate(
    directory: Path,
    embedder: Embedder,
    *,
    sources: Sequence[str],
    k: int,
    min_score: float,
    keywords: bool = True,
    sparse: bool = True,
    best_sentence: bool = True,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Evaluate on `directory` in a fresh temporary store; returns the JSON-ready report.

    `keywords=False` turns the keyword signal off, `sparse=False` the sparse latent terms
    (which only models with a sparse head have), `best_sentence=False` the best sentence's cosine
    (index.retrieval.fusion.fuse_best_sentence); keywords and sparse off measure the model alone.
    """
    questions = read_jsonl(directory / "questions.jsonl")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="newsbot-eval-") as workdir:
        store = VectorStore(lambda: open_client(None, Path(workdir) / "chroma"), "eval", embedder.name)
        keyword_index = KeywordIndex(store, None) if keywords else None
        sparse_index = SparseIndex(Path(workdir) / "sparse") if sparse else None
        try:
            if (directory / "passages.jsonl").exists():
                report = _passage_eval(directory, questions, embedder, store, keyword_index, progress, sparse_index, best_sentence)
            else:
                report = _seed_eval(questions, embedder, store, keyword_index, sources, k, min_score, progress, sparse_index, best_sentence)
        finally:
            store.close()
    report["model"] = embedder.name
    report["keywords"] = keywords
    report["sparse"] = sparse and sparse_embedder(embedder) is not None
    report["best_sentence"] = best_sentence
    report["seconds"] = round(time.perf_counter() - started, 1)
    return report


def _passage_eval(
    directory: Path,
    questions: list[dict[str, Any]],
    embedder: Embedder,
    store: VectorStore,
    keywords: KeywordIndex | None,
    progress: Progress | None,
    sparse: SparseIndex | None = None,
    best_sentence: bool = True,
) -> dict[str, Any]:
    passages = read_jsonl(directory / "passages.jsonl")
    articles = [Article(source=p["id"], title="", paragraphs=(p["text"],), language="de") for p in passages]
    indexing.index_articles(articles, embedder, store, IngestReport(), sparse=sparse)
    rows = question_rows(questions, embedder, store, keywords, progress, sparse, best_sentence)
    report: dict[str, Any] = summarize(rows)
    report["n_passages"] = len(passages)
    report["questions"] = [{"id": q.get("id"), **row} for q, row in zip(questions, rows, strict=True)]
    return report


def question_rows(
    questions: Sequence[dict[str, Any]],
    embedder: Embedder,
    store: VectorStore,
    keywords: KeywordIndex | None,
    progress: Progress | None = None,
    sparse: SparseIndex | None = None,
    best_sentence: bool = True,
) -> list[dict[str, Any]]:
    """Each question answered by `service.answer_question`: its language, answer type, gold rank, answer and span hit."""
    rows = []
    for number, question in enumerate(questions, start=1):
        # min_score -1: rank everything; the threshold is not what this measures.
        answer = service.answer_question(
            question["question"], embedder, store, k=2 * DEPTH, min_score=-1.0, keywords=keywords, refuse=False, sparse=sparse,
            best_sentence=best_sentence,
        )
        gold = question.get("answers", [])
        analysis = analyze(answer.question, language.detect(answer.question))
        rows.append(
            {
                "lang": question["lang"],
                "type": answer.kind,
                "passage_id": question["passage_id"],
                "rank": gold_rank(answer, question["passage_id"]),
                "answer_hit": quotes_contain(answer, gold),
                "span_hit": span_holds(answer, gold),
                # every XQuAD question is answerable: would small talk (by words or meaning) or the focus check refuse it?
                "refused": analysis.small_talk
                or small_talk.recognised(embedder.embed_query(answer.question), embedder)
                or extractive.lacks_focus(analysis, answer.passages),
            }
        )
        if progress:
            progress(number, len(questions))
    return rows


def summarize(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Metrics per question language, and per language and answer type under "by_type"."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[(row["lang"], "all")].append(row)
        groups[(row["lang"], row["type"])].append(row)
    report: dict[str, Any] = {}
    by_type: dict[str, dict[str, Any]] = defaultdict(dict)
    for (lang, kind), members in sorted(groups.items()):
        metrics = ranking_metrics([r["rank"] for r in members])
        metrics["answer_hit"] = sum(r["answer_hit"] for r in members) / len(members)
        metrics["span_hit"] = sum(r["span_hit"] for r in members) / len(members)
        metrics["answered"] = 1 - sum(r["refused"] for r in members) / len(members)
        metrics["questions"] = len(members)
        rounded = {key: round(value, 4) for key, value in metrics.items()}
        if kind == "all":
            report[lang] = rounded
        else:
            by_type[lang][kind] = rounded
    report["by_type"] = dict(by_type)
    return report


def _seed_eval(
    questions: list[dict[str, Any]],
    embedder: Embedder,
    store: VectorStore,
    keywords: KeywordIndex | None,
    sources: Sequence[str],
    k: int,
    min_score: float,
    progress: Progress | None,
    sparse: SparseIndex | None = None,
    best_sentence: bool = True,
) -> dict[str, Any]:
    ingest = indexing.ingest(list(sources), embedder, store, sparse=sparse)
    rows = []
    for number, question in enumerate(questions, start=1):
        answer = service.answer_question(
            question["question"], embedder, store, k=k, min_score=min_score, keywords=keywords, sparse=sparse, best_sentence=best_sentence
        )
        gold = question.get("gold_contains") or []
        rows.append(
            {
                "id": question.get("id"),
                "question": question["question"],
                "in_scope": bool(gold),
                "found": answer.found,
                "passage_hit": passages_contain(answer, gold) if gold else None,
                "answer_hit": quotes_contain(answer, gold) if gold else None,
                "refused": not answer.found,
            }
        )
        if progress:
            progress(number, len(questions))
    in_scope = [r for r in rows if r["in_scope"]]
    out_of_scope = [r for r in rows if not r["in_scope"]]
    return {
        "seed": {
            "questions": len(rows),
            "passage_hits": sum(bool(r["passage_hit"]) for r in in_scope),
            "answer_hits": sum(bool(r["answer_hit"]) for r in in_scope),
            "in_scope": len(in_scope),
            "correct_refusals": sum(r["refused"] for r in out_of_scope),
            "out_of_scope": len(out_of_scope),
            "k": k,
            "min_score": min_score,
            "articles_indexed": ingest.articles,
        },
        "questions": rows,
    }
