"""A news feed that tests change while the bot polls it, with German articles about known topics."""

from __future__ import annotations

from email.utils import format_datetime
from datetime import datetime, timezone
from xml.sax.saxutils import escape

from tests.servers import Routes

STEEL = (
    "Zölle auf Stahl: Brüssel reagiert auf Washington",
    [
        "Die Europäische Union erhöht ab Januar die Zölle auf Stahl und Aluminium aus den Vereinigten Staaten, "
        "teilte die EU-Kommission am Montag in Brüssel mit.",
        "Die Gegenzölle sind eine Antwort auf die amerikanischen Strafzölle auf europäischen Stahl, "
        "die nach Angaben der Industrie tausende Arbeitsplätze in Österreich und Deutschland gefährden.",
    ],
)
FOOTBALL = (
    "Salzburg gewinnt das Derby",
    [
        "Der FC Red Bull Salzburg hat das Derby gegen Rapid Wien am Sonntagabend mit drei zu eins gewonnen "
        "und die Tabellenführung in der Bundesliga ausgebaut.",
        "Trainer und Mannschaft feierten nach dem Schlusspfiff mit den Fans in der ausverkauften Arena.",
    ],
)
GLACIER = (
    "Gletscher schmelzen schneller",
    [
        "Die Alpengletscher haben in diesem Sommer so viel Eis verloren wie nie seit Beginn der Messungen, "
        "berichten Forschende der Akademie der Wissenschaften.",
        "Besonders betroffen ist die Pasterze am Großglockner, die um mehr als fünfzig Meter zurückgewichen ist.",
    ],
)
ALUMINIUM_PAGE_ONLY = (
    "Neue Stahlzölle treffen die Autoindustrie",
    "Die Zölle auf Stahl verteuern die Produktion von Autos in Europa deutlich, sagen die Hersteller.",
    [
        "Die neuen Zölle auf Stahl und Aluminium verteuern die Produktion von Autos in Europa deutlich, "
        "warnen die Hersteller in einer gemeinsamen Erklärung.",
        "Nur im vollständigen Artikel steht: Die Werke in Graz und Steyr prüfen bereits Kurzarbeit für den Winter.",
    ],
)


class NewsFeed:
    """An RSS 2.0 feed at /feed.xml (and article pages) served by a Routes server."""

    def __init__(self, routes: Routes, base_url: str) -> None:
        self.routes = routes
        self.base_url = base_url
        self.items: list[str] = []
        self.publish()

    def add(
        self, slug: str, title: str, paragraphs: list[str], *, summary_only: str | None = None, published: datetime | None = None
    ) -> str:
        """Add an item (its full text in the feed, or only `summary_only` with the text on its page), dated `published`
        (default: 29 Nov 2026, a minute later per item)."""
        link = f"{self.base_url}/news/{slug}.html"
        when = format_datetime(published or datetime(2026, 11, 29, 7, len(self.items), tzinfo=timezone.utc))
        if summary_only is None:
            body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
            content = f"<content:encoded><![CDATA[{body}]]></content:encoded>"
            description = escape(paragraphs[0][:120])
        else:
            content = ""
            description = escape(summary_only)
            page = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
            self.routes.add(f"/news/{slug}.html", f"<html><head><title>{escape(title)}</title></head><body><article><h1>{escape(title)}</h1>{page}</article></body></html>")
        self.items.insert(
            0,
            f"<item><title>{escape(title)}</title><link>{link}</link><guid>{link}</guid><pubDate>{when}</pubDate>"
            f"<description>{description}</description>{content}</item>",
        )
        self.publish()
        return link

    def publish(self) -> None:
        document = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            f"<title>Testnachrichten</title><link>{self.base_url}</link><description>Nachrichten</description>"
            f"<language>de</language>{''.join(self.items)}</channel></rss>"
        )
        self.routes.add("/feed.xml", document, content_type="application/rss+xml; charset=utf-8")

    @property
    def url(self) -> str:
        return f"{self.base_url}/feed.xml"
