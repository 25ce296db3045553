"""Run the real bot (`newsbot serve`) as a subprocess against the fake Bot API."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import REPO
from tests.fake_telegram import FakeTelegram
from tests.servers import stop

TOKEN = "123456789:AAH-test-token-never-logged"


def bot_environment(api_url: str, data_dir: Path, model_cache: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env.update(
        NEWSBOT_TELEGRAM_TOKEN=TOKEN,
        NEWSBOT_TELEGRAM_API_URL=api_url,
        NEWSBOT_DATA_DIR=str(data_dir),
        NEWSBOT_MODELS_DIR=str(model_cache),
        PYTHONPATH=str(REPO),
        **extra,
    )
    return env


@contextmanager
def running_bot(fake: FakeTelegram, env: dict[str, str], workdir: Path, ready_on: str = "getUpdates") -> Iterator[Path]:
    """Start `newsbot serve`; yields its log file once it has called `ready_on` (polling, or setWebhook)."""
    log_path = workdir / f"bot-{time.monotonic_ns()}.log"
    before = len(fake.calls(ready_on))  # a bot that ran before may have called it already
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "scripts.cli", "serve"], cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            fake.wait_for(lambda: process.poll() is not None or len(fake.calls(ready_on)) > before, timeout=120)
            assert process.poll() is None, log_path.read_text()
            yield log_path
        finally:
            stop(process)
