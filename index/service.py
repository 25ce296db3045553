"""The question path as one call, and the other things Newsbot does with a question.

`answer_question` = read (index.retrieval.search.read_question) → small talk refused →
retrieve (index.retrieval.search.retrieve) → small talk in other words refused
(index.retrieval.small_talk) → quote (index.answers.quoting.quote). Callers that need
only passages (the "More passages" button, written answers, evaluation, benchmarks) call the
retrieval half themselves. Indexing lives in index.ingest.indexing.

The command line and the bot only translate input into these calls and errors into replies.
Nothing here knows about Telegram, click or environment variables.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
from collections.abc import Callable, Sequence

from index.answers import quoting, recency, written
from index.answers.llm import LLMClient
from index.domain import Answer, Chunk, IndexHoldings, Passage
from index.embedding.embedder import Embedder
from index.errors import LLMError, NewsbotError
from index.retrieval import small_talk
from index.retrieval.search import read_question, retrieve
from index.store.keyword_index import KeywordIndex
from index.store.sparse_index import SparseIndex
from index.store.vector_store import VectorStore

log = logging.getLogger(__name__)


def answer_question(
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
    stale_after_days: int | None = None,
    today: datetime.date | None = None,
    best_sentence: bool = True,
) -> Answer:
    """Retrieve the `k` best passages and quote the sentences that answer the question.

    `min_score` is on the cosine scale of Passage.score. Small talk (by its words, or in any
    language by the meaning of the question's vector: index.retrieval.small_talk), a best passage below
    `min_score` and passages without the question's focus give the "not found" answer with what
    the index holds; `refuse=False` answers small talk and unfocused questions anyway (the
    evaluation measures refusals apart). With `sparse` (a side index of sparse vectors) the sparse
    signal ranks too, and `best_sentence=False` leaves the best-sentence signal out (index.retrieval.search.retrieve). Copies from other outlets are folded into one passage
    and the newest report of a story is quoted first (index.answers.recency); an answer whose
    newest quoted passage is more than `stale_after_days` older than `today` (default: the local
    date) says how old it is. Raises QuestionError for an unusable question and
    StoreUnavailable / IndexEmpty from the store (index.errors).
    """
    asked = read_question(question, max_chars)
    if asked.analysis.small_talk and refuse:
        return quoting.refusal(asked, holdings(store))
    retrieved = retrieve(asked, embedder, store, depth=max(k, quoting.POOL), keywords=keywords, sparse=sparse, best_sentence=best_sentence)
    if refuse and small_talk.recognised(retrieved.query, embedder):  # small talk in words the patterns do not know
        return quoting.refusal(asked, holdings(store))
    answer = quoting.quote(
        retrieved, embedder, k=k, min_score=min_score, refuse=refuse, stored=store.sentence_vectors, sparse=sparse
    )
    if not answer.found:
        return dataclasses.replace(answer, holdings=holdings(store))
    quoted = [answer.passages[q.passage] for q in answer.quotes]
    return dataclasses.replace(answer, stale_days=recency.stale_age(quoted, today or datetime.date.today(), stale_after_days))


def holdings(store: VectorStore, newest: int = 3) -> IndexHoldings | None:
    """What the index holds, for the hint with a refusal; None when it cannot be read."""
    try:
        sources, articles = store.overview(newest)
    except NewsbotError as error:
        log.warning("no overview of the index for the refusal hint: %s", error)
        return None
    return IndexHoldings(tuple((s.origin, s.articles) for s in sources), tuple(articles))


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
    messages = written.prompt_messages(answer.question, answer.passages, answer.language)
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
