"""A fake OpenAI-compatible chat-completions server on loopback, with scripted replies.

Each request takes the next `Reply` from the script (or the default): streamed
pieces with pauses, a stall before the first byte, an HTTP error, or raw lines
(for malformed streams). It records every request body and its Authorization header.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.servers import QuietHandler, serve_in_thread


@dataclass
class Reply:
    pieces: list[str] = field(default_factory=lambda: ["The articles don't say."])
    pause: float = 0.0  # seconds between pieces
    stall: float = 0.0  # seconds before anything is sent
    status: int = 200
    raw: list[str] | None = None  # lines sent as they are, instead of well-formed events


@dataclass
class FakeLLM:
    script: deque[Reply] = field(default_factory=deque)
    default: Reply = field(default_factory=Reply)
    requests: list[dict[str, Any]] = field(default_factory=list)

    def add(self, *replies: Reply) -> None:
        self.script.extend(replies)

    def prompts(self) -> list[str]:
        """The last message of each request (the passages and question, or the conversation)."""
        return [r["body"]["messages"][-1]["content"] for r in self.requests]


@contextmanager
def serve_llm(fake: FakeLLM) -> Iterator[str]:
    """Run the fake; yields the base URL for NEWSBOT_LLM_URL (…/v1)."""

    class Handler(QuietHandler):
        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            fake.requests.append({"path": self.path, "body": body, "authorization": self.headers.get("Authorization")})
            reply = fake.script.popleft() if fake.script else fake.default
            time.sleep(reply.stall)
            if self.path != "/v1/chat/completions" or reply.status != 200:
                status = reply.status if reply.status != 200 else 404
                data = json.dumps({"error": {"message": f"scripted failure {status}"}}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            lines = reply.raw or [
                "data: " + json.dumps({"choices": [{"index": 0, "delta": {"content": piece}}]}) for piece in reply.pieces
            ] + ["data: [DONE]"]
            try:
                for line in lines:
                    self.wfile.write((line + "\n\n").encode("utf-8"))
                    self.wfile.flush()
                    time.sleep(reply.pause)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout): nothing more to say

    with serve_in_thread(Handler) as url:
        yield url + "/v1"
