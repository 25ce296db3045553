"""Tune the keyword weight on one half of XQuAD (split by article) and report both halves.

    .venv/bin/python -m scripts.dev.tune_retrieval ../shared/eval/xquad

Embeddings are computed once with the configured model and cached next to the
data directory, so trying weights takes seconds. The numbers go to docs/retrieval.md.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from index.retrieval import keywords
from index.retrieval import language
from index.bootstrap import build_embedder
from index.settings import Settings

CANDIDATES = 30
WEIGHTS = [0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3]


def read_jsonl(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(directory: str) -> None:
    folder = Path(directory)
    passages, questions = read_jsonl(folder / "passages.jsonl"), read_jsonl(folder / "questions.jsonl")
    settings = Settings()
    embedder = build_embedder(settings)
    cache = settings.data_dir / f"tune-{folder.name}-{embedder.name.replace('/', '_').replace(':', '_')}.npz"
    if cache.exists():
        saved = np.load(cache)
        pv, qv = saved["passages"], saved["questions"]
    else:
        pv = embedder.embed_passages([p["text"] for p in passages])
        qv = np.stack([embedder.embed_query(q["question"]) for q in questions])
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, passages=pv, questions=qv)

    ids = {p["id"]: i for i, p in enumerate(passages)}
    titles = sorted({p["title"] for p in passages})
    half = {t: i % 2 for i, t in enumerate(titles)}
    docs = [(p["text"], "de") for p in passages]
    stats = keywords.TermStats.build(docs)
    dense = qv @ pv.T
    rows: dict[tuple[str, int, float], list[int]] = {}
    for qi, question in enumerate(questions):
        q_language = language.detect(question["question"])
        top = np.argsort(-dense[qi])[:CANDIDATES]
        candidates = [docs[i] for i in top]
        gold = ids[question["passage_id"]]
        part = half[passages[gold]["title"]]
        for weight in WEIGHTS:
            bonus = keywords.keyword_bonus(
                question["question"], q_language, candidates, stats, same_weight=weight, cross_weight=weight
            )
            fused = dense[qi, top] + np.array(bonus)
            best = int(top[int(np.argmax(fused))])
            rows.setdefault((question["lang"], part, weight), []).append(int(best == gold))
    print(f"Recall@1 on XQuAD ({len(passages)} passages), dense top-{CANDIDATES} reranked by cosine + keyword bonus")
    print("(German questions: BM25 of all words; English questions: BM25 of their numbers and names only)")
    print("| question language | weight | tuning half (A) | held-out half (B) |")
    print("|---|---|---|---|")
    for lang in ("en", "de"):
        for weight in WEIGHTS:
            a, b = (np.mean(rows[(lang, part, weight)]) for part in (0, 1))
            print(f"| {lang} | {weight:.2f} | {a:.3f} | {b:.3f} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/eval/xquad")
