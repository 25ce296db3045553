"""Logging for the bot: one JSON object per line, and the token never reaches a log line.

Fields: time, level, logger, message, and whatever a call passes in `extra`
(e.g. the question log: event, chat_type, latency_ms, found, passages). The
text of users' messages is never logged at INFO.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import datetime, timezone

# Attributes every LogRecord has; anything else came in through `extra`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonLines(logging.Formatter):
    """A log record as one line of JSON, for log collectors (and grep)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({key: value for key, value in vars(record).items() if key not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


class RedactToken(logging.Filter):
    """Replaces the bot token wherever it appears in a record (URLs of failed requests carry it)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.token:
            return True
        message = record.getMessage()
        if self.token in message:
            record.msg = message.replace(self.token, "<token>")
            record.args = ()
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            if self.token in text:
                record.exc_text = text.replace(self.token, "<token>")
                record.exc_info = None
        return True


class StartupRetries(logging.Filter):
    """python-telegram-bot retries its start (getMe, setWebhook) silently, at DEBUG, without the reason.

    Each retry becomes one WARNING line that says what failed; the loop's other debug
    lines are dropped. Attached to the loop's logger ("telegram.ext"), set to DEBUG for
    it; the handler's level keeps its child loggers' debug lines out. A rejected token is
    logged by the loop with a full traceback before `newsbot serve` says what to do in
    one line: that record is dropped.
    """

    def __init__(self) -> None:
        super().__init__()
        self.started = time.monotonic()

    def filter(self, record: logging.LogRecord) -> bool:
        if "Invalid token" in str(record.msg):
            return False
        if record.levelno > logging.DEBUG:
            return True
        args = record.args if isinstance(record.args, tuple) else ()
        if "Failed run number" not in str(record.msg) or len(args) < 2 or "Bootstrap" not in str(args[0]):
            return False
        error = sys.exc_info()[1]  # the filter runs inside the loop's `except` block
        attempt = int(str(args[1])) + 1
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.msg = "the Telegram Bot API is not reachable yet (%s); attempt %d failed, retrying with backoff"
        record.args = (f"{type(error).__name__}: {error}" if error else "no answer", attempt)
        record.__dict__.update(event="startup_retry", attempt=attempt, waited_s=round(time.monotonic() - self.started, 1))
        return True


RETRY_LOGGER = "telegram.ext"  # python-telegram-bot names its utils modules' loggers so


def configure(token: str, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    handler.setLevel(level)
    handler.addFilter(RedactToken(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    retries = logging.getLogger(RETRY_LOGGER)
    retries.setLevel(logging.DEBUG)
    retries.filters[:] = [StartupRetries()]
