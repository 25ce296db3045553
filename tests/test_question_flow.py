"""Written and extractive answers go through one path: counted for /stats, logged, errors worded alike."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.bot_in_process import ANSWERABLE, running_app
from tests.conftest import SEEDS
from tests.fake_llm import FakeLLM, Reply, serve_llm
from tests.fakes import HashingEmbedder

ADMIN = 7301


async def test_written_answers_are_counted_and_logged_like_extractive_ones(
    tmp_path: Path, model_cache: Path, fake_embedder: HashingEmbedder, caplog: pytest.LogCaptureFixture
) -> None:
    llm = FakeLLM()
    llm.add(Reply(["Marco Rubio leads it [1]."]))
    with serve_llm(llm) as llm_url, caplog.at_level(logging.INFO, logger="bot.handlers"):
        async with running_app(
            tmp_path, model_cache, fake_embedder, [str(SEEDS)], min_score=-1.0, admin_ids=[ADMIN],
            llm_url=llm_url, llm_model="fake-model",
        ) as bot:  # fmt: skip
            await bot.say(ADMIN, ADMIN, ANSWERABLE)
            await bot.wait_for(lambda: "Marco Rubio leads it" in bot.telegram.sent_to(ADMIN)[-1]["text"])
            await bot.wait_for(lambda: bot.state.questions.today()[0])  # counted once the answer is finished
            (stats,) = await bot.say(ADMIN, ADMIN, "/stats")
            assert "Answered today: 1" in stats["text"]

            (empty,) = await bot.say(7302, 7302, "😀🎉")  # refused by retrieval: worded by the one error path
            assert "I need words to search for" in empty["text"]
    questions = [r for r in caplog.records if getattr(r, "event", None) == "question"]
    assert [(r.written, getattr(r, "found", None), getattr(r, "result", None)) for r in questions] == [  # type: ignore[attr-defined]
        (True, True, None),
        (True, None, "QuestionError"),
    ]
    assert questions[0].latency_ms >= 0  # type: ignore[attr-defined]
