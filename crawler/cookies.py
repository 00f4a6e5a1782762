"""A cookie jar with bounds: a Set-Cookie storm cannot grow the crawl's memory or its requests.

Scrapy's CookiesMiddleware keeps every cookie a site sets and sends them all back. A site
that answers with thousands of cookies, huge ones, or new ones on every response would
make the jar grow for the whole crawl and every later request carry it (the fault suite's
cookie storm: 1,000 cookies of 100 bytes per answer). `BoundedCookiesMiddleware` is the
same middleware with bounds (RFC 6265 §6.1 asks a client to keep at least 50 cookies of
4,096 bytes per domain; we keep no more):

- per response, only the first `MAX_SET_COOKIES` Set-Cookie headers are read, and any
  longer than `MAX_COOKIE_BYTES` is dropped;
- per jar (one per site's crawl), at most `MAX_COOKIES` cookies and `MAX_JAR_BYTES` of
  names and values: cookies beyond are dropped, the ones set first are kept (a WAF's
  clearance cookie comes first).

What was dropped is recorded once per site as a bound in `crawl_stops` (kind `cookies`),
with the counts, so the archive says why a site may have misbehaved.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from scrapy.http import Response
from scrapy.http.cookies import CookieJar
from scrapy.utils.httpobj import urlparse_cached

MAX_SET_COOKIES = 50  # Set-Cookie headers read per response
MAX_COOKIE_BYTES = 4096  # one Set-Cookie header, name, value and attributes
MAX_COOKIES = 50  # cookies kept per jar
MAX_JAR_BYTES = 16 * 1024  # names and values kept per jar
COOKIES = "cookies"  # the kind of its crawl_stops row


def cookie_size(cookie: Any) -> int:
    return len(cookie.name or "") + len(cookie.value or "")


class BoundedCookiesMiddleware(CookiesMiddleware):
    """CookiesMiddleware whose jars cannot grow past `MAX_COOKIES` / `MAX_JAR_BYTES`."""

    def __init__(self, debug: bool = False):
        super().__init__(debug)
        self.dropped = 0

    def process_response(self, request: Request, response: Response,
                         spider: Spider | None = None) -> Request | Response:
        if request.meta.get("dont_merge_cookies", False):
            return response
        headers = response.headers.getlist("Set-Cookie")
        if not headers:
            return response
        kept = [h for h in headers[:MAX_SET_COOKIES] if len(h) <= MAX_COOKIE_BYTES]
        dropped = len(headers) - len(kept)
        jar = self.jars[request.meta.get("cookiejar")]
        # Parse only the kept headers: a stand-in response, so the capture keeps the real one.
        stand_in = Response(response.url, headers={"Set-Cookie": kept})
        self._process_cookies(jar.make_cookies(stand_in, request), jar=jar, request=request)
        dropped += self.trim(jar)
        if dropped:
            self.record(request, dropped, len(headers))
        return response

    @staticmethod
    def trim(jar: CookieJar) -> int:
        """Drop the newest cookies until the jar is within its bounds; how many went."""
        cookies = list(jar)
        total = sum(cookie_size(c) for c in cookies)
        dropped = 0
        while cookies and (len(cookies) > MAX_COOKIES or total > MAX_JAR_BYTES):
            # http.cookiejar lists a host's cookies in the order they were first set: the
            # last one goes first; over the byte bound, the longest goes first.
            victim = max(cookies, key=cookie_size) if total > MAX_JAR_BYTES else cookies[-1]
            cookies.remove(victim)
            total -= cookie_size(victim)
            jar.clear(victim.domain, victim.path, victim.name)
            dropped += 1
        return dropped

    def record(self, request: Request, dropped: int, received: int) -> None:
        self.dropped += dropped
        spider = getattr(self.crawler, "spider", None)
        traps = getattr(spider, "traps", None)
        if traps is None:
            return
        host = urlparse_cached(request).netloc
        reason = (f"cookie jar capped at {MAX_COOKIES} cookies, {MAX_JAR_BYTES // 1024} KiB "
                  f"({MAX_SET_COOKIES} Set-Cookie headers read per answer): {self.dropped:,} "
                  f"cookies dropped, {received:,} in the last answer")
        stop = traps.note_bound(f"{host} (Set-Cookie)", COOKIES, reason, request.url)
        stop.reason = reason
        stop.refused = self.dropped
