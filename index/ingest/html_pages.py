"""The article in a web page, without the page's furniture.

trafilatura finds the main text of most pages, but consent dialogs, newsletter boxes
and link lists that sit in the page as ordinary paragraphs can win over a short
article (or come along with it). So the page is cleaned first of what is furniture
by its own declaration (dialogs, `aria-modal`, `hidden`, navigation, forms) or by the
names that sites give it (the "unlikely candidates" rule of Arc90's Readability:
class or id naming cookies, consent, newsletters, sidebars, related links, ads),
then trafilatura reads the cleaned page; if cleaning left nothing, the page as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.etree
import lxml.html
import trafilatura

from index.ingest.splitting import normalize_space

MIN_PAGE_CHARS = 40  # less is a menu or an error page, not an article

_DECLARED_TAGS = ("dialog", "nav", "button", "noscript", "template", "iframe")
_NAMED_TAGS = ("aside", "form")
# An element holding the page's main heading, or (for names that only usually mean furniture) this
# share of its text, is the article's wrapper whatever its name says ("layout--has-sidebar", an
# ASP.NET page inside one <form>): it stays. aria-hidden is not read: pages saved with a modal open
# mark their whole body so.
WRAPPER_SHARE = 0.5
# Names that never wrap an article (a consent layer, a newsletter box) ...
_NEVER_ARTICLE = re.compile(
    r"cookie|consent|gdpr|privacy|\bcmp|onetrust|didomi|usercentrics|newsletter|subscribe|signup|sign-up|"
    r"paywall|modal|popup|pop-up|overlay",
    re.IGNORECASE,
)
# ... and names that usually mark furniture but also turn up on layout wrappers ("layout--has-sidebar",
# "js-share-container"): such an element is kept when it holds most of the page's text.
_USUALLY_FURNITURE = re.compile(
    r"banner|sidebar|related|recommend|most-read|mostread|trending|promo|advert|\bad-|\bads\b|sponsor|"
    r"share|social|comment|footer|breadcrumb|menu|masthead|skip-link",
    re.IGNORECASE,
)
# A class or id token that names the article itself ("article", "story-body") protects an element.
_LIKELY = re.compile(r"^(article|main|content|story|body|text|post|entry)([-_](body|content|text|main))?$", re.IGNORECASE)
_KEEP_TAGS = {"html", "body", "main", "article"}


@dataclass(frozen=True)
class Page:
    """What was read from a page: its title, paragraphs, and metadata as the page states them."""

    title: str
    paragraphs: list[str]
    url: str | None
    date: str | None
    language: str | None
    site: str | None  # the site's own name (og:site_name and the like), if it states one


def read_page(html: str, url: str | None) -> Page | None:
    """The page's article, or None when it has no article text (a menu, an error page)."""
    cleaned = _without_furniture(html)
    document = _extract(cleaned, url) if cleaned is not None else None
    if document is None:
        document = _extract(html, url)
    if document is None:
        return None
    body = getattr(document, "text", None) or ""
    title = normalize_space(getattr(document, "title", None) or "")
    paragraphs = [normalize_space(line) for line in body.split("\n") if line.strip()]
    if paragraphs and title and paragraphs[0] == title:
        paragraphs = paragraphs[1:]
    return Page(
        title=title,
        paragraphs=paragraphs,
        url=getattr(document, "url", None),
        date=getattr(document, "date", None),
        language=getattr(document, "language", None),
        site=getattr(document, "sitename", None),
    )


def _extract(html: str, url: str | None) -> object | None:
    document = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False, include_tables=False)
    body = getattr(document, "text", None) if document is not None else None
    if not body or len(body.strip()) < MIN_PAGE_CHARS:
        return None
    return document


def _without_furniture(html: str) -> str | None:
    """The page with dialogs, navigation and named furniture removed; None if it cannot be parsed."""
    try:
        root = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return None
    body = root.find("body")
    page_chars = len(_text(body if body is not None else root))
    doomed = []
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag in _KEEP_TAGS:
            continue
        named = _named_furniture(element)
        if _declared_furniture(element) or named == "never-article" and not _holds_the_heading(element):
            doomed.append(element)
        elif named == "usually" and not _holds_the_heading(element) and not _holds_most_text(element, page_chars):
            doomed.append(element)
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()
    return str(lxml.html.tostring(root, encoding="unicode"))


def _text(element: lxml.html.HtmlElement) -> str:
    return " ".join(str(element.text_content()).split())


def _holds_the_heading(element: lxml.html.HtmlElement) -> bool:
    """The article's heading or its semantic container is inside: the element wraps the article."""
    return any(element.find(f".//{tag}") is not None for tag in ("h1", "article", "main"))


def _holds_most_text(element: lxml.html.HtmlElement, page_chars: int) -> bool:
    return page_chars > 0 and len(_text(element)) >= WRAPPER_SHARE * page_chars


def _declared_furniture(element: lxml.html.HtmlElement) -> bool:
    """Furniture by the page's own declaration: a dialog, a modal, hidden, navigation."""
    if element.tag in _DECLARED_TAGS:
        return True
    if element.get("role") in {"dialog", "alertdialog", "navigation"}:
        return True
    return element.get("aria-modal") == "true" or element.get("hidden") is not None


def _named_furniture(element: lxml.html.HtmlElement) -> str | None:
    """"never-article" or "usually" furniture by the name the site gave it or its kind (a form, an aside)."""
    tokens = f"{element.get('class', '')} {element.get('id', '')}".split()
    if any(_LIKELY.match(t) for t in tokens):
        return None
    if any(_NEVER_ARTICLE.search(t) for t in tokens):
        return "never-article"
    if element.tag in _NAMED_TAGS or element.get("role") in {"banner", "complementary", "contentinfo"}:
        return "usually"
    return "usually" if any(_USUALLY_FURNITURE.search(t) for t in tokens) else None
