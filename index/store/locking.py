"""One process at a time may own an embedded Chroma store.

A second process opening the same embedded folder sees stale data and its
writes race the owner's, so writers (the bot, `newsbot ingest`, `reset`) take
an exclusive lock on the data directory. Server mode needs no lock.
"""

from __future__ import annotations

from pathlib import Path

from filelock import FileLock, Timeout

from index.errors import StoreBusy

LOCK_NAME = "newsbot.lock"


def acquire_data_dir(data_dir: Path) -> FileLock:
    """Lock `data_dir` for this process, or raise StoreBusy saying who to ask."""
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(data_dir / LOCK_NAME), thread_local=False)
    try:
        lock.acquire(timeout=0)
    except Timeout as exc:
        raise StoreBusy(
            f"another Newsbot process (probably the running bot) owns {data_dir}: stop it first, "
            "ask an admin to /reindex from the chat, or run Chroma as a server (NEWSBOT_CHROMA_URL)"
        ) from exc
    return lock
