"""`newsbot serve` started before the Bot API is there: it waits and then serves; a bad token stops it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.bot_process import TOKEN, bot_environment
from tests.fake_telegram import ApiError, FakeTelegram, serve
from tests.servers import free_port, stop

pytestmark = pytest.mark.slow

RETRY_LINE = "the Telegram Bot API is not reachable yet"


def wait_for_log(log_path: Path, text: str, count: int, process: subprocess.Popen[bytes], timeout: float = 60) -> str:
    """The log once it holds `text` `count` times (fails if the process ends first)."""
    deadline = time.monotonic() + timeout
    while True:
        log = log_path.read_text()
        if log.count(text) >= count:
            return log
        assert process.poll() is None, log
        assert time.monotonic() < deadline, log
        time.sleep(0.1)


def test_serve_waits_for_an_unreachable_then_failing_api_and_then_serves(tmp_path: Path, model_cache: Path) -> None:
    port = free_port()
    fake = FakeTelegram(TOKEN)
    # The model is not the point here: the weightless embedder keeps the bot's start light.
    env = bot_environment(f"http://127.0.0.1:{port}/bot", tmp_path / "data", model_cache, NEWSBOT_EMBEDDING_MODEL="hashing:64")
    log_path = tmp_path / "bot.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "scripts.cli", "serve"], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        early = wait_for_log(log_path, RETRY_LINE, 2, process)  # nothing listens on the port
        assert "NetworkError" in early and "Traceback" not in early
        fake.fail_next("getMe", ApiError(502, "Bad Gateway"))
        fake.fail_next("getMe", ApiError(500, "Internal Server Error"))
        with serve(fake, port=port):
            fake.wait_for(lambda: fake.calls("getUpdates"), timeout=60)
            fake.message(9001, 9001, "/start")
            (reply,) = fake.wait_for_messages(9001)
            assert "answer questions about the news" in reply["text"]
        assert [r.status for r in fake.calls("getMe")][:3] == [502, 500, 200]
        log = log_path.read_text()
        assert "Traceback" not in log and TOKEN not in log
        retries = [entry for entry in map(json.loads, log.splitlines()) if entry.get("event") == "startup_retry"]
        assert [entry["attempt"] for entry in retries] == list(range(1, len(retries) + 1))  # one line per attempt
        answered = [entry for entry in retries if "Bad Gateway" in entry["message"] or "Internal Server Error" in entry["message"]]
        assert len(answered) == len([call for call in fake.calls("getMe") if call.status != 200]) == 2
        unreachable = [entry for entry in retries if entry not in answered]  # before anything listened on the port
        assert len(unreachable) >= 2 and all("NetworkError" in entry["message"] for entry in unreachable)
    finally:
        stop(process)


def test_a_rejected_token_stops_at_once_with_a_clear_message(tmp_path: Path, model_cache: Path) -> None:
    fake = FakeTelegram("999:another-token")
    with serve(fake) as api_url:
        env = bot_environment(api_url, tmp_path / "data", model_cache)
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "scripts.cli", "serve"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "Telegram rejected NEWSBOT_TELEGRAM_TOKEN: copy the token again from @BotFather" in result.stderr
    assert RETRY_LINE not in result.stderr
    assert "Traceback" not in result.stderr  # python-telegram-bot's own traceback of the refusal is not shown
    assert time.monotonic() - started < 30  # not retried with backoff
