"""Questions first: background embedding (a reindex, a feed poll) yields to them.

On two cores a reindex embedding at full speed makes every question wait for CPU.
Background work marks its thread with `PRIORITY.background()`; the embedder then
encodes in small slices and, before each, waits while any question is being
answered (`PRIORITY.foreground()`), but never longer than MAX_WAIT, so a stream of
questions slows a reindex down without stopping it.

A question that arrives while a slice is being encoded would still share the CPU with it. So
the slices run on one thread of their own (`run_low`) at the lowest CPU priority (nice 19, on
Linux); the threads torch starts for it inherit that, and the scheduler gives a question's
threads the cores whenever both want them. With no question waiting, a low-priority thread
runs as fast as any other, unless other work on the machine (a Chroma server, say) wants the CPU.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

MAX_WAIT = 2.0  # seconds a background slice waits for questions at most
LOW_NICE = 19  # the nice value of the thread that encodes background slices (Linux)

T = TypeVar("T")
S = TypeVar("S")
P = ParamSpec("P")
log = logging.getLogger(__name__)


def _lower_this_thread() -> None:
    """Give the calling thread (and the threads it starts later) the lowest CPU priority, where the
    system allows it per thread (Linux: PRIO_PROCESS with a thread id names that thread alone)."""
    if sys.platform != "linux":
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOW_NICE)
    except OSError as error:  # a sandbox that forbids it: background work still yields between slices
        log.warning("background embedding keeps normal CPU priority: %s", error)


class Priority:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._questions = 0
        self._gaps = 0  # times the count of questions fell to zero
        self._local = threading.local()
        self._low: ThreadPoolExecutor | None = None
        self._low_lock = threading.Lock()

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

    def run_low(self, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`work(*args, **kwargs)` on the low-priority background thread (started on first use), its result or
        its exception here. Background work calls it for each slice it encodes."""
        with self._low_lock:
            if self._low is None:
                self._low = ThreadPoolExecutor(1, thread_name_prefix="background-embedding", initializer=_lower_this_thread)
        return self._low.submit(work, *args, **kwargs).result()

    def in_slices(self, work: Callable[[list[S]], T], items: Sequence[S], size: int) -> list[T]:
        """Background work as the embedders do it: `work` on each slice of `size` items, in order, each on
        the low-priority thread after waiting for the questions being answered (`wait_turn`); the results."""
        results = []
        for start in range(0, len(items), size):
            self.wait_turn()  # a question being answered goes first
            results.append(self.run_low(work, list(items[start : start + size])))
        return results


PRIORITY = Priority()
