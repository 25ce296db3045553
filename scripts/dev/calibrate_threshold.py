"""Calibrate NEWSBOT_MIN_SCORE: how many answerable questions keep an answer, how many others are refused.

    .venv/bin/python -m scripts.dev.calibrate_threshold ../shared/eval/xquad ../shared/corpus/derstandard.jsonl

The index is XQuAD's 240 German passages plus paragraphs of the German news corpus.
An answerable question is an XQuAD question with its article in the index; the same
question becomes unanswerable when the five passages of its article are taken out.
For each threshold it prints the share of answerable questions still answered and of
unanswerable ones refused, per question language, on the cross-language scale that
index.answers.extractive uses (same-language scores lowered by SAME_LANGUAGE_OFFSET); a second
table adds the other refusals of index.service.answer_question: small talk (by words or meaning), and questions whose
top three passages lack the question's names or content words (answering.lacks_focus).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from index.retrieval import language, small_talk
from index.answers.extractive import SAME_LANGUAGE_OFFSET, lacks_focus
from index.domain import Chunk, Passage
from index.retrieval.questions import analyze
from index.quality.benchmark import load_corpus
from index.bootstrap import build_embedder
from index.quality.evaluation import read_jsonl
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
    texts = [p["text"] for p in passages] + news
    answerable: dict[str, list[float]] = {"en": [], "de": []}
    unanswerable: dict[str, list[float]] = {"en": [], "de": []}
    # whether small talk or the focus check refuses the question (with / without its article)
    other_refusal: dict[str, list[tuple[bool, bool]]] = {"en": [], "de": []}
    for vector, question in zip(qv, questions, strict=True):
        # All indexed text is German: same-language scores move to the cross-language scale.
        question_language = language.detect(question["question"])
        offset = SAME_LANGUAGE_OFFSET if question_language == "de" else 0.0
        scores = everything @ vector - offset
        keep = np.ones(len(everything), dtype=bool)
        keep[: len(passages)] = titles != titles[index[question["passage_id"]]]
        answerable[question["lang"]].append(float(scores.max()))
        unanswerable[question["lang"]].append(float(scores[keep].max()))
        analysis = analyze(question["question"], question_language)
        chatter = analysis.small_talk or small_talk.recognised(vector, embedder)  # by words, or by meaning
        refused = []
        for allowed in (np.ones(len(everything), dtype=bool), keep):
            top = [int(i) for i in np.argsort(-np.where(allowed, scores, -np.inf))[:3]]
            shown = [Passage(Chunk("x", 0, 1, texts[i], "", str(i), language="de"), float(scores[i])) for i in top]
            refused.append(chatter or lacks_focus(analysis, shown))
        other_refusal[question["lang"]].append((refused[0], refused[1]))
    print(f"{len(passages)} XQuAD passages + {len(news)} news paragraphs; model {embedder.name}")
    for title, with_focus in (("threshold only", False), ("threshold, small talk and focus check (as answers are made)", True)):
        print(f"\n{title}\n")
        print("| threshold | en: answerable kept | en: unanswerable refused | de: answerable kept | de: unanswerable refused |")
        print("|---|---|---|---|---|")
        for threshold in THRESHOLDS:
            cells = []
            for lang in ("en", "de"):
                focus_a = np.array([r[0] for r in other_refusal[lang]]) & with_focus
                focus_u = np.array([r[1] for r in other_refusal[lang]]) & with_focus
                kept = np.mean((np.array(answerable[lang]) >= threshold) & ~focus_a)
                declined = np.mean((np.array(unanswerable[lang]) < threshold) | focus_u)
                cells += [f"{kept:.3f}", f"{declined:.3f}"]
            print(f"| {threshold:.2f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(
        sys.argv[1] if len(sys.argv) > 1 else "../shared/eval/xquad",
        sys.argv[2] if len(sys.argv) > 2 else "../shared/corpus/derstandard.jsonl",
    )
