"""Time expressions read against their article's date: "innerhalb von zwei Wochen" in an article
of 16 Oct 2025 points to 30 Oct 2025. Parsing is dateparser's (many languages); only the glue
that turns a deadline ("within", "innerhalb von", "binnen") into "by" is written here.

`resolve` is pure apart from dateparser's own caches; it never raises on odd input.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from index.domain import TimeNote

# "innerhalb von zwei Wochen", "binnen drei Tagen", "within two weeks", "bis zu einem Monat": a deadline.
_DEADLINE = re.compile(r"^(?:innerhalb(?:\s+von|\s+der\s+nächsten)?|binnen|within(?:\s+the\s+next)?|bis\s+zu|up\s+to)\s+", re.IGNORECASE)
# Words dateparser does not need ("am Freitag", "on Friday", "im Februar 2022").
_LEAD = re.compile(r"^(?:am|on|im|in\s+the|the|um|at)\s+", re.IGNORECASE)
# Only relative expressions are worked out: a written date ("am 15. August") already says its date.
_RELATIVE = re.compile(
    r"^(?:in|nach|after)\s+\S+\s+\w+$"
    r"|^(?:am\s+|on\s+|nächsten\s+|kommenden\s+|next\s+)?(?:Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag"
    r"|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)$"
    r"|^(?:morgen|übermorgen|gestern|vorgestern|tomorrow|yesterday)$",
    re.IGNORECASE,
)
_WEEKDAY = re.compile(r"(?:mon|diens|mitt|donners|frei|sams|sonn)tag|(?:mon|tues|wednes|thurs|fri|satur|sun)day", re.IGNORECASE)
# Durations without an anchor ("zwei Wochen lang", "for three years", "seit 1990") point to no one date.
_NOT_A_POINT = re.compile(r"\b(?:lang|long|for|für|seit|since|über|over|mehr\s+als|more\s+than|weniger\s+als|less\s+than)\b", re.IGNORECASE)


def resolve(expression: str, language: str | None, published: str | None) -> TimeNote | None:
    """The expression with its article's date and, where dateparser can tell, the date it means.

    None when the article has no (ISO) date: without it nothing can be said.
    """
    base = _date(published)
    if base is None or published is None:
        return None
    text = expression.strip(" „“\"'«»")
    deadline = _DEADLINE.match(text)
    relation = "by" if deadline else "on"
    if deadline:
        text = "in " + text[deadline.end() :]  # dateparser reads "in zwei Wochen" / "in two weeks"
    if _NOT_A_POINT.search(text) or not _RELATIVE.match(text):
        return TimeNote(expression, published, relation, None)
    resolved = _parse(_LEAD.sub("", text), language or "de", published)
    return TimeNote(expression, published, relation, resolved)


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


@lru_cache(maxsize=1024)
def _parse(text: str, language: str, published: str) -> str | None:
    import dateparser  # imported on first use: it loads its language data then

    base = dt.datetime.fromisoformat(published[:10])
    languages = [language] if language in ("de", "en") else None
    try:
        parsed = dateparser.parse(text, languages=languages, settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "future"})
    except (ValueError, OverflowError, LookupError):
        return None
    if parsed is None:
        return None
    day: dt.date = parsed.date()
    if _WEEKDAY.search(text):
        # News tell of the days around the article: "am Donnerstag" in a Thursday article is that day,
        # "am Montag" three days before it; the nearest such weekday is meant.
        ahead = (day - base.date()).days % 7
        day = base.date() + dt.timedelta(days=ahead if ahead <= 3 else ahead - 7)
    elif day == base.date():
        return None
    return day.isoformat()


def format_date(iso: str, language: str = "en") -> str:
    """16 Oct 2025 (en) / 16. Okt. 2025 (de) from an ISO date; the input as is when it is not one."""
    day = _date(iso)
    if day is None:
        return iso
    if language == "de":
        months = ("Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez.")
        return f"{day.day}. {months[day.month - 1]} {day.year}"
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return f"{day.day} {months[day.month - 1]} {day.year}"


def describe(note: TimeNote, language: str = "en") -> str:
    """“innerhalb von zwei Wochen — article of 16 Oct 2025 → by 30 Oct 2025” (German words for "de")."""
    article = "Artikel vom" if language == "de" else "article of"
    text = f"{note.expression} — {article} {format_date(note.published, language)}"
    if note.resolved:
        by = {"by": "bis" if language == "de" else "by", "on": "am" if language == "de" else "on"}[note.relation]
        text += f" → {by} {format_date(note.resolved, language)}"
    return text
