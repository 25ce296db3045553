"""A weightless embedder: words hashed into a small vector (same words, same direction).

Named `hashing:DIM` in NEWSBOT_EMBEDDING_MODEL (e.g. `hashing:64`). It needs no model
and no download, so the bot and the command line can be tried, and their flows
tested, in a second; it knows nothing of meaning or languages, so answers are
found by shared words only. Never use it for real questions.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

_WORD = re.compile(r"\w+")


class HashingEmbedder:
    """Bag of words hashed into `dimension` buckets, L2-normalized; implements index.embedding.embedder.Embedder."""

    def __init__(self, name: str = "hashing:64", dimension: int = 64, max_tokens: int = 200) -> None:
        self.name = name
        self._dimension = dimension
        self._max_tokens = max_tokens
        self.embedded: list[str] = []  # every passage text embedded, so tests can check nothing is embedded twice

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def max_tokens(self) -> int:
        return self._max_tokens

    def count_tokens(self, text: str) -> int:
        return len(_WORD.findall(text))

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self._dimension, dtype=np.float32)
        for word in _WORD.findall(text.lower()):
            digest = hashlib.md5(word.encode("utf-8")).digest()
            vector[int.from_bytes(digest[:4], "little") % self._dimension] += 1.0
        norm = float(np.linalg.norm(vector))
        if norm == 0:
            vector[0] = 1.0
            return vector
        return vector / norm

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded.extend(texts)
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def embed_passages_and_sentences(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Paragraph vectors and, for each paragraph, its sentences' (index.embedding.sentence_vectors.embed_together)."""
        from index.embedding.sentence_vectors import embed_together

        return embed_together(self.embed_passages, texts, spans)
