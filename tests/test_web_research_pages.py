"""Compare, Atom feeds and bulk downloads (issue #14), in-process against a hand-built archive.

The archive: two towns of one county with figures written cell by cell (a blank cell, a
`/`, words), a tampered mirror of one year with other numbers, a report changed after
publication (two versions), hostile titles, and more `checks` rows than Datasette returns
in one page.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from datasette.app import Datasette

from archive.db import Archive, report_id
from archive.records import Report, Section
from archive.web import downloads
from archive.web.app import make_datasette

ATOM = "{http://www.w3.org/2005/Atom}"
COUNTY = "测试县"
HOSTILE = '"><script>alert(9)</script>&amp;<img src=x onerror=alert(8)>\x01]]>'
TEXT = "一、总体情况\n本年度扶贫信息公开。\n二、其他\n无。"


def report(town: str, year: int, **changes: Any) -> Report:
    title = f"{town}{year}年政府信息公开工作年度报告"
    base = Report(url=f"http://127.0.0.1:1/{town}/{year}.html", title=title, title_raw=title,
                  text=TEXT, town=town, county=COUNTY, report_year=year,
                  published=f"{year + 1}-01-20", format="post2019",
                  sections=[Section(1, "一、总体情况", TEXT)])
    return replace(base, **changes)


A20, A21, B21 = report("甲镇", 2020), report("甲镇", 2021), report("乙镇", 2021)
MIRROR = report("甲镇", 2021, url="http://127.0.0.1:1/mirror/a.html", tampered=True,
                title="甲镇2021年政府信息公开工作年度报告（转载）")
EVIL = replace(report("丙镇", 2021, county="丁县", title=HOSTILE, title_raw=HOSTILE),
               town=HOSTILE)


def figure(rid: str, table: str, row: str, column: str, value: Any, raw: str | None = None
           ) -> dict[str, Any]:
    return {"report_id": rid, "table": table, "row_key": row, "column_key": column,
            "value": value, "raw": str(value) if raw is None and value is not None else raw,
            "source": "html"}


@pytest.fixture(scope="module")
def archive_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("research") / "archive.db"
    with Archive(path) as archive:
        for n, r in enumerate((A20, A21, B21, MIRROR, EVIL)):
            archive.save_report(r, capture_id=None, seen_at=f"2026-01-0{n + 1}T08:00:00Z")
        archive.save_report(replace(A20, text=TEXT + "\n（修改）"), capture_id=None,
                            seen_at="2026-02-01T09:30:00Z")
        a20, a21, b21, mirror = (report_id(r) for r in (A20, A21, B21, MIRROR))
        archive.db["figures"].insert_all([
            figure(a20, "applications", "new_requests", "total", 12),
            figure(a20, "applications", "granted", "total", 7),
            figure(a20, "applications", "refused_state_secret", "total", 1),
            figure(a20, "applications", "refused_third_party", "total", 2),
            figure(a20, "reviews", "administrative_review", "total", None, ""),
            figure(a20, "active", "normative_docs", "published", None, "/"),
            figure(a21, "applications", "new_requests", "total", 30),
            figure(a21, "applications", "granted", "total", None, "=HYPERLINK(1)"),
            figure(mirror, "applications", "new_requests", "total", 999),
            figure(b21, "applications", "new_requests", "total", 5),
            figure(b21, "reviews", "administrative_review", "total", 1),
        ], pk=("report_id", "table", "row_key", "column_key"))
        archive.db["checks"].insert_all(
            ({"report_id": a20, "check": f"c{i}", "status": "pass", "detail": ""}
             for i in range(2500)), pk=("report_id", "check"))
        archive.db.conn.commit()
    return path


@pytest.fixture(scope="module")
def datasette(archive_file: Path) -> Datasette:
    return make_datasette(archive_file)


def get(datasette: Datasette, path: str, **params: Any) -> Any:
    return asyncio.run(datasette.client.get(path, params=params or None))


def table_cells(html: str, line: str) -> list[str]:
    """The cells of one line of the compare table, as text."""
    import re

    row = re.search(rf'<tr data-line="{line}">(.*?)</tr>', html, re.DOTALL)
    assert row, line
    return [re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.DOTALL)]


# 1. compare

def test_compare_a_county_side_by_side_with_the_official_labels(datasette: Datasette) -> None:
    response = get(datasette, "/-/compare", county=COUNTY)
    assert response.status_code == 200
    html = response.text
    assert "一、本年新收政府信息公开申请数量" in html and "(一)予以公开" in html
    assert "行政复议 总计" in html
    # columns, towns in code point order: 乙镇 2020 (no report), 2021; 甲镇 2020, 2021
    assert table_cells(html, "new_requests") == ["", "5", "12", "30"]  # genuine 2021, not 999
    assert table_cells(html, "refused") == ["", "", "3", ""]  # 1.+4. summed
    assert table_cells(html, "granted")[2:] == ["7", "=HYPERLINK(1)"]  # words as printed
    assert table_cells(html, "normative_published")[2] == "/"  # a / stays a /
    assert table_cells(html, "review_total") == ["", "1", "", ""]  # a blank stays blank
    assert "<svg" in html and "<title>甲镇 2021年 新收申请 30</title>" in html
    assert '/-/compare.csv?county=' in html


def test_compare_chosen_towns_years_and_county_total(datasette: Datasette) -> None:
    html = get(datasette, "/-/compare", county=COUNTY, town="乙镇", total="1").text
    assert table_cells(html, "new_requests") == ["5", "5"]  # its one year, and the total
    assert "所选单位合计" in html
    html = get(datasette, "/-/compare", county=COUNTY, total="1", **{"from": "2021"}).text
    assert table_cells(html, "new_requests") == ["5", "30", "35"]  # county total of 2021
    assert 'name="town" value="甲镇"' in html  # the form offers the county's towns


def test_compare_bad_years_are_a_message(datasette: Datasette) -> None:
    response = get(datasette, "/-/compare", county=COUNTY, **{"from": "20x1", "to": "99999"})
    assert response.status_code == 200
    assert response.text.count("无效") == 2
    assert get(datasette, "/-/compare", county="没有这个县").status_code == 200


def test_compare_csv_is_the_same_table_for_excel(datasette: Datasette) -> None:
    response = get(datasette, "/-/compare.csv?county=%E6%B5%8B%E8%AF%95%E5%8E%BF"
                   "&town=%E7%94%B2%E9%95%87&town=%E4%B9%99%E9%95%87")  # 甲镇 then 乙镇
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["项目 item", "key", "甲镇 2020", "甲镇 2021", "乙镇 2020", "乙镇 2021"]
    by_key = {row[1]: row for row in rows}
    assert by_key["new_requests"][2:] == ["12", "30", "", "5"]
    assert by_key["new_requests"][0] == "一、本年新收政府信息公开申请数量"
    assert by_key["granted"][3] == "'=HYPERLINK(1)"  # not a formula in a spreadsheet
    assert by_key["normative_published"][2] == "/"


def test_compare_escapes_hostile_places(datasette: Datasette) -> None:
    html = get(datasette, "/-/compare", county="丁县").text
    assert "<script>alert(9)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(9)&lt;/script&gt;" in html


# 2. feeds

def parse_feed(response: Any) -> ET.Element:
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # a real XML parser: well-formed or it raises
    assert root.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{tag}") is not None, tag
    assert root.find(f"{ATOM}link[@rel='self']").get("href").startswith("http://")
    return root


def entries(root: ET.Element) -> list[dict[str, Any]]:
    out = []
    for entry in root.findall(f"{ATOM}entry"):
        link = entry.find(f"{ATOM}link[@rel='alternate']")
        out.append({"id": entry.findtext(f"{ATOM}id"), "title": entry.findtext(f"{ATOM}title"),
                    "updated": entry.findtext(f"{ATOM}updated"),
                    "link": link.get("href") if link is not None else None,
                    "content": entry.findtext(f"{ATOM}content")})
    return out


def test_new_reports_feed_is_valid_atom_with_hostile_titles_as_text(
        datasette: Datasette) -> None:
    root = parse_feed(get(datasette, "/nianbao/new_reports.atom"))
    items = entries(root)
    assert len(items) == 5 and len({i["id"] for i in items}) == 5
    assert all(i["id"].startswith("urn:nianbao:report:") for i in items)
    assert all(len(i["updated"]) == 20 and i["updated"].endswith("Z") for i in items)
    assert all(i["link"].startswith("http://localhost/nianbao/reports/") for i in items)
    assert items[0]["title"] == HOSTILE.replace("\x01", "")  # exactly the text, newest first
    assert root.findtext(f"{ATOM}updated") == items[0]["updated"]
    narrowed = entries(parse_feed(get(datasette, "/nianbao/new_reports.atom", county=COUNTY,
                                      town="乙镇")))
    assert [i["title"] for i in narrowed] == [B21.title]


def test_new_versions_feed_lists_changes_after_publication(datasette: Datasette) -> None:
    items = entries(parse_feed(get(datasette, "/nianbao/new_versions.atom")))
    assert [i["id"] for i in items] == [f"urn:nianbao:version:{report_id(A20)}:2"]
    assert items[0]["updated"] == "2026-02-01T09:30:00Z"
    assert items[0]["link"].endswith(f"/nianbao/report_versions/{report_id(A20)},2")


def test_search_feed_follows_a_saved_search_with_its_facets(datasette: Datasette) -> None:
    root = parse_feed(get(datasette, "/-/search.atom", q="扶贫", town="乙镇"))
    items = entries(root)
    assert [i["title"] for i in items] == [B21.title]
    assert "【扶贫】" in items[0]["content"]
    assert "扶贫" in root.findtext(f"{ATOM}title")
    everything = entries(parse_feed(get(datasette, "/-/search.atom", q="扶贫")))
    assert len(everything) == 5
    assert get(datasette, "/-/search.atom").status_code == 400
    assert get(datasette, "/-/search.atom", q='"').status_code in (200, 400)


def test_pages_announce_their_feeds(datasette: Datasette) -> None:
    search = get(datasette, "/-/search", q="扶贫", town="乙镇").text
    assert ('<link rel="alternate" type="application/atom+xml" title="订阅此检索 Atom feed of '
            'this search" href="/-/search.atom?q=%E6%89%B6%E8%B4%AB&amp;town=%E4%B9%99%E9%95%87">'
            ) in search
    home = get(datasette, "/").text
    assert 'href="/nianbao/new_reports.atom"' in home and 'href="/nianbao/new_versions.atom"' in home
    assert 'application/atom+xml' in get(datasette, "/nianbao/reports").text


# 3. downloads

def test_downloads_page_lists_public_tables_only(datasette: Datasette) -> None:
    html = get(datasette, "/-/downloads").text
    assert "批量下载" in html and 'href="/-/downloads/reports.csv"' in html
    assert "blobs.csv" not in html and "extractions.csv" not in html
    assert "_fts" not in html
    assert 'href="/-/downloads/nianbao-public.db"' in html


def test_table_csv_has_every_row_beyond_max_returned_rows(datasette: Datasette) -> None:
    response = get(datasette, "/-/downloads/checks.csv")
    assert response.status_code == 200 and response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2500 > datasette.setting("max_returned_rows")
    assert len({r["check"] for r in rows}) == 2500
    reports = list(csv.DictReader(io.StringIO(
        get(datasette, "/-/downloads/reports.csv").content.decode("utf-8-sig"))))
    titles = {r["title"] for r in reports}
    assert A20.title in titles and HOSTILE in titles  # the stored text, as stored


@pytest.mark.parametrize("table", ["blobs", "extractions", "reports_fts", "reports_fts_data",
                                   "no_such", "sqlite_master", "reports]"])
def test_withheld_tables_are_never_downloaded(datasette: Datasette, table: str) -> None:
    assert get(datasette, f"/-/downloads/{table}.csv").status_code == 404


COUNT_TABLES = ("import json, sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
                "print(json.dumps({t: c.execute(f'select count(*) from [{t}]').fetchone()[0] "
                "for t in ('blobs', 'reports', 'figures', 'checks', 'reports_fts_data')}))")


def test_archive_copy_is_stripped_cached_and_not_the_live_file(
        archive_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(downloads, "settings",
                        lambda datasette: {"directory": str(tmp_path / "copies")})
    ds = make_datasette(archive_file)
    first = get(ds, "/-/downloads/nianbao-public.db")
    assert first.status_code == 503 and first.headers["retry-after"] == "60"
    asyncio.run(downloads.wait_for_copy(archive_file.resolve()))
    second = get(ds, "/-/downloads/nianbao-public.db")
    assert second.status_code == 200, second.text[:300]
    assert "attachment" in second.headers["content-disposition"]
    copy = tmp_path / "got.db"
    copy.write_bytes(second.content)
    counts = json.loads(subprocess.run(
        [sys.executable, "-c", COUNT_TABLES, str(copy)],
        capture_output=True, text=True, check=True).stdout)
    assert counts["blobs"] == 0 and counts["reports"] == 5 and counts["checks"] == 2500
    assert counts["figures"] == 11 and counts["reports_fts_data"] > 0  # the index came along
    # the archive changes: the copy is not rebuilt before the interval has passed
    with Archive(archive_file) as archive:
        archive.db["checks"].insert({"report_id": "x", "check": "new", "status": "pass"})
        archive.db.conn.commit()
    third = get(ds, "/-/downloads/nianbao-public.db")
    assert third.status_code == 200 and third.content == second.content
    state = downloads._STATES[str(archive_file.resolve())]
    assert not state.building
    with Archive(archive_file) as archive:
        archive.db.execute("delete from checks where report_id = 'x'")
        archive.db.conn.commit()


def test_a_build_is_started_once_per_interval(tmp_path: Path, archive_file: Path) -> None:
    source = tmp_path / "a.db"
    source.write_bytes(archive_file.read_bytes())
    folder = tmp_path / "copies"
    assert downloads.start_build_if_due(source, folder, ["blobs"]) is True
    assert downloads.start_build_if_due(source, folder, ["blobs"]) is False  # building
    asyncio.run(downloads.wait_for_copy(source))
    assert (folder / downloads.COPY_NAME).exists()
    stamp = downloads.stamp_of(source)
    os.utime(source, ns=(time.time_ns(), time.time_ns() + 10**9))  # the archive changed
    assert downloads.stamp_of(source) != stamp
    assert downloads.start_build_if_due(source, folder, ["blobs"]) is False  # too soon
    downloads._STATES[str(source)].built_at -= downloads.REBUILD_INTERVAL
    assert downloads.start_build_if_due(source, folder, ["blobs"]) is True  # now due
    asyncio.run(downloads.wait_for_copy(source))


def test_public_server_offers_downloads_of_public_tables_only(archive_file: Path) -> None:
    public = make_datasette(archive_file, public=True)
    assert get(public, "/nianbao?sql=select+1").status_code == 403  # arbitrary SQL off
    assert get(public, "/-/downloads/reports.csv").status_code == 200
    assert get(public, "/-/downloads/blobs.csv").status_code == 404
    assert get(public, "/-/compare", county=COUNTY).status_code == 200
    assert get(public, "/nianbao/new_reports.atom").status_code == 200  # a canned query


def test_compare_shows_the_latest_six_years_unless_asked(tmp_path: Path) -> None:
    path = tmp_path / "years.db"
    with Archive(path) as archive:
        for year in range(2012, 2022):
            archive.save_report(report("戊镇", year, county="己县"), capture_id=None)
    ds = make_datasette(path)
    html = get(ds, "/-/compare", county="己县").text
    shown = re.findall(r'<th scope="col"><a href="[^"]+" title="[^"]*">(\d{4})</a>', html)
    assert shown == [str(y) for y in range(2016, 2022)]
    assert 'name="from" min="1990" max="2100" value="2016"' in html and "默认显示最近 6 年" in html
    everything = get(ds, "/-/compare", county="己县", **{"from": "2012"}).text
    assert len(re.findall(r'<th scope="col">', everything)) == 10
