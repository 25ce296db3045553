"""A story is posted once per chat: three outlets' copies make one post; an update with a new figure, or a sentence
no earlier report says alike, replies to it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from bot import subscriptions
from index.ingest import indexing
from tests.bot_in_process import InProcessBot, running_app
from tests.fakes import HashingEmbedder

USER = 7611
AGENCY = (
    "At least {dead} people have died in the floods in Valmora province after two days of torrential rain, the regional "
    "civil protection agency said. Rescue teams are searching villages along the Tessa river, where hundreds of homes were flooded."
)
OTHER = "The central bank of Ostland left its key interest rate unchanged at 3.0 percent, ending a series of cuts in the spring."


def records(folder: Path, name: str, items: list[dict[str, Any]]) -> str:
    path = folder / f"{name}.jsonl"
    path.write_text("\n".join(json.dumps(item) for item in items), encoding="utf-8")
    return str(path)


def report(outlet: str, dead: int, published: str, extra: str = "") -> dict[str, Any]:
    slug = outlet.lower().replace(" ", "-")
    return {"id": f"{slug}-{dead}", "source": outlet, "published": published, "title": f"Valmora floods: {dead} dead",
            "url": f"https://{slug}.example/floods-{dead}", "text": AGENCY.format(dead=dead) + extra}  # fmt: skip


async def arrive(bot: InProcessBot, folder: Path, name: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Articles come in (as from a feed): matched to the subscriptions and posted; what the chat got since."""
    before = len(bot.telegram.sent_to(USER))
    ingested = await asyncio.to_thread(indexing.ingest, [records(folder, name, items)], bot.services.embedder, bot.services.store)
    await subscriptions.queue_and_deliver(bot.app, ingested.new_articles)
    return bot.telegram.sent_to(USER)[before:]


@pytest.mark.parametrize("same_batch", [True, False])
async def test_one_story_from_three_outlets_is_posted_once_and_an_update_replies_to_it(
    tmp_path: Path, model_cache: Path, fake_embedder: HashingEmbedder, same_batch: bool
) -> None:
    async with running_app(
        tmp_path, model_cache, fake_embedder, [records(tmp_path, "start", [{"title": "Rates", "text": OTHER}])],
        subscription_min_score=-1.0,
    ) as bot:  # fmt: skip
        (done,) = await bot.say(USER, USER, "/subscribe Valmora floods")
        assert done["text"].startswith("✓")

        outlets = [report("Coastal Herald", 12, "2026-11-18"), report("Daily Ledger", 12, "2026-11-18"), report("City Post", 12, "2026-11-19")]
        if same_batch:
            posted = await arrive(bot, tmp_path, "copies", outlets)
        else:
            posted = [m for i, item in enumerate(outlets) for m in await arrive(bot, tmp_path, f"copy{i}", [item])]
        (first,) = posted  # one post for the story, from an outlet that had it first
        assert first["text"].startswith("New on") and "12 people" in first["text"] and "City Post" not in first["text"]

        (update,) = await arrive(bot, tmp_path, "update", [report("Morning Wire", 27, "2026-11-24", " Among the dead is mayor Tomas Ruiz.")])
        assert update["text"].startswith("Update on") and "27" in update["text"] and "Tomas Ruiz" in update["text"]
        assert update["reply_to_message_id"] == first["message_id"]

        # The same update from another outlet adds nothing: not posted; another story still is.
        again = await arrive(bot, tmp_path, "again", [report("City Post", 27, "2026-11-24", " Among the dead is mayor Tomas Ruiz.")])
        assert again == [], again[0]["text"]
        # A report that states no new figure, date or name but something no earlier report said is an update too.
        called_off = report("Coastal Herald", 27, "2026-11-25", "\n\nRescue teams called off the search at the river because the water kept rising.")
        (news,) = await arrive(bot, tmp_path, "called-off", [called_off])
        assert news["text"].startswith("Update on") and "called off the search" in news["text"]
        assert news["reply_to_message_id"] == first["message_id"]
        (other,) = await arrive(bot, tmp_path, "other", [{"title": "Rates", "source": "Finance Daily", "text": OTHER + " Next meeting in March."}])
        assert other["text"].startswith("New on") and other["reply_to_message_id"] is None
