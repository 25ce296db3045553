"""New articles in, queued subscription posts out (the sender in bot.delivery posts them)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

import numpy as np

from index.retrieval import language
from index.domain import Chunk
from index.embedding.embedder import Embedder
from index.store.vector_store import StoredArticle, VectorStore
from index.subscriptions import stories
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
        "source_name": first.source_name,
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
    A story too is posted once per chat (forum topic): an article that tells a story the
    chat got within stories.STORY_WINDOW is queued only when it adds facts, as an update
    that replies to the story's first post (see index.subscriptions.stories).
    """
    fresh = db.unseen(article_ids)
    subscriptions = db.active()
    if not fresh:
        return 0
    if not subscriptions:
        db.mark_seen(fresh)
        return 0
    articles = store.article_chunks(fresh)
    # Oldest first, so that of one story's reports the first one is posted and the later ones update it.
    ordered = sorted(articles.items(), key=lambda item: (item[1].chunks[0].published or "", item[0]))
    known: dict[str, StoredArticle] = dict(articles)
    sentences: dict[str, list[stories.Sentence] | None] = {}  # read once per article, for every chat it may update
    queued = 0
    for subscription in subscriptions:
        topic_vector = embedder.embed_query(subscription.topic)
        topic_language = language.closest(subscription.topic)
        for article_id, article in ordered:
            chunks = article.chunks
            text = chunks[0].title + " " + " ".join(c.text for c in chunks)
            if not keywords_allow(text, subscription.include.split(), subscription.exclude.split()):
                continue
            best = best_passages(topic_vector, chunks, article.vectors, min_score, topic_language)
            if not best:
                continue
            post = post_for(best)
            matched = article.vectors[[chunks.index(chunk) for chunk, _ in best]]
            languages = [chunk.language for chunk, _ in best]
            story = _story(db, store, known, sentences, subscription, article_id, (matched, languages), text, now)
            if story is False:
                continue
            story_of = None
            if story is not True:
                story_of, new = story
                post.update({"update": True, "new_facts": new})
            if db.queue(subscription, article_id, post, best[0][1], due_time(subscription, now), story_of=story_of):
                queued += 1
    db.mark_seen(fresh)
    if queued:
        log.info("queued subscription posts", extra={"event": "queued", "posts": queued, "articles": len(article_ids)})
    return queued


def _sentences(store: VectorStore, article: StoredArticle) -> list[stories.Sentence] | None:
    """An article's sentences with the vectors stored at ingest; None when a paragraph has none (a model
    that makes none, an index from before them): a sentence compared with a whole paragraph's vector
    would look new every time."""
    stored = store.sentence_vectors([c.id for c in article.chunks])
    found = []
    for chunk in article.chunks:
        sentences = stored.get(chunk.id)
        if sentences is None:
            return None
        for (start, end), sentence_vector in zip(sentences.spans, sentences.vectors, strict=True):
            found.append(stories.Sentence(chunk.text[start:end], sentence_vector, chunk.language))
    return found


def _story(
    db: SubscriptionDB,
    store: VectorStore,
    known: dict[str, StoredArticle],
    sentences: dict[str, list[stories.Sentence] | None],
    subscription: Subscription,
    article_id: str,
    matched: tuple[np.ndarray, list[str | None]],
    text: str,
    now: datetime,
) -> bool | tuple[int, list[str]]:
    """True: a story new to the chat; False: a story it got, with nothing new; (first delivery, new facts): an update.

    `matched`: the new article's matching paragraphs' vectors and languages; `known` caches
    stored articles (their chunks and vectors) and `sentences` their sentences (matching._sentences) across calls.
    """
    recent = [row for row in db.recent(subscription.chat_id, subscription.thread_id, now - stories.STORY_WINDOW) if row[1] != article_id]
    missing = [a for _, a, _ in recent if a not in known]
    if missing:
        known.update(store.article_chunks(missing))
    earlier = [
        stories.Told(delivery, known[a].vectors, [c.language for c in known[a].chunks], known[a].chunks[0].story)
        for delivery, a, _ in recent
        if a in known
    ]
    first = stories.first_of_story(matched[0], earlier, matched[1], known[article_id].chunks[0].story)
    if first is None:
        return True
    root = next((story_of or delivery for delivery, _, story_of in recent if delivery == first), first)
    told = [a for delivery, a, story_of in recent if root in (delivery, story_of) and a in known]
    own = known[article_id].chunks[0].language
    texts = {a: known[a].chunks[0].title + " " + " ".join(c.text for c in known[a].chunks) for a in told}
    same = [t for a, t in texts.items() if own is None or known[a].chunks[0].language in (own, None)]
    other = [t for a, t in texts.items() if own is not None and known[a].chunks[0].language not in (own, None)]
    new = stories.new_facts(text, same, other)
    if not new:  # no new figure, date or name: is there a sentence no earlier report says alike?
        for a in (article_id, *told):
            if a not in sentences:
                sentences[a] = _sentences(store, known[a])
        mine, theirs = sentences[article_id], [sentences[a] for a in told]
        if mine is not None and theirs and all(s is not None for s in theirs):
            new = stories.novel_sentences(mine, [s for group in theirs if group is not None for s in group])[:1]
    if not new:
        log.info("story already posted", extra={"event": "story_posted", "chat_id": subscription.chat_id, "article": article_id})
        return False
    return root, new
