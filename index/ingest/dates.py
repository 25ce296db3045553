"""Publication dates from whatever a feed, page or export writes, or an honest "unknown".

A wrong date is worse than none (answers are dated with it, the newest state of a
story is chosen by it), so every reader here either returns a date it is sure of or
says why it cannot:

1. standard forms, exactly: ISO 8601 / W3C-DTF ("2025-10-16", "2025-10-16T07:15:00Z")
   and RFC 822/2822 ("Thu, 16 Oct 2025 07:15:00 GMT"), which feeds are meant to use;
2. anything else through dateparser (scrapinghub/dateparser), which knows other
   orders and separators and month and day names in some 200 languages
   ("Mo, 13 Okt 2025 18:30:00", "2025/10/29 15:07:41", "16. Oktober 2025");
   A date must state its year: dateparser fills missing parts from today, so relative
   or partial text ("gestern", "Oktober") is reported rather than guessed;
3. epoch seconds or milliseconds (a number, or digits in a string) from JSON exports.

feedparser's own parsed dates are used only for the standard forms it reads exactly:
its lenient fallbacks misread others (it stores "2025/10/29 15:07:41" as 1 Nov 2025).
Dates before 1900 or more than two days in the future are refused as misreadings.
"""

from __future__ import annotations

import email.utils
import re
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

EARLIEST = date(1900, 1, 1)
EARLIEST_EPOCH = date(1980, 1, 1)  # 0, -5 or 5 seconds are unset time stamps, not news from 1970
FUTURE_SLACK = timedelta(days=2)  # time zones and scheduled posts
_EPOCH_MS_FROM = 100_000_000_000  # larger numbers are milliseconds (seconds would be year 5138+)
_DIGITS = re.compile(r"^[+-]?\d+(\.\d+)?$")


@dataclass(frozen=True)
class DateReading:
    """A date read from a value, or why there is none (`value` None and `problem` set)."""

    value: date | None
    problem: str | None = None

    @property
    def iso(self) -> str | None:
        return self.value.isoformat() if self.value else None


NO_DATE = DateReading(None)


def read_date(value: Any, languages: list[str] | None = None, today: date | None = None) -> DateReading:
    """Read a publication date from a string, a number (epoch) or a date/datetime.

    `languages` (ISO 639-1) narrows dateparser's guess where the article's language is known;
    empty or missing values give NO_DATE without a problem.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return NO_DATE
    today = today or datetime.now(UTC).date()
    if isinstance(value, bool):
        return DateReading(None, f"{value!r} is not a date")
    if isinstance(value, datetime):
        return _plausible(value.date(), str(value), today)
    if isinstance(value, date):
        return _plausible(value, str(value), today)
    if isinstance(value, (int, float)):
        return _epoch(float(value), today)
    if not isinstance(value, str):
        return DateReading(None, f"a {type(value).__name__} is not a date")
    text = " ".join(value.split())
    if _DIGITS.match(text):
        return _epoch(float(text), today)
    parsed = _standard(text) or _dateparser(text, tuple(languages or ()))
    if parsed is None:
        return DateReading(None, f"the date {shorten(text)!r} could not be read")
    return _plausible(parsed, text, today)


def read_feed_date(raw: str | None, parsed: time.struct_time | None, languages: list[str] | None = None) -> DateReading:
    """A feed entry's date: its raw text read as above; feedparser's parse only when no text is left."""
    if raw and raw.strip():
        return read_date(raw, languages)
    if parsed is not None:
        return read_date(date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday))
    return NO_DATE


def shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _standard(text: str) -> date | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    if "," in text or re.search(r"\d{1,2} [A-Za-z]{3} \d{4} \d", text):
        try:
            return email.utils.parsedate_to_datetime(text).date()
        except (TypeError, ValueError, IndexError):
            return None
    return None


_DOTTED = re.compile(r"\b\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}\b")  # 03.04.2025: day first wherever dots are written


def _dateparser(text: str, languages: tuple[str, ...]) -> date | None:
    parser = _parser(languages, day_first=bool(_DOTTED.search(text)))
    found = parser.get_date_data(text)
    moment = found.date_obj if found is not None else None
    if moment is None and languages:
        found = _parser((), day_first=bool(_DOTTED.search(text))).get_date_data(text)  # the language may be wrong
        moment = found.date_obj if found is not None else None
    if moment is None or not _names_year(text, moment.year):
        return None  # dateparser fills what is missing from today ("1e400" reads as today): not a date
    day: date = moment.date()
    return day


def _names_year(text: str, year: int) -> bool:
    """Whether the text itself states the year (four digits, or two after a day and month)."""
    return str(year) in text or bool(re.search(rf"\d{{1,2}}[./-]\d{{1,2}}[./-]{year % 100:02d}\b", text))


@lru_cache(maxsize=16)
def _parser(languages: tuple[str, ...], day_first: bool = False) -> Any:
    """A dateparser DateDataParser (built once per language set: building one is slow)."""
    from dateparser.date import DateDataParser  # imported on first use: its import takes a second

    settings: dict[str, Any] = {
        "PREFER_DAY_OF_MONTH": "first",
        "REQUIRE_PARTS": ["day", "month", "year"],  # "Oktober" alone is not a publication date
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    if day_first:
        settings["DATE_ORDER"] = "DMY"
    return DateDataParser(languages=list(languages) or None, settings=settings)


def _epoch(number: float, today: date) -> DateReading:
    seconds = number / 1000 if abs(number) >= _EPOCH_MS_FROM else number
    try:
        moment = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return DateReading(None, f"{number:g} is not a date (neither epoch seconds nor milliseconds)")
    if moment.date() < EARLIEST_EPOCH:
        return DateReading(None, f"{number:g} reads as {moment.date().isoformat()}, an unset time stamp rather than a date")
    return _plausible(moment.date(), f"{number:g}", today)


def _plausible(value: date, text: str, today: date) -> DateReading:
    if value < EARLIEST or value > today + FUTURE_SLACK:
        return DateReading(None, f"the date {shorten(text)!r} reads as {value.isoformat()}, which cannot be right")
    return DateReading(value)
