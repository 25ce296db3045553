"""Questions first: background embedding (a reindex, a feed poll) yields to them.

On two cores a reindex embedding at full speed makes every question wait for CPU.
Background work marks its thread with `PRIORITY.background()`; the embedder then
encodes in small slices and, before each, waits while any question is being
answered (`PRIORITY.foreground()`), but never longer than MAX_WAIT, so a stream of
questions slows a reindex down without stopping it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

MAX_WAIT = 2.0  # seconds a background slice waits for questions at most


class Priority:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._questions = 0
        self._gaps = 0  # times the count of questions fell to zero
        self._local = threading.local()

    @contextlib.contextmanager
    def foreground(self) -> Iterator[None]:
        with self._changed:
            self._questions += 1
        try:
            yield
        finally:
            with self._changed:
                self._questions -= 1
                if self._questions == 0:
                    self._gaps += 1
                    self._changed.notify_all()

    @contextlib.contextmanager
    def background(self) -> Iterator[None]:
        previous = getattr(self._local, "background", False)
        self._local.background = True
        try:
            yield
        finally:
            self._local.background = previous

    @property
    def in_background(self) -> bool:
        return bool(getattr(self._local, "background", False))

    def wait_turn(self) -> None:
        """In a background thread: wait until no question is being answered (at most MAX_WAIT)."""
        if not self.in_background:
            return
        with self._changed:
            # Go at the first gap between questions, even if the next one started already.
            gaps = self._gaps
            self._changed.wait_for(lambda: self._questions == 0 or self._gaps != gaps, timeout=MAX_WAIT)


PRIORITY = Priority()
