"""The marks of what changed since the last derive (archive/db/dirty.py): which writes mark
what, and that a mark lives and dies with its write (a rollback, a SIGKILL mid-group)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

from archive.db import Archive, report_id
from archive.db.dirty import count_dirty, dirty_keys
from archive.db.url_state import record_check
from archive.derive import derive_all
from archive.records import Report
from crawler.schedule import next_visit_after

ROOT = Path(__file__).resolve().parent.parent
URL = "http://127.0.0.1:9/xxgk/2023.html"
TODAY = date(2026, 2, 15)


def report(text: str = "一、总体情况\n本年度依法公开。") -> Report:
    title = "高家镇2023年政府信息公开工作年度报告"
    return Report(url=URL, title=title, title_raw=title, text=text, town="高家镇",
                  report_year=2023)


def test_content_changes_mark_and_last_seen_does_not(db_path: Path) -> None:
    with Archive(db_path) as archive:
        archive.save_report(report(), capture_id=None, seen_at="2026-01-01T00:00:00Z")
        rid = report_id(report())
        assert dirty_keys(archive.db, "report") == {rid}
        assert dirty_keys(archive.db, "url")  # the report gained its URL
        derive_all(archive, today=TODAY)
        assert count_dirty(archive.db) == {}
        archive.save_report(report(), capture_id=None, seen_at="2026-02-01T00:00:00Z")
        assert count_dirty(archive.db) == {}  # seen again, same text: only last_seen moved
        archive.save_report(report("一、总体情况\n本年度依法公开，另有补充。"), capture_id=None,
                            seen_at="2026-02-02T00:00:00Z")
        assert dirty_keys(archive.db, "report") == {rid}


def test_url_state_marks_only_gone_or_back(db_path: Path) -> None:
    with Archive(db_path) as archive, archive.transaction():
        key = "k1"
        record_check(archive.db, key, URL, site_id="s", status=200, headers={},
                     fingerprint="text:a", capture_id=None, at="2026-01-01T00:00:00Z",
                     schedule=next_visit_after)
        assert dirty_keys(archive.db, "url") == {key}
        archive.db.execute("DELETE FROM derive_dirty")
        record_check(archive.db, key, URL, site_id="s", status=200, headers={},
                     fingerprint="text:a", capture_id=None, at="2026-01-02T00:00:00Z",
                     schedule=next_visit_after)
        assert count_dirty(archive.db) == {}  # checked again, unchanged: no mark
        record_check(archive.db, key, URL, site_id="s", status=404, headers={},
                     fingerprint="gone:404", capture_id=None, at="2026-01-03T00:00:00Z",
                     schedule=next_visit_after)
        assert dirty_keys(archive.db, "url") == {key}


def test_a_rolled_back_write_leaves_no_mark(db_path: Path) -> None:
    with Archive(db_path) as archive:
        try:
            with archive.transaction():
                archive.save_report(report(), capture_id=None)
                raise RuntimeError("stop")
        except RuntimeError:
            pass
        assert count_dirty(archive.db) == {}
        assert archive.db["reports"].count == 0


KILLED = textwrap.dedent("""
    import os, signal, sys
    from archive.db import Archive
    from archive.records import Report
    archive = Archive(sys.argv[1])
    def report(n):
        title = f"高家镇{n}年政府信息公开工作年度报告"
        return Report(url=f"http://127.0.0.1:9/{n}.html", title=title, title_raw=title,
                      text="一、总体情况", town="高家镇", report_year=n)
    with archive.group_commits(every=1000, seconds=3600) as group:
        archive.save_report(report(2021), capture_id=None)
        archive.commit_if_due()
        archive.db.conn.commit()          # the first group is committed
        archive.db.execute("BEGIN")
        archive.save_report(report(2022), capture_id=None)
        os.kill(os.getpid(), signal.SIGKILL)  # mid-group: never committed
""")


def test_a_sigkill_mid_group_keeps_marks_and_data_together(tmp_path: Path) -> None:
    db = tmp_path / "killed.db"
    proc = subprocess.run([sys.executable, "-c", KILLED, str(db)], cwd=ROOT, check=False,
                          capture_output=True, timeout=120)
    assert proc.returncode == -9, proc.stderr[-1000:]
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        years = {y for (y,) in conn.execute("SELECT report_year FROM reports")}
        marked = {k for (k,) in conn.execute(
            "SELECT key FROM derive_dirty WHERE kind = 'report'")}
        ids = {i for (i,) in conn.execute("SELECT id FROM reports")}
    assert years == {2021}
    assert marked == ids  # the kept report is marked, the lost one left no mark
