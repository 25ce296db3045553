"""Articles to paragraphs to chunks, and paragraphs to sentences. Pure functions.

One chunk per paragraph: a very short paragraph (a heading, a photo credit) is
merged into the next one, a paragraph too long for the model is split on
sentence boundaries so that no text is cut off by the model's token limit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from sentencex import segment

from index.domain import Article, Chunk

MIN_PARAGRAPH_CHARS = 60
TITLE_MAX_CHARS = 120

TokenCounter = Callable[[str], int]

_BLANK_LINE = re.compile(r"\n\s*\n")
_SPACES = re.compile(r"\s+")
_SENTENCE_END = ("." , "!", "?", "…", "\"", "“", "”", "»", "«", ":")


def normalize_space(text: str) -> str:
    """Collapse runs of white space (newlines too) into one space, strip the ends."""
    return _SPACES.sub(" ", text).strip()


def split_paragraphs(text: str) -> list[str]:
    """Plain text to paragraphs: blank-line separated if it has blank lines, else one per line.

    Within a blank-line separated paragraph, wrapped lines are joined with a space.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _BLANK_LINE.search(text.strip()):
        blocks = _BLANK_LINE.split(text)
        paragraphs = [normalize_space(" ".join(block.split("\n"))) for block in blocks]
    else:
        paragraphs = [normalize_space(line) for line in text.split("\n")]
    return [p for p in paragraphs if p]


def looks_like_heading(line: str) -> bool:
    """A short line without closing punctuation: a title, not a sentence."""
    return len(line) <= TITLE_MAX_CHARS and not line.rstrip().endswith(_SENTENCE_END)


def shorten(text: str, limit: int = 100) -> str:
    """Cut at a word boundary and add an ellipsis; used for titles made from text."""
    text = normalize_space(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:-–— ")
    return cut + "…"


def title_and_body(paragraphs: list[str], fallback: str) -> tuple[str, list[str]]:
    """A plain text's title: its first line if that is a heading, else a shortened first sentence."""
    if not paragraphs:
        return fallback, []
    first = paragraphs[0]
    if len(paragraphs) > 1 and looks_like_heading(first):
        return first, paragraphs[1:]
    sentences = split_sentences(first)
    return shorten(sentences[0] if sentences else first), paragraphs


def split_sentences(text: str, language: str | None = None) -> list[str]:
    """Sentences of a paragraph, with German and English abbreviations and numbers kept whole."""
    text = normalize_space(text)
    if not text:
        return []
    sentences = [s.strip() for s in segment(language or "de", text) if s.strip()]
    if (language or "de") == "de":
        sentences = _rejoin_ordinals(sentences)
    return sentences


_ORDINAL_END = re.compile(r"(?:^|\s)\d{1,3}\.$")


def _rejoin_ordinals(sentences: list[str]) -> list[str]:
    """German ordinals ("am 17. Oktober", "zum 250. Jahrestag") are not sentence ends."""
    joined: list[str] = []
    for sentence in sentences:
        if joined and _ORDINAL_END.search(joined[-1]):
            joined[-1] = f"{joined[-1]} {sentence}"
        else:
            joined.append(sentence)
    return joined


def merge_short(paragraphs: Iterable[str], min_chars: int = MIN_PARAGRAPH_CHARS) -> list[tuple[int, str]]:
    """Merge paragraphs shorter than `min_chars` into the next one (the last into the previous).

    Returns (1-based number of the first original paragraph, text) pairs.
    """
    merged: list[tuple[int, str]] = []
    pending: list[str] = []
    pending_number = 0
    for number, paragraph in enumerate(paragraphs, start=1):
        if not pending:
            pending_number = number
        pending.append(paragraph)
        if len(paragraph) >= min_chars:
            merged.append((pending_number, "\n".join(pending)))
            pending = []
    if pending:
        if merged:
            number, text = merged.pop()
            merged.append((number, "\n".join([text, *pending])))
        else:
            merged.append((pending_number, "\n".join(pending)))
    return merged


def pack_greedy(units: Iterable[str], fits: Callable[[str], bool]) -> list[str]:
    """Join units with spaces, in order, into as few parts as `fits` allows.

    A unit that does not fit on its own becomes a part of its own: callers cut such
    units smaller first.
    """
    parts: list[str] = []
    current = ""
    for unit in units:
        candidate = f"{current} {unit}" if current else unit
        if current and not fits(candidate):
            parts.append(current)
            current = unit
        else:
            current = candidate
    if current:
        parts.append(current)
    return parts


def fit_to_tokens(text: str, max_tokens: int, count_tokens: TokenCounter, language: str | None = None) -> list[str]:
    """Split `text` on sentence boundaries into parts of at most `max_tokens` tokens.

    A single sentence longer than the limit is split between words as a last resort.
    """

    def fits(part: str) -> bool:
        return count_tokens(part) <= max_tokens

    if len(text) <= max_tokens or fits(text):
        return [text]
    units: list[str] = []
    for sentence in split_sentences(text, language):
        units.extend([sentence] if fits(sentence) else pack_greedy(sentence.split(" "), fits))
    return pack_greedy(units, fits)


def chunk_article(article: Article, max_tokens: int, count_tokens: TokenCounter) -> list[Chunk]:
    """An article's chunks in reading order, each citing its paragraph number."""
    chunks: list[Chunk] = []
    for number, text in merge_short(article.paragraphs):
        for part in fit_to_tokens(text, max_tokens, count_tokens, article.language):
            chunks.append(
                Chunk(
                    article_id=article.id,
                    position=len(chunks),
                    paragraph=number,
                    text=part,
                    title=article.title,
                    source=article.source,
                    url=article.url,
                    published=article.published,
                    language=article.language,
                    origin=article.origin or article.source,
                    source_name=article.source_name,
                )
            )
    return chunks
