"""Tune the sparse signal's weights (index/retrieval/fusion.py) on XQuAD half A, report half B; try more ideas.

    NEWSBOT_MODELS_DIR=/tmp/models .venv/bin/python -m scripts.dev.tune_fusion ../shared/eval/xquad

Scores are the product's own: for each question the dense top-30 (CANDIDATES of
index/retrieval/search.py), ranked by cosine + keyword bonus + typed evidence as `index.retrieval.search.retrieve` ranks
them, then fused with the sparse dot product by `index.retrieval.fusion.fuse`. The dense and sparse
vectors come from one pass (index/embedding/sparse_head.py) and are cached by scripts/dev/tune_sparse.py
(`--cache`, default /tmp/newsbot-tune-sparse). Halves by article title as
scripts/dev/tune_retrieval.py: every other title in sorted order is half A (tuning); half B is
only reported. Each idea is tuned on half A (per question language) and kept only if it
helps on half B too (docs/retrieval.md).
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse

from index.retrieval import fusion
from index.answers import extractive
from index.retrieval import keywords
from index.retrieval import language
from index.retrieval import questions
from index.domain import Chunk
from index.retrieval.search import CANDIDATES
from index.settings import Settings
from index.embedding.sparse_head import SparseVector
from scripts.dev.tune_sparse import encode_variant, read_jsonl

WEIGHTS = [0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0, 1.3, 1.6, 2.0]
LANGUAGES = ("en", "de")


@dataclass
class Run:
    """Per question: the candidates (passage indices, best dense first) and the product's base scores."""

    candidates: np.ndarray  # [Q, C] passage index
    base: np.ndarray  # [Q, C] cosine + keyword bonus + typed evidence
    sparse: np.ndarray  # [Q, C] sparse dot products
    gold: np.ndarray  # [Q]
    lang: np.ndarray  # [Q] "en" / "de"
    half: np.ndarray  # [Q] 0 = A, 1 = B
    question_language: list[str | None]

    def recall1(self, scores: np.ndarray, lang: str, half: int) -> float:
        pick = (self.lang == lang) & (self.half == half)
        best = self.candidates[np.arange(len(scores)), np.argmax(scores, axis=1)]
        return float((best[pick] == self.gold[pick]).mean())


def fused(run: Run, extra: np.ndarray, weight: float) -> np.ndarray:
    """index.retrieval.fusion.fuse of every question's candidates with `extra` at `weight`."""
    out = np.empty_like(run.base)
    for q in range(len(run.base)):
        out[q] = fusion.fuse(run.base[q], extra[q], [weight] * run.base.shape[1])
    return out


def tune(run: Run, lang: str, make: Callable[[float], np.ndarray], grid: Sequence[float]) -> tuple[float, np.ndarray]:
    """The grid value with the best Recall@1 on half A for `lang` (ties: the first)."""
    best: tuple[float, float, np.ndarray] | None = None
    for value in grid:
        scores = make(value)
        a = run.recall1(scores, lang, 0)
        if best is None or a > best[0] + 1e-12:
            best = (a, value, scores)
    assert best is not None
    return best[1], best[2]


def row(run: Run, name: str, lang: str, scores: np.ndarray, setting: str) -> str:
    return f"| {name} | {lang} | {setting} | {run.recall1(scores, lang, 0):.3f} / {run.recall1(scores, lang, 1):.3f} |"


def prepare(folder: Path, cache: Path, settings: Settings) -> tuple[Run, list[dict[str, object]], list[str], scipy.sparse.csr_matrix, scipy.sparse.csr_matrix]:
    passages, asked = read_jsonl(folder / "passages.jsonl"), read_jsonl(folder / "questions.jsonl")
    texts = [p["text"] for p in passages]
    encoded = encode_variant("shared", None, texts, [q["question"] for q in asked], cache, settings)
    ids = {p["id"]: i for i, p in enumerate(passages)}
    titles = sorted({p["title"] for p in passages})
    half_of = {t: i % 2 for i, t in enumerate(titles)}
    gold = np.array([ids[q["passage_id"]] for q in asked])
    dense = encoded.questions_dense @ encoded.passages_dense.T
    candidates = np.argsort(-dense, axis=1, kind="stable")[:, :CANDIDATES]
    chunks = [Chunk(p["id"], 0, 1, p["text"], "", p["id"], language="de") for p in passages]
    stats = keywords.TermStats.build((c.text, c.language) for c in chunks)
    sparse_all = np.asarray((encoded.questions_sparse @ encoded.passages_sparse.T).todense())
    base = np.empty(candidates.shape)
    langs: list[str | None] = []
    for q, question in enumerate(asked):
        text = str(question["question"])
        qlang = language.detect(text)
        langs.append(qlang)
        picked = [chunks[i] for i in candidates[q]]
        bonus = keywords.keyword_bonus(text, qlang, [(c.text, c.language) for c in picked], stats)
        typed = extractive.passage_evidence(questions.analyze(text, qlang), picked)
        base[q] = dense[q, candidates[q]] + np.asarray(bonus) + np.asarray(typed)
    run = Run(
        candidates=candidates,
        base=base,
        sparse=np.take_along_axis(sparse_all, candidates, axis=1),
        gold=gold,
        lang=np.array([q["lang"] for q in asked]),
        half=np.array([half_of[passages[g]["title"]] for g in gold]),
        question_language=langs,
    )
    return run, asked, texts, encoded.questions_sparse, encoded.passages_sparse


def idf_sparse(run: Run, qs: scipy.sparse.csr_matrix, ps: scipy.sparse.csr_matrix, power: float) -> np.ndarray:
    """Sparse dot products with each feature weighted by idf**power over the passages."""
    df = np.bincount(ps.indices, minlength=ps.shape[1])
    idf = np.log(1 + (ps.shape[0] - df + 0.5) / (df + 0.5)) ** power
    weighted = np.asarray((qs @ scipy.sparse.diags(idf) @ ps.T).todense())
    return np.take_along_axis(weighted, run.candidates, axis=1)


def keyword_prf(run: Run, first: np.ndarray, texts: list[str], depth: int, top_terms: int) -> np.ndarray:
    """BM25 of each candidate for the `top_terms` most distinctive terms (tf-idf) of the `depth`
    best passages by `first` (pseudo-relevance feedback: a German query for English questions)."""
    stats = keywords.TermStats.build((t, "de") for t in texts)
    bags = [keywords.terms(t, "de") for t in texts]
    out = np.zeros_like(run.base)
    for q in range(len(run.base)):
        order = np.argsort(-first[q])[:depth]
        counts: dict[str, float] = {}
        for j in order:
            for term, tf in Counter(bags[run.candidates[q, j]]).items():
                counts[term] = counts.get(term, 0.0) + tf * stats.idf(term)
        query = sorted(counts, key=lambda t: -counts[t])[:top_terms]
        out[q] = [keywords.bm25(query, bags[i], stats) for i in run.candidates[q]]
    return out


def vocabulary_expansion(
    run: Run, asked: list[dict[str, object]], texts: list[str], thresholds: Sequence[float], settings: Settings
) -> dict[float, np.ndarray]:
    """Cross-lingual expansion through the model's own input embeddings: each content token of
    an English question matches a passage token whose embedding is within `threshold` cosine;
    the score is the idf-weighted sum, over question tokens, of the best match in the passage."""
    from sentence_transformers import SentenceTransformer

    from index.embedding.bundled_model import ensure_built

    model = SentenceTransformer(str(ensure_built(settings.model_cache)), device="cpu")
    tokenizer = model.tokenizer
    transformer: Any = model[0]
    table = transformer.auto_model.get_input_embeddings().weight.detach().numpy()
    table = table / (np.linalg.norm(table, axis=1, keepdims=True) + 1e-9)
    stop = set().union(*keywords._STOPWORDS.values())

    def tokens(text: str) -> list[int]:
        words = [w for w in keywords._WORD.findall(text.lower()) if w not in stop and len(w) > 2]
        ids: list[int] = tokenizer(" ".join(words), add_special_tokens=False)["input_ids"]
        return ids

    passage_tokens = [set(tokens(t)) for t in texts]
    df: Counter[int] = Counter(t for bag in passage_tokens for t in bag)
    n = len(texts)
    out = {t: np.zeros_like(run.base) for t in thresholds}
    for q, question in enumerate(asked):
        if run.lang[q] != "en":
            continue
        for token in set(tokens(str(question["question"]))):
            for j, i in enumerate(run.candidates[q]):
                bag = list(passage_tokens[i])
                if not bag:
                    continue
                sims = table[bag] @ table[token]
                best = int(np.argmax(sims))
                idf = np.log(1 + (n - df[bag[best]] + 0.5) / (df[bag[best]] + 0.5))
                for threshold in thresholds:
                    if sims[best] >= threshold:
                        out[threshold][q, j] += float(sims[best]) * idf
    return out


def name_bonus(run: Run, asked: list[dict[str, object]], texts: list[str]) -> np.ndarray:
    """The cross-language names-and-numbers bonus at weight 1 (zero for same-language questions)."""
    stats = keywords.TermStats.build((t, "de") for t in texts)
    out = np.zeros_like(run.base)
    for q, question in enumerate(asked):
        if (run.question_language[q] or "de") != "de":
            docs = [(texts[i], "de") for i in run.candidates[q]]
            out[q] = keywords.keyword_bonus(str(question["question"]), run.question_language[q], docs, stats, cross_weight=1.0)
    return out


def strongest_rows(matrix: scipy.sparse.csr_matrix, count: int) -> scipy.sparse.csr_matrix:
    """Each row cut to its `count` largest values, as index.retrieval.fusion.strongest cuts a question's vector."""
    rows = []
    for r in range(matrix.shape[0]):
        a, b = matrix.indptr[r], matrix.indptr[r + 1]
        kept = fusion.strongest(SparseVector(matrix.indices[a:b], matrix.data[a:b]), count)
        rows.append(scipy.sparse.csr_matrix((kept.values, (np.zeros(len(kept.indices), int), kept.indices)), shape=(1, matrix.shape[1])))
    stacked: scipy.sparse.csr_matrix = scipy.sparse.vstack(rows).tocsr()
    return stacked


def on_candidates(run: Run, matrix: Any) -> np.ndarray:
    full = np.asarray(matrix.todense()) if scipy.sparse.issparse(matrix) else np.asarray(matrix)
    return np.take_along_axis(full, run.candidates, axis=1)


def fuse_after(run: Run, first: np.ndarray, extra: np.ndarray) -> Callable[[float], np.ndarray]:
    """A second signal fused into already fused scores (questions where it is all zero keep theirs)."""
    return lambda weight: np.stack(
        [fusion.fuse(first[q], extra[q], [weight] * first.shape[1]) if extra[q].any() else first[q] for q in range(len(first))]
    )


def sentence_maxsim(run: Run, texts: list[str], questions_dense: np.ndarray, settings: Settings, cache: Path) -> np.ndarray:
    """Per question and candidate: the best cosine of the question with one of the candidate's answer
    sentences, their vectors as ingest stores them (index.embedding.sentence_vectors) — "MaxP"
    (Dai & Callan, SIGIR 2019: a document scored by its best passage), one level down."""
    path = cache / "xquad-sentences.npz"
    if path.exists():
        saved = np.load(path)
        vectors, owner = saved["vectors"], saved["owner"]
    else:
        from index.bootstrap import build_cached_embedder
        from index.embedding.sentence_vectors import embed_chunks

        chunks = [Chunk(f"p{i}", 0, 1, text, "", f"p{i}", language="de") for i, text in enumerate(texts)]
        _, sentences = embed_chunks(build_cached_embedder(settings), chunks)
        assert sentences is not None, "the default model makes sentence vectors"
        vectors = np.concatenate([np.asarray(s.vectors if s is not None else [], dtype=np.float32) for s in sentences])
        owner = np.concatenate([np.full(len(s.vectors), i) for i, s in enumerate(sentences) if s is not None])
        np.savez(path, vectors=vectors, owner=owner)
    similar = questions_dense @ vectors.T
    best = np.full((len(questions_dense), len(texts)), -1.0)
    for passage in range(len(texts)):
        mine = owner == passage
        if mine.any():
            best[:, passage] = similar[:, mine].max(axis=1)
    return np.take_along_axis(best, run.candidates, axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", nargs="?", default="../shared/eval/xquad")
    parser.add_argument("--cache", default="/tmp/newsbot-tune-sparse")
    parser.add_argument("--skip-vocabulary", action="store_true", help="leave out the slowest idea")
    parser.add_argument("--only-sentences", action="store_true", help="only the product and the sentence signal (issue 15, idea 6)")
    args = parser.parse_args()
    settings = Settings()
    run, asked, texts, qs, ps = prepare(Path(args.folder), Path(args.cache), settings)
    print(f"XQuAD: {len(texts)} passages, {len(asked)} questions; dense top-{CANDIDATES} reranked.")
    print("Recall@1 half A / half B; settings tuned per question language on half A.\n")
    print("| method | questions | tuned on A | R@1 A / B |")
    print("|---|---|---|---|")
    truncated = {m: on_candidates(run, strongest_rows(qs, m) @ ps.T) for m in (8, 16, 24, 32, 48, 64, 128)}
    norms = np.sqrt(np.asarray(ps.multiply(ps).sum(axis=1))).ravel()[run.candidates]
    vocab = None if args.skip_vocabulary else vocabulary_expansion(run, asked, texts, (0.5, 0.6, 0.7), settings)
    product = truncated[fusion.QUERY_FEATURES]
    if args.only_sentences:
        encoded = encode_variant("shared", None, texts, [str(q["question"]) for q in asked], Path(args.cache), settings)
        best_sentence = sentence_maxsim(run, texts, encoded.questions_dense, settings, Path(args.cache))
        for lang in LANGUAGES:
            w, scores = tune(run, lang, lambda x: fused(run, product / norms, x), WEIGHTS)
            print(row(run, "**product**: dense + keywords + typed + sparse over L2 norm", lang, scores, f"w={w}"))
            w2, with_sentences = tune(run, lang, fuse_after(run, scores, best_sentence), WEIGHTS)
            print(row(run, "  then the best sentence's cosine (MaxP over stored sentence vectors)", lang, with_sentences, f"w={w2}"))
            dense = np.take_along_axis(encoded.questions_dense @ encoded.passages_dense.T, run.candidates, axis=1)
            w5, gain = tune(run, lang, fuse_after(run, scores, best_sentence - dense), WEIGHTS)
            print(row(run, "  then (best sentence's cosine − the passage's cosine): what the sentence adds", lang, gain, f"w={w5}"))
            w4, without_sparse = tune(run, lang, fuse_after(run, run.base, best_sentence), WEIGHTS)
            print(row(run, "  without sparse (server mode): base, then the best sentence's cosine", lang, without_sparse, f"w={w4}"))
            shifted = Run(run.candidates, run.base + best_sentence, run.sparse, run.gold, run.lang, run.half, run.question_language)
            w3, added = tune(shifted, lang, lambda x, r=shifted: fused(r, product / norms, x), WEIGHTS)  # type: ignore[misc]
            print(row(shifted, "  best sentence's cosine added to the base, then sparse", lang, added, f"w={w3}"))
        return
    for lang in LANGUAGES:
        print(row(run, "dense + keyword bonus + typed evidence (before)", lang, run.base, "-"))
        w, _ = tune(run, lang, lambda x: fused(run, run.sparse, x), WEIGHTS)
        print(row(run, "+ sparse, all 256 features of the question", lang, _, f"w={w}"))
        for m, extra in truncated.items():
            w, scores = tune(run, lang, lambda x, e=extra: fused(run, e, x), WEIGHTS)  # type: ignore[misc]
            print(row(run, f"+ sparse, the question's {m} strongest features", lang, scores, f"w={w}"))
        w, with_sparse = tune(run, lang, lambda x: fused(run, product, x), WEIGHTS)
        print(row(run, f"+ sparse, {fusion.QUERY_FEATURES} features, plain dot product", lang, with_sparse, f"w={w}"))
        w, scores = tune(run, lang, lambda x: fused(run, product / norms, x), WEIGHTS)
        print(row(run, "**product**: same, over the passage vector's L2 norm (index.store.sparse_index.scores)", lang, scores, f"w={w}"))
        for power in (0.5, 1.0):
            idf = idf_sparse(run, strongest_rows(qs, fusion.QUERY_FEATURES), ps, power)
            w, scores = tune(run, lang, lambda x, s=idf: fused(run, s, x), WEIGHTS)  # type: ignore[misc]
            print(row(run, f"  plain dot, features weighted by idf^{power}", lang, scores, f"w={w}"))
        for depth in (1, 2, 3):
            for top_terms in (10, 20):
                prf = keyword_prf(run, with_sparse, texts, depth, top_terms)
                w, scores = tune(run, lang, fuse_after(run, with_sparse, prf), WEIGHTS)
                print(row(run, f"  plain dot, then keyword PRF (m={depth}, {top_terms} terms)", lang, scores, f"w={w}"))
        if lang == "en":  # names and numbers across languages (keywords.NAME_WEIGHT), retuned with sparse on
            unit = name_bonus(run, asked, texts)
            for weight in (0.0, 0.05, 0.1, 0.15, 0.2):
                shifted = Run(run.candidates, run.base + (weight - keywords.NAME_WEIGHT) * unit, run.sparse, run.gold, run.lang, run.half, run.question_language)
                w, scores = tune(shifted, lang, lambda x, r=shifted: fused(r, product, x), WEIGHTS)  # type: ignore[misc]
                print(row(shifted, f"  plain dot, names and numbers weight {weight} (product: {keywords.NAME_WEIGHT})", lang, scores, f"w={w}"))
        if vocab is not None and lang == "en":
            for threshold, extra in vocab.items():
                w, scores = tune(run, lang, fuse_after(run, with_sparse, extra), WEIGHTS)
                print(row(run, f"  plain dot, then vocabulary expansion (cos ≥ {threshold})", lang, scores, f"w={w}"))


if __name__ == "__main__":
    main()
