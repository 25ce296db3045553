"""How the command line shows answers and reports. Pure functions, text in and out."""

from __future__ import annotations

import dataclasses
import textwrap
from collections.abc import Sequence
from typing import Any

from index.answers import extractive
from index.answers import citing, recency, times
from index.domain import Answer, Chunk, IngestReport, Passage, Quote
from index.subscriptions.feeds import FeedInfo
from index.ingest.rebuild import ReindexReport
from index.store.vector_store import SourceInfo
from index.answers.written import Written

NOT_FOUND = {
    "en": "No relevant passage found in the indexed articles.",
    "de": "In den indexierten Artikeln wurde keine passende Stelle gefunden.",
}


def source_line(chunk: Chunk, passage: Passage | None = None) -> str:
    """“Title — Publisher, 16 Oct 2025, paragraph 3 — URL or file” (“earlier: …” for an older report).

    A plain file without a heading shows no title, only its name as publisher.
    """
    who = citing.dated_source(passage) if passage is not None else f"{citing.publisher(chunk)}, {citing.when(chunk)}"
    title = citing.shown_title(chunk)
    return f"{title + ' — ' if title else ''}{who}, paragraph {chunk.paragraph} — {chunk.url or chunk.source}"


def answer_text(answer: Answer, width: int = 100) -> str:
    """The answer (its span in **bold**, time expressions with their article's date), then the numbered passages.

    A refusal says what the index holds instead.
    """
    if not answer.found:
        hint = extractive.holdings_hint(answer.holdings, answer.language)
        return "\n".join([NOT_FOUND.get(answer.language, NOT_FOUND["en"]), *([textwrap.fill(hint, width)] if hint else [])])
    lines = ["Answer:"]
    stale = citing.stale_note(answer.stale_days, answer.passages, answer.language)
    if stale:
        lines.append(f"  ({stale})")
    for quote in answer.quotes:
        cited = citing.dated_source(answer.passages[quote.passage], answer.language)
        body = f"“{quote.marked('**', '**')}” [{quote.passage + 1}] — {cited}"
        lines.append(textwrap.fill(body, width, initial_indent="  ", subsequent_indent="  "))
        lines += [f"    {times.describe(note, answer.language)}" for note in quote.times]
    lines += ["", "Passages:"]
    for number, passage in enumerate(answer.passages, start=1):
        lines.append(f"[{number}] {source_line(passage.chunk, passage)}  (score {passage.score:.2f})")
        if passage.also:
            lines.append(f"    {citing.also_reported(passage.also, answer.language)}")
            lines += [f"      {c.url or c.source}" for c in passage.also]
        lines.append(textwrap.fill(passage.chunk.text, width, initial_indent="    ", subsequent_indent="    "))
    return "\n".join(lines)


def passage_dict(passage: Passage) -> dict[str, Any]:
    """A passage for other programs; `earlier`: an older report of the story quoted first; `also`: copies elsewhere."""
    chunk = passage.chunk
    return {
        "text": chunk.text,
        "title": chunk.title,
        "source": chunk.url or chunk.source,
        "source_name": citing.publisher(chunk),
        "paragraph": chunk.paragraph,
        "published": chunk.published,
        "earlier": passage.earlier,
        "language": chunk.language,
        "score": round(passage.score, 4),
        "also": [
            {"source_name": citing.publisher(c), "title": c.title, "source": c.url or c.source, "published": c.published}
            for c in passage.also
        ],
    }


def quote_dict(quote: Quote, passages: Sequence[Passage] = ()) -> dict[str, Any]:
    """A quote for other programs, with its passage's date and publisher; `span` is null when no answer expression was found in it."""
    span = {"text": quote.span_text, "start": quote.span[0], "end": quote.span[1]} if quote.span else None
    passage = passages[quote.passage] if quote.passage < len(passages) else None
    return {
        "text": quote.text,
        "passage": quote.passage + 1,
        "published": passage.chunk.published if passage else None,
        "source_name": citing.publisher(passage.chunk) if passage else None,
        "earlier": passage.earlier if passage else False,
        "span": span,
        "undecided": quote.undecided,
        "times": [dataclasses.asdict(note) for note in quote.times],
    }


def answer_dict(answer: Answer) -> dict[str, Any]:
    """The `--json` shape: {"answer", "span", "type", "quotes", "passages"}; "answer" is null when nothing was found.

    "span" is the first marked answer span (a date, a number, a name) or null; a
    refusal carries "holds": the index's sources and newest articles.
    """
    data: dict[str, Any] = {
        "question": answer.question,
        "type": answer.kind,
        "answer": " ".join(q.text for q in answer.quotes) if answer.found else None,
        "span": next((q.span_text for q in answer.quotes if q.span_text), None),
        "quotes": [quote_dict(q, answer.passages) for q in answer.quotes],
        "passages": [passage_dict(p) for p in answer.passages],
        "newest": recency.newest_date(answer.passages),
        "stale_days": answer.stale_days,
    }
    if not answer.found and answer.holdings is not None:
        data["holds"] = {
            "sources": [{"source": origin, "articles": count} for origin, count in answer.holdings.sources],
            "newest": [{"title": title, "published": date} for title, date in answer.holdings.newest],
        }
    return data


def ingest_text(report: IngestReport, seconds: float) -> str:
    lines = [
        f"Indexed {report.articles} article(s): {report.chunks_added} paragraph(s) added, "
        f"{report.chunks_unchanged} unchanged, {report.chunks_removed} removed in {seconds:.1f} s."
    ]
    return "\n".join(lines + skipped_lines(report.errors, report.warnings))


def skipped_lines(errors: Sequence[tuple[str, str]], warnings: Sequence[tuple[str, str]] = ()) -> list[str]:
    """What was skipped, then what was indexed with a note, each with its reason (nothing: no lines)."""
    lines: list[str] = []
    if errors:
        lines += [f"{len(errors)} source(s) or record(s) skipped:", *(f"  {where}: {reason}" for where, reason in errors)]
    if warnings:
        lines += [f"{len(warnings)} note(s) on what was indexed:", *(f"  {where}: {reason}" for where, reason in warnings)]
    return lines


def eval_text(report: dict[str, Any]) -> str:
    """The eval report as a small table."""
    signal = " + ".join(["model", *(name.replace("_", " ") for name in ("keywords", "sparse", "best_sentence") if report.get(name, True))])
    lines = [f"model: {report['model']} ({signal})   time: {report['seconds']} s"]
    if "seed" in report:
        seed = report["seed"]
        lines.append(
            f"seed questions: {seed['passage_hits']}/{seed['in_scope']} in-scope questions found a gold passage, "
            f"{seed['answer_hits']}/{seed['in_scope']} quoted it in the answer, "
            f"{seed['correct_refusals']}/{seed['out_of_scope']} out-of-scope questions refused"
        )
        for row in report["questions"]:
            verdict = ("hit" if row["passage_hit"] else "MISS") if row["in_scope"] else ("refused" if row["refused"] else "ANSWERED")
            lines.append(f"  {row['id']}: {verdict:8} {row['question']}")
        return "\n".join(lines)
    lines.append(f"passages: {report['n_passages']}")
    lines.append("| questions | n | R@1 | R@5 | R@10 | MRR@10 | nDCG@10 | answer hit | span hit | answered |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|")
    languages = sorted(key for key in report if key not in ("by_type", "questions") and isinstance(report[key], dict))
    for lang in languages:
        lines.append(_eval_row(lang, report[lang]))
        for kind, metrics in sorted(report.get("by_type", {}).get(lang, {}).items()):
            lines.append(_eval_row(f"{lang}: {kind}", metrics))
    return "\n".join(lines)


def _eval_row(label: str, m: dict[str, Any]) -> str:
    return (
        f"| {label} | {m['questions']} | {m['recall@1']:.3f} | {m['recall@5']:.3f} | {m['recall@10']:.3f} | "
        f"{m['mrr@10']:.3f} | {m['ndcg@10']:.3f} | {m['answer_hit']:.3f} | {m['span_hit']:.3f} | {m['answered']:.3f} |"
    )


def reindex_text(report: ReindexReport) -> str:
    lines = [
        f"Rebuilt the index: {report.articles} article(s), {report.paragraphs} paragraph(s) "
        f"in {report.seconds:.1f} s; it serves now ({report.generation})."
    ]
    return "\n".join(lines + skipped_lines(report.errors, report.warnings))


def sources_text(sources: Sequence[SourceInfo]) -> str:
    if not sources:
        return "Nothing is indexed yet: run `newsbot ingest seeds`."
    width = max(len(s.origin) for s in sources)
    lines = [f"{'source':{width}}  articles  paragraphs  newest article  last indexed"]
    lines += [
        f"{s.origin:{width}}  {s.articles:8}  {s.paragraphs:10}  {s.newest or 'undated':14}  {s.last_indexed or '-'}"
        for s in sources
    ]
    return "\n".join(lines)


def written_dict(written: Written, answer: Answer) -> dict[str, Any]:
    """A written answer for other programs: the text, the cited passages, all passages."""
    data = answer_dict(answer)
    data["answer"] = written.text
    data["cited"] = list(written.cited)
    return data


def cited_sources_text(written: Written, answer: Answer) -> str:
    numbers = list(written.cited) or list(range(1, len(answer.passages) + 1))
    lines = ["Sources:"]
    for number in numbers:
        passage = answer.passages[number - 1]
        lines.append(f"[{number}] {source_line(passage.chunk, passage)}")
        lines.append(textwrap.indent(textwrap.fill(passage.chunk.text, 100), "    "))
    return "\n".join(lines)


def _stamp(moment: Any) -> str | None:
    return moment.isoformat(timespec="seconds") if moment is not None else None


def feed_dict(feed: FeedInfo) -> dict[str, Any]:
    return {
        "number": feed.number, "url": feed.url, "last_poll": _stamp(feed.last_checked), "articles": feed.articles,
        "last_error": feed.last_error, "failures": feed.failures, "next_attempt": _stamp(feed.next_attempt),
    }  # fmt: skip


def feeds_text(found: Sequence[FeedInfo]) -> str:
    """`newsbot feeds list`: one feed per line, its state indented below."""
    if not found:
        return "No feeds. Add one with `newsbot feeds add URL` (or set NEWSBOT_FEEDS before the first start)."
    lines = []
    for feed in found:
        lines.append(f"{feed.number}. {feed.url}")
        lines.append(f"   last poll: {_stamp(feed.last_checked) or 'never'} · {feed.articles} articles indexed")
        if feed.last_error:
            lines.append(f"   last error: {feed.last_error} ({feed.failures} in a row; next try {_stamp(feed.next_attempt)})")
    return "\n".join(lines)
