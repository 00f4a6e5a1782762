"""One generic spider for any portal: from a home page or a report column to the reports.

It walks navigation toward 政府信息公开 / 年报 / 乡镇 / 街道 columns (scored links,
priority-ordered requests, a depth limit for navigation but not for list pages), pages
through lists (static, TRS script, query, Hanweb data proxy), and fetches candidate
pages: links whose text reads like a report title, platform report-module URLs, and
article-shaped links inside report columns. The parser, not the spider, decides what a
report is: a candidate it rejects gets a note on its capture.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from archive.clock import Clock
from archive.db import url_state as freshness
from archive.db.url_state import SOFT_404
from archive.ingest import PARSER_FAILED, Reading, read_capture
from archive.parse.charset import looks_like_html
from archive.parse.frames import EXPORT, alternate_kind
from crawler import discovery, scriptlists
from crawler.analysis import DECOY, REPORT, Analyser, classify_label
from crawler.challenges import challenge_in
from crawler.cloak import CloakProbes
from crawler.discovery import FRAME as FRAME_LINK
from crawler.discovery import RECORD, Link
from crawler.incremental import (
    Revisits,
    body_fingerprint,
    looks_soft_404,
    redirected_home,
    text_fingerprint,
)
from crawler.items import ReportItem
from crawler.middlewares import (
    RedirectLoop,
    TrapStop,
    cap_page_size,
    capture_dropped,
    describe_failure,
    headers_dict,
    is_refusal,
)
from crawler.scan import PageScan, scan_page
from crawler.schedule import conditional_headers
from crawler.scriptlists import Feed, FeedProgress
from crawler.sites import Site, netloc_of
from crawler.tally import SiteTally
from crawler.traps import LINKS, REDIRECT, Traps, list_pattern
from crawler.warc import WarcSink

log = logging.getLogger(__name__)

START, NAV, PAGE, FRAME, CANDIDATE = "start", "nav", "page", "frame", "candidate"
REPORT_FRAME = "report_frame"  # the HTML document of a detail page's report frame
SCRIPT = "script"  # a page's own script, read for list endpoints (crawler/scriptlists.py)
FEED_HEADERS = {"Accept": "application/json, text/javascript, */*; q=0.01",
                "X-Requested-With": "XMLHttpRequest"}
DEFAULT_MAX_DEPTH = 6  # navigation hops from a start URL; list pages do not count
# A link's role depends on the link alone (pure), and a portal's navigation links recur
# on every page: judged once per crawl process, not once per page (docs/scale.md).
JUDGED_LINKS = 65_536


link_alternate_kind = functools.lru_cache(maxsize=JUDGED_LINKS)(alternate_kind)


@functools.lru_cache(maxsize=JUDGED_LINKS)
def judge_link(link: Link, in_reports: bool) -> str | None:
    """What to do with a link: CANDIDATE, NAV, FRAME, or None (leave it)."""
    if link.kind == FRAME_LINK:
        return None if discovery.skip_reason(link) else FRAME
    verdict = classify_label(link.label)
    if verdict == REPORT:
        return CANDIDATE
    if verdict == DECOY:
        # A decoy document is never fetched; a column that merely shares the words
        # (政府信息公开目录, ...指南 columns) is still a way in.
        column = discovery.looks_like_column(link.url) and discovery.nav_score(link) > 0
        return NAV if column else None
    if discovery.is_report_url(link.url):
        return CANDIDATE
    if discovery.skip_reason(link):
        return None
    if in_reports and (link.kind == RECORD or discovery.looks_like_detail(link.url)):
        return CANDIDATE
    return NAV if discovery.nav_score(link) > 0 else None


@dataclasses.dataclass
class Alternates:
    scan: PageScan  # the page's links without its alternates
    fetch: list[Link]  # exports that are a bodiless page's only copy of its report
    skipped: list[Link]


def alternate_links(scan: PageScan, report_known: bool, bodiless: bool) -> Alternates:
    """Print pages and generated exports (archive.parse.frames.alternate_kind) are the
    report again, never a report of their own: a print page is never followed; an export
    is fetched as the file of a detail page that has no body (its only copy), kept when
    it is a plain file (a file of the report, as before), and otherwise left. A page with
    a report frame follows no other frame (share bars, maps, the viewer page itself)."""
    kept: list[Link] = []
    fetch: list[Link] = []
    skipped: list[Link] = []
    for link in scan.links:
        if link.kind == FRAME_LINK:
            if scan.report_frame is None or not (report_known or bodiless):
                kept.append(link)
            continue
        kind = link_alternate_kind(link.url, link.label)
        if kind is None:
            kept.append(link)
        elif kind == EXPORT and bodiless and not report_known:
            fetch.append(link)
        elif kind == EXPORT and discovery.is_attachment(link.url):
            kept.append(link)
        else:
            skipped.append(link)
    return Alternates(dataclasses.replace(scan, links=kept), fetch, skipped)


@functools.lru_cache(maxsize=JUDGED_LINKS)
def judge_link_on_report(link: Link) -> str | None:
    """From a report page follow only other report titles and the report's own files."""
    role = judge_link(link, in_reports=False)
    if role == CANDIDATE:
        return role
    if discovery.is_attachment(link.url) and classify_label(link.label) != DECOY:
        return CANDIDATE
    return None


@dataclasses.dataclass
class Shell:
    """A report column page with no report link: waiting for its scripts' endpoints."""

    url: str
    meta: dict[str, Any]
    pending: int = 0  # scripts and first endpoint pages not answered yet
    found: bool = False  # an endpoint answered with records
    done: bool = False


def priority_of(role: str, link: Link, depth: int, in_reports: bool) -> int:
    if role in (CANDIDATE, REPORT_FRAME):
        return 100
    if role in (START, FRAME):
        return 90
    if role == PAGE:
        return 50 if in_reports else -10 - depth
    bonus = 20 if discovery.leads_to_reports(link) else 0
    return discovery.nav_score(link) * 3 + bonus - depth * 2


class PortalSpider(scrapy.Spider):
    """Crawl one `Site`; reports go to the pipeline, every fetch to the archive."""

    name = "portal"

    def __init__(self, site: Site, run_id: int | None, archive: Any, tally: SiteTally,
                 max_depth: int | None = None, warc: WarcSink | None = None,
                 clock: Clock | None = None, analyser: Analyser | None = None,
                 **kwargs: Any):
        super().__init__(name=site.id, **kwargs)
        self.site = site
        self.run_id = run_id
        self.archive = archive
        self.tally = tally
        self.cloak_probes = CloakProbes()
        self.warc = warc  # read by the capture middleware
        self.analyser = analyser or Analyser(workers=0)  # link scan and parser, off the reactor
        self.allowed_netlocs = set(site.allowed_hosts)
        self.max_depth = int(site.overrides.get("max_depth") or max_depth or DEFAULT_MAX_DEPTH)
        self.clock = clock or Clock()
        self.this_year = self.clock.today().year
        self.seen: set[str] = set()
        self.revisits = Revisits(archive, site.id, self.clock)
        self.replays: list[tuple[str, dict[str, Any]]] = []  # known pages to follow offline
        self.rechecked = False
        self.traps = Traps(self.this_year)
        self.html_maxsize = 0  # set from the crawler's settings
        self.browser_on = False  # NIANBAO_BROWSER: scrapy-playwright is this crawler's handler
        self.feeds: dict[str, FeedProgress] = {}  # list endpoints being paged
        self.shells: dict[str, Shell] = {}  # empty column pages, by URL
        self.rendered: set[str] = set()  # URLs asked of the browser (once each)
        self.walls: dict[str, str] = {}  # challenged URLs asked of the browser -> their note

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> PortalSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.on_headers, signal=signals.headers_received)
        spider.html_maxsize = crawler.settings.getint("NIANBAO_HTML_MAXSIZE")
        spider.browser_on = crawler.settings.getbool("NIANBAO_BROWSER")
        return spider

    def on_headers(self, headers: Any, body_length: int, request: Request, **_: Any) -> None:
        if self.html_maxsize:
            cap_page_size(headers, request, self.html_maxsize)

    async def start(self) -> AsyncIterator[Request]:
        for url in self.site.start_urls:
            request = self.request_for(Link(url), START, depth=0, in_reports=False)
            if request is not None:
                yield request

    # -- requests ----------------------------------------------------------------------------

    def request_for(self, link: Link, role: str, depth: int, in_reports: bool) -> Request | None:
        """A request for a link not seen before, on the portal and in no trap; else None."""
        if link.key in self.seen or netloc_of(link.url) not in self.allowed_netlocs:
            return None
        self.seen.add(link.key)
        url, pattern = self.traps.admit(link.url)
        if pattern == "":
            return None  # a trap
        if url != link.url:  # a session id stripped: the variants are one page
            link = dataclasses.replace(link, url=url)
            if link.key in self.seen:
                if pattern in self.traps.stops:
                    self.traps.refuse(pattern)
                return None
            self.seen.add(link.key)
        meta: dict[str, Any] = {"role": role, "nav_depth": depth, "in_reports": in_reports,
                                "anchor": link.label[:200]}
        if pattern:
            meta["trap"] = pattern
        if role == PAGE:
            meta["list"] = list_pattern(link.url, urlencode(link.formdata))
        if link.guess:
            meta["guess"] = True  # a URL nobody linked: its 404 is no error
        kwargs: dict[str, Any] = {}
        if link.method != "GET":
            kwargs = {"method": link.method, "body": urlencode(link.formdata),
                      "headers": {"Content-Type": "application/x-www-form-urlencoded"}}
        elif role == CANDIDATE:
            visit = self.revisits.plan(link.url)
            if not visit.fetch:
                self.skip_known(link.url)
                if self.revisits.unsettled(link.url):
                    self.replays.append((link.url, meta))
                return None
            meta.update(conditional=bool(visit.headers), handle_httpstatus_list=[304])
            kwargs = {"headers": visit.headers}
        return Request(link.url, callback=self.parse_page, errback=self.on_error, meta=meta,
                       priority=priority_of(role, link, depth, in_reports), **kwargs)

    # -- responses ---------------------------------------------------------------------------

    def skip_known(self, url: str) -> None:
        """A known candidate that is not due: counted, and as a report page if it was one."""
        self.tally.skipped += 1
        if self.revisits.was_report_page(url):
            self.tally.add_outcome("unchanged")

    async def parse_page(self, response: Response) -> AsyncIterator[Any]:
        meta = response.meta
        if meta.get("role") == START:
            self.tally.start_ok = True
        role = meta.get("role")
        if meta.get("from_list"):
            self.traps.report_link_answered(meta["from_list"], True, response.url)
        if response.status == 304:
            self.not_modified(response)
            for request in self.replay(self.original_url(response), meta):
                yield request
            return
        challenge = challenge_in(response.status, response.body)
        if challenge is not None:
            self.challenged(response.meta, response.url, challenge)
            return
        if meta.get("rendered"):
            self.tally.rendered += 1
            self.challenge_passed(response.url)
        if role == SCRIPT:
            for request in self.read_script(response):
                yield request
            return
        if meta.get("feed"):
            for request in self.read_feed(response):
                yield request
            return
        if not isinstance(response, TextResponse):
            if role == CANDIDATE:
                reading = read_capture(response.url, response.body,
                                       headers_dict(response.headers))
                for item in self.report_items(response, reading):
                    yield item
            return
        analysis = await self.analyser.analyse(response.url, response.body,
                                               headers_dict(response.headers),
                                               lambda: response.text, self.this_year,
                                               role == CANDIDATE, response.encoding)
        scan = analysis.scan
        if role == PAGE and not self.list_goes_on(meta, response.url, scan):
            return
        found = False
        if analysis.reading is not None and not meta.get("frame_of"):
            # a report frame's document is read with its page's title and dates (derive)
            for item in self.report_items(response, analysis.reading):
                found = True
                yield item
            if found and analysis.reading.report is not None:
                for probe in self.cloak_probes.requests(response.url, analysis.reading.report,
                                                        self.parse_probe, self.probe_failed):
                    yield probe
        if scan.links_cut:
            parsed = analysis.reading
            self.links_cut(meta, response.url, scan, parsed.note if parsed and parsed.note
                           and not meta.get("frame_of") else None)
        for request in self.follow_scan(response.url, scan, meta, found):
            yield request

    def parse_probe(self, response: Response) -> Iterator[Any]:
        """A page fetched as Baiduspider (crawler/cloak.py): stored by the capture
        middleware; derive compares it with the browser's copy. Nothing to follow."""
        return iter(())

    def probe_failed(self, failure: Failure) -> None:
        """A failed probe is a diagnostic missed, not an error of the site."""
        log.debug("cloaking probe failed: %s", failure.value)

    def list_goes_on(self, meta: Any, url: str, scan: PageScan) -> bool:
        """Does this page of a list show anything new? False once the list is a trap."""
        pattern = meta.get("list")
        if not pattern:
            return True
        stop = self.traps.list_page(pattern, url, [link.key for link in scan.links])
        if stop is not None:
            log.info("%s: stopped paging %s: %s", self.site.id, pattern, stop.reason)
        return pattern not in self.traps.stopped

    def challenged(self, meta: Any, url: str, challenge: Any) -> None:
        """A WAF's challenge page: noted on its capture, an error, and the site blocked.
        With the browser layer on, the page is asked once more, through Chromium."""
        self.note(meta.get("capture_id"), challenge.note())
        self.tally.add_error(url, challenge.note())
        if self.tally.challenge is None:
            self.tally.challenge = f"{challenge.signature()} at {url}"
        if self.browser_on and not meta.get("rendered"):
            request = self.render_request(url, meta)
            if request is not None:
                self.walls[url] = challenge.note()
                self.crawler.engine.crawl(request)

    def challenge_passed(self, url: str) -> None:
        """The browser got through a challenge met on this URL: no error, no wall."""
        note = self.walls.pop(url, None)
        if note is None:
            return
        self.tally.errors -= 1
        sample = f"{url}: {note}"
        if sample in self.tally.error_samples:
            self.tally.error_samples.remove(sample)
        self.tally.start_errors = [e for e in self.tally.start_errors if e != sample]
        if self.tally.challenge and self.tally.challenge.endswith(f" at {url}"):
            self.tally.challenge = None
        self.tally.challenges_passed += 1

    def follow_scan(self, url: str, scan: PageScan, meta: Any, found: bool) -> Iterator[Request]:
        in_reports = bool(meta.get("in_reports")) or discovery.mentions_reports(
            scan.title + " " + scan.breadcrumb)
        # A report page with no body but a file ("附件：….pdf") is followed like a report: to
        # its files, whatever their labels say (附件1, 点击下载, P020210115….pdf).
        reason = str(meta.get("not_report", ""))
        framed = (meta.get("role") == CANDIDATE or meta.get("frame_of")) \
            and scan.report_frame is not None and not found
        # A report frame's document is part of its page's report: it leads only to files
        # and other reports, like a report page.
        bodiless = framed or bool(meta.get("frame_of")) or (
            reason.startswith("no report body") and not scan.pages
            and any(discovery.is_attachment(x.url) for x in scan.links))
        if framed:
            yield from self.follow_frame(url, scan, meta)
        alternates = alternate_links(scan, report_known=found or bool(framed)
                                     or bool(meta.get("frame_of")), bodiless=bodiless)
        for link in alternates.fetch:  # a generated export: the file of a bodiless page
            request = self.request_for(link, CANDIDATE, int(meta.get("nav_depth", 0)), True)
            if request is not None:
                request.meta["referrer"] = url
                yield request
        self.tally.alternates += len(alternates.skipped)
        candidates = [0]
        for request in self.follow(url, alternates.scan, int(meta.get("nav_depth", 0)),
                                   in_reports, found or bodiless, candidates):
            if meta.get("list") and request.meta.get("role") == CANDIDATE:
                request.meta["from_list"] = meta["list"]  # its answer tells if the list is dead
            yield request
        if not (found or bodiless):
            yield from self.script_lists(url, scan, meta, in_reports, candidates[0])

    def links_cut(self, meta: Any, url: str, scan: PageScan, note: str | None) -> None:
        """A page with more links than are read: noted on its capture (after the parser's
        note, if any) and recorded."""
        reason = (f"{scan.links_cut:,} links on one page: {len(scan.links):,} read "
                  f"(the first ones, then report titles, columns and pager links)")
        self.note(meta.get("capture_id"), "; ".join(filter(None, (note, f"links cut: {reason}"))))
        self.traps.note_bound(url, LINKS, reason, url)

    def follow_frame(self, url: str, scan: PageScan, meta: Any) -> Iterator[Request]:
        """The frame showing a detail page's report: a file (PDF, DOC) is fetched as one, an
        HTML document as the page's report frame (capture kind `report_frame`: part of a
        report page, not a list; fetched when its page is); either is tied to the page by
        its referrer."""
        frame = scan.report_frame
        assert frame is not None
        role = CANDIDATE if discovery.is_attachment(frame.url) else REPORT_FRAME
        request = self.request_for(frame, role, int(meta.get("nav_depth", 0)), True)
        if request is not None:
            request.meta.update(referrer=url, frame_of=url)
            yield request

    # -- lists drawn by script (crawler/scriptlists.py) and the browser (crawler/browser.py) --

    def script_lists(self, url: str, scan: PageScan, meta: Any, in_reports: bool,
                     candidates: int) -> Iterator[Request]:
        """Call the list endpoints of a page's scripts. A report column showing no report
        link (a shell) also has its same-site scripts read, and once they and their
        endpoints found nothing, is rendered by the browser (or noted as needing it)."""
        role = meta.get("role")
        if role in (CANDIDATE, SCRIPT, REPORT_FRAME) or meta.get("feed"):
            return
        depth = int(meta.get("nav_depth", 0))
        report_ish = in_reports or discovery.path_names_reports(url)
        shell = None
        if (report_ish and scan.scripted and not candidates and not scan.pages
                and role != PAGE and not meta.get("rendered") and url not in self.shells):
            shell = self.shells[url] = Shell(url, {k: meta.get(k) for k in (
                "role", "nav_depth", "in_reports", "anchor", "referrer")})
        for feed in scan.feeds:
            if report_ish or feed.reports:
                request = self.feed_request(feed, 1, depth, report_ish, shell)
                if request is not None:
                    yield request
        if shell is None:
            return
        for script in scan.scripts:
            request = self.request_for(Link(script), SCRIPT, depth, report_ish)
            if request is not None:
                request.meta.update(shell=url, base=url, guess=True, referrer=url)
                if self.html_maxsize:  # a script is no attachment: the page cap
                    request.meta["download_maxsize"] = self.html_maxsize
                shell.pending += 1
                yield request
        if not shell.pending:
            yield from self.shell_settled(shell)

    def feed_request(self, feed: Feed, number: int, depth: int, in_reports: bool,
                     shell: Shell | None) -> Request | None:
        """Page `number` of a list endpoint (an XHR-like request), once."""
        link = feed.link(number)
        request = self.request_for(link, PAGE, depth, in_reports or feed.reports)
        if request is None:
            return None
        request.meta.update(feed=feed.to_meta(), feed_page=number, referrer=feed.base,
                            guess=True)  # the endpoint is our reading of a script
        if self.html_maxsize:  # a JSON list is no attachment: the page cap
            request.meta["download_maxsize"] = self.html_maxsize
        headers = dict(FEED_HEADERS)
        if link.method != "GET":
            body, kind = feed.body(link)
            request = request.replace(body=body, headers={**headers, "Content-Type": kind})
        else:
            request = request.replace(headers=headers)
        if shell is not None:
            request.meta["shell"] = shell.url
            shell.pending += 1
        return request

    def read_script(self, response: Response) -> Iterator[Request]:
        """A shell's linked script: call the list endpoints it names."""
        meta = response.meta
        text = response.text if isinstance(response, TextResponse) else response.body.decode(
            "utf-8", "replace")
        feeds = scriptlists.feeds_in_script(text, str(meta.get("base") or response.url))
        self.note(meta.get("capture_id"), f"script: {len(feeds)} list endpoint(s)")
        shell = self.shells.get(str(meta.get("shell")))
        for feed in feeds:
            request = self.feed_request(feed, 1, int(meta.get("nav_depth", 0)),
                                        bool(meta.get("in_reports")), shell)
            if request is not None:
                yield request
        yield from self.task_done(meta)

    def read_feed(self, response: Response) -> Iterator[Request]:
        """One page of a list endpoint: its records are followed like a list's links; the
        next page is asked while new records keep coming."""
        meta = response.meta
        feed = Feed.from_meta(meta["feed"])
        progress = self.feeds.setdefault(f"{feed.template}|{feed.form}", FeedProgress(feed))
        text = response.text if isinstance(response, TextResponse) else response.body.decode(
            "utf-8", "replace")
        links = scriptlists.read_answer(text, feed.base or response.url)
        new, more = progress.take(links or [])
        self.note(meta.get("capture_id"), f"list endpoint page {meta.get('feed_page')}: "
                  + (f"{len(new)} new records" if links is not None else "not JSON"))
        shell = self.shells.get(str(meta.get("shell")))
        if new and shell is not None:
            shell.found = True
        depth = int(meta.get("nav_depth", 0))
        in_reports = bool(meta.get("in_reports")) or feed.reports
        yield from self.follow(feed.base or response.url, PageScan(links=new), depth,
                               in_reports, False)
        if more:
            request = self.feed_request(feed, progress.pages + 1, depth, in_reports, None)
            if request is not None:
                yield request
        yield from self.task_done(meta)

    def task_done(self, meta: Any) -> Iterator[Request]:
        """A shell's script or first endpoint page answered (or failed)."""
        shell = self.shells.get(str(meta.get("shell")))
        if shell is None or meta.get("shell_done"):
            return
        meta["shell_done"] = True
        shell.pending -= 1
        if shell.pending <= 0:
            yield from self.shell_settled(shell)

    def shell_settled(self, shell: Shell) -> Iterator[Request]:
        """Every script and endpoint of a shell answered: nothing found means the browser,
        when the site has it on, else a note that the column may need it."""
        if shell.done or shell.found:
            return
        shell.done = True
        request = self.render_request(shell.url, shell.meta) if self.browser_on else None
        if request is not None:
            yield request
        elif not self.browser_on:
            self.tally.shells.append(shell.url)

    def render_request(self, url: str, meta: Any) -> Request | None:
        """The page again, through headless Chromium (once per URL); its rendered DOM is a
        capture of kind `rendered` beside the raw one."""
        if url in self.rendered:
            return None
        self.rendered.add(url)
        from crawler.browser import render_meta  # names only: no Playwright import

        fresh = {"role": meta.get("role") or NAV, "nav_depth": meta.get("nav_depth") or 0,
                 "in_reports": bool(meta.get("in_reports")), "anchor": meta.get("anchor") or "",
                 "referrer": meta.get("referrer"), **render_meta()}
        return Request(url, callback=self.parse_page, errback=self.on_error, meta=fresh,
                       dont_filter=True, priority=90)

    def replay(self, url: str, meta: Any) -> Iterator[Request]:
        """Follow the links of a known page from its stored copy, with no request: after a
        304, or when the run that fetched it was killed before following them."""
        stored = self.revisits.stored_page(url) if self.archive is not None else None
        if stored is None or not looks_like_html(stored.body, stored.headers):
            return
        page = HtmlResponse(stored.url, body=stored.body, headers=stored.headers)
        scan = scan_page(stored.url, page.text, self.this_year)
        yield from self.follow_scan(stored.url, scan, {**meta, "not_report": stored.not_report},
                                    self.revisits.was_report_page(url))

    def follow(self, page_url: str, scan: PageScan, depth: int, in_reports: bool,
               on_report: bool, candidates: list[int] | None = None) -> Iterator[Request]:
        """Requests for the links of a page. A report page only leads to other reports.
        `candidates[0]` counts the links to reports or on toward them (sub-columns)."""
        for link in scan.links:
            role = judge_link_on_report(link) if on_report else judge_link(link, in_reports)
            if role is None:
                continue
            if candidates is not None and (role == CANDIDATE or (role == NAV and (
                    discovery.leads_to_reports(link) or discovery.is_below(link.url, page_url)))):
                candidates[0] += 1  # a report, or a way on to reports: not an empty shell
            if role == CANDIDATE and not on_report:
                self.revisits.note_listed(link.url)
            if role == NAV and (depth + 1 > self.max_depth or not self.site.in_scope(link.url)):
                continue
            child_depth = depth if role == FRAME else depth + 1
            request = self.request_for(link, role, child_depth,
                                       self.child_in_reports(link, role, page_url, in_reports))
            while self.replays:
                yield from self.replay(*self.replays.pop())
            if request is not None:
                request.meta["referrer"] = page_url  # ties an attachment to its report page
                yield request
        if on_report or depth > self.max_depth:
            return
        for page in scan.pages:
            # A data-list request named after a report column (gkmlpt TREE) is one.
            request = self.request_for(page, PAGE, depth,
                                       in_reports or discovery.leads_to_reports(page))
            if request is not None:
                request.meta["referrer"] = page_url
                yield request

    @staticmethod
    def child_in_reports(link: Link, role: str, page_url: str, in_reports: bool) -> bool:
        """Is the target inside a report column? Candidates and 年报 links are; frames
        and sub-columns below a report column inherit it."""
        if role == CANDIDATE or discovery.leads_to_reports(link):
            return True
        return in_reports and (role == FRAME or discovery.is_below(link.url, page_url))

    def report_items(self, response: Response, reading: Reading) -> Iterator[ReportItem]:
        """A candidate's reading: its report, or a note on its capture (a rejection or a
        parser failure)."""
        capture_id = response.meta.get("capture_id")
        if reading.kind == PARSER_FAILED:
            self.tally.add_error(response.url, f"parser failed: {reading.reason}")
            self.note(capture_id, reading.note or "")
            return
        if reading.report is None:
            self.tally.not_reports += 1
            response.meta["not_report"] = reading.reason
            self.note(capture_id, reading.note or "")
            self.checked(response, self.rejected_fingerprint(response))
            return
        yield ReportItem(report=reading.report, capture_id=capture_id, site=self.site,
                         response=response, prepared=reading.prepared,
                         text_sha256=reading.text_sha256)

    def report_saved(self, item: ReportItem) -> None:
        """Called by the pipeline once the report is stored."""
        if item.response is not None:
            self.checked(item.response, "text:" + item.text_sha256 if item.text_sha256
                         else text_fingerprint(item.report.text))

    # -- what the archive learns about known pages ---------------------------------------------

    def original_url(self, response: Response) -> str:
        redirects = response.meta.get("redirect_urls") or []
        return str(redirects[0]) if redirects else response.url

    def checked(self, response: Response, fingerprint: str) -> None:
        """A candidate answered with a page: note what it says (url_state)."""
        if response.meta.get("role") != CANDIDATE:
            return
        url = self.original_url(response)
        outcome = self.revisits.record(url, response.status, headers_dict(response.headers),
                                       fingerprint, response.meta.get("capture_id"),
                                       recheck=bool(response.meta.get("recheck")))
        if fingerprint.startswith("gone:"):
            self.tally.gone += 1
            self.note(response.meta.get("capture_id"), "soft-404: the report page is gone")
        log.debug("%s %s", outcome, url)

    def rejected_fingerprint(self, response: Response) -> str:
        """A page that is no report: a soft-404 when it used to be one and says it is gone."""
        url = self.original_url(response)
        if self.revisits.was_report(url):
            text = response.text if isinstance(response, TextResponse) else ""
            if redirected_home(response.meta, response.url) or looks_soft_404(text[:20000]):
                return "gone:" + SOFT_404
        return body_fingerprint(response.body)

    def not_modified(self, response: Response) -> None:
        """A 304: the page and the report it holds are unchanged."""
        url = self.original_url(response)
        capture_id = response.meta.get("capture_id")
        self.tally.not_modified += 1
        self.revisits.record(url, 304, headers_dict(response.headers), None, capture_id,
                             recheck=bool(response.meta.get("recheck")))
        if self.revisits.confirm(url, capture_id):
            self.tally.add_outcome("unchanged")

    def on_idle(self) -> None:
        """Once the crawl has run dry: ask again for report URLs that left their lists."""
        if self.rechecked:
            return
        self.rechecked = True
        if not self.tally.start_ok or self.tally.list_errors:
            return  # a list that did not load says nothing about the reports on it
        unlisted = self.revisits.unlisted()
        self.tally.lost_listing = self.revisits.mass_loss(unlisted)
        if self.tally.lost_listing or not unlisted:
            return
        for state in unlisted:
            headers = conditional_headers(state)
            meta = {"role": CANDIDATE, "recheck": True, "in_reports": True, "nav_depth": 0,
                    "anchor": "", "conditional": bool(headers), "handle_httpstatus_list": [304]}
            self.crawler.engine.crawl(Request(state.url, callback=self.parse_page,
                                              errback=self.on_error, meta=meta, headers=headers,
                                              dont_filter=True, priority=100))
        self.tally.rechecked += len(unlisted)
        raise DontCloseSpider

    def note(self, capture_id: int | None, text: str) -> None:
        if capture_id is not None:
            self.archive.note_capture(capture_id, text)

    # -- failures ----------------------------------------------------------------------------

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        exc = failure.value
        assert exc is not None
        reason = describe_failure(exc)
        is_start = request.meta.get("role") == START
        if request.meta.get("from_list") and not is_refusal(exc) \
                and not isinstance(exc, TrapStop):
            stop = self.traps.report_link_answered(request.meta["from_list"], False, request.url)
            if stop is not None:
                log.info("%s: stopped paging %s: %s", self.site.id, stop.pattern, stop.reason)
        for follow_up in self.task_done(request.meta):  # a shell's script or endpoint failed
            self.crawler.engine.crawl(follow_up)
        if is_refusal(exc) or (isinstance(exc, TrapStop) and not isinstance(exc, RedirectLoop)):
            log.debug("not fetched %s: %s", request.url, reason)
            return
        if isinstance(exc, IgnoreRequest) and not isinstance(exc, HttpError):
            # dropped by a middleware (size caps, redirect limits): recorded and an error
            self.note_redirect_trap(request, exc)
            capture_dropped(self, request, reason)
        if isinstance(exc, HttpError):
            challenge = challenge_in(exc.response.status, exc.response.body)
            if challenge is not None:
                self.challenged(request.meta, request.url, challenge)
                if is_start:
                    self.tally.start_errors.append(f"{request.url}: {challenge.note()}")
                return
            if request.meta.get("guess") and exc.response.status in freshness.GONE_STATUSES:
                self.note(request.meta.get("capture_id"), f"guess: {reason}")
                self.tally.guesses_missed += 1
                return
        if not self.known_gone(request, exc):
            self.tally.add_error(request.url, reason)
            if request.meta.get("role") == PAGE or (
                    request.meta.get("in_reports")
                    and request.meta.get("role") not in (CANDIDATE, REPORT_FRAME)):
                self.tally.list_errors += 1  # a report list that did not load
        if is_start:
            self.tally.start_errors.append(f"{request.url}: {reason}")

    def note_redirect_trap(self, request: Request, exc: BaseException) -> None:
        """A redirect loop or an over-long redirect chain: a trap stop, and a note."""
        chain = [*(request.meta.get("redirect_urls") or []), request.url]
        if isinstance(exc, RedirectLoop):
            reason = "redirect loop"
        elif "max redirections" in str(exc):
            reason = "redirect chain too long"
        else:
            return
        stop = self.traps.stop(str(chain[0]), REDIRECT, reason, request.url, block=False)
        stop.requests = max(stop.requests, len(chain))
        self.note(request.meta.get("capture_id"), f"{reason}: {len(chain)} requests")

    def known_gone(self, request: Request, exc: BaseException) -> bool:
        """Record a known candidate's failure in url_state; True when it says "gone"
        (404/410 on a URL the archive holds: a withdrawal, not a crawl error)."""
        if request.meta.get("role") != CANDIDATE or request.method != "GET":
            return False
        url = (request.meta.get("redirect_urls") or [request.url])[0]
        status = exc.response.status if isinstance(exc, HttpError) else None
        capture_id = request.meta.get("capture_id")
        if status in freshness.GONE_STATUSES and self.revisits.state(url) is not None:
            self.revisits.record(url, status, None, f"gone:{status}", capture_id)
            self.tally.gone += 1
            return True
        self.revisits.record_failure(url, status, capture_id)
        return False

    def closed(self, reason: str) -> None:
        self.tally.finish_reason = reason
        if reason == "closespider_pagecount":
            self.tally.page_limit = self.crawler.settings.getint("CLOSESPIDER_PAGECOUNT")
            scheduler = self.crawler.engine.scheduler if self.crawler.engine else None
            self.tally.left = len(scheduler) if scheduler is not None else 0  # type: ignore[arg-type]
        self.revisits.finish()
        self.tally.stops = [stop.row() for stop in self.traps.stops.values()]
