"""The bot's own words, in English and German. Quoted passages are never translated."""

from __future__ import annotations

EXAMPLE_QUESTION = {"en": "When is the Budapest meeting?", "de": "Wann ist das Treffen in Budapest?"}

_TEXTS: dict[str, dict[str, str]] = {
    "start": {
        "en": "Hi! I answer questions about the news from the articles I have indexed, "
        "and show the passages and sources I answered from.\nTry: <i>{example}</i>",
        "de": "Hallo! Ich beantworte Fragen zu den Nachrichten aus den Artikeln, die ich indexiert habe, "
        "und zeige die Stellen und Quellen, aus denen die Antwort stammt.\nZum Beispiel: <i>{example}</i>",
    },
    "help": {
        "en": "<b>How to ask</b>\nIn a private chat, just write your question. In a group, mention me "
        "(<code>@{username} your question</code>), reply to one of my messages, or use /ask.\n\n"
        "<b>Commands</b>\n/ask QUESTION – answer a question with sources\n/start – what I do\n/help – this help",
        "de": "<b>So fragen Sie</b>\nIm privaten Chat einfach die Frage schreiben. In einer Gruppe mich erwähnen "
        "(<code>@{username} Ihre Frage</code>), auf eine meiner Nachrichten antworten oder /ask verwenden.\n\n"
        "<b>Befehle</b>\n/ask FRAGE – eine Frage mit Quellen beantworten\n/start – was ich tue\n/help – diese Hilfe",
    },
    "answer": {"en": "Answer", "de": "Antwort"},
    "sources": {"en": "Sources", "de": "Quellen"},
    "paragraph": {"en": "paragraph", "de": "Absatz"},
    "not_found": {
        "en": "I found no relevant passage in the indexed articles. Try other words, or ask about another topic.",
        "de": "In den indexierten Artikeln habe ich keine passende Stelle gefunden. "
        "Versuchen Sie andere Worte oder ein anderes Thema.",
    },
    "empty_question": {
        "en": "Please ask a question, for example: <i>{example}</i>",
        "de": "Bitte stellen Sie eine Frage, zum Beispiel: <i>{example}</i>",
    },
    "too_long": {
        "en": "That question is too long ({length} characters, at most {limit}). Please shorten it.",
        "de": "Die Frage ist zu lang ({length} Zeichen, höchstens {limit}). Bitte kürzen Sie sie.",
    },
    "no_words": {
        "en": "I need words to search for. Ask something like: <i>{example}</i>",
        "de": "Ich brauche Wörter, nach denen ich suchen kann. Fragen Sie etwa: <i>{example}</i>",
    },
    "index_empty": {
        "en": "The index is not ready yet: no articles have been indexed. An admin needs to add some.",
        "de": "Der Index ist noch nicht bereit: Es wurden noch keine Artikel indexiert. "
        "Ein Admin muss welche hinzufügen.",
    },
    "unavailable": {
        "en": "The article index is temporarily unavailable. Please try again in a minute.",
        "de": "Der Artikelindex ist vorübergehend nicht erreichbar. Bitte versuchen Sie es in einer Minute erneut.",
    },
    "needs_reindex": {
        "en": "The index was built with another embedding model. An admin needs to reindex.",
        "de": "Der Index wurde mit einem anderen Embedding-Modell erstellt. Ein Admin muss neu indexieren.",
    },
    "failed": {
        "en": "Something went wrong while answering. Please try again.",
        "de": "Beim Beantworten ist etwas schiefgegangen. Bitte versuchen Sie es erneut.",
    },
    "unknown_command": {
        "en": "I don't know that command.",
        "de": "Diesen Befehl kenne ich nicht.",
    },
    "more": {"en": "More passages", "de": "Weitere Stellen"},
    "context": {"en": "Context ¶{paragraph}", "de": "Kontext ¶{paragraph}"},
    "open": {"en": "Open source", "de": "Quelle öffnen"},
    "expired": {
        "en": "That answer is too old to expand. Please ask again.",
        "de": "Diese Antwort ist zu alt zum Erweitern. Bitte fragen Sie erneut.",
    },
    "no_more": {"en": "No further passages.", "de": "Keine weiteren Stellen."},
    "more_passages": {"en": "More passages for", "de": "Weitere Stellen zu"},
    "context_title": {"en": "Context", "de": "Kontext"},
    "gone": {
        "en": "That passage is no longer in the index.",
        "de": "Diese Stelle ist nicht mehr im Index.",
    },
    "cmd_ask": {"en": "Answer a question with sources", "de": "Eine Frage mit Quellen beantworten"},
    "cmd_help": {"en": "How to ask, and the commands", "de": "Wie man fragt, und die Befehle"},
    "cmd_start": {"en": "What this bot does", "de": "Was dieser Bot tut"},
}


def text(key: str, language: str, **values: object) -> str:
    """The text `key` in `language` (English if there is none), with `values` filled in.

    Values are inserted as given: escape anything that comes from users or articles first.
    """
    variants = _TEXTS[key]
    template = variants.get(language, variants["en"])
    if "{example}" in template and "example" not in values:
        values["example"] = EXAMPLE_QUESTION.get(language, EXAMPLE_QUESTION["en"])
    return template.format(**values)


def language_of(code: str | None) -> str:
    """A Telegram user's language_code ("de-AT") to a language the bot speaks."""
    short = (code or "en").split("-")[0].lower()
    return short if short in {"en", "de"} else "en"
