"""Admin replies (/reindex progress, /stats, /sources) as Telegram HTML. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence

from bot.formatting import Block, escape, pack
from bot.texts import text
from index.domain import IngestReport
from index.subscriptions.feeds import FeedInfo
from index.ingest.rebuild import ReindexProgress, ReindexReport
from index.store.vector_store import IndexInfo, SourceInfo
from index.answers.times import format_date

MAX_ERRORS_SHOWN = 10


def duration(seconds: float | None) -> str:
    """'42 s', '3 min 05 s', '1 h 02 min'."""
    if seconds is None:
        return "–"
    whole = int(round(seconds))
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def reindex_progress(progress: ReindexProgress, language: str) -> str:
    if progress.phase == "reading":
        return text(
            "reindex_reading", language,
            sources=progress.sources_read, articles=progress.articles, elapsed=duration(progress.elapsed),
        )
    if progress.phase == "embedding":
        total = max(progress.chunks_total, 1)
        left = progress.seconds_left
        return text(
            "reindex_embedding", language,
            articles=progress.articles,
            done=progress.chunks_done,
            total=progress.chunks_total,
            percent=100 * progress.chunks_done // total,
            rate=f"{progress.rate:.0f}",
            left=duration(left) if left is not None else "…",
        )
    return text("reindex_switching", language, total=progress.chunks_total)


def reindex_done(report: ReindexReport, language: str) -> list[str]:
    head = text(
        "reindex_done", language, articles=report.articles, paragraphs=report.paragraphs, duration=duration(report.seconds)
    )
    return pack([Block("", head=head), *problem_blocks(report.errors, report.warnings, language)])


def ingest_done(report: IngestReport, source: str, language: str) -> list[str]:
    """/ingest's result: what was indexed, then every skipped part and every caveat with its reason."""
    head = text(
        "ingest_done", language, articles=report.articles, source=escape(source),
        added=report.chunks_added, unchanged=report.chunks_unchanged,
    )
    return pack([Block("", head=head), *problem_blocks(report.errors, report.warnings, language)])


def problem_blocks(
    errors: Sequence[tuple[str, str]], warnings: Sequence[tuple[str, str]], language: str
) -> list[Block]:
    """Skipped sources or records ("could not be read"), then caveats ("read with a note"), ten of each at most."""
    blocks: list[Block] = []
    for key, items in (("reindex_errors", errors), ("ingest_warnings", warnings)):
        if not items:
            continue
        blocks.append(Block("", head=text(key, language, count=len(items))))
        shown = items[:MAX_ERRORS_SHOWN]
        blocks += [Block(f"{where}: {reason}", open="• ") for where, reason in shown]
        if len(items) > len(shown):
            blocks.append(Block(f"… +{len(items) - len(shown)}"))
    return blocks


def stats(info: IndexInfo, answered: int, median: float | None, language: str, signals: Sequence[str] = ()) -> str:
    """The index's size, model and build, what questions are ranked by (`signals`, e.g.
    index.store.sparse_index.signals), each source's newest article date, and today's questions."""
    return text(
        "stats", language,
        articles=info.articles,
        paragraphs=info.chunks,
        sources=info.sources,
        model=escape(info.embedding_model or "–"),
        signals=escape(", ".join(signals) or "–"),
        built=escape(info.built or info.updated or "–"),
        build_seconds=duration(info.build_seconds),
        today=answered,
        median=f"{median * 1000:.0f} ms" if median is not None else "–",
    ) + newest_lines(info, language)


MAX_SOURCES_IN_STATS = 10


def newest_lines(info: IndexInfo, language: str) -> str:
    """“Newest article per source” lines (at most MAX_SOURCES_IN_STATS), escaped; "" for an empty index."""
    if not info.newest:
        return ""
    lines = [f"\n\n{text('stats_newest', language)}"]
    for origin, date in info.newest[:MAX_SOURCES_IN_STATS]:
        when = format_date(date, language) if date else text("undated", language)
        lines.append(f"<code>{escape(origin)}</code>: {escape(when)}")
    if len(info.newest) > MAX_SOURCES_IN_STATS:
        lines.append(f"… +{len(info.newest) - MAX_SOURCES_IN_STATS}")
    return "\n".join(lines)


def sources_list(found: Sequence[SourceInfo], language: str) -> list[str]:
    if not found:
        return [text("index_empty", language)]
    blocks = [Block("", head=f"<b>{text('sources_title', language)}</b>")]
    for source in found:
        details = text(
            "sources_line", language, articles=source.articles, paragraphs=source.paragraphs, last=source.last_indexed or "–",
            newest=format_date(source.newest, language) if source.newest else text("undated", language),
        )
        blocks.append(Block(source.origin, open="<code>", close="</code>\n" + escape(details)))
    return pack(blocks)


def _when(moment: object) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if hasattr(moment, "strftime") else "–"


def feed_list(found: Sequence[FeedInfo], language: str) -> list[str]:
    """/feeds: each feed with its number, last poll, indexed articles and last error."""
    if not found:
        return [text("feeds_none", language)]
    blocks = [Block("", head=f"<b>{text('feeds_title', language, count=len(found))}</b>")]
    for feed in found:
        details = text("feed_line", language, checked=_when(feed.last_checked) if feed.last_checked else text("never", language), articles=feed.articles)
        if feed.last_error:
            details += "\n" + text(
                "feed_error", language, error=feed.last_error, failures=feed.failures, next=_when(feed.next_attempt)
            )
        blocks.append(Block(feed.url, head=f"{feed.number}. ", open="<code>", close="</code>\n" + escape(details)))
    return pack(blocks)
