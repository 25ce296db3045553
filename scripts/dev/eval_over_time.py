"""Measure news over time: the newest report quoted first, copies shown once, questions about the past.

    python -m scripts.dev.eval_over_time [--corpus ../shared/corpus/derstandard.jsonl] [--data-dir DIR] [--json]

Indexes the project's own dated set (tests/news_over_time/articles.jsonl: 13 stories
told in three dated reports each, three stories printed by three outlets) mixed into the
corpus (read where it lies, never copied), with the default model and the keyword signal,
and answers every question of questions.jsonl twice in the same run: with index.answers.recency
("after") and with it switched off ("before": its thresholds set out of reach). The store
in DATA_DIR is kept, so a second run embeds nothing. Figures: docs/news-over-time.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import tempfile
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select

from index import service
from index.ingest import indexing
from index.answers import recency
from index.bootstrap import build_cached_embedder, build_store
from index.domain import Answer, Chunk, stable_hash
from index.embedding.embedder import Embedder
from index.quality import evaluation
from index.quality.evaluation import read_jsonl
from index.store.chunk_records import chunk_from_record
from index.store.keyword_index import KeywordIndex
from index.store.vector_store import VectorStore
from index.subscriptions import matching
from index.subscriptions.database import Delivery, Subscription, SubscriptionDB
from index.settings import Settings

SET = Path(__file__).resolve().parents[2] / "tests" / "news_over_time"
TODAY = dt.date(2026, 11, 30)  # the set's articles are dated up to 27 Nov 2026


def article_id(chunk: Chunk) -> str:
    """The set's own id of a chunk's article ("flood-3"), or "" for a corpus article."""
    file, _, record = chunk.source.partition("#")
    return record if file.endswith("articles.jsonl") else ""


@contextlib.contextmanager
def recency_off() -> Iterator[None]:
    """Ranking by similarity alone, as before index.answers.recency: nothing folded, nothing moved or marked."""
    saved = recency.arrange

    def unarranged(passages: Any, vectors: Any, order: Any, question: str, *, scores: Any = None, margin: float = 0.0) -> recency.Arranged:
        return recency.Arranged(list(order), list(passages), None)

    recency.arrange = unarranged
    try:
        yield
    finally:
        recency.arrange = saved


def judge(question: dict[str, Any], answer: Answer) -> dict[str, Any]:
    """One question's row: what the answer quoted first and how it showed the story's reports."""
    first = article_id(answer.passages[answer.quotes[0].passage].chunk) if answer.found else None
    row: dict[str, Any] = {"question": question["question"], "language": question["language"], "first": first}
    shown = [(article_id(p.chunk), p) for p in answer.passages]
    if "newest" in question:
        story = question["story"]
        row["kind"] = "newest"
        row["hit"] = first == question["newest"]
        older = [p for a, p in shown if a.startswith(story + "-") and a != question["newest"]]
        row["older_shown"] = len(older)
        row["older_marked"] = sum(p.earlier for p in older)
    elif "past" in question:
        row["kind"] = "past"
        row["hit"] = first == question["past"]
    else:
        outlets = set(question["outlets"])
        row["kind"] = "outlets"
        holding = [p for a, p in shown if a in outlets]  # passages of the story shown on their own
        named = {article_id(c) for p in holding for c in (p.chunk, *p.also)} & outlets
        row["passages_of_story"] = len(holding)
        row["outlets_named"] = len(named)
        row["hit"] = len({article_id(p.chunk) for p in holding}) == 1 and named == outlets
    row["stale_days"] = answer.stale_days
    return row


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in ("newest", "past", "outlets"):
        chosen = [r for r in rows if r["kind"] == kind]
        out[kind] = {"questions": len(chosen), "hits": sum(bool(r["hit"]) for r in chosen)}
        for language in ("en", "de"):
            part = [r for r in chosen if r["language"] == language]
            out[kind][language] = f"{sum(bool(r['hit']) for r in part)}/{len(part)}"
    newest = [r for r in rows if r["kind"] == "newest"]
    out["newest"]["older_shown"] = sum(r["older_shown"] for r in newest)
    out["newest"]["older_marked"] = sum(r["older_marked"] for r in newest)
    out["stale_answers"] = sum(r["stale_days"] is not None for r in rows)
    return out


def similarities(store: VectorStore, corpus_sample: int = 1500) -> dict[str, Any]:
    """Cosines between the stored vectors of the set's paragraphs, by relation, and how many corpus pairs pass the thresholds.

    Relations: copies (other outlets of one story, the same figures, "-a/-b/-c" ids), same-language or not;
    reports of one story on other dates ("-1/-2/-3" ids, first paragraphs); unrelated (other stories).
    """
    rows: list[tuple[Chunk, np.ndarray]] = []
    corpus: list[np.ndarray] = []
    for page in store.pages(["documents", "metadatas", "embeddings"]):
        for text, meta, vec in zip(page["documents"], page["metadatas"], page["embeddings"], strict=True):
            chunk = chunk_from_record(text, meta)
            if article_id(chunk):
                rows.append((chunk, np.asarray(vec, dtype=np.float32)))
            elif len(corpus) < corpus_sample:
                corpus.append(np.asarray(vec, dtype=np.float32))
    relations: dict[str, list[float]] = {"copy, same language": [], "copy, other language": [], "same story, other date (¶1)": [], "unrelated": []}
    for (a, va), (b, vb) in itertools.combinations(rows, 2):
        ida, idb = article_id(a), article_id(b)
        if ida == idb:
            continue
        story_a, _, part_a = ida.rpartition("-")
        story_b, _, part_b = idb.rpartition("-")
        cos = float(va @ vb)
        if story_a != story_b:
            relations["unrelated"].append(cos)
        elif part_a.isalpha() and a.paragraph == b.paragraph:
            relations["copy, same language" if a.language == b.language else "copy, other language"].append(cos)
        elif part_a.isdigit() and a.paragraph == b.paragraph == 1:
            relations["same story, other date (¶1)"].append(cos)
    out: dict[str, Any] = {
        name: {"pairs": len(v), "min": round(min(v), 3), "median": round(float(np.median(v)), 3), "max": round(max(v), 3)}
        for name, v in relations.items() if v
    }
    if corpus:
        matrix = np.stack(corpus)
        pairs = matrix @ matrix.T
        upper = pairs[np.triu_indices(len(corpus), 1)]
        out["corpus paragraph pairs"] = {"pairs": int(upper.size), **{f">= {t}": int((upper >= t).sum()) for t in (0.89, 0.95)}}
    return out


def novelty(store: VectorStore) -> dict[str, Any]:
    """For each ordered pair of the set's articles of one story (the later one new): the novelty of the
    new one, its sentences' lowest best cosine with the earlier one's sentences (the vectors stored at
    ingest), by relation: the threshold of index.subscriptions.stories.novel_sentences lies between."""
    sentences: dict[str, list[tuple[np.ndarray, str | None]]] = {}
    dates: dict[str, str] = {}
    chunks: list[tuple[str, Chunk, np.ndarray]] = []
    for page in store.pages(["documents", "metadatas", "embeddings"]):
        for chunk_id, text, meta, vec in zip(page["ids"], page["documents"], page["metadatas"], page["embeddings"], strict=True):
            chunk = chunk_from_record(text, meta)
            if article_id(chunk):
                chunks.append((chunk_id, chunk, np.asarray(vec, dtype=np.float32)))
    stored = store.sentence_vectors([chunk_id for chunk_id, _, _ in chunks])
    for chunk_id, chunk, vec in sorted(chunks, key=lambda row: row[1].position):
        own = article_id(chunk)
        dates[own] = chunk.published or ""
        found = stored.get(chunk_id)
        rows = [(v, chunk.language) for v in found.vectors] if found is not None else [(vec, chunk.language)]
        sentences.setdefault(own, []).extend(rows)
    relations: dict[str, list[float]] = {"copy, same language": [], "copy, other language": [], "later report": []}
    for a, b in itertools.permutations(sorted(sentences), 2):
        if a.rpartition("-")[0] != b.rpartition("-")[0] or (dates[b], b) < (dates[a], a):
            continue  # b is the new one: later (or the same day, later id)
        new, old = sentences[b], sentences[a]
        lowest = float((np.stack([v for v, _ in new]) @ np.stack([v for v, _ in old]).T).max(axis=1).min())
        if a.rpartition("-")[2].isalpha():
            relations["copy, same language" if new[0][1] == old[0][1] else "copy, other language"].append(lowest)
        else:
            relations["later report"].append(lowest)
    return {name: {"pairs": len(v), "min": round(min(v), 3), "max": round(max(v), 3)} for name, v in relations.items() if v}


def stories_at_ingest(store: VectorStore) -> dict[str, Any]:
    """How ingest grouped articles into stories (index.ingest.story_ids): for the set, each story's
    articles and the story ids they got (copies "-a/-b/-c" should share one; reports "-1/-2/-3" may);
    for the corpus, how many articles joined another's story, with a few such pairs' titles to read."""
    story_of: dict[str, str | None] = {}
    titles: dict[str, str] = {}
    set_ids: dict[str, str] = {}
    for page in store.pages(["metadatas", "documents"]):
        for text, meta in zip(page["documents"], page["metadatas"], strict=True):
            chunk = chunk_from_record(text, meta)
            story_of[chunk.article_id] = chunk.story
            titles[chunk.article_id] = chunk.title
            if article_id(chunk):
                set_ids[chunk.article_id] = article_id(chunk)
    groups: dict[str, dict[str, str | None]] = {}
    for stored_id, own in set_ids.items():
        groups.setdefault(own.rpartition("-")[0], {})[own] = story_of[stored_id]
    copies: dict[str, str] = {}
    reports: dict[str, str] = {}
    for story, members in sorted(groups.items()):
        distinct = len(set(members.values()))
        (copies if all(m.rpartition("-")[2].isalpha() for m in members) else reports)[story] = f"{len(members)} articles, {distinct} story ids"
    corpus = [a for a in story_of if a not in set_ids]
    joined = [a for a in corpus if story_of[a] not in (None, a)]
    examples = [f"{titles[a][:70]!r} -> {titles.get(str(story_of[a]), '?')[:70]!r}" for a in joined[:8]]
    wrongly = [set_ids[a] for a in set_ids if story_of[a] not in set_ids and story_of[a] not in (None, a)]
    return {
        "copies (one story id each is right)": copies,
        "changing stories (three reports)": reports,
        "set articles joined to a corpus article": wrongly,
        "corpus articles": len(corpus),
        "corpus articles joined to another's story": len(joined),
        "examples": examples,
    }


def subscription_posts(store: VectorStore, embedder: Embedder, min_score: float, folder: Path) -> dict[str, Any]:
    """Each story followed by one chat (its English question as topic); the set's articles arrive one
    publication date at a time, oldest first; what each chat was sent: posts of its story (first + updates), others."""
    db = SubscriptionDB(f"sqlite:///{(folder / 'subscriptions.db').resolve()}")
    db.migrate()
    questions = [q for q in read_jsonl(SET / "questions.jsonl") if q["language"] == "en" and "past" not in q]
    chats = {}
    for number, question in enumerate(questions, start=1):
        db.add(Subscription(chat_id=number, topic=question["question"], language="en"))
        chats[number] = question["story"]
    records = read_jsonl(SET / "articles.jsonl")
    path = str(SET / "articles.jsonl")
    by_date: dict[str, list[str]] = {}
    for record in records:
        by_date.setdefault(record["published"], []).append(stable_hash(f"{path}#{record['id']}"))
    story_of = {stable_hash(f"{path}#{r['id']}"): r["id"].rpartition("-")[0] for r in records}
    for day, ids in sorted(by_date.items()):
        now = dt.datetime.fromisoformat(day).replace(hour=12, tzinfo=dt.timezone.utc)
        matching.queue_matches(ids, store, embedder, db, min_score=min_score, now=now)
    rows: dict[str, dict[str, int]] = {}
    with db.session() as session:
        for delivery in session.scalars(select(Delivery)):
            story = chats[delivery.chat_id]
            row = rows.setdefault(story, {"first posts": 0, "updates": 0, "other stories": 0, "reports": 0})
            if story_of[delivery.article_id] != story:
                row["other stories"] += 1
            else:
                row["updates" if delivery.story_of else "first posts"] += 1
    for story in chats.values():
        rows.setdefault(story, {"first posts": 0, "updates": 0, "other stories": 0, "reports": 0})["reports"] = sum(
            1 for r in records if r["id"].rpartition("-")[0] == story
        )
    db.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="../shared/corpus/derstandard.jsonl", help="articles to mix the set into ('' for none)")
    parser.add_argument("--data-dir", type=Path, default=Path("data/eval-over-time"), help="where the store is kept between runs")
    parser.add_argument("--json", action="store_true", help="print every question's row as JSON too")
    parser.add_argument("--similarities", action="store_true", help="print the cosines between the set's paragraphs by relation")
    parser.add_argument("--subscriptions", action="store_true", help="also: one chat per story follows it, articles arrive by date")
    parser.add_argument("--xquad", type=Path, help="instead: an XQuAD-style directory, evaluated with recency off and on (R@1 per language)")
    args = parser.parse_args(argv)
    settings = Settings(_env_file=None, data_dir=args.data_dir)
    embedder = build_cached_embedder(settings)
    if args.xquad:
        ranks = {}
        for label in ("before", "after"):
            with recency_off() if label == "before" else contextlib.nullcontext():
                measured = evaluation.evaluate(args.xquad, embedder, sources=[], k=settings.top_k, min_score=settings.min_score)
            keys = ("questions", "recall@1", "recall@5", "answer_hit")
            print(label, json.dumps({lang: {key: measured[lang][key] for key in keys} for lang in ("en", "de") if lang in measured}))
            ranks[label] = [row["rank"] for row in measured["questions"]]
        print("questions whose gold passage's rank changed:", sum(a != b for a, b in zip(ranks["before"], ranks["after"], strict=True)))
        return 0
    store = build_store(settings, embedder.name)
    keywords = KeywordIndex(store, settings.data_dir / "keywords")
    sources = [str(SET / "articles.jsonl"), *([args.corpus] if args.corpus else [])]
    started = time.monotonic()
    report = indexing.ingest(sources, embedder, store)
    print(f"indexed {report.articles} articles ({report.chunks_added} paragraphs embedded) in {time.monotonic() - started:.0f} s", file=sys.stderr)
    questions = read_jsonl(SET / "questions.jsonl")
    if args.similarities:
        print("similarities", json.dumps(similarities(store), ensure_ascii=False, indent=1))
        print("novelty of a later article (lowest best sentence cosine)", json.dumps(novelty(store), ensure_ascii=False))
    print("stories at ingest", json.dumps(stories_at_ingest(store), ensure_ascii=False, indent=1))
    if args.subscriptions:
        with tempfile.TemporaryDirectory(prefix="newsbot-subs-") as folder:
            posts = subscription_posts(store, embedder, settings.subscription_min_score, Path(folder))
        print("subscription posts per story chat", json.dumps(posts, ensure_ascii=False))
    results: dict[str, Any] = {}
    for label in ("before", "after"):
        context = recency_off() if label == "before" else contextlib.nullcontext()
        rows = []
        with context:
            for question in questions:
                answer = service.answer_question(
                    question["question"], embedder, store, k=settings.top_k, min_score=settings.min_score,
                    keywords=keywords, stale_after_days=settings.stale_after_days, today=TODAY,
                )  # fmt: skip
                rows.append(judge(question, answer))
        results[label] = {"summary": summary(rows), "rows": rows}
    store.close()
    for label in ("before", "after"):
        print(label, json.dumps(results[label]["summary"], ensure_ascii=False))
    if args.json:
        print(json.dumps({label: results[label]["rows"] for label in results}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
