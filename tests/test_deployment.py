"""The container set-up: the compose file is valid and only uses settings that exist."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from index.settings import Settings
from tests.conftest import REPO

COMPOSE = REPO / "docker-compose.yml"


def compose_command() -> list[str] | None:
    """`docker compose` (plugin) or `docker-compose` (standalone), whichever works here."""
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_compose_file_validates(tmp_path: Path) -> None:
    command = compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed on this machine")
    (tmp_path / ".env").write_text("NEWSBOT_TELEGRAM_TOKEN=1:x\n", encoding="utf-8")
    result = subprocess.run(
        [*command, "-f", str(COMPOSE), "--env-file", str(tmp_path / ".env"), "config", "--quiet"],
        capture_output=True, text=True, cwd=REPO, env={"NEWSBOT_DOMAIN": "bot.example.org", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr


def test_compose_and_dockerfile_use_only_real_settings() -> None:
    """A misspelt NEWSBOT_ variable would be silently ignored; catch it here."""
    known = {f"NEWSBOT_{name.upper()}" for name in Settings.model_fields} | {"NEWSBOT_DOMAIN", "NEWSBOT_DB_PASSWORD"}
    compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    used = set(compose["services"]["bot"]["environment"])
    used |= set(re.findall(r"NEWSBOT_[A-Z_]+", (REPO / "Dockerfile").read_text(encoding="utf-8")))
    used |= set(re.findall(r"^#?\s*(NEWSBOT_[A-Z_]+)=", (REPO / ".env.example").read_text(encoding="utf-8"), re.M))
    assert used - known == set()
    environment = compose["services"]["bot"]["environment"]
    assert environment["NEWSBOT_CHROMA_URL"] == "http://chroma:8000"
    assert environment["NEWSBOT_DATABASE_URL"].startswith("postgresql+psycopg://")


def test_every_setting_is_documented() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        variable = f"NEWSBOT_{name.upper()}"
        assert variable in readme, f"{variable} is not in README"
        assert variable in example, f"{variable} is not in .env.example"
