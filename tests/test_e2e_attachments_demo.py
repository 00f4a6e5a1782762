"""Crawl the live demo portals and check the reports published as attachments (issue #5).

The crawl runs in a subprocess (`python -m archive.app.crawl`, which derives attachments after
the crawl as `nianbao crawl` does); the rebuild runs here (`build_archive`, no network).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from w3lib.url import canonicalize_url

from archive.build import BuildSummary, build_archive
from archive.db import Archive
from demo.server import DemoPortals

ROOT = Path(__file__).resolve().parent.parent
REPORT_COLUMNS = "id, url, title, town, county, report_year, published, source, format, text"


@dataclass
class AttachmentCrawl:
    db: Path
    truth: list[dict[str, Any]]
    returncode: int
    summary: dict[str, Any]
    stderr: str
    before: dict[str, list[tuple]]  # attachment reports and rows after the crawl
    rebuild: BuildSummary
    rebuild_seconds: float


def query(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def key(url: str) -> str:
    return canonicalize_url(url, keep_fragments=False)


def snapshot(db: Path) -> dict[str, list[tuple]]:
    return {
        "reports": query(db, f"SELECT {REPORT_COLUMNS}, first_seen, last_seen FROM reports "
                             "WHERE id IN (SELECT report_id FROM attachments) ORDER BY id"),
        "attachments": query(db, "SELECT * FROM attachments ORDER BY id"),
        "sections": query(db, "SELECT * FROM sections WHERE report_id IN "
                              "(SELECT report_id FROM attachments) ORDER BY report_id, ordinal"),
    }


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AttachmentCrawl]:
    tmp = tmp_path_factory.mktemp("attachments")
    db, sites = tmp / "demo.db", tmp / "sites.yml"
    with DemoPortals(base_port=0) as portals:
        sites.write_text(portals.sites_yaml(), encoding="utf-8")
        proc = subprocess.run(
            [sys.executable, "-m", "archive.app.crawl", "--db", str(db), "--sites", str(sites), "--json"],
            cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
        truth = portals.ground_truth()
    lines = proc.stdout.strip().splitlines()
    before = snapshot(db)
    began = time.monotonic()
    with Archive(db) as archive:
        rebuild = build_archive(archive)
    yield AttachmentCrawl(db, truth, proc.returncode, json.loads(lines[-1]) if lines else {},
                          proc.stderr, before, rebuild, time.monotonic() - began)


def with_files(demo: AttachmentCrawl, attachment_only: bool | None = None) -> list[dict[str, Any]]:
    return [e for e in demo.truth if e["kind"] == "report" and e["attachments"]
            and (attachment_only is None or e["attachment_only"] == attachment_only)]


def stored(demo: AttachmentCrawl, entry: dict[str, Any]) -> dict[str, Any]:
    """The one report stored under the entry's URLs."""
    keys = ", ".join("?" for _ in entry["urls"])
    ids = query(demo.db, f"SELECT DISTINCT report_id FROM report_urls WHERE url_key IN ({keys})",
                tuple(key(u) for u in entry["urls"]))
    assert len(ids) == 1, (entry["title"], ids)
    names = REPORT_COLUMNS.split(", ")
    row = query(demo.db, f"SELECT {REPORT_COLUMNS} FROM reports WHERE id = ?", (ids[0][0],))[0]
    return dict(zip(names, row, strict=True))


def level1(demo: AttachmentCrawl, rid: str) -> list[str]:
    rows = query(demo.db, "SELECT heading FROM sections WHERE report_id = ? AND level = 1 "
                          "ORDER BY ordinal", (rid,))
    return [unicodedata.normalize("NFKC", h) for (h,) in rows]


def attachment_row(demo: AttachmentCrawl, url: str) -> dict[str, Any]:
    cursor = sqlite3.connect(demo.db).execute("SELECT * FROM attachments WHERE url = ?", (url,))
    names = [d[0] for d in cursor.description]
    found = cursor.fetchall()
    assert len(found) == 1, url
    return dict(zip(names, found[0], strict=True))


def test_the_demo_serves_attachment_reports(demo: AttachmentCrawl) -> None:
    assert len(with_files(demo, attachment_only=True)) >= 7
    assert with_files(demo, attachment_only=False), "one HTML report also attaches its file"


def test_crawl_goes_on_past_hostile_files(demo: AttachmentCrawl) -> None:
    assert demo.returncode == 0, demo.stderr[-2000:]
    assert demo.summary["failed_sites"] == []
    assert demo.summary["derived"]["attachments"] >= sum(len(e["attachments"])
                                                         for e in with_files(demo))


def test_attachment_only_reports_are_found_with_title_town_year(demo: AttachmentCrawl) -> None:
    for entry in with_files(demo, attachment_only=True):
        report = stored(demo, entry)
        got = (report["title"], report["town"], report["report_year"])
        assert got == (entry["title"], entry["town"], entry["report_year"]), entry["urls"]


def test_attachment_only_reports_have_the_published_date(demo: AttachmentCrawl) -> None:
    for entry in with_files(demo, attachment_only=True):
        assert stored(demo, entry)["published"] == entry["published"], entry["title"]


def test_detail_pages_give_the_source(demo: AttachmentCrawl) -> None:
    for entry in with_files(demo, attachment_only=True):
        if not any(u.endswith(".html") for u in entry["urls"]):
            continue  # linked straight from a list: no page carries a source
        assert stored(demo, entry)["source"] == entry["source"], entry["title"]


def test_readable_attachments_give_the_section_headings(demo: AttachmentCrawl) -> None:
    readable = [e for e in with_files(demo, attachment_only=True)
                if any(a["status"] == "ok" for a in e["attachments"])]
    assert len(readable) >= 6
    for entry in readable:
        report = stored(demo, entry)
        assert level1(demo, report["id"]) == entry["headings"], entry["title"]
        assert report["format"] == entry["format"], entry["title"]


def test_unreadable_report_exists_without_text(demo: AttachmentCrawl) -> None:
    scans = [e for e in with_files(demo, attachment_only=True)
             if all(a["status"] != "ok" for a in e["attachments"])]
    assert scans, "the demo has a scanned report"
    for entry in scans:
        report = stored(demo, entry)
        assert report["text"] == "" and report["format"] is None
        assert level1(demo, report["id"]) == []


def test_attachment_rows_have_the_expected_status(demo: AttachmentCrawl) -> None:
    for entry in with_files(demo):
        rid = stored(demo, entry)["id"]
        for expected in entry["attachments"]:
            row = attachment_row(demo, expected["url"])
            assert (row["status"], row["kind"]) == (expected["status"], expected["kind"])
            assert row["report_id"] == rid
            assert row["filename"] == expected["name"]
            assert bool(row["error"]) == (expected["status"] != "ok"), row["error"]


def test_html_report_and_its_attachment_are_one_report(demo: AttachmentCrawl) -> None:
    for entry in with_files(demo, attachment_only=False):
        report = stored(demo, entry)
        same_title = query(demo.db, "SELECT count(*) FROM reports WHERE title = ?",
                           (entry["title"],))
        assert same_title == [(1,)]
        assert key(report["url"]) in {key(u) for u in entry["urls"]}  # the HTML page
        for expected in entry["attachments"]:
            row = attachment_row(demo, expected["url"])
            assert row["report_id"] == report["id"] and row["main"] == 0


def test_file_captures_record_their_page_and_label(demo: AttachmentCrawl) -> None:
    for entry in with_files(demo):
        for expected in entry["attachments"]:
            rows = query(demo.db, "SELECT referrer, link_text FROM captures WHERE url = ? "
                                  "AND status = 200", (expected["url"],))
            assert rows and all(ref and label for ref, label in rows), expected["url"]


def test_rebuild_reproduces_reports_and_attachments(demo: AttachmentCrawl) -> None:
    assert snapshot(demo.db) == demo.before


def test_rebuild_extracts_nothing_again(demo: AttachmentCrawl) -> None:
    assert demo.rebuild.derived is not None
    counts = demo.rebuild.derived.counts
    distinct = query(demo.db, "SELECT count(DISTINCT sha256) FROM attachments "
                              "WHERE sha256 IS NOT NULL")[0][0]
    assert counts["extracted"] == 0
    assert counts["extraction cache hits"] == distinct > 0
    print(f"\nrebuild with {counts['attachments']} attachments ({distinct} cached) "
          f"in {demo.rebuild_seconds:.2f} s")
