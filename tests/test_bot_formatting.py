from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from bot.addressing import Entity, command_target, group_question, remove_spans
from bot.formatting import MESSAGE_LIMIT, Block, answer_messages, context_messages, pack, quote_block
from index.domain import Answer, Chunk, IndexHoldings, Passage, Quote, TimeNote

HOSTILE = 'Tom & Jerry <b>bold</b> </blockquote> <a href="x">"quotes"</a> <script>alert(1)</script> &amp;'


class TagBalance(HTMLParser):
    """Fails on any tag Telegram does not allow or that is left unclosed."""

    ALLOWED = {"b", "i", "a", "code", "pre", "blockquote", "u", "s"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in self.ALLOWED, tag
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, tag

    def handle_data(self, data: str) -> None:
        self.text += data


def visible(message: str) -> str:
    parser = TagBalance()
    parser.feed(message)
    parser.close()
    assert parser.stack == [], parser.stack
    assert not re.search(r"&(?!amp;|lt;|gt;|quot;|#x27;)", message), "bare ampersand"
    return parser.text


def chunk(text: str, paragraph: int = 1, title: str = "Titel", url: str | None = "https://news.example/a") -> Chunk:
    return Chunk("a1", paragraph - 1, paragraph, text, title, url or "seeds/a.txt", url, "2025-10-16", "de")


def answer(passages: list[Passage], quotes: list[Quote], language: str = "en") -> Answer:
    return Answer("When?", tuple(quotes), tuple(passages), language)


def test_answer_message_quotes_and_cites_with_links() -> None:
    passages = [Passage(chunk("Innerhalb von zwei Wochen.", 9), 0.8), Passage(chunk("Kein Termin.", 3, url=None), 0.79)]
    (message,) = answer_messages(answer(passages, [Quote("Innerhalb von zwei Wochen.", 0, 0.8)]), shown=5)
    assert message.startswith("<b>Answer</b>\n\n<i>„Innerhalb von zwei Wochen.“ [1]</i> — news.example, 16 Oct 2025")
    assert '<b>1.</b> <a href="https://news.example/a">Titel</a> · news.example · 16 Oct 2025 · paragraph 9\n<blockquote>' in message
    assert "<b>2.</b> Titel · a.txt · 16 Oct 2025 · paragraph 3 · <i>seeds/a.txt</i>" in message
    visible(message)


@pytest.mark.parametrize(
    ("quote", "language", "expected"),
    [
        (
            Quote("Er werde sich „innerhalb von zwei Wochen“ treffen.", 0, 0.8, (15, 40),
                  times=(TimeNote("innerhalb von zwei Wochen", "2025-10-16", "by", "2025-10-30"),)),
            "en",
            "<i>„Er werde sich „<b>innerhalb von zwei Wochen</b>“ treffen.“ [1]</i>\n"
            "🕑 innerhalb von zwei Wochen — article of 16 Oct 2025 → by 30 Oct 2025",
        ),
        (
            Quote("Reichweite von 2.500 km & mehr.", 1, 0.8, (15, 23)),
            "de",
            "<i>„Reichweite von <b>2.500 km</b> &amp; mehr.“ [2]</i>",
        ),
        (Quote("Kein <Termin>.", 0, 0.8, None, True), "de", "<i>„Kein &lt;Termin&gt;.“ [1]</i>"),
    ],
)  # fmt: skip
def test_quote_marks_the_span_in_bold_and_shows_dates(quote: Quote, language: str, expected: str) -> None:
    (rendered,) = quote_block(quote, language).render()
    assert rendered == expected
    visible(rendered)


def test_refusal_says_what_the_index_holds() -> None:
    holdings = IndexHoldings((("seeds", 1), ("https://feed.example/rss", 12)), (("Trump & Putin", "2025-10-16"),))
    (message,) = answer_messages(Answer("Wie geht's?", (), (), "en", holdings=holdings), shown=5)
    assert message.startswith("I found no relevant passage")
    assert "The index holds: seeds (1 article), https://feed.example/rss (12 articles)." in message
    assert "Newest articles: „Trump &amp; Putin“ (2025-10-16)." in message
    visible(message)


def test_german_question_gets_german_labels() -> None:
    passages = [Passage(chunk("Text."), 0.9)]
    (message,) = answer_messages(answer(passages, [Quote("Text.", 0, 0.9)], "de"), shown=5)
    assert "<b>Antwort</b>" in message and "<b>Quellen</b>" in message and "Absatz 1" in message


def test_hostile_titles_urls_and_passages_are_escaped() -> None:
    hostile = Chunk("a", 0, 1, HOSTILE, HOSTILE, HOSTILE, 'https://x.example/?a=1&b="2"', HOSTILE, "de")
    messages = answer_messages(answer([Passage(hostile, 0.9)], [Quote(HOSTILE, 0, 0.9)]), shown=5)
    for message in messages:
        shown = visible(message)
        assert "<script>" in shown  # shown as text, not markup
    assert 'href="https://x.example/?a=1&amp;b=&quot;2&quot;"' in messages[0]


def test_long_replies_split_between_passages_below_the_limit() -> None:
    paragraph = "Ein langer Satz über den Gipfel in Budapest, der viel Platz braucht. " * 20  # ~1400 chars
    passages = [Passage(chunk(paragraph, n), 0.8) for n in range(1, 7)]
    messages = answer_messages(answer(passages, [Quote("Satz.", 0, 0.8)]), shown=6)
    assert len(messages) >= 2
    for message in messages:
        assert len(message) <= MESSAGE_LIMIT
        visible(message)
    joined = "".join(messages)
    assert all(f"<b>{n}.</b>" in joined for n in range(1, 7))
    assert all(m.count("<blockquote>") == m.count("</blockquote>") for m in messages)


def test_one_huge_block_is_split_inside_reopened_tags() -> None:
    huge = ("Wort & Wort <x> " * 2000).strip()  # escapes grow it far beyond the limit
    messages = pack([Block(body=huge, open="<blockquote>", close="</blockquote>", head="<b>1.</b>\n")])
    assert len(messages) > 2
    assert messages[0].startswith("<b>1.</b>\n<blockquote>")
    for message in messages:
        assert len(message) <= MESSAGE_LIMIT
        assert message.endswith("</blockquote>")
        visible(message)


def test_not_found_and_context() -> None:
    assert answer_messages(Answer("x", (), (), "de"), shown=5)[0].startswith("In den indexierten Artikeln")
    around = [chunk("Davor.", 8), chunk("Die Stelle.", 9), chunk("Danach.", 10)]
    (message,) = context_messages(around, around[1].id, "en")
    assert "¶9 <b>Die Stelle.</b>" in message and "¶8 Davor." in message
    visible(message)


@pytest.mark.parametrize(
    ("text", "entities", "replies", "expected"),
    [
        ("@NewsBot When is the meeting?", [Entity("mention", 0, 8)], False, "When is the meeting?"),
        ("When, @newsbot, is it?", [Entity("mention", 6, 8)], False, "When, , is it?"),
        ("😀😀 @newsbot wann?", [Entity("mention", 5, 8)], False, "😀😀 wann?"),  # emoji: 2 UTF-16 units each
        ("@otherbot hi", [Entity("mention", 0, 9)], False, None),
        ("just chatting", [], False, None),
        ("and who leads it?", [], True, "and who leads it?"),
    ],
)
def test_group_messages_for_the_bot(text: str, entities: list[Entity], replies: bool, expected: str | None) -> None:
    assert group_question(text, entities, "newsbot", replies) == expected


def test_remove_spans_and_command_target() -> None:
    assert remove_spans("a 😀 b c", [(2, 2)]) == "a b c"
    assert command_target("/ask@NewsBot wann?") == "NewsBot"
    assert command_target("/ask wann?") is None
    assert command_target("") is None
