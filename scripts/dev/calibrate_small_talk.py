"""Calibrate index.retrieval.small_talk for the configured model: how much small talk is refused, and
that no answerable question is.

    .venv/bin/python -m scripts.dev.calibrate_small_talk ../shared/eval/xquad [--set dev|test]

Answerable: XQuAD's English and German questions (all answerable; none may be refused) and the
news questions of tests/data/multilingual_questions.jsonl; small talk: that file's small talk in
14 languages. Tune on `--set dev` (the default); `--set test` reports the held-out half once the
figures are chosen. Prints, for each (similarity, margin), the refused share of each group, and
the largest similarity and margin any answerable question reached.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from index.bootstrap import build_embedder
from index.quality.evaluation import read_jsonl
from index.retrieval import small_talk
from index.settings import Settings

QUESTIONS = Path(__file__).resolve().parents[2] / "tests" / "data" / "multilingual_questions.jsonl"
SIMILARITIES = (0.85, 0.86, 0.87, 0.88, 0.89)
MARGINS = (0.0, 0.03, 0.05, 0.07)


def main(xquad: str, which: str) -> None:
    embedder = build_embedder(Settings())
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r["set"] == which]
    groups = {
        "xquad en": [q["question"] for q in read_jsonl(Path(xquad) / "questions.jsonl") if q["lang"] == "en"],
        "xquad de": [q["question"] for q in read_jsonl(Path(xquad) / "questions.jsonl") if q["lang"] == "de"],
        f"news ({which})": [r["question"] for r in rows if not r["small_talk"]],
        f"small talk ({which})": [r["question"] for r in rows if r["small_talk"]],
    }
    small = embedder.embed_queries(small_talk.SMALL_TALK)
    news = embedder.embed_queries(small_talk.NEWS)
    measured = {name: small_talk.nearness(embedder.embed_queries(questions), small, news) for name, questions in groups.items()}
    print(f"model {embedder.name}; refused share per group")
    print("| similarity | margin | " + " | ".join(groups) + " |")
    print("|---|---|" + "---|" * len(groups))
    for similarity in SIMILARITIES:
        for margin in MARGINS:
            shares = [float(np.mean((s >= similarity) & (m >= margin))) for s, m in measured.values()]
            print(f"| {similarity:.2f} | {margin:.2f} | " + " | ".join(f"{x:.3f}" for x in shares) + " |")
    for name, (nearest, margin_) in measured.items():
        print(f"{name}: n={len(nearest)}, largest similarity {nearest.max():.3f}, largest margin {margin_.max():.3f}")
    for question, s, m in zip(groups[f"small talk ({which})"], *measured[f"small talk ({which})"], strict=True):
        print(f"  {s:.3f} {m:+.3f}  {question}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("xquad")
    parser.add_argument("--set", default="dev", choices=["dev", "test"])
    arguments = parser.parse_args()
    main(arguments.xquad, arguments.set)
