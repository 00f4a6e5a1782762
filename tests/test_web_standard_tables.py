"""The report page draws the three standard tables from `figures`, checks marked (#14)."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from datasette.app import Datasette
from helpers.demo_archive import DemoArchive, demo_archive

from archive.web.app import make_datasette
from archive.web.standard_tables import APPLICATION_COLUMNS, report_tables

COLUMNS = [c for c, _ in APPLICATION_COLUMNS]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoArchive:
    return demo_archive(tmp_path_factory.getbasetemp() / "web-demo")


@pytest.fixture
def datasette(demo: DemoArchive) -> Datasette:
    return make_datasette(demo.db)


def figure(table: str, row: str, column: str, raw: str) -> dict[str, Any]:
    value = int(raw) if raw.isdigit() else None
    return {"table": table, "row_key": row, "column_key": column, "value": value, "raw": raw}


def test_blank_slash_and_absent_cells_are_told_apart() -> None:
    figures = [figure("applications", "new_requests", "natural_person", "3"),
               figure("applications", "new_requests", "commercial", ""),
               figure("applications", "new_requests", "research", "/")]
    [table] = report_tables(figures, [], "2021")
    row = next(r for r in table.rows if r.key == "new_requests")
    assert [(c.text, c.state) for c in row.cells[:4]] == [
        ("3", "value"), ("", "blank"), ("/", "na"), ("", "absent")]
    assert [r.key for r in table.rows][-4:] == ["other_unpaid_fee", "other_other", "total",
                                                "carried_forward"]
    # the 60号 template has one (六)其他处理 row
    assert [r.key for r in report_tables(figures, [], "2019")[0].rows][-3:] == [
        "other", "total", "carried_forward"]


def test_failing_checks_are_put_on_their_cells() -> None:
    figures = [figure("applications", row, column, "1")
               for row in ("new_requests", "total", "granted") for column in COLUMNS]
    figures += [figure("reviews", "administrative_review", c, "1")
                for c in ("upheld", "corrected", "other", "pending", "total")]
    checks = [
        {"check": "applications_balance", "status": "fail",
         "detail": "total column: 一(3)+二(0)=3 ≠ 七(4)+四(0)=4 (3 blank cells counted as 0)"},
        {"check": "applications_row_totals", "status": "fail",
         "detail": "granted row: 1+0+0+0+0+0=1 ≠ total 2; total row: 2+0=2 ≠ total 4"},
        {"check": "reviews_totals", "status": "fail",
         "detail": "administrative_review: 1+0+0+0=1 ≠ total 2"},
        {"check": "published_on_time", "status": "fail", "detail": "late"},
    ]
    active, reviews = report_tables(figures, checks, "2021")[0], report_tables(figures, checks,
                                                                               "2021")[1]
    flagged = {c.key for r in active.rows for c in r.cells if c.flagged}
    assert "applications.new_requests.total" in flagged  # balance: the total column
    assert "applications.carried_over.total" in flagged
    assert {f"applications.granted.{c}" for c in COLUMNS} <= flagged  # a whole row
    assert "applications.new_requests.natural_person" not in flagged
    assert [r.key for r in active.rows if r.flagged] == ["granted", "total"]
    assert ("applications_balance", "total column: 一(3)+二(0)=3 ≠ 七(4)+四(0)=4") \
        in active.failures
    assert all(c.flagged for c in reviews.rows[0].cells[:5])
    assert not any(c.flagged for c in reviews.rows[0].cells[5:])


def cells_of(html: str) -> dict[str, str]:
    return {key: unescape(text) for key, text in
            re.findall(r'<td data-key="([\w.]+)"[^>]*>([^<]*)</td>', html)}


async def test_report_page_shows_the_tables_as_published(datasette: Datasette,
                                                         demo: DemoArchive) -> None:
    entry = demo.report("樟潭街道", 2023)
    response = await datasette.client.get(f"/nianbao/reports/{entry['rid']}")
    assert response.status_code == 200
    html = response.text
    cells = cells_of(html)
    expected = entry["expect"]["cells"]
    for row, values in expected["applications"].items():
        for column, raw in zip(COLUMNS, values.split("|"), strict=True):
            assert cells[f"applications.{row}.{column}"] == raw, (row, column)
    for row, columns in expected["active"].items():
        for column, raw in columns.items():
            assert cells[f"active.{row}.{column}"] == raw
    for label in ("第二十条第(一)项", "本年制发件数", "(三)不予公开", "3.危及“三安全一稳定”",
                  "未经复议直接起诉", "四、结转下年度继续办理"):
        assert label in html
    # the demo breaks this report's table 2: the failing checks sit on their cells
    assert re.search(r'<td data-key="applications.total.total" class="value flagged" '
                     r'title="[^"]*七\(4\)', html)
    assert "✗ 申请数勾稽" in html and "一(3)+二(0)=3 ≠ 七(4)+四(0)=4" in html


async def test_report_page_has_years_attachments_and_citations(datasette: Datasette,
                                                               demo: DemoArchive) -> None:
    entry = demo.report("樟潭街道", 2023)
    html = (await datasette.client.get(f"/nianbao/reports/{entry['rid']}")).text
    years = re.findall(r'<(?:a|span) class="(\w+)( this)?"[^>]*>(\d{4})</', html)
    assert ("published", " this", "2023") in years
    assert any(state == "missing" for state, _, _ in years)
    assert "2024年1月22日" in html  # published, the Chinese way
    assert "Captured 2" in html and "sha256:" in html  # a citation per capture
    attached = next(e for e in demo.truth if e["attachments"] and e["rid"])
    page = (await datasette.client.get(f"/nianbao/reports/{attached['rid']}")).text
    assert re.search(r'href="/-/capture/\d+/raw">下载存档文件', page)


async def test_prose_figures_come_with_their_sentence(datasette: Datasette,
                                                      demo: DemoArchive) -> None:
    db = datasette.get_database("nianbao")
    rid, sentence = (await db.execute(
        "select report_id, sentence from figures where \"table\" = 'narrative' "
        "and sentence is not null limit 1")).rows[0]
    html = unescape((await datasette.client.get(f"/nianbao/reports/{rid}")).text)
    assert "正文中的数字" in html and sentence in html


async def test_tampered_report_has_its_banner(datasette: Datasette) -> None:
    db = datasette.get_database("nianbao")
    rid, terms = (await db.execute(
        "select id, spam_terms from reports where tampered = 1 limit 1")).rows[0]
    html = (await datasette.client.get(f"/nianbao/reports/{rid}")).text
    assert 'id="tampered"' in html and "此页面被篡改" in html
    assert unescape(html).count(__import__("json").loads(terms)[0]) >= 1


def test_demo_file_is_where_the_fixture_put_it(demo: DemoArchive) -> None:
    assert Path(demo.db).exists()
