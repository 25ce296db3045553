"""Watched questions in the subscription database (the `watches` table; posts go into its outbox).

The model (`index.subscriptions.database.Watch`) lives with the others so that one Alembic
history covers it; these are the transactions on it, each short, safe from threads.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from index.subscriptions.database import Delivery, SubscriptionDB, Watch
from index.subscriptions.watches import WatchedAnswer


def add(db: SubscriptionDB, watch: Watch) -> Watch:
    """Store a new watch; it comes back with its id."""
    with db.session() as session:
        session.add(watch)
        session.flush()
        return watch


def active(db: SubscriptionDB, chat_id: int | None = None) -> list[Watch]:
    """The active watches (of one chat), oldest first."""
    with db.session() as session:
        query = select(Watch).where(Watch.active.is_(True)).order_by(Watch.id)
        if chat_id is not None:
            query = query.where(Watch.chat_id == chat_id)
        return list(session.scalars(query))


def vectors(db: SubscriptionDB) -> list[tuple[int, bytes | None, str]]:
    """(id, question vector, model) of every active watch, by id: only what the pre-filter needs, read as rows."""
    with db.session() as session:
        rows = session.execute(select(Watch.id, Watch.vector, Watch.model).where(Watch.active.is_(True)).order_by(Watch.id))
        return [(int(i), vector, str(model)) for i, vector, model in rows]


def by_ids(db: SubscriptionDB, ids: Sequence[int]) -> list[Watch]:
    """The watches with these ids, in id order."""
    found: list[Watch] = []
    with db.session() as session:
        for start in range(0, len(ids), 500):
            found += session.scalars(select(Watch).where(Watch.id.in_(list(ids[start : start + 500]))))
    return sorted(found, key=lambda w: w.id)


def get(db: SubscriptionDB, watch_id: int) -> Watch | None:
    with db.session() as session:
        return session.get(Watch, watch_id)


def end(db: SubscriptionDB, watch_id: int, reason: str) -> bool:
    """End one watch and drop its queued posts; False if it was not active."""
    with db.session() as session:
        ended = session.execute(
            update(Watch).where(Watch.id == watch_id, Watch.active.is_(True)).values(active=False, ended_reason=reason)
        ).rowcount  # type: ignore[attr-defined]
        session.execute(
            update(Delivery).where(Delivery.watch_id == watch_id, Delivery.status == "pending").values(status="dropped")
        )
        return bool(ended)


def end_chat(db: SubscriptionDB, chat_id: int, reason: str) -> int:
    """End every watch of a chat (`/unwatch all`), drop their queued posts; how many ended."""
    ended = 0
    for watch in active(db, chat_id):
        ended += end(db, watch.id, reason)
    return ended


def answer_of(watch: Watch) -> WatchedAnswer | None:
    """The answer a watch was last told, None if it had none."""
    return WatchedAnswer.from_json(json.loads(watch.answer)) if watch.answer else None


def set_vector(db: SubscriptionDB, watch_id: int, vector: bytes, model: str) -> None:
    with db.session() as session:
        session.execute(update(Watch).where(Watch.id == watch_id).values(vector=vector, model=model))


def queue_change(
    db: SubscriptionDB, watch: Watch, new: WatchedAnswer, post: Mapping[str, object], now: datetime
) -> bool:
    """Queue the post about a changed answer and remember the new answer, in one transaction.

    False (and nothing changes) if this watch was queued a post about that article already:
    at most one post per new article per watch, also when two processes check the same article.
    """
    try:
        with db.session() as session:
            session.add(
                Delivery(
                    subscription_id=None, watch_id=watch.id, chat_id=watch.chat_id, thread_id=watch.thread_id or 0,
                    article_id=new.article_id, post=json.dumps(post, ensure_ascii=False), score=0.0, due_at=now,
                )
            )
            session.execute(
                update(Watch).where(Watch.id == watch.id).values(answer=json.dumps(new.to_json(), ensure_ascii=False), changed_at=now)
            )
    except IntegrityError:
        return False
    return True
