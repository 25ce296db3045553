"""Admin replies and the day's question statistics: pure functions, no Telegram."""

from __future__ import annotations

from datetime import date

import pytest

from bot import admin_formatting
from bot.question_stats import QuestionStats
from index.domain import IngestReport
from index.ingest.rebuild import ReindexProgress, ReindexReport
from index.store.vector_store import IndexInfo, SourceInfo
from tests.fake_telegram import parse_html


def test_durations_read_naturally() -> None:
    assert [admin_formatting.duration(s) for s in (None, 4.4, 59.6, 61, 3725)] == ["–", "4 s", "1 min 00 s", "1 min 01 s", "1 h 02 min"]


def test_progress_shows_counts_rate_and_time_left() -> None:
    progress = ReindexProgress(started=0.0, phase="embedding", articles=81, chunks_done=0, chunks_total=600)
    assert "0/600 paragraphs (0 %)" in admin_formatting.reindex_progress(progress, "en")
    progress.started -= 1e9  # long ago: a slow rate, a long time left
    progress.chunks_done = 150
    text = admin_formatting.reindex_progress(progress, "en")
    assert "81 articles, 150/600 paragraphs (25 %)" in text and "left" in text
    progress.phase = "reading"
    assert "reading sources" in admin_formatting.reindex_progress(progress, "en")
    progress.phase = "switching"
    assert "Neuindexierung" in admin_formatting.reindex_progress(progress, "de")


def test_the_result_names_each_unreadable_source_escaped() -> None:
    errors = [(f"<feed{i}>.xml", "not a readable RSS/Atom feed") for i in range(12)]
    report = ReindexReport(articles=3, paragraphs=40, seconds=75, errors=errors, generation="g", replaced=None)
    (message,) = admin_formatting.reindex_done(report, "en")
    shown = parse_html(message)
    assert shown.startswith("Reindex done: 3 articles, 40 paragraphs in 1 min 15 s.")
    assert "12 source(s) or record(s) skipped" in shown and "<feed9>.xml: not a readable" in shown and "… +2" in shown


def test_stats_and_sources_lists() -> None:
    info = IndexInfo(chunks=40, articles=3, embedding_model="m<1>", dimension=384, updated=None, built="2026-11-29T08:00:00+00:00", build_seconds=12.0, sources=2)
    shown = parse_html(admin_formatting.stats(info, 7, 0.1234, "en", ["dense", "keywords", "sparse"]))
    assert "Articles: 3\nParagraphs: 40\nSources: 2\nModel: m<1>\nRanked by: dense, keywords, sparse" in shown
    assert "Answered today: 7\nMedian answer time today: 123 ms" in shown
    listing = admin_formatting.sources_list([SourceInfo("seeds", 1, 35, "2026-11-29T08:00:00+00:00")], "en")
    assert "seeds\n1 articles, 35 paragraphs" in parse_html(listing[0])


def test_question_statistics_start_again_each_day() -> None:
    stats = QuestionStats(day=date(2026, 11, 28))
    stats.record(0.2, today=date(2026, 11, 28))
    stats.record(0.4, today=date(2026, 11, 28))
    assert stats.today(date(2026, 11, 28)) == (2, pytest.approx(0.3))
    assert stats.today(date(2026, 11, 29)) == (0, None)
    stats.record(0.1, today=date(2026, 11, 29))
    assert stats.today(date(2026, 11, 29)) == (1, 0.1)


def test_ingest_result_lists_skipped_records_and_notes_escaped() -> None:
    report = IngestReport(articles=2, chunks_added=5)
    report.errors = [("export.jsonl line 3", "skipped: title: expected text, got a list")]
    report.warnings = [("<feed>.xml entry 2", "the date 'irgendwann' could not be read; the article is kept without a date")]
    (message,) = admin_formatting.ingest_done(report, "https://n.example/feed", "en")
    shown = parse_html(message)
    assert shown.startswith("Indexed 2 article(s) from https://n.example/feed: 5 paragraph(s) added")
    assert "1 source(s) or record(s) skipped:\n\n• export.jsonl line 3: skipped: title: expected text, got a list" in shown
    assert "1 note(s) on what was indexed:\n\n• <feed>.xml entry 2: the date 'irgendwann'" in shown
