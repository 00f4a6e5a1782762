"""Run the crawl of some sites in one Scrapy process and summarise it.

`run_crawl` starts one crawler per site in a single asyncio Twisted reactor, records a
`crawl_runs` row per site and each site's health, and returns a `CrawlSummary`. The
reactor cannot be restarted, so call it once per process. Deriving from what was stored
is not the crawler's job: the application shell (`archive/app/crawl.py`, the only code
that imports both the crawler and the archive's derive steps) runs it afterwards.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from archive.clock import Clock
from archive.db import Archive, runs
from archive.errors import CrawlFailedError
from crawler.analysis import Analyser
from crawler.health import BLOCKED, BROKEN, EMPTY, SiteHealth, update_site_status
from crawler.settings import ASYNCIO_REACTOR, BASE_SETTINGS, site_settings
from crawler.sites import Site
from crawler.tally import SiteTally
from crawler.warc import WarcSink, recover_open_files, warc_dir_for
from crawler.window import PARALLEL_SITES, ProvinceProgress, SiteWindow

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
PROGRESS_INTERVAL = 2.0  # seconds between progress lines
SITE_LINES_UP_TO = 12  # more sites than this: one progress line for the run, not one per site
COMMIT_INTERVAL = 0.5  # the crawl's writes are committed in groups at least this often
# Loggers whose errors the crawl records itself (captures, crawl_runs); at the default log
# level their tracebacks would only scare the reader.
QUIET_LOGGERS = ("scrapy.downloadermiddlewares.robotstxt",)
FINISH_REASONS = {
    "closespider_pagecount": "page limit reached",
    "closespider_errorcount": "too many spider errors",
    "shutdown": "interrupted",
}


class Derived(Protocol):
    """What the derive step after a crawl reports (archive.derive.DeriveSummary)."""

    counts: dict[str, int]

    def line(self) -> str: ...


@dataclass
class SiteResult:
    site_id: str
    run_id: int
    status: str  # ok / partial / failed
    pages: int
    reports_found: int
    reports_new: int
    reports_updated: int
    reports_unchanged: int
    errors: int
    error_detail: str | None = None
    skipped: int = 0  # known pages not due (not requested)
    not_modified: int = 0  # 304 answers
    gone: int = 0  # pages found gone
    health: str = "ok"  # site_status.status: ok / limited / failing / broken / blocked / empty
    health_detail: str | None = None
    limited: str | None = None  # "page limit 5,000 reached, 12 requests left"
    stops: int = 0  # traps stopped (crawl_stops)
    guesses_missed: int = 0  # made-up URLs (page N, a year) that were not there
    alternates: int = 0  # print pages and exports of reports not followed
    shells: int = 0  # report columns that showed nothing and may need the browser layer
    rendered: int = 0  # pages rendered by the browser layer


@dataclass
class CrawlSummary:
    pages: int = 0
    reports_found: int = 0
    reports_new: int = 0
    reports_updated: int = 0
    errors: int = 0
    failed_sites: list[str] = field(default_factory=list)
    sites: list[SiteResult] = field(default_factory=list)
    seconds: float = 0.0
    skipped: int = 0
    not_modified: int = 0
    broken_sites: list[str] = field(default_factory=list)
    limited_sites: list[str] = field(default_factory=list)
    empty_sites: list[str] = field(default_factory=list)
    blocked_sites: list[str] = field(default_factory=list)
    stops: int = 0
    derived: Derived | None = None  # what the shell derived after the crawl
    derive_seconds: float = 0.0
    cpu_seconds: float = 0.0  # CPU of the crawl: this process and its parser workers
    writer_cpu_seconds: float = 0.0  # of that, this process alone (the one writer)
    cluster: dict[str, Any] = field(default_factory=dict)  # a distributed crawl's counts

    @classmethod
    def of(cls, results: list[SiteResult], seconds: float) -> CrawlSummary:
        return cls(
            pages=sum(r.pages for r in results),
            reports_found=sum(r.reports_found for r in results),
            reports_new=sum(r.reports_new for r in results),
            reports_updated=sum(r.reports_updated for r in results),
            errors=sum(r.errors for r in results),
            failed_sites=[r.site_id for r in results if r.status == "failed"],
            sites=results, seconds=seconds,
            skipped=sum(r.skipped for r in results),
            not_modified=sum(r.not_modified for r in results),
            broken_sites=[r.site_id for r in results if r.health == BROKEN],
            limited_sites=[r.site_id for r in results if r.limited],
            empty_sites=[r.site_id for r in results if r.health == EMPTY],
            blocked_sites=[r.site_id for r in results if r.health == BLOCKED],
            stops=sum(r.stops for r in results),
        )

    def line(self) -> str:
        """`crawled 3 sites: 412 pages fetched, 58 reports (58 new, 0 updated), 2 errors`"""
        count = len(self.sites)
        text = (f"crawled {count} site{'s' if count != 1 else ''}: {self.pages} pages fetched, "
                f"{self.reports_found} reports ({self.reports_new} new, "
                f"{self.reports_updated} updated), {self.errors} errors")
        if self.not_modified or self.skipped:
            text += (f"; known pages: {self.not_modified} not modified, "
                     f"{self.skipped} not due")
        if self.failed_sites:
            text += f"; failed: {', '.join(self.failed_sites)}"
        if self.broken_sites:
            text += f"; broken: {', '.join(self.broken_sites)}"
        for result in self.sites:
            if result.limited:
                text += f"; {result.site_id}: {result.limited}"
        if self.blocked_sites:
            text += f"; blocked by a challenge: {', '.join(self.blocked_sites)}"
        if self.empty_sites:
            text += f"; empty (column fetched, 0 reports): {', '.join(self.empty_sites)}"
        if self.stops:
            text += f"; {self.stops} trap{'s' if self.stops != 1 else ''} stopped"
        shells = [r for r in self.sites if r.shells]
        if shells:
            text += ("; may need the browser (--browser auto): "
                     + ", ".join(f"{r.site_id} ({r.shells} columns)" for r in shells))
        rendered = sum(r.rendered for r in self.sites)
        if rendered:
            text += f"; {rendered} pages rendered by the browser"
        if self.cluster:
            per = ", ".join(f"{name} {count}" for name, count in
                            self.cluster["requests_per_worker"].items())
            text += (f"; {self.cluster['workers']} workers ({per} requests), "
                     f"{self.cluster['requeued']} re-queued, {self.cluster['lost']} lost")
        return text

    def failure_detail(self) -> str:
        """One reason per failed site: `site: connection refused`."""
        return "; ".join(f"{r.site_id}: {r.error_detail}" for r in self.sites
                         if r.status == "failed")

    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["derived"] = self.derived.counts if self.derived else {}
        data["line"] = self.line()
        data["pages_per_second"] = round(self.pages_per_second(), 1)
        return data


@dataclass
class Job:
    site: Site
    run_id: int
    tally: SiteTally


def outcome_of(tally: SiteTally) -> tuple[str, str | None]:
    """(status, error_detail) of a finished site crawl."""
    if tally.crash:
        return "failed", tally.crash
    if not tally.start_ok:
        return "failed", "; ".join(tally.start_errors) or "no start URL could be fetched"
    problems = []
    if tally.limited:
        problems.append(f"stopped early: {tally.limited}")
    elif tally.finish_reason not in (None, "finished"):
        reason = tally.finish_reason or ""
        if reason == "closespider_timeout":
            problems.append(f"stopped early: time budget of {tally.time_budget:g} s spent")
        else:
            problems.append(f"stopped early: {FINISH_REASONS.get(reason, reason)}")
    if tally.errors:
        problems.append(f"{tally.errors} errors, e.g. " + "; ".join(tally.error_samples[:3]))
    return ("partial" if problems else "ok"), "; ".join(problems) or None


def finish_job(archive: Archive, job: Job, clock: Clock) -> SiteResult:
    status, detail = outcome_of(job.tally)
    t = job.tally
    result = SiteResult(job.site.id, job.run_id, status, t.pages, t.reports_found,
                        t.reports_new, t.reports_updated, t.reports_unchanged, t.errors, detail,
                        skipped=t.skipped, not_modified=t.not_modified, gone=t.gone,
                        limited=t.limited, stops=len(t.stops),
                        guesses_missed=t.guesses_missed, alternates=t.alternates,
                        shells=len(t.shells), rendered=t.rendered)
    archive.finish_run(job.run_id, pages=t.pages, reports_found=t.reports_found,
                       reports_new=t.reports_new, reports_updated=t.reports_updated,
                       errors=t.errors, status=status, error_detail=detail)
    health = SiteHealth(job.site.id, job.run_id, status, t.reports_found, t.errors, detail,
                        lost_listing=t.lost_listing, challenge=t.challenge,
                        limited=t.limited, shells=t.shells)
    with archive.transaction():
        runs.add_stops(archive.db, job.run_id, job.site.id, t.stops)
        result.health = update_site_status(archive.db, health, clock.iso())
    row = runs.site_status(archive.db, job.site.id)
    result.health_detail = row["detail"] if row else None
    return result


class ProgressReporter:
    """Calls `progress` with a site's line every few seconds while its counts move."""

    def __init__(self, tallies: list[SiteTally], progress: Progress | None,
                 interval: float = PROGRESS_INTERVAL, window: SiteWindow | None = None):
        self.tallies = tallies
        self.emit = progress or log.info
        self.interval = interval
        self.last: dict[str, tuple[int, ...]] = {}
        self.loop: Any = None
        self.whole = (ProvinceProgress(tallies, window) if len(tallies) > SITE_LINES_UP_TO
                      else None)

    def start(self) -> None:
        from twisted.internet.task import LoopingCall

        self.loop = LoopingCall(self.tick)
        self.loop.start(self.interval, now=False)

    def tick(self) -> None:
        if self.whole is not None:
            if self.last.get("") != (snapshot := self.whole.snapshot()):
                self.last[""] = snapshot
                self.emit(self.whole.line())
            return
        for tally in self.tallies:
            if self.last.get(tally.site_id) != tally.snapshot():
                self.last[tally.site_id] = tally.snapshot()
                self.emit(tally.line())

    def stop(self) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.whole is not None:
            self.emit(self.whole.line())
            return
        for tally in self.tallies:
            self.emit(tally.line())


def ensure_asyncio_reactor() -> None:
    """Install the asyncio reactor, or check that it is the one already installed."""
    from scrapy.utils.reactor import install_reactor, is_asyncio_reactor_installed

    if "twisted.internet.reactor" in sys.modules:
        if not is_asyncio_reactor_installed():
            raise CrawlFailedError("crawl", "another Twisted reactor is already installed")
        return
    install_reactor(ASYNCIO_REACTOR)


def use_bundled_suffix_list() -> None:
    """Keep the crawler from fetching the public-suffix list from the internet.

    Scrapy's cookie middleware splits domains with tldextract, which downloads the list on
    first use; a crawler must only talk to the portals it was given, so use the snapshot
    bundled with tldextract instead.
    """
    from scrapy.downloadermiddlewares import cookies
    from tldextract import TLDExtract

    if hasattr(cookies, "_split_domain"):
        cookies._split_domain = TLDExtract(suffix_list_urls=(), cache_dir=None,
                                           include_psl_private_domains=True)


def quiet_recorded_errors(log_level: str) -> None:
    if logging.getLevelName(log_level.upper()) in (logging.DEBUG, logging.INFO):
        return
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)


def schedule(process: Any, archive: Archive, job: Job, settings: dict[str, Any],
             **spider_args: Any) -> Any:
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings

    from crawler.spiders.portal import PortalSpider

    merged = Settings(BASE_SETTINGS)
    # "spider" priority: the process's own settings are merged in afterwards and must
    # not undo a site's values (Scrapy keeps a crawler's values only at a higher priority).
    merged.setdict(settings, priority="spider")
    crawler = Crawler(PortalSpider, merged)

    def crashed(failure: Any) -> None:
        job.tally.crash = f"crawler failed: {failure.getErrorMessage()}"
        log.error("%s: %s", job.site.id, job.tally.crash)

    deferred = process.crawl(crawler, site=job.site, run_id=job.run_id, archive=archive,
                             tally=job.tally, **spider_args)
    deferred.addErrback(crashed)
    return deferred


def run_crawl(db_path: str, sites: list[Site], *, concurrency: int | None = None,
              delay: float | None = None, progress: Progress | None = None,
              max_pages: int | None = None, log_level: str = "WARNING",
              clock: Clock | None = None, warc: bool = True,
              parallel: int | None = None) -> CrawlSummary:
    """Crawl every site once, `parallel` sites at a time (never two on one host: see
    crawler/window.py); return what was fetched and found.

    Incremental against an existing archive: known report pages are fetched only when
    due (`clock` decides; tests move it forward), conditionally when the portal sent
    validators. Every response is also written to WARC under `<db folder>/warc/`."""
    ensure_asyncio_reactor()
    use_bundled_suffix_list()
    from scrapy.crawler import CrawlerProcess
    from twisted.internet import reactor
    from twisted.internet.task import LoopingCall

    began, cpu_began, writer_began = time.monotonic(), cpu_used(), cpu_used(children=False)
    clock = clock or Clock()
    sink = open_warc_sink(db_path) if warc else None
    analyser = Analyser()
    with Archive(db_path) as archive:
        jobs = []
        for site in sites:
            archive.register_site(site.to_row())
            jobs.append(Job(site, archive.start_run(site.id, site.start_urls),
                            SiteTally(site.id, time_budget=site.time_budget)))
        process = CrawlerProcess({**BASE_SETTINGS, "LOG_LEVEL": log_level})
        quiet_recorded_errors(log_level)

        def launch(job: Job) -> Any:
            return schedule(process, archive, job, {
                **site_settings(job.site, concurrency=concurrency, delay=delay,
                                max_pages=max_pages), "LOG_LEVEL": log_level},
                warc=sink, clock=clock, analyser=analyser)

        window = SiteWindow(jobs, parallel or PARALLEL_SITES, launch)
        window.start()  # the first sites; each that ends starts the next (before join ends)
        reporter = ProgressReporter([job.tally for job in jobs], progress, window=window)
        reactor.callWhenRunning(reporter.start)  # type: ignore[attr-defined]
        committer = LoopingCall(archive.commit_if_due)
        reactor.callWhenRunning(committer.start, COMMIT_INTERVAL, now=False)  # type: ignore[attr-defined]
        try:
            with archive.group_commits(seconds=COMMIT_INTERVAL):
                process.start()
        finally:
            if committer.running:
                committer.stop()
            if sink is not None:
                sink.close()
            analyser.close()
        window.abandon()
        reporter.stop()
        results = [finish_job(archive, job, clock) for job in jobs]
    summary = CrawlSummary.of(results, time.monotonic() - began)
    summary.cpu_seconds = round(cpu_used() - cpu_began, 3)
    summary.writer_cpu_seconds = round(cpu_used(children=False) - writer_began, 3)
    return summary


def cpu_used(children: bool = True) -> float:
    """User + system seconds of this process and (`children`) its reaped children (the
    parser pool)."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    total = own.ru_utime + own.ru_stime
    if children:
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        total += kids.ru_utime + kids.ru_stime
    return total


def open_warc_sink(db_path: str) -> WarcSink:
    """The WARC writer for this run, after finishing any file a killed run left open."""
    directory = warc_dir_for(db_path)
    if directory.is_dir():
        for path in recover_open_files(directory):
            log.warning("finished WARC file left open by an interrupted run: %s", path.name)
    return WarcSink(directory)
