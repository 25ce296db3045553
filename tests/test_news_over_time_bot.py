"""News over time in Telegram: the newest report quoted first with publisher and date, older ones marked
earlier, another outlet's copy named once, an old answer says how old it is, /stats and /sources show each source's newest article."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.bot_in_process import running_app
from tests.fakes import HashingEmbedder

ADMIN = 7621
REPORT = (
    "At least {dead} people have died in the floods in Valmora province, the civil protection agency said. "
    "Rescue teams are searching the villages along the Tessa river for missing residents."
)


def record(outlet: str, dead: int, published: str) -> dict[str, Any]:
    slug = outlet.lower().replace(" ", "-")
    return {"id": f"{slug}-{dead}", "source": outlet, "published": published, "title": f"Valmora floods: {dead} dead",
            "url": f"https://{slug}.example/floods-{dead}", "text": REPORT.format(dead=dead)}  # fmt: skip


async def test_an_answer_quotes_the_newest_report_and_names_every_outlet_with_its_date(
    tmp_path: Path, model_cache: Path, fake_embedder: HashingEmbedder
) -> None:
    articles = tmp_path / "floods.jsonl"
    reports = [record("Coastal Herald", 12, "2025-05-18"), record("Coastal Herald", 27, "2025-05-24"), record("Morning Wire", 27, "2025-05-24")]
    articles.write_text("\n".join(json.dumps(r) for r in reports), encoding="utf-8")
    async with running_app(tmp_path, model_cache, fake_embedder, [str(articles)], min_score=-1.0, admin_ids=[ADMIN]) as bot:
        (reply,) = await bot.say(ADMIN, ADMIN, "How many people have died in the floods in Valmora province?")
        answer, sources = reply["text"].split("Sources")
        assert "The newest source is" in answer and "days old (24 May 2025)" in answer  # older than NEWSBOT_STALE_AFTER_DAYS
        first_quote = answer.split("„", 1)[1]
        assert first_quote.startswith("At least 27 people") and ", 24 May 2025" in first_quote.split("\n")[0]
        # The story is shown once per outlet copy: one passage for the two copies of the update, naming the other outlet.
        assert sources.count("At least 27 people") == 1
        assert "also reported by Morning Wire (24 May 2025)" in sources or "also reported by Coastal Herald (24 May 2025)" in sources
        assert "Coastal Herald · earlier: 18 May 2025" in sources and sources.count("At least 12 people") == 1
        html = reply["html"]
        assert '<a href="https://coastal-herald.example/floods-12">Valmora floods: 12 dead</a>' in html

        (stats,) = await bot.say(ADMIN, ADMIN, "/stats")
        assert f"Newest article per source\n{articles}: 24 May 2025" in stats["text"]
        (listing,) = await bot.say(ADMIN, ADMIN, "/sources")
        assert "newest article 24 May 2025" in listing["text"]
