"""Inline mode: an inline query is answered with the quoted sentences and their source, cached briefly."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from tests.bot_in_process import running_app
from tests.fakes import HashingEmbedder

USER = 7601
ARTICLE = {
    "title": "Gipfel in <Budapest>", "url": "https://news.example/gipfel?a=1&b=2", "published": "2025-10-16",
    "text": "Das Treffen in Budapest soll innerhalb von zwei Wochen stattfinden, sagte der Präsident am Donnerstag.\n\n"
    "Außenminister Marco Rubio wird die amerikanische Delegation bei den Vorgesprächen leiten, hieß es.",
}  # fmt: skip


async def test_an_inline_query_offers_the_quoted_sentence_with_its_source(
    tmp_path: Path, model_cache: Path, fake_embedder: HashingEmbedder, caplog: pytest.LogCaptureFixture
) -> None:
    source = tmp_path / "gipfel.json"
    source.write_text(json.dumps(ARTICLE))
    async with running_app(tmp_path, model_cache, fake_embedder, [str(source)], min_score=-1.0, inline_cache_seconds=120) as bot:
        with caplog.at_level(logging.INFO, logger="bot.inline"):
            asked = bot.telegram.inline(USER, "Wer leitet die amerikanische Delegation?")
            answered = await bot.wait_for(lambda: bot.telegram.inline_answers.get(asked))
        assert answered["cache_time"] == 120
        assert answered["is_personal"] is False  # an open bot: the same results may be cached for everybody
        first = answered["results"][0]
        assert first["title"].startswith("Außenminister Marco Rubio wird die amerikanische Delegation")
        assert first["description"] == "Gipfel in <Budapest> · ¶2"
        assert first["url"] == ARTICLE["url"]
        # The fake parsed the HTML as Telegram would: the sentence in quotes, the title as a link.
        assert first["text"] == f"“{ARTICLE['text'].split(chr(10))[-1]}”\n— Gipfel in <Budapest>"
        assert 'href="https://news.example/gipfel?a=1&amp;b=2"' in first["input_message_content"]["message_text"]
        assert [r.found for r in caplog.records if getattr(r, "event", None) == "inline_query"] == [True]  # type: ignore[attr-defined]

        typing = bot.telegram.inline(USER, "Wa")  # still being typed: nothing to offer yet, no search
        assert (await bot.wait_for(lambda: bot.telegram.inline_answers.get(typing)))["results"] == []
