"""The language-model client against the fake server, and the checks on what a model writes."""

from __future__ import annotations

import pytest

from index import service
from index.answers import written
from index.domain import Answer, Chunk, Passage, Quote
from index.answers.llm import LLMClient, LLMError
from tests.fake_llm import FakeLLM, Reply, serve_llm

KEY = "sk-test-secret-key"


def answer_with(n: int) -> Answer:
    passages = tuple(
        Passage(Chunk("a", i, i + 1, f"Absatz {i + 1} über das Treffen in Budapest.", "Gipfel", "seeds/a.txt", url=f"https://x.example/{i}"), 0.8)
        for i in range(n)
    )
    return Answer("When is the Budapest meeting?", (Quote("Absatz 1", 0, 0.8),), passages, "en")


def test_citations_of_passages_that_do_not_exist_are_removed() -> None:
    result = written.check_citations("Within two weeks [2][7]. No date was named [1, 9]. See [Anm. 3] .", 3)
    assert result.text == "Within two weeks [2]. No date was named [1]. See [Anm. 3]."
    assert (result.cited, result.removed) == ((2, 1), 2)


def test_a_streamed_reply_never_shows_an_invented_citation() -> None:
    shown = written.CitationFilter(passages=2)
    pieces = ["Binnen zwei Wochen [", "2", "][", "7]", " – [Anm", ".] kein Datum [1", "]."]
    visible = [shown.feed(piece) for piece in pieces]
    assert "[7]" not in "".join(visible) and visible[1] == ""  # "[2" was held back until complete
    assert shown.text + shown.finish() == "Binnen zwei Wochen [2] – [Anm.] kein Datum [1]."


def test_the_prompt_numbers_the_passages_with_their_sources() -> None:
    messages = written.prompt_messages("When is the Budapest meeting?", answer_with(2).passages, "de")
    assert "in German" in messages[0]["content"] and "only the numbered passages" in messages[0]["content"]
    assert "[1] Gipfel (paragraph 1)\nAbsatz 1" in messages[1]["content"]
    assert messages[1]["content"].endswith("Question: When is the Budapest meeting?")


def test_streaming_retries_and_failures() -> None:
    fake = FakeLLM()
    with serve_llm(fake) as url:
        client = LLMClient(url, "m", KEY, timeout=2, retry_pause=0.01)
        fake.add(Reply(["Within ", "two weeks", " [1]."], pause=0.01))
        assert list(client.stream([{"role": "user", "content": "q"}])) == ["Within ", "two weeks", " [1]."]
        assert fake.requests[0]["authorization"] == f"Bearer {KEY}" and fake.requests[0]["body"]["stream"] is True

        fake.add(Reply(status=503), Reply(["ok"]))  # retried
        assert client.complete([{"role": "user", "content": "q"}]) == "ok"

        failures = [
            ([Reply(status=500)] * 3, "HTTP 500"),
            ([Reply(status=401)], "HTTP 401: scripted failure"),
            ([Reply(raw=["data: {not json"])], "malformed"),
            ([Reply(raw=['data: {"choices": []}'])], "malformed"),
            ([Reply(stall=3)], "took too long"),
        ]
        for replies, message in failures:
            fake.add(*replies)
            with pytest.raises(LLMError, match=message) as error:
                client.complete([{"role": "user", "content": "q"}])
            assert KEY not in str(error.value)
        client.close()

    with pytest.raises(LLMError, match="unreachable"):
        LLMClient(url, "m", KEY, timeout=2, retry_pause=0.01).complete([{"role": "user", "content": "q"}])


def test_write_answer_checks_citations_and_rewrites_follow_ups() -> None:
    fake = FakeLLM()
    with serve_llm(fake) as url:
        client = LLMClient(url, "m", None, timeout=5, retry_pause=0.01)
        fake.add(Reply(["Within two weeks [2][5]", "; no date [1]."]))
        seen: list[str] = []
        result = service.write_answer(answer_with(2), client, seen.append)
        assert result.text == "Within two weeks [2]; no date [1]." and result.cited == (2, 1) and result.removed == 1
        assert all("[5]" not in s for s in seen) and fake.requests[0]["authorization"] is None

        fake.add(Reply(["  “Who leads the American delegation in Budapest?” "]))
        history = [("When is the Budapest meeting?", "Within two weeks [1].")]
        assert service.standalone_question("and who leads it?", history, client) == "Who leads the American delegation in Budapest?"
        assert "User: When is the Budapest meeting?" in fake.prompts()[-1]
        fake.add(Reply(status=500), Reply(status=500), Reply(status=500))
        assert service.standalone_question("and who leads it?", history, client) == "and who leads it?"
        assert service.standalone_question("first question", [], client) == "first question"

        fake.add(Reply(["   "]))
        with pytest.raises(LLMError, match="empty"):
            service.write_answer(answer_with(1), client)
        client.close()
