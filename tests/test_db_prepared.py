"""The writer's share of a saved report made cheaper (issue #10): masking and the version
hash computed where the page is parsed (`prepare_report`, carried by `Reading`), and the
full-text index synced once per group commit instead of after every report.

What must not change: the stored rows (masked exactly as before), search exactness, and a
SIGKILL mid-group leaving index and reports consistent."""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from archive.db import Archive
from archive.db.archive import prepare_report
from archive.db.versions import text_sha256
from archive.ingest import REPORT, read_capture
from archive.parse.personal import mask_report
from archive.records import Report, Section

ROOT = Path(__file__).resolve().parent.parent
MOBILE = "13912345678"


def report(year: int, extra: str = "") -> Report:
    title = f"高家镇{year}年政府信息公开工作年度报告"
    text = f"一、总体情况\n本年度依法公开扶贫资金。申请人张三丰电话{MOBILE}。{extra}"
    return Report(url=f"http://127.0.0.1:9/{year}.html", title=title, title_raw=title,
                  text=text, town="高家镇", report_year=year,
                  sections=[Section(1, "一、总体情况", text.split("\n", 1)[1])])


def rows(db_path: Path, sql: str) -> list[tuple[Any, ...]]:
    """Read through the archive's own SQLite library (never stdlib sqlite3 beside it)."""
    import pysqlite3.dbapi2 as pysqlite3

    conn = pysqlite3.connect(str(db_path))
    try:
        return [tuple(r) for r in conn.execute(sql).fetchall()]
    finally:
        conn.close()


STORED = ("SELECT id, title, text, personal_findings FROM reports ORDER BY id",
          "SELECT report_id, version, text_sha256, text FROM report_versions ORDER BY report_id",
          "SELECT report_id, ordinal, heading, text FROM sections ORDER BY report_id, ordinal")


def test_prepared_report_is_the_masked_report_and_its_hash() -> None:
    original = report(2023)
    prepared = prepare_report(original)
    masked, findings = mask_report(original)
    assert prepared.source is original
    assert prepared.report == masked and prepared.findings == findings
    assert MOBILE not in prepared.report.text and findings
    assert prepared.text_sha256 == text_sha256(masked.text)


def test_saving_prepared_stores_what_saving_raw_stores(tmp_path: Path) -> None:
    with Archive(tmp_path / "raw.db") as raw, Archive(tmp_path / "prep.db") as prep:
        for year in (2021, 2022):
            original = report(year)
            assert raw.save_report(original, capture_id=None, seen_at="2026-01-01T00:00:00") \
                == "new"
            assert prep.save_report(original, capture_id=None, seen_at="2026-01-01T00:00:00",
                                    prepared=prepare_report(original)) == "new"
    for sql in STORED:
        assert rows(tmp_path / "raw.db", sql) == rows(tmp_path / "prep.db", sql), sql
    assert all(MOBILE not in text for _, _, text, _ in rows(tmp_path / "prep.db", STORED[0]))


def test_a_prepared_report_of_another_report_is_not_used(tmp_path: Path) -> None:
    stale = prepare_report(report(2023, "旧文本。"))
    with Archive(tmp_path / "a.db") as archive:
        archive.save_report(report(2023, "新文本。"), capture_id=None, prepared=stale)
    (text,), = rows(tmp_path / "a.db", "SELECT text FROM reports")
    assert "新文本" in text and "旧文本" not in text


def test_reading_carries_the_prepared_report_across_processes() -> None:
    page = next((ROOT / "tests" / "fixtures" / "generic").glob("*.html"))
    reading = read_capture("http://127.0.0.1:9/report.html", page.read_bytes(),
                           {"Content-Type": "text/html; charset=utf-8"})
    assert reading.kind == REPORT and reading.report is not None
    # The crawl's workers pickle the reading back to the writer: the identity the writer
    # checks (`prepared.source is report`) must survive it.
    back = pickle.loads(pickle.dumps(reading))
    assert back.prepared is not None and back.prepared.source is back.report
    assert back.prepared.report == mask_report(back.report)[0]
    assert back.text_sha256 == text_sha256(back.report.text)


def fts_ids(db_path: Path, word: str) -> set[str]:
    return {rid for (rid,) in rows(db_path, (
        "SELECT r.id FROM reports_fts JOIN reports r ON r.rowid = reports_fts.rowid "
        f"WHERE reports_fts MATCH '{word}'"))}


def test_a_group_indexes_its_reports_when_it_commits(tmp_path: Path) -> None:
    db_path = tmp_path / "group.db"
    with Archive(db_path) as archive:
        with archive.group_commits(every=3, seconds=3600) as group:
            for year in (2019, 2020, 2021):
                archive.save_report(report(year), capture_id=None)
            assert group.commits == 1  # the third write made the group due
            committed = {rid for (rid,) in rows(db_path, "SELECT id FROM reports")}
            assert len(committed) == 3
            assert fts_ids(db_path, "扶贫") == committed  # indexed in the same commit
            assert rows(db_path, "SELECT count(*) FROM reports_fts_pending") == [(0,)]
            archive.save_report(report(2022, "乡村振兴。"), capture_id=None)
            # Not per report: the open group's report waits in the queue, uncommitted.
            assert archive.db.execute(
                "SELECT count(*) FROM reports_fts_pending").fetchone()[0] == 1
        assert len(fts_ids(db_path, "振兴")) == 1
        assert len(fts_ids(db_path, "扶贫")) == 4
        assert fts_ids(db_path, MOBILE) == set()  # the masked number is not indexed
    assert rows(db_path, "SELECT count(*) FROM reports_fts_pending") == [(0,)]
    # The tokens the workers segmented are the ones a rebuild from the stored text makes.
    words = ("扶贫", "振兴", "申请", "高家镇", "总体情况", "年度报告")
    from archive.search.tokenizer import match_phrase

    before = {w: fts_ids(db_path, match_phrase(w)) for w in words}
    fresh = {rid: (title, text) for rid, title, text, _ in rows(db_path, STORED[0])}
    with Archive(db_path) as archive:
        from archive.search.fts import rebuild_search

        rebuild_search(archive.db)
        for rid, (title, text) in fresh.items():
            assert archive.db.execute(
                "SELECT count(*) FROM reports_fts JOIN reports r ON r.rowid = reports_fts.rowid "
                "WHERE r.id = ? AND reports_fts MATCH ?", [rid, match_phrase(text[:6])]
            ).fetchone()[0] == 1
    for w in words:
        assert fts_ids(db_path, match_phrase(w)) == before[w] == \
            {rid for rid, (title, text) in fresh.items() if w in title + text}, w


KILLED = textwrap.dedent("""
    import os, signal, sys
    from archive.db import Archive
    from archive.records import Report
    def report(year, extra=""):
        title = f"高家镇{year}年政府信息公开工作年度报告"
        return Report(url=f"http://127.0.0.1:9/{year}.html", title=title, title_raw=title,
                      text="本年度依法公开扶贫资金。" + extra, town="高家镇", report_year=year)
    archive = Archive(sys.argv[1])
    with archive.group_commits(every=2, seconds=3600):
        archive.save_report(report(2020), capture_id=None)
        archive.save_report(report(2021), capture_id=None)   # due: committed and indexed
        archive.save_report(report(2022, "乡村振兴。"), capture_id=None)
        os.kill(os.getpid(), signal.SIGKILL)               # mid-group: lost
""")


def test_a_sigkill_mid_group_loses_report_and_index_rows_together(tmp_path: Path) -> None:
    db_path = tmp_path / "killed.db"
    ran = subprocess.run([sys.executable, "-c", KILLED, str(db_path)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, check=False)
    assert ran.returncode == -9, ran.stderr[-2000:]
    assert rows(db_path, "PRAGMA integrity_check") == [("ok",)]
    assert len(rows(db_path, "SELECT id FROM reports")) == 2
    assert fts_ids(db_path, "振兴") == set()
    with Archive(db_path) as archive:  # the next run: the index agrees with the reports
        archive.save_report(report(2022, "乡村振兴。"), capture_id=None)
    assert len(fts_ids(db_path, "振兴")) == 1 and len(fts_ids(db_path, "扶贫")) == 3
    assert rows(db_path, "SELECT count(*) FROM reports_fts_docsize") == [(3,)]
