"""A crawl of the live demo portals yields figures, checks and coverage that match what the
demo was built to contain (`expect` in its ground truth, tools/gen/expect.py; the ledger
from `DemoPortals.coverage_truth`).

The demo portals run in this process on loopback; the crawl runs in a subprocess
(`python -m archive.app.crawl`, which derives with today's date), then the archive is derived
again with a fixed date so the ledger's last due year does not depend on the clock.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from w3lib.url import canonicalize_url

from archive.db import Archive
from archive.derive import derive_all
from archive.figures.vocab import APPLICATION_STANDARD
from demo.server import DemoPortals

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 2, 15)  # townships' 2025 reports are due (31 Jan), the county's are not
REVIEW_COLUMNS = ("upheld", "corrected", "other", "pending", "total")
Cell = tuple[str, str, str]


@dataclass
class DemoFigures:
    db: Path
    truth: list[dict[str, Any]]  # reports of the ground truth, with their archive id
    ledger: list[dict[str, Any]]
    crawl: dict[str, Any]
    derived: dict[str, int]


def crawl(db: Path, sites: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "archive.app.crawl", "--db", str(db), "--sites", str(sites), "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def report_ids(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT url_key, report_id FROM report_urls"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoFigures]:
    tmp = tmp_path_factory.mktemp("figures")
    db, sites = tmp / "demo.db", tmp / "sites.yml"
    with DemoPortals(base_port=0) as portals:
        sites.write_text(portals.sites_yaml(), encoding="utf-8")
        summary = crawl(db, sites)
        truth = [e for e in portals.ground_truth()
                 if e["kind"] == "report" and not e["duplicate_of"]]
        ledger = portals.coverage_truth(TODAY)
    with Archive(db) as archive:
        derived = derive_all(archive, today=TODAY).counts
    by_url = report_ids(db)
    for entry in truth:
        found = {by_url.get(canonicalize_url(u, keep_fragments=False)) for u in entry["urls"]}
        entry["rid"] = next(iter(found - {None}), None)
    yield DemoFigures(db, truth, ledger, summary, derived)


def query(demo: DemoFigures, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(demo.db) as conn:
        return conn.execute(sql, params).fetchall()


def expected_cells(expect: dict[str, Any]) -> dict[Cell, str]:
    cells: dict[Cell, str] = {}
    for row, columns in expect["cells"].get("active", {}).items():
        cells.update({("active", row, column): raw for column, raw in columns.items()})
    for row, raws in expect["cells"].get("applications", {}).items():
        cells.update({("applications", row, c): raw
                      for c, raw in zip(APPLICATION_STANDARD, raws.split("|"), strict=True)})
    for group, raws in expect["cells"].get("reviews", {}).items():
        cells.update({("reviews", group, c): raw
                      for c, raw in zip(REVIEW_COLUMNS, raws.split("|"), strict=True)})
    return cells


def expected_value(expect: dict[str, Any], cell: Cell, raw: str) -> float | int | None:
    """A count states a number only when written as one; money as the demo says in 万元."""
    money = expect["money"].get(f"{cell[1]}/{cell[2]}", "count")
    if money != "count":
        return money
    return int(raw) if raw.isdigit() else None


def stored_cells(demo: DemoFigures, rid: str) -> dict[Cell, tuple[Any, str]]:
    rows = query(demo, 'SELECT "table", row_key, column_key, value, raw FROM figures '
                       "WHERE report_id = ? AND \"table\" != 'narrative'", rid)
    return {(t, r, c): (v, raw) for t, r, c, v, raw in rows}


def table_reports(demo: DemoFigures) -> list[dict[str, Any]]:
    return [e for e in demo.truth if e["expect"] and e["expect"]["template"]]


def test_the_crawl_itself_derives_figures_checks_and_coverage(demo: DemoFigures) -> None:
    derived = demo.crawl["derived"]
    assert derived["figures"] > 1000 and derived["coverage rows"] > 50
    assert derived["checks failed"] >= 1


def test_every_report_was_found(demo: DemoFigures) -> None:
    assert [e["id"] for e in demo.truth if e["rid"] is None] == []


def test_every_table_cell_matches_the_demo(demo: DemoFigures) -> None:
    """Every cell the demo wrote (HTML page or attached file), with its raw text and value;
    and nothing else."""
    wrong: list[tuple[str, Cell, Any, Any]] = []
    for entry in table_reports(demo):
        expect, stored = entry["expect"], stored_cells(demo, entry["rid"])
        for cell, raw in expected_cells(expect).items():
            want = (expected_value(expect, cell, raw), raw)
            got = stored.get(cell)
            if got is None or got[1] != want[1] or not same_value(got[0], want[0]):
                wrong.append((entry["id"], cell, want, got))
        wrong += [(entry["id"], cell, None, stored[cell])
                  for cell in set(stored) - set(expected_cells(expect))]
    assert wrong == []
    assert len(table_reports(demo)) >= 30


def same_value(got: Any, want: Any) -> bool:
    if got is None or want is None:
        return got is want
    return abs(float(got) - float(want)) < 1e-9


def test_awkward_shapes_are_on_the_demo_and_read(demo: DemoFigures) -> None:
    raws = {raw for (raw,) in query(demo, "SELECT DISTINCT raw FROM figures")}
    assert {"", "/", "152790元", "3500元"} <= raws
    money = dict(query(demo, "SELECT raw, value FROM figures WHERE raw LIKE '%元'"))
    assert money == {"152790元": 15.279, "3500元": 0.35}


def test_template_version_matches(demo: DemoFigures) -> None:
    got = {e["id"]: query(demo, "SELECT template FROM reports WHERE id = ?", e["rid"])[0][0]
           for e in demo.truth if e["expect"]}
    want = {e["id"]: e["expect"]["template"] for e in demo.truth if e["expect"]}
    assert got == want


def test_checks_match_the_demo(demo: DemoFigures) -> None:
    wrong = []
    for entry in demo.truth:
        if not entry["expect"]:
            continue
        got = dict(query(demo, 'SELECT "check", status FROM checks WHERE report_id = ?',
                         entry["rid"]))
        for check, status in entry["expect"]["checks"].items():
            if got.get(check) != status:
                wrong.append((entry["id"], check, status, got.get(check)))
    assert wrong == []


def test_a_table_that_does_not_add_up_fails_with_the_numbers(demo: DemoFigures) -> None:
    failing = [(e, check) for e in demo.truth if e["expect"]
               for check, status in e["expect"]["checks"].items()
               if status == "fail" and check.startswith(("applications", "reviews"))]
    assert len({e["id"] for e, _ in failing}) >= 3
    for entry, check in failing:
        (detail,) = query(demo, 'SELECT detail FROM checks WHERE report_id = ? AND "check" = ?',
                          entry["rid"], check)[0]
        for part in detail.split("; "):
            if "≠" not in part:
                continue
            left, right = part.split("≠")
            said = re.findall(r"=(\d+(?:\.\d+)?)\s*$", left)
            stated = re.findall(r"\d+(?:\.\d+)?", right)
            assert said and stated and float(said[0]) != float(stated[-1]), detail


def test_late_reports_are_flagged(demo: DemoFigures) -> None:
    late = {e["rid"]: e["expect"]["late"] for e in demo.truth if e["expect"] and
            e["expect"]["late"]}
    assert set(late.values()) == {"warn", "fail"}
    got = dict(query(demo, "SELECT report_id, status FROM checks WHERE \"check\" = "
                           "'published_on_time' AND status IN ('warn', 'fail')"))
    assert got == late


def test_tables_as_images_are_missing_not_zero(demo: DemoFigures) -> None:
    images = [e for e in demo.truth
              if e["expect"] and e["expect"]["checks"]["standard_tables"] == "fail"]
    assert images and all(e["tables"] == 0 for e in images)
    for entry in images:
        assert query(demo, "SELECT count(*) FROM figures WHERE report_id = ?",
                     entry["rid"]) == [(0,)]
        (detail,) = query(demo, "SELECT detail FROM checks WHERE report_id = ? AND "
                                "\"check\" = 'standard_tables' AND status = 'fail'",
                          entry["rid"])[0]
        assert "image" in detail


def test_narrative_figures_match_the_demo(demo: DemoFigures) -> None:
    stated = taken = 0
    for entry in demo.truth:
        narrative = (entry["expect"] or {}).get("cells", {}).get("narrative", {})
        got = dict(query(demo, "SELECT row_key, value FROM figures WHERE report_id = ? AND "
                               "\"table\" = 'narrative' AND column_key = 'total'", entry["rid"]))
        for row, value in narrative.items():
            stated += 1
            if row in got:
                taken += 1
                assert got[row] == value, (entry["id"], row)
    assert stated >= 50 and taken / stated >= 0.95


def test_coverage_matches_the_demo(demo: DemoFigures) -> None:
    want = {(r["site_id"], r["town"], r["year"]): r["status"] for r in demo.ledger}
    got = {(s, t, y): status for s, t, y, status in
           query(demo, "SELECT site_id, town, year, status FROM coverage")}
    assert got == want
    assert {"published", "late", "missing"} <= set(got.values())


def test_coverage_rows_name_their_report(demo: DemoFigures) -> None:
    rid_of = {e["id"]: e["rid"] for e in demo.truth}
    for row in demo.ledger:
        (stored,) = query(demo, "SELECT report_id FROM coverage WHERE site_id = ? AND town = ? "
                                "AND year = ?", row["site_id"], row["town"], row["year"])[0]
        assert stored == (rid_of[row["id"]] if row["id"] else None), row


def test_every_body_resolves_to_its_division(demo: DemoFigures) -> None:
    for entry in demo.truth:
        county, level, code = query(demo, "SELECT division_county, division_level, "
                                          "division_code FROM reports WHERE id = ?",
                                    entry["rid"])[0]
        assert county == entry["county"] and code, entry["id"]
        assert level == ("county" if entry["town"] == entry["county"] else "township")


def test_deriving_again_changes_nothing(demo: DemoFigures) -> None:
    tables = ("figures", "checks", "coverage")
    before = {t: query(demo, f"SELECT * FROM {t} ORDER BY 1, 2, 3") for t in tables}
    with Archive(demo.db) as archive:
        derive_all(archive, today=TODAY)
    assert {t: query(demo, f"SELECT * FROM {t} ORDER BY 1, 2, 3") for t in tables} == before
