"""Running counts for one site's crawl, shared by its spider, middleware and pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_ERROR_SAMPLES = 5


@dataclass
class SiteTally:
    site_id: str
    pages: int = 0  # responses received, any status (robots.txt not counted)
    reports_found: int = 0
    reports_new: int = 0
    reports_updated: int = 0
    reports_unchanged: int = 0
    not_reports: int = 0  # candidates the parser rejected
    errors: int = 0  # requests that finally failed (HTTP >= 400 or no response)
    error_samples: list[str] = field(default_factory=list)
    start_ok: bool = False  # at least one start URL answered with a usable page
    start_errors: list[str] = field(default_factory=list)
    finish_reason: str | None = None
    crash: str | None = None  # the crawler could not even start
    # incremental crawling (crawler/incremental.py)
    skipped: int = 0  # known candidate pages not due this run (not requested)
    not_modified: int = 0  # 304 answers to conditional requests
    rechecked: int = 0  # report URLs asked again because no list linked them
    gone: int = 0  # candidate URLs found gone (404/410, soft-404)
    list_errors: int = 0  # errors on start, navigation and list pages
    lost_listing: str | None = None  # most known reports left the lists at once
    page_limit: int | None = None  # CLOSESPIDER_PAGECOUNT, when the crawl stopped at it
    left: int = 0  # requests still waiting when the crawl stopped early

    @property
    def limited(self) -> str | None:
        """`page limit 5,000 reached, 12 requests left` when the page limit cut the crawl."""
        if self.page_limit is None:
            return None
        return f"page limit {self.page_limit:,} reached, {self.left:,} requests left"
    guesses_missed: int = 0  # URLs the crawler made up (page N, a year) that were not there
    challenge: str | None = None  # a WAF challenge met: "jiasule (__jsl_clearance) at URL"
    stops: list[dict[str, object]] = field(default_factory=list)  # traps (crawler/traps.py)
    time_budget: float | None = None  # seconds the site's crawl may take
    alternates: int = 0  # print pages and exports of reports not followed (parse/frames.py)

    def add_error(self, url: str, reason: str) -> None:
        self.errors += 1
        if len(self.error_samples) < MAX_ERROR_SAMPLES:
            self.error_samples.append(f"{url}: {reason}")

    def add_outcome(self, outcome: str) -> None:
        self.reports_found += 1
        if outcome == "new":
            self.reports_new += 1
        elif outcome == "updated":
            self.reports_updated += 1
        else:
            self.reports_unchanged += 1

    def snapshot(self) -> tuple[int, int, int]:
        return (self.pages, self.reports_found, self.errors)

    def line(self) -> str:
        """`[site] fetched 120 pages, 14 reports (3 new), 0 errors`"""
        return (f"[{self.site_id}] fetched {self.pages} pages, {self.reports_found} reports "
                f"({self.reports_new} new), {self.errors} errors")
