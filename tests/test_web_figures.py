"""Figures in Datasette: facets, canned queries, CSV export and the requests chart (#6)."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
import yaml
from datasette.app import Datasette

from archive.db import Archive, report_id
from archive.derive import derive_all
from archive.records import POST2019, Report, Section
from archive.web.app import METADATA, make_datasette

TABLES = Path(__file__).resolve().parent / "fixtures" / "tables"
TODAY = date(2026, 2, 15)
HEADINGS = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况",
            "六、其他需要报告的事项"]
PAGES = [  # fixture page, town, year, published
    ("standard_2019.html", "抚松镇", 2019, "2020-01-15"),
    ("unbalanced_2019.html", "泉阳镇", 2019, "2020-03-02"),
    ("standard_2021.html", "抚松镇", 2021, "2022-01-20"),
]


def report(town: str, year: int, published: str) -> Report:
    title = f"{town}{year}年政府信息公开工作年度报告"
    return Report(url=f"http://127.0.0.1:1/{town}{year}.html", title=title, title_raw=title,
                  text=f"统计期限自{year}年1月1日起至{year}年12月31日止。", town=town,
                  county="抚松县", report_year=year, published=published, format=POST2019,
                  sections=[Section(1, h, "") for h in HEADINGS])


@pytest.fixture
def archive_path(tmp_path: Path) -> Path:
    path = tmp_path / "figures.db"
    with Archive(path) as archive:
        archive.register_site({"id": "fusong", "name": "抚松县人民政府", "province": "吉林省",
                               "city": "白山市", "county": "抚松县", "start_urls": []})
        for name, town, year, published in PAGES:
            item = report(town, year, published)
            capture = archive.add_capture(item.url, status=200, site_id="fusong",
                                          headers={"Content-Type": "text/html; charset=utf-8"},
                                          body=(TABLES / name).read_bytes())
            archive.save_report(item, capture_id=capture, site_id="fusong")
        derive_all(archive, today=TODAY)
    return path


@pytest.fixture
def datasette(archive_path: Path) -> Datasette:
    return make_datasette(archive_path)


async def test_checks_and_coverage_have_facets(datasette: Datasette) -> None:
    checks = (await datasette.client.get("/nianbao/checks.json")).json()["facet_results"]
    assert {"check", "status"} <= set(checks)
    statuses = {item["value"] for item in checks["status"]["results"]}
    assert {"pass", "fail"} <= statuses
    coverage = (await datasette.client.get("/nianbao/coverage.json")).json()["facet_results"]
    assert {"status", "year"} <= set(coverage)


async def test_late_reports_query(datasette: Datasette) -> None:
    response = await datasette.client.get("/nianbao/late_reports.json?_shape=array")
    assert response.status_code == 200
    rows = response.json()
    assert [(r["town"], r["report_year"], r["status"]) for r in rows] == [("泉阳镇", 2019, "warn")]
    assert "days after 2020-01-31" in rows[0]["detail"]


async def test_inconsistent_tables_query_shows_the_numbers(datasette: Datasette) -> None:
    rows = (await datasette.client.get(
        "/nianbao/inconsistent_tables.json?_shape=array")).json()
    assert {r["report_id"] for r in rows} == {report_id(report("泉阳镇", 2019, "2020-03-02"))}
    details = {r["check"]: r["detail"] for r in rows}
    assert "一(3)+二(1)=4 ≠ 七(2)+四(1)=3" in details["applications_balance"]


async def test_missing_years_query(datasette: Datasette) -> None:
    rows = (await datasette.client.get("/nianbao/missing_years.json?_shape=array")).json()
    missing = {(r["town"], r["year"]) for r in rows}
    assert ("抚松镇", 2020) in missing and ("抚松镇", 2025) in missing
    assert ("抚松镇", 2019) not in missing and ("泉阳镇", 2019) not in missing


async def test_top_towns_by_requests(datasette: Datasette) -> None:
    everything = (await datasette.client.get(
        "/nianbao/top_towns_by_requests.json?_shape=array&year=")).json()
    assert {r["town"] for r in everything} == {"抚松镇", "泉阳镇"}
    assert all(r["county"] == "抚松县" for r in everything)
    one_year = (await datasette.client.get(
        "/nianbao/top_towns_by_requests.json?_shape=array&year=2021")).json()
    assert [(r["town"], r["last_year"]) for r in one_year] == [("抚松镇", 2021)]


async def test_csv_export_of_tables_views_and_queries(datasette: Datasette) -> None:
    for path in ("/nianbao/figures.csv?_size=max", "/nianbao/applications_wide.csv",
                 "/nianbao/coverage.csv", "/nianbao/inconsistent_tables.csv"):
        response = await datasette.client.get(path)
        assert response.status_code == 200, path
        table = list(csv.reader(io.StringIO(response.text)))
        assert len(table) > 1, path
    header = next(csv.reader(io.StringIO(
        (await datasette.client.get("/nianbao/figures.csv")).text)))
    assert header[:4] == ["report_id", "table", "row_key", "column_key"]


async def test_requests_chart_is_svg_drawn_on_the_server(datasette: Datasette) -> None:
    response = await datasette.client.get("/-/requests-chart")
    assert response.status_code == 200
    html = response.text
    start = html.index('aria-label="Requests received and outcomes per year"')
    svg = html[start:html.index("</svg>", start)]
    assert svg.count('class="bar"') >= 2 and "received: 3" in svg
    assert "<script" not in svg and "http" not in svg.split(">", 1)[1]  # nothing to fetch
    data = (await datasette.client.get("/-/requests-chart.json")).json()
    assert [row["year"] for row in data["rows"]] == [2019, 2021]
    filtered = (await datasette.client.get(
        "/-/requests-chart.json?town=泉阳镇")).json()
    assert [row["year"] for row in filtered["rows"]] == [2019]
    assert filtered["rows"][0]["received"] == 3


async def test_requests_chart_on_an_empty_archive(tmp_path: Path) -> None:
    with Archive(tmp_path / "empty.db"):
        pass
    response = await make_datasette(tmp_path / "empty.db").client.get("/-/requests-chart")
    assert response.status_code == 200 and "No figures" in response.text


def test_every_view_column_is_described(archive_path: Path) -> None:
    tables = yaml.safe_load(METADATA.read_text(encoding="utf-8"))["databases"]["nianbao"]["tables"]
    with Archive(archive_path) as archive:
        views = archive.db.view_names()
        assert {"applications_wide", "active_wide", "reviews_wide", "requests_per_year"} <= set(views)
        for name in views:
            described = set(tables.get(name, {}).get("columns", {}))
            missing = set(archive.db[name].columns_dict) - described
            assert not missing, f"{name}: columns without description: {sorted(missing)}"
