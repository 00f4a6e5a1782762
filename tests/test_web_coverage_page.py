"""Coverage at a glance (#14): towns × years of a county, coloured from the ledger."""

from __future__ import annotations

import re
import sqlite3
from urllib.parse import quote

import pytest
from datasette.app import Datasette
from helpers.demo_archive import DemoArchive, demo_archive

from archive.web.app import make_datasette


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoArchive:
    return demo_archive(tmp_path_factory.getbasetemp() / "web-demo")


@pytest.fixture
def datasette(demo: DemoArchive) -> Datasette:
    return make_datasette(demo.db)


CELL = re.compile(r'<td class="cov-(\w+)"><a href="([^"]+)" data-year="(\d+)" data-state="\w+"')


async def test_grid_has_a_cell_per_ledger_row(datasette: Datasette, demo: DemoArchive) -> None:
    response = await datasette.client.get(f"/-/coverage?county={quote('抚松县')}")
    assert response.status_code == 200
    cells = CELL.findall(response.text)
    with sqlite3.connect(demo.db) as conn:
        ledger = conn.execute("select c.status, c.report_id, c.year from coverage c "
                              "join sites s on s.id = c.site_id where s.county = '抚松县'").fetchall()
    assert len(cells) == len(ledger)
    assert sorted(s for s, _, _ in cells) == sorted(s for s, _, _ in ledger)
    linked = {href for s, href, _ in cells if s in ("published", "late")}
    assert {f"/nianbao/reports/{rid}" for s, rid, _ in ledger if rid} == linked
    assert all(href.startswith("/nianbao/coverage/fusong,") for s, href, _ in cells
               if s == "missing")
    for town in ("抚松镇", "松江河镇", "泉阳镇", "抚松县"):
        assert town in response.text


async def test_a_missing_cell_links_to_its_ledger_row(datasette: Datasette) -> None:
    page = (await datasette.client.get(f"/-/coverage?county={quote('抚松县')}")).text
    href = next(h for s, h, _ in CELL.findall(page) if s == "missing")
    row = await datasette.client.get(href)
    assert row.status_code == 200 and "missing" in row.text


async def test_tampered_years_are_marked(datasette: Datasette) -> None:
    page = (await datasette.client.get(f"/-/coverage?county={quote('扎兰屯市')}")).text
    assert any(s == "tampered" for s, _, _ in CELL.findall(page))


async def test_without_a_county_the_counties_are_listed(datasette: Datasette) -> None:
    page = (await datasette.client.get("/-/coverage")).text
    assert f'href="/-/coverage?county={quote("衢江区")}"' in page
    unknown = await datasette.client.get("/-/coverage?county=%3Cscript%3E")
    assert unknown.status_code == 404 and "“&lt;script&gt;”" in unknown.text
