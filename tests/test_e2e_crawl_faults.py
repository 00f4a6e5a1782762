"""The fault suite (issue #12): one crawl of a portal that misbehaves in every known way.

`helpers/faults.py` serves, from a raw socket on 127.0.0.1, a report column linking every
case: wrong and mixed charsets, cut and reset connections, slow-loris, 5xx storms, redirect
loops and chains, huge pages, gzip/deflate/brotli/zstd bombs, binary junk, NUL pages,
broken headers, a robots.txt that changes, and list traps. One crawl in a subprocess, then:

- every case ends as something recorded: a capture with an error or a note, a report, a
  trap stop, or (robots.txt) nothing asked — and every request the server received has its
  capture (none silently missing);
- the crawl finishes within its budget and the crawler's peak memory stays under 1 GiB.

Run alone with `make test-faults`.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers.faults import (
    BY_NAME,
    CASES,
    ERROR,
    NOTE,
    REPORTED,
    STOP,
    UNASKED,
    Case,
    FaultPortal,
    peak_rss_of,
    serve_faults,
)

ROOT = Path(__file__).resolve().parent.parent
BUDGET = 90.0  # seconds: the site's time budget
WALL_LIMIT = 75.0  # the crawl, derive included, must finish well within it
MEMORY_LIMIT = 1024 * 1024 * 1024


@dataclass
class Crawl:
    returncode: int
    summary: dict
    stderr: str
    seconds: float
    peak_rss: int
    db: Path
    portal: FaultPortal

    def rows(self, sql: str, *params: object) -> list[tuple]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql, params).fetchall()

    def outcomes(self, case: Case) -> set[str]:
        prefix = self.portal.origin + case.path + "%"
        found = set()
        for status, error, note in self.rows(
                "SELECT status, error, note FROM captures WHERE url LIKE ?", prefix):
            found |= {ERROR} if error or (status or 0) >= 400 else set()
            found |= {NOTE} if note else set()
        if self.rows("SELECT 1 FROM report_urls WHERE url LIKE ?", prefix):
            found.add(REPORTED)
        if self.rows("SELECT 1 FROM crawl_stops WHERE pattern LIKE ? OR example_url LIKE ?",
                     f"%{case.path}%", f"%{case.path}%"):
            found.add(STOP)
        if not self.portal.hits_of(case):
            found.add(UNASKED)
        return found


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    folder = tmp_path_factory.mktemp("faults")
    with serve_faults() as portal:
        sites = [{"id": "faults", "start_urls": [portal.url], "time_budget": BUDGET,
                  "overrides": {"DOWNLOAD_TIMEOUT": 3}}]
        (folder / "sites.yml").write_text(json.dumps({"sites": sites}), encoding="utf-8")
        db = folder / "a.db"
        began = time.monotonic()
        with (folder / "out").open("w+") as out, (folder / "err").open("w+") as err:
            proc = subprocess.Popen(
                [sys.executable, "-m", "archive.app.crawl", "--db", str(db), "--json",
                 "--sites", str(folder / "sites.yml")], cwd=ROOT, stdout=out, stderr=err)
            try:
                returncode, peak = peak_rss_of(proc.pid)
            finally:
                if proc.returncode is None:
                    proc.kill()
            seconds = time.monotonic() - began
            out.seek(0)
            err.seek(0)
            lines = out.read().strip().splitlines()
            yield Crawl(returncode, json.loads(lines[-1]) if lines else {}, err.read(), seconds,
                        peak, db, portal)


def test_there_are_at_least_fifty_hostile_cases() -> None:
    assert len(CASES) >= 50
    assert len({case.name for case in CASES}) == len(CASES)


def test_the_crawl_finishes_within_its_budget(crawl: Crawl) -> None:
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert crawl.seconds < WALL_LIMIT
    ((status, detail),) = crawl.rows("SELECT status, error_detail FROM crawl_runs")
    assert status == "partial" and "time budget" not in (detail or "")


def test_the_crawlers_peak_memory_stays_under_one_gib(crawl: Crawl) -> None:
    assert 0 < crawl.peak_rss < MEMORY_LIMIT


def test_every_request_the_server_received_has_its_capture(crawl: Crawl) -> None:
    captured = {url for (url,) in crawl.rows("SELECT url FROM captures")}
    missing = sorted({hit.path for hit in crawl.portal.hits
                      if crawl.portal.origin + hit.path not in captured})
    assert missing == []


def test_the_report_beside_the_hazards_is_found(crawl: Crawl) -> None:
    url = crawl.portal.origin + "/ndbg/t20170210_1.html"
    assert crawl.rows("SELECT count(*) FROM report_urls WHERE url = ?", url) == [(1,)]


@pytest.mark.parametrize("case", [
    pytest.param(case, marks=[pytest.mark.xfail(reason=case.gap, strict=False)] if case.gap
                 else [], id=case.name) for case in CASES])
def test_each_case_ends_recorded(crawl: Crawl, case: Case) -> None:
    found = crawl.outcomes(case)
    assert found & case.expect, (case.name, found, case.expect)
    if UNASKED not in case.expect:
        assert crawl.portal.hits_of(case), f"{case.name} was never requested"


TRAP_REQUESTS = 50  # requests a trap may cost before it is stopped


@pytest.mark.parametrize("case", [case for case in CASES if case.expect == {STOP}],
                         ids=lambda case: case.name)
def test_each_trap_is_stopped_within_fifty_requests_with_its_reason(crawl: Crawl,
                                                                    case: Case) -> None:
    assert 0 < len(crawl.portal.hits_of(case)) <= TRAP_REQUESTS
    reasons = crawl.rows("SELECT kind, reason FROM crawl_stops WHERE pattern LIKE ? "
                         "OR example_url LIKE ?", f"%{case.path}%", f"%{case.path}%")
    assert reasons and all(reason for _, reason in reasons)


def test_an_endless_list_of_dead_links_is_a_trap(crawl: Crawl) -> None:
    ((kind, reason, requests),) = crawl.rows(
        "SELECT kind, reason, requests FROM crawl_stops WHERE pattern LIKE '%/dead-links/%'")
    assert kind == "dead links" and "report links all failed" in reason
    assert 0 < requests <= TRAP_REQUESTS
    assert len(crawl.portal.hits_of(BY_NAME["dead-links"])) <= TRAP_REQUESTS


def test_a_page_of_fifty_thousand_links_is_cut_and_the_cut_recorded(crawl: Crawl) -> None:
    url = crawl.portal.origin + BY_NAME["fifty-thousand-links"].path
    notes = crawl.rows("SELECT id, note, status, error, kind FROM captures WHERE url = ?", url)
    assert any("links cut: 50,000 links on one page: 1,500 read" in (note or "")
               for _, note, *_ in notes), notes
    ((kind, reason),) = crawl.rows("SELECT kind, reason FROM crawl_stops WHERE pattern = ?", url)
    assert kind == "links" and reason.startswith("50,000 links on one page")


def test_the_cookie_jar_stays_bounded_through_a_set_cookie_storm(crawl: Crawl) -> None:
    flood = crawl.portal.hits_of(BY_NAME["cookie-flood"])
    assert len(flood) >= 3, "the flood's pages were followed"
    sent = max(len(hit.headers.get("cookie", "")) for hit in crawl.portal.hits)
    assert 0 < sent <= 16 * 1024 + 50 * 4  # names and values, "; " between cookies
    ((reason, dropped),) = crawl.rows(
        "SELECT reason, refused FROM crawl_stops WHERE kind = 'cookies'")
    assert "cookies dropped" in reason and dropped >= 2 * 1500
