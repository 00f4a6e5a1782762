"""A crawl cut by its page limit says so everywhere, and the next run goes on from there."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest

from tools.scale import ScalePortal

ROOT = Path(__file__).resolve().parent.parent
REPORTS = 60
LIMIT = 40


@pytest.fixture(scope="module")
def portal() -> Iterator[ScalePortal]:
    with ScalePortal(reports=REPORTS) as running:
        yield running


def crawl(db: Path, url: str) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-m", "archive.app.crawl", "--db", str(db), "--url", url,
         "--max-pages", str(LIMIT), "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def stored_reports(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {url for (url,) in conn.execute("SELECT url FROM reports")}


def test_page_limit_is_loud_and_the_next_run_continues(portal: ScalePortal,
                                                        tmp_path: Path) -> None:
    db = tmp_path / "limited.db"
    first = crawl(db, portal.start_url)
    assert f"page limit {LIMIT} reached" in str(first["line"])
    assert first["limited_sites"] and first["sites"][0]["limited"]  # type: ignore[index]
    with sqlite3.connect(db) as conn:
        status, detail = conn.execute("SELECT status, detail FROM site_status").fetchone()
    assert status == "limited" and "requests left" in detail
    found = [stored_reports(db)]
    for _ in range(6):  # each run spends its pages further on: known reports are not due
        summary = crawl(db, portal.start_url)
        found.append(stored_reports(db))
        if not summary["limited_sites"]:
            break
    everything = set(portal.report_urls())
    # every run finds more until all are found (a limited run may find the last ones)
    assert all(later > earlier for earlier, later in pairwise(found) if earlier != everything)
    assert found[-1] == everything
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT status FROM site_status").fetchone()[0] == "ok"


def test_nightly_exits_1_and_says_limited_when_a_site_hit_its_page_limit() -> None:
    from archive.app.nightly import NightlyResult

    counts = {"sites": 2, "requests": 5, "list_requests": 1, "report_bodies": 4,
              "not_modified": 0, "skipped": 0, "reports_new": 4, "versions_new": 0,
              "withdrawn": 0, "errors": 0}
    ok = NightlyResult(1, counts=counts)
    limited = NightlyResult(2, counts=counts,
                            limited={"county": "page limit 40 reached, 9 requests left"})
    assert ok.exit_code == 0 and "LIMITED" not in ok.line()
    assert limited.exit_code == 1
    assert "1 ok" in limited.line() and "LIMITED: county (page limit 40" in limited.line()
