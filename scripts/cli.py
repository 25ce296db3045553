"""The `newsbot` command: ingest articles, ask questions, look after the index.

Exit codes: 0 ok, 1 no answer found (or nothing indexed), 2 bad usage or input,
3 the store or model is unavailable (try again, or fix the setting it names).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NoReturn

import click
from pydantic import ValidationError

from index.ingest import indexing
from index import bootstrap, health_check, service
from index.quality import benchmark
from index.quality import evaluation
from index.subscriptions import opml, watching
from index.subscriptions import feeds as feed_sources
from index.ingest import rebuild
from index.store import sparse_index
from index.domain import Answer
from index.embedding.embedder import SentenceTransformerEmbedder
from index.errors import IndexEmpty, InputError, NewsbotError, StoreBusy
from index.answers.llm import LLMClient, LLMError
from index.settings import Settings
from index.subscriptions.database import SubscriptionDB, utcnow
from scripts import output

EXIT_OK, EXIT_NOT_FOUND, EXIT_USAGE, EXIT_UNAVAILABLE = 0, 1, 2, 3


def fail(message: str, code: int) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


@contextmanager
def services(settings: Settings, *, write: bool) -> Iterator[bootstrap.Services]:
    """Build the services for one command and turn Newsbot errors into exit codes."""
    built: bootstrap.Services | None = None
    try:
        built = bootstrap.build(settings, write=write)
        yield built
    except IndexEmpty as error:
        fail(f"{error}: run `newsbot ingest seeds`", EXIT_NOT_FOUND)
    except InputError as error:
        fail(str(error), EXIT_USAGE)
    except StoreBusy as error:
        fail(str(error), EXIT_UNAVAILABLE)
    except NewsbotError as error:
        fail(str(error), EXIT_UNAVAILABLE)
    finally:
        if built is not None:
            built.close()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log what happens (to stderr).")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """Newsbot: answers questions about the news from indexed articles, with sources."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    ctx.obj = load_settings()


def load_settings() -> Settings:
    """The settings, or one line per wrong setting (named as in the environment) and exit code 2."""
    try:
        return Settings()
    except ValidationError as error:
        for problem in error.errors():
            name = "NEWSBOT_" + "_".join(str(part) for part in problem["loc"]).upper()
            message = str(problem["msg"]).removeprefix("Value error, ")
            click.echo(f"Setting {name}: {message}", err=True)
        raise SystemExit(2) from None


class ProgressBar:
    """A click progress bar driven by (done, total) calls; silent when stderr is not a terminal."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.done = 0
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if not sys.stderr.isatty():
            return
        if self.bar is None:
            self.bar = click.progressbar(length=max(total, 1), label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@cli.command()
@click.argument("sources", nargs=-1, required=True)
@click.pass_obj
def ingest(settings: Settings, sources: tuple[str, ...]) -> None:
    """Index articles from files, directories, feeds and URLs (SOURCES...)."""
    started = time.perf_counter()
    bar = ProgressBar("Embedding paragraphs")
    with services(settings, write=True) as built:
        bootstrap.clean_up_unfinished(built)
        try:
            report = indexing.ingest(list(sources), built.embedder, built.store, progress=bar, sparse=built.sparse)
        finally:
            bar.close()
        built.keywords.stats()  # kept on disk for this revision: the next process loads them, not rebuilds
        changed = check_watches(settings, built, report.new_articles)
    click.echo(output.ingest_text(report, time.perf_counter() - started))
    if changed:
        click.echo(f"{changed} watched question(s) got a new answer: the bot posts it.")
    if report.articles == 0:
        sys.exit(EXIT_USAGE)


def check_watches(settings: Settings, built: bootstrap.Services, article_ids: list[str]) -> int:
    """Ask the watched questions the new articles bear on again; how many posts were queued (the bot sends them).

    The articles are indexed whatever happens here: a database that is down is reported, not an error.
    """
    if not article_ids:
        return 0
    try:
        db = built.database
        fresh = db.unseen(article_ids)
        check = watching.check_new_articles(
            fresh, built.store, built.query_embedder(), built.answer, db,
            threshold=settings.min_score - settings.watch_prefilter_margin, now=utcnow(),
        )  # fmt: skip
    except NewsbotError as error:
        click.echo(f"Watched questions not checked against the new articles: {error}", err=True)
        return 0
    return check.queued


@cli.command()
@click.argument("question")
@click.option("-k", "--k", "k", type=click.IntRange(1, 50), default=None, help="Passages to show (default NEWSBOT_TOP_K).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for other programs.")
@click.option("--llm", "use_llm", is_flag=True, help="Have the language model (NEWSBOT_LLM_URL) write the answer.")
@click.pass_obj
def ask(settings: Settings, question: str, k: int | None, as_json: bool, use_llm: bool) -> None:
    """Answer QUESTION from the indexed articles, quoting passages and sources."""
    if use_llm and not settings.llm_url:
        fail("set NEWSBOT_LLM_URL (and NEWSBOT_LLM_MODEL) to use --llm; see README, 'Written answers'", EXIT_USAGE)
    with services(settings, write=False) as built:
        warn_model_change(built)
        answer = built.answer(question, k)
        if use_llm and built.llm is not None and answer.found:
            write_out(answer, built.llm, as_json)
            return
    if as_json:
        click.echo(json.dumps(output.answer_dict(answer), ensure_ascii=False, indent=2))
    else:
        click.echo(output.answer_text(answer))
    sys.exit(EXIT_OK if answer.found else EXIT_NOT_FOUND)


def write_out(answer: Answer, llm: LLMClient, as_json: bool) -> None:
    """Stream the written answer to stdout (checked citations only), then its sources."""
    stream = not as_json
    if stream:
        click.echo("Answer: ", nl=False)
    try:
        result = service.write_answer(answer, llm, on_text=_Printer() if stream else None)
    except LLMError as error:
        click.echo(f"\nWarning: {error}; the passages themselves follow.", err=True)
        click.echo(json.dumps(output.answer_dict(answer), ensure_ascii=False, indent=2) if as_json else output.answer_text(answer))
        return
    if as_json:
        click.echo(json.dumps(output.written_dict(result, answer), ensure_ascii=False, indent=2))
    else:
        click.echo("\n\n" + output.cited_sources_text(result, answer))


class _Printer:
    """Prints the part of the streamed answer not printed yet."""

    def __init__(self) -> None:
        self.printed = 0

    def __call__(self, so_far: str) -> None:
        click.echo(so_far[self.printed :], nl=False)
        self.printed = len(so_far)


def warn_model_change(built: bootstrap.Services) -> None:
    change = built.model_change()
    if change is not None:
        click.echo(
            f"Warning: the index was built with {change[0]}, not the configured {change[1]}; "
            "it answers with its own model until you run `newsbot reindex`.",
            err=True,
        )


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def stats(settings: Settings, as_json: bool) -> None:
    """Show what the index holds and which model built it."""
    with services(settings, write=False) as built:
        info = built.store.info()
        sparse = built.sparse.status(built.store) if built.sparse is not None else None
        sentences = built.store.has_sentence_vectors()
    data = {
        "articles": info.articles,
        "paragraphs": info.chunks,
        "sources": info.sources,
        "embedding_model": info.embedding_model,
        "configured_model": settings.embedding_model,
        "dimension": info.dimension,
        "built": info.built,
        "build_seconds": info.build_seconds,
        "updated": info.updated,
        # What questions are ranked by: the model's vectors, keywords, the model's sparse latent terms.
        "signals": ", ".join(sparse_index.signals(sparse, sentences)),
        "sparse_vectors": f"{sparse.vectors} of {info.chunks} paragraphs" if sparse is not None and info.chunks else None,
        # Paragraphs whose answer sentences have sparse vectors (an index from before them: `newsbot reindex`).
        "sparse_sentence_vectors": f"{sparse.sentences} of {info.chunks} paragraphs" if sparse is not None and info.chunks else None,
        "store": settings.chroma_url or str(settings.chroma_dir),
        "collection": settings.collection,
    }
    if as_json:
        click.echo(json.dumps({**data, "newest": [{"source": o, "newest": d} for o, d in info.newest]}, indent=2))
        return
    for key, value in data.items():
        click.echo(f"{key.replace('_', ' ')}: {value if value is not None else '-'}")
    if info.newest:
        click.echo("newest article per source:")
        click.echo("\n".join(f"  {origin}: {date or 'undated'}" for origin, date in info.newest))


@cli.command()
@click.pass_obj
def reindex(settings: Settings) -> None:
    """Rebuild the whole index from NEWSBOT_SOURCES (and what was ingested since); the old one serves until done."""
    bar = ProgressBar("Rebuilding the index")
    progress = rebuild.ReindexProgress()
    with services(settings, write=True) as built:
        bootstrap.clean_up_unfinished(built)
        with feed_db(settings) as db:
            polled = [feed.url for feed in db.feed_list()]
        sources = rebuild.sources_to_read([*settings.sources, *polled], built.store)
        click.echo(f"Reading {', '.join(sources)}", err=True)
        watcher = _follow(progress, bar)
        try:
            report = rebuild.reindex(
                sources, built.embedder, built.store, progress=progress, keywords_dir=built.keywords_dir, grace=0, sparse=built.sparse
            )
        finally:
            watcher.set()
            bar.close()
    click.echo(output.reindex_text(report))


def _follow(progress: rebuild.ReindexProgress, bar: ProgressBar) -> threading.Event:
    """Drive the progress bar from the reindex's progress until the returned event is set."""
    stop = threading.Event()

    def follow() -> None:
        while not stop.wait(0.5):
            if progress.chunks_total:
                bar(progress.chunks_done, progress.chunks_total)

    threading.Thread(target=follow, daemon=True).start()
    return stop


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def sources(settings: Settings, as_json: bool) -> None:
    """List the indexed sources with their article counts and last update."""
    with services(settings, write=False) as built:
        found = built.store.sources()
    if as_json:
        click.echo(json.dumps([dataclasses.asdict(s) for s in found], ensure_ascii=False, indent=2))
        return
    click.echo(output.sources_text(found))


@cli.command()
@click.argument("source")
@click.pass_obj
def forget(settings: Settings, source: str) -> None:
    """Remove everything read from SOURCE (as `newsbot sources` lists it, or one article's URL)."""
    with services(settings, write=True) as built:
        removed = indexing.forget(source, built.store, built.sparse)
        built.keywords.stats()  # as after ingest
    if not removed:
        fail(f"nothing in the index comes from {source!r}: see `newsbot sources`", EXIT_NOT_FOUND)
    click.echo(f"Removed {removed} paragraphs from {source}.")


@cli.command()
@click.pass_obj
def prepare(settings: Settings) -> None:
    """Build or load the embedding model now (e.g. while building a container image)."""
    embedder = bootstrap.build_embedder(settings)
    try:
        embedder.embed_query("warm up")
    except NewsbotError as error:
        fail(str(error), EXIT_UNAVAILABLE)
    click.echo(f"{embedder.name}: {embedder.dimension} dimensions, ready")


@cli.command()
@click.option("--max-age", default=120, show_default=True, help="Seconds since the bot's last heartbeat.")
@click.option("--bot", is_flag=True, help="Fail unless a bot runs with this data directory.")
@click.pass_obj
def health(settings: Settings, max_age: int, bot: bool) -> None:
    """Exit 0 when the store answers and the bot (if one runs here) is alive; for container health checks."""
    problems = health_check.problems(settings, max_age, bot=bot)
    if problems:
        fail("; ".join(problems), EXIT_UNAVAILABLE)
    click.echo("ok")


@cli.command()
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def reset(settings: Settings, yes: bool) -> None:
    """Delete the whole index (the articles' files are not touched)."""
    if not yes:
        click.confirm(f"Delete the collection {settings.collection!r} and everything in it?", abort=True)
    with services(settings, write=True) as built:
        existed = built.store.reset()
        if built.sparse is not None:
            built.sparse.prune(built.store)
    click.echo("Index deleted." if existed else "The index was already empty.")


@cli.command(name="eval")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--sources", multiple=True, default=["seeds"], show_default=True, help="What to index for seed-style questions.")
@click.option("--keywords/--no-keywords", default=True, show_default=True, help="Use the keyword signal.")
@click.option("--sparse/--no-sparse", default=True, show_default=True, help="Use the sparse latent-terms signal (models with a sparse head).")
@click.option("--best-sentence/--no-best-sentence", default=True, show_default=True, help="Rank passages by their best sentence too (indexes with sentence vectors).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def evaluate(
    settings: Settings, directory: Path, sources: tuple[str, ...], keywords: bool, sparse: bool, best_sentence: bool, as_json: bool
) -> None:
    """Measure retrieval and answers on an evaluation DIRECTORY (XQuAD or seed style)."""
    embedder = bootstrap.build_cached_embedder(settings)
    bar = ProgressBar("Answering questions")
    try:
        report = evaluation.evaluate(
            directory,
            embedder,
            sources=list(sources),
            k=settings.top_k,
            min_score=settings.min_score,
            keywords=keywords,
            sparse=sparse,
            best_sentence=best_sentence,
            progress=bar,
        )
    except NewsbotError as error:
        fail(str(error), EXIT_USAGE if isinstance(error, InputError) else EXIT_UNAVAILABLE)
    finally:
        bar.close()
    click.echo(json.dumps(report, ensure_ascii=False, indent=2) if as_json else output.eval_text(report))


def _ints(value: str) -> list[int]:
    return [int(part) for part in value.split(",") if part.strip()]


@cli.command()
@click.option(
    "--corpus",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default="../shared/corpus/derstandard.jsonl",
    show_default=True,
    help="JSONL articles (id, title, text), read where they lie.",
)
@click.option("--ingest-articles", default=200, show_default=True, help="Articles for the ingest benchmark.")
@click.option("--question-paragraphs", default=10_000, show_default=True, help="Store size for question latency.")
@click.option("--real-paragraphs", type=int, default=None, help="At most this many real paragraphs in that store (default: all real).")
@click.option("--questions", default=40, show_default=True, help="Questions to time.")
@click.option("--scales", default="10000,100000,1000000", show_default=True, help="Synthetic store sizes.")
@click.option("--ef", "ef_values", default="16,50,100,200", show_default=True, help="ef_search values to compare.")
@click.option("--ef-size", default=100_000, show_default=True, help="Store size of the ef_search comparison.")
@click.option("--queries", default=200, show_default=True, help="Queries per store size.")
@click.option("--cold-start", "cold_start", default=100_000, show_default=True, help="Index size for cold start and 20 questions at once (0: skip).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default="docs", show_default=True)
@click.pass_obj
def bench(
    settings: Settings,
    corpus: Path,
    ingest_articles: int,
    question_paragraphs: int,
    real_paragraphs: int | None,
    questions: int,
    scales: str,
    ef_values: str,
    ef_size: int,
    queries: int,
    cold_start: int,
    out: Path,
) -> None:
    """Measure ingest, question latency and the store at scale; write OUT/benchmarks.md with plots."""
    embedder = bootstrap.build_embedder(settings)
    if not isinstance(embedder, SentenceTransformerEmbedder):  # the baseline is the model's own encode()
        fail(f"newsbot bench measures a sentence-transformers model, not {embedder.name}", EXIT_USAGE)
    results = benchmark.run(
        corpus,
        embedder,
        ingest_articles=ingest_articles,
        question_paragraphs=question_paragraphs,
        real_paragraphs=real_paragraphs,
        questions=questions,
        scales=_ints(scales),
        ef_values=_ints(ef_values),
        ef_size=ef_size,
        queries=queries,
        cold_start_paragraphs=cold_start,
        log=lambda line: click.echo(line, err=True),
    )
    command = "newsbot bench " + " ".join(sys.argv[2:]) if len(sys.argv) > 2 else "newsbot bench"
    path = benchmark.write_report(results, out, command.strip())
    click.echo(f"Wrote {path}")


@contextmanager
def feed_db(settings: Settings) -> Iterator[SubscriptionDB]:
    """The database that holds the feed list (migrated, NEWSBOT_FEEDS added where new); exit 3 when it is down."""
    try:
        db = bootstrap.open_database(settings)
    except NewsbotError as error:
        fail(str(error), EXIT_UNAVAILABLE)
    try:
        yield db
    except NewsbotError as error:
        fail(str(error), EXIT_UNAVAILABLE)
    finally:
        db.close()


@cli.group()
def feeds() -> None:
    """The RSS/Atom feeds the bot polls (kept in the database; NEWSBOT_FEEDS is the initial list)."""


@feeds.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for other programs.")
@click.pass_obj
def feeds_list(settings: Settings, as_json: bool) -> None:
    """The polled feeds: number, URL, last poll, last error, indexed articles."""
    with services(settings, write=False) as built, feed_db(settings) as db:
        found = feed_sources.listing(db, built.store)
    if as_json:
        click.echo(json.dumps([output.feed_dict(feed) for feed in found], ensure_ascii=False, indent=2))
    else:
        click.echo(output.feeds_text(found))


@feeds.command("add")
@click.argument("url")
@click.pass_obj
def feeds_add(settings: Settings, url: str) -> None:
    """Poll URL from now on (checked with one fetch; the bot reads it at its next poll, what it holds as backlog)."""
    import httpx

    from index.ingest.loading import USER_AGENT

    with feed_db(settings) as db:
        if url in {feed.url for feed in db.feed_list()}:
            fail(f"{url} is in the list already", EXIT_USAGE)
        try:
            with httpx.Client(timeout=30, follow_redirects=True, headers={"User-Agent": USER_AGENT}) as client:
                read = feed_sources.check(url, client)
        except InputError as error:
            fail(f"{error}", EXIT_USAGE)
        db.enable_feed(url, datetime.now(timezone.utc))
    click.echo(f"Added {url} ({len(read.articles)} entries now, indexed as backlog at the bot's next poll).")


@feeds.command("remove")
@click.argument("number", type=int)
@click.pass_obj
def feeds_remove(settings: Settings, number: int) -> None:
    """Stop polling feed NUMBER (as `newsbot feeds list` shows it); its articles stay indexed."""
    with feed_db(settings) as db:
        try:
            url = feed_sources.remove(number, db)
        except InputError as error:
            fail(str(error), EXIT_USAGE)
    click.echo(f"Removed {url}; its articles stay indexed (`newsbot forget {url}` removes them).")


@feeds.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def feeds_import(settings: Settings, path: Path) -> None:
    """Add the feeds of an OPML file (read at the bot's next poll, what they hold as backlog)."""
    try:
        urls = opml.feed_urls(path.read_bytes())
    except InputError as error:
        fail(str(error), EXIT_USAGE)
    with feed_db(settings) as db:
        added = feed_sources.add_unchecked(urls, db, datetime.now(timezone.utc))
    click.echo(f"Imported {added} feed(s) from {path} ({len(urls) - added} in the list already).")


@feeds.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.pass_obj
def feeds_export(settings: Settings, path: Path | None) -> None:
    """Write the feed list as OPML to PATH (or to stdout)."""
    with feed_db(settings) as db:
        document = opml.document([feed.url for feed in db.feed_list()])
    if path is None:
        click.echo(document.decode("utf-8"), nl=False)
    else:
        path.write_bytes(document)
        click.echo(f"Wrote {path}.", err=True)


@cli.command()
@click.pass_obj
def serve(settings: Settings) -> None:
    """Run the Telegram bot (long polling, or webhook when NEWSBOT_WEBHOOK_URL is set)."""
    from telegram.error import InvalidToken

    from bot import app, log_setup

    token = settings.telegram_token.get_secret_value() if settings.telegram_token else ""
    if not token:
        fail("set NEWSBOT_TELEGRAM_TOKEN to the token @BotFather gave you (see README, 'Running the bot')", EXIT_USAGE)
    log_setup.configure(token)
    with services(settings, write=True) as built:
        bootstrap.clean_up_unfinished(built)
        try:
            db = built.database
            if not db.shared and (released := db.release_claims()):
                logging.getLogger("newsbot").info("%d subscription posts of a stopped run queued again", released)
            app.run(built)
        except InvalidToken:  # its message quotes the token: say it in our words instead
            fail("Telegram rejected NEWSBOT_TELEGRAM_TOKEN: copy the token again from @BotFather", EXIT_USAGE)


def main() -> None:
    cli(prog_name="newsbot")


if __name__ == "__main__":
    main()
