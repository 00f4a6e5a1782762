"""The web as it is (issue #11): hand-built portals that bite, crawled over loopback.

One crawl (a subprocess, from a sites.yml) of five portals at once:

- `hostile`: a report column beside a gzip bomb, a 60 MB "HTML page", a slow page, and a
  trap of each kind (endless paging, a calendar widget, session ids, a redirect loop,
  ever-deeper relative paths);
- `guess`: a TRS list whose pager script makes the crawler guess `index_1.html`, a 404;
- `wall`: a WAF answering HTTP 412 with a JavaScript cookie challenge;
- `shell`: a report column whose list a script draws (nothing for a crawler to read);
- `budget`: slow pages and a time budget of 1.5 s.
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.crawl import Crawl, run_crawl
from helpers.loopback import Loopback, Reply, Request, serve_routes

ROOT = Path(__file__).resolve().parent.parent
SEED = (Path(__file__).resolve().parent / "fixtures" / "seed" / "chengjisihan_2016.html")
REPORT_TITLE = "成吉思汗镇2016年政府信息公开工作年度报告"
HTML = {"Content-Type": "text/html; charset=utf-8"}
MIB = 1024 * 1024


def page(body: str, title: str = "某县人民政府") -> str:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>"


def gzip_bomb(size: int = 80 * MIB) -> bytes:
    """`size` bytes of spaces, gzip-encoded: about 80 KiB on the wire."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b" " * MIB
    data = b"".join(packer.compress(chunk) for _ in range(size // MIB))
    return data + packer.flush()


BOMB = gzip_bomb()

# -- hostile ----------------------------------------------------------------------------------

HOSTILE_COLUMN = page(f"""
    <a href="/ndbg/t20170210_1.html">{REPORT_TITLE}</a>
    <a href="/ndbg/bomb/">政府信息公开年报（压缩）</a>
    <a href="/ndbg/huge/">政府信息公开年报（巨大）</a>
    <a href="/ndbg/slow/">政府信息公开年报（缓慢）</a>
    <a href="/ndbg/list.jsp?page=1">政府信息公开年报（列表）</a>
    <a href="/ndbg/cal.jsp?date=2024-05">年报日历</a>
    <a href="/ndbg/sess.jsp?PHPSESSID=0">年报（会话）</a>
    <a href="/ndbg/loop-a/">年报（跳转）</a>
    <a href="/ndbg/rep/">年报（目录）</a>""", "政府信息公开年报")
CALENDAR = page("".join(f'<a href="cal.jsp?date={y}-{m:02d}">{y}年{m:02d}月</a>'
                        for y in range(2000, 2100) for m in range(1, 13)), "年报日历")


def hostile(request: Request) -> Reply:
    path, query = request.route, request.query
    if path == "/":
        return 200, HTML, page('<a href="/ndbg/">政府信息公开年报</a>')
    if path == "/ndbg/":
        return 200, HTML, HOSTILE_COLUMN
    if path == "/ndbg/t20170210_1.html":
        return 200, HTML, SEED.read_bytes()
    if path == "/ndbg/bomb/":
        return 200, {**HTML, "Content-Encoding": "gzip"}, BOMB
    if path == "/ndbg/huge/":  # declares 60 MB and sends more than the page cap
        return 200, {**HTML, "Content-Length": str(60_000_000)}, b"<p>" * (2 * MIB)
    if path == "/ndbg/slow/":
        time.sleep(4)  # longer than the portal's DOWNLOAD_TIMEOUT of 2 s
        return 200, HTML, page("too late")
    if path == "/ndbg/list.jsp":  # every page the same list, and always a next page
        n = int(query.get("page", ["1"])[0])
        return 200, HTML, page(f'<a href="/ndbg/t20170210_1.html">{REPORT_TITLE}</a>'
                               f'<a href="list.jsp?page={n + 1}">下一页</a>', "政府信息公开年报")
    if path == "/ndbg/cal.jsp":
        return 200, HTML, CALENDAR
    if path == "/ndbg/sess.jsp":
        n = int(query.get("PHPSESSID", ["0"])[0] or 0)
        return 200, HTML, page(f'<a href="sess.jsp?PHPSESSID={n + 1}">年报（会话）</a>')
    if path == "/ndbg/loop-a/":
        return 302, {"Location": "/ndbg/loop-b/"}, ""
    if path == "/ndbg/loop-b/":
        return 302, {"Location": "/ndbg/loop-a/"}, ""
    if path.startswith("/ndbg/rep/"):  # a relative link that goes one level deeper each time
        return 200, HTML, page('<a href="a/b/">年报（目录）</a>', "政府信息公开年报")
    return 404, HTML, page("无此页面")


# -- the others ---------------------------------------------------------------------------------

TRS_COLUMN = page(f"""<ul><li><a href="./t20170210_1.html">{REPORT_TITLE}</a></li></ul>
    <script>createPageHTML(2, 0, "index", "html");</script>""", "政府信息公开年报")
GUESS = {
    "/": (200, HTML, page('<a href="/xxgk/ndbg/index.html">政府信息公开年报</a>')),
    "/xxgk/ndbg/index.html": (200, HTML, TRS_COLUMN),
    "/xxgk/ndbg/t20170210_1.html": (200, HTML, SEED.read_bytes()),
}
CHALLENGE = ("<html><head><meta http-equiv='Content-Type' content='text/html'>"
             "<script>$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=12345;"
             "document.cookie='FSSBBIl1UgzbN7N80S=abc';location.reload();</script>"
             "</head><body></body></html>")
WALL = {"/": (412, HTML, CHALLENGE)}
SHELL = {
    "/": (200, HTML, page('<a href="/xxgk/ndbg/">政府信息公开年报</a>')),
    "/xxgk/ndbg/": (200, HTML, page(
        """<div id="list"></div><script>
        fetch('/api/list?channel=ndbg&page=1').then(r => r.json()).then(draw);</script>""",
        "政府信息公开年报")),
}


def slow_page(request: Request) -> Reply:
    time.sleep(1.0)
    return 200, HTML, page("<p>慢</p>")


BUDGET = {"/": (200, HTML, page("".join(f'<a href="/ndbg/{n}/">政府信息公开年报{n}</a>'
                                        for n in range(30))))}


def sites_yml(portals: dict[str, Loopback]) -> str:
    entries = []
    for name, portal in portals.items():
        entries.append({"id": name, "start_urls": [portal.url],
                        **({"overrides": {"DOWNLOAD_TIMEOUT": 2}} if name == "hostile" else {}),
                        **({"time_budget": 1.5} if name == "budget" else {})})
    return json.dumps({"sites": entries}, ensure_ascii=False)  # JSON is YAML


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    folder = tmp_path_factory.mktemp("hostile")
    with (serve_routes({}, not_found=hostile) as hostile_portal,
          serve_routes(GUESS) as guess, serve_routes(WALL) as wall,
          serve_routes(SHELL) as shell,
          serve_routes(BUDGET, not_found=slow_page) as budget):
        portals = {"hostile": hostile_portal, "guess": guess, "wall": wall, "shell": shell,
                   "budget": budget}
        (folder / "sites.yml").write_text(sites_yml(portals), encoding="utf-8")
        db = folder / "a.db"
        crawled = run_crawl(db, "--sites", str(folder / "sites.yml"))
        crawled.portals = portals
        yield crawled


def run_of(crawl: Crawl, site: str) -> tuple:
    ((row),) = crawl.rows("SELECT status, errors, error_detail FROM crawl_runs WHERE site_id = ?",
                          site)
    return row


def health_of(crawl: Crawl, site: str) -> tuple:
    ((row),) = crawl.rows("SELECT status, detail FROM site_status WHERE site_id = ?", site)
    return row


def capture(crawl: Crawl, site: str, path: str) -> tuple:
    url = crawl.portals[site].origin + path
    rows = crawl.rows("SELECT status, error, note FROM captures WHERE url = ? ORDER BY id", url)
    assert rows, f"no capture of {url}"
    return rows[-1]


def test_the_crawl_finishes_and_still_finds_the_report_beside_the_hazards(crawl: Crawl) -> None:
    assert crawl.returncode == 0, crawl.stderr
    url = crawl.portals["hostile"].origin + "/ndbg/t20170210_1.html"
    assert crawl.rows("SELECT count(*) FROM report_urls WHERE url = ?", url) == [(1,)]


def test_a_gzip_bomb_is_a_capture_with_an_error_and_a_run_error(crawl: Crawl) -> None:
    status, error, _ = capture(crawl, "hostile", "/ndbg/bomb/")
    assert status == 200 and error.startswith("decompressed beyond the size cap")
    assert f"cap {5 * MIB} bytes" in error  # the page cap, not the 64 MiB file cap
    run_status, errors, _detail = run_of(crawl, "hostile")
    assert run_status == "partial" and errors >= 3


def test_an_oversized_html_page_and_a_slow_page_are_capture_errors(crawl: Crawl) -> None:
    _, error, _ = capture(crawl, "hostile", "/ndbg/huge/")
    assert error == f"larger than the size cap (60000000 > {5 * MIB} bytes)"
    _, error, _ = capture(crawl, "hostile", "/ndbg/slow/")
    assert error == "timed out"
    _, _, detail = run_of(crawl, "hostile")
    assert "/ndbg/" in detail


def stops(crawl: Crawl) -> dict[str, tuple]:
    return {kind: (pattern, reason, requests, refused) for kind, pattern, reason, requests, refused
            in crawl.rows("SELECT kind, pattern, reason, requests, refused FROM crawl_stops "
                          "WHERE site_id = 'hostile'")}


def requests_to(crawl: Crawl, prefix: str) -> int:
    return sum(path.startswith(prefix) for path in crawl.portals["hostile"].paths)


@pytest.mark.parametrize(("kind", "prefix", "words"), [
    ("paging", "/ndbg/list.jsp", "list pages in a row with no new link"),
    ("calendar", "/ndbg/cal.jsp", "dates under one pattern"),
    ("session", "/ndbg/sess.jsp", "session id in URL"),
    ("redirect", "/ndbg/loop-", "redirect loop"),
    ("repetition", "/ndbg/rep/", "path repeats /a/b/"),
])
def test_each_trap_is_stopped_within_50_requests_with_its_reason(crawl: Crawl, kind: str,
                                                                 prefix: str, words: str) -> None:
    found = stops(crawl)
    assert kind in found, found
    _pattern, reason, requests, _ = found[kind]
    assert words in reason
    assert requests_to(crawl, prefix) <= 50
    assert 0 < requests <= 50


def test_the_summary_counts_the_stops(crawl: Crawl) -> None:
    assert crawl.summary["stops"] == len(crawl.rows("SELECT * FROM crawl_stops"))
    assert "traps stopped" in crawl.summary["line"]


def test_a_guess_that_404s_is_noted_and_no_error(crawl: Crawl) -> None:
    status, _error, note = capture(crawl, "guess", "/xxgk/ndbg/index_1.html")
    assert (status, note) == (404, "guess: HTTP 404")
    assert run_of(crawl, "guess") == ("ok", 0, None)
    assert health_of(crawl, "guess")[0] == "ok"


def test_a_challenge_wall_makes_the_site_blocked(crawl: Crawl) -> None:
    status, _, note = capture(crawl, "wall", "/")
    assert (status, note) == (412, "challenge: rivers-security")
    health, detail = health_of(crawl, "wall")
    assert health == "blocked" and "rivers-security" in detail
    assert "wall" in crawl.summary["blocked_sites"]


def test_a_column_drawn_by_a_script_is_empty_not_ok(crawl: Crawl) -> None:
    assert run_of(crawl, "shell")[0] == "ok"
    health, detail = health_of(crawl, "shell")
    assert health == "empty"
    assert detail.startswith("column fetched, 0 reports; its list may be drawn by JavaScript")
    assert "shell" in crawl.summary["empty_sites"]
    assert "empty (column fetched, 0 reports): " in crawl.summary["line"]


def test_a_spent_time_budget_stops_the_site(crawl: Crawl) -> None:
    status, _, detail = run_of(crawl, "budget")
    assert status == "partial" and "time budget of 1.5 s spent" in detail
    assert len(crawl.portals["budget"].paths) < 31
