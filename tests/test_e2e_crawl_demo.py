"""Crawl the live demo portals over real HTTP and compare the archive with ground truth.

The demo portals run in this process (DemoPortals on ephemeral loopback ports); each crawl
runs in a subprocess (`python -m archive.app.crawl`) because Twisted's reactor cannot restart.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from w3lib.url import canonicalize_url

from demo.server import DemoPortals

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Crawl:
    returncode: int
    summary: dict[str, Any]
    stderr: str


def crawl(db: Path, sites: Path) -> Crawl:
    proc = subprocess.run(
        [sys.executable, "-m", "archive.app.crawl", "--db", str(db), "--sites", str(sites), "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    lines = proc.stdout.strip().splitlines()
    return Crawl(proc.returncode, json.loads(lines[-1]) if lines else {}, proc.stderr)


def key(url: str) -> str:
    return canonicalize_url(url, keep_fragments=False)


def query(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


@dataclass
class DemoCrawl:
    db: Path
    truth: list[dict[str, Any]]
    first: Crawl
    second: Crawl
    counts_after_first: dict[str, int]


def table_counts(db: Path) -> dict[str, int]:
    return {t: query(db, f"SELECT count(*) FROM {t}")[0][0]
            for t in ("reports", "report_urls", "sections")}


@pytest.fixture(scope="module")
def demo_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoCrawl]:
    tmp = tmp_path_factory.mktemp("demo")
    db, sites = tmp / "demo.db", tmp / "sites.yml"
    with DemoPortals(base_port=0) as demo:
        sites.write_text(demo.sites_yaml(), encoding="utf-8")
        first = crawl(db, sites)
        counts = table_counts(db)
        second = crawl(db, sites)
        yield DemoCrawl(db, demo.ground_truth(), first, second, counts)


def truth_of(demo: DemoCrawl, kind: str) -> list[dict[str, Any]]:
    return [entry for entry in demo.truth if entry["kind"] == kind]


def report_url_keys(demo: DemoCrawl) -> set[str]:
    return {row[0] for row in query(demo.db, "SELECT url_key FROM report_urls")}


def test_crawl_succeeds_on_every_portal(demo_crawl: DemoCrawl) -> None:
    first = demo_crawl.first
    assert first.returncode == 0, first.stderr[-2000:]
    assert first.summary["failed_sites"] == []
    statuses = query(demo_crawl.db, "SELECT DISTINCT status FROM crawl_runs")
    assert {s for (s,) in statuses} <= {"ok", "partial"}


def test_every_ground_truth_report_is_found(demo_crawl: DemoCrawl) -> None:
    found = report_url_keys(demo_crawl)
    missing = [(e["portal"], e["title_raw"]) for e in truth_of(demo_crawl, "report")
               if not any(key(u) in found for u in e["urls"])]
    assert missing == []


def test_every_url_of_a_report_is_recorded(demo_crawl: DemoCrawl) -> None:
    found = report_url_keys(demo_crawl)
    expected = {key(u) for e in truth_of(demo_crawl, "report") for u in e["urls"]}
    assert expected - found == set()


def test_no_decoy_is_stored_as_a_report(demo_crawl: DemoCrawl) -> None:
    decoy_urls = {key(u) for e in truth_of(demo_crawl, "decoy") for u in e["urls"]}
    assert decoy_urls & report_url_keys(demo_crawl) == set()
    stored = {u for (u,) in query(demo_crawl.db, "SELECT url FROM report_urls")}
    truth_urls = {key(u) for e in truth_of(demo_crawl, "report") for u in e["urls"] + e["frames"]}
    assert {key(u) for u in stored} - truth_urls == set()


def test_titles_match_ground_truth(demo_crawl: DemoCrawl) -> None:
    stored = {t for (t,) in query(demo_crawl.db, "SELECT title FROM reports")}
    expected = {e["title"] for e in truth_of(demo_crawl, "report")}
    assert stored <= expected
    assert len(expected - stored) <= len(truth_of(demo_crawl, "report")) // 10


def test_same_report_under_two_urls_is_one_report(demo_crawl: DemoCrawl) -> None:
    multi = [e for e in truth_of(demo_crawl, "report") if len(e["urls"]) > 1]
    assert multi, "the demo should serve some report under two URLs"
    for entry in multi:
        keys = ", ".join(repr(key(u)) for u in entry["urls"])
        ids = query(demo_crawl.db, f"SELECT DISTINCT report_id FROM report_urls "
                                   f"WHERE url_key IN ({keys})")
        assert len(ids) == 1, entry["urls"]


def test_second_crawl_duplicates_nothing(demo_crawl: DemoCrawl) -> None:
    second = demo_crawl.second
    assert second.returncode == 0, second.stderr[-2000:]
    assert second.summary["reports_new"] == 0
    assert second.summary["reports_found"] == demo_crawl.first.summary["reports_found"]
    assert table_counts(demo_crawl.db) == demo_crawl.counts_after_first
    runs = query(demo_crawl.db, "SELECT site_id, count(*) FROM crawl_runs GROUP BY site_id")
    assert {n for _, n in runs} == {2}


def test_runs_record_counts_and_reports_point_at_captures(demo_crawl: DemoCrawl) -> None:
    first = demo_crawl.first.summary
    rows = query(demo_crawl.db, "SELECT sum(pages), sum(reports_found) FROM crawl_runs "
                                "WHERE id IN (SELECT min(id) FROM crawl_runs GROUP BY site_id)")
    assert rows == [(first["pages"], first["reports_found"])]
    orphans = query(demo_crawl.db, "SELECT count(*) FROM reports r LEFT JOIN captures c "
                                   "ON c.id = r.capture_id WHERE c.id IS NULL OR c.status != 200")
    assert orphans == [(0,)]


def test_places_come_from_the_site_when_the_page_is_silent(demo_crawl: DemoCrawl) -> None:
    missing = query(demo_crawl.db, "SELECT count(*) FROM reports WHERE province IS NULL "
                                   "OR county IS NULL")
    assert missing == [(0,)]


def test_throughput_is_reported(demo_crawl: DemoCrawl) -> None:
    summary = demo_crawl.first.summary
    print(f"\ndemo crawl: {summary['pages']} pages in {summary['seconds']:.1f} s = "
          f"{summary['pages_per_second']} pages/s")
    assert summary["pages"] > len(demo_crawl.truth)


def test_a_report_in_a_frame_is_one_report_under_its_page(demo_crawl: DemoCrawl) -> None:
    framed = [e for e in truth_of(demo_crawl, "report") if e["frames"]]
    assert len(framed) >= 2, "an HTML frame and a PDF in a viewer frame"
    for entry in framed:
        page = entry["urls"][0]
        rows = query(demo_crawl.db, "SELECT r.id, r.url, r.title, r.published, r.text FROM reports r "
                                    f"JOIN report_urls u ON u.report_id = r.id WHERE u.url_key = "
                                    f"'{key(page)}'")
        assert [row[1:4] for row in rows] == [(page, entry["title"], entry["published"])]
        assert entry["headings"][0] in rows[0][4], entry["id"]
        if not entry["attachment_only"]:  # the frame's document is one more URL of it
            frame = query(demo_crawl.db, "SELECT DISTINCT report_id FROM report_urls "
                                         f"WHERE url_key = '{key(entry['frames'][0])}'")
            assert frame == [(rows[0][0],)]


def test_print_pages_exports_and_widget_frames_are_not_fetched(demo_crawl: DemoCrawl) -> None:
    fetched = query(demo_crawl.db, "SELECT url FROM captures WHERE url LIKE '%\\_print.html' "
                                   "ESCAPE '\\' OR url LIKE '%/export.jsp%' OR url LIKE "
                                   "'%viewer.html%' OR url LIKE '%/share/%'")
    assert fetched == []
