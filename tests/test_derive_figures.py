"""The figures derive step on a small archive built from fixture pages (issue #6).

Reports are saved with their captures as a crawl would; `derive_figures` must fill
figures, checks, figure_sources, coverage and the report columns, keep blank apart from
zero, replace rows on a rebuild and give the same rows when run twice.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from archive.db import Archive, report_id
from archive.derive import DeriveSummary, derive_all
from archive.derive import figures as figures_step
from archive.derive.figures import derive_figures
from archive.derive.withdrawals import derive_withdrawals
from archive.figures.tables import extract_tables
from archive.records import POST2019, PRE2019, Report, Section

TABLES = Path(__file__).resolve().parent / "fixtures" / "tables"
TODAY = date(2026, 2, 15)  # 2025 reports of townships are due (31 Jan), of counties not yet
BASE = "http://127.0.0.1:1"
POST_HEADINGS = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                 "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况",
                 "六、其他需要报告的事项"]
HTML = {"Content-Type": "text/html; charset=utf-8"}


def page(name: str) -> bytes:
    return (TABLES / name).read_bytes()


def post_report(path: str, town: str, year: int, published: str) -> Report:
    title = f"{town}{year}年政府信息公开工作年度报告"
    return Report(url=f"{BASE}{path}", title=title, title_raw=title,
                  text=f"本报告统计期限自{year}年1月1日起至{year}年12月31日止。",
                  town=town, county="抚松县", report_year=year, published=published,
                  format=POST2019, sections=[Section(1, h, "") for h in POST_HEADINGS])


def narrative_report(path: str, town: str, year: int, published: str) -> Report:
    title = f"{town}{year}年政府信息公开工作年度报告"
    text = (f"{year}年，我镇共主动公开政府信息46条。{year}年，我镇未收到政府信息公开申请。"
            "我镇未收取任何费用。")
    return Report(url=f"{BASE}{path}", title=title, title_raw=title, text=text, town=town,
                  county="抚松县", report_year=year, published=published, format=PRE2019,
                  sections=[Section(1, "一、主动公开政府信息情况", text)])


def store(archive: Archive, report: Report, body: bytes, status: int = 200) -> str:
    capture = archive.add_capture(report.url, status=status, headers=HTML, body=body,
                                  site_id="fusong")
    archive.save_report(report, capture_id=capture, site_id="fusong")
    return report_id(report)


@pytest.fixture
def archive(tmp_path: Path) -> Any:
    with Archive(tmp_path / "figures.db") as archive:
        archive.register_site({"id": "fusong", "name": "抚松县人民政府", "province": "吉林省",
                               "city": "白山市", "county": "抚松县", "start_urls": [BASE]})
        yield archive


@pytest.fixture
def ids(archive: Archive) -> dict[str, str]:
    return {
        "awkward": store(archive, post_report("/a.html", "抚松镇", 2021, "2022-01-20"),
                         page("awkward_2021.html")),
        "unbalanced": store(archive, post_report("/u.html", "抚松镇", 2019, "2020-01-15"),
                            page("unbalanced_2019.html")),
        "images": store(archive, post_report("/i.html", "泉阳镇", 2022, "2023-02-20"),
                        page("images_2022.html")),
        "narrative": store(archive, narrative_report("/n.html", "泉阳镇", 2016, "2017-04-05"),
                           b"<html><body><p>narrative</p></body></html>"),
        "county": store(archive, post_report("/c.html", "抚松县", 2024, "2025-03-20"),
                        page("standard_2021.html")),
    }


def derive(archive: Archive) -> DeriveSummary:
    summary = DeriveSummary(today=TODAY)
    with archive.transaction():  # withdrawals first, as derive_all runs them
        summary.counts.update(derive_withdrawals(archive, summary.today))
        summary.counts.update(derive_figures(archive, summary.today))
    return summary


def rows(archive: Archive, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in archive.db.execute(sql, params).fetchall()]


def snapshot(archive: Archive) -> dict[str, list[tuple[Any, ...]]]:
    return {
        "figures": rows(archive, "SELECT * FROM figures ORDER BY 1, 2, 3, 4"),
        "checks": rows(archive, "SELECT * FROM checks ORDER BY 1, 2"),
        "coverage": rows(archive, "SELECT * FROM coverage ORDER BY 1, 2, 3"),
        "sources": rows(archive, "SELECT report_id, source, input, input_key, template, "
                                 "table_images, figures, notes FROM figure_sources ORDER BY 1"),
        "reports": rows(archive, "SELECT id, template, table_images, division_code, "
                                 "division_township FROM reports ORDER BY id"),
    }


# -- figures ---------------------------------------------------------------------------------


def test_every_cell_of_the_page_is_stored(archive: Archive, ids: dict[str, str]) -> None:
    derive(archive)
    expected = extract_tables(page("awkward_2021.html").decode("utf-8")).figures
    stored = rows(archive, 'SELECT "table", row_key, column_key, value, unit, raw, source '
                           "FROM figures WHERE report_id = ?", ids["awkward"])
    assert len(stored) == len(expected) > 100
    assert {s[:6] for s in stored} == {
        (f.table, f.row_key, f.column_key, f.value, f.unit, f.raw) for f in expected
    }
    assert {s[6] for s in stored} == {"html"}


def test_blank_and_zero_stay_apart(archive: Archive, ids: dict[str, str]) -> None:
    derive(archive)
    cells = {(t, r, c): (v, raw) for t, r, c, v, raw in rows(
        archive, 'SELECT "table", row_key, column_key, value, raw FROM figures '
                 "WHERE report_id = ?", ids["awkward"])}
    assert cells[("applications", "new_requests", "commercial")] == (None, "")
    assert cells[("applications", "new_requests", "total")] == (1, "1")
    zeros = [key for key, (v, raw) in cells.items() if raw == "0"]
    assert zeros and all(cells[key][0] == 0 for key in zeros)
    slashes = [key for key, (v, raw) in cells.items() if raw == "/"]
    assert slashes and all(cells[key][0] is None for key in slashes)


def test_counts_stay_integers_and_money_is_in_wan_yuan(archive: Archive,
                                                       ids: dict[str, str]) -> None:
    derive(archive)
    kinds = dict(rows(archive, "SELECT raw, typeof(value) FROM figures WHERE report_id = ? "
                               "AND raw != ''", ids["awkward"]))
    assert kinds["1"] == "integer"
    money = rows(archive, "SELECT value, unit, raw FROM figures WHERE raw LIKE '%元'")
    assert money == [(15.279, "万元", "152790元")]


def test_tables_published_as_images_give_no_figures_and_a_failed_check(
        archive: Archive, ids: dict[str, str]) -> None:
    derive(archive)
    assert rows(archive, "SELECT count(*) FROM figures WHERE report_id = ?", ids["images"]) == [(0,)]
    status, detail = rows(archive, "SELECT status, detail FROM checks WHERE report_id = ? AND "
                                   "\"check\" = 'standard_tables'", ids["images"])[0]
    assert status == "fail" and "3 image(s)" in detail
    assert rows(archive, "SELECT table_images FROM reports WHERE id = ?", ids["images"]) == [(3,)]


def test_narrative_figures_keep_their_sentence(archive: Archive, ids: dict[str, str]) -> None:
    derive(archive)
    found = {r: (v, s, src) for r, v, s, src in rows(
        archive, "SELECT row_key, value, sentence, source FROM figures WHERE report_id = ?",
        ids["narrative"])}
    assert found["active_published"][0] == 46 and "46条" in found["active_published"][1]
    assert found["requests_received"][0] == 0
    assert {src for _, _, src in found.values()} == {"prose"}


def test_a_table_that_does_not_add_up_fails_with_its_numbers(archive: Archive,
                                                             ids: dict[str, str]) -> None:
    derive(archive)
    checks = dict(rows(archive, "SELECT \"check\", status || ': ' || detail FROM checks "
                                "WHERE report_id = ?", ids["unbalanced"]))
    assert checks["applications_balance"] == (
        "fail: natural_person column: 一(3)+二(1)=4 ≠ 七(2)+四(1)=3; "
        "total column: 一(3)+二(1)=4 ≠ 七(2)+四(1)=3")
    assert checks["applications_row_totals"] == (
        "fail: partially_granted row: 1+0+0+0+0+0=1 ≠ total 0")
    assert checks["applications_outcomes"] == "fail: total column: granted(1)=1 ≠ 七(2)"
    assert checks["standard_tables"].startswith("fail: missing: active, reviews")


def test_template_and_place_columns_on_reports(archive: Archive, ids: dict[str, str]) -> None:
    derive(archive)
    got = {rid: rest for rid, *rest in rows(
        archive, "SELECT id, template, division_code, division_level, division_city, "
                 "division_township FROM reports")}
    assert got[ids["awkward"]] == ["2021", "220621100", "township", "白山市", "抚松镇"]
    assert got[ids["unbalanced"]][0] == "2019"
    assert got[ids["county"]] == ["2021", "220621", "county", "白山市", None]
    assert got[ids["narrative"]][0] is None


# -- checks and coverage ---------------------------------------------------------------------


def test_every_report_gets_every_check(archive: Archive, ids: dict[str, str]) -> None:
    derive(archive)
    per_report = rows(archive, "SELECT report_id, count(*) FROM checks GROUP BY report_id")
    assert len(per_report) == len(ids) and {n for _, n in per_report} == {9}


def test_late_reports(archive: Archive, ids: dict[str, str]) -> None:
    derive(archive)
    late = dict(rows(archive, "SELECT report_id, status FROM checks "
                              "WHERE \"check\" = 'published_on_time' AND status != 'pass'"))
    # a township after 31 January (custom: warn), a 2016 report after 31 March (fail)
    assert late == {ids["images"]: "warn", ids["narrative"]: "fail"}


def test_coverage_is_keyed_by_site_town_and_year(archive: Archive, ids: dict[str, str]) -> None:
    derive(archive)
    ledger = {(town, year): status for town, year, status in rows(
        archive, "SELECT town, year, status FROM coverage WHERE site_id = 'fusong'")}
    assert ledger[("抚松镇", 2019)] == "published"
    assert ledger[("抚松镇", 2020)] == "missing"
    assert ledger[("抚松镇", 2025)] == "missing"  # due 2026-01-31, before TODAY
    assert ("抚松镇", 2026) not in ledger
    assert ledger[("泉阳镇", 2016)] == "late"
    assert ledger[("泉阳镇", 2022)] == "late"
    assert [y for (t, y) in ledger if t == "泉阳镇"] == list(range(2016, 2026))
    assert ledger[("抚松县", 2024)] == "published"
    assert ("抚松县", 2025) not in ledger  # the county's 2025 report is due 2026-03-31


def test_a_report_whose_every_url_is_gone_is_withdrawn(archive: Archive,
                                                       ids: dict[str, str]) -> None:
    archive.add_capture(f"{BASE}/a.html", status=404, headers=HTML, body=b"gone",
                        site_id="fusong")
    derive(archive)
    assert rows(archive, "SELECT status, report_id FROM coverage WHERE town = '抚松镇' "
                         "AND year = 2021") == [("withdrawn", ids["awkward"])]


# -- rebuilds ----------------------------------------------------------------------------------


def test_derive_twice_gives_the_same_rows(archive: Archive, ids: dict[str, str]) -> None:
    derive(archive)
    first = snapshot(archive)
    summary = derive(archive)
    assert snapshot(archive) == first
    assert summary.counts["figures"] == len(first["figures"])
    assert summary.counts["coverage rows"] == len(first["coverage"])


def test_unchanged_inputs_are_not_read_again(archive: Archive, ids: dict[str, str]) -> None:
    derive(archive)
    stamp = rows(archive, "SELECT report_id, derived_at FROM figure_sources")
    archive.db.execute("UPDATE figure_sources SET derived_at = 'earlier'")
    derive(archive)
    assert {d for _, d in rows(archive, "SELECT report_id, derived_at FROM figure_sources")} \
        == {"earlier"}
    assert len(stamp) == len(ids)


def test_rows_are_replaced_when_the_page_changes(archive: Archive, ids: dict[str, str]) -> None:
    derive(archive)
    report = post_report("/a.html", "抚松镇", 2021, "2022-01-20")
    report.text += " 修订。"
    store(archive, report, page("standard_2021.html"))
    derive(archive)
    raws = {raw for (raw,) in rows(archive, "SELECT raw FROM figures WHERE report_id = ?",
                                   ids["awkward"])}
    assert "152790元" not in raws
    expected = extract_tables(page("standard_2021.html").decode("utf-8")).figures
    assert rows(archive, "SELECT count(*) FROM figures WHERE report_id = ?",
                ids["awkward"]) == [(len(expected),)]


def test_rows_of_a_vanished_report_are_dropped(archive: Archive, ids: dict[str, str]) -> None:
    derive(archive)
    archive.db.execute("DELETE FROM reports WHERE id = ?", [ids["unbalanced"]])
    derive(archive)
    for table in ("figures", "checks", "figure_sources", "coverage"):
        assert rows(archive, f"SELECT count(*) FROM {table} WHERE report_id = ?",
                    ids["unbalanced"]) == [(0,)], table


def test_tables_from_an_attachment(archive: Archive, tmp_path: Path) -> None:
    """A report read from a file: its tables come from the extraction cache."""
    report = post_report("/f.html", "松江河镇", 2021, "2022-01-18")
    rid = store(archive, report, "<html><body><p>附件</p></body></html>".encode())
    tables = json.loads((TABLES / "pdf_2021.rows.json").read_text(encoding="utf-8"))["tables"]
    result = {"kind": "pdf", "status": "ok", "text": "", "tables": tables}
    archive.db["extractions"].insert({"sha256": "f" * 64, "status": "ok", "result": zlib.compress(
        json.dumps(result, ensure_ascii=False).encode("utf-8"))})
    archive.db["attachments"].insert({"id": "a1", "report_id": rid, "url": f"{BASE}/f.pdf",
                                      "sha256": "f" * 64, "status": "ok", "main": 1})
    derive(archive)
    source, url, count = rows(archive, "SELECT source, input, figures FROM figure_sources "
                                       "WHERE report_id = ?", rid)[0]
    assert (source, url) == ("attachment", f"{BASE}/f.pdf") and count > 150
    assert rows(archive, "SELECT template FROM reports WHERE id = ?", rid) == [("2021",)]


def test_derive_all_runs_the_figures_step_after_attachments(tmp_path: Path) -> None:
    db = tmp_path / "all.db"
    with Archive(db) as archive:
        archive.register_site({"id": "fusong", "name": "x", "province": "吉林省",
                               "county": "抚松县", "start_urls": [BASE]})
        store(archive, post_report("/s.html", "抚松镇", 2019, "2020-01-15"),
              page("standard_2019.html"))
        summary = derive_all(archive, today=TODAY)
    assert summary.counts["figures"] > 150 and summary.counts["coverage rows"] >= 6
    with sqlite3.connect(db) as conn:
        views = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='view'")}
        assert {"applications_wide", "active_wide", "reviews_wide", "requests_per_year"} <= views
        wide = conn.execute("SELECT natural_person, total FROM applications_wide "
                            "WHERE row_key = 'new_requests'").fetchall()
        assert len(wide) == 1


@pytest.mark.parametrize("later", [TODAY, date(2026, 4, 2)])  # the same day; past 31 March
def test_an_incremental_derive_equals_a_full_one(archive: Archive, ids: dict[str, str],
                                                  later: date) -> None:
    """Only the touched reports and the ledger of their bodies are redone, and that gives
    the rows a derive of everything gives: a report gone (its body's ledger now starts
    later), one added, one moved to another town, and a new day."""
    derive_all(archive, today=TODAY)
    archive.db.execute("DELETE FROM reports WHERE id = ?", [ids["unbalanced"]])
    store(archive, post_report("/n2.html", "北岗镇", 2023, "2024-03-01"),
          page("standard_2021.html"))
    archive.db.execute("UPDATE reports SET town = '北岗镇' WHERE id = ?", [ids["images"]])
    summary = derive_all(archive, today=later)
    assert not summary.full
    got = snapshot(archive)
    ledger = {row[:3]: row[4] for row in got["coverage"]}
    assert ("fusong", "抚松镇", 2019) not in ledger  # its only earlier report is gone
    assert ledger[("fusong", "北岗镇", 2022)] == ids["images"]  # moved in
    assert ledger[("fusong", "泉阳镇", 2022)] is None  # moved out
    assert derive_all(archive, today=later, full=True).full
    assert snapshot(archive) == got


def test_tables_read_in_worker_processes_give_the_same_rows(
        archive: Archive, ids: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A full derive of a large archive reads page tables in worker processes."""
    derive_all(archive, today=TODAY, full=True)
    expected = snapshot(archive)
    archive.db.execute("DELETE FROM figure_sources")  # every report's figures read again
    archive.db.execute("DELETE FROM figures")
    monkeypatch.setattr(figures_step, "POOL_MIN_REPORTS", 0)
    started = []
    real_pool = figures_step.worker_pool
    monkeypatch.setattr(figures_step, "worker_pool", lambda: started.append(1) or real_pool())
    derive_all(archive, today=TODAY, full=True)
    assert started == [1]
    assert snapshot(archive) == expected
