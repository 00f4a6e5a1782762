"""`nianbao build` and derive at size, beside a plain lxml parse of the same pages (#10).

Generates the report pages of a scale portal (`tools.scale.ScalePortal`, ~26 KiB each)
straight into an archive as captures (no HTTP), then times, on the same archive:
- `build_archive` parsing in this process (`workers=0`) and in worker processes (the
  default for archives of 1,000+ captures), each followed by its derive step;
- a second `derive_all` with nothing changed (what a no-change nightly pays);
- a plain `lxml.html.fromstring(...).text_content()` over the same bodies (reference).
Then extrapolates linearly to 100,000 reports.

Usage: .venv/bin/python bench/bench_build.py [--reports 5000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.build import build_archive
from archive.db import Archive
from archive.derive import derive_all
from tools.scale import ScalePortal

TARGET = 100_000
HTML = {"Content-Type": "text/html; charset=utf-8"}


def fill(archive: Archive, reports: int) -> list[bytes]:
    """The scale portal's report pages as captures of one site; returns the bodies."""
    portal = ScalePortal(reports=reports, port=8)  # never started: pages are rendered
    archive.register_site({"id": "scale", "name": "县人民政府", "province": "吉林省",
                           "county": "抚松县", "start_urls": ["http://127.0.0.1:8/"]})
    bodies = []
    with archive.transaction():
        for entry in portal.entries:
            status, body, _, _ = portal.respond(entry.path)
            bodies.append(body)
            archive.add_capture(f"http://127.0.0.1:8{entry.path}", status=status,
                                headers=HTML, body=body, site_id="scale")
    return bodies


def timed(work: object) -> tuple[object, float]:
    started = time.perf_counter()
    result = work()  # type: ignore[operator]
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=5000)
    args = parser.parse_args()
    today = date.today()
    with tempfile.TemporaryDirectory() as name, Archive(Path(name) / "build.db") as archive:
        print(f"generating {args.reports} report pages…", file=sys.stderr)
        bodies = fill(archive, args.reports)
        size = sum(map(len, bodies)) / len(bodies) / 1024
        _, lxml_s = timed(lambda: [lxml.html.fromstring(b).text_content() for b in bodies])
        print("build, parsing in line…", file=sys.stderr)
        inline, inline_s = timed(lambda: build_archive(archive, today=today, workers=0))
        print("build, parsing in worker processes…", file=sys.stderr)
        pooled, pooled_s = timed(lambda: build_archive(archive, today=today))
        print("derive again, nothing changed…", file=sys.stderr)
        _, derive_s = timed(lambda: derive_all(archive, today=today))
        reports = archive.db["reports"].count
    scale = TARGET / args.reports
    print(f"{args.reports} report pages of {size:.1f} KiB; {reports} reports; "
          f"{os.cpu_count()} CPUs")
    print(f"{'measure':<46}{'seconds':>9}{'per page ms':>13}{'at 100,000':>12}")
    for label, seconds in (("build, parse in line (incl. derive)", inline_s),
                           ("build, parse in workers (incl. derive)", pooled_s),
                           ("derive, nothing changed", derive_s),
                           ("plain lxml parse + text_content (reference)", lxml_s)):
        print(f"{label:<46}{seconds:>9.1f}{seconds * 1000 / args.reports:>13.2f}"
              f"{seconds * scale / 60:>10.1f} min")
    print(f"summary: build {pooled_s:.0f} s for {args.reports} reports "
          f"({pooled_s * scale / 60:.1f} min at 100,000; target 10), {inline_s / pooled_s:.2f}x "
          f"the in-line build; a no-change derive {derive_s:.1f} s "
          f"({derive_s * scale:.0f} s at 100,000; target 5); "
          f"lines: {inline.line() == pooled.line()}")


if __name__ == "__main__":
    main()
