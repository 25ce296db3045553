"""What the bot remembers about a chat, in the subscription database so that every process shares it.

Two things: the chat's recent questions (an answer's "More passages" button names
its question by a row id, so a press works on any process and after a restart)
and its last question/answer turns (follow-up questions are rewritten from them).
In a forum each topic is a conversation of its own (`thread`; None outside topics).
Everything expires after the configured time, and is deleted on /new (in that
topic) and when the bot leaves the chat. Methods are short transactions, called
off the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from index.subscriptions.database import ChatQuestion, ChatTurn, SubscriptionDB, utcnow
from index.answers.written import HISTORY_TURNS as TURNS

RECENT_QUESTIONS = 50  # per chat; older answers' buttons say the answer is too old


class ChatState:
    """The chats' stored state; `ttl` is how long anything is kept."""

    def __init__(self, db: SubscriptionDB, ttl: timedelta, clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.ttl = ttl
        self.clock = clock

    def _fresh_since(self) -> datetime:
        return self.clock() - self.ttl

    def remember_question(self, chat_id: int, question: str, thread: int | None = None) -> str:
        """Keep a question; the key (its id in hex) that the answer's buttons carry."""
        topic = thread or 0
        with self.db.session() as session:
            row = ChatQuestion(chat_id=chat_id, thread_id=topic, question=question, created_at=self.clock())
            session.add(row)
            session.flush()
            mine = (ChatQuestion.chat_id == chat_id, ChatQuestion.thread_id == topic)
            oldest_kept = session.scalar(
                select(ChatQuestion.id).where(*mine).order_by(ChatQuestion.id.desc()).offset(RECENT_QUESTIONS - 1).limit(1)
            )
            if oldest_kept is not None:
                session.execute(delete(ChatQuestion).where(*mine, ChatQuestion.id < oldest_kept))
            return format(row.id, "x")

    def question(self, chat_id: int, key: str) -> str | None:
        """The question behind a button of this chat, or None when it expired or was forgotten."""
        try:
            question_id = int(key, 16)
        except ValueError:
            return None
        with self.db.session() as session:
            return session.scalar(
                select(ChatQuestion.question).where(
                    ChatQuestion.id == question_id, ChatQuestion.chat_id == chat_id, ChatQuestion.created_at >= self._fresh_since()
                )
            )

    def conversation(self, chat_id: int, thread: int | None = None) -> list[tuple[str, str]]:
        """The last turns of the chat (of its forum topic), oldest first."""
        with self.db.session() as session:
            rows = session.execute(
                select(ChatTurn.question, ChatTurn.answer)
                .where(ChatTurn.chat_id == chat_id, ChatTurn.thread_id == (thread or 0), ChatTurn.created_at >= self._fresh_since())
                .order_by(ChatTurn.id.desc()).limit(TURNS)
            ).all()  # fmt: skip
        return [(question, answer) for question, answer in reversed(rows)]

    def add_turn(self, chat_id: int, question: str, answer: str, thread: int | None = None) -> None:
        topic = thread or 0
        with self.db.session() as session:
            session.add(ChatTurn(chat_id=chat_id, thread_id=topic, question=question, answer=answer, created_at=self.clock()))
            session.flush()
            mine = (ChatTurn.chat_id == chat_id, ChatTurn.thread_id == topic)
            kept = select(ChatTurn.id).where(*mine).order_by(ChatTurn.id.desc()).limit(TURNS)
            session.execute(delete(ChatTurn).where(*mine, ChatTurn.id.not_in(kept.scalar_subquery())))

    def forget(self, chat_id: int) -> None:
        """The bot left the chat (or it is no longer allowed): nothing of it is kept, in any topic."""
        with self.db.session() as session:
            session.execute(delete(ChatQuestion).where(ChatQuestion.chat_id == chat_id))
            session.execute(delete(ChatTurn).where(ChatTurn.chat_id == chat_id))

    def forget_conversation(self, chat_id: int, thread: int | None = None) -> None:
        """/new: this chat's (this forum topic's) questions and turns go; other topics keep theirs."""
        topic = thread or 0
        with self.db.session() as session:
            session.execute(delete(ChatQuestion).where(ChatQuestion.chat_id == chat_id, ChatQuestion.thread_id == topic))
            session.execute(delete(ChatTurn).where(ChatTurn.chat_id == chat_id, ChatTurn.thread_id == topic))

    def forget_all_but(self, allowed: Collection[int]) -> list[int]:
        """Delete the state of every chat not in `allowed` (the allow-list changed); the chats whose state went."""
        ids = list(allowed)
        with self.db.session() as session:
            chats = set(session.scalars(select(ChatQuestion.chat_id).where(ChatQuestion.chat_id.not_in(ids)).distinct()))
            chats |= set(session.scalars(select(ChatTurn.chat_id).where(ChatTurn.chat_id.not_in(ids)).distinct()))
            session.execute(delete(ChatQuestion).where(ChatQuestion.chat_id.not_in(ids)))
            session.execute(delete(ChatTurn).where(ChatTurn.chat_id.not_in(ids)))
        return sorted(chats)

    def move(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup: its state follows it."""
        with self.db.session() as session:
            session.execute(update(ChatQuestion).where(ChatQuestion.chat_id == old_id).values(chat_id=new_id))
            session.execute(update(ChatTurn).where(ChatTurn.chat_id == old_id).values(chat_id=new_id))

    def expire(self) -> int:
        """Delete what is older than the ttl (a periodic job); how many rows went."""
        since = self._fresh_since()
        with self.db.session() as session:
            gone = session.execute(delete(ChatQuestion).where(ChatQuestion.created_at < since)).rowcount  # type: ignore[attr-defined]
            gone += session.execute(delete(ChatTurn).where(ChatTurn.created_at < since)).rowcount  # type: ignore[attr-defined]
            return int(gone)
