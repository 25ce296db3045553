"""Calibrate NEWSBOT_MIN_SCORE: how many answerable questions keep an answer, how many others are refused.

    .venv/bin/python -m scripts.calibrate_threshold ../shared/eval/xquad ../shared/corpus/derstandard.jsonl

The index is XQuAD's 240 German passages plus paragraphs of the German news corpus.
An answerable question is an XQuAD question with its article in the index; the same
question becomes unanswerable when the five passages of its article are taken out.
For each threshold it prints the share of answerable questions still answered and of
unanswerable ones refused, per question language, on the cross-language scale that
index.answering uses (same-language scores lowered by SAME_LANGUAGE_OFFSET).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from index import language
from index.answering import SAME_LANGUAGE_OFFSET
from index.benchmark import load_corpus
from index.bootstrap import build_embedder
from index.evaluation import read_jsonl
from index.settings import Settings

NEWS_PARAGRAPHS = 3000
THRESHOLDS = [round(0.74 + 0.01 * i, 2) for i in range(12)]


def main(xquad: str, corpus: str) -> None:
    passages = read_jsonl(Path(xquad) / "passages.jsonl")
    questions = read_jsonl(Path(xquad) / "questions.jsonl")
    news = [p for a in load_corpus(Path(corpus)) for p in a.paragraphs][:NEWS_PARAGRAPHS]
    settings = Settings()
    embedder = build_embedder(settings)
    cache = settings.data_dir / f"calibrate-{embedder.name.replace('/', '_').replace(':', '_')}.npz"
    if cache.exists():
        saved = np.load(cache)
        pv, nv, qv = saved["passages"], saved["news"], saved["questions"]
    else:
        pv = embedder.embed_passages([p["text"] for p in passages])
        nv = embedder.embed_passages(news)
        qv = np.stack([embedder.embed_query(q["question"]) for q in questions])
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, passages=pv, news=nv, questions=qv)

    index = {p["id"]: i for i, p in enumerate(passages)}
    titles = np.array([p["title"] for p in passages])
    everything = np.vstack([pv, nv])
    answerable: dict[str, list[float]] = {"en": [], "de": []}
    unanswerable: dict[str, list[float]] = {"en": [], "de": []}
    for vector, question in zip(qv, questions, strict=True):
        # All indexed text is German: same-language scores move to the cross-language scale.
        offset = SAME_LANGUAGE_OFFSET if language.detect(question["question"]) == "de" else 0.0
        scores = everything @ vector - offset
        keep = np.ones(len(everything), dtype=bool)
        keep[: len(passages)] = titles != titles[index[question["passage_id"]]]
        answerable[question["lang"]].append(float(scores.max()))
        unanswerable[question["lang"]].append(float(scores[keep].max()))
    print(f"{len(passages)} XQuAD passages + {len(news)} news paragraphs; model {embedder.name}")
    print("| threshold | en: answerable kept | en: unanswerable refused | de: answerable kept | de: unanswerable refused |")
    print("|---|---|---|---|---|")
    for threshold in THRESHOLDS:
        cells = []
        for lang in ("en", "de"):
            kept = np.mean(np.array(answerable[lang]) >= threshold)
            refused = np.mean(np.array(unanswerable[lang]) < threshold)
            cells += [f"{kept:.3f}", f"{refused:.3f}"]
        print(f"| {threshold:.2f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(
        sys.argv[1] if len(sys.argv) > 1 else "../shared/eval/xquad",
        sys.argv[2] if len(sys.argv) > 2 else "../shared/corpus/derstandard.jsonl",
    )
