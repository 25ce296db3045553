"""What one new article costs to check against N watched questions.

    .venv/bin/python -m scripts.dev.bench_watches ../shared/eval/xquad [--watches 1000,10000] [--model NAME]

The XQuAD paragraphs (read where they lie) are indexed, all but one: that one is the
new article. Its questions, and `--questions` other XQuAD questions drawn at random
(both languages), are the watched questions, repeated to fill N watches in a real (SQLite) subscription database,
each with its question vector stored as /watch stores it. Then the new article is
indexed and `index.subscriptions.watching.prefilter` runs once per N, as a feed poll's check does:
it reads the watches' and the article's vectors and keeps the watches the article could
bear on (one matrix product); those are asked again through the normal answer path.

The pre-filter is timed in full (reading the watches' vectors and the article's, the
product); asking again is timed on a sample of the watches it keeps (`--sample`), and the
check in all is the pre-filter plus that many questions at that mean time. The baseline,
measured in the same run, is the check without the pre-filter: every watch asked again
(N × the mean time of one question). A table per margin below NEWSBOT_MIN_SCORE shows,
with each XQuAD paragraph in turn as the new article, how many watches get through
(pass rate) and how many of the questions about that paragraph do (recall).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from index import bootstrap
from index.ingest import indexing
from index.subscriptions import watch_db, watches, watching
from index.domain import Article, IngestReport
from index.quality.evaluation import read_jsonl
from index.settings import Settings
from index.subscriptions.database import SubscriptionDB, Watch

NEW_ARTICLE = "xquad-de-0"  # its questions should get through the pre-filter


def articles(directory: Path) -> list[Article]:
    return [
        Article(source=f"xquad:{row['id']}", title=row["title"].replace("_", " "), paragraphs=(row["text"],), language="de", origin="xquad")
        for row in read_jsonl(directory / "passages.jsonl")
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path, help="an XQuAD-style folder: passages.jsonl and questions.jsonl")
    parser.add_argument("--watches", default="1000,10000", help="comma-separated numbers of watches")
    parser.add_argument("--questions", type=int, default=600, help="questions besides the new article's, drawn at random from both languages")
    parser.add_argument("--sample", type=int, default=20, help="questions asked again to time one (of those the pre-filter keeps)")
    parser.add_argument("--model", default=None, help="embedding model (default NEWSBOT_EMBEDDING_MODEL's default)")
    args = parser.parse_args()
    counts = [int(n) for n in args.watches.split(",")]
    with tempfile.TemporaryDirectory() as workdir:
        values: dict[str, object] = {"data_dir": Path(workdir) / "data"}
        if args.model:
            values["embedding_model"] = args.model
        defaults = Settings()  # the model cache of this checkout (NEWSBOT_MODELS_DIR)
        settings = Settings(_env_file=None, models_dir=defaults.models_dir, **values)  # type: ignore[arg-type]
        built = bootstrap.build(settings, write=True)
        try:
            run(built, settings, args.directory, counts, Path(workdir), args.sample, args.questions)
        finally:
            built.close()


def run(
    built: bootstrap.Services, settings: Settings, directory: Path, counts: list[int], workdir: Path, sample_size: int, question_count: int
) -> None:
    everything = articles(directory)
    new = next(a for a in everything if a.source == f"xquad:{NEW_ARTICLE}")
    started = time.perf_counter()
    indexing.index_articles([a for a in everything if a is not new], built.embedder, built.store, IngestReport())
    print(f"indexed {len(everything) - 1} paragraphs in {time.perf_counter() - started:.0f} s", flush=True)
    rows = read_jsonl(directory / "questions.jsonl")
    # The new article's questions, and a random share of the others (embedding all takes long on a busy machine).
    others = [row for row in rows if row["passage_id"] != NEW_ARTICLE]
    random.Random(0).shuffle(others)
    chosen = [row for row in rows if row["passage_id"] == NEW_ARTICLE] + others[: max(0, question_count)]
    questions = [row["question"] for row in chosen]
    about_new = sum(1 for row in chosen if row["passage_id"] == NEW_ARTICLE)
    embedder = built.query_embedder()
    started = time.perf_counter()
    vectors = [watches.vector_bytes(embedder.embed_query(q)) for q in questions]
    print(f"embedded {len(questions)} questions in {time.perf_counter() - started:.0f} s ({about_new} about the new article)", flush=True)
    report = IngestReport()
    indexing.index_articles([new], built.embedder, built.store, report)
    threshold = settings.min_score - settings.watch_prefilter_margin
    calibrate(built, directory, everything, chosen, watches.vectors_from(vectors, embedder.dimension), settings.min_score)
    results = []
    for count in counts:
        db = SubscriptionDB(f"sqlite:///{workdir / f'watches-{count}.db'}")
        db.migrate()
        order = list(range(len(questions)))
        random.Random(count).shuffle(order)
        picked = [order[i % len(order)] for i in range(count)]
        with db.session() as session:
            session.add_all(
                Watch(chat_id=1 + i, question=questions[q], language="en", vector=vectors[q], model=embedder.name)
                for i, q in enumerate(picked)
            )
        started = time.perf_counter()
        candidates, _, _ = watching.prefilter(report.new_articles, built.store, embedder, db, threshold)
        prefilter_seconds = time.perf_counter() - started
        started = time.perf_counter()  # the first version read whole rows (question, answer, …) of every watch
        whole = watch_db.active(db)
        watches.bearing(watches.vectors_from([w.vector or b"" for w in whole], embedder.dimension), np.zeros((1, embedder.dimension), np.float32), 1)
        whole_rows_seconds = time.perf_counter() - started
        sample = candidates[:sample_size]
        started = time.perf_counter()
        for watch in sample:
            built.answer(watch.question)
        per_question = (time.perf_counter() - started) / max(len(sample), 1)
        results.append((count, prefilter_seconds, whole_rows_seconds, len(candidates), per_question))
        db.close()
    print(f"\nthreshold {threshold:.2f} (NEWSBOT_MIN_SCORE {settings.min_score} − NEWSBOT_WATCH_PREFILTER_MARGIN {settings.watch_prefilter_margin})")
    print("| watches | pre-filter | per 1,000 watches | reading whole rows instead | asked again | one question | check in all | all asked (no pre-filter) | ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    for count, prefilter_seconds, whole_rows_seconds, asked, per_question in results:
        total = prefilter_seconds + asked * per_question
        baseline = count * per_question
        print(
            f"| {count:,} | {prefilter_seconds * 1000:.0f} ms | {prefilter_seconds * 1e6 / count:.1f} ms | {whole_rows_seconds * 1000:.0f} ms | "
            f"{asked} ({asked / count:.1%}) | {per_question * 1000:.0f} ms | {total:.1f} s | {baseline:.0f} s | {total / baseline:.3f} |"
        )


def calibrate(
    built: bootstrap.Services, directory: Path, everything: list[Article], chosen: list[dict[str, Any]], questions: np.ndarray, min_score: float
) -> None:
    """Each XQuAD paragraph in turn as the new article: how many watches the pre-filter lets through (pass rate),
    and how many of the questions about that paragraph it keeps (recall), per margin below NEWSBOT_MIN_SCORE."""
    stored = built.store.article_chunks([a.id for a in everything])
    # questions × articles: each question's best chunk of each article (an XQuAD paragraph is one chunk or two)
    scores = np.stack([(questions @ stored[a.id].vectors.T).max(axis=1) for a in everything], axis=1)
    column = {f"xquad:{row['id']}": n for n, row in enumerate(read_jsonl(directory / "passages.jsonl"))}
    own = np.array([column[f"xquad:{row['passage_id']}"] for row in chosen])
    own_scores = scores[np.arange(len(own)), own]
    print("\n| margin | threshold | pass rate (all watches, per new paragraph) | recall (questions about it) |")
    print("|---|---|---|---|")
    for margin in (0.0, 0.02, 0.04, 0.06, 0.08, 0.10):
        threshold = min_score - margin
        print(f"| {margin:.2f} | {threshold:.2f} | {(scores >= threshold).mean():.1%} | {(own_scores >= threshold).mean():.3f} |")


if __name__ == "__main__":
    main()
