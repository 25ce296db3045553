"""Counts kept at every write equal a full scan, through ingest, edits, forget and reindex (real Chroma)."""

from __future__ import annotations

import json
from pathlib import Path

from index.ingest import indexing, rebuild
from index.store import counts as counting
from index.store.counts import IndexCounts
from index.store.vector_store import VectorStore
from tests.fakes import HashingEmbedder


def write(path: Path, title: str, paragraphs: list[str], published: str | None = None) -> None:
    record = {"title": title, "text": "\n\n".join(paragraphs), "url": f"https://example.org/{path.stem}"}
    if published:
        record["published"] = published
    path.write_text(json.dumps(record), encoding="utf-8")


def scanned(store: VectorStore) -> IndexCounts:
    return counting.tally(meta for page in store.pages(["metadatas"]) for meta in page["metadatas"] or [])


def same(kept: IndexCounts, full: IndexCounts) -> None:
    assert {o: (s.articles, s.paragraphs, s.newest_published) for o, s in kept.sources.items()} == {
        o: (s.articles, s.paragraphs, s.newest_published) for o, s in full.sources.items()
    }
    assert [entry[3] for entry in kept.newest] == [entry[3] for entry in full.newest]


def kept_counts(store: VectorStore) -> IndexCounts | None:
    store._forget()
    return IndexCounts.from_metadata(store._existing().metadata or {})


def test_counts_follow_ingest_edit_and_forget_without_a_scan(tmp_path: Path, store: VectorStore, fake_embedder: HashingEmbedder) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    write(a / "one.json", "Brücke eröffnet", ["Die neue Brücke über den Fluss wird im Juni eröffnet, sagte die Stadt am Dienstag.", "Die Kosten der neuen Brücke liegen nach Angaben der Stadt bei rund 40 Millionen Euro."], "2025-05-20")
    write(a / "two.json", "Streik", ["Die Gewerkschaft ruft für Montag zum Streik auf, betroffen sind alle Linien."], "2025-06-01")
    write(b / "three.json", "Flood", ["The flood killed 12 people in the valley, officials said on Tuesday."], "2025-07-03")
    indexing.ingest([str(a), str(b)], fake_embedder, store)

    kept = kept_counts(store)
    assert kept is not None  # kept from the first write on, not tallied
    same(kept, scanned(store))
    assert (kept.articles, kept.paragraphs) == (3, 4)
    assert kept.sources[str(b)].newest_published == "2025-07-03"

    # An edit: one paragraph changed, one gone; an article added to the same source.
    write(a / "one.json", "Brücke eröffnet", ["Die neue Brücke über den Fluss wird erst im September eröffnet, sagte die Stadt."], "2025-05-20")
    write(a / "four.json", "Brücke", ["Die Eröffnung der Brücke ist verschoben worden, auf den Herbst."], "2025-08-09")
    indexing.ingest([str(a)], fake_embedder, store)
    kept = kept_counts(store)
    assert kept is not None
    same(kept, scanned(store))
    assert (kept.sources[str(a)].articles, kept.sources[str(a)].paragraphs) == (3, 3)
    assert kept.newest[0][1] == "Brücke"

    indexing.forget(str(b), store)
    kept = kept_counts(store)
    assert kept is not None
    same(kept, scanned(store))
    assert str(b) not in kept.sources

    info = store.info()
    assert (info.articles, info.chunks, info.sources) == (3, 3, 1)


def test_an_index_without_counts_is_counted_once_and_then_kept(tmp_path: Path, store: VectorStore, fake_embedder: HashingEmbedder) -> None:
    write(tmp_path / "one.json", "Gipfel", ["Das Treffen in Budapest soll innerhalb von zwei Wochen stattfinden."], "2025-10-16")
    indexing.ingest([str(tmp_path)], fake_embedder, store)
    collection = store._existing()
    collection.modify(metadata={k: v for k, v in (collection.metadata or {}).items() if k != counting.KEY})  # as an older version left it
    assert kept_counts(store) is None

    assert (store.info().articles, store.info().chunks) == (1, 1)  # counted by a scan
    assert kept_counts(store) is not None  # and kept
    write(tmp_path / "two.json", "Gipfel", ["Der Kreml bereitet das Treffen mit dem Präsidenten vor, hieß es."], "2025-10-17")
    indexing.ingest([str(tmp_path)], fake_embedder, store)
    kept = kept_counts(store)
    assert kept is not None and (kept.articles, kept.paragraphs) == (2, 2)


def test_a_reindexed_generation_starts_with_its_own_counts(tmp_path: Path, store: VectorStore, fake_embedder: HashingEmbedder) -> None:
    write(tmp_path / "one.json", "Gipfel", ["Das Treffen in Budapest soll innerhalb von zwei Wochen stattfinden."], "2025-10-16")
    indexing.ingest([str(tmp_path)], fake_embedder, store)
    (tmp_path / "one.json").unlink()
    write(tmp_path / "two.json", "Zölle", ["Die Zölle auf Stahl steigen im Januar um zehn Prozent."], "2025-11-02")
    rebuild.reindex([str(tmp_path)], fake_embedder, store)
    kept = kept_counts(store)
    assert kept is not None
    same(kept, scanned(store))
    assert (kept.articles, kept.paragraphs) == (1, 1)
    assert store.overview(3)[1] == [("Zölle", "2025-11-02")]
