"""Crawler traps: URL spaces that never end, recognised and stopped.

- paging that keeps answering with nothing new: `BARREN_PAGES` pages of one list in a row
  that show no link the list had not shown before, and the list is paged no further;
- calendars: a date-shaped query value or path segment outside the sane range of years,
  or more than `MAX_DATES` distinct dates under one URL pattern;
- session ids in URLs (`;jsessionid=`, `PHPSESSID=`, a long `sid=`): stripped, so the
  variants of one page are one URL;
- ever-deeper path repetition (`/a/b/a/b/a/b/`);
- redirect loops and over-long redirect chains (the spider records what Scrapy refused);
- a list whose every page adds report links that all fail (`DEAD_PAGES` pages in a row,
  `DEAD_LINKS` failures and not one answer since): an endless list of dead links.

Bounds that are no trap are recorded the same way: a page with more links than the
crawler reads (`LINKS`), cookies dropped by the jar's caps (`crawler/cookies.py`).

Pure bookkeeping: the spider asks before it makes a request, and `TrapMiddleware`
(crawler/middlewares.py) drops requests queued before their pattern was stopped. Every
stop is a `Stop` (pattern, reason, an example URL, requests made under the pattern),
stored in `crawl_stops` when the site's crawl ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawler.discovery import page_number_in_query

BARREN_PAGES = 5  # list pages in a row with no new link
MAX_DATES = 40  # distinct dates under one URL pattern
FIRST_YEAR = 1990  # no portal page is dated before this
REPEATS = 3  # a run of path segments repeated this often is a loop

SESSION_PATH = re.compile(r";(jsessionid|phpsessid|sessionid|sid)=[^/?#]*", re.IGNORECASE)
SESSION_KEYS = re.compile(r"^(jsessionid|phpsessid|aspsessionid\w*|sessionid|session_id)$",
                          re.IGNORECASE)
SESSION_SID = re.compile(r"^[0-9A-Za-z_-]{16,}$")  # `sid=441523` is gkmlpt's site id: kept
DATE_KEY = re.compile(r"date|day|month|year|time|rq|riqi|^[ymd]$|^ym|^cal", re.IGNORECASE)
DATE_VALUE = re.compile(r"^((?:19|20|21)\d\d)(?:[-/.]?(\d{1,2})(?:[-/.]?(\d{1,2}))?)?$")
PATH_DATE = re.compile(r"/((?:19|20|21)\d\d)(?:-(\d\d)(?:-\d\d)?|/(\d{1,2})(?=/))(?=/|$)")
STATIC_PAGE = re.compile(r"_\d{1,5}(?=\.\w+$)")
DIGITS = re.compile(r"\d+")

PAGING = "paging"
CALENDAR = "calendar"
SESSION = "session"
REPETITION = "repetition"
REDIRECT = "redirect"
DEAD_LIST = "dead links"  # a list whose new report links all fail
LINKS = "links"  # a page with more links than are read (discovery.MAX_LINKS): a bound, no trap
DEAD_PAGES = 5  # list pages in a row whose new report links all failed
DEAD_LINKS = 5  # failed report links from those pages, with none answering


@dataclass
class Stop:
    """A trap recognised: its URL pattern, why, one URL of it, and requests under it."""

    pattern: str
    kind: str
    reason: str
    example_url: str
    requests: int = 0  # requests made under the pattern (before and after the stop)
    refused: int = 0  # requests not made because of the stop

    def row(self) -> dict[str, object]:
        return {"pattern": self.pattern, "kind": self.kind, "reason": self.reason,
                "example_url": self.example_url, "requests": self.requests,
                "refused": self.refused}


def strip_session(url: str) -> str:
    """The URL without session ids in its path parameters or query."""
    parts = urlsplit(url)
    path = SESSION_PATH.sub("", parts.path)
    query = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in query if not is_session(k, v)]
    if path == parts.path and len(kept) == len(query):
        return url
    return urlunsplit(parts._replace(path=path, query=urlencode(kept)))


def is_session(key: str, value: str) -> bool:
    return bool(SESSION_KEYS.match(key)) or (key.lower() == "sid"
                                             and bool(SESSION_SID.match(value)))


def dates_in(url: str) -> tuple[str, list[int]]:
    """(the URL with its dates as `{date}`, the years of those dates); no dates: (url, [])."""
    parts = urlsplit(url)
    years: list[int] = []
    query = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        match = DATE_VALUE.match(value) if DATE_KEY.search(key) else None
        if match and plausible_month(match.group(2)):
            years.append(int(match.group(1)))
            value = "{date}"
        query.append(f"{key}={value}")

    def path_date(match: re.Match[str]) -> str:
        if not plausible_month(match.group(2) or match.group(3)):
            return match.group(0)
        years.append(int(match.group(1)))
        return "/{date}"

    path = PATH_DATE.sub(path_date, parts.path) if "/" in parts.path[1:] else parts.path
    if not years:
        return url, []
    return urlunsplit(parts._replace(path=path, query="&".join(query))), years


def plausible_month(month: str | None) -> bool:
    return month is None or 1 <= int(month) <= 12


def repeated_run(path: str) -> str | None:
    """The segments a path repeats `REPEATS` times in a row (`a/b` in /a/b/a/b/a/b/)."""
    segments = [s for s in path.split("/") if s]
    for size in (1, 2, 3):
        for at in range(len(segments) - size * REPEATS + 1):
            block = segments[at:at + size]
            if all(segments[at + size * n:at + size * (n + 1)] == block
                   for n in range(1, REPEATS)):
                return "/".join(block)
    return None


def list_pattern(url: str, body: str = "") -> str:
    """One list's pages under one name: the page number (or, without one, every number in
    the query) replaced by `{n}`; a POST body (a data proxy's column) is part of it."""
    parts = urlsplit(url)
    by_query = page_number_in_query(url)
    if by_query:
        key = by_query[0]
        query = "&".join(f"{k}={'{n}' if k == key else v}"
                         for k, v in parse_qsl(parts.query, keep_blank_values=True))
    else:
        query = DIGITS.sub("{n}", parts.query)
    path = STATIC_PAGE.sub("_{n}", parts.path)
    pattern = urlunsplit(parts._replace(path=path, query=query, fragment=""))
    return pattern + (f" [{body}]" if body else "")


@dataclass
class Traps:
    """One site's traps during one crawl."""

    this_year: int
    stops: dict[str, Stop] = field(default_factory=dict)  # by pattern
    stopped: set[str] = field(default_factory=set)  # patterns no longer requested
    dates: dict[str, set[str]] = field(default_factory=dict)
    list_links: dict[str, set[str]] = field(default_factory=dict)
    barren: dict[str, int] = field(default_factory=dict)
    sent: dict[str, int] = field(default_factory=dict)
    dead_pages: dict[str, int] = field(default_factory=dict)  # pages since a link answered
    dead_links: dict[str, int] = field(default_factory=dict)  # failed links since then
    link_answers: dict[str, int] = field(default_factory=dict)  # report links' requests

    def stop(self, pattern: str, kind: str, reason: str, url: str, *,
             block: bool = True) -> Stop:
        stop = self.stops.get(pattern)
        if stop is None:
            stop = self.stops[pattern] = Stop(pattern, kind, reason, url,
                                              requests=self.sent.get(pattern, 0))
        if block:
            self.stopped.add(pattern)
        return stop

    def refuse(self, pattern: str) -> None:
        self.stops[pattern].refused += 1

    def admit(self, url: str) -> tuple[str, str | None]:
        """Before a request: (the URL to request, sessions stripped; the pattern it counts
        under, or "" when it is refused)."""
        clean = session = strip_session(url)
        if clean != url:
            session = SESSION_PATH.sub(";{session}", url.split("?", 1)[0]) + " (session id)"
            self.stop(session, SESSION, "session id in URL: stripped", url, block=False)
            url = clean
        run = repeated_run(urlsplit(url).path)
        if run is not None:
            pattern = f"…/{run}/{run}/{run}/…"
            stop = self.stop(pattern, REPETITION, f"path repeats /{run}/ {REPEATS} times", url)
            stop.requests = stop.requests or REPEATS  # the base and its deeper copies, fetched
            self.refuse(pattern)
            return url, ""
        pattern, years = dates_in(url)
        if not years:
            return url, session if session != url else None
        return url, self.admit_dates(url, pattern, years)

    def admit_dates(self, url: str, pattern: str, years: list[int]) -> str:
        if pattern in self.stopped:
            self.refuse(pattern)
            return ""
        if any(y < FIRST_YEAR or y > self.this_year + 1 for y in years):
            self.stop(pattern, CALENDAR, f"dates beyond {FIRST_YEAR}–{self.this_year + 1}", url)
            self.refuse(pattern)
            return ""
        seen = self.dates.setdefault(pattern, set())
        seen.add(url)  # the pattern is the URL without its dates: one URL, one date
        if len(seen) > MAX_DATES:
            self.stop(pattern, CALENDAR, f"more than {MAX_DATES} dates under one pattern", url)
            self.refuse(pattern)
            return ""
        return pattern

    def count(self, pattern: str) -> bool:
        """A request under `pattern` is about to be made; False when the pattern is stopped."""
        if pattern in self.stopped:
            self.refuse(pattern)
            return False
        self.sent[pattern] = self.sent.get(pattern, 0) + 1
        stop = self.stops.get(pattern)
        if stop is not None:
            stop.requests += 1
        return True

    def list_page(self, pattern: str, url: str, link_keys: list[str]) -> Stop | None:
        """A page of a list answered with these links; the Stop when the list is a trap."""
        seen = self.list_links.setdefault(pattern, set())
        new = [key for key in link_keys if key not in seen]
        seen.update(new)
        self.dead_pages[pattern] = self.dead_pages.get(pattern, 0) + 1
        if new:
            self.barren[pattern] = 0
            return None
        self.barren[pattern] = self.barren.get(pattern, 0) + 1
        if self.barren[pattern] < BARREN_PAGES or pattern in self.stopped:
            return None
        return self.stop(pattern, PAGING,
                         f"{BARREN_PAGES} list pages in a row with no new link", url)

    def report_link_answered(self, pattern: str, ok: bool, url: str) -> Stop | None:
        """A report link found on a page of the list `pattern` answered (`ok`) or failed;
        the Stop when the list has become an endless list of dead links."""
        self.link_answers[pattern] = self.link_answers.get(pattern, 0) + 1
        stop = self.stops.get(pattern)
        if stop is not None:
            stop.requests += 1
        if ok:
            self.dead_pages[pattern] = self.dead_links[pattern] = 0
            return None
        self.dead_links[pattern] = self.dead_links.get(pattern, 0) + 1
        pages, failed = self.dead_pages.get(pattern, 0), self.dead_links[pattern]
        if pattern in self.stopped or pages < DEAD_PAGES or failed < DEAD_LINKS:
            return None
        stop = self.stop(pattern, DEAD_LIST, f"{pages} list pages in a row whose {failed} new "
                         "report links all failed", url)
        stop.requests = self.sent.get(pattern, 0) + self.link_answers[pattern]
        return stop

    def note_bound(self, pattern: str, kind: str, reason: str, url: str) -> Stop:
        """A bound the crawl applied (links per page, cookies): recorded, nothing blocked."""
        stop = self.stop(pattern, kind, reason, url, block=False)
        stop.requests = max(stop.requests, 1)
        return stop
