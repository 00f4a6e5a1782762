"""Personal data on the demo portals, crawled over real HTTP on loopback (issue #15): every
valid ID and mobile number the ground truth plants is masked on every page type and in
exports, never in a search snippet, and found by no search; numbers of the same shape with
a wrong check digit and office landlines stay as printed."""

from __future__ import annotations

import io
import json
import sqlite3
from typing import Any

import pytest
from datasette.app import Datasette
from helpers.demo_archive import DemoArchive, demo_archive

from archive.db import Archive
from archive.export import write_export
from archive.web.app import make_datasette


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoArchive:
    return demo_archive(tmp_path_factory.mktemp("demo-personal"))


def leaky(demo: DemoArchive) -> list[dict[str, Any]]:
    entries = [e for e in demo.truth if e["personal"]["masked"]]
    assert len(entries) >= 2 and all(e["rid"] for e in entries)
    return entries


async def text_of(ds: Datasette, path: str, **params: str) -> str:
    response = await ds.client.get(path, params=params)
    assert response.status_code == 200, path
    if ".json" in path:
        return json.dumps(response.json(), ensure_ascii=False)
    return response.text


async def test_masked_on_every_page_type(demo: DemoArchive) -> None:
    ds = make_datasette(demo.db, public=True)
    with sqlite3.connect(demo.db) as conn:
        captures = dict(conn.execute("SELECT id, capture_id FROM reports"))
    for entry in leaky(demo):
        rid = entry["rid"]
        report_page = await text_of(ds, f"/nianbao/reports/{rid}")
        pages = [
            report_page,
            await text_of(ds, f"/nianbao/reports/{rid}.json"),
            await text_of(ds, "/nianbao/reports.csv", _size="max"),
            await text_of(ds, "/nianbao/sections.json", report_id=rid, _shape="array"),
            await text_of(ds, "/nianbao/report_versions.json", report_id=rid, _shape="array"),
            await text_of(ds, f"/nianbao/report_versions/{rid},1"),
            await text_of(ds, "/nianbao/reports_with_personal_data.json", kind="",
                          _shape="array"),
            await text_of(ds, "/-/search", q="补正答复"),
            await text_of(ds, "/-/search.json", q="来信人"),
            await text_of(ds, f"/-/capture/{captures[rid]}/page"),
        ]
        for page in pages:
            for raw in entry["personal"]["masked"]:
                assert raw not in page, (raw, page[:200])
        for kept in entry["personal"]["kept"]:
            assert kept in report_page, kept
        raw = (await ds.client.get(f"/-/capture/{captures[rid]}/raw")).status_code
        assert raw == 403  # the bytes are kept, but not served to the public


async def test_a_search_for_a_raw_number_finds_nothing(demo: DemoArchive) -> None:
    ds = make_datasette(demo.db)
    for entry in leaky(demo):
        for raw in entry["personal"]["masked"]:
            data = (await ds.client.get("/-/search.json", params={"q": raw})).json()
            assert data["total"] == 0, raw
        for kept in entry["personal"]["kept"]:
            data = (await ds.client.get("/-/search.json", params={"q": kept})).json()
            assert data["total"] >= 1, kept


def test_exports_and_findings(demo: DemoArchive) -> None:
    with Archive(demo.db) as archive:
        out = io.StringIO()
        write_export(archive, out, "jsonl")
        kinds = {(rid, kind) for rid, kind in archive.db.execute(
            "SELECT report_id, kind FROM personal_data")}
    for entry in leaky(demo):
        for raw in entry["personal"]["masked"]:
            assert raw not in out.getvalue()
        for kept in entry["personal"]["kept"]:
            assert kept in out.getvalue()
        assert {(entry["rid"], "id_number"), (entry["rid"], "mobile"),
                (entry["rid"], "name")} <= kinds
    clean = {e["rid"] for e in demo.truth if not e["personal"]["masked"]}
    assert not {rid for rid, kind in kinds if kind != "landline"} & clean
