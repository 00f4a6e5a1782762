"""Crawl, then derive: the sequence behind `nianbao crawl` and `nianbao nightly`.

The crawler (`crawler.run.run_crawl`) fetches and stores; derive
(`archive.derive.derive_all`: attachments, withdrawals, figures) then works from what
is stored, with the same clock. This shell is the only code that imports both the
crawler and the archive's upper layers.

`python -m archive.app.crawl --db X --url U [--json]` runs it in a fresh process (the
Twisted reactor cannot restart, so tests and benchmarks crawl in a subprocess).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from typing import Any

from archive.clock import Clock, parse_now
from archive.db import DEFAULT_DB, Archive
from archive.derive import DeriveSummary, derive_all
from archive.errors import CrawlFailedError, NianbaoError
from crawler.run import CrawlSummary, run_crawl
from crawler.sites import Site, load_sites, site_from_url


def crawl_and_derive(db_path: str, sites: list[Site], *, clock: Clock | None = None,
                     derive: bool = True, **options: Any) -> CrawlSummary:
    """Crawl every site (`run_crawl`'s options), then derive; the summary carries both."""
    clock = clock or Clock()
    redis_url = options.pop("redis_url", None)
    workers = options.pop("workers", None)
    if redis_url:
        from archive.app.distributed import run_distributed

        options.pop("parallel", None)  # the Redis frontier interleaves sites itself
        summary = run_distributed(db_path, sites, redis_url=redis_url, clock=clock,
                                  workers=2 if workers is None else workers, **options)
    else:
        summary = run_crawl(db_path, sites, clock=clock, **options)
    if not derive:
        return summary
    began = time.monotonic()
    with Archive(db_path) as archive:
        summary.derived = derive_all(archive, today=clock.today())
    summary.derive_seconds = time.monotonic() - began
    return summary


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m archive.app.crawl", description="Crawl portals into the archive.",
        epilog="Example: python -m archive.app.crawl --db data/nianbao.db "
               "--url http://127.0.0.1:8100/",
    )
    parser.add_argument("--db", default=DEFAULT_DB, help="SQLite archive file")
    parser.add_argument("--url", action="append", default=[], help="portal or column URL")
    parser.add_argument("--sites", help="sites.yml listing portals")
    parser.add_argument("--max-pages", type=int, help="stop each portal after N pages")
    parser.add_argument("--concurrency", type=int, help="concurrent requests per portal")
    parser.add_argument("--delay", type=float, help="seconds between requests to a portal")
    parser.add_argument("--parallel", type=int, help="sites crawled at once (one per host)")
    parser.add_argument("--no-derive", action="store_true",
                        help="crawl only (benchmarks of the crawl; `nianbao build` derives)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--browser", choices=("auto", "off"), help="render empty-shell report "
                        "columns in headless Chromium (auto) or never (off); default: each "
                        "site's `browser`")
    parser.add_argument("--redis", help="distributed crawl on this Redis (redis://HOST:PORT/DB)")
    parser.add_argument("--workers", type=int, help="local worker processes with --redis "
                        "(default 2; 0: only workers started elsewhere)")
    parser.add_argument("--log-level", default="WARNING", help="Scrapy log level")
    parser.add_argument("--now", type=parse_now, help="decide what is due as if it were this "
                        "UTC time (ISO 8601); for tests")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    clock = Clock.at(args.now)
    try:
        sites = load_sites(args.sites) if args.sites else []
        sites += [site_from_url(url) for url in args.url]
        if args.browser:
            sites = [dataclasses.replace(site, browser=args.browser) for site in sites]
        if not sites:
            raise CrawlFailedError("crawl", "give --url URL or --sites sites.yml")
        summary = crawl_and_derive(
            args.db, sites, clock=clock, concurrency=args.concurrency,
            delay=args.delay, max_pages=args.max_pages, log_level=args.log_level,
            parallel=args.parallel, derive=not args.no_derive,
            redis_url=args.redis, workers=args.workers,
            progress=lambda line: print(line, file=sys.stderr, flush=True))
        derived = summary.derived or DeriveSummary(today=clock.today())
        print(derived.line(), file=sys.stderr)
    except NianbaoError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    data = summary.to_dict()
    print(json.dumps(data, ensure_ascii=False) if args.json else summary.line())
    if len(summary.failed_sites) == len(summary.sites):
        print(f"Error: no portal could be crawled: {summary.failure_detail()}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
