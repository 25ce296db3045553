"""Questions this process answered today and how fast, for /stats."""

from __future__ import annotations

import statistics
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timezone


def _today() -> date:
    return datetime.now(timezone.utc).date()


@dataclass
class QuestionStats:
    """Answer latencies of the current UTC day; the count starts again at midnight."""

    day: date = field(default_factory=_today)
    latencies: list[float] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, seconds: float, today: date | None = None) -> None:
        today = today or _today()
        with self._lock:
            if today != self.day:
                self.day, self.latencies = today, []
            self.latencies.append(seconds)

    def today(self, today: date | None = None) -> tuple[int, float | None]:
        """(questions answered today, median seconds per answer or None)."""
        with self._lock:
            if (today or _today()) != self.day or not self.latencies:
                return 0, None
            return len(self.latencies), statistics.median(self.latencies)
