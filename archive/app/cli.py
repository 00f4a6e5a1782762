"""The `nianbao` command: a thin skin over the library.

Each command opens the archive, calls one library function, prints progress and a
one-line summary, and turns our named errors into `Error: ...` with exit status 1.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import os
import sqlite3
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import click

from archive.db import DEFAULT_DB, Archive
from archive.errors import NianbaoError

F = TypeVar("F", bound=Callable[..., Any])


def db_option(func: F) -> F:
    return click.option(
        "--db", "db_path", default=DEFAULT_DB, show_default=True,
        type=click.Path(dir_okay=False), help="SQLite archive file.", callback=not_empty,
    )(func)


def not_empty(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """`--db ''` is a mistake for every command, reading or writing."""
    if not value or not value.strip():
        raise click.ClickException("--db is empty: give the archive file, e.g. " + DEFAULT_DB)
    return value


def friendly_errors(func: F) -> F:
    """Show a named error as one line, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except NianbaoError as error:
            raise click.ClickException(str(error)) from error

    return wrapper  # type: ignore[return-value]


def archive_errors(func: F) -> F:
    """For commands that read an archive: a database error is one line naming the file."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from sqlite_utils.utils import sqlite3 as database_module

        from archive.search.sqlite_fts5 import TokenizerError

        try:
            return func(*args, **kwargs)
        except (sqlite3.Error, database_module.Error, TokenizerError) as error:
            raise click.ClickException(f"cannot read {kwargs.get('db_path')}: {error}") from error

    return wrapper  # type: ignore[return-value]


def echo_err(message: str) -> None:
    click.echo(message, err=True)


@click.group()
@click.version_option(package_name="nianbao")
def cli() -> None:
    """nianbao: crawl, archive and search 政府信息公开工作年度报告.

    Quick start: nianbao demo-portal --port 8100 & nianbao crawl --sites data/demo-sites.yml
    """


@cli.command()
@click.option("--url", "urls", multiple=True, help="A portal home page or report column.")
@click.option("--sites", "sites_file", type=click.Path(dir_okay=False),
              help="YAML list of portals to crawl.")
@click.option("--concurrency", type=int, help="Concurrent requests per portal (default 1).")
@click.option("--delay", type=float, help="Seconds between requests to a portal.")
@click.option("--max-pages", type=int, help="Stop each portal after this many pages.")
@click.option("--parallel", type=click.IntRange(1, 4096),
              help="同时抓取的站点数（每个主机一次一个）/ sites crawled at once, never two "
                   "on one host (default 128).")
@click.option("--browser", type=click.Choice(["auto", "off"]),
              help="浏览器层 Render empty-shell report columns and challenge pages in headless "
                   "Chromium (auto) or never (off); default: each site's `browser` (off).")
@click.option("--redis", "redis_url", metavar="URL",
              help="分布式抓取 Distributed crawl on this Redis (redis://HOST:PORT/DB).")
@click.option("--workers", type=int,
              help="With --redis: local worker processes (default 2; 0: workers elsewhere).")
@db_option
@friendly_errors
def crawl(urls: tuple[str, ...], sites_file: str | None, concurrency: int | None,
          delay: float | None, max_pages: int | None, parallel: int | None,
          browser: str | None,
          redis_url: str | None, workers: int | None, db_path: str) -> None:
    """Crawl portals and store every capture and report found.

    Example: nianbao crawl --url http://127.0.0.1:8100/ --db data/nianbao.db

    Distributed (docs/scale.md): nianbao crawl --sites sites.yml --redis redis://10.0.0.5:6379/0
    --workers 4; more workers join from other machines with `nianbao worker`.
    """
    if not urls and not sites_file:
        raise click.UsageError("give --url URL or --sites sites.yml")
    from archive.app.crawl import crawl_and_derive
    from crawler.sites import load_sites, site_from_url

    sites = load_sites(sites_file) if sites_file else []
    sites += [site_from_url(url) for url in urls]
    if browser:
        sites = [dataclasses.replace(site, browser=browser) for site in sites]
    summary = crawl_and_derive(db_path, sites, concurrency=concurrency, delay=delay,
                               max_pages=max_pages, parallel=parallel, progress=echo_err,
                               **redis_options(redis_url, workers))
    if summary.derived and summary.derived.counts:
        echo_err(summary.derived.line())
    click.echo(summary.line())
    if summary.failed_sites and len(summary.failed_sites) == len(sites):
        raise click.ClickException("no portal could be crawled: " + summary.failure_detail())


@cli.command()
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]),
              help="Judge deadlines and lateness as if it were this day (default: today).")
@db_option
@friendly_errors
def build(today: datetime | None, db_path: str) -> None:
    """Re-parse every stored capture into reports and sections, with no network.

    Example: nianbao build --db data/nianbao.db
    """
    from archive.build import build_archive

    with Archive(db_path) as archive:
        summary = build_archive(archive, progress=lambda s: echo_err(
            f"  parsed {s.captures} captures, {s.parsed} reports so far"),
            today=today.date() if today else None)
    click.echo(summary.line())
    for problem in summary.problems[:20]:
        echo_err(f"  problem: {problem}")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              help="Output file (default: standard output).")
@db_option
@friendly_errors
@archive_errors
def export(fmt: str, output: str, db_path: str) -> None:
    """Write one record per report as JSON Lines or CSV.

    Example: nianbao export --format jsonl -o reports.jsonl
    """
    from archive.export import write_export

    require_archive(db_path)
    with Archive(db_path) as archive, click.open_file(output, "w", encoding="utf-8") as out:
        count = write_export(archive, out, fmt)
    echo_err(f"exported {count} reports as {fmt}")


@cli.command()
@click.argument("query")
@click.option("--town", help="Only reports of this town.")
@click.option("--county", help="Only reports of this county.")
@click.option("--province", help="Only reports of this province.")
@click.option("--year", "report_year", type=int, help="Only reports on this year.")
@click.option("--format", "fmt", type=click.Choice(["pre2019", "post2019"]))
@click.option("--sort", type=click.Choice(["newest", "oldest", "relevance"]), default="newest",
              show_default=True)
@click.option("--limit", type=int, default=20, show_default=True)
@click.option("--page", type=int, default=1, show_default=True)
@db_option
@friendly_errors
@archive_errors
def search(query: str, town: str | None, county: str | None, province: str | None,
           report_year: int | None, fmt: str | None, sort: str, limit: int, page: int,
           db_path: str) -> None:
    """Search reports: every word must occur, exact Chinese substring matching.

    Example: nianbao search "扶贫 低保" --county 抚松县
    """
    from archive.search import search_reports

    require_archive(db_path)
    filters = {"town": town, "county": county, "province": province,
               "report_year": report_year, "format": fmt}
    with Archive(db_path) as archive:
        results = search_reports(archive.db, query, limit=limit, offset=(page - 1) * limit,
                                 filters={k: v for k, v in filters.items() if v}, sort=sort)
    click.echo("\n".join(results.text_lines()))


@cli.command()
@click.option("--port", type=int, default=8001, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--public", is_flag=True,
              help="For the public: no arbitrary SQL (canned queries, tables, search stay).")
@db_option
@friendly_errors
@archive_errors
def serve(port: int, host: str, public: bool, db_path: str) -> None:
    """Serve the archive with Datasette, full-text search included.

    See docs/security.md before serving it to the public.

    Example: nianbao serve --db data/nianbao.db --port 8001 --public
    """
    from archive.web.app import serve as serve_archive

    require_archive(db_path)
    if os.access(db_path, os.W_OK):
        Archive(db_path).close()  # bring an older file's schema up to date first
    mode = " for the public (no arbitrary SQL)" if public else ""
    echo_err(f"serving {db_path} as /nianbao{mode} on http://{host}:{port}/ (Ctrl-C to stop)")
    serve_archive(db_path, host, port, public=public)


@cli.command()
@click.option("--sites", "sites_file", default="sites.yml", show_default=True,
              type=click.Path(dir_okay=False), help="YAML list of portals to crawl.")
@click.option("--log-file", type=click.Path(dir_okay=False),
              help="Rotating log file (default: nightly.log beside the archive).")
@click.option("--quiet", is_flag=True, help="Print nothing when every site is ok (for cron mail).")
@click.option("--now", hidden=True, help="Decide what is due as if it were this UTC time.")
@click.option("--redis", "redis_url", metavar="URL",
              help="分布式抓取 Distributed crawl on this Redis (redis://HOST:PORT/DB).")
@click.option("--workers", type=int,
              help="With --redis: local worker processes (default 2; 0: workers elsewhere).")
@db_option
@friendly_errors
def nightly(sites_file: str, log_file: str | None, quiet: bool, now: str | None,
            redis_url: str | None, workers: int | None, db_path: str) -> None:
    """Crawl every site incrementally, build, record the run, print one line: for cron.

    Holds a lock beside the archive: a second run exits at once with status 75. Exits 1
    when a site failed or is broken (yielded reports before, none now).

    Example: nianbao nightly --sites sites.yml --db data/nianbao.db --quiet
    """
    from archive.app.nightly import (
        LOCKED_EXIT,
        default_log_file,
        nightly_lock,
        run_nightly,
        start_file_log,
    )
    from archive.clock import Clock, parse_now
    from archive.errors import NightlyLockedError
    from crawler.sites import load_sites

    sites = load_sites(sites_file)
    try:
        with nightly_lock(db_path):
            start_file_log(log_file or default_log_file(db_path))
            result = run_nightly(db_path, sites, clock=Clock.at(parse_now(now) if now else None),
                                 **redis_options(redis_url, workers))
    except NightlyLockedError as error:
        echo_err(f"Error: {error}")
        raise SystemExit(LOCKED_EXIT) from None
    if result.exit_code or not quiet:
        click.echo(result.line())
    raise SystemExit(result.exit_code)


def redis_options(redis_url: str | None, workers: int | None) -> dict[str, Any]:
    if workers is not None and not redis_url:
        raise click.UsageError("--workers 需要 --redis / --workers needs --redis URL")
    if workers is not None and workers < 0:
        raise click.UsageError("--workers must be 0 or more")
    return {"redis_url": redis_url, "workers": workers} if redis_url else {}


@cli.command()
@click.option("--redis", "redis_url", required=True, metavar="URL",
              help="The Redis of the distributed crawl (redis://HOST:PORT/DB).")
@click.option("--warc-dir", type=click.Path(file_okay=False),
              help="Where this worker writes its WARC files (default: none).")
@click.option("--name", help="This worker's name (default: host-pid).")
@click.option("--forever", is_flag=True,
              help="Wait for each run and join it, run after run (for a service).")
@friendly_errors
def worker(redis_url: str, warc_dir: str | None, name: str | None, forever: bool) -> None:
    """加入分布式抓取 Join the distributed crawl in progress as one more worker.

    Example: nianbao worker --redis redis://10.0.0.5:6379/0 --warc-dir /srv/warc
    """
    if forever:
        from crawler.worker import serve_runs

        serve_runs(redis_url, warc_dir=warc_dir, progress=echo_err)
        return
    from crawler.worker import run_worker

    summary = run_worker(redis_url, name=name, warc_dir=warc_dir)
    click.echo(summary.line())


@cli.command()
@click.option("--redis", "redis_url", required=True, metavar="URL",
              help="The Redis of the distributed crawl (redis://HOST:PORT/DB).")
@click.option("--namespace", help="The run (default: the one in progress).")
@db_option
@friendly_errors
def ingest(redis_url: str, namespace: str | None, db_path: str) -> None:
    """写入档案 Write a distributed crawl's records into the archive (the one writer).

    The coordinator (`nianbao crawl --redis`) starts one itself; run this by hand only to
    write a run whose coordinator is gone. Example: nianbao ingest --redis URL --db a.db
    """
    from archive.app.stream_ingest import main as ingest_main

    argv = ["--redis", redis_url, "--db", db_path, *(["--namespace", namespace]
                                                     if namespace else [])]
    raise SystemExit(ingest_main(argv))


@cli.command()
@click.argument("report_id")
@db_option
@friendly_errors
@archive_errors
def versions(report_id: str, db_path: str) -> None:
    """List every text a report has had: version, dates seen, hash, captures.

    Example: nianbao versions 3f9a0c1d2e4b5a69 --db data/nianbao.db
    """
    from archive.db.reports import withdrawal
    from archive.db.versions import list_versions
    from archive.errors import VersionNotFoundError

    require_archive(db_path)
    with Archive(db_path) as archive:
        found = list_versions(archive.db, report_id)
        withdrawn = withdrawal(archive.db, report_id)
    if not found:
        raise VersionNotFoundError(report_id, None)
    for v in found:
        click.echo(f"v{v.version}  {v.first_seen} .. {v.last_seen}  sha256:{v.text_sha256[:16]}  "
                   f"{len(v.capture_ids)} captures  {v.url or ''}")
    if withdrawn and withdrawn[0]:
        click.echo(f"withdrawn {withdrawn[0]} ({withdrawn[1]})")


@cli.command()
@click.argument("report_id")
@click.argument("first", type=int, required=False)
@click.argument("second", type=int, required=False)
@db_option
@friendly_errors
@archive_errors
def diff(report_id: str, first: int | None, second: int | None, db_path: str) -> None:
    """Show what changed between two versions of a report (the last two by default).

    Example: nianbao diff 3f9a0c1d2e4b5a69 1 2 --db data/nianbao.db
    """
    from archive.db.versions import diff_versions

    if (first is None) != (second is None):
        raise click.UsageError("give two versions (V1 V2) or none")
    require_archive(db_path)
    with Archive(db_path) as archive:
        older, newer, lines = diff_versions(archive.db, report_id, first, second)
    if not lines:
        echo_err(f"v{older.version} and v{newer.version} read the same")
    for line in lines:
        click.echo(line)


@cli.command("demo-portal")
@click.option("--port", type=int, default=8100, show_default=True,
              help="First port; each demo portal takes the next one.")
@click.option("--write-sites", type=click.Path(dir_okay=False),
              help="Also write a sites.yml listing the demo portals.")
@click.option("--state", type=click.IntRange(0, 2), default=0, show_default=True,
              help="Serve the portals as they are later on (1: edits, removals, a new "
                   "report, a 500; 2: a portal broken). Also /admin/state?set=N.")
def demo_portal(port: int, write_sites: str | None, state: int) -> None:
    """Serve the bundled demo portals on 127.0.0.1 until interrupted.

    Example: nianbao demo-portal --port 8100 --write-sites data/demo-sites.yml
    Run it from the root of a source checkout: the demo portals are not installed.
    """
    server = demo_server()
    try:
        server.serve_forever(port, write_sites, state)
    except OSError as error:
        raise click.ClickException(f"cannot serve on port {port} and up: {error.strerror}")


def demo_server() -> ModuleType:
    """`demo.server` from the source checkout in the current directory.

    The demo portals (demo/) are test and tutorial material, not part of the wheel: run from
    the checkout's root (as `make run` does), the command finds them there.
    """
    here = Path.cwd()
    if (here / "demo" / "server.py").is_file() and str(here) not in sys.path:
        sys.path.insert(0, str(here))
    try:
        return importlib.import_module("demo.server")
    except ModuleNotFoundError as error:
        if error.name not in ("demo", "demo.server"):
            raise
        raise click.ClickException(
            "the demo portals come with the source checkout: run `nianbao demo-portal` "
            "from its root"
        ) from None


ARCHIVE_TABLES = ("captures", "reports")


def require_archive(db_path: str) -> None:
    """Refuse, in one line, a --db that is not a nianbao archive, before anything opens it
    for writing: read-only commands never add our schema to someone else's file."""
    if not db_path.strip():
        raise click.ClickException("--db is empty: give the archive file, e.g. " + DEFAULT_DB)
    path = Path(db_path)
    if not path.exists():
        raise click.ClickException(f"no archive at {db_path}: run `nianbao crawl` first")
    if not path.is_file():
        raise click.ClickException(f"{db_path} is not a file")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.OperationalError as error:  # unreadable, locked, WAL in a read-only folder
        raise click.ClickException(f"cannot open {db_path}: {error}") from None
    except sqlite3.DatabaseError as error:  # "file is not a database"
        raise click.ClickException(f"{db_path} is not a SQLite archive ({error})") from None
    missing = [name for name in ARCHIVE_TABLES if name not in tables]
    if missing:
        raise click.ClickException(f"{db_path} is a SQLite file but not a nianbao archive "
                                   f"(no {' or '.join(missing)} table)")


if __name__ == "__main__":
    cli()
