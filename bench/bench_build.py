"""`nianbao build` and derive at size, beside a plain lxml parse of the same pages (#10).

Generates the report pages of a scale portal (`tools.scale.ScalePortal`, ~26 KiB each)
straight into an archive as captures (no HTTP; kept under `--cache`, default
`bench/.cache/`, so a second run starts at once), then times, on a copy of it:
- `build_archive` parsing in worker processes (the default for 1,000+ captures), with its
  full derive, and the derive's share of it (its steps' seconds from the log);
- the same build again on the built archive (what `nianbao build` after a parser change
  costs: captures already scanned for hijacks and figures whose inputs did not change are
  kept, archive/derive/ahead.py);
- a `derive_all` with nothing changed (what a no-change nightly pays: only the marks of
  what a run touched are read, archive/derive/scope.py);
- a derive after `--touch` reports were captured again with an edited text (a nightly that
  found a few edits);
- `--inline`: the build parsing in this process too;
- a plain `lxml.html.fromstring(...).text_content()` over the same bodies (reference).
Then extrapolates linearly to 100,000 reports and prints the targets (#10, #15).

Usage: .venv/bin/python bench/bench_build.py [--reports 5000] [--inline]
(`--reports 100000` generates ~2.6 GB of captures once, in about ten minutes.)
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

import lxml.html

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.build import build_archive
from archive.db import Archive
from archive.db.captures import StoredBody
from archive.derive import derive_all
from archive.ingest import ingest, read_capture
from tools.scale import ScalePortal

T = TypeVar("T")
TARGET = 100_000
HTML = {"Content-Type": "text/html; charset=utf-8"}
HAN_RUN_RE = re.compile(r"[\u4e00-\u9fff]{8,}")
STEP_RE = re.compile(r"^(attachments|figures|personal|similar|hijack): .*?([\d.]+) s$")


def fill(archive: Archive, reports: int) -> None:
    """The scale portal's report pages as captures of one site."""
    portal = ScalePortal(reports=reports, port=8)  # never started: pages are rendered
    archive.register_site({"id": "scale", "name": "县人民政府", "province": "吉林省",
                           "county": "抚松县", "start_urls": ["http://127.0.0.1:8/"]})
    for start in range(0, len(portal.entries), 1000):
        with archive.transaction():
            for entry in portal.entries[start:start + 1000]:
                status, body, _, _ = portal.respond(entry.path)
                archive.add_capture(f"http://127.0.0.1:8{entry.path}", status=status,
                                    headers=HTML, body=body, site_id="scale")
        if start and start % 10000 == 0:
            print(f"  {start} pages…", file=sys.stderr)


def cached_captures(cache: Path, reports: int) -> Path:
    """An archive holding only the portal's captures, generated once per size."""
    path = cache / f"captures-{reports}.db"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        for leftover in cache.glob(partial.name + "*"):
            leftover.unlink()
        print(f"generating {reports} report pages into {path}…", file=sys.stderr)
        with Archive(partial) as archive:
            fill(archive, reports)
            archive.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        partial.rename(path)
    return path


def lxml_reference(path: Path) -> tuple[int, float]:
    """A plain lxml parse + text_content of every page (streamed: 100,000 pages do not fit
    in memory); (pages, mean KiB)."""
    pages = size = 0
    with Archive(path) as archive:
        for stored in archive.iter_bodies():
            lxml.html.fromstring(stored.body or b"<p></p>").text_content()
            pages += 1
            size += len(stored.body or b"")
    return pages, size / max(pages, 1) / 1024


class StepTimes(logging.Handler):
    """Seconds each derive step logs ("similar: … 12.3 s")."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.seconds: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        match = STEP_RE.match(record.getMessage())
        if match:
            self.seconds[match[1]] = self.seconds.get(match[1], 0) + float(match[2])


CPU: dict[float, float] = {}  # wall seconds of a timed phase -> its CPU seconds


def cpu_seconds() -> float:
    """CPU of this process and of its reaped children (the parser workers, once shut)."""
    own, kids = (resource.getrusage(who) for who in
                 (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(work: Callable[[], T]) -> tuple[T, float]:
    """(result, wall seconds); the phase's CPU seconds go to CPU: on a machine shared with
    other jobs, CPU is the figure that does not depend on what else ran."""
    started, cpu = time.perf_counter(), cpu_seconds()
    result = work()
    wall = time.perf_counter() - started
    CPU[wall] = cpu_seconds() - cpu
    return result, wall


def touch(archive: Archive, count: int, *, edit: bool = True, offset: int = 0) -> int:
    """Capture `count` reports again and ingest them, as a crawl would: with one sentence
    added (`edit`), or the same bytes (a nightly revisiting due pages that did not
    change); returns how many were saved as updated."""
    found = archive.db.execute(
        "SELECT url, text FROM reports ORDER BY id LIMIT ? OFFSET ?", [count, offset])
    updated = 0
    for url, text in found.fetchall():
        newest = archive.db.execute("SELECT max(id) FROM captures WHERE url = ?",
                                    [url]).fetchone()[0]
        body = archive.capture_body(newest) or b""
        edited = body
        for run in HAN_RUN_RE.findall(text or "") if edit else ():
            if run.encode() in body:  # a run of the report's own text, as the page has it
                edited = body.replace(run.encode(), (run + "本年度另有补充说明").encode(), 1)
                break
        with archive.transaction():
            cid = archive.add_capture(url, status=200, headers=HTML, body=edited,
                                      site_id="scale")
            stored = StoredBody(cid, url, archive.capture_time(cid) or "", 200, HTML, edited,
                                "scale")
            done = ingest(archive, stored, read_capture(url, edited, HTML))
        updated += bool(done and done[1] == "updated")
    return updated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=5000)
    parser.add_argument("--touch", type=int, default=20, help="reports edited before the "
                        "last derive")
    parser.add_argument("--inline", action="store_true", help="also build parsing in line")
    parser.add_argument("--cache", type=Path, default=ROOT / "bench" / ".cache")
    args = parser.parse_args()
    today = date.today()
    steps = StepTimes()
    logging.getLogger("archive.derive").addHandler(steps)
    logging.getLogger("archive.derive").setLevel(logging.INFO)
    source = cached_captures(args.cache, args.reports)
    (_, size), lxml_s = timed(lambda: lxml_reference(source))
    rows: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as name:
        path = Path(name) / "build.db"
        shutil.copy(source, path)
        with Archive(path) as archive:
            inline_s = None
            if args.inline:
                print("build, parsing in line…", file=sys.stderr)
                _, inline_s = timed(lambda: build_archive(archive, today=today, workers=0))
                rows.append(("build, parse in line (incl. derive)", inline_s))
            print("build, parsing in worker processes…", file=sys.stderr)
            steps.seconds.clear()
            pooled, pooled_s = timed(lambda: build_archive(archive, today=today))
            build_steps = dict(steps.seconds)
            rows.append(("build, parse in workers (incl. derive)", pooled_s))
            for step, seconds in build_steps.items():
                rows.append((f"  of which derive step {step}", seconds))
            print("build again (a parser change: hijack scans and figures kept)…",
                  file=sys.stderr)
            _, rebuild_s = timed(lambda: build_archive(archive, today=today))
            rows.append(("build again (scans, figures kept; incl. derive)", rebuild_s))
            print("derive again, nothing changed…", file=sys.stderr)
            quiet, derive_s = timed(lambda: derive_all(archive, today=today))
            rows.append(("derive, nothing changed", derive_s))
            revisit = args.reports // 10
            print(f"capture {revisit} unchanged pages again, derive…", file=sys.stderr)
            touch(archive, revisit, edit=False, offset=args.touch)
            _, revisit_s = timed(lambda: derive_all(archive, today=today))
            rows.append((f"derive after {revisit} unchanged pages fetched", revisit_s))
            print(f"capture and ingest {args.touch} edited reports, derive…", file=sys.stderr)
            edited = touch(archive, args.touch)
            _, touched_s = timed(lambda: derive_all(archive, today=today))
            rows.append((f"derive after {edited} edited reports", touched_s))
            reports = archive.db["reports"].count
            pairs = archive.db["similar_reports"].count
            clustered = archive.db["copy_clusters"].count
    rows.append(("plain lxml parse + text_content (reference)", lxml_s))
    scale = TARGET / args.reports
    print(f"{args.reports} report pages of {size:.1f} KiB; {reports} reports; "
          f"{os.cpu_count()} CPUs; {pairs} similar pairs, {clustered} reports in clusters")
    print(f"load average {os.getloadavg()[0]:.1f} at the end (2 cores: above 2, wall times "
          f"include waiting for other jobs; CPU does not)")
    print(f"{'measure':<48}{'wall s':>8}{'CPU s':>8}{'CPU ms/page':>12}{'x lxml':>8}"
          f"{'at 100,000: wall':>18}{'CPU / 2 cores':>15}")
    lxml_cpu = CPU[lxml_s]
    for label, seconds in rows:
        cpu = CPU.get(seconds)
        cpu_text = (f"{cpu:>8.1f}{cpu * 1000 / args.reports:>12.2f}{cpu / lxml_cpu:>8.1f}"
                    f"{seconds * scale / 60:>14.1f} min{cpu * scale / 120:>11.1f} min"
                    if cpu is not None else
                    f"{'':>8}{'':>12}{'':>8}{seconds * scale / 60:>14.1f} min")
        print(f"{label:<48}{seconds:>8.1f}{cpu_text}")
    ratio = f", {inline_s / pooled_s:.2f}x the in-line build" if inline_s else ""
    print(f"summary: build {pooled_s:.0f} s for {args.reports} reports "
          f"({pooled_s * scale / 60:.1f} min at 100,000 if linear; target 10; CPU "
          f"{CPU[pooled_s]:.0f} s, {CPU[pooled_s] * 1000 / args.reports:.1f} ms a report = "
          f"{CPU[pooled_s] * scale / 120:.1f} min of 2 cores; {CPU[pooled_s] / lxml_cpu:.0f}x "
          f"the plain lxml parse's CPU); again with scans and figures kept "
          f"{CPU[rebuild_s] * 1000 / args.reports:.1f} ms CPU a report = "
          f"{CPU[rebuild_s] * scale / 120:.1f} min of 2 cores{ratio}; "
          f"a no-change derive {derive_s:.2f} s ({'incremental' if not quiet.full else 'FULL'}"
          f", it reads only marks: flat with size; target 5 s at 100,000); "
          f"{pooled.line()}")


if __name__ == "__main__":
    main()
