"""Polling RSS/Atom feeds: conditional requests, full text for summary-only entries, backoff.

The list of feeds lives in the database (NEWSBOT_FEEDS is its initial content;
admins add and remove feeds from the chat or the shell). A feed that fails is
retried after 1, 2, 4, … minutes (at most MAX_BACKOFF) and never stops the others; its state (ETag, Last-Modified, failures) is kept in the
subscription database so that a restart neither refetches nor forgets.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import feedparser
import httpx

from index.ingest import indexing
from index.ingest import loading
from index.domain import Article, IngestReport
from index.embedding.embedder import Embedder
from index.errors import InputError, LoadError, NewsbotError
from index.embedding.priority import PRIORITY
from index.store.sparse_index import SparseIndex
from index.store.vector_store import VectorStore
from index.subscriptions.database import SubscriptionDB

log = logging.getLogger(__name__)

FIRST_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=6)


def backoff(failures: int) -> timedelta:
    later: timedelta = FIRST_BACKOFF * 2 ** max(failures - 1, 0)
    return min(later, MAX_BACKOFF)


@dataclass(frozen=True)
class FeedRead:
    """What one poll of a feed brought; `backlog` on the first successful read."""

    url: str
    articles: list[Article]
    backlog: bool
    etag: str | None = None
    modified: str | None = None
    previous_read: datetime | None = None  # the last successful read before this one


def poll(url: str, db: SubscriptionDB, client: httpx.Client, now: datetime) -> FeedRead | None:
    """The feed's articles (none when unchanged), or None when it failed or waits out its backoff.

    The feed's new ETag/Last-Modified are only kept by `done()`, once its articles are
    indexed: a store that fails in between must not turn the next poll into a 304.
    """
    state = db.feed(url)
    first = state.last_ok is None
    if state.next_attempt is not None and state.next_attempt > now:
        return None
    headers = {}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.modified:
        headers["If-Modified-Since"] = state.modified
    state.last_checked = now
    try:
        response = client.get(url, headers=headers)
        if response.status_code == 304:
            articles: list[Article] = []
        else:
            if response.status_code >= 400:
                raise LoadError(url, f"the server answered HTTP {response.status_code}")
            result = loading.parse_bytes(response.content, url, content_type=response.headers.get("content-type", ""), url=url)
            articles = [dataclasses.replace(a, origin=url) for a in result.articles]
    except (httpx.HTTPError, LoadError) as error:
        state.failures += 1
        state.next_attempt = now + backoff(state.failures)
        state.last_error = str(error)[:500]
        db.save_feed(state)
        log.warning(
            "feed failed",
            extra={"event": "feed_failed", "feed": url, "failures": state.failures, "retry_at": state.next_attempt.isoformat(), "error": state.last_error},
        )
        return None
    if response.status_code == 304:
        return FeedRead(url, [], backlog=False, etag=state.etag, modified=state.modified)
    return FeedRead(
        url, articles, first, response.headers.get("etag"), response.headers.get("last-modified"), previous_read=state.last_ok
    )


def done(read: FeedRead, db: SubscriptionDB, now: datetime) -> None:
    """The feed was read and what it holds is indexed: remember its caching headers, clear failures."""
    state = db.feed(read.url)
    state.etag, state.modified = read.etag, read.modified
    state.failures, state.next_attempt, state.last_error, state.last_ok, state.last_checked = 0, None, None, now, now
    db.save_feed(state)


def poll_and_index(
    urls: Sequence[str], embedder: Embedder, store: VectorStore, db: SubscriptionDB, client: httpx.Client, now: datetime,
    sparse: SparseIndex | None = None,
) -> list[str]:
    """Poll every feed that is due and index what they hold; the ids of articles that may be news.

    What a feed holds when it is first read is its backlog: indexed, but recorded
    as seen so that subscribers are not flooded with old articles.
    """
    news: list[str] = []
    for url in urls:
        read = poll(url, db, client, now)
        if read is not None:
            news += index_read(read, embedder, store, db, client, now, sparse)
    return news


def index_read(
    read: FeedRead, embedder: Embedder, store: VectorStore, db: SubscriptionDB, client: httpx.Client, now: datetime,
    sparse: SparseIndex | None = None,
) -> list[str]:
    """Index one read of a feed and record it as done; the ids that may be news (none for backlog)."""
    url = read.url
    if not read.articles:
        done(read, db, now)
        return []
    try:
        known = store.ids_of_articles([a.id for a in read.articles])
        # Summary-only entries get their page's text, once: an indexed one is not fetched again
        # (and not overwritten with its summary).
        articles = [a if a.id in known or not a.partial else full_text(a, client) for a in read.articles]
        articles = [a for a in articles if not (a.partial and a.id in known)]
        report = IngestReport(articles=len(articles))
        with PRIORITY.background():
            indexing.index_articles(articles, embedder, store, report, sparse=sparse)
    except NewsbotError as error:  # the feed is read again next time
        log.warning("feed articles not indexed: %s", error, extra={"event": "feed_not_indexed", "feed": url})
        return []
    done(read, db, now)
    ids = [a.id for a in read.articles]
    if read.backlog or _all_renamed(read.articles, known, read.previous_read):
        db.mark_seen(ids)
        log.info(
            "%s: %d articles indexed, not posted",
            "first read of a feed" if read.backlog else "every entry of a known feed is new to the index (ids changed)",
            len(ids),
            extra={"feed": url},
        )
        return []
    return ids


def _all_renamed(articles: Sequence[Article], known: dict[str, set[str]], previous_read: datetime | None) -> bool:
    """A feed read before whose every entry (of several) is unknown, none dated since that read:
    its ids changed, not its news.

    That happens once after an upgrade that changed how entries are identified, or when a
    feed re-publishes its items under new guids; posting them would repeat old news. A busy
    feed whose items all turned over between two polls has entries dated since the last read
    (dates are days: the day of the last read counts), so its news is posted as usual.
    """
    if len(articles) <= 1 or any(a.id in known for a in articles) or previous_read is None:
        return False
    since = previous_read.date().isoformat()
    return not any(a.published is not None and a.published >= since for a in articles)


def check(url: str, client: httpx.Client) -> FeedRead:
    """Fetch a feed once to see that it is one: its articles as a first (backlog) read, or LoadError saying why not."""
    if not loading.is_url(url):
        raise LoadError(url, "not an http(s) URL")
    try:
        response = client.get(url)
    except httpx.HTTPError as error:
        raise LoadError(url, f"it could not be fetched ({type(error).__name__})") from error
    if response.status_code >= 400:
        raise LoadError(url, f"the server answered HTTP {response.status_code}")
    if not feedparser.parse(response.content).get("version"):
        raise LoadError(url, "it is not an RSS or Atom feed (give the feed's URL, not the site's)")
    result = loading.parse_bytes(response.content, url, content_type=response.headers.get("content-type", ""), url=url)
    articles = [dataclasses.replace(a, origin=url) for a in result.articles]
    return FeedRead(url, articles, backlog=True, etag=response.headers.get("etag"), modified=response.headers.get("last-modified"))


def add(
    url: str, embedder: Embedder, store: VectorStore, db: SubscriptionDB, client: httpx.Client, now: datetime,
    sparse: SparseIndex | None = None,
) -> int:
    """A new feed, checked with one fetch: polled from now on, what it holds now indexed as backlog; how many articles.

    Raises InputError when the feed is polled already, LoadError when it is no feed.
    """
    if url in {feed.url for feed in db.feed_list()}:
        raise InputError(f"{url} is in the list already")
    read = check(url, client)
    db.enable_feed(url, now)
    index_read(read, embedder, store, db, client, now, sparse)
    return len(read.articles)


@dataclass(frozen=True)
class FeedInfo:
    """One line of /feeds and `newsbot feeds list`."""

    number: int
    url: str
    last_checked: datetime | None
    last_error: str | None
    failures: int
    next_attempt: datetime | None
    articles: int


def listing(db: SubscriptionDB, store: VectorStore | None) -> list[FeedInfo]:
    """The polled feeds with their state and how many of their articles are indexed (0 without a store)."""
    counts: dict[str, int] = {}
    if store is not None:
        try:
            counts = {source.origin: source.articles for source in store.sources()}
        except NewsbotError as error:
            log.warning("article counts of the feeds unknown: %s", error)
    return [
        FeedInfo(number, feed.url, feed.last_checked, feed.last_error, feed.failures, feed.next_attempt, counts.get(feed.url, 0))
        for number, feed in enumerate(db.feed_list(), start=1)
    ]


def add_unchecked(urls: Sequence[str], db: SubscriptionDB, now: datetime) -> int:
    """Feeds from an OPML list, added without fetching (the next poll reads them, as backlog); how many were new."""
    return sum(db.enable_feed(url, now) for url in urls)


def remove(number: int, db: SubscriptionDB) -> str:
    """Stop polling feed `number` (as listed); its URL. Its articles stay indexed. InputError for a wrong number."""
    polled = db.feed_list()
    if not 1 <= number <= len(polled):
        raise InputError(f"there is no feed {number}: the list has {len(polled)}")
    url = polled[number - 1].url
    db.disable_feed(url)
    return url


def full_text(article: Article, client: httpx.Client) -> Article:
    """A summary-only feed entry with its article page's text (the summary if the page fails)."""
    if not article.url:
        return article
    page = loading.read_source(article.url, client)
    if not page.articles:
        log.info("full text not fetched, the summary is indexed: %s", page.errors[0] if page.errors else "no text")
        return article
    full = page.articles[0]
    if sum(len(p) for p in full.paragraphs) <= sum(len(p) for p in article.paragraphs):
        return article
    return dataclasses.replace(article, paragraphs=full.paragraphs, language=full.language or article.language, partial=False)
