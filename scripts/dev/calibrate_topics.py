"""How the subscription threshold was chosen: broad topics against the corpus's categories.

    .venv/bin/python -m scripts.dev.calibrate_topics [--articles 300]

For each topic (German and English wordings of a corpus category), an article
"matches" when its best paragraph reaches the threshold. Recall = share of the
category's articles that match; false = share of other articles that match.
Broad topics are the hard case; specific ones ("Zölle auf Stahl") separate better.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from index.retrieval import language
from index.bootstrap import build_embedder
from index.ingest.loading import record_to_article
from index.settings import Settings
from index.ingest.splitting import chunk_article
from index.subscriptions.topics import SAME_LANGUAGE_OFFSET

CORPUS = Path("../shared/corpus/derstandard.jsonl")
TOPICS = {
    "Sport": ["Fußball", "Sport", "football results"],
    "Wirtschaft": ["Börse und Aktienkurse", "Wirtschaft", "economy and inflation"],
    "Wissenschaft": ["Wissenschaft und Forschung", "scientific research"],
    "Web": ["Internet und Technologie", "smartphones and apps"],
    "Inland": ["österreichische Innenpolitik", "Austrian politics"],
    "International": ["internationale Politik", "war and diplomacy"],
}
THRESHOLDS = (0.77, 0.78, 0.79, 0.80, 0.81)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    args = parser.parse_args()
    records = [r for r in map(json.loads, CORPUS.read_text(encoding="utf-8").splitlines()) if r.get("text", "").strip()]
    records = records[: args.articles]
    embedder = build_embedder(Settings())
    articles = [record_to_article(r, str(i), str(CORPUS), i)[0] for i, r in enumerate(records)]
    chunks = [chunk_article(a, embedder.max_tokens, embedder.count_tokens) for a in articles]
    vectors = embedder.embed_passages([c.text for cs in chunks for c in cs])
    bounds = np.cumsum([0] + [len(cs) for cs in chunks])
    categories = np.array([r["category"] for r in records])
    print("| topic | " + " | ".join(f"{t:.2f}" for t in THRESHOLDS) + " |")
    print("|---|" + "---|" * len(THRESHOLDS))
    for category, wordings in TOPICS.items():
        for topic in wordings:
            query = embedder.embed_query(topic)
            same = SAME_LANGUAGE_OFFSET if language.closest(topic) == "de" else 0.0  # as index.subscriptions.matching does
            best = np.array([float((vectors[bounds[i] : bounds[i + 1]] @ query).max()) - same for i in range(len(articles))])
            inside = categories == category
            cells = [f"{(best[inside] >= t).mean():.2f} / {(best[~inside] >= t).mean():.2f}" for t in THRESHOLDS]
            print(f"| {topic} ({category}) | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
