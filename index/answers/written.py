"""Written answers: the prompt a language model gets, and what is kept of its reply. Pure functions.

The model sees the retrieved passages, numbered, with their sources, and is told
to answer only from them, citing them as [1], [2]. Its reply is checked: a
citation of a passage that does not exist is removed, never shown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.domain import Passage

LANGUAGE_NAMES = {"de": "German", "en": "English", "fr": "French", "es": "Spanish", "it": "Italian"}
_CITATION = re.compile(r"\[(\s*\d+\s*(?:[,;]\s*\d+\s*)*)\]")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:!?])")
HISTORY_TURNS = 3  # question/answer pairs a chat remembers for follow-ups

SYSTEM = (
    "You answer questions about the news using only the numbered passages you are given. "
    "Write a short answer (at most five sentences) in {language}. After each statement, cite the passages "
    "it comes from like [1] or [2][3]. If the passages do not contain the answer, say that the articles "
    "don't say, and what they do say that comes closest. Never use knowledge from outside the passages, "
    "never invent facts, dates or names, and never cite a number that is not in the list."
)
REWRITE = (
    "Rewrite the user's last question so that it can be understood without the conversation: resolve "
    "pronouns and references like 'and who…' or 'what about…' from the earlier turns. Keep its language. "
    "Reply with the rewritten question only."
)


@dataclass(frozen=True)
class Written:
    """A model's answer after checking: its text and the passage numbers (1-based) it cites."""

    text: str
    cited: tuple[int, ...]
    removed: int = 0  # citations of passages that do not exist


def passage_list(passages: Sequence[Passage]) -> str:
    lines = []
    for number, passage in enumerate(passages, start=1):
        chunk = passage.chunk
        details = ", ".join(part for part in (chunk.published, f"paragraph {chunk.paragraph}") if part)
        lines.append(f"[{number}] {chunk.title} ({details})\n{chunk.text}")
    return "\n\n".join(lines)


def prompt_messages(question: str, passages: Sequence[Passage], language: str) -> list[dict[str, str]]:
    """Chat-completion messages asking for an answer from `passages` in `language`."""
    name = LANGUAGE_NAMES.get(language, "the language of the question")
    return [
        {"role": "system", "content": SYSTEM.format(language=name)},
        {"role": "user", "content": f"Passages:\n\n{passage_list(passages)}\n\nQuestion: {question}"},
    ]


def rewrite_messages(history: Sequence[tuple[str, str]], question: str) -> list[dict[str, str]]:
    """Messages asking to turn a follow-up into a question that stands alone."""
    turns = "\n".join(f"User: {q}\nAssistant: {a}" for q, a in history[-HISTORY_TURNS:])
    return [
        {"role": "system", "content": REWRITE},
        {"role": "user", "content": f"Conversation:\n{turns}\n\nLast question: {question}"},
    ]


def clean_rewrite(reply: str, question: str) -> str:
    """The rewritten question, or the original when the model replied with something unusable."""
    text = " ".join(reply.strip().strip('"“”„').split())
    return text if 0 < len(text) <= 4 * max(len(question), 100) else question


def check_citations(text: str, passages: int) -> Written:
    """Keep citations of passages 1..`passages`; drop the others (and brackets left empty)."""
    cited: list[int] = []
    removed = 0

    def keep(match: re.Match[str]) -> str:
        nonlocal removed
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
        valid = [n for n in numbers if 1 <= n <= passages]
        removed += len(numbers) - len(valid)
        cited.extend(n for n in valid if n not in cited)
        return "".join(f"[{n}]" for n in valid)

    cleaned = _CITATION.sub(keep, text)
    cleaned = _SPACE_BEFORE_PUNCT.sub(r"\1", re.sub(r"[ \t]{2,}", " ", cleaned)).strip()
    return Written(cleaned, tuple(cited), removed)


class CitationFilter:
    """Passes a streamed reply through, holding back a citation until it is complete and
    dropping it if it names a passage that does not exist, so that one is never shown."""

    def __init__(self, passages: int) -> None:
        self.passages = passages
        self._pending = ""
        self.text = ""  # everything let through so far

    def feed(self, piece: str) -> str:
        """Add a piece of the reply; returns what may be shown now."""
        self._pending += piece
        out: list[str] = []
        while self._pending:
            start = self._pending.find("[")
            if start == -1:
                out.append(self._pending)
                self._pending = ""
                break
            out.append(self._pending[:start])
            rest = self._pending[start:]
            end = rest.find("]")
            if end == -1:
                if re.fullmatch(r"\[[\d\s,;]{0,12}", rest):
                    self._pending = rest  # may become a citation: wait for more
                    break
                out.append("[")
                self._pending = rest[1:]
                continue
            candidate = rest[: end + 1]
            out.append(check_citations(candidate, self.passages).text if _CITATION.fullmatch(candidate) else candidate)
            self._pending = rest[end + 1 :]
        shown = "".join(out)
        self.text += shown
        return shown

    def finish(self) -> str:
        """The end of the reply: whatever was held back (it was not a citation after all)."""
        rest, self._pending = self._pending, ""
        self.text += rest
        return rest
