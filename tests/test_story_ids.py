"""Stories recognised at ingest (index.ingest.story_ids): the pure rule, then through ingest into real Chroma."""

from __future__ import annotations

import numpy as np

from index.domain import Article, IngestReport
from index.embedding.hashing import HashingEmbedder
from index.ingest import indexing
from index.ingest.story_ids import MIN_WORDS, NewArticle, StoredParagraph, assign_stories
from index.store.vector_store import VectorStore

LONG = MIN_WORDS + 3


def unit(cos: float, axis: int, dim: int = 8) -> np.ndarray:
    v = np.zeros(dim, dtype=np.float32)
    v[0], v[axis] = cos, np.sqrt(1 - cos * cos)
    return v


def new(article_id: str, published: str | None, *vectors: np.ndarray, language: str = "en", words: int = LONG) -> NewArticle:
    return NewArticle(article_id, published, np.stack(vectors), [language] * len(vectors), [words] * len(vectors))


def stored(article_id: str, similarity: float, *, story: str | None = None, published: str | None = "2026-11-20",
           language: str = "en", words: int = LONG) -> StoredParagraph:
    return StoredParagraph(article_id, story, published, language, words, similarity)


def test_a_copy_joins_the_story_of_the_stored_article_it_copies() -> None:
    article = new("copy", "2026-11-21", unit(1.0, 1), unit(1.0, 2))
    nearby = [[[stored("first", 0.97, story="root"), stored("other", 0.93)], [stored("other", 0.80)]]]
    assert assign_stories([article], nearby) == {"copy": "root"}
    # a stored article without a story id (older index) stands for its own story
    nearby = [[[stored("first", 0.97)], []]]
    assert assign_stories([article], nearby) == {"copy": "first"}


def test_near_is_not_enough_and_short_lines_or_old_reports_join_nothing() -> None:
    article = new("a", "2026-11-21", unit(1.0, 1))
    assert assign_stories([article], [[[stored("b", 0.93)]]]) == {"a": "a"}  # same subject, another story
    assert assign_stories([article], [[[stored("b", 0.99, words=4)]]]) == {"a": "a"}  # "Mit Material von dpa"
    assert assign_stories([new("a", "2026-11-21", unit(1.0, 1), words=4)], [[[stored("b", 0.99)]]]) == {"a": "a"}
    assert assign_stories([article], [[[stored("b", 0.99, published="2026-09-01")]]]) == {"a": "a"}  # months apart
    assert assign_stories([article], [[[stored("b", 0.99, published=None)]]]) == {"a": "b"}  # undated: any time
    # a translation needs less: 0.90 joins across languages, not within one
    assert assign_stories([article], [[[stored("b", 0.90, language="de")]]]) == {"a": "b"}
    assert assign_stories([article], [[[stored("b", 0.90)]]]) == {"a": "a"}


def test_a_template_line_joins_nothing_but_two_shared_paragraphs_or_a_copied_brief_do() -> None:
    def article(publisher: str, *words: int) -> NewArticle:
        return NewArticle("b", None, np.stack([unit(1.0, i + 1) for i in range(len(words))]), ["de"] * len(words), list(words), publisher)

    def line(similarity: float, publisher: str, words: int = 15) -> list[StoredParagraph]:
        return [StoredParagraph("a", None, None, "de", words, similarity, publisher)]

    # "Der Volltext dieses auf Agenturmeldungen basierenden Artikels steht … nicht mehr zur Verfügung." under a teaser
    assert assign_stories([article("derstandard", 15, 8)], [[line(1.0, "derstandard"), []]]) == {"b": "b"}
    # an agency footer in another outlet's long article
    assert assign_stories([article("Die Presse", 15, 200)], [[line(1.0, "derstandard"), []]]) == {"b": "b"}
    # another outlet's copy of an agency paragraph, with a line of its own
    assert assign_stories([article("Die Presse", 40, 15)], [[line(1.0, "derstandard", 40), []]]) == {"b": "a"}
    # a rewrite, and a republished article (two verbatim paragraphs) of the same publisher
    assert assign_stories([article("derstandard", 15, 8)], [[line(0.97, "derstandard"), []]]) == {"b": "a"}
    assert assign_stories([article("derstandard", 15, 30)], [[line(1.0, "derstandard"), line(0.995, "derstandard", 30)]]) == {"b": "a"}


def test_of_several_stories_it_repeats_the_oldest_report_decides() -> None:
    article = new("flood-3", "2026-11-24", unit(1.0, 1))
    nearby = [[[stored("flood-2", 0.97, story="flood-2", published="2026-11-20"), stored("flood-1", 0.96, story="flood-1", published="2026-11-18")]]]
    assert assign_stories([article], nearby) == {"flood-3": "flood-1"}


def test_copies_in_one_batch_join_the_oldest_one() -> None:
    text = unit(1.0, 1)
    batch = [new("late", "2026-11-23", text), new("first", "2026-11-21", text), new("middle", "2026-11-22", unit(0.99, 2))]
    assert assign_stories(batch, [[[]], [[]], [[]]]) == {"first": "first", "middle": "first", "late": "first"}


def test_ingest_stores_one_story_id_for_copies_and_keeps_it_for_an_edit(store: VectorStore, fake_embedder: HashingEmbedder) -> None:
    embedder = fake_embedder
    agency = (
        "The regional council approved the new tram line through the old town on Monday, "
        "with construction to begin next spring and the first trams running by late 2028."
    )
    other = "A completely different report about the harbour festival, its music stages, food stalls and the fireworks on Saturday night."

    def article(source: str, published: str, *paragraphs: str, publisher: str = "") -> Article:
        return Article(source, f"Report {source}", paragraphs, url=f"https://{source}/a", published=published, language="en",
                       source_name=publisher or source)  # fmt: skip

    first = article("herald.example", "2026-11-20", agency, "The mayor welcomed the decision and thanked the planners for their years of work on it.")
    indexing.index_articles([first], embedder, store, IngestReport())
    copies = [
        article("wire.example", "2026-11-21", agency),
        article("post.example", "2026-11-21", "Local shops in the old town expect more visitors once the tram line is running there.", agency),
        article("fest.example", "2026-11-21", other),
    ]
    indexing.index_articles(copies, embedder, store, IngestReport())
    stories = {chunk.source: chunk.story for stored_article in store.article_chunks([a.id for a in [first, *copies]]).values()
               for chunk in stored_article.chunks}
    assert stories["herald.example"] == first.id
    assert stories["wire.example"] == first.id
    assert stories["post.example"] == first.id
    assert stories["fest.example"] == copies[2].id
    # an edited article (a paragraph added) keeps its story on the new paragraph
    edited = article("post.example", "2026-11-21", copies[1].paragraphs[0], agency, "Shop owners met on Tuesday to plan a street party for the first tram day in 2028.")
    report = IngestReport()
    indexing.index_articles([edited], embedder, store, report)
    assert report.chunks_added == 1
    chunks = store.article_chunks([edited.id])[edited.id].chunks
    assert [c.story for c in chunks] == [first.id] * 3

    # The same publisher's notice under two different teasers is a template line: two stories.
    notice = "The full text of this article, based on agency reports, is no longer available here for legal reasons."
    teasers = [
        "Parliament votes on the budget for next year after a long night of talks between the parties.",
        "A storm closes the mountain pass for trucks and cars until the snow has been cleared away.",
    ]
    truncated = [article(f"daily.example/{i}", "2026-11-22", teaser, notice, publisher="Daily") for i, teaser in enumerate(teasers)]
    for item in truncated:
        indexing.index_articles([item], embedder, store, IngestReport())
    stored = store.article_chunks([a.id for a in truncated])
    assert [stored[a.id].chunks[0].story for a in truncated] == [a.id for a in truncated]
