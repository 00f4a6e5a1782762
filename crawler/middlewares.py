"""Downloader middlewares: keep every fetch in the archive, and stay on the portal.

`CaptureMiddleware` stores every response (any status) and every failed download in
`captures` and puts the capture id in `request.meta["capture_id"]`, so the spider and the
pipeline can point reports and notes at the exact bytes they came from.

It sits at 585, after HttpCompressionMiddleware (590, as `DecodingMiddleware`): the body
stored is the one Scrapy hands the spider, already decompressed, and headers have lost Content-Encoding. The bytes
as received are kept by `crawler.wire.WireMiddleware` (595) and written to WARC with the
capture (`captures.raw_sha256`, `captures.warc_*`). Redirects never reach 585
(RedirectMiddleware at 600 turns them into new requests), so `RedirectCaptureMiddleware`
records 3xx responses at 650 before they are followed, and refuses a redirect back to a
URL of its own chain (a loop). A 304 is stored with no body.

A response a middleware drops on its way back (HttpCompressionMiddleware's decompression
cap raises IgnoreRequest at 590, RedirectMiddleware's limit at 600) never reaches 585: the
spider's errback records it with `capture_dropped`. Pages (start, nav, list, frame, and
candidates whose answer is HTML or unnamed) are capped at the setting NIANBAO_HTML_MAXSIZE, files at
DOWNLOAD_MAXSIZE: `cap_page_size` sets the request's `download_maxsize` when its headers
arrive, which both the download handler and the decompression read.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as net
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from archive.clock import now_iso
from archive.db.captures import PROBE_KIND
from archive.db.keys import url_key
from crawler.sites import netloc_of
from crawler.wire import WIRE_META, Wire, record_wire, take_wire

log = logging.getLogger(__name__)

CAPTURED_FLAG = "nianbao-captured"
CAPTURE_TIME = "capture_time"  # meta: (capture id, its fetched_at), so nothing is read back
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
PAGE_ROLES = ("start", "nav", "page", "frame", "report_frame")
HTML_TYPES = ("text/html", "application/xhtml")
# Requests refused by policy, not failures: nothing went over the network.
REFUSALS = ("Forbidden by robots.txt", "off the portal")
SIZE_CAP = re.compile(r"(\d+) bytes which is larger than download max size \((\d+)\)")
DECOMPRESSION_CAP = re.compile(r"\((\d+) B compressed.*exceeded DOWNLOAD_MAXSIZE \((\d+) B\)")


class UndecodableBody(IgnoreRequest):
    """A body that does not decode as its Content-Encoding says (gzip that is not gzip)."""


class DecodingMiddleware(HttpCompressionMiddleware):
    """Scrapy's HttpCompressionMiddleware (590), with a body that fails to decode turned
    into `UndecodableBody`: the spider's errback then records it as a capture with the
    status and headers as received, where Scrapy's own error (BadGzipFile, zlib.error, ...)
    would only have been counted, leaving no capture of a request the portal answered."""

    def process_response(self, request: Request, response: Response,  # type: ignore[override]
                         spider: Any = None) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            raise
        except Exception as error:
            declared = b", ".join(response.headers.getlist("Content-Encoding")).decode(
                "latin-1")
            raise UndecodableBody(f"does not decode as its Content-Encoding {declared}: "
                                  f"{type(error).__name__}: {error}"[:300]) from error


class TrapStop(IgnoreRequest):
    """A request not made, or a redirect not followed, because a trap was recognised."""


class RedirectLoop(TrapStop):
    """A redirect back to a URL of its own chain."""

FAILURE_REASONS: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], str], ...] = (
    ((CannotResolveHostError, net.DNSLookupError), "DNS lookup failed"),
    ((DownloadConnectionRefusedError, net.ConnectionRefusedError), "connection refused"),
    ((DownloadTimeoutError, net.TimeoutError, net.TCPTimedOutError, TimeoutError), "timed out"),
    ((ResponseDataLossError, net.ConnectionLost, net.ConnectionDone, ResponseFailed,
      ResponseNeverReceived), "connection lost before a complete response"),
    (DownloadCancelledError, "download cancelled"),
    (net.NoRouteError, "no route to host"),
    ((DownloadFailedError, net.ConnectError), "cannot connect"),
)


def describe_failure(exc: BaseException) -> str:
    """A short reason a journalist can read: `connection refused`, `HTTP 404`, ..."""
    if isinstance(exc, HttpError):
        return f"HTTP {exc.response.status}"
    text = str(exc)
    if match := SIZE_CAP.search(text):
        return f"larger than the size cap ({match.group(1)} > {match.group(2)} bytes)"
    if match := DECOMPRESSION_CAP.search(text):
        return (f"decompressed beyond the size cap ({match.group(1)} bytes compressed, "
                f"cap {match.group(2)} bytes)")
    if isinstance(exc, IgnoreRequest):
        return text or "request ignored"
    for kinds, reason in FAILURE_REASONS:
        if isinstance(exc, kinds):
            detail = str(exc).strip()
            return f"{reason} ({detail})" if detail and reason == "cannot connect" else reason
    return f"{type(exc).__name__}: {exc}"


def headers_dict(headers: Mapping[Any, Any]) -> dict[str, str]:
    """Scrapy's byte headers as a plain str mapping (repeated values joined by ', ')."""
    result: dict[str, str] = {}
    for key, values in headers.items():
        name = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        items = values if isinstance(values, list) else [values]
        result[name] = ", ".join(
            v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in items
        )
    return result


def is_refusal(exc: BaseException) -> bool:
    """robots.txt or off the portal: a request not made by policy, not a failure."""
    return isinstance(exc, IgnoreRequest) and str(exc).startswith(REFUSALS)


def cap_page_size(headers: Mapping[Any, Any], request: Request, html_maxsize: int) -> None:
    """headers_received: a page answering HTML (or no type) gets the smaller size cap."""
    role = request.meta.get("role")
    if role not in PAGE_ROLES and role != "candidate":
        return
    raw = headers.get(b"Content-Type") or headers.get("Content-Type") or b""
    kind = (raw.decode("latin-1") if isinstance(raw, bytes) else str(raw)).lower().strip()
    if not kind or kind.startswith(HTML_TYPES):
        request.meta["download_maxsize"] = html_maxsize


def capture_dropped(spider: Any, request: Request, reason: str) -> int | None:
    """Record a failure a middleware raised after (or instead of) the download, unless this
    request already has its capture; returns the capture id."""
    if getattr(spider, "archive", None) is None:
        return None
    wire = request.meta.pop(WIRE_META, None)
    if request.meta.get("captured") == request.url and not isinstance(wire, Wire):
        capture_id: int | None = request.meta.get("capture_id")
        return capture_id
    columns: dict[str, Any] = {}
    status, headers = None, None
    if isinstance(wire, Wire):  # the response arrived and was dropped on its way back
        status, headers = wire.status, dict(wire.headers)
        columns = record_wire(spider.archive, getattr(spider, "warc", None), request, wire,
                              now_iso())
    capture_id = spider.archive.add_capture(
        request.url, status=status, headers=headers, body=None, run_id=spider.run_id,
        site_id=spider.site.id, error=reason, **link_of(request), **request_kind(request),
        **columns)
    request.meta["capture_id"] = capture_id
    request.meta["captured"] = request.url
    if status is not None:
        spider.tally.pages += 1
    return capture_id


def link_of(request: Request) -> dict[str, str | None]:
    """The page that linked a request and the link's label (meta, else the Referer header)."""
    referer = request.headers.get("Referer")
    referrer = request.meta.get("referrer") or (referer.decode("latin-1") if referer else None)
    return {"referrer": referrer, "link_text": request.meta.get("anchor") or None}


def is_robots(url: str) -> bool:
    return urlsplit(url).path == "/robots.txt"


def request_kind(request: Request) -> dict[str, Any]:
    """`kind` (the spider's role for the request: start, nav, page, frame, candidate;
    robots) and `conditional` (1 when it carried If-None-Match / If-Modified-Since)."""
    kind = request.meta.get("role") or ("robots" if is_robots(request.url) else None)
    if request.meta.get("rendered"):
        kind = "rendered"  # the DOM after the page's scripts ran (crawler/browser.py)
    return {"kind": kind, "conditional": int(bool(request.meta.get("conditional")))}


RENDERED_HEADER = "X-Nianbao-Rendered"  # on the stored headers of a browser-rendered capture


class CaptureMiddleware:
    """Store every response and every download failure via `Archive.add_capture`."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CaptureMiddleware:
        return cls(crawler)

    def target(self) -> Any | None:
        """The running spider when it carries an archive (PortalSpider), else None."""
        spider = self.crawler.spider
        return spider if getattr(spider, "archive", None) is not None else None

    def process_response(self, request: Request, response: Response) -> Response:
        if CAPTURED_FLAG not in response.flags:
            self.capture_response(request, response)
        return response

    def capture_response(self, request: Request, response: Response) -> None:
        spider = self.target()
        if spider is None:
            return
        location = response.headers.get("Location") or b""
        note = (f"redirect to {location.decode('latin-1')}"
                if response.status in REDIRECT_STATUSES else None)
        fetched_at = now_iso()
        headers = headers_dict(response.headers)
        # A rendered DOM (crawler/browser.py) is no bytes as received: kept as a capture,
        # marked, and not written to WARC as the server's response.
        rendered = bool(request.meta.get("rendered"))
        if rendered:
            headers[RENDERED_HEADER] = "chromium (scrapy-playwright)"
        wire = record_wire(spider.archive, None if rendered else getattr(spider, "warc", None),
                           request, take_wire(request, response), fetched_at)
        capture_id = spider.archive.add_capture(
            response.url, status=response.status, headers=headers,
            body=None if response.status == 304 else response.body, run_id=spider.run_id,
            site_id=spider.site.id, note=note, fetched_at=fetched_at, **link_of(request),
            **request_kind(request), **wire,
        )
        request.meta["capture_id"] = capture_id
        request.meta[CAPTURE_TIME] = (capture_id, fetched_at)  # the pipeline's seen_at
        request.meta["captured"] = request.url
        response.flags.append(CAPTURED_FLAG)
        if not is_robots(response.url) and request.meta.get("role") != PROBE_KIND:
            spider.tally.pages += 1  # a cloaking probe is the same page again, not a page

    def process_exception(self, request: Request, exception: Exception) -> None:
        spider = self.target()
        if spider is None or isinstance(exception, IgnoreRequest):
            return  # nothing went over the network (robots.txt, off the portal)
        reason = describe_failure(exception)
        request.meta["capture_id"] = spider.archive.add_capture(
            request.url, status=None, headers=None, body=None, run_id=spider.run_id,
            site_id=spider.site.id, error=reason, **link_of(request), **request_kind(request),
        )
        request.meta["captured"] = request.url
        log.debug("capture failure %s: %s", request.url, reason)
        return


class RedirectCaptureMiddleware(CaptureMiddleware):
    """Record 3xx responses before RedirectMiddleware replaces them with a new request."""

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status in REDIRECT_STATUSES and CAPTURED_FLAG not in response.flags:
            self.capture_response(request, response)
            self.refuse_loop(request, response)
        return response

    def refuse_loop(self, request: Request, response: Response) -> None:
        """A redirect back to a URL already in its chain: a loop, not followed."""
        location = response.headers.get("Location")
        spider = self.target()
        if not location or spider is None:
            return
        target = urljoin(request.url, location.decode("latin-1"))
        chain = [*(request.meta.get("redirect_urls") or []), request.url]
        if url_key(target) in {url_key(str(u)) for u in chain}:
            raise RedirectLoop(f"redirect loop: {' -> '.join(map(str, chain))} -> {target}")

    def process_exception(self, request: Request, exception: Exception) -> None:
        return None  # failures are recorded once, by CaptureMiddleware


class PortalHostsMiddleware:
    """Drop requests (including redirect targets) that leave the portal's host:port.

    Scrapy's OffsiteMiddleware compares domains and ignores ports; two portals on one
    host but different ports are different sites here. A redirect to the same host, or
    to its `www.` twin, on the standard ports (80 or 443, i.e. http <-> https) means the
    portal moved: that host is admitted for the rest of the crawl. A redirect to any other
    port of the same host is not a move (another service on the machine: an admin panel,
    a database's HTTP port) and is refused like any other host; a sites.yml lists such a
    host in `allowed_hosts` when it is really the portal. A refused redirect is noted on
    the 3xx capture that asked for it.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PortalHostsMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        allowed = getattr(self.crawler.spider, "allowed_netlocs", None)
        netloc = netloc_of(request.url)
        if not allowed or netloc in allowed:
            return
        redirected = bool(request.meta.get("redirect_urls"))
        if netloc and redirected and portal_moved(netloc, allowed):
            allowed.add(netloc)
            log.info("portal moved to %s; following it", netloc)
            return
        if redirected:
            self.note_refused_redirect(request, netloc)
        raise IgnoreRequest(f"off the portal: {netloc or request.url}")

    def note_refused_redirect(self, request: Request, netloc: str | None) -> None:
        archive = getattr(self.crawler.spider, "archive", None)
        capture_id = request.meta.get("capture_id")
        if archive is None or capture_id is None:
            return
        archive.note_capture(capture_id, f"redirect to {request.url} not followed: "
                                                f"off the portal ({netloc or 'not http(s)'})")


MOVE_PORTS = ("80", "443")


def bare_host(netloc: str) -> str:
    host = netloc.rsplit(":", 1)[0]
    return host.removeprefix("www.")


def same_portal_host(netloc: str, known: str) -> bool:
    """`www.x.gov.cn:443` and `x.gov.cn:80` are one portal; `x.gov.cn` and `y.com` are not."""
    return bare_host(netloc) == bare_host(known)


def portal_moved(netloc: str, allowed: set[str]) -> bool:
    """A redirect target the portal may have moved to: one of its hosts (or a `www.` twin)
    on port 80 or 443."""
    return netloc.rsplit(":", 1)[-1] in MOVE_PORTS and any(
        same_portal_host(netloc, known) for known in allowed)


class TrapMiddleware:
    """Drop requests queued under a URL pattern the spider has since found to be a trap,
    and count the requests made under each watched pattern (`request.meta["trap"]`: dates,
    session ids; `request.meta["list"]`: the pages of a list)."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TrapMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        traps = getattr(self.crawler.spider, "traps", None)
        if traps is None:
            return
        for key in ("trap", "list"):
            pattern = request.meta.get(key)
            if pattern and not traps.count(pattern):
                raise TrapStop(f"trap: {traps.stops[pattern].reason}")
