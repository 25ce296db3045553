"""Questions answered in writing by a language model, streamed into the Telegram message.

Used when NEWSBOT_LLM_URL is set. The passages are retrieved as always; the
model writes from them, and the reply grows in one message, edited every
EDIT_EVERY_SECONDS (well inside Telegram's limits). If the model fails or is
too slow, the same message becomes the extractive answer, with a short note.
A follow-up question is first rewritten from the chat's recent turns (/new
forgets them).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Message, Update

from bot import formatting, sending
from bot.chat import Context, buttons, remember, reply, state, topic_of, typing, user_language
from bot.texts import text
from index import service
from index.domain import Answer
from index.errors import NewsbotError
from index.answers.llm import LLMClient, LLMError

log = logging.getLogger(__name__)

EDIT_EVERY_SECONDS = 1.5


async def _history(context: Context, chat_id: int, thread: int | None) -> list[tuple[str, str]]:
    """The chat's recent turns; none when the database is down (the question is then answered on its own, not refused)."""
    chats = context.chats
    if chats is None:
        return []
    try:
        return await asyncio.to_thread(chats.conversation, chat_id, thread)
    except NewsbotError as error:
        log.warning("conversation not read, answering without it: %s", error)
        return []


async def _remember_turn(context: Context, chat_id: int, thread: int | None, question: str, answer: str) -> None:
    if context.chats is None:
        return
    try:
        await asyncio.to_thread(context.chats.add_turn, chat_id, question, answer, thread)
    except NewsbotError as error:  # the answer is out; only the next follow-up loses its context
        log.warning("conversation turn not kept: %s", error)


async def new_conversation(update: Update, context: Context) -> None:
    """/new: forget this chat's (in a forum, this topic's) earlier questions and their answers' buttons, in every process."""
    chat = update.effective_chat
    if chat is not None and context.chats is not None:
        await asyncio.to_thread(context.chats.forget_conversation, chat.id, topic_of(update))
    await reply(update, context, text("new_conversation", user_language(update)))


async def answer_in_writing(update: Update, context: Context, question: str, llm: LLMClient, language: str) -> Answer:
    """Retrieve, then stream the model's answer into one message; the Answer it was written from.

    Retrieval errors (NewsbotError) are raised: bot.handlers.answer_question words,
    logs and counts every question the same way, written or not.
    """
    chat = update.effective_chat
    if chat is None:
        raise RuntimeError("a question without a chat")
    services = state(context).services
    thread_id = topic_of(update)
    async with typing(context, chat.id, thread_id):
        history = await _history(context, chat.id, thread_id)
        asked = await asyncio.to_thread(service.standalone_question, question, history, llm)
        answer = await asyncio.to_thread(services.answer, asked)
    if not answer.found:
        await reply(update, context, formatting.answer_messages(answer, shown=0))
        return answer
    incoming = update.effective_message
    reply_to = incoming.message_id if incoming is not None and chat.type != "private" else None
    status = await sending.send(context.application, chat.id, text("writing", answer.language), reply_to=reply_to, thread_id=thread_id)
    if status is None:
        return answer
    markup = buttons(answer, await remember(context, chat.id, answer.question, thread_id))
    try:
        result = await _stream(status, answer, llm)
    except LLMError as error:
        log.warning("written answer failed, extractive answer sent instead: %s", error)
        messages = formatting.answer_messages(answer, shown=len(answer.passages))
        messages[0] = text("llm_failed", answer.language) + "\n\n" + messages[0]
        await _finish(context, status, messages, markup, thread_id)
        return answer
    await _remember_turn(context, chat.id, thread_id, question if asked == question else asked, result.text)
    log.info("written answer", extra={"event": "written", "cited": len(result.cited), "removed_citations": result.removed})
    await _finish(context, status, formatting.written_messages(result, answer), markup, thread_id)
    return answer


async def _stream(status: Message, answer: Answer, llm: LLMClient) -> Any:
    """Run the model in a thread; edit the message with the text so far every EDIT_EVERY_SECONDS."""
    latest = [""]
    work = asyncio.ensure_future(asyncio.to_thread(service.write_answer, answer, llm, lambda so_far: latest.__setitem__(0, so_far)))
    shown = ""
    while not work.done():
        await asyncio.wait({work}, timeout=EDIT_EVERY_SECONDS)
        if not work.done() and latest[0] and latest[0] != shown:
            shown = latest[0]
            await sending.edit(status, formatting.writing_message(shown, answer.language))
    return work.result()


async def _finish(context: Context, status: Message, messages: list[str], markup: Any, thread_id: int | None) -> None:
    """The first message replaces the status message; any others follow it (in its topic), buttons under the last."""
    await sending.edit(status, messages[0], markup if len(messages) == 1 else None)
    for index, part in enumerate(messages[1:], start=2):
        await sending.send(
            context.application, status.chat_id, part, markup=markup if index == len(messages) else None, thread_id=thread_id
        )
