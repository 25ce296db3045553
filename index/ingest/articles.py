"""Building articles from what a reader found, and the result of reading one source.

Every reader (plain text, Markdown, HTML, JSON records, feed entries) ends in
`build_article`, so that titles are always plain text, links always absolute and
dates always either right or absent.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from pathlib import PurePath

from index.retrieval import language
from index.domain import Article, stable_hash
from index.errors import LoadError
from index.ingest.plain_text import plain_text
from index.ingest.splitting import shorten


@dataclass
class SourceResult:
    """The articles one source holds, what could not be read in it, and what was read with a caveat.

    `errors` are skipped parts (the whole source, a record, an entry); `warnings` are
    kept articles with something left out or merged (an unreadable date, entries
    that share one id).
    """

    source: str
    articles: list[Article] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    warnings: list[LoadError] = field(default_factory=list)


def absolute_url(link: str | None) -> str | None:
    """`link` if it is an absolute web address, else None (a relative link cannot be opened)."""
    if not link:
        return None
    link = link.strip()
    return link if link.startswith(("http://", "https://")) and len(link) > len("https://") else None


def scoped_identity(source: str, *key_parts: str) -> str:
    """An article identity inside `source` (a feed or a records file): never equal to another source's."""
    parts = [p for p in key_parts if p]
    if len(parts) == 1 and len(parts[0]) <= 200:
        return f"{source}#{parts[0]}"
    return f"{source}#{stable_hash(*parts)}"


def build_article(
    source: str,
    title: str,
    paragraphs: list[str],
    url: str | None = None,
    published: str | None = None,
    lang: str | None = None,
    source_name: str | None = None,
) -> Article:
    """An Article with a plain-text title (a shortened first paragraph if it has none).

    `source_name` is who published it (a feed's or site's title); without one, the
    document's host or file name (see `name_of`). Raises LoadError when there is no text.
    """
    paragraphs = [p for p in paragraphs if p.strip()]
    if not paragraphs:
        raise LoadError(source, "no article text found")
    sample = " ".join(paragraphs)[:2000]
    return Article(
        source=source,
        title=plain_text(title) or shorten(paragraphs[0]),
        paragraphs=tuple(paragraphs),
        url=absolute_url(url),
        published=published,
        language=(lang or "").strip().lower()[:2] or language.detect(sample),
        source_name=(plain_text(source_name or "") or name_of(source))[:200],
    )


def name_of(source: str) -> str:
    """A document's name for people: a web address's host ("zeit.de"), a file's name ("000_x.txt").

    Identities scoped inside a feed or file ("feed.xml#guid") name the feed or file.
    """
    document = source.split("#", 1)[0]
    if document.startswith(("http://", "https://")):
        host = urllib.parse.urlsplit(document).hostname or document
        return host.removeprefix("www.")
    return PurePath(document).name or document


@dataclass
class Collected:
    """Articles of several sources by id, with every skipped part and caveat as (where, reason)."""

    articles: dict[str, Article] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)

    def add(self, result: SourceResult) -> None:
        self.errors.extend((error.source, error.reason) for error in result.errors)
        self.warnings.extend((warning.source, warning.reason) for warning in result.warnings)
        for article in result.articles:
            self.articles[article.id] = article
