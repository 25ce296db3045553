"""Ordinary real-world input, kind by kind: encodings, links and identity, markup, content types, dates, records.

Every input here is the project's own, written to be like what feeds, pages and
exports send; each kind is tried with several instances, as files and over HTTP.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import pytest

from index.store.chunk_records import chunk_metadata
from index.ingest.dates import read_date
from index.ingest.decoding import decode
from index.domain import Chunk, IngestReport
from index.errors import LoadError
from index.ingest.loading import document_kind, parse_bytes, read_source, read_sources
from index.ingest.plain_text import plain_text
from index.store.keyword_index import KeywordIndex
from index.ingest.indexing import ingest
from index.service import answer_question
from index.settings import Settings
from index.store.vector_store import VectorStore
from tests.fakes import HashingEmbedder
from tests.servers import Routes, http_server

DE = "Der Stadtrat hat am Dienstag beschlossen, die Brücke über die Mulde bis zum Sommer 2027 vollständig zu erneuern."
DE2 = "Die Arbeiten sollen im März beginnen und rund zwölf Millionen Euro kosten; Fußgänger können die Brücke weiter nutzen."
EN = "The city council decided on Tuesday to renew the bridge over the river completely by the summer of 2027."
RU = "Городской совет во вторник решил полностью обновить мост через реку к лету 2027 года, сообщили в мэрии."
CS = "Městská rada v úterý rozhodla, že most přes řeku bude do léta 2027 zcela obnoven, uvedl mluvčí úřadu."


def rss(items: str, *, encoding: str = "utf-8", channel_link: str = "https://news.example/", extra: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0" {extra}><channel><title>Kurier</title>'
        f"<link>{channel_link}</link><description>d</description>{items}</channel></rss>"
    )


def item(title: str, text: str, link: str | None = None, guid: str | None = None, date_: str | None = None) -> str:
    parts = [f"<title>{title}</title>", f"<description><![CDATA[<p>{text}</p>]]></description>"]
    if link is not None:
        parts.append(f"<link>{link}</link>")
    if guid is not None:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    if date_ is not None:
        parts.append(f"<pubDate>{date_}</pubDate>")
    return "<item>" + "".join(parts) + "</item>"


def page(title: str, paragraphs: list[str], charset_meta: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"<!DOCTYPE html><html><head>{charset_meta}<title>{title}</title></head><body><article><h1>{title}</h1>{body}</article></body></html>"


# --- encodings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("codec", "text", "where"),
    [
        ("windows-1251", RU, "prolog"),
        ("koi8-r", RU, "prolog"),
        ("iso-8859-2", CS, "prolog"),
        ("iso-8859-15", DE + " Preis: 5 €.", "prolog"),
        ("utf-16", DE, "bom"),
        ("windows-1251", RU, "http"),
    ],
)
def test_feeds_in_declared_encodings_come_out_right(codec: str, text: str, where: str, tmp_path: Path) -> None:
    declared = codec if where == "prolog" else "utf-8" if where == "bom" else "windows-1251"
    title = " ".join(text.split()[:3])
    document = rss(item(title, text, "https://news.example/1"), encoding=declared)
    if where == "http":  # the prolog says nothing, the header says it
        document = document.replace(' encoding="windows-1251"', "")
    data = document.encode(codec)
    content_type = f"application/rss+xml; charset={codec}" if where == "http" else "application/rss+xml"
    routes = Routes()
    routes.add("/feed", data, content_type)
    path = tmp_path / "feed.xml"
    path.write_bytes(data)
    with http_server(routes) as base:
        results = [read_source(f"{base}/feed")] + ([read_source(str(path))] if where != "http" else [])
    for result in results:  # over HTTP, and as a file where the document itself declares it
        assert result.errors == []
        (article,) = result.articles
        assert (article.title, article.paragraphs) == (title, (text,))


@pytest.mark.parametrize(
    ("codec", "meta", "content_type"),
    [
        ("iso-8859-1", '<meta charset="iso-8859-1">', "text/html"),
        ("iso-8859-1", '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">', "text/html"),
        ("iso-8859-15", '<meta charset="iso-8859-15">', "text/html; charset=iso-8859-15"),
        ("iso-8859-15", "", "text/html"),  # declared nowhere: its € (0xA4) tells Latin-9 from Latin-1
        ("iso-8859-1", "", "text/html; charset=iso-8859-1"),
        ("windows-1252", "", "text/html"),  # declared nowhere: detected, „quotes“ – dashes and € right
        ("utf-8", '<meta charset="iso-8859-1">', "text/html"),  # a wrong declaration does not win over valid UTF-8
    ],
)
def test_pages_in_latin_encodings_keep_their_umlauts(codec: str, meta: str, content_type: str) -> None:
    special = "Straßen und Fußwege werden dafür überprüft, sagte die Bürgermeisterin."
    if codec in {"iso-8859-15", "windows-1252"}:
        special = "Der Umbau kostet 12 € je Einwohner, sagte die Bürgermeisterin." + (" „Endlich“ – sagen Anwohner." if codec == "windows-1252" else "")
    html = page("Neue Brücke für Grünau", [DE, DE2, special], meta)
    routes = Routes()
    routes.add("/artikel", html.encode(codec), content_type)
    with http_server(routes) as base:
        result = read_source(f"{base}/artikel")
    assert result.errors == []
    (article,) = result.articles
    assert article.title == "Neue Brücke für Grünau"
    assert DE in article.paragraphs and DE2 in article.paragraphs and special in article.paragraphs


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\x00\x00\x00stream\x00\x01\x02",
        bytes(range(256)) * 4,
    ],
)
def test_binary_data_is_refused(data: bytes) -> None:
    with pytest.raises(LoadError, match="binary"):
        decode(data, "x")


def test_a_latin1_html_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "seite.html"
    path.write_bytes(page("Grünauer Brücke", [DE, DE2], '<meta charset="iso-8859-1">').encode("latin-1"))
    (article,) = read_source(str(path)).articles
    assert article.title == "Grünauer Brücke" and article.paragraphs == (DE, DE2)


def test_a_latin1_text_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "meldung.txt"
    path.write_bytes(f"Brücke über die Mulde\n{DE}\n{DE2}\n".encode("latin-1"))
    (article,) = read_source(str(path)).articles
    assert article.title == "Brücke über die Mulde"
    assert article.paragraphs == (DE, DE2)


# --- links and identity ------------------------------------------------------------------------


def test_relative_links_are_resolved_against_the_feed_url_and_xml_base() -> None:
    routes = Routes()
    routes.add("/feeds/main.rss", rss(item("A", EN, "/news/a"), channel_link="/"), "application/rss+xml")
    atom = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://cdn.example/base/">'
        "<title>T</title><id>urn:t</id><updated>2025-10-16T07:15:00Z</updated>"
        f'<entry><title>B</title><link href="b.html"/><id>urn:t:b</id><updated>2025-10-16T07:15:00Z</updated>'
        f'<content type="html">&lt;p&gt;{EN}&lt;/p&gt;</content></entry></feed>'
    )
    routes.add("/feeds/main.atom", atom, "application/atom+xml")
    with http_server(routes) as base:
        (a,) = read_source(f"{base}/feeds/main.rss").articles
        (b,) = read_source(f"{base}/feeds/main.atom").articles
    assert a.url == f"{base}/news/a"
    assert b.url == "https://cdn.example/base/b.html"


def test_a_feed_file_resolves_against_its_channel_link_or_shows_no_link(tmp_path: Path) -> None:
    absolute = tmp_path / "a.xml"
    absolute.write_text(rss(item("A", EN, "/news/a"), channel_link="https://news.example/"), encoding="utf-8")
    relative = tmp_path / "b.xml"
    relative.write_text(rss(item("B", EN, "/news/b"), channel_link="/"), encoding="utf-8")
    assert read_source(str(absolute)).articles[0].url == "https://news.example/news/a"
    assert read_source(str(relative)).articles[0].url is None


def test_entries_that_share_a_link_or_have_none_stay_apart() -> None:
    items = "".join(
        [
            item("Liveblog", DE, "https://news.example/live", date_="Thu, 16 Oct 2025 18:00:00 GMT"),
            item("Liveblog", DE2, "https://news.example/live", date_="Thu, 16 Oct 2025 19:00:00 GMT"),
            item("Ohne Link 1", EN),
            item("Ohne Link 2", EN + " Second version."),
            item("Guid 1", RU, "https://news.example/same", guid="g-1"),
            item("Guid 2", CS, "https://news.example/same", guid="g-2"),
        ]
    )
    result = parse_bytes(rss(items).encode(), "https://news.example/feed", url="https://news.example/feed")
    assert len(result.articles) == 6
    assert len({a.id for a in result.articles}) == 6
    assert result.warnings == []


def test_entries_with_the_same_guid_are_merged_and_the_result_says_so() -> None:
    items = item("First", DE, guid="dup") + item("Second", DE2, guid="dup") + item("Other", EN, guid="x")
    result = parse_bytes(rss(items).encode(), "feed.xml")
    assert [a.title for a in result.articles] == ["Second", "Other"]
    (warning,) = result.warnings
    assert warning.source == "feed.xml entry 2" and "merged" in warning.reason


def test_two_sites_with_the_same_paths_never_share_an_article(store: VectorStore, fake_embedder: HashingEmbedder) -> None:
    site_a, site_b = Routes(), Routes()
    site_a.add("/feed", rss(item("Solar roof", EN, "/article/1"), channel_link="/"), "application/rss+xml")
    site_b.add("/feed", rss(item("Harbour crane", RU, "/article/1"), channel_link="/"), "application/rss+xml")
    with http_server(site_a) as a, http_server(site_b) as b:
        first = ingest([f"{a}/feed"], fake_embedder, store)
        second = ingest([f"{b}/feed"], fake_embedder, store)
    assert (first.articles, second.articles, second.chunks_removed) == (1, 1, 0)
    assert {s.origin for s in store.sources()} == {f"{a}/feed", f"{b}/feed"}
    # Two feeds of one site whose entries resolve to the very same link stay two articles too.
    site = Routes()
    site.add("/news.rss", rss(item("Solar roof", EN, "/article/1")), "application/rss+xml")
    site.add("/local.rss", rss(item("Solar roof, updated", EN + " Updated.", "/article/1")), "application/rss+xml")
    with http_server(site) as c:
        ingest([f"{c}/news.rss"], fake_embedder, store)
        third = ingest([f"{c}/local.rss"], fake_embedder, store)
    assert third.chunks_removed == 0
    assert {s.origin for s in store.sources()} >= {f"{c}/news.rss", f"{c}/local.rss"}
    json_a = [{"id": 1, "title": "Record A", "text": DE}]
    # The same holds for records that share an id across two files.
    routes = Routes()
    routes.add("/one.json", json.dumps(json_a), "application/json")
    routes.add("/two.json", json.dumps([{"id": 1, "title": "Record B", "text": DE2}]), "application/json")
    with http_server(routes) as base:
        ingest([f"{base}/one.json"], fake_embedder, store)
        report = ingest([f"{base}/two.json"], fake_embedder, store)
    assert report.chunks_removed == 0
    assert store.info().articles == 6


# --- plain text where text is shown ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("title_xml", "expected"),
    [
        ("Minister&amp;rsquo;s plan for &amp;quot;green&amp;quot; ports", "Minister’s plan for \"green\" ports"),
        ("&lt;em&gt;Breaking:&lt;/em&gt; Zoo welcomes twins", "Breaking: Zoo welcomes twins"),
        ("&lt;b&gt;Eilmeldung&lt;/b&gt; &amp;ndash; Brücke gesperrt", "Eilmeldung – Brücke gesperrt"),
        ("AT&amp;T profits fall", "AT&T profits fall"),
        ("Plain &amp; simple", "Plain & simple"),
    ],
)
def test_rss_titles_are_plain_text(title_xml: str, expected: str) -> None:
    (article,) = parse_bytes(rss(item(title_xml, EN, "https://n.example/1")).encode(), "f.xml").articles
    assert article.title == expected


def test_atom_html_and_xhtml_titles_are_plain_text() -> None:
    atom = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:x</id>'
        "<updated>2025-10-16T07:15:00Z</updated>"
        '<entry><title type="html">&lt;b&gt;Exklusiv:&lt;/b&gt; Talsperre öffnet Tore</title><id>urn:1</id>'
        f'<updated>2025-10-16T07:15:00Z</updated><content type="html">&lt;p&gt;{DE}&lt;/p&gt;</content></entry>'
        '<entry><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Zinsen <i>steigen</i> erneut</div></title>'
        f'<id>urn:2</id><updated>2025-10-16T07:15:00Z</updated><content type="html">&lt;p&gt;{DE2}&lt;/p&gt;</content></entry></feed>'
    )
    titles = [a.title for a in parse_bytes(atom.encode(), "f.atom").articles]
    assert titles == ["Exklusiv: Talsperre öffnet Tore", "Zinsen steigen erneut"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<strong>Gipfel</strong> in Budapest", "Gipfel in Budapest"),
        ("Preis &euro; 5 &#8211; &#x201E;billig&#x201C;", "Preis € 5 – „billig“"),
        ("5 < 6 and 7 > 3", "5 < 6 and 7 > 3"),
        ("  many\n  spaces  ", "many spaces"),
    ],
)
def test_plain_text(value: str, expected: str) -> None:
    assert plain_text(value) == expected


def test_json_titles_with_markup_are_plain_text(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text(json.dumps([{"title": "<b>Neu:</b> Brücke &amp; Weg", "text": f"<p>{DE}</p><p>{DE2}</p>"}]), encoding="utf-8")
    (article,) = read_source(str(path)).articles
    assert article.title == "Neu: Brücke & Weg"
    assert article.paragraphs == (DE, DE2)


# --- content by what it is ---------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["text/html; charset=UTF-8", "text/plain", "application/octet-stream", "", "application/xml"])
def test_a_feed_is_read_as_a_feed_whatever_the_header(content_type: str) -> None:
    routes = Routes()
    routes.add("/feed/", rss(item("A", DE, "https://n.example/a") + item("B", DE2, "https://n.example/b")), content_type)
    with http_server(routes) as base:
        result = read_source(f"{base}/feed/")
    assert [a.title for a in result.articles] == ["A", "B"]
    assert not any("<" in p for a in result.articles for p in a.paragraphs)


@pytest.mark.parametrize("content_type", ["text/plain", "application/octet-stream", ""])
def test_a_page_served_as_text_is_read_as_html(content_type: str) -> None:
    routes = Routes()
    routes.add("/seite", page("Brücke", [DE, DE2]), content_type)
    with http_server(routes) as base:
        (article,) = read_source(f"{base}/seite").articles
    assert article.paragraphs == (DE, DE2)


@pytest.mark.parametrize(
    ("text", "suffix", "content_type", "kind"),
    [
        (rss(""), ".txt", "", "feed"),
        ('<?xml version="1.0"?>\n<!-- c -->\n<rdf:RDF xmlns:rdf="x"></rdf:RDF>', "", "text/plain", "feed"),
        ("<feed xmlns='http://www.w3.org/2005/Atom'></feed>", ".html", "text/html", "feed"),
        ("<!doctype html><html><body><p>x</p></body></html>", ".txt", "text/plain", "html"),
        (f"<div><p>{DE}</p><p>{DE2}</p><p>{EN}</p></div>", ".txt", "", "html"),
        ('{"text": "x"}\n{"text": "y"}\n', ".txt", "text/plain", "jsonl"),
        ('[{"text": "x"}]', "", "text/plain", "json"),
        (f"{DE}\n\n{DE2}", ".txt", "", "text"),
        (f"{DE} (Preis < 5 Euro)", "", "text/plain", "text"),
        ("# Titel\n\nText", ".md", "", "markdown"),
    ],
)
def test_document_kind(text: str, suffix: str, content_type: str, kind: str) -> None:
    assert document_kind(text, suffix, content_type) == kind


def test_raw_markup_is_never_indexed_as_text(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_text(f'<div class="a"><p>{DE}</p>\n<p>{DE2}</p>\n<p><a href="/x">mehr</a></p></div>', encoding="utf-8")
    (article,) = read_source(str(path)).articles
    assert all("<" not in p and "href" not in p for p in article.paragraphs)
    assert DE in article.paragraphs


# --- dates --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025/10/29 15:07:41", "2025-10-29"),
        ("Mo, 13 Okt 2025 18:30:00", "2025-10-13"),
        ("Di., 14. Okt. 2025", "2025-10-14"),
        ("16. Oktober 2025", "2025-10-16"),
        ("mercredi 15 octobre 2025", "2025-10-15"),
        ("Thu, 16 Oct 2025 07:15:00 GMT", "2025-10-16"),
        ("2025-10-16T23:30:00-05:00", "2025-10-16"),
        ("03.04.2025 08:00", "2025-04-03"),  # dots: day first
    ],
)
def test_feed_dates_in_other_forms_and_languages(raw: str, expected: str) -> None:
    (article,) = parse_bytes(rss(item("A", DE, "https://n.example/a", date_=raw)).encode(), "f.xml").articles
    assert article.published == expected


@pytest.mark.parametrize("raw", ["nächste Woche", "32/13/2025", "Oktober", "tomorrow-ish", "3025-01-01"])
def test_unreadable_dates_are_left_out_and_reported(raw: str) -> None:
    result = parse_bytes(rss(item("A", DE, "https://n.example/a", date_=raw)).encode(), "f.xml")
    (article,) = result.articles
    assert article.published is None
    (warning,) = result.warnings
    assert "kept without a date" in warning.reason


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1760601600, date(2025, 10, 16)),
        (1760601600000, date(2025, 10, 16)),
        (0, None),  # an unset time stamp, not 1 Jan 1970
        (-5, None),
        (1760601600.5, date(2025, 10, 16)),
        ("1760601600000", date(2025, 10, 16)),
        (None, None),
        ("", None),
    ],
)
def test_epoch_seconds_and_milliseconds(value: object, expected: date | None) -> None:
    assert read_date(value).value == expected


@pytest.mark.parametrize("value", [99999999999999999, -99999999999999, 10**30, "1e400", True, [2025], {"y": 2025}])
def test_impossible_dates_are_reported_not_guessed(value: object) -> None:
    reading = read_date(value)
    assert reading.value is None and reading.problem


# --- records --------------------------------------------------------------------------------------------


RECORDS = [
    {"id": 7, "title": None, "url": None, "published": None, "text": DE},  # nulls are "missing", a numeric id is text
    {"id": 8, "title": 2025, "url": "", "published": "", "language": "de-DE", "text": DE2},  # "" is missing too
    {"id": 9, "title": ["a", "b"], "text": EN},  # a list where text belongs
    {"id": 10, "title": "x", "url": {"href": "https://x"}, "text": EN},  # an object
    {"id": 11, "title": "x", "language": 7, "text": EN},  # a number as language
    {"id": 12, "title": "x", "language": ["en", "de"], "text": EN},
    {"id": 13, "title": "x", "published": 1760601600000, "tags": ["a"], "author": {"n": 1}, "text": EN},  # extras ignored
    {"id": 14, "title": "x", "published": 10**20, "text": RU},  # an impossible date: kept without it
    {"id": 15, "text": None},
    "just a string",
    [1, 2, 3],
    {"id": 16, "headline": "Schlagzeile", "link": "https://n.example/16", "date": "16.10.2025", "body": DE},  # other names
]


def test_each_record_is_validated_and_bad_ones_skipped_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n", encoding="utf-8")
    result = read_source(str(path))
    kept = {a.source.rsplit("#", 1)[1]: a for a in result.articles}
    assert sorted(kept) == ["13", "14", "16", "7", "8"]
    assert kept["7"].title.startswith("Der Stadtrat") and kept["7"].published is None
    assert kept["8"].title == "2025" and kept["8"].language == "de"
    assert kept["13"].published == "2025-10-16"
    assert kept["14"].published is None
    assert (kept["16"].title, kept["16"].url, kept["16"].published) == ("Schlagzeile", "https://n.example/16", "2025-10-16")
    skipped = {e.source.rsplit(" ", 1)[1]: e.reason for e in result.errors}
    assert sorted(skipped, key=int) == ["3", "4", "5", "6", "9", "10", "11"]
    assert "title" in skipped["3"] and "list" in skipped["3"]
    assert "url" in skipped["4"]
    assert "language" in skipped["5"] and "language" in skipped["6"]
    assert "no text" in skipped["9"]
    assert [w.source for w in result.warnings] == [f"{path} line 8"]


def test_a_json_export_with_bad_records_indexes_the_rest(store: VectorStore, fake_embedder: HashingEmbedder, tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"articles": RECORDS}), encoding="utf-8")
    report = ingest([str(path)], fake_embedder, store)
    assert report.articles == 5
    assert len(report.errors) == 7 and len(report.warnings) == 1
    assert store.info().articles == 5


def test_a_folder_named_through_dot_dot_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "a.txt").write_text(f"Titel\n{DE}\n", encoding="utf-8")
    (tmp_path / "news" / ".hidden").mkdir()
    (tmp_path / "news" / ".hidden" / "b.txt").write_text(DE2, encoding="utf-8")
    (tmp_path / "work").mkdir()
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    results = list(read_sources(["../news", "../empty"]))
    assert [r.source for r in results] == [str(Path("../news/a.txt")), "../empty"]
    assert "holds no article files" in results[1].errors[0].reason


def test_ingest_report_counts(store: VectorStore, fake_embedder: HashingEmbedder, tmp_path: Path) -> None:
    feed = tmp_path / "f.xml"
    feed.write_text(rss(item("A", DE, "https://n.example/a", date_="irgendwann") + item("B", "", "https://n.example/b")), encoding="utf-8")
    report: IngestReport = ingest([str(feed)], fake_embedder, store)
    assert report.articles == 1
    assert [reason for _, reason in report.errors] == ["the entry has no text"]
    assert "irgendwann" in report.warnings[0][1]


# --- the store boundary -------------------------------------------------------------------------------


def test_records_an_older_version_stored_with_wrong_types_do_not_break_questions(
    store: VectorStore, fake_embedder: HashingEmbedder, tmp_path: Path
) -> None:
    """Chroma accepts lists and numbers as metadata; a record of that shape is read as "missing", not crashed on."""
    good = tmp_path / "a.txt"
    good.write_text(f"Brücke\n{DE}\n", encoding="utf-8")
    ingest([str(good)], fake_embedder, store)
    poisoned = {"article_id": "x", "position": 0, "paragraph": "1", "title": 5, "source": ["a"], "language": ["en", "de"], "published": 1760601600, "url": 7}
    collection = store._existing()  # written as an older version would have, past today's checks
    collection.upsert(ids=["poisoned"], embeddings=[fake_embedder.embed_query(DE2).tolist()], documents=[DE2], metadatas=[poisoned])
    keywords = KeywordIndex(store, None)
    answer = answer_question(DE2, fake_embedder, store, k=5, min_score=-1.0, keywords=keywords)
    chunk = answer.passages[0].chunk
    assert chunk.text == DE2
    assert (chunk.title, chunk.language, chunk.published, chunk.url, chunk.paragraph) == ("", None, None, None, 1)


@pytest.mark.parametrize(
    ("field", "value"),
    [("language", "english please"), ("published", "16.10.2025"), ("url", "/relative"), ("title", 5), ("paragraph", 0)],
)
def test_metadata_of_the_wrong_form_never_reaches_the_store(field: str, value: object) -> None:
    chunk = Chunk(article_id="a", position=0, paragraph=1, text=DE, title="t", source="s")
    with pytest.raises(ValueError, match=field):
        chunk_metadata(dataclasses.replace(chunk, **{field: value}))


# --- boilerplate ------------------------------------------------------------------------------------------

CONSENT = (
    "Wir und unsere Partner speichern Informationen auf Ihrem Gerät und verarbeiten personenbezogene Daten wie "
    "Kennungen, um Anzeigen und Inhalte zu personalisieren, die Reichweite zu messen und Produkte zu entwickeln. "
    "Sie können Ihre Einwilligung jederzeit in den Einstellungen widerrufen."
)
NEWSLETTER = (
    "Jeden Morgen die wichtigsten Nachrichten aus der Region direkt in Ihr Postfach: Melden Sie sich jetzt kostenlos "
    "für unseren Newsletter an und verpassen Sie keine Neuigkeit mehr aus Ihrer Stadt."
)
LINKS = "".join(f'<li><a href="/{i}">Weitere Meldung Nummer {i} aus der Region, die Sie auch interessieren könnte</a></li>' for i in range(8))
ARTICLE = [DE, DE2]


def furniture_page(furniture: str, article_markup: str) -> str:
    return f"<!doctype html><html><head><title>Brücke | Kurier</title></head><body>{furniture}{article_markup}</body></html>"


@pytest.mark.parametrize(
    "furniture",
    [
        f'<div role="dialog" aria-modal="true"><p>{CONSENT}</p><p>{CONSENT}</p><p>{CONSENT}</p><a href="#">OK</a></div>',
        f'<div id="cookie-notice"><p>{CONSENT}</p><p>{CONSENT}</p></div>',
        f'<dialog open><p>{CONSENT}</p><p>{CONSENT}</p></dialog>',
        f'<div class="newsletter-signup"><h3>Newsletter</h3><p>{NEWSLETTER}</p><form><input></form></div>',
        f'<aside><h3>Mehr zum Thema</h3><ul>{LINKS}</ul></aside>',
        f'<div class="related-articles"><ul>{LINKS}</ul></div><nav><ul>{LINKS}</ul></nav>',
    ],
)
@pytest.mark.parametrize(
    "article_markup",
    [
        f"<article><h1>Brücke</h1><p>{DE}</p><p>{DE2}</p></article>",
        f'<div class="c"><span>Brücke</span><br>{DE}<br><br>{DE2}<br></div>',  # no paragraph tags at all
    ],
)
def test_page_furniture_is_not_taken_for_the_article(furniture: str, article_markup: str) -> None:
    routes = Routes()
    routes.add("/artikel", furniture_page(furniture, article_markup))
    with http_server(routes) as base:
        (article,) = read_source(f"{base}/artikel").articles
    text = " ".join(article.paragraphs)
    assert DE in text and DE2 in text
    assert "Einwilligung" not in text and "Newsletter" not in text and "Weitere Meldung" not in text


def test_stray_tags_and_entities_in_plain_text_are_not_indexed_but_prose_brackets_are(tmp_path: Path) -> None:
    path = tmp_path / "notiz.txt"
    path.write_text(f"Brücke &amp; Weg\n{DE}<br>\nDas „<Katz-und-Maus-Spiel>“ geht weiter, sagte er am Abend.\n", encoding="utf-8")
    (article,) = read_source(str(path)).articles
    assert article.title == "Brücke & Weg"
    assert article.paragraphs == (DE, "Das „<Katz-und-Maus-Spiel>“ geht weiter, sagte er am Abend.")


def test_html_in_a_record_is_stripped_but_prose_brackets_stay(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    text = f"<p>{DE}</p><p>Das „<Katz-und-Maus-Spiel>“ <i>geht</i> weiter &amp; 1 < 2, sagte er.</p>"
    path.write_text(json.dumps({"title": "T", "text": text}) + "\n", encoding="utf-8")
    (article,) = read_source(str(path)).articles
    assert article.paragraphs == (DE, "Das „<Katz-und-Maus-Spiel>“ geht weiter & 1 < 2, sagte er.")


# --- who published it -----------------------------------------------------------------------------------


def test_each_article_knows_its_source_by_name(tmp_path: Path, store: VectorStore, fake_embedder: HashingEmbedder) -> None:
    feed = tmp_path / "kurier.xml"
    feed.write_text(rss(item("A", DE, "https://n.example/a")).replace("<title>Kurier</title>", "<title>Der &lt;b&gt;Kurier&lt;/b&gt;</title>"), encoding="utf-8")
    plain = tmp_path / "meldung.txt"
    plain.write_text(f"{DE}\n{DE2}\n", encoding="utf-8")
    records = tmp_path / "export.jsonl"
    records.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {"id": 1, "text": EN, "source": {"id": "zeit", "name": "Zeit Online"}},  # NewsAPI's shape
                {"id": 2, "text": RU, "publisher": "Ведомости"},
                {"id": 3, "text": CS, "source": ["odd"]},  # not a name: the file's name instead, the record kept
            ]
        ),
        encoding="utf-8",
    )
    routes = Routes()
    routes.add("/artikel", page("Brücke", [DE, DE2]).replace("<head>", '<head><meta property="og:site_name" content="Elbkurier">'))
    routes.add("/ohne-name", page("Brücke", [DE, DE2]))
    with http_server(routes) as base:
        named = {a.title: a.source_name for a in read_source(f"{base}/artikel").articles}
        host = read_source(f"{base}/ohne-name").articles[0].source_name
    assert named == {"Brücke": "Elbkurier"}
    assert host == "127.0.0.1"
    assert [a.source_name for a in read_source(str(feed)).articles] == ["Der Kurier"]
    assert read_source(str(plain)).articles[0].source_name == "meldung.txt"
    assert [a.source_name for a in read_source(str(records)).articles] == ["Zeit Online", "Ведомости", "export.jsonl"]
    ingest([str(feed)], fake_embedder, store)  # kept through the store
    assert answer_question("Stadtrat Brücke Mulde", fake_embedder, store, k=1, min_score=-1.0).passages[0].chunk.source_name == "Der Kurier"


FOOTER = '<div class="site-footer"><p>Impressum: Elbkurier Verlag GmbH, Dresden. Alle Rechte vorbehalten, Nachdruck nur mit Genehmigung der Redaktion.</p></div>'


@pytest.mark.parametrize(
    "wrapped",
    [
        f'<div class="layout--has-sidebar"><h1>Markthalle</h1><p>{DE}</p><p>{DE2}</p></div>',
        f'<div class="c-article__body js-share-container"><p>{DE}</p><p>{DE2}</p></div>',
        f'<form id="aspnetForm" action="/x"><div class="page"><h1>Markthalle</h1><p>{DE}</p><p>{DE2}</p></div></form>',
        f'<div aria-hidden="true"><h1>Markthalle</h1><p>{DE}</p><p>{DE2}</p></div><div role="dialog" aria-modal="true"><p>{CONSENT}</p></div>',
    ],
)
def test_an_article_inside_a_wrapper_named_like_furniture_is_kept(wrapped: str) -> None:
    routes = Routes()
    routes.add("/artikel", f"<!doctype html><html><head><title>Markthalle</title></head><body>{wrapped}{FOOTER}</body></html>")
    with http_server(routes) as base:
        (article,) = read_source(f"{base}/artikel").articles
    text = " ".join(article.paragraphs)
    assert DE in text and DE2 in text
    assert "Einwilligung" not in text


def test_a_number_is_not_an_articles_text(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps({"id": 1, "text": 12345}) + "\n" + json.dumps({"id": 2, "text": DE}) + "\n", encoding="utf-8")
    result = read_source(str(path))
    assert [a.paragraphs for a in result.articles] == [(DE,)]
    assert "number" in result.errors[0].reason


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://127.0.0.1:8081", "http://127.0.0.1:8081/bot"),
        ("http://127.0.0.1:8081/", "http://127.0.0.1:8081/bot"),
        ("https://api.telegram.org/bot", "https://api.telegram.org/bot"),
        ("", "https://api.telegram.org/bot"),  # set but empty: the default
    ],
)
def test_bot_api_url_forms(value: str, expected: str) -> None:
    settings = Settings(_env_file=None, telegram_api_url=value)  # type: ignore[call-arg]
    assert settings.telegram_api_url == expected
    assert settings.telegram_file_url == expected.removesuffix("/bot") + "/file/bot"
