from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.ingest.dates import read_date
from index.ingest.loading import read_source, read_sources
from index.ingest.plain_text import html_paragraphs
from tests.servers import Routes, free_port, http_server

LONG_DE = "Die Delegationen aus Washington und Moskau wollen sich in der kommenden Woche in Budapest treffen."
LONG_EN = "The delegations from Washington and Moscow plan to meet in Budapest in the coming week, officials said."

RSS = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Nachrichten</title>
<item><title>Gipfel &amp; Gespräche</title><link>https://news.example/gipfel</link>
<pubDate>Thu, 16 Oct 2025 18:00:00 +0000</pubDate>
<description><![CDATA[<p>{LONG_DE}</p><p>{LONG_DE} Zweiter Absatz.</p>]]></description></item>
<item><title>Leer</title><link>https://news.example/leer</link><description></description></item>
</channel></rss>"""

ATOM = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>News</title>
<entry><title>Summit</title><link href="https://news.example/summit"/><id>urn:1</id>
<updated>2025-10-17T08:00:00Z</updated><content type="html">&lt;p&gt;{LONG_EN}&lt;/p&gt;</content></entry>
</feed>"""

HTML = f"""<!DOCTYPE html><html lang="de"><head><title>Gipfel in Budapest | Zeitung</title>
<meta property="article:published_time" content="2025-10-16T10:00:00Z"></head>
<body><nav><a href="/">Startseite</a> <a href="/politik">Politik</a></nav>
<article><h1>Gipfel in Budapest</h1><p>{LONG_DE}</p><p>{LONG_DE} Es ist noch kein Termin genannt.</p></article>
<footer>Impressum · Datenschutz</footer></body></html>"""


def one(path: Path) -> tuple[list, list]:
    result = read_source(str(path))
    return result.articles, [str(e) for e in result.errors]


def test_plain_text_one_paragraph_per_line(tmp_path: Path) -> None:
    path = tmp_path / "artikel.txt"
    path.write_text(f"Gipfel in Budapest\n{LONG_DE}\n{LONG_DE} Noch einer.\n", encoding="utf-8")
    (article,), errors = one(path)
    assert errors == []
    assert article.title == "Gipfel in Budapest"
    assert article.paragraphs == (LONG_DE, f"{LONG_DE} Noch einer.")
    assert article.source == str(path)
    assert article.language == "de"
    assert article.url is None


@pytest.mark.parametrize(
    ("head", "published", "title"),
    [
        ("2025-10-16\nGipfel in Budapest\n", "2025-10-16", "Gipfel in Budapest"),
        ("Gipfel in Budapest\n16. Oktober 2025\n", "2025-10-16", "Gipfel in Budapest"),
        ("16.10.2025\n", "2025-10-16", None),
        ("October 16, 2025\nSummit in Budapest\n", "2025-10-16", "Summit in Budapest"),
        ("Gipfel in Budapest\n", None, "Gipfel in Budapest"),
    ],
)
def test_plain_text_date_line_is_the_articles_date(tmp_path: Path, head: str, published: str | None, title: str | None) -> None:
    path = tmp_path / "a.txt"
    path.write_text(f"{head}{LONG_DE}\n{LONG_DE} Noch einer.\n", encoding="utf-8")
    (article,), _ = one(path)
    assert article.published == published
    assert article.title == (title or article.title) and not article.title[:1].isdigit()
    assert article.paragraphs[-1] == f"{LONG_DE} Noch einer."


def test_plain_text_whose_first_line_is_a_sentence_keeps_it(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(f"{LONG_DE}\n\n{LONG_DE}\nweiter\n", encoding="utf-8")
    (article,), _ = one(path)
    assert article.paragraphs == (LONG_DE, f"{LONG_DE} weiter")
    # Without a heading the file's name is the title, not a shortened first sentence shown under every passage.
    assert article.title == "a" and article.source_name == "a.txt"


def test_markdown_takes_the_heading_as_title_and_drops_markup(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text(f"# Summit *news*\n\n{LONG_EN} See [the report](https://x.example).\n\n- {LONG_EN}\n", encoding="utf-8")
    (article,), _ = one(path)
    assert article.title == "Summit news"
    assert article.paragraphs == (f"{LONG_EN} See the report.", LONG_EN)
    assert article.language == "en"


def test_html_page_main_text_title_and_date(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(HTML, encoding="utf-8")
    (article,), _ = one(path)
    assert article.title.startswith("Gipfel in Budapest")
    assert article.paragraphs[0] == LONG_DE
    assert not any("Impressum" in p or "Startseite" in p for p in article.paragraphs)
    assert article.published == "2025-10-16"


def test_jsonl_records_with_one_broken_line(tmp_path: Path) -> None:
    path = tmp_path / "news.jsonl"
    good = {"title": "Gipfel", "url": "https://news.example/1", "published": "2025-10-16T10:00:00Z", "text": f"{LONG_DE}\n\n{LONG_DE}"}
    path.write_text(json.dumps(good) + "\n{not json\n" + json.dumps({"title": "no text"}) + "\n", encoding="utf-8")
    result = read_source(str(path))
    (article,) = result.articles
    assert (article.source, article.url, article.published, article.title) == (
        f"{path}#https://news.example/1",
        "https://news.example/1",
        "2025-10-16",
        "Gipfel",
    )
    assert len(article.paragraphs) == 2
    assert [e.source for e in result.errors] == [f"{path} line 2", f"{path} line 3"]
    assert "not valid JSON" in result.errors[0].reason
    assert "no text" in result.errors[1].reason


def test_json_list_of_records_without_url_gets_a_source_per_record(tmp_path: Path) -> None:
    path = tmp_path / "news.json"
    path.write_text(json.dumps([{"id": "a1", "text": LONG_DE}, {"text": LONG_EN}]), encoding="utf-8")
    result = read_source(str(path))
    first, second = (a.source for a in result.articles)
    assert first == f"{path}#a1"
    assert second.startswith(f"{path}#") and second != first


def test_rss_and_atom_feeds(tmp_path: Path) -> None:
    rss = tmp_path / "feed.xml"
    rss.write_text(RSS, encoding="utf-8")
    result = read_source(str(rss))
    (article,) = result.articles
    assert article.title == "Gipfel & Gespräche"
    assert article.url == "https://news.example/gipfel"
    assert article.published == "2025-10-16"
    assert article.paragraphs == (LONG_DE, f"{LONG_DE} Zweiter Absatz.")
    assert [e.reason for e in result.errors] == ["the entry has no text"]

    atom = tmp_path / "feed.atom"
    atom.write_text(ATOM, encoding="utf-8")
    (entry,) = read_source(str(atom)).articles
    assert (entry.title, entry.url, entry.published, entry.paragraphs) == (
        "Summit",
        "https://news.example/summit",
        "2025-10-17",
        (LONG_EN,),
    )


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "the file is empty"),
        ("blank.txt", b"  \n\n ", "the file is empty"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
        ("broken.json", b'{"title": "x", "text": ', "not valid JSON"),
        ("broken.xml", b"<rss><channel><item><title>x</title", "not a readable RSS/Atom feed"),
        ("nothing.html", b"<html><body><nav>Menu</nav></body></html>", "no article text"),
    ],
)
def test_malformed_inputs_are_reported_with_the_file_name(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    articles, errors = one(path)
    assert articles == []
    assert len(errors) == 1
    assert errors[0].startswith(str(path))
    assert reason in errors[0]


def test_directories_are_read_recursively_and_missing_paths_reported(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text(LONG_DE, encoding="utf-8")
    (tmp_path / "sub" / "b.md").write_text(f"# B\n\n{LONG_EN}", encoding="utf-8")
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    results = list(read_sources([str(tmp_path), str(tmp_path / "missing.txt")]))
    assert [r.source for r in results] == [str(tmp_path / "a.txt"), str(tmp_path / "sub" / "b.md"), str(tmp_path / "missing.txt")]
    assert results[2].errors[0].reason == "no such file or directory"


def test_urls_by_content_type_and_unreachable_ones() -> None:
    routes = Routes()
    routes.add("/article", HTML)
    routes.add("/feed", RSS, "application/rss+xml")
    routes.add("/gone", "", status=404)
    with http_server(routes) as base:
        (page,) = read_source(f"{base}/article").articles
        feed = read_source(f"{base}/feed")
        gone = read_source(f"{base}/gone")
    assert page.url == f"{base}/article" and page.source == f"{base}/article"
    assert page.paragraphs[0] == LONG_DE
    assert [a.title for a in feed.articles] == ["Gipfel & Gespräche"]
    assert "HTTP 404" in str(gone.errors[0])
    refused = read_source(f"http://127.0.0.1:{free_port()}/x")
    assert refused.articles == []
    assert "could not fetch" in refused.errors[0].reason


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>One</p><p>Two<br>lines</p>", ["One", "Two lines"]),
        ("Lead<br>line<p>para <b>bold</b></p>tail", ["Lead", "line", "para bold", "tail"]),
        ("<ul><li>a</li><li>b</li></ul>", ["a", "b"]),
        ("plain text\nsecond line", ["plain text", "second line"]),
        ("", []),
    ],
)
def test_html_fragments(html: str, expected: list[str]) -> None:
    assert html_paragraphs(html) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-10-16", "2025-10-16"),
        ("2025-10-16T22:30:00Z", "2025-10-16"),
        ("Thu, 16 Oct 2025 18:00:00 +0000", "2025-10-16"),
        ("gestern", None),  # relative: no year stated, so not guessed
        (None, None),
        ("", None),
    ],
)
def test_read_date(value: str | None, expected: str | None) -> None:
    assert read_date(value).iso == expected
