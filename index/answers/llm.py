"""An OpenAI-compatible chat-completions client (OpenAI, Ollama, llama.cpp server, vLLM, LM Studio).

Plain httpx: one POST to {NEWSBOT_LLM_URL}/chat/completions, streamed as
server-sent events. Connection errors, 429 and 5xx are retried (twice, with a
short backoff) until the first token has arrived; after that a failure is a
failure. The whole answer must arrive within the timeout. The API key goes in
the Authorization header only and never into a message or a log line.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import httpx

from index.errors import LLMError

__all__ = ["LLMClient", "LLMError"]

log = logging.getLogger(__name__)

RETRIES = 2
RETRY_STATUSES = {429, 500, 502, 503, 504}


class LLMClient:
    def __init__(self, base_url: str, model: str, api_key: str | None, timeout: float, *, retry_pause: float = 0.5) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.timeout = timeout
        self.retry_pause = retry_pause
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)), headers=headers)

    def close(self) -> None:
        self._http.close()

    def complete(self, messages: list[dict[str, str]], *, timeout: float | None = None, max_tokens: int = 200) -> str:
        """The whole reply at once (short tasks such as rewriting a question)."""
        return "".join(self.stream(messages, timeout=timeout, max_tokens=max_tokens))

    def stream(self, messages: list[dict[str, str]], *, timeout: float | None = None, max_tokens: int = 600) -> Iterator[str]:
        """The reply as it is written, piece by piece; LLMError when it fails or is too slow."""
        deadline = time.monotonic() + (timeout or self.timeout)
        body = {"model": self.model, "messages": messages, "stream": True, "temperature": 0.2, "max_tokens": max_tokens}
        for attempt in range(RETRIES + 1):
            started = False
            try:
                with self._http.stream("POST", self.url, json=body) as response:
                    if response.status_code in RETRY_STATUSES and attempt < RETRIES:
                        log.warning("language model answered HTTP %d; retrying", response.status_code)
                        time.sleep(self.retry_pause * (attempt + 1))
                        continue
                    if response.status_code >= 400:
                        response.read()
                        raise LLMError(f"the language model answered HTTP {response.status_code}: {_error_text(response)}")
                    for piece in _events(response, deadline):
                        started = True
                        yield piece
                    return
            except httpx.TimeoutException as error:
                raise LLMError("the language model took too long to answer") from error
            except httpx.TransportError as error:
                if started or attempt >= RETRIES:
                    raise LLMError(f"the language model is unreachable ({type(error).__name__})") from error
                log.warning("language model unreachable (%s); retrying", type(error).__name__)
                time.sleep(self.retry_pause * (attempt + 1))
        raise LLMError("the language model kept failing")


def _events(response: httpx.Response, deadline: float) -> Iterator[str]:
    """Content pieces of an SSE stream (or of a plain JSON reply from a server that does not stream)."""
    if "text/event-stream" not in response.headers.get("content-type", ""):
        response.read()
        yield _content(_json(response.text), "message")
        return
    for line in response.iter_lines():
        if time.monotonic() > deadline:
            raise LLMError("the language model took too long to answer")
        if not line.startswith("data:"):
            continue
        data = line.removeprefix("data:").strip()
        if data == "[DONE]":
            return
        piece = _content(_json(data), "delta")
        if piece:
            yield piece


def _json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise LLMError("the language model sent a malformed reply") from error
    if not isinstance(value, dict):
        raise LLMError("the language model sent a malformed reply")
    return value


def _content(event: dict[str, Any], key: str) -> str:
    try:
        content = event["choices"][0][key].get("content") or ""
    except (KeyError, IndexError, TypeError, AttributeError) as error:
        if "error" in event:
            raise LLMError(f"the language model reported an error: {str(event['error'])[:200]}") from error
        raise LLMError("the language model sent a malformed reply") from error
    if not isinstance(content, str):
        raise LLMError("the language model sent a malformed reply")
    return content


def _error_text(response: httpx.Response) -> str:
    try:
        error = response.json().get("error", {})
        return str(error.get("message", error) if isinstance(error, dict) else error)[:200]
    except (json.JSONDecodeError, AttributeError):
        return response.text[:200]
