"""Run the real bot (`newsbot serve`) as a subprocess against the fake Bot API."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from index.ingest import indexing
from index import bootstrap
from index.domain import IngestReport
from index.embedding.embedder import Embedder
from index.settings import Settings
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
    started = time.monotonic()

    def ready() -> bool:
        """This process said hello (getMe) and then called `ready_on`; a killed bot's last long
        poll may still be recorded after `started`, but never after this one's getMe."""
        hello = [r.at for r in fake.calls("getMe") if r.at > started]
        return bool(hello) and any(r.at > hello[0] for r in fake.calls(ready_on))

    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "scripts.cli", "serve"], cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            fake.wait_for(lambda: process.poll() is not None or ready(), timeout=120)
            assert process.poll() is None, log_path.read_text()
            yield log_path
        finally:
            stop(process)


def index_for_bot(data_dir: Path, model_cache: Path, embedder: Embedder, sources: list[str]) -> IngestReport:
    """Index `sources` into the embedded store in `data_dir`, as `newsbot ingest` would before a bot starts."""
    settings = Settings(_env_file=None, data_dir=data_dir, models_dir=model_cache)  # type: ignore[call-arg]
    built = bootstrap.build(settings, write=True, embedder=embedder)
    try:
        return indexing.ingest(sources, embedder, built.store)
    finally:
        built.close()
