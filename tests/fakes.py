"""Small deterministic stand-ins at the boundaries, for fast tests that need no model weights."""

from __future__ import annotations

from index.embedding.hashing import HashingEmbedder as _Hashing


class HashingEmbedder(_Hashing):
    """The product's weightless embedder (`hashing:64`), named apart so tests can tell their indexes apart.

    Good enough to test storage, ids and flows, useless for cross-language retrieval
    (that is what the real model is for).
    """

    def __init__(self, name: str = "test-hashing", dimension: int = 64, max_tokens: int = 200) -> None:
        super().__init__(name=name, dimension=dimension, max_tokens=max_tokens)
