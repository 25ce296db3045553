"""A small, faithful fake of the Telegram Bot API, served over HTTP on loopback.

The real bot process talks to it through NEWSBOT_TELEGRAM_API_URL exactly as it
talks to api.telegram.org. It implements the methods Newsbot uses, validates
requests the way Telegram does (HTML entities, the 4096-character limit counted
in UTF-16 units after parsing, 64-byte callback data, "message is not modified"),
lets tests inject updates (with UTF-16 entity offsets) and errors (429 with
retry_after, 403, migrate_to_chat_id), knows forum topics (message_thread_id on
sends, refused for a closed or deleted topic as Telegram does), enforces Telegram's overall flood limit
(FLOOD_LIMIT messages per second, then 429), can hold sends at a gate (to stop
the bot mid-burst), and records everything the bot sent.
"""

from __future__ import annotations

import email.policy
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from tests.servers import QuietHandler, serve_in_thread

BOT_ID = 4242
BOT_USERNAME = "newsbot_test_bot"
TEXT_LIMIT = 4096
FLOOD_LIMIT = 30  # messages per second to all chats together, as Telegram documents for bots
CALLBACK_DATA_LIMIT = 64
ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
    "a", "code", "pre", "blockquote", "tg-emoji",
}  # fmt: skip
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class ApiError(Exception):
    """An error response: {"ok": false, "error_code", "description", "parameters"}."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> str:
    """Telegram's HTML parse mode: the visible text, or ApiError like Telegram's."""
    out: list[str] = []
    stack: list[str] = []
    i = 0

    def offset(index: int) -> int:
        return len(source[:index].encode("utf-8"))

    while i < len(source):
        char = source[i]
        if char == "<":
            end = source.find(">", i)
            if end < 0:
                raise ApiError(400, f"Bad Request: can't parse entities: Unclosed start tag at byte offset {offset(i)}")
            tag = source[i + 1 : end].strip()
            if tag.startswith("/"):
                name = tag[1:].strip().lower()
                if not stack or stack[-1] != name:
                    raise ApiError(400, f"Bad Request: can't parse entities: Unmatched end tag at byte offset {offset(i)}, expected \"</{stack[-1] if stack else ''}>\", found \"</{name}>\"")
                stack.pop()
            else:
                name = re.split(r"\s", tag, maxsplit=1)[0].lower()
                if name not in ALLOWED_TAGS:
                    raise ApiError(400, f'Bad Request: can\'t parse entities: Unsupported start tag "{name}" at byte offset {offset(i)}')
                if name == "a" and not re.search(r"href\s*=\s*\"[^\"]*\"|href\s*=\s*'[^']*'", tag):
                    raise ApiError(400, "Bad Request: can't parse entities: Can't find href attribute of the link")
                stack.append(name)
            i = end + 1
        elif char == "&":
            match = _ENTITY.match(source, i)
            if not match:
                raise ApiError(400, f"Bad Request: can't parse entities: Can't find end of the entity starting at byte offset {offset(i)}")
            name = match.group(1)
            if name.startswith("#x"):
                out.append(chr(int(name[2:], 16)))
            elif name.startswith("#"):
                out.append(chr(int(name[1:])))
            else:
                out.append(_NAMED[name])
            i = match.end()
        else:
            out.append(char)
            i += 1
    if stack:
        raise ApiError(400, f'Bad Request: can\'t parse entities: Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


def check_markup(markup: Any) -> None:
    if markup is None:
        return
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode("utf-8")) <= CALLBACK_DATA_LIMIT:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and not url.startswith(("http://", "https://", "tg://")):
                raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
            if data is None and url is None:
                raise ApiError(400, "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")


@dataclass
class Request:
    method: str
    params: dict[str, Any]
    status: int
    at: float


@dataclass
class FakeTelegram:
    """State of the fake server. Tests read `sent` and `requests`, and push updates."""

    token: str
    sent: list[dict[str, Any]] = field(default_factory=list)  # messages the bot sent (and edits)
    requests: list[Request] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    chats: dict[int, dict[str, Any]] = field(default_factory=dict)
    members: dict[tuple[int, int], str] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)
    migrated: dict[int, int] = field(default_factory=dict)
    failures: list[tuple[str, int | None, ApiError]] = field(default_factory=list)
    commands: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    webhook: str = ""
    usernames: dict[str, int] = field(default_factory=dict)  # "@channel" -> chat id
    inline_answers: dict[str, dict[str, Any]] = field(default_factory=dict)  # inline query id -> the bot's answer
    inline_mode: bool = True  # what getMe says as supports_inline_queries (BotFather's /setinline)
    files: dict[str, bytes] = field(default_factory=dict)  # file_id -> content, for getFile and downloads
    documents: list[dict[str, Any]] = field(default_factory=list)  # documents the bot sent, with their content
    topics: dict[tuple[int, int], str] = field(default_factory=dict)  # (forum chat, thread id) -> "open" | "closed" | "deleted"
    sends_allowed: int | None = None  # when set, sends beyond this many wait at the gate
    flooded: int = 0  # 429s given for going over FLOOD_LIMIT

    def __post_init__(self) -> None:
        self._lock = threading.Condition()
        self._recent_sends: list[float] = []
        self._gate = threading.Condition()
        self.held = 0
        self._update_ids = itertools.count(1)
        self.last_update_id = 0  # of the newest update pushed
        self.confirmed_update_id = 0  # the bot asked for updates after this one: it has taken all up to it
        self._message_ids: dict[int, Iterator[int]] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._callback_ids = itertools.count(1)

    # --- what tests do -------------------------------------------------------------

    def bot_user(self) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Newsbot", "username": BOT_USERNAME}

    def chat(self, chat_id: int, chat_type: str | None = None, title: str = "Test group") -> dict[str, Any]:
        if chat_id not in self.chats:
            kind = chat_type or ("private" if chat_id > 0 else "supergroup" if str(chat_id).startswith("-100") else "group")
            chat: dict[str, Any] = {"id": chat_id, "type": kind}
            if kind == "private":
                chat["first_name"] = f"User{chat_id}"
            else:
                chat["title"] = title
            self.chats[chat_id] = chat
        return self.chats[chat_id]

    def channel(self, chat_id: int, username: str, title: str = "News channel") -> dict[str, Any]:
        chat = {"id": chat_id, "type": "channel", "title": title, "username": username}
        self.chats[chat_id] = chat
        self.usernames[f"@{username}"] = chat_id
        return chat

    def forum(self, chat_id: int, *threads: int, title: str = "Forum") -> dict[str, Any]:
        """A supergroup with topics: `threads` are the ids of its open topics."""
        chat = {"id": chat_id, "type": "supergroup", "title": title, "is_forum": True}
        self.chats[chat_id] = chat
        for thread in threads:
            self.topics[(chat_id, thread)] = "open"
        return chat

    def in_topic(self, thread: int) -> dict[str, Any]:
        """`extra` for message(): the message was written in forum topic `thread`."""
        return {"message_thread_id": thread, "is_topic_message": True}

    def bot_status(self, chat_id: int, old: str, new: str) -> dict[str, Any]:
        """Push a my_chat_member update: the bot's status in a chat changed (e.g. it was kicked)."""
        def member(status: str) -> dict[str, Any]:
            extra = {"until_date": 0} if status == "kicked" else {}
            return {"status": status, "user": self.bot_user(), **extra}

        change = {
            "chat": self.chat(chat_id), "from": self.user(1), "date": int(time.time()),
            "old_chat_member": member(old), "new_chat_member": member(new),
        }  # fmt: skip
        return self.push({"my_chat_member": change})

    def pass_gate(self, sends: int | None) -> None:
        """Let `sends` more messages through (None: all); the rest wait until the next call."""
        with self._gate:
            if sends is None:
                self.sends_allowed = None
            else:
                self.sends_allowed = len(self.sent) + sends
            self._gate.notify_all()

    def wait_at_gate(self, method: str) -> bool:
        """Called by the HTTP thread before a send; False means the request is dropped unanswered."""
        if method != "sendMessage":
            return True
        with self._gate:
            while self.sends_allowed is not None and len(self.sent) >= self.sends_allowed:
                self.held += 1
                self._gate.wait()
                self.held -= 1
                if getattr(self, "_drop_held", False):
                    return False
        return True

    def drop_held(self) -> None:
        """Requests waiting at the gate are dropped as if the network lost them (the bot was killed)."""
        with self._gate:
            self._drop_held = True
            self._gate.notify_all()
        while self.held:
            time.sleep(0.01)
        with self._gate:
            self._drop_held = False
            self.sends_allowed = None

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            update = {"update_id": next(self._update_ids), **update}
            self.last_update_id = update["update_id"]
            self.updates.append(update)
            self._lock.notify_all()
        return update

    def user(self, user_id: int, language: str = "en") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}", "language_code": language}

    def message(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        mention: bool = False,
        reply_to: dict[str, Any] | None = None,
        language: str = "en",
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Push a text message from a user, with the entities Telegram would add."""
        entities: list[dict[str, Any]] = []
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command)})
        if mention:
            handle = f"@{BOT_USERNAME}"
            index = text.find(handle)
            assert index >= 0, "put @newsbot_test_bot in the text"
            entities.append({"type": "mention", "offset": utf16_len(text[:index]), "length": utf16_len(handle)})
        with self._lock:
            message: dict[str, Any] = {
                "message_id": self._next_message_id(chat_id),
                "date": int(time.time()),
                "chat": self.chat(chat_id),
                "from": self.user(user_id, language),
                "text": text,
            }
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message.update(extra or {})
        return self.push({"message": message})

    def document(self, chat_id: int, user_id: int, file_name: str, content: bytes, mime_type: str = "text/x-opml") -> dict[str, Any]:
        """Push a message with a file the user sent; the bot can fetch it with getFile."""
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = content
        document = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": file_name, "mime_type": mime_type, "file_size": len(content)}
        with self._lock:
            message: dict[str, Any] = {
                "message_id": self._next_message_id(chat_id), "date": int(time.time()),
                "chat": self.chat(chat_id), "from": self.user(user_id), "document": document,
            }  # fmt: skip
        return self.push({"message": message})

    def inline(self, user_id: int, query: str, language: str = "en") -> str:
        """Push an inline query (`@bot query` typed in any chat); returns its id for `inline_answers`."""
        query_id = f"iq{next(self._callback_ids)}"
        self.push({"inline_query": {"id": query_id, "from": self.user(user_id, language), "query": query, "offset": ""}})
        return query_id

    def press(self, user_id: int, message: dict[str, Any], data: str) -> dict[str, Any]:
        """Push a callback query: the user pressed the button with `data` under `message`."""
        query = {
            "id": str(next(self._callback_ids)),
            "from": self.user(user_id),
            "message": message,
            "chat_instance": "1",
            "data": data,
        }
        return self.push({"callback_query": query})

    def fail_next(self, method: str, error: ApiError, chat_id: int | None = None) -> None:
        """The next call of `method` (to `chat_id`, if given) answers with `error`."""
        with self._lock:
            self.failures.append((method, chat_id, error))

    def sent_to(self, chat_id: int) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.sent if m["chat"]["id"] == chat_id]

    def calls(self, method: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.method == method]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 60.0) -> Any:
        """Wait until `predicate()` is truthy (re-checked whenever the bot calls the server)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"condition not met within {timeout} s")
                self._lock.wait(min(remaining, 0.5))

    def wait_for_messages(self, chat_id: int, count: int = 1, timeout: float = 60.0) -> list[dict[str, Any]]:
        return self.wait_for(lambda: (lambda got: got if len(got) >= count else None)(self.sent_to(chat_id)), timeout)  # type: ignore[no-any-return]

    # --- the API -------------------------------------------------------------------------

    def handle(self, method: str, params: dict[str, Any]) -> Any:
        with self._lock:
            chat_id = int(params["chat_id"]) if str(params.get("chat_id", "")).lstrip("-").isdigit() else None
            for index, (name, target, error) in enumerate(self.failures):
                if name == method and (target is None or target == chat_id):
                    del self.failures[index]
                    raise error
            handler = getattr(self, f"api_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            result = handler(params)
            self._lock.notify_all()
            return result

    def api_getMe(self, params: dict[str, Any]) -> Any:  # noqa: N802 - Bot API method names
        return {**self.bot_user(), "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": self.inline_mode}

    def api_deleteWebhook(self, params: dict[str, Any]) -> Any:  # noqa: N802
        self.webhook = ""
        return True

    def api_setWebhook(self, params: dict[str, Any]) -> Any:  # noqa: N802
        self.webhook = params.get("url", "")
        return True

    def api_getUpdates(self, params: dict[str, Any]) -> Any:  # noqa: N802
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 2.0)  # short polls keep tests snappy
        limit = int(params.get("limit") or 100)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]  # confirmed ones are gone
        self.confirmed_update_id = max(self.confirmed_update_id, offset - 1)
        deadline = time.monotonic() + timeout
        while not self.updates and time.monotonic() < deadline:
            self._lock.wait(deadline - time.monotonic())
        return self.updates[:limit]

    def api_setMyCommands(self, params: dict[str, Any]) -> Any:  # noqa: N802
        commands = params["commands"]
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command["command"]) or not 1 <= len(command["description"]) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        scope = (params.get("scope") or {}).get("type", "default")
        self.commands[f"{scope}:{params.get('language_code') or ''}"] = commands
        return True

    def api_sendChatAction(self, params: dict[str, Any]) -> Any:  # noqa: N802
        self._reachable(int(params["chat_id"]))
        self._thread(int(params["chat_id"]), params)
        return True

    def api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:  # noqa: N802
        return True

    def api_answerInlineQuery(self, params: dict[str, Any]) -> Any:  # noqa: N802
        """Checked as Telegram does: at most 50 results, unique ids of 1-64 bytes, message texts that parse."""
        query_id = str(params["inline_query_id"])
        if query_id in self.inline_answers:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        results = params.get("results") or []
        if len(results) > 50:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        ids = [str(r.get("id", "")) for r in results]
        if len(set(ids)) != len(ids) or not all(1 <= len(i.encode()) <= 64 for i in ids):
            raise ApiError(400, "Bad Request: RESULT_ID_INVALID")
        shown = []
        for result in results:
            content = result.get("input_message_content") or {}
            if result.get("type") != "article" or not result.get("title") or "message_text" not in content:
                raise ApiError(400, "Bad Request: RESULT_TYPE_INVALID")
            check_markup(result.get("reply_markup"))
            shown.append({**result, "text": self._visible_text({"text": content["message_text"], "parse_mode": content.get("parse_mode")})})
        personal = str(params.get("is_personal", "")).lower() == "true"
        self.inline_answers[query_id] = {"results": shown, "cache_time": int(params.get("cache_time") or 300), "is_personal": personal}
        return True

    def api_getFile(self, params: dict[str, Any]) -> Any:  # noqa: N802
        file_id = str(params["file_id"])
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(self.files[file_id]), "file_path": f"documents/{file_id}"}

    def api_sendDocument(self, params: dict[str, Any]) -> Any:  # noqa: N802
        chat_id = int(params["chat_id"])
        self._reachable(chat_id)
        thread = self._thread(chat_id, params)
        upload = params.get("document")
        if not isinstance(upload, Upload):
            raise ApiError(400, "Bad Request: there is no document in the request")
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat_id), "date": int(time.time()), "chat": self.chat(chat_id),
            "from": self.bot_user(), "document": {"file_id": "sent", "file_unique_id": "usent", "file_name": upload.name},
        }  # fmt: skip
        if params.get("caption"):
            message["caption"] = params["caption"]
        if thread is not None:
            message.update(message_thread_id=thread, is_topic_message=True)
        self.documents.append({**message, "content": upload.content})
        return message

    def _chat_id(self, value: Any) -> int:
        if str(value).startswith("@"):
            if value not in self.usernames:
                raise ApiError(400, "Bad Request: chat not found")
            return self.usernames[value]
        return int(value)

    def api_getChat(self, params: dict[str, Any]) -> Any:  # noqa: N802
        chat = dict(self.chat(self._chat_id(params["chat_id"])))
        return {**chat, "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": {
            "unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False, "premium_subscription": False,
            "gifts_from_channels": False}}

    def api_getChatMember(self, params: dict[str, Any]) -> Any:  # noqa: N802
        chat_id, user_id = self._chat_id(params["chat_id"]), int(params["user_id"])
        status = self.members.get((chat_id, user_id), "member")
        member: dict[str, Any] = {"status": status, "user": self.user(user_id) if user_id != BOT_ID else self.bot_user()}
        if status == "administrator":
            member.update(
                can_be_edited=False, is_anonymous=False, can_manage_chat=True, can_delete_messages=True,
                can_manage_video_chats=True, can_restrict_members=True, can_promote_members=False,
                can_change_info=True, can_invite_users=True, can_post_stories=True, can_edit_stories=True,
                can_delete_stories=True, can_post_messages=True,
            )  # fmt: skip
        if status == "creator":
            member.update(is_anonymous=False)
        return member

    def _reachable(self, chat_id: int) -> None:
        if chat_id in self.migrated:
            raise ApiError(
                400, "Bad Request: group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": self.migrated[chat_id]}
            )
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")

    def _thread(self, chat_id: int, params: dict[str, Any]) -> int | None:
        """The forum topic a send goes to, refused as Telegram does when it is closed or gone."""
        if not params.get("message_thread_id"):
            return None
        thread = int(params["message_thread_id"])
        if not self.chats.get(chat_id, {}).get("is_forum"):
            return None  # Telegram ignores a thread id outside forums
        topic = self.topics.get((chat_id, thread), "deleted")
        if topic == "deleted":
            raise ApiError(400, "Bad Request: message thread not found")
        if topic == "closed":
            raise ApiError(400, "Bad Request: TOPIC_CLOSED")
        return thread

    def _visible_text(self, params: dict[str, Any]) -> str:
        source = params.get("text", "")
        shown = parse_html(source) if (params.get("parse_mode") or "").upper() == "HTML" else source
        if not shown.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(shown) > TEXT_LIMIT:
            raise ApiError(400, "Bad Request: message is too long")
        return shown

    def _flood_control(self) -> None:
        now = time.monotonic()
        self._recent_sends = [t for t in self._recent_sends if now - t < 1.0]
        if len(self._recent_sends) >= FLOOD_LIMIT:
            self.flooded += 1
            raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        self._recent_sends.append(now)

    def api_sendMessage(self, params: dict[str, Any]) -> Any:  # noqa: N802
        chat_id = int(params["chat_id"])
        self._reachable(chat_id)
        thread = self._thread(chat_id, params)
        self._flood_control()
        shown = self._visible_text(params)
        check_markup(params.get("reply_markup"))
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": self.chat(chat_id),
            "from": self.bot_user(),
            "text": shown,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        if thread is not None:
            message.update(message_thread_id=thread, is_topic_message=True)
        record = {**message, "html": params.get("text", ""), "parse_mode": params.get("parse_mode"),
                  "reply_to_message_id": _reply_to(params)}  # fmt: skip
        self._messages[(chat_id, message["message_id"])] = record
        self.sent.append(record)
        return message

    def api_editMessageText(self, params: dict[str, Any]) -> Any:  # noqa: N802
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        record = self._messages.get((chat_id, message_id))
        if record is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        shown = self._visible_text(params)
        check_markup(params.get("reply_markup"))
        if shown == record["text"] and params.get("reply_markup") == record.get("reply_markup"):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message",
            )
        record.setdefault("versions", [record["text"]])
        record["versions"].append(shown)
        record.update(text=shown, html=params.get("text", ""), reply_markup=params.get("reply_markup"))
        record["edits"] = record.get("edits", 0) + 1
        message = {k: v for k, v in record.items() if k in {"message_id", "date", "chat", "from", "text", "reply_markup", "message_thread_id", "is_topic_message"}}
        return message


@dataclass(frozen=True)
class Upload:
    """A file in a multipart request (sendDocument)."""

    name: str
    content: bytes


def _multipart(content_type: str, body: bytes) -> dict[str, Any]:
    """Form fields of a multipart/form-data request: strings (JSON fields decoded), files as Upload."""
    message = BytesParser(policy=email.policy.HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    params: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        params[str(name)] = Upload(filename, data) if filename else _decode(str(name), data.decode("utf-8"))
    return params


def _reply_to(params: dict[str, Any]) -> int | None:
    if params.get("reply_to_message_id"):
        return int(params["reply_to_message_id"])
    parameters = params.get("reply_parameters")
    return int(parameters["message_id"]) if parameters else None


_JSON_FIELDS = {
    "reply_markup", "commands", "scope", "entities", "reply_parameters", "link_preview_options", "allowed_updates", "results", "button",
}  # fmt: skip


def _decode(key: str, value: str) -> Any:
    """Form fields of objects and arrays hold JSON; everything else stays a string, as Telegram reads it."""
    return json.loads(value) if key in _JSON_FIELDS and value else value


@contextmanager
def serve(fake: FakeTelegram, port: int = 0) -> Iterator[str]:
    """Run the fake API on 127.0.0.1 (`port`, or a free one); yields the base URL for NEWSBOT_TELEGRAM_API_URL."""

    class Handler(QuietHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            self._handle()

        def do_GET(self) -> None:  # noqa: N802
            self._handle()

        def _handle(self) -> None:
            path = unquote(urlparse(self.path).path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            download = re.fullmatch(r"/file/bot([^/]+)/documents/([\w-]+)", path)
            if download and download.group(1) == fake.token and download.group(2) in fake.files:
                self._send(200, "application/octet-stream", fake.files[download.group(2)])
                return
            match = re.fullmatch(r"/bot([^/]+)/(\w+)", path)
            if not match or match.group(1) != fake.token:
                self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                return
            method = match.group(2)
            content_type = self.headers.get("Content-Type", "")
            if "json" in content_type:
                params = json.loads(body or b"{}")
            elif content_type.startswith("multipart/form-data"):
                params = _multipart(content_type, body)
            else:
                fields = parse_qs(body.decode("utf-8"), keep_blank_values=True)
                fields.update(parse_qs(urlparse(self.path).query, keep_blank_values=True))
                params = {key: _decode(key, values[-1]) for key, values in fields.items()}
            if not fake.wait_at_gate(method):
                self.close_connection = True
                return
            try:
                result = fake.handle(method, params)
                status, payload = 200, {"ok": True, "result": result}
            except ApiError as error:
                status = error.code
                payload = {"ok": False, "error_code": error.code, "description": error.description}
                if error.parameters:
                    payload["parameters"] = error.parameters
            with fake._lock:
                fake.requests.append(Request(method, params, status, time.monotonic()))
            self._reply(status, payload)

        def _reply(self, status: int, payload: dict[str, Any]) -> None:
            self._send(status, "application/json", json.dumps(payload).encode("utf-8"))

        def _send(self, status: int, content_type: str, data: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    with serve_in_thread(Handler, port) as url:
        yield url + "/bot"
