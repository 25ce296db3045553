"""Plain text from values that may hold HTML: the one place where markup is stripped and entities decoded.

Feeds declare titles as text, HTML or XHTML (and often double-escape them), JSON
exports and page metadata carry tags and entities: whatever is shown to a user
as text (a title, an author, a summary) goes through `plain_text` once.
"""

from __future__ import annotations

import re

import lxml.etree
import lxml.html

from index.ingest.splitting import normalize_space, split_paragraphs

_BLOCK_TAGS = {
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
    "table", "tr", "section", "article", "header", "footer", "figure", "figcaption", "dd", "dt",
}
_PARAGRAPH_TAGS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "td", "th", "dd", "dt", "figcaption"}
# Markup is a tag of HTML (not any <word>: "<Katz-und-Maus-Spiel>" in prose is text) or an entity.
_HTML_TAG_NAMES = (
    "a|abbr|article|aside|b|blockquote|body|br|caption|cite|code|dd|del|dfn|div|dl|dt|em|figcaption|figure|font|"
    "footer|h[1-6]|head|header|hr|html|i|iframe|img|ins|kbd|li|link|main|mark|meta|nav|noscript|ol|p|pre|q|s|"
    "script|section|small|span|strong|style|sub|sup|table|tbody|td|template|tfoot|th|thead|time|title|tr|u|ul|wbr"
)
_MARKUP = re.compile(
    rf"<(?:/?(?:{_HTML_TAG_NAMES})(?=[\s/>])[^>]*>|!--|!\[CDATA\[)|&(#\d+|#x[0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]{{1,31}});",
    re.IGNORECASE,
)
# A "<" that opens no HTML tag is text ("<Katz-und-Maus-Spiel>", "1 < 2"): escaped before parsing.
_STRAY_OPEN = re.compile(rf"<(?!/?(?:{_HTML_TAG_NAMES})(?=[\s/>])|!--|!\[CDATA\[)", re.IGNORECASE)
_DROPPED = ("script", "style", "noscript", "template")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # never text; lxml refuses them


def has_markup(text: str) -> bool:
    """Whether `text` holds a tag or a character entity."""
    return bool(_MARKUP.search(text))


def plain_text(value: str) -> str:
    """One line of plain text: tags removed, entities decoded once, white space collapsed."""
    return " ".join(html_paragraphs(value)) if has_markup(value) else normalize_space(_CONTROL.sub("", value))


def html_paragraphs(html: str) -> list[str]:
    """Paragraphs of an HTML snippet (a feed entry's content, a record's HTML text)."""
    html = _CONTROL.sub("", html)
    if not html.strip():
        return []
    if not has_markup(html):
        return split_paragraphs(html)
    try:
        root = lxml.html.fragment_fromstring(_STRAY_OPEN.sub("&lt;", html), create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return split_paragraphs(html)
    for element in root.xpath("|".join(f".//{tag}" for tag in _DROPPED)):
        element.drop_tree()
    for element in root.iter():
        if element.tag == "br":  # a line break inside a paragraph, a paragraph break between bare lines
            inside = any(a.tag in _PARAGRAPH_TAGS for a in element.iterancestors())
            element.tail = (" " if inside else "\n") + (element.tail or "")
        elif element.tag in _BLOCK_TAGS:  # a block starts and ends a paragraph, text around it included
            element.text = "\n" + (element.text or "")
            element.tail = "\n" + (element.tail or "")
    return [p for p in (normalize_space(t) for t in root.text_content().split("\n")) if p]
