"""Crawl and parse throughput on the demo portal, beside reference figures.

Prints, side by side:
- pages crawled per second by `nianbao crawl` on the bundled demo portals (loopback, full speed),
  next to Scrapy's own `scrapy bench` (a link-following spider on Scrapy's built-in local server);
- reports parsed per second by `archive.parse.parse_report` on the captured pages, next to a
  plain lxml parse (`lxml.html.fromstring` + `text_content()`) of the same bytes.

Usage: .venv/bin/python bench/bench_crawl.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.errors import NianbaoError  # noqa: E402
from archive.parse import parse_report  # noqa: E402
from archive.store import Archive  # noqa: E402
from demo.server import DemoPortals  # noqa: E402


def crawl_demo(db: Path) -> tuple[int, float]:
    with DemoPortals(base_port=0) as portals:
        sites = db.parent / "sites.yml"
        sites.write_text(portals.sites_yaml(), encoding="utf-8")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "archive.cli", "crawl", "--sites", str(sites),
                        "--db", str(db)], check=True, cwd=ROOT, stderr=subprocess.DEVNULL)
        elapsed = time.perf_counter() - started
    with Archive(db) as archive:
        pages = archive.db["captures"].count
    return pages, elapsed


def scrapy_bench(seconds: int = 10) -> float | None:
    """Pages per second reported by `scrapy bench` (None when it cannot run)."""
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}",
         "-s", "LOG_LEVEL=INFO"], capture_output=True, text=True, cwd=tempfile.gettempdir(),
    )
    rates = [int(m) for m in re.findall(r"Crawled \d+ pages \(at (\d+) pages/min\)",
                                        result.stderr)]
    rates = [r for r in rates if r > 0]
    return max(rates) / 60 if rates else None


def parse_rates(db: Path, rounds: int) -> tuple[int, float, float]:
    with Archive(db) as archive:
        pages = [(s.url, s.body, s.headers) for s in archive.iter_bodies() if s.body]
    reports = 0
    started = time.perf_counter()
    for _ in range(rounds):
        for url, body, headers in pages:
            try:
                parse_report(url, body, headers)
                reports += 1
            except NianbaoError:
                pass
    ours = len(pages) * rounds / (time.perf_counter() - started)
    started = time.perf_counter()
    for _ in range(rounds):
        for _url, body, _headers in pages:
            lxml.html.fromstring(body).text_content()
    plain = len(pages) * rounds / (time.perf_counter() - started)
    return len(pages), ours, plain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="parse passes over the pages")
    parser.add_argument("--scrapy-seconds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        print("crawling the demo portals…", file=sys.stderr)
        pages, elapsed = crawl_demo(db)
        crawl_rate = pages / elapsed
        print("running scrapy bench…", file=sys.stderr)
        reference = scrapy_bench(args.scrapy_seconds)
        n, ours, plain = parse_rates(db, args.rounds)
    print(f"{'measure':<38}{'nianbao':>12}{'reference':>12}{'ratio':>8}")
    ref = f"{reference:.1f}" if reference else "n/a"
    ratio = f"{crawl_rate / reference:.2f}" if reference else "n/a"
    print(f"{'crawl pages/s (demo, incl. start-up)':<38}{crawl_rate:>12.1f}{ref:>12}{ratio:>8}")
    print(f"{'parse pages/s (vs plain lxml)':<38}{ours:>12.1f}{plain:>12.1f}{ours / plain:>8.2f}")
    print(f"crawl: {pages} pages in {elapsed:.1f} s; parse: {n} pages x {args.rounds} rounds")


if __name__ == "__main__":
    main()
