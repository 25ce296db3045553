"""Tune the answer-type evidence on XQuAD half A (split by article, as scripts/dev/tune_retrieval.py) and report both halves.

    .venv/bin/python -m scripts.dev.tune_answers ../shared/eval/xquad [A|B|AB] [--history] [--only=LABEL_PART]
    .venv/bin/python -m scripts.dev.tune_answers ../shared/eval/xquad report.json   # halves of a `newsbot eval --json` report

The passages are indexed once into a temporary store (with their sentence vectors, made
at ingest); every variant answers the questions with the same `service.answer_question` users get,
with the weights in index.answers.extractive set to the variant's values. Question vectors are
cached across variants and runs (in the system's temporary folder, per model), so a variant
costs the retrieval and the sentence choice only. The numbers go to docs/retrieval.md.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.ingest import indexing
from index.answers import extractive
from index.quality import evaluation
from index.bootstrap import build_embedder
from index.domain import Article, IngestReport
from index.embedding.embedder import CachedEmbedder
from index.store.keyword_index import KeywordIndex
from index.store.sparse_index import SparseIndex
from index.settings import Settings
from index.store.vector_store import VectorStore, open_client

# Each variant: a label and the index.answers.extractive settings it changes from today's behaviour.
TODAY: dict[str, Any] = {
    "PASSAGE_TYPE_WEIGHT": {"time": 0.0, "number": 0.0},
    "SENTENCE_TYPE_WEIGHT": 0.0,
    "SENTENCE_NEAR_WEIGHT": 0.0,
    "SENTENCE_EVENT_WEIGHT": 0.0,
    "SENTENCE_KEYWORD_SHARE": 1.0,
    "EXTRA_PASSAGES": 0,
    "SECOND_QUOTE_MARGIN": 0.02,
    "NEIGHBOUR_QUOTES": False,
}
FINAL: dict[str, Any] = {name: getattr(extractive, name) for name in TODAY}  # the defaults in index.extractive
# Issue 18: sentence vectors from the paragraph's own forward pass (stored at ingest) instead of
# sentences embedded per question; the variants below start from FINAL (the defaults) with them.
STORED: list[tuple[str, dict[str, Any]]] = [
    ("stored sentence vectors, today's weights", {}),
    ("passage weight 0.3", {"PASSAGE_WEIGHT": 0.3}),
    ("passage weight 0.7", {"PASSAGE_WEIGHT": 0.7}),
    ("4 answer passages", {"ANSWER_PASSAGES": 4}),
    ("5 answer passages", {"ANSWER_PASSAGES": 5}),
    ("second quote margin 0.05", {"SECOND_QUOTE_MARGIN": 0.05}),
    ("second quote margin 0.03 (before the sentences' sparse vectors)", {"SECOND_QUOTE_MARGIN": 0.03}),
    ("sentences' sparse signal off", {"SENTENCE_TERMS_WEIGHT": 0.0}),
    ("span in the neighbour sentence quoted too", {"SPAN_NEIGHBOUR": True}),
]
VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("today (no answer type)", {}),
    ("+ sentence keyword bonus halved", {"SENTENCE_KEYWORD_SHARE": 0.5}),
    ("+ typed sentence bonus 0.04", {"SENTENCE_KEYWORD_SHARE": 0.5, "SENTENCE_TYPE_WEIGHT": 0.04}),
    ("+ typed passage bonus 0.01 (time, number)", {"SENTENCE_KEYWORD_SHARE": 0.5, "SENTENCE_TYPE_WEIGHT": 0.04,
                                                    "PASSAGE_TYPE_WEIGHT": {"time": 0.01, "number": 0.01}}),
    ("+ second quote: neighbour too, margin 0.03", {"SENTENCE_KEYWORD_SHARE": 0.5, "SENTENCE_TYPE_WEIGHT": 0.04,
                                                     "PASSAGE_TYPE_WEIGHT": {"time": 0.01, "number": 0.01},
                                                     "SECOND_QUOTE_MARGIN": 0.03, "NEIGHBOUR_QUOTES": True}),
    ("+ event pairs 0.1, 3 more passages, adjacent focus 0.04 (default)", FINAL),
]  # fmt: skip


def halves(passages: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Passage id → half (0 = A, tuning; 1 = B, held out): every other title in sorted order."""
    titles = sorted({p["title"] for p in passages})
    half = {t: i % 2 for i, t in enumerate(titles)}
    return {p["id"]: half[p["title"]] for p in passages}


DEFAULTS: dict[str, Any] = {
    name: getattr(extractive, name) for name in {*TODAY, "PASSAGE_WEIGHT", "ANSWER_PASSAGES", "SPAN_NEIGHBOUR", "SENTENCE_TERMS_WEIGHT"}
}


def apply(changes: dict[str, Any], base: dict[str, Any] | None = None) -> None:
    for name, value in {**DEFAULTS, **(TODAY if base is None else base), **changes}.items():
        setattr(extractive, name, value)


def cached_queries(embedder: CachedEmbedder, save: bool = False) -> None:
    """Load (or, with `save`, write) the question vectors cached across runs."""
    path = Path(tempfile.gettempdir()) / f"newsbot-tune-queries-{embedder.name.replace('/', '_').replace(':', '_')}.npz"
    if save:
        texts = list(embedder._queries)
        np.savez(path, texts=np.asarray(texts), vectors=np.stack([embedder._queries[t] for t in texts]))
    elif path.exists():
        data = np.load(path)
        for text, vector in zip(data["texts"], data["vectors"], strict=True):
            embedder._queries[str(text)] = vector


def main(directory: str, only_half: str = "A") -> None:
    folder = Path(directory)
    passages = evaluation.read_jsonl(folder / "passages.jsonl")
    questions = evaluation.read_jsonl(folder / "questions.jsonl")
    part = halves(passages)
    wanted = {"A": [0], "B": [1], "AB": [0, 1]}[only_half]
    asked = [q for q in questions if part[q["passage_id"]] in wanted]
    embedder = CachedEmbedder(build_embedder(Settings()), max_items=100_000)
    with tempfile.TemporaryDirectory(prefix="newsbot-tune-") as workdir:
        store = VectorStore(lambda: open_client(None, Path(workdir) / "chroma"), "tune", embedder.name)
        articles = [Article(source=p["id"], title="", paragraphs=(p["text"],), language="de") for p in passages]
        sparse = SparseIndex(Path(workdir) / "sparse")  # the product's default: sparse latent terms on
        indexing.index_articles(articles, embedder, store, IngestReport(), sparse=sparse)
        keywords = KeywordIndex(store, None)
        print(f"{len(asked)} questions of half {only_half}; answer hit / span hit / Recall@1 per half and language")
        print("| variant | half | en R@1 | en answer hit | en span hit | de R@1 | de answer hit | de span hit |")
        print("|---|---|---|---|---|---|---|---|")
        variants: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = []
        if "--history" in sys.argv:
            variants += [(label, changes, None) for label, changes in VARIANTS]
        only = [a.removeprefix("--only=") for a in sys.argv if a.startswith("--only=")]
        variants += [(label, changes, DEFAULTS) for label, changes in STORED if not only or any(o in label for o in only)]
        cached_queries(embedder)
        for label, changes, base in variants:
            apply(changes, base)
            rows = evaluation.question_rows(asked, embedder, store, keywords, sparse=sparse)
            for half in [*wanted, *([2] if len(wanted) > 1 else [])]:  # 2: both halves
                report = evaluation.summarize([r for r in rows if part[r["passage_id"]] == half or half == 2])
                cells = [f"{report[lang][m]:.3f}" for lang in ("en", "de") for m in ("recall@1", "answer_hit", "span_hit")]
                print(f"| {label} | {('A', 'B', 'all')[half]} | " + " | ".join(cells) + " |", flush=True)
            cached_queries(embedder, save=True)
        store.close()


def split_report(directory: str, report_path: str) -> None:
    """Half A and half B of a `newsbot eval --json` report (its per-question rows), per language."""
    passages = evaluation.read_jsonl(Path(directory) / "passages.jsonl")
    part = halves(passages)
    rows = json.loads(Path(report_path).read_text(encoding="utf-8"))["questions"]
    print("| half | en R@1 | en answer hit | en span hit | en answered | de R@1 | de answer hit | de span hit | de answered |")
    print("|---|---|---|---|---|---|---|---|---|")
    for half in (0, 1):
        report = evaluation.summarize([r for r in rows if part[r["passage_id"]] == half])
        cells = [f"{report[lang][m]:.3f}" for lang in ("en", "de") for m in ("recall@1", "answer_hit", "span_hit", "answered")]
        print(f"| {'AB'[half]} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    folder = sys.argv[1] if len(sys.argv) > 1 else "../shared/eval/xquad"
    if len(sys.argv) > 2 and sys.argv[2].endswith(".json"):
        split_report(folder, sys.argv[2])
    else:
        main(folder, sys.argv[2] if len(sys.argv) > 2 and not sys.argv[2].startswith("--") else "AB")
