"""A SIGKILL in the middle of a group of uncommitted writes (issue #10).

The crawl commits its writes in groups. Killed while a group is open, it loses that
group and nothing else: the file is intact, and the next run fetches the lost pages again
(their url_state was in the lost group too) and finds every report.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.nightly import count_rows, query, run, scalar, start, wait_until

from tools.scale import ScalePortal

REPORTS = 300


@pytest.fixture(scope="module")
def portal() -> Iterator[ScalePortal]:
    with ScalePortal(reports=REPORTS) as running:
        yield running


def crawl_command(db: Path, url: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "archive.app.crawl", "--db", str(db), "--url", url, *extra]


KILLER = """
import os, sys
from archive.db import Archive
with Archive(sys.argv[1]) as archive:
    archive.add_capture("http://127.0.0.1:1/committed", status=200, headers={}, body=b"a")
    with archive.group_commits(every=1000, seconds=3600):
        for n in range(int(sys.argv[2])):
            archive.add_capture(f"http://127.0.0.1:1/{n}", status=200, headers={}, body=b"b")
        os.kill(os.getpid(), 9)
"""


def test_group_commits_lose_exactly_the_open_group(tmp_path: Path) -> None:
    db = tmp_path / "unit.db"
    ran = run([sys.executable, "-c", KILLER, str(db), "25"])
    assert ran.returncode == -signal.SIGKILL
    assert scalar(db, "PRAGMA integrity_check") == "ok"
    assert [r[0] for r in query(db, "SELECT url FROM captures")] == [
        "http://127.0.0.1:1/committed"]


def committed_rows(db: Path) -> int:
    """Rows another connection sees. The archive's own SQLite library (pysqlite3): two
    SQLite libraries on one file in one process break each other's POSIX locks."""
    import pysqlite3.dbapi2 as pysqlite3

    conn = pysqlite3.connect(str(db))
    try:
        return int(conn.execute("SELECT count(*) FROM captures").fetchone()[0])
    finally:
        conn.close()


def test_group_commits_commit_when_due(tmp_path: Path) -> None:
    from archive.db import Archive

    with Archive(tmp_path / "due.db") as archive:
        with archive.group_commits(every=3, seconds=3600) as group:
            for n in range(7):
                archive.add_capture(f"http://127.0.0.1:1/{n}", status=200, headers={},
                                    body=b"x")
            assert committed_rows(tmp_path / "due.db") == 6  # two groups of three
            assert group.commits == 2
        assert committed_rows(tmp_path / "due.db") == 7  # the rest on leaving


def test_sigkill_mid_group_loses_only_the_group(portal: ScalePortal, tmp_path: Path) -> None:
    db = tmp_path / "group.db"
    proc = start(crawl_command(db, portal.start_url))
    try:
        wait_until(lambda: count_rows(db, "reports") >= 60 or proc.poll() is not None)
        time.sleep(0.25)  # half a commit interval: a group is open with writes in it
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the crawl ended before it could be killed"
    assert scalar(db, "PRAGMA integrity_check") == "ok"
    committed = count_rows(db, "captures")
    kept = {r[0] for r in query(db, "SELECT id FROM reports")}
    resumed = run(crawl_command(db, portal.start_url, "--json"), timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert scalar(db, "PRAGMA integrity_check") == "ok"
    assert count_rows(db, "captures") > committed
    final = {r[0] for r in query(db, "SELECT id FROM reports")}
    assert kept <= final
    assert {r[0] for r in query(db, "SELECT url FROM reports")} == set(portal.report_urls())
    assert scalar(db, "SELECT count(*) FROM report_versions WHERE version > 1") == 0
