"""Derive only what a run touched (#10): an incremental derive gives the tables a full one does.

The demo portals are crawled three times over real HTTP (`python -m archive.app.crawl`,
each in a subprocess that derives incrementally with the night's clock): as generated, in
state 1 (edits, a removal, a soft-404, a new report, a 500) and in state 2 (a portal whose
lists lost every report; its night crosses the 31 March deadline, so the whole ledger
moves). After each crawl, a copy of the archive has every derived row wiped and derived
again in full: every derived table must equal the incremental one's, row for row.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from archive.db import Archive
from archive.derive import derive_all
from demo.server import DemoPortals

ROOT = Path(__file__).resolve().parent.parent
NIGHTS = ((0, "2026-02-15T08:00:00Z"), (1, "2026-03-05T08:00:00Z"), (2, "2026-04-02T08:00:00Z"))
# Derived tables and the columns that are times of derivation (not compared).
DERIVED = {
    "attachments": (), "attachment_pages": (), "attachment_links": (), "attachment_retries": (),
    "figures": (), "checks": (),
    "figure_sources": ("derived_at",), "coverage": (), "coverage_bodies": (),
    "personal_data": (), "reports_masked": (), "personal_scans": ("scanned_at",),
    "minhashes": ("hashed_at",), "minhash_bands": (), "similar_reports": (),
    "self_copies": (), "copy_clusters": (),
}
WIPED = [name for name in DERIVED]
REPORT_DERIVED = ("template", "table_images", "division_code", "division_level",
                  "division_match", "division_province", "division_city", "division_county",
                  "division_township")


def crawl(db: Path, sites: Path, now: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "archive.app.crawl", "--db", str(db), "--sites", str(sites),
         "--now", now, "--json"], cwd=ROOT, capture_output=True, text=True, timeout=600,
        check=False)
    assert proc.returncode in (0, 1), proc.stderr[-2000:]


def table(db: Path, name: str, skip: tuple[str, ...] = ()) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info([{name}])")
                   if r[1] not in skip]
        rows = conn.execute(f"SELECT {', '.join(f'[{c}]' for c in columns)} FROM [{name}]")
        return sorted(rows, key=repr)


def snapshot(db: Path) -> dict[str, list[tuple[object, ...]]]:
    tables = {name: table(db, name, skip) for name, skip in DERIVED.items()}
    tables["reports"] = table(db, "reports")
    tables["report_urls"] = table(db, "report_urls")
    return tables


def derive_from_scratch(db: Path, copy: Path, today: date) -> None:
    shutil.copy(db, copy)
    for suffix in ("-wal", "-shm"):
        if Path(f"{db}{suffix}").exists():
            shutil.copy(f"{db}{suffix}", f"{copy}{suffix}")
    with Archive(copy) as archive, archive.transaction():
        for name in WIPED:
            archive.db.execute(f"DELETE FROM [{name}]")
        archive.db.execute("UPDATE reports SET " + ", ".join(f"{c} = NULL" for c in REPORT_DERIVED))
        archive.db.execute("DELETE FROM derive_state")
    with Archive(copy) as archive:
        summary = derive_all(archive, today=today)
        assert summary.full


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[tuple[Path, Path, int]]]:
    tmp = tmp_path_factory.mktemp("incremental")
    db, sites = tmp / "archive.db", tmp / "sites.yml"
    done = []
    with DemoPortals(base_port=0) as demo:
        sites.write_text(demo.sites_yaml(), encoding="utf-8")
        for state, now in NIGHTS:
            demo.set_state(state)
            crawl(db, sites, now)
            night = tmp / f"night{state}.db"
            shutil.copy(db, night)
            full = tmp / f"full{state}.db"
            derive_from_scratch(night, full, date.fromisoformat(now[:10]))
            done.append((night, full, state))
    yield done


def test_the_nights_derive_incrementally(nights: list[tuple[Path, Path, int]]) -> None:
    """The first night derives everything; later ones only what their crawl touched."""
    for night, _, state in nights:
        with sqlite3.connect(night) as conn:
            assert conn.execute("SELECT count(*) FROM derive_dirty").fetchone()[0] == 0
            today = conn.execute("SELECT value FROM derive_state WHERE key = 'today'").fetchone()
            assert today == (NIGHTS[state][1][:10],)
            checked = conn.execute("SELECT count(*) FROM checks").fetchone()[0]
            assert checked > 50


@pytest.mark.parametrize("night", [0, 1, 2])
def test_incremental_derive_equals_a_full_one(nights: list[tuple[Path, Path, int]],
                                               night: int) -> None:
    incremental, full, _ = nights[night]
    got, want = snapshot(incremental), snapshot(full)
    for name in want:
        assert got[name] == want[name], f"{name} differs after night {night}"


def test_the_changes_reached_the_derived_tables(nights: list[tuple[Path, Path, int]]) -> None:
    """Not equal by doing nothing: state 1's new report has checks and a coverage row,
    and state 1's removed report is withdrawn in the ledger."""
    first, second = snapshot(nights[0][0]), snapshot(nights[1][0])
    assert len(second["checks"]) > len(first["checks"])
    with sqlite3.connect(nights[1][0]) as conn:
        withdrawn = conn.execute("SELECT count(*) FROM coverage WHERE status = 'withdrawn'")
        assert withdrawn.fetchone()[0] >= 1
        new = conn.execute("SELECT count(*) FROM coverage c JOIN reports r ON r.id = c.report_id "
                           "WHERE r.report_year = 2025 AND r.town LIKE '卧牛河镇%'")
        assert new.fetchone()[0] == 1
