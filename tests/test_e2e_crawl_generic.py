"""An old-style GBK portal the crawler has never seen: frames, script links, a "更多" link,
query paging, ASP.NET article URLs. The real seed report sits four columns deep."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from helpers.loopback import Reply, Request, serve_routes

ROOT = Path(__file__).resolve().parent.parent
SEED = Path(__file__).resolve().parent / "fixtures" / "seed" / "chengjisihan_2016.html"
LIST = "/xxgk/xz/cjshz/nb/list.aspx"
SHOW = "/xxgk/xz/cjshz/nb/show.aspx"
GBK = {"Content-Type": "text/html; charset=gb2312"}

PAGES = {
    "/": '<frameset rows="100,*"><frame src="/top.html"><frame src="/main.html"></frameset>',
    "/top.html": '<a href="/news/">新闻中心</a>',
    "/main.html": """<a href="javascript:void(0)" onclick="window.open('/xxgk/')">信息公开</a>
                     <a href="/news/">要闻</a>""",
    "/xxgk/": '<div class="box"><h2>乡镇信息公开</h2><a href="/xxgk/xz/">更多&gt;&gt;</a></div>',
    "/xxgk/xz/": '<a href="/xxgk/xz/cjshz/">成吉思汗镇</a> <a href="/xxgk/xz/ld/">领导信箱</a>',
    "/xxgk/xz/cjshz/": '<a href="nb/list.aspx?page=1">政府信息公开年报</a>',
}


def list_page(page: int) -> str:
    if page == 1:
        return ("<ul><li><a href='show.aspx?id=88'>成吉思汗镇2016年政府信息公开工作年度报告</a>"
                "[2017-02-10]</li><li><a href='show.aspx?id=89'>成吉思汗镇政府信息公开指南</a></li>"
                "</ul><a href='list.aspx?page=2'>下一页</a>")
    return ("<ul><li><a href='show.aspx?id=90' title='成吉思汗镇2016年政府信息公开工作年度报告'>"
            "成吉思汗镇2016年政府信息...</a></li></ul><a href='list.aspx?page=1'>上一页</a>")


def gbk_page(body: str) -> bytes:
    return (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
            f"<title>某市人民政府</title></head><body>{body}</body></html>").encode("gbk")


def seed_in_gbk() -> bytes:
    text = SEED.read_text(encoding="utf-8").replace("charset=utf-8", "charset=gb2312")
    return text.encode("gbk")


NOT_FOUND: Reply = (404, GBK, gbk_page("无此页面"))


def listing(request: Request) -> Reply:
    return 200, GBK, gbk_page(list_page(int(request.query.get("page", ["1"])[0])))


def show(request: Request) -> Reply:
    """Two URLs of the seed report; any other id is not there."""
    return (200, GBK, seed_in_gbk()) if request.query.get("id") in (["88"], ["90"]) else NOT_FOUND


ROUTES = {**{path: (200, GBK, gbk_page(body)) for path, body in PAGES.items()},
          LIST: listing, SHOW: show}


def run_crawl(db: Path, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "archive.app.crawl", "--db", str(db), "--url", url],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[str]]]:
    db = tmp_path_factory.mktemp("old") / "old.db"
    with serve_routes(ROUTES, not_found=NOT_FOUND) as portal:
        proc = run_crawl(db, portal.url)
        assert proc.returncode == 0, proc.stderr
        yield db, portal.paths


def query(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_the_report_behind_frames_and_script_links_is_found_once(crawled) -> None:
    db, _ = crawled
    reports = query(db, "SELECT town, report_year FROM reports")
    assert reports == [("成吉思汗镇", 2016)]
    urls = {u for (u,) in query(db, "SELECT url FROM report_urls")}
    assert {urlsplit(u).query for u in urls} == {"id=88", "id=90"}


def test_decoys_and_irrelevant_columns_are_not_fetched(crawled) -> None:
    _, hits = crawled
    assert not any("id=89" in h for h in hits)
    assert "/news/" not in hits and "/xxgk/xz/ld/" not in hits


def test_gbk_pages_are_captured_with_their_headers(crawled) -> None:
    db, _ = crawled
    types = {t for (t,) in query(db, "SELECT DISTINCT content_type FROM captures "
                                           "WHERE url NOT LIKE '%robots.txt'")}
    assert types == {"text/html; charset=gb2312"}
