"""Which language a text is in: used to tag articles and to reply in the question's language."""

from __future__ import annotations

import threading
from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

# Languages the bot speaks for its own texts; others are still detected for articles.
REPLY_LANGUAGES = ("en", "de")
_QUESTION_LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pt", "pl", "ru", "uk", "tr", "cs", "sv", "da"]
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(_QUESTION_LANGUAGES)
    return identifier


def detect(text: str, default: str | None = None, min_confidence: float = 0.5) -> str | None:
    """ISO 639-1 code of `text`, or `default` when the text is too short or unclear."""
    if len(text.strip()) < 3:
        return default
    with _lock:  # the identifier keeps no state per call, but is not documented thread-safe
        language, confidence = _identifier().classify(text)
    return str(language) if confidence >= min_confidence else default


def reply_language(text: str) -> str:
    """The language the bot answers `text` in: the question's if it speaks it, else English."""
    return reply_language_for(detect(text))


def reply_language_for(detected: str | None) -> str:
    """The one rule for the bot's own words: the detected language if the bot speaks it, else English."""
    return detected if detected in REPLY_LANGUAGES else "en"


def closest(text: str, candidates: tuple[str, ...] = REPLY_LANGUAGES) -> str:
    """The most likely of `candidates` for a text too short for `detect` (a one-word topic)."""
    with _lock:
        ranked = _identifier().rank(text)
    return next((str(code) for code, _ in ranked if code in candidates), candidates[0])
