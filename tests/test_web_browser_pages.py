"""Every page type in a real headless Chromium (issue #14): Chinese labels, hostile values inert.

The archive holds a report whose title, town, county, URLs, text, version, figures, coverage
rows, attachment and capture are hostile: script tags that would mark the page
(`data-pwned="1"` on <body>) and call a loopback "beacon" server, `javascript:` URLs,
attribute breakers, an `<img>` and a stylesheet on the beacon. Each page type — home,
database, table, row, canned query, SQL, search, report, capture, archived copy, version,
coverage, compare, downloads, requests chart, and the Atom feeds as Chromium renders them —
is loaded in Chromium: no page may carry the mark and the beacon must hear nothing. A
screenshot of each page is kept under the test's tmp dir.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from helpers.chromium import CHROMIUM, chromium
from helpers.loopback import serve_routes
from helpers.serve import served

from archive.db import Archive, report_id
from archive.records import Report, Section

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
MARK = 'data-pwned="1"'


def hostile(beacon: str, tag: str) -> str:
    """A value that runs, loads or breaks out of an attribute if printed unescaped."""
    return (f'"><script>document.body.setAttribute("data-pwned","1");fetch("{beacon}/{tag}-js")'
            f'</script><img src="{beacon}/{tag}-img" onerror="document.body.setAttribute('
            f"'data-pwned','1')\"><link rel=stylesheet href=\"{beacon}/{tag}-css\">'"
            f' onmouseover="alert(1)" x="')


@dataclass
class Site:
    base: str
    beacon: Any
    rid: str
    capture: int
    county: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with serve_routes({}) as beacon:
        origin = beacon.origin
        title, town, county = (hostile(origin, t) for t in ("title", "town", "county"))
        text = "一、总体情况\n扶贫信息公开" + hostile(origin, "text") + "\n二、其他\n无。"
        report = Report(url=f"javascript:fetch('{origin}/url-js')", title=title, title_raw=title,
                        text=text, town=town, county=county, report_year=2021,
                        published="2022-01-20", format="post2019",
                        sections=[Section(1, hostile(origin, "heading"), text)])
        rid = report_id(report)
        db = tmp_path_factory.mktemp("browser-pages") / "archive.db"
        with Archive(db) as archive:
            body = (f"<html><head><title>{hostile(origin, 'captitle')}</title></head><body>"
                    f"{hostile(origin, 'capbody')}</body></html>").encode()
            capture = archive.add_capture(f"java\tscript:fetch('{origin}/cap-js')", status=200,
                                          headers={"Content-Type": "text/html"}, body=body,
                                          referrer=f"{origin}/referrer")
            archive.save_report(report, capture_id=capture, seen_at="2026-01-02T00:00:00Z")
            archive.save_report(replace(report, text=text + "\n（修改）"), capture_id=capture,
                                seen_at="2026-02-02T00:00:00Z")
            archive.add_report_url(rid, f" javascript:fetch('{origin}/mirror-js')",
                                   capture_id=capture)
            archive.db["attachments"].insert(
                {"id": "a1", "report_id": rid, "capture_id": capture,
                 "url": f"data:text/html,<script>fetch('{origin}/att')</script>",
                 "filename": hostile(origin, "file"), "kind": "pdf", "status": "ok", "main": 1})
            archive.db["figures"].insert_all([
                {"report_id": rid, "table": "applications", "row_key": "new_requests",
                 "column_key": "total", "value": 9, "raw": "9", "source": "html"},
                {"report_id": rid, "table": "applications", "row_key": "granted",
                 "column_key": "total", "value": None, "raw": hostile(origin, "cell"),
                 "source": "html"}], pk=("report_id", "table", "row_key", "column_key"))
            archive.register_site({"id": "evil", "name": hostile(origin, "site"),
                                   "county": county, "start_urls": []})
            archive.db["coverage"].insert_all(
                {"site_id": "evil", "town": town, "year": year,
                 "report_id": rid if year == 2021 else None, "status": status,
                 "detail": hostile(origin, f"detail{year}")}
                for year, status in ((2020, "missing"), (2021, "published")))
            archive.db.conn.commit()
        with served(db) as base:
            yield Site(base, beacon, rid, capture, county)


def browse(url: str, tmp_path: Path, shot: str, height: int = 1400) -> str:
    """The DOM after the page's scripts ran; a screenshot saved as tmp_path/<shot>.png."""
    dom = chromium(url, tmp_path / "profile", f"--window-size=1280,{height}",
                   f"--screenshot={tmp_path / (shot + '.png')}", "--dump-dom")  # one load
    assert (tmp_path / f"{shot}.png").stat().st_size > 5_000, shot
    return dom


def pages(site: Site) -> dict[str, str]:
    county = quote(site.county)
    return {
        "home": "/", "database": "/nianbao", "table": "/nianbao/reports",
        "table-figures": "/nianbao/figures", "query": "/nianbao/new_reports",
        "sql": "/nianbao?sql=" + quote("select title, town, url from reports"),
        "search": "/-/search?q=" + quote("扶贫"), "report": f"/nianbao/reports/{site.rid}",
        "capture": f"/nianbao/captures/{site.capture}",
        "archived": f"/-/capture/{site.capture}/view",
        "version": f"/nianbao/report_versions/{site.rid},2",
        "coverage": "/-/coverage?county=" + county, "coverage-list": "/-/coverage",
        "compare": f"/-/compare?county={county}&total=1",
        "compare-form": "/-/compare", "downloads": "/-/downloads",
        "chart": "/-/requests-chart",
        "feed-reports": "/nianbao/new_reports.atom",
        "feed-versions": "/nianbao/new_versions.atom",
        "feed-search": "/-/search.atom?q=" + quote("扶贫"),
    }


def test_every_page_type_keeps_hostile_values_inert(site: Site, tmp_path: Path) -> None:
    doms = {}
    for name, path in pages(site).items():
        dom = browse(site.base + path, tmp_path, name)
        assert MARK not in dom, name
        assert "Internal Server Error" not in dom, name
        doms[name] = dom
    time.sleep(0.5)
    assert [r.path for r in site.beacon.requests] == []  # nothing ran, loaded or leaked
    # the pages did show the hostile values, as text
    for name in ("report", "compare", "coverage", "search", "table", "query"):
        assert "&lt;script&gt;document.body.setAttribute" in doms[name], name
    assert "fetch" in doms["feed-reports"] and "urn:nianbao:report:" in doms["feed-reports"]
    assert re.search(r"<td[^>]*>9</td>", doms["compare"])
    shots = sorted(p.name for p in tmp_path.glob("*.png"))
    assert len(shots) == len(pages(site))


def test_datasette_pages_speak_chinese(site: Site, tmp_path: Path) -> None:
    home = browse(site.base + "/", tmp_path, "zh-home")
    assert "研究工具 Tools" in home and "统计数字对比 Compare" in home and "个表 table" in home
    database = browse(site.base + "/nianbao", tmp_path, "zh-database")
    for label in ("自定义 SQL 查询", "常用查询 Queries", "表 Tables", "年度报告", "运行 SQL"):
        assert label in database, label
    assert '<h2 id="queries">Queries</h2>' not in database  # Datasette's English heading
    table = browse(site.base + "/nianbao/reports", tmp_path, "zh-table")
    assert "共 1 行" in table and "高级导出 Advanced export" in table
    assert re.search(r'<details class="table-help">\s*<summary>', table)  # help folded away
    assert table.index('<details class="table-help">') < table.index('class="rows-and-columns"')
    assert 'class="dropdown-menu' in table  # Datasette's column menus still run
    query = browse(site.base + "/nianbao/new_reports", tmp_path, "zh-query")
    assert "查询参数 Query parameters" in query and "县区 county" in query
    assert "数据导出 This data as" in query and ">atom<" in query
    sql = browse(site.base + "/nianbao?sql=select+1", tmp_path, "zh-sql")
    assert "自定义 SQL 查询 Custom SQL query" in sql and 'class="CodeMirror' in sql
    assert "首页 home" in sql
