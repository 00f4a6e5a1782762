"""Benchmark Chinese search on a synthetic archive (`make bench-search`).

Generates N reports of realistic length (3,000-15,000 characters, report vocabulary),
builds the archive's search indexes, and prints build time, database size relative to
the raw text, and p50/p95 latency through Datasette (ds.client, no server) for a fixed
query mix, next to a built-in `trigram` FTS5 index and a LIKE scan over the same rows.

    .venv/bin/python bench/bench_search.py                 # 100,000 reports
    .venv/bin/python bench/bench_search.py --reports 20000
    .venv/bin/python bench/bench_search.py --quick         # smoke test, a few seconds
"""

from __future__ import annotations

import argparse
import asyncio
import math
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from datasette.app import Datasette

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive.search.folding import normalize
from archive.search.fts import connect, enable_search
from tools.synthetic import generate_reports

REPORT_COLUMNS = {
    "id": str, "url": str, "title": str, "title_raw": str, "town": str, "county": str,
    "province": str, "report_year": int, "published": str, "signed": str, "source": str,
    "format": str, "tampered": int, "spam_terms": str, "text": str, "platform": str,
    "index_no": str, "site_id": str, "capture_id": int, "first_seen": str, "last_seen": str,
}
SECTION_COLUMNS = {"report_id": str, "ordinal": int, "level": int, "heading": str, "text": str}
# Pairs of very common characters that never occur together in the corpus: the first one
# verified absent is the "no-hit word made of common characters".
NO_HIT_CANDIDATES = ["息政", "告信", "开府", "报息", "工政"]
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
    db["reports"].create(REPORT_COLUMNS, pk="id")
    db["sections"].create(SECTION_COLUMNS, pk=("report_id", "ordinal"))
    for column in ("town", "report_year", "published"):
        db["reports"].create_index([column])


def generate(db: Any, count: int, batch: int = 500) -> dict[str, Any]:
    """Insert `count` reports; count raw text and which queries each report matches."""
    stats: dict[str, Any] = {"chars": 0, "bytes": 0, "hits": {}, "absent": set(NO_HIT_CANDIDATES)}
    needles = {q: normalize(q).split(normalize(" ")) for _, q in QUERIES if q != "NOHIT"}
    reports: list[dict[str, Any]] = []
    sections: list[dict[str, Any]] = []

    def flush() -> None:
        with db.conn:
            db["reports"].insert_all(reports, batch_size=batch)
            db["sections"].insert_all(sections, batch_size=batch * 8)
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
        sections.extend({"report_id": r.id, "ordinal": i, "level": lvl, "heading": h, "text": t}
                        for i, (lvl, h, t) in enumerate(r.sections, 1))
        if len(reports) >= batch:
            flush()
    flush()
    return stats


def build_trigram(db: Any) -> None:
    with db.conn:
        db.execute('CREATE VIRTUAL TABLE reports_trigram USING fts5(title, text, '
                   'content="reports", content_rowid="rowid", tokenize="trigram")')
        db.execute("INSERT INTO reports_trigram(reports_trigram) VALUES ('rebuild')")


def build_unigram(db: Any) -> None:
    """The per-character design, for comparison: the same tokenizer, unigram stream only."""
    with db.conn:
        db.execute('CREATE VIRTUAL TABLE reports_uni USING fts5(title, text, content="reports", '
                   'content_rowid="rowid", tokenize="nianbao_zh unigram")')
        db.execute("INSERT INTO reports_uni(reports_uni) VALUES ('rebuild')")


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
    return {
        "page": f"/-/search.json?q={query}",
        "table": f"/bench/reports.json?_search={query}&_size=20&_nocount=1&_nofacet=1",
        "table+count": f"/bench/reports.json?_search={query}&_size=20&_nofacet=1",
        "trigram": (f"/bench/reports.json?_search={query}&_fts_table=reports_trigram"
                    f"&_size=20&_nocount=1&_nofacet=1"),
        "unigram": (f"/bench/reports.json?_search={query}&_fts_table=reports_uni"
                    f"&_size=20&_nocount=1&_nofacet=1"),
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


def print_build(n: int, stats: dict[str, Any], times: dict[str, float], sizes: dict[str, int],
                total_size: int) -> None:
    raw = stats["bytes"]
    print(f"\n== Build: {n:,} reports, {stats['chars'] / 1e6:,.1f} M characters "
          f"({raw / 1e6:,.0f} MB UTF-8, mean {stats['chars'] / max(n, 1):,.0f} chars/report)")
    for name, seconds in times.items():
        print(f"  {name:34s} {seconds:8.1f} s")
    index_rate = stats["chars"] / max(times["index reports_fts + sections_fts"], 1e-9)
    print(f"  {'indexing rate (both indexes)':34s} {index_rate / 1e6:8.2f} M chars/s of report text")
    print(f"\n== Size relative to the raw report text ({raw / 1e6:,.0f} MB)")
    print(f"  {'database file (all tables)':34s} {total_size / 1e6:8.0f} MB  {total_size / raw:5.2f}x")
    for name, size in sizes.items():
        print(f"  {name:34s} {size / 1e6:8.0f} MB  {size / raw:5.2f}x")


def print_latency(results: list[dict[str, Any]], stats: dict[str, Any], n: int) -> None:
    print("\n== Latency through Datasette (ds.client), milliseconds p50/p95, rows on the page")
    print("   page        = /-/search.json (first page newest first, bounded count, facets)")
    print("   table       = /bench/reports.json?_search=...&_nocount=1&_nofacet=1 (reports_fts)")
    print("   table+count = the same with Datasette's count(*) of all matches")
    print("   trigram     = the same as table on a built-in trigram index (_fts_table=)")
    print("   like        = text__contains=... (LIKE '%...%') on the same page")
    print("   unigram     = the same as table on a per-character index (--compare-unigram)")
    names = [n for n in ("page", "table", "table+count", "trigram", "like", "unigram")
             if any(n in row for row in results)]
    print(f"  {'query':22s} {'text':8s} {'expected':>8s} {'found':>8s} "
          + " ".join(f"{nm:>17s}" for nm in names) + " "
          + " ".join(f"{k + '/table':>13s}" for k in ("trigram", "like", "unigram") if k in names))
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
                  for k in ("trigram", "like", "unigram") if k in names]
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
    parser.add_argument("--compare-unigram", action="store_true",
                        help="also build and time a per-character (unigram-only) index")
    parser.add_argument("--keep", type=Path, default=None, help="keep the database at this path")
    args = parser.parse_args(argv)
    n = args.reports or (300 if args.quick else 100_000)
    reps = args.reps or (3 if args.quick else 15)
    workdir = Path(tempfile.mkdtemp(prefix="nianbao-bench-"))
    path = args.keep or workdir / "bench.db"
    path.unlink(missing_ok=True)
    try:
        skip = {"trigram"} if args.no_trigram else set()
        if not args.compare_unigram:
            skip.add("unigram")
        return run(path, n, reps, skip)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(path: Path, n: int, reps: int, skip: set[str]) -> int:
    db = connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    create_tables(db)
    times: dict[str, float] = {}
    stats, times["generate + insert rows"] = timed(lambda: generate(db, n))
    _, times["index reports_fts + sections_fts"] = timed(lambda: enable_search(db))
    sizes = {"reports_fts (bigram+unigram)": index_bytes(db, "reports_fts"),
             "sections_fts (unigram)": index_bytes(db, "sections_fts")}
    baselines: list[tuple[str, str, Callable[[Any], None]]] = [
        ("trigram", "reports_trigram", build_trigram), ("unigram", "reports_uni", build_unigram)]
    for name, table, build in baselines:
        if name not in skip:
            _, times[f"(baseline) {name} index"] = timed(partial(build, db))
            sizes[f"(baseline) {name} index"] = index_bytes(db, table)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    no_hit = next((c for c in NO_HIT_CANDIDATES if c in stats["absent"]), NO_HIT_CANDIDATES[0])
    queries = [(label, no_hit if q == "NOHIT" else q) for label, q in QUERIES]
    stats["hits"].setdefault(no_hit, 0)
    print_build(n, stats, times, sizes, path.stat().st_size)
    results = asyncio.run(run_queries(path, queries, reps, skip))
    print_latency(results, stats, n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
