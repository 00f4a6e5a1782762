"""Which sites are crawled at once: a window of sites, never two on one host at a time.

`run_crawl` gives each site its own Scrapy crawler (its own scope, page limit, time
budget, traps, tally and crawl_runs row). A province of thousands of sites cannot have
thousands of crawlers alive at once (each carries an engine, a downloader, middlewares and
timers), and two crawlers on one host would each keep their own per-host slot: two
requests in flight on a host that asked for one. So `SiteWindow` starts at most `size`
sites, and never a site whose host (`host:port` of any start URL) another running site
holds; when a site's crawl ends, the next waiting site that may start does. Concurrency
across hosts is then `size` × each site's per-host concurrency.

`Progress` lines for more than a few sites are one line for the whole run
(`ProvinceProgress`) instead of one per site.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol
from urllib.parse import urlsplit

from crawler.tally import SiteTally

log = logging.getLogger(__name__)

PARALLEL_SITES = 128  # sites crawled at once unless the caller says otherwise
INTERRUPTED = "not crawled: the run was interrupted before this site's turn"


class WindowJob(Protocol):
    site: Any  # crawler.sites.Site
    tally: SiteTally


def hosts_of(start_urls: Sequence[str]) -> frozenset[str]:
    """The hosts a site's crawl talks to: `host:port` of each start URL, lowercased."""
    found = set()
    for url in start_urls:
        try:
            parts = urlsplit(url)
            found.add(f"{(parts.hostname or '').lower()}:{parts.port or ''}")
        except ValueError:
            continue
    return frozenset(found)


class SiteWindow:
    """Start `launch(job)` (a Deferred that fires when the site's crawl ends) for at most
    `size` jobs at a time, one per host; the rest wait their turn in order."""

    def __init__(self, jobs: Sequence[WindowJob], size: int,
                 launch: Callable[[Any], Any]):
        self.waiting = list(jobs)
        self.size = max(1, size)
        self.launch = launch
        self.busy: set[str] = set()
        self.running = 0
        self.started = 0
        self.finished = 0
        self.stopping = False
        self.total = len(jobs)

    def start(self) -> None:
        self.fill()

    def fill(self) -> None:
        if self.stopping:
            return
        at = 0
        while self.running < self.size and at < len(self.waiting):
            job = self.waiting[at]
            hosts = hosts_of(job.site.start_urls)
            if hosts & self.busy:
                at += 1
                continue
            self.waiting.pop(at)
            self.busy |= hosts
            self.running += 1
            self.started += 1
            deferred = self.launch(job)
            deferred.addBoth(self.ended, job, hosts)

    def ended(self, result: Any, job: WindowJob, hosts: frozenset[str]) -> Any:
        self.running -= 1
        self.finished += 1
        self.busy -= hosts
        if job.tally.finish_reason == "shutdown":  # Ctrl-C: the process stops them all
            self.stopping = True
        self.fill()
        return result

    def abandon(self) -> None:
        """After the reactor stopped: the sites that never started say why."""
        for job in self.waiting:
            job.tally.crash = INTERRUPTED
        self.waiting = []


class ProvinceProgress:
    """One progress line for a run of many sites: sites done and running, pages, reports."""

    def __init__(self, tallies: list[SiteTally], window: SiteWindow | None):
        self.tallies = tallies
        self.window = window

    def line(self) -> str:
        pages = sum(t.pages for t in self.tallies)
        found = sum(t.reports_found for t in self.tallies)
        new = sum(t.reports_new for t in self.tallies)
        errors = sum(t.errors for t in self.tallies)
        window = self.window
        done = window.finished if window else 0
        running = window.running if window else len(self.tallies)
        return (f"[{done:,}/{len(self.tallies):,} sites done, {running} running] "
                f"fetched {pages:,} pages, {found:,} reports ({new:,} new), {errors:,} errors")

    def snapshot(self) -> tuple[int, ...]:
        done = self.window.finished if self.window else 0
        return (done, *(sum(x) for x in zip(*(t.snapshot() for t in self.tallies),
                                              strict=False)))
