"""New articles in, posts about changed answers of watched questions out (the outbox sends them).

`check_new_articles` runs wherever new articles are indexed (a feed poll, `/ingest`,
`newsbot ingest`): one matrix product of every active watch's question vector against
the new paragraphs' vectors picks the watches the articles could bear on; each of those
is asked again through the normal answer path, and when its answer now quotes one of the
new articles (the best sentence, or one nearly as good) and says something else (index.subscriptions.watches.changed), a post is queued
in the subscription outbox and the new answer becomes the one remembered.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from index.subscriptions import watch_db, watches
from index.domain import Answer
from index.embedding.embedder import Embedder
from index.errors import NewsbotError
from index.store.vector_store import VectorStore
from index.subscriptions.database import SubscriptionDB, Watch

log = logging.getLogger(__name__)


@dataclass
class WatchCheck:
    """What one check did: watches in all, how many the pre-filter let through, posts queued, and seconds spent
    on the pre-filter (reading the watches and the new paragraphs' vectors, the product) and on asking again."""

    watches: int = 0
    asked: int = 0
    queued: int = 0
    prefilter_seconds: float = 0.0
    asking_seconds: float = 0.0


def post_for(watch: Watch, new: watches.WatchedAnswer, old: watches.WatchedAnswer | None) -> dict[str, object]:
    """What a watch's post shows: the question, the new answer with its source, and the one before."""
    return {"question": watch.question, "answer": new.to_json(), "before": old.to_json() if old is not None else None}


def prefilter(
    article_ids: Sequence[str], store: VectorStore, embedder: Embedder, db: SubscriptionDB, threshold: float
) -> tuple[list[Watch], int, set[str]]:
    """(the active watches some new paragraph comes within `threshold` of, how many watches there are, the new articles found).

    Reads only the watches' ids and vectors; a watch stored without a vector, or with
    one from another model, is embedded now and saved.
    """
    rows = watch_db.vectors(db)
    if not rows:
        return [], 0, set()
    articles = store.article_chunks(list(article_ids))
    if not articles:
        return [], len(rows), set()
    blobs: list[bytes] = []
    for watch_id, vector, model in rows:
        if vector is None or model != embedder.name:
            watch = watch_db.get(db, watch_id)
            vector = watches.vector_bytes(embedder.embed_query(watch.question if watch else ""))
            watch_db.set_vector(db, watch_id, vector, embedder.name)
        blobs.append(vector)
    paragraphs = np.concatenate([a.vectors for a in articles.values()])
    close = watches.bearing(watches.vectors_from(blobs, embedder.dimension), paragraphs, threshold)
    return watch_db.by_ids(db, [rows[i][0] for i in close]), len(rows), set(articles)


def check_new_articles(
    article_ids: Sequence[str],
    store: VectorStore,
    embedder: Embedder,
    ask: Callable[[str], Answer],
    db: SubscriptionDB,
    *,
    threshold: float,
    now: datetime,
) -> WatchCheck:
    """Ask again the watched questions the new articles could bear on; queue a post where the answer changed.

    `article_ids`: the articles new to the index (not checked before); `threshold`: the
    cosine a new paragraph needs to a question for it to be asked again; `ask`: the normal
    answer path (Services.ask). A watch whose question fails (the store is away) is skipped
    and logged; the others go on.
    """
    result = WatchCheck()
    if not article_ids:
        return result
    started = time.perf_counter()
    candidates, result.watches, articles = prefilter(article_ids, store, embedder, db, threshold)
    result.prefilter_seconds = time.perf_counter() - started
    result.asked = len(candidates)
    started = time.perf_counter()
    answers: dict[str, Answer] = {}  # watches of the same question: asked once
    for watch in candidates:
        try:
            answer = answers.get(watch.question) or ask(watch.question)
        except NewsbotError as error:
            log.warning("watched question #%d not asked again: %s", watch.id, error)
            continue
        answers[watch.question] = answer
        new = watches.remembered(answer, among=articles)
        if new is None:
            continue  # no new article is quoted in the answer: nothing to tell
        old = watch_db.answer_of(watch)
        if old is not None and not watches.changed(old, new):
            continue
        if watch_db.queue_change(db, watch, new, post_for(watch, new, old), now):
            result.queued += 1
    result.asking_seconds = time.perf_counter() - started
    if result.asked:
        log.info(
            "watched questions checked",
            extra={"event": "watches_checked", "watches": result.watches, "asked": result.asked, "queued": result.queued},
        )
    return result
