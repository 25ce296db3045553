"""Admin operations through the real bot process and the fake Bot API: /reindex, /stats, refusals."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from index.embedding import bundled_model
from index.embedding.embedder import SentenceTransformerEmbedder
from tests.bot_process import TOKEN, bot_environment, index_for_bot, running_bot
from tests.conftest import SEEDS, SHARED
from tests.fake_telegram import FakeTelegram, serve
from tests.servers import QuietHandler, serve_in_thread

pytestmark = [pytest.mark.slow, pytest.mark.serial]

ADMIN, USER, STRANGER = 7001, 7002, 7003
CORPUS = SHARED / "corpus" / "derstandard.jsonl"
QUESTION = "Who will lead the American delegation?"


def corpus_sample(path: Path, articles: int) -> Path:
    """The first articles of the shared corpus, read where it lies and written to a temp file."""
    with CORPUS.open(encoding="utf-8") as corpus, path.open("w", encoding="utf-8") as sample:
        for _, line in zip(range(articles), corpus, strict=False):
            sample.write(line)
    return path


@pytest.fixture
def data(tmp_path: Path, model_cache: Path, real_embedder: SentenceTransformerEmbedder) -> Path:
    """A data directory holding the seed article only (the 'old' index)."""
    assert index_for_bot(tmp_path / "data", model_cache, real_embedder, [str(SEEDS)]).articles == 1
    return tmp_path / "data"


@pytest.fixture
def fake() -> Iterator[tuple[FakeTelegram, str]]:
    telegram = FakeTelegram(TOKEN)
    with serve(telegram) as url:
        yield telegram, url


def environment(url: str, data: Path, model_cache: Path, sources: list[Path | str], **extra: str) -> dict[str, str]:
    return bot_environment(
        url, data, model_cache, NEWSBOT_ADMIN_IDS=f"{ADMIN},9999", NEWSBOT_SOURCES=",".join(map(str, sources)), **extra
    )


def say(fake: FakeTelegram, user: int, text: str, count: int = 1, timeout: float = 60) -> list[dict[str, Any]]:
    before = len(fake.sent_to(user))
    fake.message(user, user, text)
    return fake.wait_for_messages(user, before + count, timeout)[before:]


def status_message(fake: FakeTelegram, chat: int) -> dict[str, Any]:
    """The progress message of the latest reindex (the one that gets edited)."""
    return [m for m in fake.sent_to(chat) if m["text"].startswith("Reindex")][-1]


def stats(fake: FakeTelegram) -> str:
    (reply,) = say(fake, ADMIN, "/stats")
    return str(reply["text"])


def test_admin_reindex_with_progress_while_questions_are_answered(
    fake: tuple[FakeTelegram, str], data: Path, model_cache: Path, tmp_path: Path
) -> None:
    telegram, url = fake
    sample = corpus_sample(tmp_path / "corpus.jsonl", 25)
    with running_bot(telegram, environment(url, data, model_cache, [SEEDS, sample]), tmp_path):
        assert "Articles: 1\n" in stats(telegram)
        (started,) = say(telegram, ADMIN, "/reindex", count=2)[:1]
        assert "Rebuilding the index from" in started["text"] and "corpus.jsonl" in started["text"]

        answers = []
        while "Reindex done" not in status_message(telegram, ADMIN)["text"]:
            (answer,) = say(telegram, USER, QUESTION)
            answers.append(answer["text"])
        assert len(answers) >= 3
        assert all(a.startswith("Answer") and "Marco Rubio" in a for a in answers), answers

        versions = status_message(telegram, ADMIN)["versions"]
        assert any("paragraphs/s" in v and "left" in v for v in versions), versions
        assert versions[-1].startswith("Reindex done: 26 articles")

        again = say(telegram, USER, QUESTION)[0]["text"]
        assert "Marco Rubio" in again  # the new index answers too
        text = stats(telegram)
        assert "Articles: 26\n" in text and "Sources: 2" in text and "bundled:multilingual-e5-small" in text
        assert f"Answered today: {len(answers) + 1}" in text
        (listing,) = say(telegram, ADMIN, "/sources")
        assert "corpus.jsonl" in listing["text"] and "25 articles" in listing["text"]


def test_a_second_reindex_is_refused_with_progress(
    fake: tuple[FakeTelegram, str], data: Path, model_cache: Path, tmp_path: Path
) -> None:
    telegram, url = fake
    sample = corpus_sample(tmp_path / "corpus.jsonl", 10).read_bytes()
    release = threading.Event()

    class HeldSource(QuietHandler):
        """A source that answers only when the test says so: the first reindex is surely still running."""

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            release.wait(timeout=120)
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ndjson")
            self.send_header("Content-Length", str(len(sample)))
            self.end_headers()
            self.wfile.write(sample)

    with serve_in_thread(HeldSource) as source:
        env = environment(url, data, model_cache, [SEEDS, f"{source}/news.jsonl"])
        with running_bot(telegram, env, tmp_path):
            say(telegram, ADMIN, "/reindex", count=2)
            (refusal,) = say(telegram, ADMIN, "/reindex")
            assert refusal["text"].startswith("A reindex is already running.\nReindex")
            release.set()
            telegram.wait_for(lambda: "Reindex done: 11 articles" in status_message(telegram, ADMIN)["text"], timeout=180)


def test_non_admins_are_refused_and_nothing_happens(
    fake: tuple[FakeTelegram, str], data: Path, model_cache: Path, tmp_path: Path
) -> None:
    telegram, url = fake
    env = environment(url, data, model_cache, [SEEDS])
    with running_bot(telegram, env, tmp_path) as log_path:
        for command in ("/reindex", "/stats", "/sources", "/ingest https://news.example/feed.xml", "/forget seeds"):
            (reply,) = say(telegram, STRANGER, command)
            name = command.split()[0].lstrip("/")
            assert reply["text"] == f"Sorry, only the bot's admins may use /{name}. You can ask questions as usual."
        assert telegram.calls("editMessageText") == []
        (answer,) = say(telegram, STRANGER, QUESTION)  # still a user like any other
        assert "Marco Rubio" in answer["text"]
        assert "Articles: 1\n" in stats(telegram)  # nothing was forgotten or rebuilt
        (help_text,) = say(telegram, STRANGER, "/help")
        assert "/reindex" not in help_text["text"]
        (help_text,) = say(telegram, ADMIN, "/help")
        assert "/reindex" in help_text["text"]

        health = [sys.executable, "-m", "scripts.cli", "health", "--bot"]
        result = subprocess.run(health, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert (result.returncode, result.stdout) == (0, "ok\n"), result.stderr

    records = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    questions = [r for r in records if r.get("event") == "question"]
    assert questions and questions[0]["chat_type"] == "private" and questions[0]["found"] is True
    assert questions[0]["latency_ms"] > 0 and questions[0]["passages"] == 5
    refused = [r for r in records if r.get("event") == "refused"]
    assert {r["command"] for r in refused} == {"reindex", "stats", "sources", "ingest", "forget"}
    assert QUESTION not in log_path.read_text()  # what users write stays out of the log
    result = subprocess.run([*health, "--max-age", "0"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 3 and "last heartbeat was" in result.stderr


def test_killed_in_the_middle_of_a_reindex_the_old_index_serves_and_the_next_reindex_works(
    fake: tuple[FakeTelegram, str], data: Path, model_cache: Path, tmp_path: Path
) -> None:
    telegram, url = fake
    sample = corpus_sample(tmp_path / "corpus.jsonl", 30)
    env = environment(url, data, model_cache, [SEEDS, sample])
    log = tmp_path / "killed.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "scripts.cli", "serve"], cwd=tmp_path, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            telegram.wait_for(lambda: telegram.calls("getUpdates"), timeout=120)
            say(telegram, ADMIN, "/reindex", count=2)
            telegram.wait_for(lambda: embedded_some(status_message(telegram, ADMIN)["text"]), timeout=120)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
    assert "Reindex done" not in status_message(telegram, ADMIN)["text"]
    assert len(generations(data)) == 2  # the serving one and the half-built one

    with running_bot(telegram, env, tmp_path):
        assert len(generations(data)) == 1  # cleaned up at start
        (answer,) = say(telegram, USER, QUESTION)
        assert "Marco Rubio" in answer["text"]
        assert "Articles: 1\n" in stats(telegram)  # the old index
        say(telegram, ADMIN, "/reindex", count=2)
        telegram.wait_for(lambda: "Reindex done: 31 articles" in status_message(telegram, ADMIN)["text"], timeout=240)
        assert "Articles: 31\n" in stats(telegram)


def test_a_changed_model_is_detected_and_the_old_index_serves_until_reindex(
    fake: tuple[FakeTelegram, str], data: Path, model_cache: Path, tmp_path: Path
) -> None:
    telegram, url = fake
    copy = tmp_path / "new-model"  # same weights, another name: a new model that needs no network
    shutil.copytree(model_cache / bundled_model.FOLDER_NAME, copy)
    env = environment(url, data, model_cache, [SEEDS], NEWSBOT_EMBEDDING_MODEL=str(copy))
    with running_bot(telegram, env, tmp_path):
        (warning,) = telegram.wait_for_messages(ADMIN)
        assert "was built with bundled:multilingual-e5-small" in warning["text"] and "/reindex" in warning["text"]
        (answer,) = say(telegram, USER, QUESTION)
        assert "Marco Rubio" in answer["text"]
        assert "until you /reindex" in stats(telegram)

        say(telegram, ADMIN, "/reindex", count=2)
        telegram.wait_for(lambda: "Reindex done" in status_message(telegram, ADMIN)["text"], timeout=120)
        text = stats(telegram)
        assert str(copy) in text and "until you /reindex" not in text
        (answer,) = say(telegram, USER, QUESTION)
        assert "Marco Rubio" in answer["text"]


def embedded_some(progress: str) -> bool:
    found = re.search(r"(\d+)/(\d+) paragraphs", progress)
    return found is not None and 0 < int(found[1]) < int(found[2])


def generations(data: Path) -> list[str]:
    """The index's collections, read by a separate process (the bot may hold the store)."""
    script = (
        "import chromadb, json, sys; from chromadb.config import Settings;"
        "c = chromadb.PersistentClient(path=sys.argv[1], settings=Settings(anonymized_telemetry=False));"
        "print(json.dumps([x.name for x in c.list_collections() if x.name.startswith('newsbot.g')]))"
    )
    result = subprocess.run([sys.executable, "-c", script, str(data / "chroma")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return list(json.loads(result.stdout))


def test_the_admin_gets_reindex_errors_by_source(
    fake: tuple[FakeTelegram, str], data: Path, model_cache: Path, tmp_path: Path
) -> None:
    telegram, url = fake
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    env = environment(url, data, model_cache, [SEEDS, broken, tmp_path / "missing"])
    with running_bot(telegram, env, tmp_path):
        say(telegram, ADMIN, "/reindex", count=2)
        done = telegram.wait_for(
            lambda: (lambda m: m if "Reindex done" in m["text"] else None)(status_message(telegram, ADMIN)), timeout=120
        )
        assert "2 source(s) or record(s) skipped" in done["text"]
        assert "broken.json: not valid JSON" in done["text"] and "missing: no such file or directory" in done["text"]
        start = time.monotonic()
        while time.monotonic() - start < 5 and "Articles: 1\n" not in stats(telegram):
            time.sleep(0.5)
        assert "Articles: 1\n" in stats(telegram)
