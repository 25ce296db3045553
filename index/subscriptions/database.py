"""Subscriptions and what was posted, in a SQL database (SQLite by default, PostgreSQL to share).

The schema is created and upgraded by Alembic migrations (index/subscriptions/migrations), never
by hand. `deliveries` is an outbox: matching writes one row per (chat, forum topic,
article) — unique, so an article is never queued twice for a chat or topic — and the sender
claims due rows, posts them and marks them sent. A claim older than CLAIM_TIMEOUT
(the sender died) is claimed again, so nothing is lost.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from index.errors import DatabaseUnavailable

CLAIM_TIMEOUT = timedelta(minutes=2)
MIGRATIONS = Path(__file__).with_name("migrations")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class Subscription(Base):
    """A chat (private, group or channel) following a topic."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    chat_title: Mapped[str] = mapped_column(String(256), default="")
    thread_id: Mapped[int | None] = mapped_column(BigInteger, default=None)  # the forum topic posts go into
    topic: Mapped[str] = mapped_column(Text)
    include: Mapped[str] = mapped_column(Text, default="")  # words an article must contain, space-separated
    exclude: Mapped[str] = mapped_column(Text, default="")  # words it must not contain
    digest_at: Mapped[str | None] = mapped_column(String(5), default=None)  # "08:00"; None = instant posts
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    language: Mapped[str] = mapped_column(String(8), default="en")
    created_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    ended_reason: Mapped[str | None] = mapped_column(String(256), default=None)


class Watch(Base):
    """A chat watching a question: the answer it was last told, and the question's vector for the pre-filter.

    `answer` is index.watches.WatchedAnswer as JSON (None: no answer yet); `vector` the
    question embedded by `model` (float32 bytes), embedded again when the index's model changes.
    """

    __tablename__ = "watches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    chat_title: Mapped[str] = mapped_column(String(256), default="")
    thread_id: Mapped[int | None] = mapped_column(BigInteger, default=None)  # the forum topic posts go into
    question: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), default="en")
    answer: Mapped[str | None] = mapped_column(Text, default=None)
    vector: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    model: Mapped[str] = mapped_column(String(256), default="")
    created_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    ended_reason: Mapped[str | None] = mapped_column(String(256), default=None)


class Delivery(Base):
    """One article for one chat: queued, being sent, sent, or dropped (the chat is gone).

    A subscription's post has `watch_id` 0; a watched question's post names its watch (and
    no subscription), so it never collides with the chat's subscription post of the same article.
    """

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("chat_id", "thread_id", "article_id", "watch_id", name="uq_delivery_chat_thread_article_watch"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    watch_id: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # 0 = a subscription's post
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    thread_id: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # forum topic; 0 = none
    article_id: Mapped[str] = mapped_column(String(64))
    post: Mapped[str] = mapped_column(Text)  # JSON: title, url, source, published, passages
    score: Mapped[float] = mapped_column(Float)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    story_of: Mapped[int | None] = mapped_column(Integer, default=None)  # an update: the delivery that first posted its story here
    message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)  # the post's (first) Telegram message, for replies


class FeedState(Base):
    """When a feed was read, what it said about caching, and how it has been failing."""

    __tablename__ = "feeds"

    url: Mapped[str] = mapped_column(String(2048), primary_key=True)
    etag: Mapped[str | None] = mapped_column(String(512), default=None)
    modified: Mapped[str | None] = mapped_column(String(128), default=None)
    last_checked: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    last_ok: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())  # polled; False = removed
    added_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=utcnow)


class SeenArticle(Base):
    """An article already matched against the subscriptions (so a later poll does not again)."""

    __tablename__ = "articles_seen"

    article_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ChatQuestion(Base):
    """A question asked in a chat, for its answer's buttons ("More passages" names it by id)."""

    __tablename__ = "chat_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    thread_id: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # forum topic; 0 = none
    question: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class ChatTurn(Base):
    """A question and its written answer, for rewriting the chat's follow-up questions."""

    __tablename__ = "chat_turns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    thread_id: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # forum topic; 0 = none
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


@dataclass(frozen=True)
class Queued:
    """A delivery to post: what the sender needs, detached from the session."""

    id: int
    subscription_id: int
    chat_id: int
    article_id: str
    post: dict[str, object]
    digest: bool
    topic: str
    language: str
    thread_id: int | None = None  # the forum topic to post into
    watch_id: int | None = None  # a watched question's post (subscription_id is then 0)
    story_of: int | None = None  # an update of the story first posted by this delivery (see index.subscriptions.stories)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything here is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


class SubscriptionDB:
    """The database behind subscriptions. Methods are short transactions, safe from threads."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = create_engine(url, pool_pre_ping=True)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def migrate(self) -> None:
        """Create or upgrade the schema to the newest migration."""
        from alembic import command
        from alembic.config import Config

        if self.url.startswith("sqlite:///"):
            Path(self.url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["engine"] = self.engine
        try:
            command.upgrade(config, "head")
        except OperationalError as error:
            raise DatabaseUnavailable(f"the subscription database is unavailable ({error.orig}); check NEWSBOT_DATABASE_URL") from error

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        try:
            with self._sessions.begin() as session:
                yield session
        except OperationalError as error:
            raise DatabaseUnavailable(f"the subscription database is unavailable ({error.orig}); try again") from error

    # --- subscriptions ---------------------------------------------------------------

    def add(self, subscription: Subscription) -> Subscription:
        with self.session() as session:
            session.add(subscription)
            session.flush()
            return subscription

    def active(self, chat_id: int | None = None) -> list[Subscription]:
        with self.session() as session:
            query = select(Subscription).where(Subscription.active.is_(True)).order_by(Subscription.id)
            if chat_id is not None:
                query = query.where(Subscription.chat_id == chat_id)
            return list(session.scalars(query))

    def get(self, subscription_id: int) -> Subscription | None:
        with self.session() as session:
            return session.get(Subscription, subscription_id)

    def end(self, subscription_id: int, reason: str) -> bool:
        with self.session() as session:
            result = session.execute(
                update(Subscription)
                .where(Subscription.id == subscription_id, Subscription.active.is_(True))
                .values(active=False, ended_reason=reason)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def end_chat(self, chat_id: int, reason: str) -> int:
        """The chat is gone (bot removed or blocked): end its subscriptions (and watches), drop what was queued."""
        with self.session() as session:
            ended = session.execute(
                update(Subscription)
                .where(Subscription.chat_id == chat_id, Subscription.active.is_(True))
                .values(active=False, ended_reason=reason)
            ).rowcount  # type: ignore[attr-defined]
            session.execute(update(Watch).where(Watch.chat_id == chat_id, Watch.active.is_(True)).values(active=False, ended_reason=reason))
            session.execute(
                update(Delivery).where(Delivery.chat_id == chat_id, Delivery.status.in_(("pending", "sending"))).values(status="dropped")
            )
            return int(ended)

    def end_topic(self, chat_id: int, thread_id: int, reason: str) -> int:
        """A forum topic was closed or deleted: end the subscriptions posting into it, drop their queue."""
        with self.session() as session:
            ids = list(session.scalars(select(Subscription.id).where(
                Subscription.chat_id == chat_id, Subscription.thread_id == thread_id, Subscription.active.is_(True)
            )))  # fmt: skip
            watch_ids = list(session.scalars(select(Watch.id).where(
                Watch.chat_id == chat_id, Watch.thread_id == thread_id, Watch.active.is_(True)
            )))  # fmt: skip
            if watch_ids:
                session.execute(update(Watch).where(Watch.id.in_(watch_ids)).values(active=False, ended_reason=reason))
                session.execute(
                    update(Delivery)
                    .where(Delivery.watch_id.in_(watch_ids), Delivery.status.in_(("pending", "sending")))
                    .values(status="dropped")
                )
            if not ids:
                return 0
            session.execute(update(Subscription).where(Subscription.id.in_(ids)).values(active=False, ended_reason=reason))
            session.execute(
                update(Delivery)
                .where(Delivery.subscription_id.in_(ids), Delivery.status.in_(("pending", "sending")))
                .values(status="dropped")
            )
            return len(ids)

    def end_not_allowed(self, allowed: Collection[int], reason: str) -> list[Subscription]:
        """End the subscriptions whose chat and creator are both off the allow-list, drop their queue; the ended ones."""
        ids = list(allowed)
        with self.session() as session:
            ended = list(session.scalars(select(Subscription).where(
                Subscription.active.is_(True), Subscription.chat_id.not_in(ids),
                or_(Subscription.created_by.is_(None), Subscription.created_by.not_in(ids)),
            )))  # fmt: skip
            gone = [s.id for s in ended]
            watches = list(session.scalars(select(Watch.id).where(
                Watch.active.is_(True), Watch.chat_id.not_in(ids), or_(Watch.created_by.is_(None), Watch.created_by.not_in(ids)),
            )))  # fmt: skip
            if watches:
                session.execute(update(Watch).where(Watch.id.in_(watches)).values(active=False, ended_reason=reason))
                session.execute(
                    update(Delivery)
                    .where(Delivery.watch_id.in_(watches), Delivery.status.in_(("pending", "sending")))
                    .values(status="dropped")
                )
            if gone:
                session.execute(update(Subscription).where(Subscription.id.in_(gone)).values(active=False, ended_reason=reason))
                session.execute(
                    update(Delivery)
                    .where(Delivery.subscription_id.in_(gone), Delivery.status.in_(("pending", "sending")))
                    .values(status="dropped")
                )
            return ended

    def move_chat(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup: its subscriptions, watches and queue follow it."""
        with self.session() as session:
            session.execute(update(Subscription).where(Subscription.chat_id == old_id).values(chat_id=new_id))
            session.execute(update(Watch).where(Watch.chat_id == old_id).values(chat_id=new_id))
            session.execute(update(Delivery).where(Delivery.chat_id == old_id).values(chat_id=new_id))

    def count_active(self) -> int:
        with self.session() as session:
            return int(session.scalar(select(func.count()).select_from(Subscription).where(Subscription.active.is_(True))) or 0)

    # --- the outbox ----------------------------------------------------------------------

    def queue(
        self, subscription: Subscription, article_id: str, post: Mapping[str, object], score: float, due_at: datetime,
        story_of: int | None = None,
    ) -> bool:
        """Queue an article for a subscription's chat (and forum topic); False if that chat or topic has (or had) it already.

        `story_of`: the article is an update of the story that delivery posted first (it is sent as a reply to it).
        """
        try:
            with self.session() as session:
                session.add(
                    Delivery(
                        subscription_id=subscription.id, chat_id=subscription.chat_id, thread_id=subscription.thread_id or 0,
                        article_id=article_id,
                        post=json.dumps(post, ensure_ascii=False), score=score, due_at=due_at, story_of=story_of,
                    )
                )
        except IntegrityError:
            return False
        return True

    def claim_due(self, now: datetime, limit: int = 500) -> list[Queued]:
        """Take the due deliveries (and ones whose sender died) for this process to send."""
        stale = now - CLAIM_TIMEOUT
        with self.session() as session:
            rows = session.execute(
                select(Delivery, Subscription, Watch)
                .outerjoin(Subscription, Subscription.id == Delivery.subscription_id)
                .outerjoin(Watch, (Watch.id == Delivery.watch_id) & (Delivery.watch_id != 0))
                .where(Delivery.due_at <= now)
                .where((Delivery.status == "pending") | ((Delivery.status == "sending") & (Delivery.claimed_at < stale)))
                .order_by(Delivery.due_at, Delivery.id)
                .limit(limit)
            ).all()
            claimed: list[Queued] = []
            for delivery, subscription, watch in rows:
                # Only one process wins a row: the update matches only while it is still unclaimed.
                won = session.execute(
                    update(Delivery)
                    .where(Delivery.id == delivery.id, Delivery.status == delivery.status)
                    .where((Delivery.claimed_at.is_(None)) | (Delivery.claimed_at == delivery.claimed_at))
                    .values(status="sending", claimed_at=now)
                ).rowcount  # type: ignore[attr-defined]
                if not won:
                    continue
                if watch is not None:
                    claimed.append(Queued(
                        delivery.id, 0, delivery.chat_id, delivery.article_id, json.loads(delivery.post), False,
                        watch.question, watch.language, watch.thread_id, watch.id,
                    ))  # fmt: skip
                elif subscription is not None:
                    claimed.append(
                        Queued(
                            delivery.id, subscription.id, delivery.chat_id, delivery.article_id, json.loads(delivery.post),
                            subscription.digest_at is not None, subscription.topic, subscription.language,
                            subscription.thread_id, story_of=delivery.story_of,
                        )
                    )
            return claimed

    def release_claims(self) -> int:
        """Put every claimed delivery back in the queue: for a single process at its start (SQLite),
        whose claims can only be left over from a run that died while sending."""
        with self.session() as session:
            result = session.execute(update(Delivery).where(Delivery.status == "sending").values(status="pending", claimed_at=None))
            return int(result.rowcount)  # type: ignore[attr-defined]

    @property
    def shared(self) -> bool:
        """Several processes may use it (a server database); SQLite is one process's own."""
        return not self.url.startswith("sqlite")

    def mark(self, ids: Sequence[int], status: str, now: datetime | None = None) -> None:
        """`sent`, `dropped`, or `pending` again (to retry later)."""
        values: dict[str, object] = {"status": status}
        if status == "sent":
            values["sent_at"] = now or utcnow()
        if status == "pending":
            values["claimed_at"] = None
        with self.session() as session:
            session.execute(update(Delivery).where(Delivery.id.in_(list(ids))).values(**values))

    def recent(self, chat_id: int, thread_id: int | None, since: datetime) -> list[tuple[int, str, int | None]]:
        """(delivery id, article id, story_of) of what a chat (forum topic) was sent or has queued since `since`, oldest first."""
        with self.session() as session:
            rows = session.execute(
                select(Delivery.id, Delivery.article_id, Delivery.story_of)
                .where(Delivery.chat_id == chat_id, Delivery.thread_id == (thread_id or 0))
                .where(Delivery.status.in_(("pending", "sending", "sent")), Delivery.created_at >= since)
                .order_by(Delivery.id)
            ).all()
            return [(int(i), str(a), int(s) if s is not None else None) for i, a, s in rows]

    def set_message(self, delivery_id: int, message_id: int) -> None:
        """Remember the Telegram message a delivery was posted as (updates of its story reply to it)."""
        with self.session() as session:
            session.execute(update(Delivery).where(Delivery.id == delivery_id).values(message_id=message_id))

    def message_of(self, delivery_id: int) -> int | None:
        """The Telegram message a delivery was posted as, if it was sent and remembered."""
        with self.session() as session:
            value = session.scalar(select(Delivery.message_id).where(Delivery.id == delivery_id))
            return int(value) if value is not None else None

    def counts(self) -> dict[str, int]:
        with self.session() as session:
            rows = session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all()
            return {str(status): int(count) for status, count in rows}

    def unseen(self, article_ids: Sequence[str]) -> list[str]:
        """The articles not matched against subscriptions yet, in the given order."""
        wanted = list(dict.fromkeys(article_ids))
        seen: set[str] = set()
        with self.session() as session:
            for start in range(0, len(wanted), 500):
                batch = wanted[start : start + 500]
                seen.update(session.scalars(select(SeenArticle.article_id).where(SeenArticle.article_id.in_(batch))))
        return [a for a in wanted if a not in seen]

    def mark_seen(self, article_ids: Sequence[str]) -> None:
        fresh = self.unseen(article_ids)
        try:
            with self.session() as session:
                session.add_all(SeenArticle(article_id=article_id) for article_id in fresh)
        except IntegrityError:
            pass  # another process recorded them first

    # --- feeds -----------------------------------------------------------------------------

    def feed(self, url: str) -> FeedState:
        with self.session() as session:
            state = session.get(FeedState, url)
            if state is None:
                state = FeedState(url=url, failures=0)
                session.add(state)
                session.flush()
            state.next_attempt = _aware(state.next_attempt)
            return state

    def save_feed(self, state: FeedState) -> None:
        """Keep what a poll learnt, and only that: the row was read before a fetch of up to 30 s,
        and a `/feed remove` (or add) in between must not be undone by writing the whole row back."""
        with self.session() as session:
            session.execute(
                update(FeedState)
                .where(FeedState.url == state.url)
                .values(
                    etag=state.etag, modified=state.modified, failures=state.failures, next_attempt=state.next_attempt,
                    last_error=state.last_error, last_checked=state.last_checked, last_ok=state.last_ok,
                )
            )

    def feed_list(self) -> list[FeedState]:
        """The feeds that are polled, in the order they were added (their numbers in /feeds)."""
        with self.session() as session:
            rows = list(session.scalars(select(FeedState).where(FeedState.enabled.is_(True)).order_by(FeedState.added_at, FeedState.url)))
        for row in rows:
            row.next_attempt, row.last_checked, row.last_ok = _aware(row.next_attempt), _aware(row.last_checked), _aware(row.last_ok)
        return rows

    def seed_feeds(self, urls: Sequence[str]) -> int:
        """NEWSBOT_FEEDS is the initial list: add the URLs the database has never had (a removed one stays removed).

        Rows from before feeds lived in the database (no `added_at`) are every feed ever polled,
        also ones the operator had since dropped from NEWSBOT_FEEDS: those in the list are kept,
        the others disabled, so that an upgrade does not poll them again and post their entries.
        """
        with self.session() as session:
            legacy = list(session.scalars(select(FeedState).where(FeedState.added_at.is_(None))))
            for row in legacy:
                row.enabled = row.url in urls
                row.added_at = utcnow()
        added = 0
        for url in urls:
            try:
                with self.session() as session:
                    if session.get(FeedState, url) is None:
                        session.add(FeedState(url=url, failures=0, enabled=True, added_at=utcnow()))
                        added += 1
            except IntegrityError:
                pass  # another process added it first
        return added

    def enable_feed(self, url: str, now: datetime) -> bool:
        """Poll `url` from now on; False if it was polled already."""
        with self.session() as session:
            state = session.get(FeedState, url)
            if state is None:
                session.add(FeedState(url=url, failures=0, enabled=True, added_at=now))
                return True
            if state.enabled:
                return False
            # Back after a removal: its next read is backlog again, not news.
            state.enabled, state.added_at, state.last_ok, state.etag, state.modified = True, now, None, None, None
            return True

    def disable_feed(self, url: str) -> bool:
        """Stop polling `url` (its state is kept, so NEWSBOT_FEEDS does not bring it back); False if it was not polled."""
        with self.session() as session:
            result = session.execute(update(FeedState).where(FeedState.url == url, FeedState.enabled.is_(True)).values(enabled=False))
            return bool(result.rowcount)  # type: ignore[attr-defined]


def _sqlite_pragmas(connection: object, _record: object) -> None:
    """WAL lets the sender read while a poll writes; wait for a lock rather than fail."""
    cursor = connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
