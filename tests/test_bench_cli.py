"""`newsbot bench` on small data: it runs and writes a well-formed report with plots (not a speed test)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scripts.cli import cli

pytestmark = pytest.mark.slow

SENTENCES = [
    "Die Regierung in Wien hat am Montag ein neues Budget vorgestellt, das Einsparungen vorsieht.",
    "Der Fußballklub gewann das Derby mit zwei zu eins und führt nun die Tabelle an.",
    "Forschende entdeckten im Gletschereis Pflanzenreste, die mehrere tausend Jahre alt sind.",
]


def test_bench_writes_report_and_plots(tmp_path: Path, model_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSBOT_MODELS_DIR", str(model_cache))
    corpus = tmp_path / "corpus.jsonl"
    records = [
        {"id": f"a{i}", "title": f"Artikel {i}: {SENTENCES[i % 3][:40]}", "text": "\n\n".join(SENTENCES[i % 3 :] + SENTENCES[: i % 3])}
        for i in range(8)
    ]
    corpus.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    out = tmp_path / "docs"
    args = [
        "bench", "--corpus", str(corpus), "--ingest-articles", "4", "--question-paragraphs", "40",
        "--questions", "3", "--scales", "300,600", "--ef", "16,100", "--ef-size", "300", "--queries", "10",
        "--cold-start", "300", "--out", str(out),
    ]  # fmt: skip
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = (out / "benchmarks.md").read_text()
    for heading in ("## Ingest", "## Questions", "## The store at scale", "## Cold start", "## Many chats", "## Memory"):
        assert heading in report
    assert report.count("| goal (issue 18) | before | after |") == 2  # at the top and in the closing note
    assert "| 300 |" in report and "| 600 |" in report
    assert "ratio (goal ≥ 0.8)" in report and "Machine: cpu" in report
    figures = json.loads((out / "benchmarks.json").read_text())
    answer_ratio = figures["questions"]["answer_ratio"]
    assert answer_ratio > 0 and f"| full answer ≤ 1.5× (query encode + exact numpy top-10) at 10k | 7.72× | {answer_ratio:.2f}× at 40 |" in report
    assert [row["vectors"] for row in figures["scale"]] == [300, 600] and figures["cold_start"]["total_s"] > 0
    for plot in ("latency_vs_size.png", "recall_vs_speed.png"):
        assert (out / plot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
