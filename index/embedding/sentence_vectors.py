"""Sentence vectors of a paragraph, made once at ingest from the paragraph's own forward pass.

An answer quotes sentences of the retrieved paragraphs and ranks them by their
similarity to the question. Embedding those sentences for every question cost
five times the retrieval itself (docs/benchmarks.md, issue 18). Instead each
paragraph's sentences are embedded once, at ingest, in the same encode call as
the paragraphs, stored beside the paragraph (index.store.vector_store: a side collection per
index generation) and read back with the retrieved passages. The vectors are the
ones the answer step made before, so answers do not change.

(Sentence vectors pooled from the paragraph's own token states, "late chunking",
would cost nothing at ingest but chose the right sentence far less often: see
docs/retrieval.md, issue 14.)

Here: which sentences a paragraph has (the same ones the answer step chooses
from), embedding them with their paragraphs, and the compact form they are
stored in.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from index.ingest.splitting import normalize_space, split_sentences

if TYPE_CHECKING:
    from index.answers.extractive import Candidate
    from index.domain import Chunk, Passage
    from index.embedding.embedder import Embedder

MIN_SENTENCE_CHARS = 25  # a shorter fragment ("Ja.", "(dpa)") joins the sentence before

Span = tuple[int, int]  # character offsets [start, end) into the paragraph's text


def answer_sentences(text: str, language: str | None) -> list[str]:
    """The sentences an answer may quote from a paragraph: very short fragments join the one before;
    a paragraph of one sentence (or none found) is its own only sentence."""
    joined: list[str] = []
    for sentence in split_sentences(text, language):
        if joined and len(sentence) < MIN_SENTENCE_CHARS:
            joined[-1] = f"{joined[-1]} {sentence}"
        else:
            joined.append(sentence)
    return joined if len(joined) > 1 else [text]


def sentence_spans(text: str, language: str | None) -> list[Span]:
    """Character spans in `text` of `answer_sentences(text, language)`, in order.

    The splitter collapses white space, so sentences are found in the collapsed text and
    mapped back; a sentence that cannot be found (never seen: the splitter is a library)
    ends the list there.
    """
    collapsed, origin = _collapse(text)
    if not collapsed:
        return []  # nothing to quote (white space only)
    found: list[Span] = []
    cursor = 0
    for sentence in answer_sentences(text, language):
        start = collapsed.find(normalize_space(sentence), cursor)
        if start < 0:
            break
        end = start + len(normalize_space(sentence))
        found.append((origin[start], origin[end - 1] + 1))
        cursor = end
    return found


def _collapse(text: str) -> tuple[str, list[int]]:
    """`normalize_space(text)` and, for each of its characters, its index in `text`."""
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if char.isspace():
            if chars and chars[-1] != " ":
                chars.append(" ")
                origin.append(index)
        else:
            chars.append(char)
            origin.append(index)
    if chars and chars[-1] == " ":
        chars.pop()
        origin.pop()
    return "".join(chars), origin


def embed_together(
    embed: Callable[[Sequence[str]], np.ndarray], texts: Sequence[str], spans: Sequence[Sequence[Span]]
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Paragraph vectors and each paragraph's sentence vectors from one call of `embed` (passages → unit
    vectors): every sentence is embedded on its own, as the answer step embedded them per question
    before; a sentence that is the whole paragraph reuses the paragraph's vector."""
    sentences, rows = sentence_rows(texts, spans)
    vectors = embed([*texts, *sentences])
    return vectors[: len(texts)], [vectors[group] for group in rows]


def sentence_rows(texts: Sequence[str], spans: Sequence[Sequence[Span]]) -> tuple[list[str], list[list[int]]]:
    """The sentences to embed after the paragraphs, and per paragraph the rows of its sentence vectors in
    `[*texts, *sentences]`: a paragraph that is one sentence points at its own row (no sentence of its own)."""
    sentences: list[str] = []
    rows: list[list[int]] = []
    for index, (text, text_spans) in enumerate(zip(texts, spans, strict=True)):
        if _whole(text, text_spans):
            rows.append([index][: len(text_spans)])
            continue
        rows.append(list(range(len(texts) + len(sentences), len(texts) + len(sentences) + len(text_spans))))
        sentences.extend(text[a:b] for a, b in text_spans)
    return sentences, rows


def _whole(text: str, spans: Sequence[Span]) -> bool:
    return len(spans) <= 1 and (not spans or normalize_space(text[spans[0][0] : spans[0][1]]) == normalize_space(text))


@runtime_checkable
class SentenceEmbedder(Protocol):
    """An embedder (index.embedding.embedder.Embedder) that also makes sentence vectors at ingest."""

    def embed_passages_and_sentences(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """(paragraph vectors (n, dim), per paragraph an array (len(spans[i]), dim) of its sentences' vectors)."""
        ...


def makes_sentence_vectors(embedder: object) -> bool:
    """Whether `embedder` (or the one a cache wraps, its `inner`) makes sentence vectors at ingest."""
    return isinstance(getattr(embedder, "inner", embedder), SentenceEmbedder)


@dataclass(frozen=True)
class SentenceVectors:
    """A paragraph's answer sentences as character spans, with one unit vector each (float32)."""

    spans: tuple[Span, ...]
    vectors: np.ndarray  # (len(spans), dim)

    def lookup(self, text: str, sentence: str) -> np.ndarray | None:
        """The vector of `sentence` (a sentence of `text`, the paragraph these were made from), if stored."""
        for (start, end), vector in zip(self.spans, self.vectors, strict=True):
            if normalize_space(text[start:end]) == sentence:
                found: np.ndarray = vector
                return found
        return None

    def encode(self) -> str:
        """A compact string for the store: spans as JSON and float16 vectors in base64."""
        payload = base64.b64encode(np.asarray(self.vectors, dtype="<f2").tobytes()).decode("ascii")
        return json.dumps({"spans": [list(s) for s in self.spans], "dim": int(self.vectors.shape[1]), "f16": payload})

    @classmethod
    def decode(cls, value: object) -> SentenceVectors | None:
        """The vectors `encode` wrote; None for anything else (an older or damaged record)."""
        if not isinstance(value, str):
            return None
        try:
            data = json.loads(value)
            dim = int(data["dim"])
            spans = tuple((int(a), int(b)) for a, b in data["spans"])
            raw = np.frombuffer(base64.b64decode(data["f16"]), dtype="<f2")
            vectors = raw.astype(np.float32).reshape(len(spans), dim)
        except (ValueError, KeyError, TypeError):
            return None
        return cls(spans, vectors)


def embed_chunks(embedder: Embedder, chunks: Sequence[Chunk]) -> tuple[np.ndarray, list[SentenceVectors | None] | None]:
    """The chunks' vectors and, where the embedder makes them, their sentence vectors (else None)."""
    texts = [c.text for c in chunks]
    if not (makes_sentence_vectors(embedder) and isinstance(embedder, SentenceEmbedder)):
        return embedder.embed_passages(texts), None
    spans = [sentence_spans(c.text, c.language) for c in chunks]
    vectors, sentences = embedder.embed_passages_and_sentences(texts, spans)
    return vectors, [SentenceVectors(tuple(s), v) for s, v in zip(spans, sentences, strict=True)]


def similarities(
    query: np.ndarray,
    candidates: Sequence[Candidate],
    passages: Sequence[Passage],
    stored: dict[str, SentenceVectors],
    passage_vectors: Sequence[np.ndarray],
    embedder: Embedder,
) -> np.ndarray:
    """Cosine of each candidate sentence to the question (`query`, a unit vector): shape (len(candidates),).

    A sentence's vector comes from `stored` (chunk id → its sentence vectors, made at ingest);
    a sentence without one (an index built before them) falls back to its passage's vector
    (`passage_vectors[i]` for `passages[i]`) when it is the whole passage, else it is embedded now.
    """
    vectors: list[np.ndarray | None] = []
    for c in candidates:
        chunk = passages[c.passage].chunk
        known = stored.get(chunk.id)
        vector = known.lookup(chunk.text, c.text) if known is not None else None
        if vector is None and c.whole_passage:
            vector = passage_vectors[c.passage]
        vectors.append(vector)
    missing = [i for i, v in enumerate(vectors) if v is None]
    if missing:
        fresh = embedder.embed_passages([candidates[i].text for i in missing])
        for i, vector in zip(missing, fresh, strict=True):
            vectors[i] = vector
    if not vectors:
        return np.zeros(0, dtype=np.float32)
    result: np.ndarray = np.stack([v for v in vectors if v is not None]) @ query
    return result
