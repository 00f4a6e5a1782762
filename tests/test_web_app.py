"""Datasette serves the archive: metadata, facets, and a row page that reads like a report."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from datasette.app import Datasette

from archive.db import Archive, report_id
from archive.records import Report, Section
from archive.web.app import METADATA, make_datasette

REPORTS = [
    Report(url="http://127.0.0.1:1/a.html", title="抚松镇2019年政府信息公开工作年度报告",
           title_raw="抚松镇2019年政府信息公开工作年度报告", text="一、总体情况\n2019年，我镇<b>扶贫</b>……",
           town="抚松镇", county="抚松县", report_year=2019, published="2020-01-15",
           format="post2019", sections=[Section(1, "一、总体情况", "2019年，我镇<b>扶贫</b>……"),
                                        Section(2, "(一)主动公开", "全年主动公开政府信息46条。")]),
    Report(url="http://127.0.0.1:1/b.html", title="泉阳镇2012年政府信息公开工作年度报告",
           title_raw="泉阳镇2012年政府信息公开工作年度报告", text="一、概述\n……", town="泉阳镇",
           county="抚松县", report_year=2012, published="2013-03-11",
           sections=[Section(1, "一、概述", "……")]),
]


@pytest.fixture
def datasette(tmp_path: Path) -> Datasette:
    # a file not called nianbao.db is still served as /nianbao
    db_path = tmp_path / "other-name.db"
    with Archive(db_path) as archive:
        for report in REPORTS:
            archive.save_report(report, capture_id=None)
    return make_datasette(db_path)


async def test_reports_table_has_facets(datasette: Datasette) -> None:
    response = await datasette.client.get("/nianbao/reports.json")
    assert response.status_code == 200
    facets = response.json()["facet_results"]
    assert {"town", "report_year", "format"} <= set(facets)
    towns = {item["value"] for item in facets["town"]["results"]}
    assert towns == {"抚松镇", "泉阳镇"}


async def test_row_page_reads_like_the_report(datasette: Datasette) -> None:
    rid = report_id(REPORTS[0])
    response = await datasette.client.get(f"/nianbao/reports/{rid}")
    assert response.status_code == 200
    html = response.text
    assert "<h1>抚松镇2019年政府信息公开工作年度报告</h1>" in html
    assert '<h2 class="l1">一、总体情况</h2>' in html
    assert '<h3 class="l2">(一)主动公开</h3>' in html
    assert "2020年1月15日" in html  # dates read the Chinese way; the data stays ISO
    # archived text is untrusted: markup in it is escaped, never rendered
    assert "<b>扶贫</b>" not in html and "&lt;b&gt;扶贫&lt;/b&gt;" in html


async def test_every_table_and_column_is_described(datasette: Datasette, db_path: Path) -> None:
    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    tables = metadata["databases"]["nianbao"]["tables"]
    with Archive(db_path) as archive:
        for name in archive.db.table_names():
            if name.endswith(("_fts", "_fts_data", "_fts_idx", "_fts_docsize", "_fts_config")):
                continue
            assert name in tables, f"table {name} not described in metadata.yml"
            described = set(tables[name].get("columns", {}))
            missing = set(archive.db[name].columns_dict) - described
            assert not missing, f"{name}: columns without description: {sorted(missing)}"


async def test_table_page_opens_on_the_rows_with_the_help_folded(datasette: Datasette) -> None:
    html = (await datasette.client.get("/nianbao/reports")).text
    assert "<h1>年度报告 reports</h1>" in html
    help_at = html.index('<details class="table-help">')
    assert html.index("<dt>report_year</dt>") > help_at  # column help inside the <details>
    assert html.index("</details>", help_at) < html.index('<table class="rows-and-columns">')
    assert "共 2 行" in html and "抚松镇2019年政府信息公开工作年度报告" in html


def test_descriptions_are_chinese_first_with_the_english_after() -> None:
    han = re.compile(r"[\u4e00-\u9fff]")
    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    database = metadata["databases"]["nianbao"]
    for name, table in database["tables"].items():
        assert han.search(table["title"]) and name in table["title"]
        for column, text in [("", table["description"]), *table["columns"].items()]:
            assert " — " in text and han.search(text.split(" — ")[0]), (name, column, text[:40])
    for name, query in database["queries"].items():
        assert han.match(query["title"]) and han.match(query["description"]), name


async def test_facets_are_named_in_chinese(datasette: Datasette) -> None:
    html = (await datasette.client.get("/nianbao/reports")).text
    assert '<strong>单位 town' in html and '<strong>报告年度 report_year' in html
