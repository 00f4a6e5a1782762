"""Crawling a small hand-built portal: failures, statuses, boundaries, paging.

The portal runs in this process on 127.0.0.1; the crawl runs in a subprocess
(`python -m archive.app.crawl`) because Twisted's reactor cannot restart in one process.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from helpers.crawl import Crawl, run_crawl
from helpers.loopback import Reply, Request, Route, serve_routes, unused_port

ROOT = Path(__file__).resolve().parent.parent

# path -> (status, body); "{other}" is replaced by a second server's base URL, a 301's body
# is its Location.
PAGES: dict[str, tuple[int, str]] = {
    "/robots.txt": (200, "User-agent: *\nDisallow: /private/\n"),
    "/": (200, """<a href="/news/">新闻中心</a> <a href="/zwgk/">政务公开</a>
                  <a href="mailto:ld@x.gov.cn">领导信箱</a> <a href="/private/">政府信息公开</a>
                  <a href="{other}xxgk/">政府信息公开年报</a>"""),
    "/zwgk/": (200, """<a href="/zwgk/nb/list.jsp?page=1&cat=3">政府信息公开年报</a>
                      <a href="/gone/">乡镇街道</a> <a href="/crash/">街道</a>
                      <a href="/moved/">信息公开目录</a>"""),
    "/zwgk/nb/list.jsp": (200, ""),  # built by the handler: query paging
    "/gone/": (404, "not here"),
    "/crash/": (500, "server error"),
    "/moved/": (301, "/zwgk/catalogue/"),
    "/zwgk/catalogue/": (200, '<a href="/col/col9/index.html">年度报告</a>'),
    "/col/col9/index.html": (200, """<div id="u9"><script type="text/xml"><datastore>
        <recordset><record><![CDATA[<a href="/art/2020/1/9/art_9_1.html">记录一</a>]]></record>
        </recordset></datastore></script></div>
        <script>$('#u9').jpage({perPage:1, totalRecord:3,
          ajaxParam:{col:1, appid:1, webid:4, path:'/', columnid:9, unitid:99}});</script>"""),
    "/module/web/jpage/dataproxy.jsp": (200, ""),  # built by the handler
    "/news/": (200, "should never be fetched"),
    "/private/": (200, "should never be fetched"),
}


def list_page(query: dict[str, list[str]]) -> str:
    page = int(query.get("page", ["1"])[0])
    pager = f'<a href="list.jsp?cat=3&page={page + 1}">下一页</a>' if page < 3 else ""
    return f'<p>第{page}页</p>{pager}<a href="list.jsp?page=3&cat=3">尾页</a>'


def proxy_page(query: dict[str, list[str]], form: dict[str, list[str]]) -> str:
    if form.get("columnid") != ["9"]:
        return "<datastore><totalrecord>0</totalrecord></datastore>"
    start = int(query["startrecord"][0])
    records = "".join(f'<record><![CDATA[<a href="/art/2020/1/9/art_9_{n}.html">记录{n}</a>]]>'
                      f"</record>" for n in range(start, min(int(query["endrecord"][0]), 3) + 1))
    return f"<datastore><totalrecord>3</totalrecord><recordset>{records}</recordset></datastore>"


def routes(other: str) -> dict[str, Route]:
    """PAGES as served, as text/html; charset=utf-8; list.jsp and dataproxy.jsp are built."""
    served: dict[str, Route] = {
        path: (status, {"Location": body} if status == 301 else {}, body.replace("{other}", other))
        for path, (status, body) in PAGES.items()}

    def listing(request: Request) -> Reply:
        return 200, {}, list_page(request.query)

    def proxy(request: Request) -> Reply:
        return 200, {}, proxy_page(request.query, request.form)

    served["/zwgk/nb/list.jsp"] = listing
    served["/module/web/jpage/dataproxy.jsp"] = proxy
    return served


def rows(db: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Crawl, list[str]]]:
    with (serve_routes({}, not_found=(200, {}, b"")) as other,  # same host, another site
          serve_routes(routes(other.url), not_found=(404, {}, "no such page")) as server):
        base = server.url
        crawl = run_crawl(tmp_path_factory.mktemp("crawl") / "a.db", "--url", base)
        yield base, crawl, other.paths


def statuses(crawl: Crawl) -> dict[str, int | None]:
    return {url: status for url, status in rows(crawl.db, "SELECT url, status FROM captures")}


def test_http_errors_are_captured_with_their_status_and_the_crawl_goes_on(portal) -> None:
    base, crawl, _ = portal
    assert crawl.returncode == 0, crawl.stderr
    seen = statuses(crawl)
    assert seen[base + "gone/"] == 404
    assert seen[base + "crash/"] == 500
    assert seen[base + "zwgk/catalogue/"] == 200  # reached after the 404 and 500
    (run,) = rows(crawl.db, "SELECT status, errors, error_detail FROM crawl_runs")
    assert run[0] == "partial" and run[1] >= 2
    assert "HTTP 404" in run[2] and "HTTP 500" in run[2]


def test_redirects_are_captured_and_followed(portal) -> None:
    _, crawl, _ = portal
    ((note,),) = rows(crawl.db, "SELECT note FROM captures WHERE status = 301")
    assert note == "redirect to /zwgk/catalogue/"


def test_query_pages_are_all_fetched(portal) -> None:
    _, crawl, _ = portal
    pages = {parse_qs(urlsplit(u).query)["page"][0] for u in statuses(crawl) if "list.jsp" in u}
    assert pages == {"1", "2", "3"}


def test_hanweb_records_are_paged_through_the_data_proxy(portal) -> None:
    base, crawl, _ = portal
    fetched = {u for u in statuses(crawl) if "/art/" in u}
    assert fetched == {f"{base}art/2020/1/9/art_9_{n}.html" for n in (1, 2, 3)}


def test_crawl_stays_on_the_portal_and_obeys_robots_and_skips_columns(portal) -> None:
    base, crawl, other_hits = portal
    assert other_hits == []  # same host, other port: another site
    seen = statuses(crawl)
    assert base + "private/" not in seen
    assert base + "news/" not in seen
    assert all(u.startswith(base) for u in seen)


def test_every_fetch_belongs_to_the_run(portal) -> None:
    _, crawl, _ = portal
    ((run_id,),) = rows(crawl.db, "SELECT id FROM crawl_runs")
    assert rows(crawl.db, "SELECT DISTINCT run_id FROM captures") == [(run_id,)]
    assert crawl.summary["pages"] == rows(
        crawl.db, "SELECT count(*) FROM captures WHERE url NOT LIKE '%/robots.txt'")[0][0]


def test_dead_portal_is_a_failed_run_with_a_reason(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{unused_port()}/"
    crawl = run_crawl(tmp_path / "dead.db", "--url", url)
    assert crawl.returncode != 0
    assert crawl.summary["failed_sites"] == [crawl.summary["sites"][0]["site_id"]]
    ((status, detail),) = rows(crawl.db, "SELECT status, error_detail FROM crawl_runs")
    assert status == "failed" and "connection refused" in detail
    errors = rows(crawl.db, "SELECT error FROM captures WHERE url = ?", url)
    assert errors and all(e == ("connection refused",) for e in errors)


def test_one_dead_portal_among_live_ones_does_not_fail_the_command(tmp_path: Path,
                                                                  portal) -> None:
    base, _, _ = portal
    crawl = run_crawl(tmp_path / "mixed.db", "--url", base, "--url",
                      f"http://127.0.0.1:{unused_port()}/", "--max-pages", "3")
    assert crawl.returncode == 0, crawl.stderr
    assert len(crawl.summary["failed_sites"]) == 1
    statuses_by_site = dict(rows(crawl.db, "SELECT site_id, status FROM crawl_runs"))
    assert sorted(statuses_by_site.values()) == ["failed", "partial"]
    assert "page limit" in rows(crawl.db, "SELECT error_detail FROM crawl_runs "
                                          "WHERE status = 'partial'")[0][0]
