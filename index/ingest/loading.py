"""Read articles from files, directories and URLs.

Formats: plain text, Markdown, HTML pages (index.ingest.html_pages), JSON and JSONL records
(index.ingest.records), RSS/Atom feeds (index.ingest.feed_parsing). Bytes are decoded by
index.ingest.decoding, and a document is read as what it is, whatever its file name or
Content-Type says: servers send feeds as text/html or text/plain, and pages as
text/plain. Each source yields a `SourceResult`: the articles it holds, the parts
that could not be read and why, so one bad file, record or entry never stops the rest.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
from markdown_it import MarkdownIt

from index.ingest.articles import SourceResult, build_article, scoped_identity
from index.ingest.dates import read_date
from index.ingest.decoding import decode
from index.domain import Article
from index.errors import LoadError
from index.ingest.feed_parsing import parse_feed
from index.ingest.html_pages import read_page
from index.ingest.plain_text import has_markup, html_paragraphs, plain_text
from index.ingest.records import validate_record
from index.ingest.splitting import normalize_space, split_paragraphs, title_and_body

__all__ = ["SourceResult", "expand", "is_url", "parse_bytes", "read_source", "read_sources"]

TEXT_SUFFIXES = {".txt", ".text"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
FEED_SUFFIXES = {".xml", ".rss", ".atom"}
KNOWN_SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES | JSONL_SUFFIXES | FEED_SUFFIXES
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
FETCH_TIMEOUT_SECONDS = 20.0
USER_AGENT = "Newsbot/0.1 (news question answering bot)"


def is_url(spec: str) -> bool:
    return spec.startswith(("http://", "https://"))


def expand(spec: str) -> list[str]:
    """A file, URL or directory (recursively, known file types, hidden ones skipped) to the sources it names."""
    if is_url(spec):
        return [spec]
    path = Path(spec)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in KNOWN_SUFFIXES)
        # Hidden below the folder given, not in the path to it ("../news" is not hidden).
        return [str(p) for p in files if not any(part.startswith(".") for part in p.relative_to(path).parts)]
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
        sources = expand(spec)
        if not sources:
            known = ", ".join(sorted(KNOWN_SUFFIXES))
            yield SourceResult(spec, errors=[LoadError(spec, f"the folder holds no article files ({known})")])
            continue
        for source in sources:
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


def parse_bytes(
    data: bytes,
    source: str,
    *,
    suffix: str = "",
    content_type: str = "",
    url: str | None = None,
    fallback_title: str = "",
) -> SourceResult:
    """Parse a document by what it is (see `document_kind`); never raises for content, only LoadError."""
    text = decode(data, source, content_type).text
    kind = document_kind(text, suffix, content_type)
    title = fallback_title or source
    if kind == "feed":
        return parse_feed(text, source, url)
    if kind == "jsonl":
        return _parse_jsonl(text, source)
    if kind == "json":
        return _parse_json(text, source)
    if kind == "html":
        return SourceResult(source, [_parse_html(text, source, url)])
    if kind == "markdown":
        return SourceResult(source, [_parse_markdown(text, source, url, title)])
    return SourceResult(source, [_parse_plain(text, source, url, title)])


_ROOT = re.compile(
    r"^(?:\ufeff)?\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*|<\?[^>]*\?>\s*)*(?:<!DOCTYPE[^>]*>\s*)?(?:<!--.*?-->\s*)*<([A-Za-z][\w:.-]*)",
    re.DOTALL | re.IGNORECASE,
)
_FEED_ROOTS = {"rss", "feed", "rdf:rdf", "rdf"}
_HTML_TAGS = re.compile(r"<(p|div|br|span|a|b|i|em|strong|h[1-6]|ul|li|table|img|body|head|article|section)\b[^>]*>", re.IGNORECASE)
_FEED_TYPES = {"application/rss+xml", "application/atom+xml", "application/rdf+xml"}
_JSONL_TYPES = {"application/x-ndjson", "application/jsonl", "application/jsonlines"}
_HTML_TYPES = {"text/html", "application/xhtml+xml"}


def document_kind(text: str, suffix: str = "", content_type: str = "") -> str:
    """"feed", "html", "json", "jsonl", "markdown" or "text": what the content is.

    The content decides where it is unambiguous (an XML root of rss/feed/RDF, an HTML
    document, JSON that parses), because headers and file names are often wrong;
    the suffix or Content-Type decides between the rest; text full of tags is HTML.
    """
    declared = content_type.split(";")[0].strip().lower()
    root = _ROOT.match(text[:4096])
    tag = root.group(1).lower() if root else ""
    if tag in _FEED_ROOTS:
        return "feed"
    if tag == "html":
        return "html"
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped[:1] in {"{", "["}:
        if suffix in JSONL_SUFFIXES or declared in _JSONL_TYPES or _is_jsonl(stripped):
            return "jsonl"
        if _parses_as_json(stripped):
            return "json"
    if suffix in FEED_SUFFIXES or declared in _FEED_TYPES or tag in {"channel", "item", "entry"}:
        return "feed"  # a feed without the usual root still goes to feedparser, which says what is wrong
    if suffix in JSONL_SUFFIXES or declared in _JSONL_TYPES:
        return "jsonl"
    if suffix in JSON_SUFFIXES or declared == "application/json":
        return "json"
    if suffix in HTML_SUFFIXES or declared in _HTML_TYPES or _mostly_markup(text):
        return "html"
    if suffix in MARKDOWN_SUFFIXES or declared == "text/markdown":
        return "markdown"
    return "text"


def _is_jsonl(text: str) -> bool:
    lines = [line for line in text.splitlines()[:5] if line.strip()]
    return len(lines) > 1 and all(line.lstrip().startswith("{") for line in lines) and _parses_as_json(lines[0])


def _parses_as_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _mostly_markup(text: str) -> bool:
    """Text with HTML tags every few lines is a page or fragment, not prose to index as it is."""
    tags = len(_HTML_TAGS.findall(text[:20000]))
    return tags >= 3 and tags * 200 >= min(len(text), 20000)


def _parse_plain(text: str, source: str, url: str | None, fallback_title: str) -> Article:
    # A stray tag or entity in plain text (an export, a copy from a page) is not article text.
    paragraphs = [plain_text(p) if has_markup(p) else p for p in split_paragraphs(text)]
    published, paragraphs = dateline([p for p in paragraphs if p])
    title, body = title_and_body(paragraphs, fallback_title)
    if url is None and fallback_title and body == paragraphs:  # a file without a heading: its name, not a shortened first sentence
        title = fallback_title
    return build_article(source, title, body, url=url, published=published)


# A line that is only a date: "2025-10-16", "16.10.2025", "16. Oktober 2025", "October 16, 2025".
_DATELINE = re.compile(
    r"^(?:\d{4}-\d{2}-\d{2}|\d{1,2}\.\s?\d{1,2}\.\s?\d{4}|\d{1,2}\.?\s+[A-Za-zÄÖÜäöü]{3,9}\.?\s+\d{4}|[A-Za-z]{3,9}\.?\s+\d{1,2},?\s+\d{4})$"
)


def dateline(paragraphs: list[str]) -> tuple[str | None, list[str]]:
    """A plain text's publication date from a date-only line among its first two, and the lines without it.

    The line is read as index.ingest.dates reads any date; one it cannot read stays text.
    """
    for index, line in enumerate(paragraphs[:2]):
        if _DATELINE.match(line.strip()):
            reading = read_date(line, ["de", "en"])
            if reading.value is not None:
                return reading.iso, paragraphs[:index] + paragraphs[index + 1 :]
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
    return build_article(source, title, paragraphs, url=url)


def _parse_html(text: str, source: str, url: str | None) -> Article:
    page = read_page(text, url)
    if page is None:
        paragraphs = html_paragraphs(text)  # a fragment too small for trafilatura (a snippet saved as .html)
        if sum(len(p) for p in paragraphs) < 40:
            raise LoadError(source, "no article text found in the page")
        title, body = title_and_body(paragraphs, "")
        return build_article(source, title, body, url=url)
    language = (page.language or "")[:2] or None
    site = page.site
    if site and url and site.lower() in {httpx.URL(url).netloc.decode("ascii").lower(), httpx.URL(url).host.lower()}:
        site = None  # trafilatura's stand-in for a page that states no name: named by its host below
    return build_article(
        source, page.title, page.paragraphs, url=url or page.url, published=read_date(page.date).iso, lang=language,
        source_name=site,
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
    if not result.articles and not result.errors:
        raise LoadError(source, "the file holds no records")
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


def _add_record(result: SourceResult, record: object, where: str, source: str, number: int) -> None:
    try:
        article, date_problem = record_to_article(record, where, source, number)
    except LoadError as error:
        result.errors.append(error)
        return
    if date_problem:
        result.warnings.append(LoadError(where, f"{date_problem}; the article is kept without a date"))
    if any(a.source == article.source for a in result.articles):
        result.warnings.append(LoadError(where, "has the same id as an earlier record; the two are merged (the later kept)"))
        result.articles = [a for a in result.articles if a.source != article.source]
    result.articles.append(article)


def record_to_article(record: object, where: str, source: str, number: int) -> tuple[Article, str | None]:
    """A JSON record (see index.ingest.records.ArticleRecord) as an article, and a date problem if any.

    Raises LoadError naming the record and its bad fields.
    """
    try:
        valid = validate_record(record)
    except ValueError as exc:
        raise LoadError(where, f"skipped: {exc}") from exc
    text = valid.text or ""
    paragraphs = html_paragraphs(text) if has_markup(text) else split_paragraphs(text)
    reading = read_date(valid.published, [valid.language] if valid.language else None)
    if valid.id is not None:
        identity = scoped_identity(source, valid.id)
    elif valid.url is not None:
        identity = scoped_identity(source, valid.url)
    else:
        identity = scoped_identity(source, valid.title or "", *paragraphs)
    try:
        article = build_article(
            identity, valid.title or "", paragraphs, valid.url, reading.iso, valid.language, valid.source_name
        )
    except LoadError as error:
        raise LoadError(where, f"skipped: {error.reason}") from error
    return article, reading.problem


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
