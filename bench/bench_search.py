"""Benchmark Chinese search on a synthetic archive (`make bench-search`).

Generates N reports of realistic length (3,000-15,000 characters, report vocabulary),
stores them with the archive's schema (sections as offsets into the report text), builds
the search index, and prints build time, the file's size relative to the raw text (whole
file and per table, from SQLite's dbstat), and p50/p95 latency through Datasette
(ds.client, no server) for a fixed query mix, next to a built-in `trigram` FTS5 index and
a LIKE scan over the same rows. The size is taken before the trigram baseline is added.

    .venv/bin/python bench/bench_search.py                 # 100,000 reports
    .venv/bin/python bench/bench_search.py --reports 20000
    .venv/bin/python bench/bench_search.py --quick         # smoke test, a few seconds
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from datasette.app import Datasette

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive.db.schema import ensure_schema, section_spans
from archive.search.folding import normalize
from archive.search.fts import connect, enable_search
from tools.synthetic import generate_reports

# Pairs of very common characters that never occur together in the corpus: the first one
# verified absent is the "no-hit word made of common characters".
NO_HIT_CANDIDATES = ["息政", "告信", "开府", "报息", "工政"]
INDEX_STEP = "index reports_fts (segmented text)"
QUERIES = [  # (label, query); NOHIT is filled in after generation
    ("char in every report", "政"),
    ("common 2-char word", "扶贫"),
    ("rare word", "双减"),
    ("rare, common chars", "公信"),
    ("no hit, common chars", "NOHIT"),
    ("6-char phrase", "政府信息公开"),
    ("two words", "扶贫 低保"),
]


def create_tables(db: Any) -> None:
    """The archive's own schema: every table, index and the `sections` view."""
    with db.conn:
        ensure_schema(db)


def generate(db: Any, count: int, batch: int = 500) -> dict[str, Any]:
    """Insert `count` reports; count raw text and which queries each report matches."""
    stats: dict[str, Any] = {"chars": 0, "bytes": 0, "hits": {}, "absent": set(NO_HIT_CANDIDATES)}
    needles = {q: normalize(q).split(normalize(" ")) for _, q in QUERIES if q != "NOHIT"}
    reports: list[dict[str, Any]] = []
    sections: list[dict[str, Any]] = []

    def flush() -> None:
        with db.conn:
            db["reports"].insert_all(reports, batch_size=batch)
            db["section_spans"].insert_all(sections, batch_size=batch * 8)
        reports.clear()
        sections.clear()

    for r in generate_reports(count):
        stats["chars"] += len(r.text)
        stats["bytes"] += len(r.text.encode("utf-8"))
        folded = normalize(r.title) + "\n" + normalize(r.text)
        for query, parts in needles.items():
            if all(p in folded for p in parts):
                stats["hits"][query] = stats["hits"].get(query, 0) + 1
        stats["absent"] -= {c for c in stats["absent"] if c in folded}
        reports.append({"id": r.id, "url": f"http://127.0.0.1/{r.id}.html", "title": r.title,
                        "title_raw": r.title, "town": r.town, "county": r.county,
                        "province": r.province, "report_year": r.report_year,
                        "published": r.published, "format": r.format, "tampered": 0,
                        "text": r.text, "capture_id": 1})
        sections.extend(section_spans(r.id, r.text, r.sections))
        if len(reports) >= batch:
            flush()
    flush()
    return stats


def build_trigram(db: Any) -> None:
    with db.conn:
        db.execute('CREATE VIRTUAL TABLE reports_trigram USING fts5(title, text, '
                   'content="reports", content_rowid="rowid", tokenize="trigram")')
        db.execute("INSERT INTO reports_trigram(reports_trigram) VALUES ('rebuild')")


def index_bytes(db: Any, table: str) -> int:
    rows = db.execute(f"SELECT sum(length(block)) FROM {table}_data").fetchone()
    return int(rows[0] or 0)


def timed(step: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = step()
    return result, time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)  # nearest rank
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def paths_for(query: str) -> dict[str, str]:
    """The Datasette URLs compared for one query."""
    words = query.split()
    like = "&".join(f"text__contains={w}" for w in words)
    trigram = " ".join(f'"{w}"' for w in words)
    return {
        "page": f"/-/search.json?q={query}",
        "table": f"/bench/reports.json?_search={query}&_size=20&_nocount=1&_nofacet=1",
        "table+count": f"/bench/reports.json?_search={query}&_size=20&_nofacet=1",
        # raw mode: the plugin's escaping writes the bigram index's tokens
        "trigram": (f"/bench/reports.json?_search={trigram}&_searchmode=raw"
                    f"&_fts_table=reports_trigram&_size=20&_nocount=1&_nofacet=1"),
        "like": f"/bench/reports.json?{like}&_size=20&_nocount=1&_nofacet=1",
    }


async def measure(ds: Datasette, path: str, reps: int) -> tuple[list[float], int, Any]:
    await ds.client.get(path)  # warm-up
    times, rows, count = [], 0, None
    for _ in range(reps):
        started = time.perf_counter()
        response = await ds.client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code}: {response.text[:200]}")
        data = response.json()
        rows = len(data["rows"])
        count = data.get("filtered_table_rows_count", data.get("total"))
    return times, rows, count


async def run_queries(path: Path, queries: list[tuple[str, str]], reps: int,
                      skip: set[str]) -> list[dict[str, Any]]:
    ds = Datasette([str(path)], settings={"suggest_facets": False, "sql_time_limit_ms": 60000,
                                          "num_sql_threads": 1})
    await ds.invoke_startup()
    detected = await ds.get_database("bench").fts_table("reports")
    assert detected == "reports_fts", detected
    results = []
    for label, query in queries:
        row: dict[str, Any] = {"label": label, "query": query}
        for name, url in paths_for(query).items():
            if name in skip:
                continue
            n = max(2, reps // 3) if name in ("like", "table+count") else reps
            times, rows, count = await measure(ds, url, n)
            row[name] = (statistics.median(times), percentile(times, 0.95), rows)
            if name == "table+count":
                row["count"] = count
        results.append(row)
    return results


def table_sizes(path: Path) -> dict[str, int]:
    """Bytes per table (its indexes and, for an FTS table, its shadow tables included).

    dbstat is read by the standard library's SQLite in a subprocess (pysqlite3 is built
    without it, and two SQLite libraries must not hold the same file in one process)."""
    script = (
        "import json, sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1])\n"
        "owner = dict(c.execute(\"SELECT name, tbl_name FROM sqlite_master\"))\n"
        "fts = [n for n, s in c.execute(\"SELECT name, sql FROM sqlite_master WHERE sql LIKE "
        "'%VIRTUAL TABLE%USING fts5%'\")]\n"
        "out = {}\n"
        "for name, size in c.execute('SELECT name, sum(pgsize) FROM dbstat GROUP BY name'):\n"
        "    table = owner.get(name, name)\n"
        "    table = next((f for f in fts if table.startswith(f + '_')), table)\n"
        "    out[table] = out.get(table, 0) + size\n"
        "print(json.dumps(out))\n")
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        print(f"  (no per-table sizes: {done.stderr.strip().splitlines()[-1:]})")
        return {}
    return dict(json.loads(done.stdout))


def print_build(n: int, stats: dict[str, Any], times: dict[str, float], sizes: dict[str, int],
                total_size: int, tables: dict[str, int]) -> None:
    raw = stats["bytes"]
    print(f"\n== Build: {n:,} reports, {stats['chars'] / 1e6:,.1f} M characters "
          f"({raw / 1e6:,.0f} MB UTF-8, mean {stats['chars'] / max(n, 1):,.0f} chars/report)")
    for name, seconds in times.items():
        print(f"  {name:34s} {seconds:8.1f} s")
    index_rate = stats["chars"] / max(times[INDEX_STEP], 1e-9)
    print(f"  {'indexing rate':34s} {index_rate / 1e6:8.2f} M chars/s of report text")
    print(f"\n== Size relative to the raw report text ({raw / 1e6:,.0f} MB); target <= 2.5x")
    print(f"  {'archive file (all tables)':34s} {total_size / 1e6:8.0f} MB  "
          f"{total_size / raw:5.2f}x  <- file size / text bytes")
    for name, size in sorted(tables.items(), key=lambda item: -item[1]):
        if size >= raw * 0.005:
            print(f"    {name:32s} {size / 1e6:8.0f} MB  {size / raw:5.2f}x  (dbstat)")
    for name, size in sizes.items():
        print(f"  {name:34s} {size / 1e6:8.0f} MB  {size / raw:5.2f}x")


def print_latency(results: list[dict[str, Any]], stats: dict[str, Any], n: int) -> None:
    print("\n== Latency through Datasette (ds.client), milliseconds p50/p95, rows on the page")
    print("   page        = /-/search.json (first page newest first, bounded count, facets)")
    print("   table       = /bench/reports.json?_search=...&_nocount=1&_nofacet=1 (reports_fts)")
    print("   table+count = the same with Datasette's count(*) of all matches")
    print("   trigram     = the same as table on a built-in trigram index (_fts_table=)")
    print("   like        = text__contains=... (LIKE '%...%') on the same page")
    names = [n for n in ("page", "table", "table+count", "trigram", "like")
             if any(n in row for row in results)]
    print(f"  {'query':22s} {'text':8s} {'expected':>8s} {'found':>8s} "
          + " ".join(f"{nm:>17s}" for nm in names) + " "
          + " ".join(f"{k + '/table':>13s}" for k in ("trigram", "like") if k in names))
    for row in results:
        hits = stats["hits"].get(row["query"], 0)
        cells = []
        for name in names:
            if name in row:
                p50, p95, rows = row[name]
                cells.append(f"{p50:6.1f}/{p95:6.1f} ({rows:>2d})")
            else:
                cells.append(f"{'-':>17s}")
        table = row["table"][1]
        ratios = [f"{row[k][1] / table:12.1f}x" if k in row else f"{'-':>13s}"
                  for k in ("trigram", "like") if k in names]
        found = row.get("count")
        flag = "" if found == hits else " !"
        text = row["query"] + "\u3000" * max(0, 4 - len(row["query"]))
        print(f"  {row['label']:22s} {text} {hits:8,d} {found if found is not None else '-':>8}{flag} "
              + " ".join(cells) + " " + " ".join(ratios))
    print(f"\n  (ratios compare p95; trigram finds nothing for 1-2 character queries; {n:,} reports)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=None, help="reports to generate (100000)")
    parser.add_argument("--quick", action="store_true", help="smoke test: 300 reports, 3 runs")
    parser.add_argument("--reps", type=int, default=None, help="timed runs per query and path")
    parser.add_argument("--no-trigram", action="store_true", help="skip the trigram baseline")
    parser.add_argument("--optimize", action="store_true",
                        help="merge the index's segments (FTS5 'optimize') before measuring")
    parser.add_argument("--keep", type=Path, default=None, help="keep the database at this path")
    args = parser.parse_args(argv)
    n = args.reports or (300 if args.quick else 100_000)
    reps = args.reps or (3 if args.quick else 15)
    workdir = Path(tempfile.mkdtemp(prefix="nianbao-bench-"))
    path = args.keep or workdir / "bench.db"
    path.unlink(missing_ok=True)
    try:
        skip = {"trigram"} if args.no_trigram else set()
        return run(path, n, reps, skip, optimize=args.optimize)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(path: Path, n: int, reps: int, skip: set[str], optimize: bool = False) -> int:
    db = connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    create_tables(db)
    times: dict[str, float] = {}
    stats, times["generate + insert rows"] = timed(lambda: generate(db, n))
    _, times[INDEX_STEP] = timed(lambda: enable_search(db))
    if optimize:
        _, times["optimize reports_fts"] = timed(
            lambda: db.execute("INSERT INTO reports_fts(reports_fts) VALUES ('optimize')"))
    sizes = {"reports_fts (bigram+unigram)": index_bytes(db, "reports_fts")}
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    total_size = path.stat().st_size
    tables = table_sizes(path)
    db = connect(path)
    if "trigram" not in skip:
        _, times["(baseline) trigram index"] = timed(partial(build_trigram, db))
        sizes["(baseline) trigram index"] = index_bytes(db, "reports_trigram")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    no_hit = next((c for c in NO_HIT_CANDIDATES if c in stats["absent"]), NO_HIT_CANDIDATES[0])
    queries = [(label, no_hit if q == "NOHIT" else q) for label, q in QUERIES]
    stats["hits"].setdefault(no_hit, 0)
    print_build(n, stats, times, sizes, total_size, tables)
    results = asyncio.run(run_queries(path, queries, reps, skip))
    print_latency(results, stats, n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
