"""Chat state lives in the database: a button works on another bot process and after a restart (`newsbot serve`)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from index.embedding.embedder import SentenceTransformerEmbedder
from tests.bot_process import TOKEN, bot_environment, index_for_bot, running_bot
from tests.conftest import SEEDS
from tests.fake_telegram import FakeTelegram, serve
from tests.servers import free_port

pytestmark = pytest.mark.slow

QUESTION = "Who will lead the American delegation?"


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory, model_cache: Path, real_embedder: SentenceTransformerEmbedder) -> Path:
    root = tmp_path_factory.mktemp("state")
    index_for_bot(root / "data", model_cache, real_embedder, [str(SEEDS)])
    return root / "data"


def more_button(reply: dict[str, Any]) -> str:
    data: str = reply["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert data.startswith("more:")
    return data


def post_update(hook: str, secret: str, update: dict[str, Any]) -> None:
    """POST an update as Telegram would, waiting for the webhook server to listen."""
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.post(hook, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}, timeout=10).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, f"the webhook at {hook} did not accept the update"
        time.sleep(0.2)


def test_two_webhook_processes_share_chat_state_and_it_survives_a_restart(indexed: Path, model_cache: Path, tmp_path: Path) -> None:
    """As in the compose deployment: the question reaches one process, the button press the other;
    then both stop, one starts again, and the button still works (until /new forgets the chat)."""
    fake = FakeTelegram(TOKEN)
    chat = 4102
    database = f"sqlite:///{tmp_path / 'shared.db'}"
    hooks = []
    with serve(fake) as api_url:
        envs = []
        for name in ("a", "b"):
            data = tmp_path / f"data-{name}"
            shutil.copytree(indexed / "chroma", data / "chroma")  # each process its own copy of the index
            port = free_port()
            hooks.append(f"http://127.0.0.1:{port}/hook")
            envs.append(bot_environment(
                api_url, data, model_cache, NEWSBOT_DATABASE_URL=database, NEWSBOT_WEBHOOK_URL=hooks[-1],
                NEWSBOT_WEBHOOK_LISTEN="127.0.0.1", NEWSBOT_WEBHOOK_PORT=str(port),
            ))  # fmt: skip
        with running_bot(fake, envs[0], tmp_path, ready_on="setWebhook"), running_bot(fake, envs[1], tmp_path, ready_on="setWebhook"):
            secret = fake.calls("setWebhook")[-1].params["secret_token"]
            post_update(hooks[0], secret, fake.message(chat, chat, QUESTION))
            (reply,) = fake.wait_for_messages(chat, 1)
            post_update(hooks[1], secret, fake.press(chat, reply, more_button(reply)))
            (more,) = fake.wait_for_messages(chat, 2)[1:]
            assert more["text"].startswith("More passages for")

        with running_bot(fake, envs[0], tmp_path, ready_on="setWebhook"):  # the process that got the question, restarted
            post_update(hooks[0], secret, fake.press(chat, reply, more_button(reply)))
            (again,) = fake.wait_for_messages(chat, 3)[2:]
            assert again["text"].startswith("More passages for")

            post_update(hooks[0], secret, fake.message(chat, chat, "/new"))  # forgets the chat's questions
            fake.wait_for_messages(chat, 4)
            post_update(hooks[0], secret, fake.press(chat, reply, more_button(reply)))
            (expired,) = fake.wait_for_messages(chat, 5)[4:]
            assert "too old" in expired["text"]
