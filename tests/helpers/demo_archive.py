"""A demo archive for the web tests: the demo portals crawled once per test process.

`demo_archive(directory)` crawls the five demo portals (`demo.server.DemoPortals`, on
loopback) into `directory/demo.db` in a subprocess, derives with a fixed date (so the
ledger does not depend on the clock) and returns the file and the ground truth with each
report's archive id. The crawl takes about ten seconds; the result is kept for the rest of
the process, so every web test file can use it.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from w3lib.url import canonicalize_url

ROOT = Path(__file__).resolve().parent.parent.parent
TODAY = date(2026, 2, 15)


@dataclass
class DemoArchive:
    db: Path
    truth: list[dict[str, Any]]  # reports of the ground truth, `rid` = their archive id

    def report(self, title_part: str, year: int) -> dict[str, Any]:
        return next(e for e in self.truth
                    if title_part in e["title"] and e["report_year"] == year and e["rid"])


_BUILT: dict[str, DemoArchive] = {}


def demo_archive(directory: Path) -> DemoArchive:
    if "demo" in _BUILT and _BUILT["demo"].db.exists():
        return _BUILT["demo"]
    from archive.db import Archive
    from archive.derive import derive_all
    from demo.server import DemoPortals

    directory.mkdir(parents=True, exist_ok=True)
    db, sites = directory / "demo.db", directory / "sites.yml"
    with DemoPortals(base_port=0) as portals:
        sites.write_text(portals.sites_yaml(), encoding="utf-8")
        proc = subprocess.run(
            [sys.executable, "-m", "archive.app.crawl", "--db", str(db), "--sites", str(sites),
             "--json"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
        assert proc.returncode == 0, proc.stderr[-2000:]
        truth = [e for e in portals.ground_truth()
                 if e["kind"] == "report" and not e["duplicate_of"]]
    with Archive(db) as archive:
        derive_all(archive, today=TODAY)
    with sqlite3.connect(db) as conn:
        by_url = dict(conn.execute("SELECT url_key, report_id FROM report_urls"))
    for entry in truth:
        found = {by_url.get(canonicalize_url(u, keep_fragments=False)) for u in entry["urls"]}
        entry["rid"] = next(iter(sorted(found - {None})), None)
    _BUILT["demo"] = DemoArchive(db, truth)
    return _BUILT["demo"]
