"""What Newsbot does, as functions that receive their dependencies.

The command line and the bot only translate input into these calls and errors
into replies. Nothing here knows about Telegram, click or environment variables.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import unicodedata
from collections.abc import Callable, Iterable, Sequence

import httpx
import numpy as np

from index import answering, language, loading, questions, written
from index.articles import Collected
from index.chunk_records import chunk_metadata
from index.domain import Answer, Article, Chunk, IndexHoldings, IngestReport, Passage, Quote
from index.embedding import Embedder
from index.keyword_index import KeywordIndex
from index.fusion import answer_pool
from index.sparse_index import SparseIndex, embed_for_index, embed_question, rerank, store_vectors
from index.llm import LLMClient, LLMError
from index.keywords import TermStats, keyword_bonus
from index.errors import NewsbotError, QuestionError
from index.splitting import chunk_article
from index.store import VectorStore

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (chunks done, chunks in all)
INGEST_BATCH_CHUNKS = 512


def clean_question(question: str, max_chars: int) -> str:
    """The question as it will be embedded, or QuestionError saying how to ask instead."""
    # Zero-width and other invisible format characters count as white space here.
    text = " ".join("".join(" " if unicodedata.category(ch) == "Cf" else ch for ch in question).split())
    if not text:
        raise QuestionError("empty", "the question is empty: ask something like “When is the Budapest meeting?”")
    if len(text) > max_chars:
        raise QuestionError(
            "too_long",
            f"the question is too long ({len(text)} characters, at most {max_chars}): shorten it",
            len(text),
            max_chars,
        )
    if not any(ch.isalnum() for ch in text):
        raise QuestionError("no_words", "the question has no words in it: ask something like “When is the Budapest meeting?”")
    return text


CANDIDATES = 30  # dense candidates the keyword signal may reorder


def ask(
    question: str,
    embedder: Embedder,
    store: VectorStore,
    *,
    k: int,
    min_score: float,
    max_chars: int = 1000,
    keywords: KeywordIndex | None = None,
    refuse: bool = True,
    sparse: SparseIndex | None = None,
) -> Answer:
    """Retrieve the `k` best passages and quote the sentences that answer the question.

    The store returns the closest paragraphs by meaning; where keyword statistics
    are given, a BM25 bonus (see index.keywords) reorders them, and with a sparse side
    index the model's sparse "latent terms" score too (index.sparse_index). When even the best
    passage is below `min_score` the answer is "not found" and no passage is shown:
    the index has nothing on the question. So is small talk, and a question whose
    names (or content words) none of the top passages has (see index.answering.lacks_focus);
    `refuse=False` answers those anyway (evaluation measures the refusals apart).
    """
    text = clean_question(question, max_chars)
    question_language = language.detect(text)
    reply_language = question_language if question_language in language.REPLY_LANGUAGES else "en"
    analysis = questions.analyze(text, question_language)
    if analysis.small_talk and refuse:
        return Answer(text, (), (), reply_language, analysis.type, holdings(store))
    query, query_terms = embed_question(embedder, text, store, sparse)  # one forward pass
    stats = keywords.stats() if keywords is not None else None
    # Enough for the keyword signal to reorder, and for answer sentences from beyond the k shown.
    pool_size = answering.ANSWER_PASSAGES + answering.EXTRA_PASSAGES
    reranked = stats is not None or query_terms is not None
    hits = store.query(query, max(k, CANDIDATES if reranked else pool_size), model=embedder.name)
    chunks = [p.chunk for p, _ in hits]
    bonuses = keyword_bonuses(text, question_language, chunks, stats)
    typed = answering.passage_evidence(analysis, chunks)
    fused = [p.score + bonus + extra for (p, _), bonus, extra in zip(hits, bonuses, typed, strict=True)]
    before = sorted(range(len(hits)), key=lambda i: fused[i], reverse=True)
    fused = rerank(fused, chunks, question_language, query_terms, sparse)
    order = sorted(range(len(hits)), key=lambda i: fused[i], reverse=True)
    shown = order[:k]
    passages = tuple(hits[i][0] for i in shown)
    if not answering.answerable(passages, question_language, min_score) or (refuse and answering.lacks_focus(analysis, passages)):
        return Answer(text, (), (), reply_language, analysis.type, holdings(store))
    # Answer sentences may come from a few passages beyond the k shown; they are then shown too.
    pool_order, kept = answer_pool(order, before, max(k, pool_size), pool_size)
    pool = tuple(hits[i][0] for i in pool_order)
    candidates = answering.candidate_sentences(pool, analysis, extra=answering.EXTRA_PASSAGES + kept)
    similarities = _similarities(query, candidates, [hits[i][1] for i in pool_order], embedder)
    sentences = [(c.text, pool[c.passage].chunk.language) for c in candidates]
    sentence_bonus = answering.SENTENCE_KEYWORD_SHARE * np.asarray(keyword_bonuses(text, question_language, sentences, stats), dtype=np.float32)
    sentence_bonus += np.asarray(answering.sentence_evidence(analysis, candidates, pool), dtype=np.float32)
    quotes = answering.choose_quotes(candidates, similarities + sentence_bonus, [fused[i] for i in pool_order], analysis, pool)
    passages, quotes = _with_quoted(passages, pool, quotes)
    return Answer(text, quotes, passages, reply_language, analysis.type)


def _with_quoted(
    passages: tuple[Passage, ...], pool: tuple[Passage, ...], quotes: tuple[Quote, ...]
) -> tuple[tuple[Passage, ...], tuple[Quote, ...]]:
    """The shown passages plus any pool passage a quote comes from (appended), quotes renumbered to them."""
    shown = list(passages)
    renumbered = []
    for quote in quotes:
        passage = pool[quote.passage]
        if passage not in shown:
            shown.append(passage)
        renumbered.append(dataclasses.replace(quote, passage=shown.index(passage)))
    return tuple(shown), tuple(renumbered)


def holdings(store: VectorStore, newest: int = 3) -> IndexHoldings | None:
    """What the index holds, for the hint with a refusal; None when it cannot be read."""
    try:
        sources, articles = store.overview(newest)
    except NewsbotError as error:
        log.warning("no overview of the index for the refusal hint: %s", error)
        return None
    return IndexHoldings(tuple((s.origin, s.articles) for s in sources), tuple(articles))


def keyword_bonuses(
    question: str, question_language: str | None, documents: Sequence[Chunk | tuple[str, str | None]], stats: TermStats | None
) -> list[float]:
    """The keyword bonus of each document (zeros without statistics)."""
    if stats is None:
        return [0.0] * len(documents)
    pairs = [(d.text, d.language) if isinstance(d, Chunk) else d for d in documents]
    return keyword_bonus(question, question_language, pairs, stats)


def _similarities(
    query: np.ndarray,
    candidates: Sequence[answering.Candidate],
    passage_vectors: Sequence[np.ndarray],
    embedder: Embedder,
) -> np.ndarray:
    """Cosine of each candidate to the question; a whole-passage candidate reuses its stored vector."""
    to_embed = [c.text for c in candidates if not c.whole_passage]
    embedded = iter(embedder.embed_passages(to_embed)) if to_embed else iter(())
    vectors = [passage_vectors[c.passage] if c.whole_passage else next(embedded) for c in candidates]
    if not vectors:
        return np.zeros(0, dtype=np.float32)
    similarities: np.ndarray = np.stack(vectors) @ query
    return similarities


def ingest(
    sources: Sequence[str],
    embedder: Embedder,
    store: VectorStore,
    *,
    progress: Progress | None = None,
    client: httpx.Client | None = None,
    sparse: SparseIndex | None = None,
) -> IngestReport:
    """Read, split, embed and store every article the sources hold.

    Unchanged paragraphs are not embedded again; an article whose text changed
    loses the paragraphs it no longer has. Errors are reported per source and
    never undo what is already indexed.
    """
    collected = Collected()
    for result in loading.read_sources(list(sources), client):
        collected.add(result)
    articles = collected.articles
    report = IngestReport(errors=collected.errors, warnings=collected.warnings)
    report.articles = len(articles)
    index_articles(list(articles.values()), embedder, store, report, progress, sparse)
    read = [spec for spec in sources if any(a.origin == spec for a in articles.values())]
    if read:  # a later reindex reads them again
        store.set_extra_sources([*store.extra_sources(), *read])
    return report


def index_articles(
    articles: Sequence[Article],
    embedder: Embedder,
    store: VectorStore,
    report: IngestReport,
    progress: Progress | None = None,
    sparse: SparseIndex | None = None,
) -> None:
    """Embed and store articles in batches, updating `report` as it goes (sparse vectors too,
    from the same forward pass, when a side index is given and the model has a sparse head).

    An article whose metadata the store would not accept (see index.chunk_records) is
    reported in `report.errors` and skipped; the others are indexed.
    """
    checked: list[tuple[Article, list[Chunk]]] = []
    for article in articles:
        chunks = chunk_article(article, embedder.max_tokens, embedder.count_tokens)
        try:
            for chunk in chunks:
                chunk_metadata(chunk)
        except ValueError as error:
            report.errors.append((article.source, f"not indexed: {error}"))
            continue
        checked.append((article, chunks))
    articles = [article for article, _ in checked]
    per_article = [chunks for _, chunks in checked]
    total = sum(len(chunks) for chunks in per_article)
    done = 0
    if progress:
        progress(0, total)
    for batch in _batches(zip(articles, per_article, strict=True), INGEST_BATCH_CHUNKS):
        chunks = [chunk for _, article_chunks in batch for chunk in article_chunks]
        advance = functools.partial(_advance, progress, done, total) if progress else None
        _store_batch([a.id for a, _ in batch], chunks, embedder, store, report, advance, sparse)
        done += len(chunks)
        if progress:
            progress(done, total)


def _advance(progress: Progress, before: int, total: int, embedded: int) -> None:
    progress(before + embedded, total)


def _batches(
    items: Iterable[tuple[Article, list[Chunk]]], max_chunks: int
) -> Iterable[list[tuple[Article, list[Chunk]]]]:
    batch: list[tuple[Article, list[Chunk]]] = []
    size = 0
    for item in items:
        batch.append(item)
        size += len(item[1])
        if size >= max_chunks:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


PROGRESS_SLICE = 64  # paragraphs embedded between two progress reports (a /reindex message moves)


def _store_batch(
    article_ids: list[str],
    chunks: list[Chunk],
    embedder: Embedder,
    store: VectorStore,
    report: IngestReport,
    advance: Callable[[int], None] | None = None,
    sparse: SparseIndex | None = None,
) -> None:
    unique = list({c.id: c for c in chunks}.values())
    known = store.ids_of_articles(article_ids)
    report.new_articles.extend(a for a in article_ids if a not in known)
    existing = store.existing_ids([c.id for c in unique])
    new = [c for c in unique if c.id not in existing]
    if new:
        parts, terms = [], []
        for begin in range(0, len(new), PROGRESS_SLICE):
            dense, sparse_vectors = embed_for_index(embedder, [c.text for c in new[begin : begin + PROGRESS_SLICE]], sparse)
            parts.append(dense)
            terms.extend(sparse_vectors or [])
            if advance is not None:
                advance(len(unique) - len(new) + begin + len(parts[-1]))
        store.upsert(new, np.concatenate(parts))
        store_vectors(sparse, store, embedder, [c.id for c in new], terms if len(terms) == len(new) else None)
    keep = {c.id for c in unique}
    stale = [cid for ids in known.values() for cid in ids if cid not in keep]
    store.delete(stale)
    if sparse is not None:
        sparse.remove(store, stale)
    report.chunks_added += len(new)
    report.chunks_unchanged += len(unique) - len(new)
    report.chunks_removed += len(stale)


def forget(source: str, store: VectorStore, sparse: SparseIndex | None = None) -> int:
    """Remove a source's paragraphs (and their sparse vectors) and stop reading it on reindex; how many paragraphs went."""
    removed = store.forget(source)
    if sparse is not None and removed:
        sparse.sync(store)
    extra = store.extra_sources()
    if source in extra:
        store.set_extra_sources([s for s in extra if s != source])
    return removed


def neighbours(store: VectorStore, passage: Passage, before: int = 1, after: int = 1) -> list[Chunk]:
    """A passage's paragraph with the ones around it, for "show more context"."""
    return store.neighbours(passage.chunk, before, after)


def standalone_question(question: str, history: Sequence[tuple[str, str]], llm: LLMClient, timeout: float = 15.0) -> str:
    """A follow-up ("and who leads it?") rewritten from the conversation so that retrieval understands it.

    Without history, or when the model fails, the question is used as asked.
    """
    if not history:
        return question
    try:
        reply = llm.complete(written.rewrite_messages(history, question), timeout=timeout, max_tokens=100)
    except LLMError as error:
        log.warning("follow-up not rewritten, asked as is: %s", error)
        return question
    return written.clean_rewrite(reply, question)


def write_answer(answer: Answer, llm: LLMClient, on_text: Callable[[str], None] | None = None) -> written.Written:
    """A written answer from the answer's passages, streamed to `on_text` (the text so far, checked).

    Raises LLMError when the model fails, is too slow or says nothing.
    """
    messages = written.answer_messages(answer.question, answer.passages, answer.language)
    shown = written.CitationFilter(len(answer.passages))
    raw = ""
    for piece in llm.stream(messages):
        raw += piece
        if shown.feed(piece) and on_text is not None:
            on_text(shown.text)
    shown.finish()
    result = written.check_citations(raw, len(answer.passages))
    if not result.text:
        raise LLMError("the language model sent an empty answer")
    if result.removed:
        log.info("removed %d citation(s) of passages that do not exist", result.removed)
    return result
