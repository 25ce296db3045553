"""JSON and JSONL article records, validated by one pydantic model.

Exports from CMSs, scrapers and other tools disagree about field names and types.
What is unambiguous is converted (a numeric id or title to text, `null` or "" to
missing, epoch numbers to dates); anything else (a list or object where text
belongs, a language that is not a language code) makes the record invalid: it is
reported with its line and the field, and skipped, while the other records go on.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

_LANGUAGE_CODE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")


def _text_or_none(value: Any) -> Any:
    """null and blank strings are "missing"; numbers become text; other types fail validation."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("expected text, got true/false")
    if isinstance(value, (int, float)):
        return str(value)
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {_json_type(value)}")
    return value


def _json_type(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


OptionalText = Annotated[str | None, BeforeValidator(_text_or_none)]


def _prose(value: Any) -> Any:
    """An article's text is text: a number there is a broken export, not an article."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError(f"expected the article's text, got the number {value}")
    return _text_or_none(value)


def _publisher(value: Any) -> Any:
    """Who published it: text, or an object with a "name" (NewsAPI's {"id": …, "name": …}).

    Only a display name, so any other shape counts as missing rather than spoiling the record.
    """
    if isinstance(value, dict):
        value = value.get("name")
    return value.strip() or None if isinstance(value, str) else None


class ArticleRecord(BaseModel):
    """One article in a JSON file or JSONL line; only `text` is required.

    Accepted names: text|content|body, title|headline, url|link, published|date|
    published_at|pubDate, language|lang, id|guid, source|site|publisher|outlet (who published it).
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    text: Annotated[str | None, BeforeValidator(_prose)] = Field(
        None, validation_alias=AliasChoices("text", "content", "body"), validate_default=True
    )
    title: OptionalText = Field(None, validation_alias=AliasChoices("title", "headline"))
    url: OptionalText = Field(None, validation_alias=AliasChoices("url", "link"))
    published: Any = Field(None, validation_alias=AliasChoices("published", "date", "published_at", "pubDate"))
    language: OptionalText = Field(None, validation_alias=AliasChoices("language", "lang"))
    id: OptionalText = Field(None, validation_alias=AliasChoices("id", "guid"))
    source_name: Annotated[str | None, BeforeValidator(_publisher)] = Field(
        None, validation_alias=AliasChoices("source", "site", "publisher", "outlet")
    )

    @field_validator("text")
    @classmethod
    def _has_text(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("the record has no text")
        return value

    @field_validator("language")
    @classmethod
    def _language_code(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not _LANGUAGE_CODE.match(value.strip()):
            raise ValueError(f"{value[:20]!r} is not a language code such as 'de' or 'en'")
        return value.strip().split("-")[0].split("_")[0].lower()

    @field_validator("url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value[:40]!r} is not a web address (http:// or https://)")
        return value

    @field_validator("published")
    @classmethod
    def _date_value(cls, value: Any) -> Any:
        if isinstance(value, (list, dict, bool)):
            raise ValueError(f"expected a date, got {_json_type(value) if not isinstance(value, bool) else 'true/false'}")
        return value


def validate_record(record: Any) -> ArticleRecord:
    """The record as an ArticleRecord; ValueError with every problem in one sentence otherwise."""
    if not isinstance(record, dict):
        raise ValueError(f"a record must be a JSON object with a 'text' field, not {_json_type(record)}")
    try:
        return ArticleRecord.model_validate(record)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]) or "record"
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append(f"{field}: {message}")
        raise ValueError("; ".join(problems)) from None
