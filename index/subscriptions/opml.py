"""OPML, the file feed readers exchange their subscription lists in: read with listparser, written with the stdlib."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime, timezone
from email.utils import format_datetime

import listparser

from index.errors import InputError


def feed_urls(document: bytes) -> list[str]:
    """The feed URLs an OPML document lists (nested folders included), in order, each once."""
    parsed = listparser.parse(document)
    urls = [feed.url for feed in parsed.feeds if feed.url and feed.url.startswith(("http://", "https://"))]
    if not urls:
        reason = f" ({parsed.bozo_exception})" if parsed.bozo and parsed.bozo_exception else ""
        raise InputError(f"no feeds found in the OPML file{reason}: export it again from your feed reader")
    return list(dict.fromkeys(urls))


def document(urls: Sequence[str], title: str = "Newsbot feeds", now: datetime | None = None) -> bytes:
    """An OPML 2.0 document listing `urls`, for import into a feed reader or another Newsbot."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now or datetime.now(timezone.utc))
    body = ET.SubElement(root, "body")
    for url in urls:
        ET.SubElement(body, "outline", type="rss", text=url, xmlUrl=url)
    ET.indent(root)
    written: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return written + b"\n"
