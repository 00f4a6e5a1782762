"""Guangdong gkmlpt: column pages whose lists come from `/gkmlpt/api/all/{catid}` JSON."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from helpers import gkmlpt_portal as portal

from crawler.discovery import PAGE, RECORD
from crawler.paging import MAX_LIST_PAGES
from crawler.platforms import gkmlpt
from crawler.scan import scan_page

ROOT = Path(__file__).resolve().parent.parent
HOST = "http://www.lianping.gov.cn"
API = f"{HOST}/gkmlpt/api/all/2811?page=1&sid=441623"


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# -- column pages ------------------------------------------------------------------------------


def test_inline_script_ids_give_the_first_api_page() -> None:
    html = ("<div id='app'></div><script>window._CONFIG = { SID: '441623', catid: 2811 };"
            "</script><script src='/gkmlpt/static/js/app.js'></script>")
    links = gkmlpt.api_links(f"{HOST}/zwgk/xxgknb/", html)
    assert [link.url for link in links] == [API]
    assert links[0].kind == PAGE


def test_data_attributes_give_the_api_page() -> None:
    html = '<div class="gkmlpt-list" data-sid="441623" data-catid="2811"></div>'
    assert [x.url for x in gkmlpt.api_links(f"{HOST}/xxgk/nb/index.html", html)] == [API]


def test_a_sub_site_keeps_its_prefix() -> None:
    html = "<script>var config = {sid: '755325', classify_id: '9001'};</script>"
    links = gkmlpt.api_links("http://www.szgm.gov.cn/gmkjcxj/gkmlpt/index", html)
    assert [x.url for x in links] == [
        "http://www.szgm.gov.cn/gmkjcxj/gkmlpt/api/all/9001?page=1&sid=755325"]


def test_an_api_url_written_in_the_page_is_used() -> None:
    html = "<script>$.get('/gkmlpt/api/all/2811?page=1&sid=441623', draw)</script>"
    assert [x.url for x in gkmlpt.api_links(f"{HOST}/zwgk/nb/", html)] == [API]


def test_the_tree_gives_only_report_columns_named_after_them() -> None:
    html = """<script>window._CONFIG = {SID: '441623', TREE: [
      {"id": 2807, "name": "政府信息公开指南", "children": []},
      {"id": 2808, "name": "政策文件", "children": [{"id": 2809, "name": "规范性文件"}]},
      {"id": 2811, "name": "政府信息公开年报", "children": []},
      {"name": "乡镇政府信息公开工作年度报告", "id": 2812}]};</script>"""
    links = gkmlpt.api_links(f"{HOST}/gkmlpt/index", html)
    assert [(query_of(x.url)["sid"], urlsplit(x.url).path, x.text) for x in links] == [
        (["441623"], "/gkmlpt/api/all/2811", "政府信息公开年报"),
        (["441623"], "/gkmlpt/api/all/2812", "乡镇政府信息公开工作年度报告"),
    ]


def test_pages_of_other_platforms_are_left_alone() -> None:
    html = "<script>var siteid = 3; var catid = 7;</script><a href='/a.html'>a</a>"
    assert gkmlpt.api_links(f"{HOST}/xxgk/index.html", html) == []
    assert gkmlpt.api_links(API, '{"articles": []}') == []


# -- JSON lists --------------------------------------------------------------------------------


def articles(n: int, start: int = 1) -> list[dict[str, object]]:
    return [{"id": i, "title": f"某镇{2000 + i}年政府信息公开工作年度报告",
             "post_url": f"{HOST}/gkmlpt/content/2/2811/post_{i}.html",
             "create_time": 1705631400} for i in range(start, start + n)]


def test_rows_become_records_with_titles_and_dates() -> None:
    body = json.dumps({"total": 2, "articles": [
        {"title": " 老隆镇2023年政府信息公开工作年度报告 ", "post_url":
         "/gkmlpt/content/2/2811/post_3001.html", "create_time": 1705631400},
        {"title": "老隆镇2022年年报", "url": f"{HOST}/gkmlpt/content/2/2811/post_3000.html",
         "create_time": 1675043400000}]}, ensure_ascii=False)
    entries, pages = gkmlpt.parse_api(API, body)
    assert [(e.link.url, e.link.text, e.link.kind, e.date) for e in entries] == [
        (f"{HOST}/gkmlpt/content/2/2811/post_3001.html", "老隆镇2023年政府信息公开工作年度报告",
         RECORD, "2024-01-19"),
        (f"{HOST}/gkmlpt/content/2/2811/post_3000.html", "老隆镇2022年年报", RECORD,
         "2023-01-30"),
    ]
    assert pages == []


def test_the_next_page_is_asked_for_while_rows_remain() -> None:
    entries, pages = gkmlpt.parse_api(API, json.dumps({"total": 250, "articles": articles(100)}))
    assert len(entries) == 100
    assert [query_of(p.url)["page"] for p in pages] == [["2"], ["3"]]
    assert query_of(pages[0].url)["sid"] == ["441623"] and pages[0].kind == PAGE
    last = API.replace("page=1", "page=3")
    assert gkmlpt.parse_api(last, json.dumps({"total": 250, "articles": articles(50)}))[1] == []
    second = API.replace("page=1", "page=2")  # the JSON names its page size: ask on
    body = json.dumps({"total": 250, "size": 100, "articles": articles(100)})
    assert [query_of(p.url)["page"] for p in gkmlpt.parse_api(second, body)[1]] == [["3"]]


def test_the_page_count_is_capped() -> None:
    pages = gkmlpt.parse_api(API, json.dumps({"total": 10**9, "articles": articles(1)}))[1]
    assert len(pages) == MAX_LIST_PAGES - 1


def test_other_spellings_of_rows_and_counts() -> None:
    body = json.dumps({"code": 0, "data": {"count": "5", "page_size": 2,
                                           "list": articles(2)}})
    entries, pages = gkmlpt.parse_api(API, body)
    assert len(entries) == 2 and [query_of(p.url)["page"] for p in pages] == [["2"], ["3"]]
    body = json.dumps({"count": 3, "data": articles(3)})
    entries, pages = gkmlpt.parse_api(API, body)
    assert len(entries) == 3 and pages == []
    assert gkmlpt.parse_api(API, json.dumps(articles(2)))[1] == []  # a bare list: no count


def test_rows_off_the_portal_or_without_a_link_are_dropped() -> None:
    body = json.dumps({"total": 3, "articles": [
        {"title": "省2023年年报", "post_url": "http://www.gd.gov.cn/gkmlpt/content/post_1.html"},
        {"title": "无链接年报"},
        {"title": "脚本", "post_url": "javascript:void(0)"}]})
    assert gkmlpt.parse_api(API, body)[0] == []


def test_broken_or_empty_json_gives_nothing() -> None:
    assert gkmlpt.parse_api(API, "<html>502 Bad Gateway</html>") == ([], [])
    assert gkmlpt.parse_api(API, json.dumps({"total": 40, "articles": []})) == ([], [])
    assert gkmlpt.parse_api(API, "null") == ([], [])


def test_scan_page_reads_an_api_response() -> None:
    scan = scan_page(API, json.dumps({"total": 4, "articles": articles(2)}), 2025)
    assert [x.kind for x in scan.links] == [RECORD, RECORD]
    assert [query_of(p.url)["page"] for p in scan.pages] == [["2"]]
    column = scan_page(f"{HOST}/zwgk/nb/", portal.COLUMN, 2025)
    assert [urlsplit(p.url).path for p in column.pages] == ["/gkmlpt/api/all/2811"]


# -- a live portal -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, list[str]]]:
    db = tmp_path_factory.mktemp("gkmlpt") / "gkmlpt.db"
    with portal.serve() as server:
        base = server.url
        proc = subprocess.run(
            [sys.executable, "-m", "archive.app.crawl", "--db", str(db), "--url", base, "--json"],
            cwd=ROOT, capture_output=True, text=True, timeout=180, check=False)
        assert proc.returncode == 0, proc.stderr[-2000:]
        summary = json.loads(proc.stdout.strip().splitlines()[-1])
        assert summary["failed_sites"] == []
        yield db, base, server.paths


def rows_of(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_every_report_behind_the_api_is_found(crawled) -> None:
    db, base, _ = crawled
    urls = {u for (u,) in rows_of(db, "SELECT url FROM report_urls")}
    assert urls == {base.rstrip("/") + portal.detail_path(p) for p in portal.REPORTS}
    reports = set(rows_of(db, "SELECT town, report_year, published, format FROM reports"))
    assert reports == {
        ("老隆镇", 2023, "2024-01-19", "post2019"), ("佗城镇", 2022, "2023-01-30", "post2019"),
        ("鹤市镇", 2018, "2019-03-28", "pre2019"), ("老隆镇", 2017, "2018-03-22", "pre2019"),
    }


def test_both_api_pages_are_read(crawled) -> None:
    _, _, hits = crawled
    api = sorted(h for h in hits if h.startswith(f"/gkmlpt/api/all/{portal.CATID}"))
    assert api == [f"/gkmlpt/api/all/{portal.CATID}?page={n}&sid={portal.SID}" for n in (1, 2)]


def test_the_decoy_is_neither_fetched_nor_saved(crawled) -> None:
    db, _, hits = crawled
    assert portal.detail_path(portal.DECOY_ID) not in hits
    titles = {t for (t,) in rows_of(db, "SELECT title FROM reports")}
    assert not any("指南" in t for t in titles)


def test_no_request_leaves_the_portal(crawled) -> None:
    db, base, _ = crawled
    netlocs = {urlsplit(u).netloc for (u,) in rows_of(db, "SELECT url FROM captures")}
    assert netlocs == {urlsplit(base).netloc}
    kinds = dict(rows_of(db, "SELECT url, kind FROM captures"))
    api_kinds = {k for u, k in kinds.items() if "/gkmlpt/api/" in u}
    assert api_kinds == {"page"}
