"""`newsbot eval` on small data: it runs and reports well-formed figures (not a quality test)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scripts.cli import cli
from tests.conftest import SEED_QUESTIONS, SEEDS

pytestmark = pytest.mark.slow


@pytest.fixture
def env(tmp_path: Path, model_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSBOT_MODELS_DIR", str(model_cache))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_eval_on_xquad_style_directory(env: Path) -> None:
    folder = env / "mini"
    folder.mkdir()
    passages = [
        {"id": "p1", "title": "Budapest", "text": "Das Treffen in Budapest soll innerhalb von zwei Wochen stattfinden."},
        {"id": "p2", "title": "Rockets", "text": "Die Tomahawk-Raketen haben eine Reichweite von 2.500 Kilometern."},
        {"id": "p3", "title": "Weather", "text": "In Wien bleibt das Wetter am Wochenende sonnig und warm."},
    ]
    questions = [
        {"id": "q1", "lang": "en", "question": "When is the meeting in Budapest?", "passage_id": "p1", "answers": ["zwei Wochen"]},
        {"id": "q1", "lang": "de", "question": "Wann ist das Treffen in Budapest?", "passage_id": "p1", "answers": ["zwei Wochen"]},
        {"id": "q2", "lang": "en", "question": "What is the range of the Tomahawk?", "passage_id": "p2", "answers": ["2.500"]},
        {"id": "q2", "lang": "de", "question": "Welche Reichweite hat die Tomahawk?", "passage_id": "p2", "answers": ["2.500"]},
    ]
    (folder / "passages.jsonl").write_text("\n".join(json.dumps(p) for p in passages))
    (folder / "questions.jsonl").write_text("\n".join(json.dumps(q) for q in questions))
    result = CliRunner().invoke(cli, ["eval", str(folder), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["n_passages"] == 3 and report["model"] == "bundled:multilingual-e5-small"
    for lang in ("en", "de"):
        metrics = report[lang]
        assert metrics["questions"] == 2
        assert set(metrics) == {"recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10", "answer_hit", "span_hit", "answered", "questions"}
        assert 0 <= metrics["recall@1"] <= metrics["recall@5"] <= metrics["recall@10"] == 1.0
        assert metrics["answer_hit"] == 1.0
        assert set(report["by_type"][lang]) == {"time", "number"}
        assert report["by_type"][lang]["number"]["span_hit"] == 1.0  # "2.500 Kilometern" marked
    table = CliRunner().invoke(cli, ["eval", str(folder)], catch_exceptions=False).output
    assert "| en | 2 |" in table and "| de | 2 |" in table and "| en: time | 1 |" in table


def test_eval_on_seed_questions(env: Path) -> None:
    result = CliRunner().invoke(
        cli, ["eval", str(SEED_QUESTIONS.parent), "--sources", str(SEEDS), "--json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    seed = json.loads(result.output)["seed"]
    assert (seed["questions"], seed["in_scope"], seed["out_of_scope"]) == (4, 3, 1)
    assert seed["correct_refusals"] == 1
    assert seed["passage_hits"] >= 2
