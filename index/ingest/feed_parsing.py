"""RSS and Atom documents to articles (feedparser), one article per entry.

- Encoding: the caller decodes (see index.ingest.decoding); feedparser gets UTF-8.
- Links: resolved against the feed's URL and `xml:base` by feedparser; in a feed read
  from a file, against the channel's own absolute link; a link that stays relative is
  dropped rather than shown.
- Identity: scoped to the feed, so two sites' `/article/1` never meet, and taken from
  the entry's guid/id, else its link with title and time stamp as written, else its
  content: entries that share a link (a live blog) stay apart. Entries that share an id are merged,
  and the result says so.
- Titles and authors are plain text (index.ingest.plain_text); dates per index.ingest.dates.
"""

from __future__ import annotations

import dataclasses
import urllib.parse
from typing import Any

import feedparser

from index.ingest.articles import SourceResult, absolute_url, build_article, scoped_identity
from index.ingest.dates import read_feed_date
from index.domain import Article
from index.errors import LoadError
from index.ingest.plain_text import html_paragraphs, plain_text


def parse_feed(text: str, source: str, url: str | None = None) -> SourceResult:
    """The entries of a feed as articles; raises LoadError when it is not a feed with entries."""
    headers = {"content-type": "application/xml; charset=utf-8"}
    if url:
        headers["content-location"] = url
    parsed = feedparser.parse(text.encode("utf-8"), response_headers=headers)
    broken = str(getattr(parsed, "bozo_exception", "")) if parsed.get("bozo") else ""
    if not parsed.entries:
        raise LoadError(source, f"not a readable RSS/Atom feed ({broken or 'it has no entries'})")
    base = url or absolute_url(parsed.feed.get("link"))
    feed_language = parsed.feed.get("language")
    feed_name = plain_text(str(parsed.feed.get("title") or "")) or None
    result = SourceResult(source)
    first_entry_of: dict[str, int] = {}
    for number, entry in enumerate(parsed.entries, start=1):
        where = f"{source} entry {number}"
        try:
            article, date_problem = entry_to_article(entry, source, where, base, feed_language, feed_name)
        except LoadError as error:
            result.errors.append(error)
            continue
        if date_problem:
            result.warnings.append(LoadError(where, f"{date_problem}; the article is kept without a date"))
        if article.source in first_entry_of:
            first = first_entry_of[article.source]
            result.warnings.append(
                LoadError(where, f"has the same id as entry {first}; the two are merged into one article (the later kept)")
            )
            result.articles = [a for a in result.articles if a.source != article.source]
        first_entry_of.setdefault(article.source, number)
        result.articles.append(article)
    if broken and not result.articles:
        raise LoadError(source, f"not a readable RSS/Atom feed ({broken})")
    return result


def entry_to_article(
    entry: Any,
    feed: str,
    where: str,
    base: str | None = None,
    feed_language: str | None = None,
    feed_name: str | None = None,
) -> tuple[Article, str | None]:
    """A feed entry's title, link, date and content (or summary) as an article, and a date problem if any."""
    html = ""
    if entry.get("content"):
        html = max((c.get("value", "") for c in entry["content"]), key=len)
    html = html or entry.get("summary", "") or entry.get("description", "")
    paragraphs = html_paragraphs(html)
    if not paragraphs:
        raise LoadError(where, "the entry has no text")
    link = _resolved(entry.get("link"), base)
    language = entry.get("language") or feed_language
    # dict.get: feedparser's own get() maps missing "updated*" keys to "published*" with a DeprecationWarning.
    raw_date = str(dict.get(entry, "published") or dict.get(entry, "updated") or "").strip()
    reading = read_feed_date(
        raw_date,
        dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed"),
        [language[:2]] if language else None,
    )
    title = entry.get("title", "")
    guid = str(entry.get("id") or "").strip()
    if guid:
        identity = scoped_identity(feed, guid)
    elif link or entry.get("link"):
        # A live blog's entries share link and title: the full time stamp (not only the day) tells them apart.
        identity = scoped_identity(feed, link or str(entry.get("link")), title, raw_date)
    else:
        identity = scoped_identity(feed, title, *paragraphs)
    article = build_article(identity, title, paragraphs, link, reading.iso, language, feed_name)
    return dataclasses.replace(article, partial=not entry.get("content")), reading.problem


def _resolved(link: str | None, base: str | None) -> str | None:
    if not link:
        return None
    if absolute_url(link):
        return link.strip()
    return absolute_url(urllib.parse.urljoin(base, link.strip())) if base else None
