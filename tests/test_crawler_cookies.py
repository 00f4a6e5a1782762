"""crawler/cookies.py: the cookie jar stays bounded through a Set-Cookie storm."""

from __future__ import annotations

from types import SimpleNamespace

from scrapy import Request
from scrapy.http import Response

from crawler.cookies import (
    MAX_COOKIES,
    MAX_JAR_BYTES,
    MAX_SET_COOKIES,
    BoundedCookiesMiddleware,
)
from crawler.traps import Traps

URL = "http://127.0.0.1:8100/ndbg/"


def middleware() -> tuple[BoundedCookiesMiddleware, Traps]:
    traps = Traps(this_year=2026)
    mw = BoundedCookiesMiddleware()
    mw.crawler = SimpleNamespace(spider=SimpleNamespace(traps=traps))  # type: ignore[assignment]
    return mw, traps


def storm(n: int, prefix: str, size: int = 100) -> Response:
    return Response(URL, headers={"Set-Cookie": [f"{prefix}{i}={'v' * size}; Path=/"
                                                 for i in range(n)]})


def cookie_header(mw: BoundedCookiesMiddleware) -> bytes:
    request = Request(URL + "next.html")
    mw.process_request(request)
    return request.headers.get("Cookie") or b""


def test_a_storm_of_new_cookies_on_every_answer_keeps_the_jar_bounded() -> None:
    mw, traps = middleware()
    for answer in range(20):
        response = storm(2000, f"s{answer}_")
        assert mw.process_response(Request(URL), response) is response  # the capture's copy
        assert len(response.headers.getlist("Set-Cookie")) == 2000
        jar = mw.jars[None]
        assert len(jar) <= MAX_COOKIES
        assert sum(len(c.name) + len(c.value or "") for c in jar) <= MAX_JAR_BYTES
    assert len(cookie_header(mw)) <= MAX_JAR_BYTES + 2 * MAX_COOKIES
    (stop,) = traps.stops.values()
    assert stop.kind == "cookies" and stop.refused >= 20 * (2000 - MAX_SET_COOKIES)
    assert "cookies dropped" in stop.reason


def test_huge_cookies_are_dropped_and_the_first_cookies_kept() -> None:
    mw, _ = middleware()
    mw.process_response(Request(URL), Response(URL, headers={"Set-Cookie": [
        "__jsl_clearance=abc; Path=/", "big=" + "b" * 10_000 + "; Path=/"]}))
    mw.process_response(Request(URL), storm(40, "late", 1000))
    names = {c.name for c in mw.jars[None]}
    assert "__jsl_clearance" in names and "big" not in names
    assert sum(len(c.name) + len(c.value or "") for c in mw.jars[None]) <= MAX_JAR_BYTES


def test_a_polite_site_keeps_all_its_cookies_and_nothing_is_recorded() -> None:
    mw, traps = middleware()
    mw.process_response(Request(URL), storm(5, "ok"))
    assert len(mw.jars[None]) == 5 and traps.stops == {}
