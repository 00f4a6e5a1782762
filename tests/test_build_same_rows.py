"""`nianbao build`'s bulk path (archive/build.py: work in parser workers, no savepoint per
report, the index fed in batches, derive work done ahead) against the crawl's path: every
capture through `archive.ingest.ingest` (`Archive.save_report`), then a full derive that
reads every page itself. The two archives must hold the same rows in every table."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from archive.build import build_archive
from archive.db import Archive
from archive.db.schema import TABLES
from archive.derive import derive_all
from archive.ingest import ingest
from archive.search import search_reports

HTML = {"Content-Type": "text/html; charset=utf-8"}
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# When a row was written (the wall clock), not what it says.
CLOCK_COLUMNS = {"derived_at", "scanned_at", "hashed_at", "extracted_at"}
QUERIES = ("政府信息公开", "依申请公开", "行政复议", "2019年", "乡")


def table_rows(archive: Archive) -> dict[str, list[tuple[Any, ...]]]:
    found = {}
    for name in TABLES:
        columns = [c for c in archive.db[name].columns_dict if c not in CLOCK_COLUMNS]
        names = ", ".join(f"[{c}]" for c in columns)
        found[name] = sorted(archive.db.execute(f"SELECT {names} FROM [{name}]").fetchall(),
                             key=repr)
    return found


def searched(archive: Archive) -> dict[str, list[tuple[str, str]]]:
    return {query: [(hit.id, hit.snippet_text) for hit in
                     search_reports(archive.db, query, limit=100).hits] for query in QUERIES}


def fill(path: Path) -> int:
    pages = sorted(FIXTURES.glob("*/*.html"))
    with Archive(path) as archive:
        archive.register_site({"id": "fixtures", "name": "县人民政府", "province": "浙江省",
                               "county": "衢州市", "start_urls": ["http://127.0.0.1:1/"]})
        for n, page in enumerate(pages):
            archive.add_capture(f"http://127.0.0.1:1/{page.parent.name}/{n}.html", status=200,
                                headers=HTML, body=page.read_bytes(), site_id="fixtures")
        # The same page again under a second URL, and one page captured twice.
        archive.add_capture("http://127.0.0.1:1/copy/a.html", status=200, headers=HTML,
                            body=pages[0].read_bytes(), site_id="fixtures")
        archive.add_capture(f"http://127.0.0.1:1/{pages[1].parent.name}/1.html", status=200,
                            headers=HTML, body=pages[1].read_bytes(), site_id="fixtures")
    return len(pages)


def test_build_bulk_path_writes_the_rows_of_the_crawl_path(tmp_path: Path) -> None:
    reference, built = tmp_path / "reference.db", tmp_path / "built.db"
    assert fill(reference) > 40
    shutil.copy(reference, built)
    with Archive(reference) as archive:
        with archive.transaction():
            for stored in list(archive.iter_bodies()):
                ingest(archive, stored)
        derive_all(archive, full=True)
        expected, expected_hits = table_rows(archive), searched(archive)
    assert len(expected["reports"]) > 20 and len(expected["figures"]) > 100
    assert len(expected["hijack_scans"]) > 40 and expected["hijack_evidence"]
    assert any(expected_hits.values())
    with Archive(built) as archive:
        summary = build_archive(archive, workers=2)
        assert summary.reports == len(expected["reports"])
        assert table_rows(archive) == expected
        assert searched(archive) == expected_hits
        # Again on the built archive: scans and figures are kept, not read again.
        build_archive(archive, workers=2)
        assert table_rows(archive) == expected
        assert searched(archive) == expected_hits
        # And in line (no workers).
        build_archive(archive, workers=0)
        assert table_rows(archive) == expected
