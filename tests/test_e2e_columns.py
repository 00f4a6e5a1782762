"""Several report columns of one host are several sites (issue #10).

A county portal hosts its towns' columns; each crawled on its own with `--url` into one
archive, twice, must stay its own site: no crawl judges another column broken or
withdraws its reports, and each report belongs to the column it was listed in.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.sites import site_id_from_url
from tools.scale import ScalePortal

ROOT = Path(__file__).resolve().parent.parent
YEARS = 18  # the scale portal writes one report a year per town


@pytest.fixture(scope="module")
def portal() -> Iterator[ScalePortal]:
    with ScalePortal(reports=YEARS * 4) as running:
        yield running


def crawl(db: Path, url: str) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-m", "archive.app.crawl", "--db", str(db), "--url", url, "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_columns_of_one_host_are_sites_of_their_own(portal: ScalePortal,
                                                    tmp_path: Path) -> None:
    db = tmp_path / "columns.db"
    columns = {town.name: portal.base_url.rstrip("/") + town.column for town in portal.towns}
    assert len(columns) == 4
    for _ in range(2):
        for url in columns.values():
            summary = crawl(db, url)
            assert summary["broken_sites"] == [], summary["line"]
    with sqlite3.connect(db) as conn:
        statuses = dict(conn.execute("SELECT site_id, status FROM site_status"))
        withdrawn = conn.execute("SELECT count(*) FROM reports "
                                 "WHERE withdrawn_at IS NOT NULL").fetchone()[0]
        by_site = dict(conn.execute("SELECT site_id, count(*) FROM reports GROUP BY site_id"))
        towns = dict(conn.execute("SELECT DISTINCT site_id, town FROM reports"))
    ids = {name: site_id_from_url(url) for name, url in columns.items()}
    assert len(set(ids.values())) == 4
    assert statuses == dict.fromkeys(ids.values(), "ok")
    assert withdrawn == 0
    assert by_site == dict.fromkeys(ids.values(), YEARS)
    assert towns == {site: name for name, site in ids.items()}
