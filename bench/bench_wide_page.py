"""The work one page with 50,000 links costs the crawl (issue #11, the fault suite's
`fifty-thousand-links`): the off-reactor analysis (link scan + report parser), its transfer
back from the worker, and the spider's judging of every link read — with the per-page link
cap (`crawler.discovery.MAX_LINKS`) and, as the reference in the same run, with the cap
lifted (what the crawler did before it).

Usage: .venv/bin/python bench/bench_wide_page.py [--links 50000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler import discovery
from crawler.analysis import analyse
from crawler.spiders.portal import judge_link

URL = "http://127.0.0.1:8100/case/fifty-thousand-links/"
HEADERS = {"Content-Type": "text/html; charset=utf-8"}


def wide_page(links: int) -> str:
    anchors = "".join(f'<a href="/x/p{n}.html">p{n}</a>' for n in range(links))
    return f"<html><head><title>某县人民政府</title></head><body>{anchors}</body></html>"


def one_page(html: str) -> tuple[float, int]:
    began = time.perf_counter()
    analysis = pickle.loads(pickle.dumps(analyse(URL, html.encode(), HEADERS, html, 2026, True)))
    for link in analysis.scan.links:
        judge_link(link, True)
    return time.perf_counter() - began, len(analysis.scan.links)


def best_of(html: str, rounds: int) -> tuple[float, int]:
    runs = [one_page(html) for _ in range(rounds)]
    return min(seconds for seconds, _ in runs), runs[0][1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    html = wide_page(args.links)
    print(f"a page of {args.links:,} links ({len(html) / 2**20:.1f} MiB), best of {args.rounds}:")
    capped, read = best_of(html, args.rounds)
    print(f"  with the cap ({discovery.MAX_LINKS:,}):  {capped:6.2f} s, {read:,} links read")
    with mock.patch.object(discovery, "MAX_LINKS", 10**9):
        plain, read_all = best_of(html, args.rounds)
    print(f"  cap lifted (reference): {plain:6.2f} s, {read_all:,} links read")
    print(f"  ratio capped / reference: {capped / plain:.2f}")


if __name__ == "__main__":
    main()
