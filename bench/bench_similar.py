"""Benchmark copy-paste detection (issue #15) on a synthetic archive. Not in the tests.

Generates N reports (`tools/synthetic.py`: the genre's headings, table labels and
sentences), gives each some prose of its own (random Han text: what differs between
real reports once the skeleton is gone) and plants copies: every `--copy-every`th report
reuses an earlier report's own prose. Then

1. indexes all of them with `derive_similar` on an empty archive (time per report);
2. adds one report that copies an existing one and runs the step again: the run's total
   (every report's text is still read and its SHA-256 compared) and the time of that one
   report's hashing, candidate lookup and confirmation;
3. prints how many planted copies were found and how many other pairs appeared.

    .venv/bin/python bench/bench_similar.py --reports 20000
    .venv/bin/python bench/bench_similar.py --quick
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import sqlite_utils

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive.db.schema import ensure_schema
from archive.derive.similar import Bodies, Index, derive_similar, sha256, skeleton
from tools.synthetic import generate_reports

HAN = [chr(c) for c in range(0x4E00, 0x4E00 + 6000)]
TODAY = date(2026, 2, 15)


class BenchArchive:
    """What derive_similar uses of an Archive (`db`), without the search index: the
    FTS triggers would dominate the time and are not what is measured here."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite_utils.Database(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        ensure_schema(self.db)


def own_prose(rng: random.Random, chars: int) -> str:
    out, size = [], 0
    while size < chars:
        sentence = "".join(rng.choices(HAN, k=rng.randint(15, 35))) + "。"
        out.append(sentence)
        size += len(sentence)
    return "".join(out)


def corpus(n: int, copy_every: int, prose_chars: int) -> tuple[list[dict[str, Any]],
                                                                 set[frozenset[str]]]:
    rng = random.Random(7)
    rows: list[dict[str, Any]] = []
    origin: list[int] = []  # the report whose own prose each report prints
    prose: list[str] = []
    for i, report in enumerate(generate_reports(n, seed=3)):
        rid = f"r{i:07d}"
        if copy_every and i % copy_every == copy_every - 1 and prose:
            source = rng.randrange(len(prose))
            mine = prose[source]
            origin.append(origin[source])
        else:
            mine = own_prose(rng, prose_chars)
            origin.append(i)
        prose.append(mine)
        half = len(report.text) // 2
        text = report.text[:half] + "\n" + mine + "\n" + report.text[half:]
        rows.append({"id": rid, "title": report.title, "town": f"{report.town}{i}",
                     "county": report.county, "report_year": report.report_year,
                     "text": text})
    groups: dict[int, list[str]] = {}
    for i, first in enumerate(origin):
        groups.setdefault(first, []).append(f"r{i:07d}")
    # every two reports printing the same prose are a copy, a copy of a copy too
    planted = {frozenset((a, b)) for group in groups.values() for a in group for b in group
               if a < b}
    return rows, planted


def run(n: int, copy_every: int, prose_chars: int) -> None:
    began = time.perf_counter()
    rows, planted = corpus(n, copy_every, prose_chars)
    chars = sum(len(r["text"]) for r in rows)
    print(f"generated {n} reports, {chars / 1e6:.1f} M characters "
          f"({time.perf_counter() - began:.1f} s), {len(planted)} planted copy pairs")
    with tempfile.TemporaryDirectory() as tmp:
        archive = BenchArchive(Path(tmp) / "bench.db")
        archive.db.table("reports").insert_all(rows, batch_size=500)
        archive.db.conn.commit()

        before = peak_mb()
        began, cpu = time.perf_counter(), time.process_time()
        with archive.db.atomic():  # derive_all runs every step in one transaction
            counts = derive_similar(archive, TODAY)  # type: ignore[arg-type]
        spent, cpu = time.perf_counter() - began, time.process_time() - cpu
        print(f"index {n} reports: {spent:.1f} s, {1000 * spent / n:.2f} ms per report "
              f"(CPU {cpu:.1f} s, {1000 * cpu / n:.2f} ms per report: {cpu * 100_000 / n / 60:.1f}"
              f" min at 100,000, target 10), {counts}")
        found = {frozenset(p) for p in archive.db.execute(
            "SELECT report_a, report_b FROM similar_reports")}
        print(f"peak memory: {before:.0f} MB before indexing (the generated corpus), "
              f"{peak_mb():.0f} MB after (the step keeps each hashed report's free text and "
              f"shingle hashes until it has compared them)")
        print(f"planted copies found: {len(planted & found)}/{len(planted)}; "
              f"other pairs: {len(found - planted)}")
        extra(archive, rows, found - planted)
        add_one(archive, rows)


def peak_mb() -> float:
    """This process's peak resident memory (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def extra(archive: BenchArchive, rows: list[dict[str, Any]],
          others: set[frozenset[str]]) -> None:
    """Say what the unplanted pairs are (synthetic reports of the same town name share
    their fill-in sentences)."""
    if not others:
        return
    top = archive.db.execute("SELECT report_a, report_b, jaccard FROM similar_reports "
                             "ORDER BY jaccard DESC").fetchall()
    print("  highest unplanted pairs:", [t for t in top if frozenset(t[:2]) in others][:3])


def add_one(archive: BenchArchive, rows: list[dict[str, Any]]) -> None:
    source = rows[len(rows) // 3]
    new = dict(source, id="new0000001", town="新增镇", title="新增镇2024年报",
               text=source["text"].replace("。", "。\n", 3))
    with archive.db.conn:
        archive.db.table("reports").insert(new)
    began = time.perf_counter()
    with archive.db.atomic():
        counts = derive_similar(archive, TODAY)  # type: ignore[arg-type]
    total = time.perf_counter() - began
    print(f"a full-scope run after adding one report: {total:.2f} s in all (checks every "
          f"stored text's SHA-256; derive_all's incremental scope reads only the new one), "
          f"{counts}")
    # the one report's own work, without the pass that checks every stored text
    common, _ = skeleton(archive)  # type: ignore[arg-type]
    index = Index(archive, common)  # type: ignore[arg-type]
    bodies = Bodies(archive.db, {})
    timings, cpus = [], []
    for _ in range(5):
        began, cpu = time.perf_counter(), time.process_time()
        free, hashes = index.free_of(new["text"])
        index.store(new["id"], sha256(new["text"]), sha256(free), hashes)
        index.cache.clear()
        pairs = index.compare(new["id"], bodies)
        timings.append(time.perf_counter() - began)
        cpus.append(time.process_time() - cpu)
    print(f"one report (strip, hash, store bands, look up candidates, confirm {pairs}): "
          f"{1000 * min(timings):.1f} ms best of 5, {1000 * max(timings):.1f} ms worst, "
          f"CPU {1000 * min(cpus):.1f}–{1000 * max(cpus):.1f} ms (target 50 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=20000)
    parser.add_argument("--copy-every", type=int, default=50)
    parser.add_argument("--prose", type=int, default=1500, help="own characters per report")
    parser.add_argument("--quick", action="store_true", help="1,000 reports")
    args = parser.parse_args()
    run(1000 if args.quick else args.reports, args.copy_every, args.prose)


if __name__ == "__main__":
    main()
