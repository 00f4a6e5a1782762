"""What makes the pages fast at 20,000 reports (issue #14), checked for what it must keep.

Speed itself is measured by bench/bench_pages.py; these tests check that the means are
there and change nothing a visitor sees: the covering indexes exist and the page queries
use them, the table rows drawn in Python are the same escaped markup, the remembered table
counts follow a write, and hidden tables stay hidden with the permission lookup remembered.
"""

from __future__ import annotations

import re
from pathlib import Path

import pysqlite3
import pytest
from markupsafe import Markup

from archive.db import Archive
from archive.derive.views import requests_per_year_sql
from archive.records import Report, Section
from archive.web.app import make_datasette
from archive.web.table_rows import rows_html

HOSTILE = '<script>alert("年报")</script>'


def report(n: int, title: str = "") -> Report:
    text = f"一、总体情况\n第{n}份报告。"
    return Report(url=f"http://127.0.0.1:1/{n}.html", title=title or f"甲镇{2010 + n}年政府信息公开工作年度报告",
                  title_raw=title or f"甲镇{2010 + n}年", text=text, town="甲镇", county="乙县",
                  report_year=2010 + n, published=f"{2011 + n}-01-15", format="post2019",
                  sections=[Section(1, "一、总体情况", f"第{n}份报告。")])


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "archive.db"
    with Archive(path) as archive:
        archive.save_report(report(1, title=HOSTILE), capture_id=None)
        archive.save_report(report(2), capture_id=None)
    return path


def plan(path: Path, sql: str) -> str:
    conn = pysqlite3.connect(path)
    try:
        return " | ".join(row[-1] for row in conn.execute("EXPLAIN QUERY PLAN " + sql))
    finally:
        conn.close()


def test_page_queries_read_the_covering_indexes(db_path: Path) -> None:
    # the requests chart: figures by their totals index, reports by the card index (never
    # the rows that hold whole texts)
    chart = plan(db_path, requests_per_year_sql(("county",)).replace(":county", "'乙县'"))
    assert "COVERING INDEX idx_figures_totals" in chart
    assert "COVERING INDEX idx_reports_card" in chart
    # the facets of the reports table page that come after `text` in the row
    for column in ("template", "division_county"):
        facet = plan(db_path, f"select {column}, count(*) from (select * from reports) "
                              f"group by {column}")
        assert "COVERING INDEX" in facet, (column, facet)


def test_rows_html_escapes_values_and_keeps_rendered_cells() -> None:
    rows = [[{"column": "title", "value_type": "text", "value": HOSTILE},
             {"column": "url link", "value_type": "text",
              "value": Markup('<a href="/x">x</a>')}]]
    html = rows_html(rows)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;年报&#34;)&lt;/script&gt;" in html
    assert '<td class="col-url-link-' in html  # Datasette's to_css_class, as the template had
    assert '<a href="/x">x</a>' in html


async def test_table_page_rows_escaped_and_complete(db_path: Path) -> None:
    datasette = make_datasette(db_path)
    html = (await datasette.client.get("/nianbao/reports")).text
    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(" in html
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    assert len(re.findall(r"<tr>", body)) == 2
    assert 'class="col-report_year type-int">2012</td>' in body


async def test_database_page_counts_follow_writes(db_path: Path) -> None:
    datasette = make_datasette(db_path)
    await datasette.invoke_startup()

    async def reports_count() -> int:
        data = (await datasette.client.get("/nianbao.json")).json()
        return next(t["count"] for t in data["tables"] if t["name"] == "reports")

    assert await reports_count() == 2
    assert await reports_count() == 2  # remembered
    with Archive(db_path) as archive:
        archive.save_report(report(3), capture_id=None)
    assert await reports_count() == 3  # the file changed: counted again


async def test_hidden_tables_stay_hidden_with_remembered_permissions(db_path: Path) -> None:
    datasette = make_datasette(db_path)
    for _ in range(2):
        assert (await datasette.client.get("/nianbao/blobs")).status_code == 403
        assert (await datasette.client.get("/nianbao/reports")).status_code == 200
    names = {t["name"] for t in (await datasette.client.get("/nianbao.json")).json()["tables"]}
    assert "blobs" not in names and "reports" in names


async def test_requests_chart_sums_follow_writes(db_path: Path) -> None:
    """The chart's sums are kept while the file is unchanged, and summed again after a
    write (a nightly crawl or a build)."""
    def add_figure(report_id: str, value: int) -> None:
        with Archive(db_path) as archive, archive.transaction():
            archive.db.execute(
                'INSERT OR REPLACE INTO figures (report_id, "table", row_key, column_key, value) '
                "VALUES (?, 'applications', 'new_requests', 'total', ?)", [report_id, value])

    with Archive(db_path) as archive:
        ids = [rid for (rid,) in archive.db.execute("SELECT id FROM reports ORDER BY report_year")]
    add_figure(ids[0], 7)
    datasette = make_datasette(db_path)
    await datasette.invoke_startup()

    async def received() -> dict[int, int]:
        rows = (await datasette.client.get("/-/requests-chart.json")).json()["rows"]
        return {row["year"]: row["received"] for row in rows}

    assert await received() == {2011: 7}
    assert await received() == {2011: 7}  # kept
    add_figure(ids[1], 5)
    assert await received() == {2011: 7, 2012: 5}  # the file changed: summed again
    add_figure(ids[1], 9)
    assert await received() == {2011: 7, 2012: 9}
