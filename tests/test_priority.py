"""Questions first: background embedding waits for questions between slices and runs at the lowest
CPU priority (index.embedding.priority)."""

from __future__ import annotations

import os
import sys
import threading

from collections.abc import Callable

import numpy as np
import pytest

from index.embedding.embedder import BACKGROUND_SLICE, SentenceTransformerEmbedder
from index.embedding.priority import LOW_NICE, PRIORITY, Priority
from index.embedding.sparse_embedding import sparse_embedder


def _nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.skipif(sys.platform != "linux", reason="thread priorities are per thread on Linux only")
def test_run_low_returns_the_result_from_a_thread_at_the_lowest_priority() -> None:
    caller = _nice()

    def where(label: str) -> tuple[str, str, int]:
        return label, threading.current_thread().name, _nice()

    label, name, nice = Priority().run_low(where, "slice")
    assert (label, nice) == ("slice", LOW_NICE)
    assert name.startswith("background-embedding")
    assert _nice() == caller  # the caller keeps its own priority


def test_run_low_raises_the_works_error_in_the_caller() -> None:
    def fail() -> None:
        raise ValueError("broken slice")

    with pytest.raises(ValueError, match="broken slice"):
        Priority().run_low(fail)


def test_a_background_slice_waits_while_a_question_is_answered() -> None:
    priority = Priority()
    waiting, passed = threading.Event(), threading.Event()

    def background() -> None:
        with priority.background():
            waiting.set()
            priority.wait_turn()
            passed.set()

    with priority.foreground():
        worker = threading.Thread(target=background)
        worker.start()
        assert waiting.wait(5)
        assert not passed.wait(0.2)  # still answering: the slice waits
    assert passed.wait(5)  # the question is done: the slice goes
    worker.join(5)


@pytest.mark.slow
def test_background_encoding_runs_slice_by_slice_on_the_low_thread_with_the_same_vectors(
    real_embedder: SentenceTransformerEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [f"Absatz {i}: Die Regierung in Wien plant eine Reform der Pensionen bis {2030 + i}." for i in range(9)]
    foreground = real_embedder.embed_passages(texts)
    ran_on: list[str] = []
    run_low = PRIORITY.run_low

    def watched(work: Callable[..., object], *args: object) -> object:
        ran_on.append(run_low(lambda: threading.current_thread().name))
        return run_low(work, *args)

    monkeypatch.setattr(PRIORITY, "run_low", watched)
    with PRIORITY.background():  # nine texts: three slices of BACKGROUND_SLICE on the low-priority thread
        background = real_embedder.embed_passages(texts)
        empty = real_embedder.embed_passages([])
    assert len(ran_on) == -(-len(texts) // BACKGROUND_SLICE)
    assert all(name.startswith("background-embedding") for name in ran_on)
    assert np.allclose(background, foreground, atol=1e-5)
    assert empty.shape == (0, foreground.shape[1])


@pytest.mark.slow
def test_background_sparse_encoding_matches_the_foreground(real_embedder: SentenceTransformerEmbedder) -> None:
    terms = sparse_embedder(real_embedder)
    assert terms is not None
    texts = [f"Satz {i}: Der Nationalrat beschließt das Budget für {2026 + i}." for i in range(6)]
    dense, sparse = terms.embed_passages_sparse(texts)
    with PRIORITY.background():
        low_dense, low_sparse = terms.embed_passages_sparse(texts)
        empty_dense, empty_sparse = terms.embed_passages_sparse([])
    assert np.allclose(low_dense, dense, atol=1e-5)
    assert [set(v.indices.tolist()) for v in low_sparse] == [set(v.indices.tolist()) for v in sparse]
    assert empty_dense.shape == (0, dense.shape[1]) and empty_sparse == []
