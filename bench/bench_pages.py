"""How fast the research pages answer (issue #14: every page < 300 ms at p95).

Crawls the demo portals into an archive (or takes `--db` of an existing one, e.g. the
20,000-report archive `bench_build.py --keep` leaves), then asks each page type 20 times
through Datasette's in-process client (no network, so this is the server's own time) and
prints the median and the 95th percentile per page type, beside Datasette's plain table
page of the same archive as the reference.

Usage: .venv/bin/python bench/bench_pages.py [--db archive.db] [--rounds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.web.app import make_datasette

TARGET_MS = 300


def demo_db(folder: Path) -> Path:
    from demo.server import DemoPortals

    db, sites = folder / "demo.db", folder / "sites.yml"
    with DemoPortals(base_port=0) as portals:
        sites.write_text(portals.sites_yaml(), encoding="utf-8")
        subprocess.run([sys.executable, "-m", "archive.app.crawl", "--db", str(db), "--sites",
                        str(sites)], cwd=ROOT, capture_output=True, check=True, timeout=600)
    return db


def pages(db: Path) -> dict[str, str]:
    """One URL per page type, from what the archive holds."""
    with sqlite3.connect(db) as conn:
        rid = conn.execute("SELECT id FROM reports WHERE format = 'post2019' "
                           "ORDER BY id LIMIT 1").fetchone()[0]
        capture = conn.execute("SELECT capture_id FROM reports WHERE id = ?", [rid]).fetchone()[0]
        county = conn.execute("SELECT county FROM sites WHERE county IS NOT NULL "
                              "ORDER BY id LIMIT 1").fetchone()[0]
    return {
        "home /": "/",
        "reports table": "/nianbao/reports",
        "search 扶贫": f"/-/search?q={quote('扶贫')}",
        "search 政府信息公开 (many hits)": f"/-/search?q={quote('政府信息公开')}",
        "report page": f"/nianbao/reports/{rid}",
        "capture page": f"/nianbao/captures/{capture}",
        "archived copy": f"/-/capture/{capture}/view",
        "coverage grid": f"/-/coverage?county={quote(county)}",
        "requests chart": "/-/requests-chart",
        "reference: plain table page (sites)": "/nianbao/sites",
    }


async def measure(db: Path, rounds: int) -> list[tuple[str, float, float, int]]:
    datasette = make_datasette(db)
    await datasette.invoke_startup()
    results = []
    for label, url in pages(db).items():
        status = (await datasette.client.get(url)).status_code  # warm caches once
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            await datasette.client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        results.append((label, statistics.median(times), p95, status))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an existing archive (default: crawl the demo)")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        db = args.db or demo_db(Path(name))
        with sqlite3.connect(db) as conn:
            reports = conn.execute("SELECT count(*) FROM reports").fetchone()[0]
        results = asyncio.run(measure(db, args.rounds))
    print(f"{reports} reports; {args.rounds} requests per page, in-process client")
    print(f"{'page':<40}{'median ms':>10}{'p95 ms':>9}{'status':>8}")
    for label, median, p95, status in results:
        print(f"{label:<40}{median:>10.1f}{p95:>9.1f}{status:>8}")
    slow = [label for label, _, p95, _ in results if p95 >= TARGET_MS]
    print(f"summary: {len(results) - len(slow)} of {len(results)} pages under {TARGET_MS} ms "
          f"at p95" + (f"; over: {', '.join(slow)}" if slow else ""))


if __name__ == "__main__":
    main()
