"""The Chroma client, and Chroma's failures turned into Newsbot's errors.

Newsbot always passes its own embeddings: Chroma's default embedding function (which would
download an ONNX model) is never used, and telemetry is off. The client is made on first use and
again after a failure, so a server that is down at start (or restarts) is picked up when it is back.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

from index.errors import IndexEmpty, ModelMismatch, StoreError, StoreUnavailable


def now_stamp() -> str:
    """The current UTC time as an ISO 8601 stamp to the second (how the store records times)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def age_seconds(stamp: object) -> float:
    """Seconds since an ISO time stamp (infinite when there is none)."""
    if not isinstance(stamp, str):
        return float("inf")
    try:
        return (datetime.now(timezone.utc) - datetime.fromisoformat(stamp)).total_seconds()
    except ValueError:
        return float("inf")


def reason(exc: BaseException) -> str:
    """The first line of an exception's message, for an error message of ours."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]


def _quiet_chroma_logs() -> None:
    for name in ("chromadb.telemetry", "chromadb.telemetry.product.posthog"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def open_client(chroma_url: str | None, chroma_dir: Path) -> Any:
    """A Chroma client: HTTP when `chroma_url` is set, else persistent under `chroma_dir`.

    Raises StoreError for a malformed URL and StoreUnavailable when the server cannot be reached.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    _quiet_chroma_logs()
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if not chroma_url:
        chroma_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(chroma_dir), settings=chroma_settings)
    url = urlparse(chroma_url)
    if url.scheme not in {"http", "https"} or not url.hostname:
        raise StoreError(f"NEWSBOT_CHROMA_URL must look like http://host:8000, not {chroma_url!r}")
    port = url.port or (443 if url.scheme == "https" else 8000)
    try:
        return chromadb.HttpClient(host=url.hostname, port=port, ssl=url.scheme == "https", settings=chroma_settings)
    except Exception as exc:
        raise StoreUnavailable(
            f"the Chroma server at {chroma_url} is not reachable ({reason(exc)}); "
            "start it with `chroma run --path DIR` or check NEWSBOT_CHROMA_URL"
        ) from exc


class Connection:
    """One Chroma client, made lazily by `connect`, and the error mapping every call goes through."""

    def __init__(self, connect: Callable[[], Any], *, remote: bool) -> None:
        self._connect = connect
        self._client: Any = None
        self.remote = remote

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._connect()
        return self._client

    def close(self) -> None:
        """Release the client's connections (HTTP) or files (embedded)."""
        close = getattr(self._client, "close", None)
        self._client = None
        if close is not None:
            close()

    @contextlib.contextmanager
    def guard(self, on_failure: Callable[[], None] = lambda: None) -> Iterator[None]:
        """Turn Chroma's and the transport's failures into StoreUnavailable / IndexEmpty.

        `on_failure` runs first (a caller forgets the collection it cached); a server's client is
        dropped, so the next call connects again.
        """
        try:
            yield
        except (StoreError, ModelMismatch):
            raise
        except (httpx.HTTPError, ConnectionError, OSError) as exc:
            on_failure()
            if self.remote:
                self._client = None
            raise StoreUnavailable(f"the vector store is unavailable ({reason(exc)}); try again in a moment") from exc
        except Exception as exc:
            from chromadb.errors import ChromaError, NotFoundError

            if isinstance(exc, NotFoundError):
                on_failure()
                raise IndexEmpty("the index is empty: ingest some articles first") from exc
            if isinstance(exc, ChromaError) and self.remote:
                on_failure()
                self._client = None
                raise StoreUnavailable(f"the Chroma server failed ({reason(exc)}); try again") from exc
            raise
