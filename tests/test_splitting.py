from __future__ import annotations

import pytest

from index.domain import Article
from index.ingest.splitting import (
    chunk_article,
    fit_to_tokens,
    merge_short,
    split_paragraphs,
    split_sentences,
    title_and_body,
)


def words(text: str) -> int:
    return len(text.split())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("one\ntwo\nthree", ["one", "two", "three"]),
        ("first line\nstill first\n\nsecond", ["first line still first", "second"]),
        ("  spaced   out \r\n\r\n\tnext  ", ["spaced out", "next"]),
        ("a\n\n\n\nb", ["a", "b"]),
        ("\n\n", []),
    ],
)
def test_split_paragraphs(text: str, expected: list[str]) -> None:
    assert split_paragraphs(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Die Raketen haben eine Reichweite von 2.500 km. Das sagte Dr. Müller am 17. Oktober.",
            ["Die Raketen haben eine Reichweite von 2.500 km.", "Das sagte Dr. Müller am 17. Oktober."],
        ),
        (
            "Das Denkmal soll an den 250. Jahrestag der USA erinnern. Es ist groß.",
            ["Das Denkmal soll an den 250. Jahrestag der USA erinnern.", "Es ist groß."],
        ),
        ("Er sagte: „Wir kommen.“ Danach ging er.", ["Er sagte: „Wir kommen.“", "Danach ging er."]),
        ("", []),
    ],
)
def test_split_sentences_german(text: str, expected: list[str]) -> None:
    assert split_sentences(text, "de") == expected


def test_short_paragraphs_merge_into_the_next_and_the_last_into_the_previous() -> None:
    long = "x" * 80
    merged = merge_short(["Foto: APA", long, "Ende", ""], min_chars=60)
    assert merged == [(1, f"Foto: APA\n{long}\nEnde\n")]
    assert merge_short([long, long]) == [(1, long), (2, long)]
    assert merge_short(["tiny"]) == [(1, "tiny")]


def test_long_paragraph_splits_on_sentences_within_the_limit() -> None:
    sentence = "Das ist ein ganz normaler Satz mit zehn Wörtern darin."
    text = " ".join([sentence] * 7)
    parts = fit_to_tokens(text, 25, words, "de")
    assert all(words(p) <= 25 for p in parts)
    assert " ".join(parts) == text
    assert all(p.endswith(".") for p in parts)


def test_one_huge_sentence_is_split_between_words() -> None:
    text = " ".join(f"wort{i}" for i in range(100))
    parts = fit_to_tokens(text, 30, words)
    assert [words(p) for p in parts] == [30, 30, 30, 10]
    assert " ".join(parts) == text


@pytest.mark.parametrize(
    ("paragraphs", "title", "body"),
    [
        (["Gipfel in Budapest", "Der Text beginnt hier."], "Gipfel in Budapest", ["Der Text beginnt hier."]),
        (["Ein ganzer Satz ist kein Titel.", "Zweiter."], "Ein ganzer Satz ist kein Titel.", None),
        (["Nur eine Zeile"], "Nur eine Zeile", ["Nur eine Zeile"]),
        ([], "fallback", []),
    ],
)
def test_title_and_body(paragraphs: list[str], title: str, body: list[str] | None) -> None:
    got_title, got_body = title_and_body(paragraphs, "fallback")
    assert got_title == title
    assert got_body == (paragraphs if body is None else body)


def test_chunks_keep_their_source_and_paragraph_numbers() -> None:
    long = "Ein Absatz, der lang genug ist, um nicht mit dem nächsten zusammengelegt zu werden."
    article = Article(
        source="seeds/a.txt",
        title="Titel",
        paragraphs=("Kurz.", long, long + " Zwei."),
        url="https://example.org/a",
        published="2025-10-16",
        language="de",
    )
    chunks = chunk_article(article, 500, words)
    assert [(c.position, c.paragraph) for c in chunks] == [(0, 1), (1, 3)]
    assert chunks[0].text == f"Kurz.\n{long}"
    assert {c.article_id for c in chunks} == {article.id}
    assert all(c.url == "https://example.org/a" and c.published == "2025-10-16" for c in chunks)
    assert len({c.id for c in chunks}) == 2


def test_chunk_ids_are_stable_and_change_with_the_text() -> None:
    article = Article("s", "t", ("A paragraph long enough to stand on its own in the article text.",))
    again = Article("s", "t", ("A paragraph long enough to stand on its own in the article text.",))
    edited = Article("s", "t", ("A paragraph long enough to stand on its own in the edited text!",))
    assert chunk_article(article, 500, words)[0].id == chunk_article(again, 500, words)[0].id
    assert chunk_article(article, 500, words)[0].id != chunk_article(edited, 500, words)[0].id
