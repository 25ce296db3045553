"""Chat state in the database (real SQLite, migrated): buttons' questions and conversations, expiry, forgetting."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone



from index.subscriptions.chat_state import RECENT_QUESTIONS, ChatState
from index.subscriptions.database import SubscriptionDB

START = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def test_a_question_is_found_by_its_key_in_its_chat_only_and_on_another_connection(db: SubscriptionDB) -> None:
    clock = Clock()
    state = ChatState(db, timedelta(hours=1), clock)
    key = state.remember_question(1, "Who leads the delegation?")
    other_process = ChatState(SubscriptionDB(db.url), timedelta(hours=1), clock)
    assert other_process.question(1, key) == "Who leads the delegation?"
    assert other_process.question(2, key) is None  # a key from another chat
    assert other_process.question(1, "zz-not-hex") is None
    other_process.db.close()


def test_questions_and_turns_expire_and_only_the_recent_ones_are_kept(db: SubscriptionDB) -> None:
    clock = Clock()
    state = ChatState(db, timedelta(hours=1), clock)
    keys = [state.remember_question(1, f"question {n}") for n in range(RECENT_QUESTIONS + 2)]
    assert state.question(1, keys[0]) is None and state.question(1, keys[1]) is None
    assert state.question(1, keys[2]) == "question 2"
    for n in range(5):
        state.add_turn(1, f"q{n}", f"a{n}")
    assert state.conversation(1) == [("q2", "a2"), ("q3", "a3"), ("q4", "a4")]

    clock.now += timedelta(minutes=61)
    assert state.question(1, keys[-1]) is None and state.conversation(1) == []
    fresh = state.remember_question(1, "a new one")
    assert state.expire() == (RECENT_QUESTIONS - 1) + 3  # the old questions (one made room) and turns
    assert state.question(1, fresh) == "a new one"


def test_forget_deletes_one_chats_state_and_move_follows_a_migrated_group(db: SubscriptionDB) -> None:
    state = ChatState(db, timedelta(hours=1), Clock())
    mine, theirs = state.remember_question(-5, "mine"), state.remember_question(-6, "theirs")
    state.add_turn(-5, "q", "a")
    state.move(-5, -1005)
    assert state.question(-1005, mine) == "mine" and state.conversation(-1005) == [("q", "a")]
    state.forget(-1005)
    assert state.question(-1005, mine) is None and state.conversation(-1005) == []
    assert state.question(-6, theirs) == "theirs"


def test_forum_topics_are_conversations_of_their_own(db: SubscriptionDB) -> None:
    state = ChatState(db, timedelta(hours=1), Clock())
    forum = -1007
    in_a, in_b = state.remember_question(forum, "about tariffs", 11), state.remember_question(forum, "about glaciers", 12)
    state.add_turn(forum, "about tariffs", "tariffs rise", 11)
    state.add_turn(forum, "about glaciers", "ice melts", 12)
    assert state.conversation(forum, 11) == [("about tariffs", "tariffs rise")]  # a follow-up in topic 11 reads only 11
    assert state.conversation(forum, 12) == [("about glaciers", "ice melts")]
    assert state.conversation(forum) == []  # the General topic, outside any thread
    state.forget_conversation(forum, 11)  # /new in topic 11
    assert state.conversation(forum, 11) == [] and state.question(forum, in_a) is None
    assert state.conversation(forum, 12) == [("about glaciers", "ice melts")] and state.question(forum, in_b) == "about glaciers"
    state.forget(forum)  # the bot left: every topic goes
    assert state.conversation(forum, 12) == [] and state.question(forum, in_b) is None
