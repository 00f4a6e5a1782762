"""Nightly runs on the demo portals: what an unchanged portal costs the second time.

Runs `nianbao nightly` three times against the bundled demo portals (loopback, full speed):
1. on a fresh archive;
2. at once, nothing changed: known report pages are not due, so only lists are fetched;
3. with the clock moved 40 days on (`--now`), nothing changed: every known page is due
   and revalidated (304 where the portal sends ETag/Last-Modified, a full fetch where not).

Prints the requests of each run by kind (from `captures`), the second and third runs
relative to the first, and the wall time of each command (process start included).

Usage: .venv/bin/python bench/bench_nightly.py
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from demo.server import DemoPortals

KINDS_SQL = """
SELECT sum(c.kind IN ('start', 'nav', 'page', 'frame')), sum(c.kind = 'candidate'),
       sum(c.kind = 'candidate' AND c.status BETWEEN 200 AND 299), sum(c.status = 304),
       count(*)
FROM captures c JOIN crawl_runs r ON r.id = c.run_id JOIN nightly_runs n ON n.id = ?
WHERE r.started >= n.started AND r.started <= n.ended
"""
COLUMNS = ("list pages", "report reqs", "report bodies", "304s", "all requests")


def nightly(db: Path, sites: Path, *extra: str) -> float:
    began = time.perf_counter()
    subprocess.run([sys.executable, "-m", "archive.app.cli", "nightly", "--db", str(db), "--sites",
                    str(sites), *extra], cwd=ROOT, check=False, stdout=subprocess.DEVNULL)
    return time.perf_counter() - began


def counts(db: Path, night: int) -> list[int]:
    with sqlite3.connect(db) as conn:
        return [int(v or 0) for v in conn.execute(KINDS_SQL, [night]).fetchone()]


def main() -> None:
    later = (datetime.now(UTC) + timedelta(days=40)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with tempfile.TemporaryDirectory() as tmp, DemoPortals() as demo:
        db, sites = Path(tmp) / "bench.db", Path(tmp) / "sites.yml"
        sites.write_text(demo.sites_yaml(), encoding="utf-8")
        print("three nightly runs on the demo portals…", file=sys.stderr)
        walls = [nightly(db, sites), nightly(db, sites), nightly(db, sites, "--now", later)]
        rows = [counts(db, night) for night in (1, 2, 3)]
    labels = ("1 fresh archive", "2 no change, at once", "3 no change, +40 days")
    print(f"{'nightly run':<24}" + "".join(f"{c:>14}" for c in COLUMNS) + f"{'wall s':>9}")
    for label, row, wall in zip(labels, rows, walls):
        print(f"{label:<24}" + "".join(f"{v:>14}" for v in row) + f"{wall:>9.2f}")
    first = rows[0][-1]
    print(f"second run: {rows[1][-1]} requests = {rows[1][-1] / first:.0%} of the first, "
          f"{rows[1][2]} report bodies; no-change nightly wall time {walls[1]:.2f} s")
    print(f"third run (all due): {rows[2][-1]} requests = {rows[2][-1] / first:.0%} of the "
          f"first, {rows[2][3]} answered 304, {rows[2][2]} report bodies from portals "
          "without validators")


if __name__ == "__main__":
    main()
