"""Is this Newsbot alive? For container health checks and monitoring (`newsbot health`).

A running bot writes a heartbeat file into its data directory every
HEARTBEAT_SECONDS; the check reads it and asks the store for its size.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from index import bootstrap
from index.errors import NewsbotError
from index.settings import Settings

HEARTBEAT_SECONDS = 30
HEARTBEAT_FILE = "heartbeat.json"


def heartbeat_path(settings: Settings) -> Path:
    return settings.data_dir / HEARTBEAT_FILE


def write_heartbeat(settings: Settings, updates: int) -> None:
    """Record that the bot is alive (atomically, so a reader never sees half a file)."""
    path = heartbeat_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"pid": os.getpid(), "time": time.time(), "updates": updates}), encoding="utf-8")
    temporary.replace(path)


def problems(settings: Settings, max_age: float, *, bot: bool) -> list[str]:
    """What is wrong, in words; empty when healthy. `bot`: a bot must be running here."""
    found: list[str] = []
    path = heartbeat_path(settings)
    if path.exists():
        age = time.time() - float(json.loads(path.read_text(encoding="utf-8"))["time"])
        if age > max_age:
            found.append(f"the bot's last heartbeat was {age:.0f} s ago (limit {max_age:.0f} s)")
    elif bot:
        found.append(f"no bot heartbeat in {path}: the bot is not running here")
    services = bootstrap.build(settings, write=False)
    try:
        services.store.info() if not settings.chroma_url else services.store.built_with()
    except NewsbotError as error:
        found.append(str(error))
    finally:
        services.close()
    return found
