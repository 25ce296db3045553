"""The bot against the fake Bot API server, as users use it, with the real model and real Chroma.

Most tests share one Application running in this process (bot_in_thread); the outer ring runs
real `newsbot serve` processes: webhook mode (which also checks that the token never reaches the
log) and a Chroma server that is down at start.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from index.ingest import indexing
from index import bootstrap
from index.embedding.embedder import SentenceTransformerEmbedder
from index.settings import Settings
from tests.bot_in_process import ThreadedBot, bot_in_thread
from tests.bot_process import TOKEN, bot_environment, index_for_bot, running_bot
from tests.conftest import SEEDS
from tests.fake_telegram import BOT_USERNAME, ApiError, FakeTelegram, serve
from tests.servers import chroma_server, free_port

pytestmark = pytest.mark.slow

HOSTILE_TITLE = '<b>Tom & Jerry</b> </blockquote> <script>alert("x")</script> &amp; <i>1 < 2 > 0</i>'
SHOWN_TITLE = "Tom & Jerry & 1 < 2 > 0"  # titles are plain text: tags dropped, entities decoded, < & > kept
HOSTILE_URL = 'https://news.example/tom?a=1&b="2"'
HOSTILE_TEXT = (
    "Der Zeichentrick-Kater Tom jagt seit 1940 die Maus Jerry <i>unermüdlich</i> & ohne Erfolg; "
    "Fans nennen das ein „<Katz-und-Maus-Spiel>“ & lachen seit Jahrzehnten darüber."
)
GLACIER = [
    f"Die Expedition zum Pasterze-Gletscher fand im Sommer {year} im Eis eingeschlossene Pflanzenreste, "
    "die Forschende auf ein Alter von mehreren tausend Jahren schätzen. " * 9
    for year in (2019, 2020, 2021, 2022, 2023)
]


def write_fixture_articles(folder: Path) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    hostile = folder / "hostile.json"
    hostile.write_text(json.dumps({"title": HOSTILE_TITLE, "url": HOSTILE_URL, "published": "2025-10-01", "text": HOSTILE_TEXT}))
    glacier = folder / "glacier.json"
    glacier.write_text(json.dumps({"title": "Expedition zum Gletscher", "text": "\n\n".join(GLACIER)}))
    return [str(SEEDS), str(hostile), str(glacier)]


@pytest.fixture(scope="module")
def bot_data(tmp_path_factory: pytest.TempPathFactory, model_cache: Path, real_embedder: SentenceTransformerEmbedder) -> Path:
    """A data directory with the seed article, a hostile one and a long one indexed."""
    root = tmp_path_factory.mktemp("bot")
    report = index_for_bot(root / "data", model_cache, real_embedder, write_fixture_articles(root / "articles"))
    assert report.errors == []
    return root


@pytest.fixture(scope="module")
def running(
    tmp_path_factory: pytest.TempPathFactory, model_cache: Path, real_embedder: SentenceTransformerEmbedder
) -> Iterator[ThreadedBot]:
    """One fake Telegram and one in-process bot for the module; tests use their own chat ids."""
    root = tmp_path_factory.mktemp("bot-in-process")
    with bot_in_thread(root, model_cache, real_embedder, write_fixture_articles(root / "articles")) as bot:
        yield bot


@pytest.fixture
def telegram(running: ThreadedBot) -> FakeTelegram:
    return running.telegram


def ask_private(fake: FakeTelegram, chat_id: int, text: str, language: str = "en", count: int = 1) -> list[dict[str, Any]]:
    before = len(fake.sent_to(chat_id))
    fake.message(chat_id, chat_id, text, language=language)
    return fake.wait_for_messages(chat_id, before + count)[before:]


def test_commands_menu_is_registered(telegram: FakeTelegram) -> None:
    fake = telegram
    commands = {c["command"] for c in fake.commands["all_private_chats:"]}
    assert commands == {"ask", "subscribe", "subscriptions", "unsubscribe", "watch", "watches", "unwatch", "help", "start"}
    assert "all_group_chats:de" in fake.commands


def test_private_question_gets_answer_passages_and_source(telegram: FakeTelegram) -> None:
    fake = telegram
    (reply,) = ask_private(fake, 1001, "Who will lead the American delegation?")
    assert reply["parse_mode"] == "HTML"
    assert reply["text"].startswith("Answer")
    assert "Marco Rubio" in reply["text"]
    assert "paragraph 7" in reply["text"] and "000_0ac5dfb98e63efa1.txt" in reply["text"]
    assert any(r.params.get("action") == "typing" and str(r.params["chat_id"]) == "1001" for r in fake.calls("sendChatAction"))
    labels = [b["text"] for row in reply["reply_markup"]["inline_keyboard"] for b in row]
    assert labels[:2] == ["More passages", "Context ¶7"]


def test_german_question_gets_german_reply(telegram: FakeTelegram) -> None:
    fake = telegram
    (reply,) = ask_private(fake, 1002, "Welche Reichweite haben die Tomahawk-Raketen?", language="de")
    assert reply["text"].startswith("Antwort")
    assert "2.500 km" in reply["text"] and "Absatz" in reply["text"]


def test_start_help_and_unknown_command(telegram: FakeTelegram) -> None:
    fake = telegram
    (start,) = ask_private(fake, 1003, "/start")
    assert "answer questions about the news" in start["text"] and "When is the Budapest meeting?" in start["text"]
    (help_reply,) = ask_private(fake, 1003, "/help")
    assert "/ask" in help_reply["text"] and f"@{BOT_USERNAME}" in help_reply["text"]
    (unknown,) = ask_private(fake, 1003, "/frobnicate now")
    assert "I don't know that command" in unknown["text"] and "/ask" in unknown["text"]
    (ask,) = ask_private(fake, 1003, "/ask Who will lead the American delegation?")
    assert "Marco Rubio" in ask["text"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("/ask", "Please ask a question"),
        ("   \u200b  ", "Please ask a question"),
        ("😀🎉🔥", "I need words to search for"),
        ("Wann" * 1250, "That question is too long (5000 characters, at most 1000)"),
    ],
    ids=["empty", "whitespace", "emoji", "5000-chars"],
)
def test_unusable_questions_get_a_helpful_reply(telegram: FakeTelegram, question: str, expected: str) -> None:
    fake = telegram
    chat = 1100 + len(question) % 97
    (reply,) = ask_private(fake, chat, question)
    assert expected in reply["text"]


def test_out_of_scope_question(telegram: FakeTelegram) -> None:
    fake = telegram
    (reply,) = ask_private(fake, 1004, "What is the capital of Australia?")
    assert "I found no relevant passage" in reply["text"]
    assert "reply_markup" not in reply


def test_when_question_marks_the_date_in_bold_with_the_article_date(telegram: FakeTelegram) -> None:
    fake = telegram
    (reply,) = ask_private(fake, 1020, "When is the Budapest meeting?")
    assert "<b>innerhalb von zwei Wochen</b>" in reply["html"]
    assert "innerhalb von zwei Wochen — article of 16 Oct 2025 → by 30 Oct 2025" in reply["text"]
    assert "keinen Termin" in reply["text"]  # the article says no date was named: that belongs in the answer
    (german,) = ask_private(fake, 1020, "Wann findet das Treffen in Budapest statt?", language="de")
    assert "<b>innerhalb von zwei Wochen</b>" in german["html"] and "Artikel vom 16. Okt. 2025 → bis 30. Okt. 2025" in german["text"]


def test_small_talk_is_refused_with_what_the_index_holds(telegram: FakeTelegram) -> None:
    fake = telegram
    (reply,) = ask_private(fake, 1021, "How are you doing today?")
    assert "I found no relevant passage" in reply["text"]
    assert "The index holds:" in reply["text"] and "seeds (1 article)" in reply["text"]
    assert "reply_markup" not in reply


def test_question_and_small_talk_in_a_language_the_bot_does_not_speak(telegram: FakeTelegram) -> None:
    fake = telegram
    (reply,) = ask_private(fake, 1022, "Quand aura lieu la rencontre de Budapest ?", language="fr")
    assert "<b>innerhalb von zwei Wochen</b>" in reply["html"]  # answered in English, the date marked
    (chat,) = ask_private(fake, 1022, "Bonjour, comment ça va ?", language="fr")
    assert "I found no relevant passage" in chat["text"] and "The index holds:" in chat["text"]


def test_group_mention_answered_and_chatter_ignored(running: ThreadedBot) -> None:
    fake = running.telegram
    group = -2001
    fake.message(group, 7, "Hat jemand das Spiel gestern gesehen?", language="de")
    fake.message(group, 7, "/ask@some_other_bot Who leads the delegation?")
    question = fake.message(group, 8, f"@{BOT_USERNAME} Who will lead the American delegation?", mention=True)
    (reply,) = fake.wait_for_messages(group, 1)
    assert "Marco Rubio" in reply["text"]
    assert reply["reply_to_message_id"] == question["message"]["message_id"]
    running.settled()  # every update handled: the chatter caused nothing
    assert len(fake.sent_to(group)) == 1

    followup = fake.message(group, 9, "Welche Reichweite haben die Tomahawk-Raketen?", reply_to=reply, language="de")
    replies = fake.wait_for_messages(group, 2)
    assert "2.500 km" in replies[1]["text"]
    assert replies[1]["reply_to_message_id"] == followup["message"]["message_id"]

    fake.message(group, 9, f"/ask@{BOT_USERNAME} Who will lead the American delegation?")
    assert "Marco Rubio" in fake.wait_for_messages(group, 3)[2]["text"]


def test_buttons_show_context_and_more_passages(telegram: FakeTelegram) -> None:
    fake = telegram
    chat = 1005
    (reply,) = ask_private(fake, chat, "Who will lead the American delegation?")
    more, context = reply["reply_markup"]["inline_keyboard"][0]
    assert all(len(b["callback_data"].encode()) <= 64 for b in (more, context))

    fake.press(chat, reply, context["callback_data"])
    (shown,) = fake.wait_for_messages(chat, 2)[1:]
    assert shown["text"].startswith("Context")
    assert "¶6" in shown["text"] and "¶7" in shown["text"] and "¶8" in shown["text"]
    assert "<b>Er deutete an" in shown["html"]

    fake.press(chat, reply, more["callback_data"])
    (further,) = fake.wait_for_messages(chat, 3)[2:]
    assert further["text"].startswith("More passages for")
    assert "6." in further["text"]
    assert fake.calls("answerCallbackQuery")


def test_hostile_title_and_text_render(telegram: FakeTelegram) -> None:
    fake = telegram
    (reply,) = ask_private(fake, 1006, "Seit wann jagt der Kater Tom die Maus Jerry?", language="de")
    # The fake server parsed the HTML like Telegram: the plain-text title's < & > arrive as text.
    assert SHOWN_TITLE in reply["text"]
    assert "Tom &amp; Jerry &amp; 1 &lt; 2 &gt; 0" in reply["html"]
    assert "„<Katz-und-Maus-Spiel>“" in reply["text"]
    assert 'href="https://news.example/tom?a=1&amp;b=&quot;2&quot;"' in reply["html"]
    assert not [r for r in fake.calls("sendMessage") if r.status == 400]


def test_long_answer_is_split_below_the_limit(telegram: FakeTelegram) -> None:
    fake = telegram
    chat = 1007
    fake.message(chat, chat, "Was fand die Expedition am Pasterze-Gletscher?", language="de")
    replies = fake.wait_for(lambda: (lambda got: got if got and "reply_markup" in got[-1] else None)(fake.sent_to(chat)))
    assert len(replies) >= 2
    assert all(len(r["text"]) <= 4096 for r in replies)
    assert replies[0]["text"].startswith("Antwort")
    shown = "".join(r["text"] for r in replies)
    assert all(f"{n}. Expedition zum Gletscher" in shown for n in range(1, 6))


def test_flood_control_is_waited_out(telegram: FakeTelegram) -> None:
    fake = telegram
    chat = 1008
    fake.fail_next("sendMessage", ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1}), chat_id=chat)
    started = time.monotonic()
    (reply,) = ask_private(fake, chat, "Who will lead the American delegation?")
    assert "Marco Rubio" in reply["text"]
    attempts = [r for r in fake.calls("sendMessage") if str(r.params["chat_id"]) == str(chat)]
    assert [r.status for r in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 0.9
    assert time.monotonic() - started < 60


def test_blocked_user_is_not_retried_and_others_still_served(telegram: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    fake = telegram
    caplog.set_level(logging.INFO, logger="bot")
    blocked = 1009
    fake.blocked.add(blocked)
    fake.message(blocked, blocked, "Who will lead the American delegation?")
    fake.wait_for(lambda: [r for r in fake.calls("sendMessage") if str(r.params["chat_id"]) == str(blocked)])
    (reply,) = ask_private(fake, 1010, "Who will lead the American delegation?")
    assert "Marco Rubio" in reply["text"]
    attempts = [r for r in fake.calls("sendMessage") if str(r.params["chat_id"]) == str(blocked)]
    assert [r.status for r in attempts] == [403]
    assert "does not accept messages from the bot" in caplog.text


def test_migrated_group_keeps_working(telegram: FakeTelegram) -> None:
    fake = telegram
    old, new = -3001, -1003001
    fake.migrated[old] = new
    fake.message(old, 11, f"@{BOT_USERNAME} Who will lead the American delegation?", mention=True)
    (reply,) = fake.wait_for_messages(new, 1)
    assert "Marco Rubio" in reply["text"]
    assert fake.sent_to(old) == []


def test_twenty_users_at_once_are_all_answered(telegram: FakeTelegram) -> None:
    fake = telegram
    questions = ["Who will lead the American delegation?", "Welche Reichweite haben die Tomahawk-Raketen?"]
    chats = range(5000, 5020)
    started = time.monotonic()
    for chat in chats:
        fake.message(chat, chat, questions[chat % 2])
    for chat in chats:
        fake.wait_for_messages(chat, 1, timeout=120)
    elapsed = time.monotonic() - started
    for chat in chats:
        (reply,) = fake.sent_to(chat)
        assert ("Marco Rubio" if chat % 2 == 0 else "2.500 km") in reply["text"]
    print(f"\n20 concurrent questions answered in {elapsed:.1f} s")


def test_store_down_then_empty_then_ready(tmp_path: Path, model_cache: Path, real_embedder: SentenceTransformerEmbedder) -> None:
    """Server mode: the bot starts while Chroma is down, says so, and recovers by itself."""
    port = free_port()
    chroma_url = f"http://127.0.0.1:{port}"
    fake = FakeTelegram(TOKEN)
    chat = 6001
    with serve(fake) as api_url:
        env = bot_environment(api_url, tmp_path / "data", model_cache, NEWSBOT_CHROMA_URL=chroma_url)
        with running_bot(fake, env, tmp_path):
            (down,) = ask_private(fake, chat, "Who will lead the American delegation?")
            assert "temporarily unavailable" in down["text"]
            with chroma_server(tmp_path / "chroma", port=port):
                (empty,) = ask_private(fake, chat, "Who will lead the American delegation?")
                assert "The index is not ready yet" in empty["text"]
                settings = Settings(_env_file=None, data_dir=tmp_path / "data", chroma_url=chroma_url, models_dir=model_cache)  # type: ignore[call-arg]
                built = bootstrap.build(settings, write=True, embedder=real_embedder)
                indexing.ingest([str(SEEDS)], real_embedder, built.store)
                built.close()
                (ready,) = ask_private(fake, chat, "Who will lead the American delegation?")
                assert "Marco Rubio" in ready["text"]


def test_webhook_mode(bot_data: Path, model_cache: Path, tmp_path: Path) -> None:
    """With NEWSBOT_WEBHOOK_URL the bot registers its webhook and answers updates posted to it."""
    fake = FakeTelegram(TOKEN)
    port = free_port()
    hook = f"http://127.0.0.1:{port}/telegram-hook"
    with serve(fake) as api_url:
        env = bot_environment(  # the plain base URL, as a local Bot API server's documentation gives it (no /bot)
            api_url.removesuffix("/bot"), bot_data / "data-webhook", model_cache,
            NEWSBOT_WEBHOOK_URL=hook, NEWSBOT_WEBHOOK_LISTEN="127.0.0.1", NEWSBOT_WEBHOOK_PORT=str(port),
        )  # fmt: skip
        shutil.copytree(bot_data / "data" / "chroma", bot_data / "data-webhook" / "chroma", dirs_exist_ok=True)
        with running_bot(fake, env, tmp_path, ready_on="setWebhook") as log_path:
            (call,) = fake.calls("setWebhook")
            assert call.params["url"] == hook
            secret = call.params["secret_token"]
            update = {"update_id": 1, "message": {
                "message_id": 1, "date": int(time.time()), "chat": {"id": 7001, "type": "private", "first_name": "A"},
                "from": {"id": 7001, "is_bot": False, "first_name": "A"}, "text": "Who will lead the American delegation?",
            }}  # fmt: skip
            headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
            deadline = time.monotonic() + 30
            while True:  # the webhook server may need a moment after registering
                try:
                    if httpx.post(hook, json=update, headers=headers, timeout=10).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.3)
            (reply,) = fake.wait_for_messages(7001, 1)
            assert "Marco Rubio" in reply["text"]
            forged = {**update, "update_id": 2}
            refused = httpx.post(hook, json=forged, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}, timeout=10)
            assert refused.status_code == 403
            # A reply Telegram refuses is logged with its traceback, and the token never reaches the log.
            fake.fail_next("sendMessage", ApiError(400, "Bad Request: chat not found"), chat_id=7001)
            httpx.post(hook, json={**update, "update_id": 3}, headers=headers, timeout=10)
            fake.wait_for(lambda: "update failed" in log_path.read_text(), timeout=60)
            log = log_path.read_text()
            assert TOKEN not in log and TOKEN.split(":")[1] not in log
