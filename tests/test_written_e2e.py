"""Written answers through the real bot process, the fake Bot API and a fake language model."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from index.embedding.embedder import SentenceTransformerEmbedder
from tests.bot_process import TOKEN, bot_environment, index_for_bot, running_bot
from tests.conftest import SEEDS
from tests.fake_llm import FakeLLM, Reply, serve_llm
from tests.fake_telegram import FakeTelegram, serve

pytestmark = pytest.mark.slow

KEY = "sk-live-never-in-a-log-9f3a"
STREAMED = ["Marco Rubio ", "will lead ", "the American ", "delegation ", "[1][7]", "; the meeting place ", "was not named [2]."]


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, model_cache: Path, real_embedder: SentenceTransformerEmbedder) -> Iterator[tuple[FakeTelegram, FakeLLM, Path]]:
    root = tmp_path_factory.mktemp("written")
    index_for_bot(root / "data", model_cache, real_embedder, [str(SEEDS)])
    telegram, llm = FakeTelegram(TOKEN), FakeLLM()
    with serve(telegram) as api_url, serve_llm(llm) as llm_url:
        env = bot_environment(
            api_url, root / "data", model_cache,
            NEWSBOT_LLM_URL=llm_url, NEWSBOT_LLM_MODEL="fake-model", NEWSBOT_LLM_API_KEY=KEY, NEWSBOT_LLM_TIMEOUT_SECONDS="6",
        )
        with running_bot(telegram, env, root) as log:
            yield telegram, llm, log


def ask(telegram: FakeTelegram, chat: int, text: str) -> dict[str, Any]:
    """The user's question and the bot's (finished) answer message."""
    before = len(telegram.sent_to(chat))
    telegram.message(chat, chat, text)
    (message,) = telegram.wait_for_messages(chat, before + 1, timeout=60)[before:]
    telegram.wait_for(lambda: "writing…" not in message["text"] and "▌" not in message["text"], timeout=60)
    time.sleep(0.3)  # a second message (buttons, long answers) would follow at once
    return message


def test_the_answer_streams_in_with_checked_linked_citations(bot: tuple[FakeTelegram, FakeLLM, Path]) -> None:
    telegram, llm, _ = bot
    llm.add(Reply(STREAMED, pause=0.4))
    message = ask(telegram, 7101, "Who will lead the American delegation?")
    versions = message["versions"]
    assert versions[0] == "Answer\nwriting…"
    assert any(v.endswith("▌") and "Marco Rubio" in v for v in versions[1:-1])  # it grew while written
    assert all("[7]" not in v for v in versions)
    final = message["text"]
    assert final.startswith("Answer\nMarco Rubio will lead the American delegation [1]; the meeting place was not named [2].")
    assert "Sources" in final and "paragraph 7" in final and "000_0ac5dfb98e63efa1.txt" in final
    assert message["reply_markup"]["inline_keyboard"][0][0]["text"] == "More passages"
    prompt = llm.prompts()[-1]
    assert "Question: Who will lead the American delegation?" in prompt and "[1] " in prompt
    assert llm.requests[-1]["body"]["model"] == "fake-model" and llm.requests[-1]["authorization"] == f"Bearer {KEY}"


def test_a_follow_up_is_rewritten_from_the_conversation_and_new_forgets_it(bot: tuple[FakeTelegram, FakeLLM, Path]) -> None:
    telegram, llm, _ = bot
    llm.add(Reply(["The meeting is within two weeks; no date has been named [1]."]))
    ask(telegram, 7102, "When is the Budapest meeting?")
    llm.add(Reply(["Who will lead the American delegation to the Budapest meeting?"]), Reply(["Marco Rubio [1]."]))
    requests = len(llm.requests)
    answer = ask(telegram, 7102, "and who leads the delegation?")
    rewrite, written = llm.prompts()[requests:]
    assert "User: When is the Budapest meeting?" in rewrite and "Last question: and who leads the delegation?" in rewrite
    assert "Question: Who will lead the American delegation to the Budapest meeting?" in written
    assert "Marco Rubio" in written  # the rewritten question found the passage
    assert answer["text"].startswith("Answer\nMarco Rubio [1].")

    telegram.message(7102, 7102, "/new")
    telegram.wait_for(lambda: "new conversation" in telegram.sent_to(7102)[-1]["text"])
    llm.add(Reply(["Marco Rubio [1]."]))
    requests = len(llm.requests)
    ask(telegram, 7102, "Who will lead the American delegation?")
    assert len(llm.requests) == requests + 1  # no rewrite: the conversation was forgotten


@pytest.mark.parametrize(
    "failure",
    [[Reply(status=500)] * 3, [Reply(stall=8)], [Reply(raw=["data: {broken"])], [Reply(["Marco ", "Rubio ", "[1]"], pause=2.5)]],
    ids=["server-error", "too-slow", "malformed", "stalls-mid-stream"],
)
def test_any_llm_failure_falls_back_to_the_extractive_answer(bot: tuple[FakeTelegram, FakeLLM, Path], failure: list[Reply]) -> None:
    telegram, llm, _ = bot
    llm.add(*failure)
    chat = 7200 + len(llm.requests)
    message = ask(telegram, chat, "Who will lead the American delegation?")
    assert message["text"].startswith("The language model did not answer, so here are the passages themselves.\n\nAnswer")
    assert "Marco Rubio" in message["text"]


def test_the_api_key_never_reaches_the_log(bot: tuple[FakeTelegram, FakeLLM, Path]) -> None:
    telegram, llm, log = bot
    llm.add(*[Reply(status=500)] * 3)  # a failure of its own, whatever ran before: it gets logged
    requests = len(llm.requests)
    ask(telegram, 7300, "Who will lead the American delegation?")
    assert llm.requests[requests]["authorization"] == f"Bearer {KEY}"  # the key was used …
    telegram.wait_for(lambda: "written answer failed" in log.read_text())  # … the failure logged …
    text = log.read_text()
    assert KEY not in text and TOKEN not in text  # … without secrets
