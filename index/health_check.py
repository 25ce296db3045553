"""Is this Newsbot alive? For container health checks and monitoring (`newsbot health`).

A running bot writes a heartbeat file into its data directory every
HEARTBEAT_SECONDS, with what it found when it asked the store. `newsbot health
--bot` reads only that file (so it never opens an embedded store the bot owns);
without --bot it asks the store itself.
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


def store_problem(services: bootstrap.Services) -> str | None:
    """What is wrong with the store, in words; None when it answers (an empty index is fine)."""
    try:
        services.store.serving_name()
    except NewsbotError as error:
        return str(error)
    return None


def write_heartbeat(settings: Settings, problem: str | None) -> None:
    """Record that the bot is alive (atomically, so a reader never sees half a file)."""
    path = heartbeat_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"pid": os.getpid(), "time": time.time(), "problem": problem}), encoding="utf-8")
    temporary.replace(path)


def problems(settings: Settings, max_age: float, *, bot: bool) -> list[str]:
    """What is wrong, in words; empty when healthy. `bot`: a bot must be running here."""
    if bot:
        path = heartbeat_path(settings)
        if not path.exists():
            return [f"no bot heartbeat in {path}: the bot is not running here"]
        beat = json.loads(path.read_text(encoding="utf-8"))
        age = time.time() - float(beat["time"])
        found = [f"the bot's last heartbeat was {age:.0f} s ago (limit {max_age:.0f} s)"] if age > max_age else []
        return found + ([beat["problem"]] if beat.get("problem") else [])
    services = bootstrap.build(settings, write=False)
    try:
        problem = store_problem(services)
    finally:
        services.close()
    return [problem] if problem else []
