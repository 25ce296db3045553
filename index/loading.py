"""Read articles from files, directories and URLs.

Formats: plain text, Markdown, HTML pages (main text by trafilatura), JSON and
JSONL records (`title`, `url`, `published`, `text`), RSS/Atom feeds (feedparser).
Each source yields a `SourceResult`: the articles it holds and the errors of the
parts that could not be read, so one bad file or record never stops the rest.
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from collections.abc import Iterator
import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import feedparser
import httpx
import lxml.html
import trafilatura
from markdown_it import MarkdownIt

from index import language
from index.domain import Article
from index.errors import LoadError
from index.splitting import normalize_space, shorten, split_paragraphs, title_and_body

TEXT_SUFFIXES = {".txt", ".text"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
FEED_SUFFIXES = {".xml", ".rss", ".atom"}
KNOWN_SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES | JSONL_SUFFIXES | FEED_SUFFIXES
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
FETCH_TIMEOUT_SECONDS = 20.0
MIN_PAGE_CHARS = 40  # less is a menu or an error page, not an article
USER_AGENT = "Newsbot/0.1 (news question answering bot)"


@dataclass
class SourceResult:
    """The articles one source holds, and what could not be read in it."""

    source: str
    articles: list[Article] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)


def is_url(spec: str) -> bool:
    return spec.startswith(("http://", "https://"))


def expand(spec: str) -> list[str]:
    """A file, URL or directory (recursively, known file types only) to the sources it names."""
    if is_url(spec):
        return [spec]
    path = Path(spec)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in KNOWN_SUFFIXES)
        return [str(p) for p in files if not any(part.startswith(".") for part in p.parts)]
    return [spec]


def read_source(spec: str, client: httpx.Client | None = None) -> SourceResult:
    """Read one file or URL; never raises for bad input, it reports it in `errors`."""
    try:
        if is_url(spec):
            return _read_url(spec, client)
        return _read_file(Path(spec))
    except LoadError as error:
        return SourceResult(spec, errors=[error])


def read_sources(specs: list[str], client: httpx.Client | None = None) -> Iterator[SourceResult]:
    """Read every source named by `specs`, directories expanded, in order."""
    for spec in specs:
        if not is_url(spec) and not Path(spec).exists():
            yield SourceResult(spec, errors=[LoadError(spec, "no such file or directory")])
            continue
        for source in expand(spec):
            result = read_source(source, client)
            result.articles = [dataclasses.replace(a, origin=spec) for a in result.articles]
            yield result


# --- files -------------------------------------------------------------------


def _read_file(path: Path) -> SourceResult:
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(source, f"cannot read the file ({exc.strerror or exc})") from exc
    return parse_bytes(data, source, suffix=path.suffix.lower(), url=None, fallback_title=path.stem)


def decode_text(data: bytes, source: str) -> str:
    """Bytes to text, refusing binary data and empty files with a clear reason."""
    if not data.strip():
        raise LoadError(source, "the file is empty")
    if b"\x00" in data[:8192]:
        raise LoadError(source, "this is binary data, not a text article")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(source, f"not UTF-8 text (byte {exc.start} cannot be decoded)") from exc
    if not text.strip():
        raise LoadError(source, "the file is empty")
    return text


def parse_bytes(
    data: bytes,
    source: str,
    *,
    suffix: str = "",
    content_type: str = "",
    url: str | None = None,
    fallback_title: str = "",
) -> SourceResult:
    """Parse a document by its suffix or content type, sniffing the content when neither says."""
    text = decode_text(data, source)
    kind = _kind(suffix, content_type, text)
    title = fallback_title or source
    if kind == "feed":
        return _parse_feed(data, source)
    if kind == "jsonl":
        return _parse_jsonl(text, source)
    if kind == "json":
        return _parse_json(text, source)
    if kind == "html":
        return SourceResult(source, [_parse_html(text, source, url)])
    if kind == "markdown":
        return SourceResult(source, [_parse_markdown(text, source, url, title)])
    return SourceResult(source, [_parse_plain(text, source, url, title)])


def _kind(suffix: str, content_type: str, text: str) -> str:
    content_type = content_type.split(";")[0].strip().lower()
    if suffix in FEED_SUFFIXES or content_type in {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
    }:
        return "feed"
    if suffix in JSONL_SUFFIXES or content_type in {"application/x-ndjson", "application/jsonl"}:
        return "jsonl"
    if suffix in JSON_SUFFIXES or content_type == "application/json":
        return "json"
    if suffix in HTML_SUFFIXES or content_type in {"text/html", "application/xhtml+xml"}:
        return "html"
    if suffix in MARKDOWN_SUFFIXES or content_type == "text/markdown":
        return "markdown"
    if suffix in TEXT_SUFFIXES or content_type == "text/plain":
        return "text"
    head = text.lstrip()[:500].lower()
    if head.startswith("<?xml") or "<rss" in head or "<feed" in head:
        return "feed"
    if head.startswith(("<!doctype html", "<html")):
        return "html"
    if head.startswith(("{", "[")):
        return "json"
    return "text"


def _article(
    source: str,
    title: str,
    paragraphs: list[str],
    url: str | None = None,
    published: str | None = None,
    lang: str | None = None,
) -> Article:
    if not paragraphs:
        raise LoadError(source, "no article text found")
    sample = " ".join(paragraphs)[:2000]
    return Article(
        source=source,
        title=normalize_space(title) or shorten(paragraphs[0]),
        paragraphs=tuple(paragraphs),
        url=url,
        published=published,
        language=lang or language.detect(sample),
    )


def _parse_plain(text: str, source: str, url: str | None, fallback_title: str) -> Article:
    paragraphs = split_paragraphs(text)
    published, paragraphs = dateline(paragraphs)
    title, body = title_and_body(paragraphs, fallback_title)
    return _article(source, title, body, url=url, published=published)


# A line that is only a date: "2025-10-16", "16.10.2025", "16. Oktober 2025", "October 16, 2025".
_DATELINE = re.compile(
    r"^(?:\d{4}-\d{2}-\d{2}|\d{1,2}\.\s?\d{1,2}\.\s?\d{4}|\d{1,2}\.?\s+[A-Za-zÄÖÜäöü]{3,9}\.?\s+\d{4}|[A-Za-z]{3,9}\.?\s+\d{1,2},?\s+\d{4})$"
)


def dateline(paragraphs: list[str]) -> tuple[str | None, list[str]]:
    """A plain text's publication date from a date-only line among its first two, and the lines without it."""
    for index, line in enumerate(paragraphs[:2]):
        if _DATELINE.match(line.strip()):
            import dateparser  # on first use: it loads its language data then

            parsed = dateparser.parse(line, languages=["de", "en"], settings={"DATE_ORDER": "DMY"})
            if parsed is not None:
                return parsed.date().isoformat(), paragraphs[:index] + paragraphs[index + 1 :]
    return None, paragraphs


def _parse_markdown(text: str, source: str, url: str | None, fallback_title: str) -> Article:
    title = ""
    paragraphs: list[str] = []
    tokens = MarkdownIt().parse(text)
    for index, token in enumerate(tokens):
        if token.type != "inline":
            continue
        plain = normalize_space(
            "".join(
                child.content if child.type in {"text", "code_inline"} else " "
                for child in token.children or []
                if child.type in {"text", "code_inline", "softbreak", "hardbreak"}
            )
        )
        if not plain:
            continue
        opener = tokens[index - 1] if index else None
        if not title and opener is not None and opener.type == "heading_open" and not paragraphs:
            title = plain
            continue
        paragraphs.append(plain)
    if not title:
        title, paragraphs = title_and_body(paragraphs, fallback_title)
    return _article(source, title, paragraphs, url=url)


def _parse_html(text: str, source: str, url: str | None) -> Article:
    document = trafilatura.bare_extraction(
        text, url=url, with_metadata=True, include_comments=False, include_tables=False
    )
    body = getattr(document, "text", None) if document is not None else None
    if not body or len(body.strip()) < MIN_PAGE_CHARS:
        raise LoadError(source, "no article text found in the page")
    title = normalize_space(getattr(document, "title", None) or "")
    paragraphs = [normalize_space(line) for line in body.split("\n") if line.strip()]
    if paragraphs and title and paragraphs[0] == title:
        paragraphs = paragraphs[1:]
    return _article(
        source,
        title,
        paragraphs,
        url=url or getattr(document, "url", None),
        published=normalize_date(getattr(document, "date", None)),
        lang=getattr(document, "language", None),
    )


# --- records -------------------------------------------------------------------


def _parse_json(text: str, source: str) -> SourceResult:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadError(source, f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]
    records = data if isinstance(data, list) else [data]
    result = SourceResult(source)
    for number, record in enumerate(records, start=1):
        _add_record(result, record, f"{source} record {number}", source, number)
    return result


def _parse_jsonl(text: str, source: str) -> SourceResult:
    result = SourceResult(source)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{source} line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            result.errors.append(LoadError(where, f"not valid JSON ({exc.msg})"))
            continue
        _add_record(result, record, where, source, number)
    if not result.articles and not result.errors:
        raise LoadError(source, "the file holds no records")
    return result


def _add_record(result: SourceResult, record: Any, where: str, source: str, number: int) -> None:
    try:
        result.articles.append(record_to_article(record, where, source, number))
    except LoadError as error:
        result.errors.append(error)


def record_to_article(record: Any, where: str, source: str, number: int) -> Article:
    """A JSON record with `text` (required), `title`, `url`, `published` (or `date`), `language`."""
    if not isinstance(record, dict):
        raise LoadError(where, "a record must be a JSON object with a 'text' field")
    body = record.get("text")
    if not isinstance(body, str) or not body.strip():
        raise LoadError(where, "the record has no 'text'")
    url = record.get("url") if isinstance(record.get("url"), str) else None
    record_id = record.get("id")
    identity = url or f"{source}#{record_id if record_id is not None else number}"
    title = record.get("title") if isinstance(record.get("title"), str) else ""
    paragraphs = split_paragraphs(body)
    published = normalize_date(record.get("published") or record.get("date"))
    lang = record.get("language") or record.get("lang")
    return _article(identity, title or shorten(paragraphs[0]), paragraphs, url, published, lang)


# --- feeds -------------------------------------------------------------------------


def _parse_feed(data: bytes, source: str) -> SourceResult:
    parsed = feedparser.parse(data)
    broken = str(getattr(parsed, "bozo_exception", "")) if parsed.get("bozo") else ""
    if not parsed.entries:
        raise LoadError(source, f"not a readable RSS/Atom feed ({broken or 'it has no entries'})")
    result = SourceResult(source)
    for number, entry in enumerate(parsed.entries, start=1):
        where = f"{source} entry {number}"
        try:
            result.articles.append(feed_entry_to_article(entry, where))
        except LoadError as error:
            result.errors.append(error)
    if broken and not result.articles:
        raise LoadError(source, f"not a readable RSS/Atom feed ({broken})")
    return result


def feed_entry_to_article(entry: Any, where: str) -> Article:
    """A feed entry's title, link, date and content (or summary) as an article."""
    html = ""
    if entry.get("content"):
        html = max((c.get("value", "") for c in entry["content"]), key=len)
    html = html or entry.get("summary", "") or entry.get("description", "")
    paragraphs = html_fragment_paragraphs(html)
    link = entry.get("link") or None
    identity = link or entry.get("id") or where
    parsed_date = entry.get("published_parsed") or entry.get("updated_parsed")
    published = time.strftime("%Y-%m-%d", parsed_date) if parsed_date else None
    if not paragraphs:
        raise LoadError(where, "the entry has no text")
    article = _article(identity, entry.get("title", ""), paragraphs, link, published, entry.get("language"))
    return dataclasses.replace(article, partial=not entry.get("content"))


_BLOCKS = ".//p|.//li|.//h1|.//h2|.//h3|.//h4|.//h5|.//h6|.//blockquote|.//pre"


def html_fragment_paragraphs(html: str) -> list[str]:
    """Paragraphs of an HTML snippet such as a feed entry's content."""
    if not html.strip():
        return []
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return split_paragraphs(html)
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    blocks = [b for b in root.xpath(_BLOCKS) if not b.xpath(_BLOCKS)]
    texts = [b.text_content() for b in blocks] if blocks else root.text_content().split("\n")
    return [p for p in (normalize_space(t) for t in texts) if p]


# --- URLs ----------------------------------------------------------------------------


def _read_url(url: str, client: httpx.Client | None) -> SourceResult:
    own = client is None
    http = client or httpx.Client(
        timeout=FETCH_TIMEOUT_SECONDS, follow_redirects=True, headers={"User-Agent": USER_AGENT}
    )
    try:
        with http.stream("GET", url) as response:
            if response.status_code >= 400:
                raise LoadError(url, f"the server answered HTTP {response.status_code}")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_DOWNLOAD_BYTES:
                    raise LoadError(url, f"larger than {MAX_DOWNLOAD_BYTES // (1024 * 1024)} MB")
                chunks.append(chunk)
            content_type = response.headers.get("content-type", "")
            final_url = str(response.url)
    except httpx.HTTPError as exc:
        raise LoadError(url, f"could not fetch it ({type(exc).__name__}: {exc})") from exc
    finally:
        if own:
            http.close()
    suffix = Path(httpx.URL(final_url).path).suffix.lower()
    suffix = suffix if suffix in KNOWN_SUFFIXES - TEXT_SUFFIXES else ""
    return parse_bytes(b"".join(chunks), url, suffix=suffix, content_type=content_type, url=final_url)


# --- dates -----------------------------------------------------------------------------


def normalize_date(value: Any) -> str | None:
    """ISO 8601 date ("2025-10-16") from ISO, RFC 2822 or epoch input; other text is kept as is."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value).date().isoformat()
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError):
        return text[:40]
