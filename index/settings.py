"""All of Newsbot's settings, from the environment (prefix NEWSBOT_) and `.env`.

One class, created once in an entry point's main() and passed down. Tests build
`Settings(_env_file=None, data_dir=tmp_path, ...)`.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from index.embedding.bundled_model import BUNDLED_MODEL_NAME

# Calibrated for the default model on XQuAD versus out-of-scope questions:
# see docs/threshold.md.
DEFAULT_MIN_SCORE = 0.78
# Topics are short; docs/subscriptions.md shows how this was chosen and how to tune it.
DEFAULT_SUBSCRIPTION_MIN_SCORE = 0.79


def _split_commas(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    """Newsbot's configuration. Every field is documented in README and .env.example."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(Path("data"), description="Embedded Chroma store, built models, locks.")
    models_dir: Path | None = Field(None, description="Where the bundled model is built; default DATA_DIR/models.")
    embedding_model: str = Field(
        BUNDLED_MODEL_NAME,
        description="sentence-transformers model name or local path; the default is built offline.",
    )
    chroma_url: str | None = Field(
        None, description="Chroma server URL (e.g. http://localhost:8000); unset = embedded store."
    )
    collection: str = Field(
        "newsbot",
        pattern=r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,510}[a-zA-Z0-9]$",
        description="Chroma collection name: 3-512 letters, digits, dots, dashes, underscores.",
    )
    sources: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["seeds"],
        description="Files, folders and URLs a reindex reads (comma-separated), besides what was ingested later.",
    )
    top_k: int = Field(5, ge=1, le=50, description="Passages shown per answer.")
    min_score: float = Field(
        DEFAULT_MIN_SCORE,
        ge=-1.0,
        le=1.0,
        description="Cosine similarity below which a question gets 'no relevant passage'.",
    )
    embed_batch_size: int = Field(32, ge=1, le=1024, description="Texts per model.encode call.")
    max_question_chars: int = Field(1000, ge=10, description="Longer questions are refused.")
    stale_after_days: int = Field(
        7, ge=0, description="An answer whose newest passage is older than this many days says how old it is."
    )

    telegram_token: SecretStr | None = Field(None, description="Bot token from @BotFather.")
    telegram_api_url: str = Field(
        "https://api.telegram.org/bot",
        description="Bot API base URL, with or without the trailing /bot (e.g. a local Bot API server http://127.0.0.1:8081).",
    )
    admin_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list, description="Telegram user ids allowed to run admin commands."
    )
    database_url: str | None = Field(
        None, description="SQLAlchemy URL of the subscription database; default sqlite in DATA_DIR."
    )
    feeds: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="RSS/Atom feed URLs: the initial feed list in the database (comma-separated)."
    )
    feed_poll_seconds: int = Field(900, ge=1, description="How often the feeds are polled (seconds).")
    subscription_min_score: float = Field(
        DEFAULT_SUBSCRIPTION_MIN_SCORE, ge=-1.0, le=1.0, description="Similarity a new paragraph needs to a followed topic."
    )
    watch_prefilter_margin: float = Field(
        0.02, ge=0.0, le=1.0,  # calibrated with scripts.dev.bench_watches, see docs/watches.md
        description="A watched question is asked again when a new paragraph's similarity is within this of NEWSBOT_MIN_SCORE.",
    )  # fmt: skip
    timezone: str = Field("Europe/Berlin", description="Time zone of daily digests unless a subscription names one.")
    llm_url: str | None = Field(
        None, description="OpenAI-compatible API base URL (e.g. http://localhost:11434/v1); set = written answers."
    )
    llm_model: str = Field("llama3.2", description="Model name the LLM server knows.")
    llm_api_key: SecretStr | None = Field(None, description="API key, if the LLM server wants one.")
    llm_timeout_seconds: float = Field(60.0, gt=0, description="Longest wait for a written answer before falling back.")
    chat_state_hours: float = Field(
        48.0, gt=0, description="How long a chat's recent questions (for buttons) and conversation are kept."
    )
    inline_cache_seconds: int = Field(
        300, ge=0, le=86400, description="How long Telegram caches the answer to an inline query (seconds)."
    )
    allowed_chats: Annotated[list[int], NoDecode] = Field(
        default_factory=list, description="User and chat ids that may use the bot (comma-separated); empty = everyone."
    )
    webhook_url: str | None = Field(None, description="Public HTTPS URL; set = webhook mode.")
    webhook_listen: str = Field("0.0.0.0", description="Address the webhook server binds.")
    webhook_port: int = Field(8443, ge=1, le=65535, description="Port the webhook server binds.")

    @field_validator("admin_ids", "allowed_chats", "sources", "feeds", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> object:
        return _split_commas(value)

    @property
    def model_cache(self) -> Path:
        return self.models_dir or self.data_dir / "models"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'newsbot.db').resolve()}"

    @field_validator("telegram_api_url")
    @classmethod
    def _bot_api_url(cls, value: str) -> str:
        """The base URL as python-telegram-bot wants it (ending in /bot), from the forms people write."""
        url = value.strip().rstrip("/") or "https://api.telegram.org/bot"  # set but empty: the default
        try:
            parts = urlsplit(url)
            port = parts.port  # raises ValueError for a port that is not a number in range
        except ValueError as error:
            raise ValueError(f"{value!r} is not a URL ({error}): use e.g. http://127.0.0.1:8081") from error
        if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(f"{value!r} is not an http(s) URL of a Bot API server: use e.g. http://127.0.0.1:8081")
        del port
        return url if url.endswith("/bot") else f"{url}/bot"

    @property
    def telegram_file_url(self) -> str:
        """Where files are downloaded: the Bot API server's /file/bot path."""
        return self.telegram_api_url.removesuffix("/bot") + "/file/bot"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}: use a name like Europe/Berlin") from error
        return value
