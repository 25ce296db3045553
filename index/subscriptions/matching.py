"""New articles in, queued subscription posts out (the sender in bot.delivery posts them)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from index.retrieval import language
from index.domain import Chunk
from index.embedding.embedder import Embedder
from index.store.vector_store import VectorStore
from index.subscriptions.database import Subscription, SubscriptionDB
from index.subscriptions.topics import best_passages, keywords_allow, next_digest

log = logging.getLogger(__name__)


def post_for(best: Sequence[tuple[Chunk, float]]) -> dict[str, object]:
    """What a subscription post shows: the article and its matching paragraphs."""
    first = best[0][0]
    return {
        "title": first.title,
        "url": first.url,
        "source": first.source,
        "published": first.published,
        "passages": [{"text": chunk.text, "paragraph": chunk.paragraph, "score": round(score, 3)} for chunk, score in best],
    }


def due_time(subscription: Subscription, now: datetime) -> datetime:
    if subscription.digest_at is None:
        return now
    return next_digest(now, subscription.digest_at, subscription.timezone)


def queue_matches(
    article_ids: Sequence[str],
    store: VectorStore,
    embedder: Embedder,
    db: SubscriptionDB,
    *,
    min_score: float,
    now: datetime,
) -> int:
    """Match the articles not matched before against every active subscription; how many posts were queued.

    An article is matched once (recorded in the database only after its posts are
    queued, so a crash in between matches it again) and queued at most once per chat.
    """
    fresh = db.unseen(article_ids)
    subscriptions = db.active()
    if not fresh:
        return 0
    if not subscriptions:
        db.mark_seen(fresh)
        return 0
    articles = store.article_chunks(fresh)
    queued = 0
    for subscription in subscriptions:
        topic_vector = embedder.embed_query(subscription.topic)
        topic_language = language.closest(subscription.topic)
        for article_id, article in articles.items():
            chunks = article.chunks
            text = chunks[0].title + " " + " ".join(c.text for c in chunks)
            if not keywords_allow(text, subscription.include.split(), subscription.exclude.split()):
                continue
            best = best_passages(topic_vector, chunks, article.vectors, min_score, topic_language)
            if best and db.queue(subscription, article_id, post_for(best), best[0][1], due_time(subscription, now)):
                queued += 1
    db.mark_seen(fresh)
    if queued:
        log.info("queued subscription posts", extra={"event": "queued", "posts": queued, "articles": len(article_ids)})
    return queued
