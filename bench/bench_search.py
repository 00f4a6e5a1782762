"""Benchmark Chinese search on a synthetic archive (`make bench-search`).

Generates N reports of realistic length (3,000-15,000 characters, report vocabulary),
stores them with the archive's schema (sections as offsets into the report text), builds
the search index, and prints build time, the file's size relative to the raw text (whole
file and per table, from SQLite's dbstat), and p50/p95 latency through Datasette
(ds.client, no server) for a fixed query mix, next to a built-in `trigram` FTS5 index and
a LIKE scan over the same rows. The size is taken before the trigram baseline is added.

Each report is also stored as a crawl stores it: its page as a capture (the HTML in
`blobs`, compressed), its URL in `report_urls` and `url_state`, and its text's history in
`report_versions` written by `versions.record_text`; one report in 50 was edited after
publication (two versions, the first one kept). The size is printed with and without the
raw captures (`captures`, `blobs`); the target (issue #10) is the file without them.

    .venv/bin/python bench/bench_search.py                 # 100,000 reports
    .venv/bin/python bench/bench_search.py --reports 20000
    .venv/bin/python bench/bench_search.py --quick         # smoke test, a few seconds
    .venv/bin/python bench/bench_search.py --reports 20000 --schema-2  # and before schema 3
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
from datasette.database import Database

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive.db import versions
from archive.db.captures import add_capture
from archive.db.keys import url_key
from archive.db.reports import touch_url
from archive.db.schema import ensure_schema, section_spans
from archive.db.url_state import record_check
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


EDITED_EVERY = 50  # one report in 50 has a second version (edited after publication)
RAW_TABLES = ("captures", "blobs")
# What a county portal's detail page carries besides the report: head, navigation,
# breadcrumb, meta line, sharing and footer (a report page is ~25-30 KiB in the genre).
NAV = "".join(f'<li><a href="/col/col{n}/index.html">栏目{n}</a></li>' for n in range(60))
PAGE = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>'
        '<link rel="stylesheet" href="/css/main.css"><script src="/js/jquery.min.js"></script>'
        '</head><body><div class="top"><ul class="nav">' + NAV + '</ul></div>'
        '<div class="crumb">当前位置：<a href="/">首页</a> &gt; 政府信息公开 &gt; 年度报告</div>'
        '<div class="article"><h1>{title}</h1><div class="meta">发布日期：{published} '
        '来源：{town} 索引号：{rid}</div><div class="content">{body}</div></div>'
        '<div class="footer">主办单位：{county}人民政府 技术支持：某某科技 '
        '网站标识码 1234567890 ICP备案号 12345678号</div></body></html>')
HEADERS = {"Content-Type": "text/html; charset=utf-8", "Server": "nginx"}


def page_html(r: Any, text: str) -> bytes:
    body = "".join(f"<p>{line}</p>" for line in text.split("\n"))
    return PAGE.format(title=r.title, published=r.published, town=r.town, rid=r.id,
                       county=r.county, body=body).encode("utf-8")


def earlier_text(text: str) -> str:
    """The version a portal first published: a figure since corrected, a line since added."""
    lines = text.split("\n")
    return "\n".join(lines[:-1]).replace("0", "1", 1)


def store_as_crawled(db: Any, r: Any, url: str, capture_ids: dict[str, int]) -> None:
    """What a crawl writes for a report page besides the report row: url_state, the URL,
    and each text's version (record_text, as `save_report` calls it)."""
    def schedule(checked: Any, changed: Any, validated: bool) -> Any:
        return checked

    key = url_key(url)
    edited = int(r.id[1:]) % EDITED_EVERY == 0
    for day, text in (((1, earlier_text(r.text)),) if edited else ()) + ((2, r.text),):
        seen = f"202{4 + day}-03-01T08:00:00Z"
        capture = capture_ids[f"{r.id}/{day}"]
        record_check(db, key, url, site_id=None, status=200, headers=HEADERS,
                     fingerprint="text:" + versions.text_sha256(text), capture_id=capture,
                     at=seen, schedule=schedule)
        touch_url(db, r.id, url, capture, seen)
        versions.record_text(db, r.id, text, url=url, capture_id=capture, seen_at=seen)


def generate(db: Any, count: int, batch: int = 500, captures: bool = True) -> dict[str, Any]:
    """Insert `count` reports; count raw text and which queries each report matches."""
    stats: dict[str, Any] = {"chars": 0, "bytes": 0, "hits": {}, "absent": set(NO_HIT_CANDIDATES)}
    needles = {q: normalize(q).split(normalize(" ")) for _, q in QUERIES if q != "NOHIT"}
    reports: list[dict[str, Any]] = []
    sections: list[dict[str, Any]] = []
    crawled: list[Any] = []

    def flush() -> None:
        with db.conn:
            capture_ids: dict[str, int] = {}
            for r in crawled:
                url = f"http://127.0.0.1/{r.id}.html"
                edited = int(r.id[1:]) % EDITED_EVERY == 0
                for day, text in (((1, earlier_text(r.text)),) if edited else ()) + ((2, r.text),):
                    capture_ids[f"{r.id}/{day}"] = add_capture(
                        db, url, status=200, headers=HEADERS,
                        body=page_html(r, text) if captures else None,
                        fetched_at=f"202{4 + day}-03-01T08:00:00Z", kind="candidate")
            for row in reports:
                row["capture_id"] = capture_ids[f"{row['id']}/2"]
            db["reports"].insert_all(reports, batch_size=batch)
            db["section_spans"].insert_all(sections, batch_size=batch * 8)
            for r in crawled:
                store_as_crawled(db, r, f"http://127.0.0.1/{r.id}.html", capture_ids)
        reports.clear()
        sections.clear()
        crawled.clear()

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
                        "text": r.text, "first_seen": "2025-03-01T08:00:00Z",
                        "last_seen": "2026-03-01T08:00:00Z"})
        sections.extend(section_spans(r.id, r.text, r.sections))
        crawled.append(r)
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
    ds = Datasette([], settings={"suggest_facets": False, "sql_time_limit_ms": 60000,
                                 "num_sql_threads": 1})
    ds.add_database(Database(ds, path=str(path)), name="bench")  # whatever --keep named it
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
    captured = sum(tables.get(name, 0) for name in RAW_TABLES)
    without = total_size - captured
    print(f"\n== Size relative to the raw report text ({raw / 1e6:,.0f} MB); "
          f"target <= 2.5x without the raw captures")
    print(f"  {'archive file (all tables)':34s} {total_size / 1e6:8.0f} MB  "
          f"{total_size / raw:5.2f}x  <- file size / text bytes")
    if tables:
        print(f"  {'archive file without captures':34s} {without / 1e6:8.0f} MB  "
              f"{without / raw:5.2f}x  <- (file - {' - '.join(RAW_TABLES)}) / text bytes"
              f"{'' if without <= 2.5 * raw else '  ABOVE TARGET'}")
    versions_kept = stats.get("versions", (0, 0))
    print(f"  ({stats.get('pages', 0):,} report pages captured; {versions_kept[0]:,} versions, "
          f"{versions_kept[1]:,} of them with a text of their own)")
    for name, size in sorted(tables.items(), key=lambda item: -item[1]):
        if size >= raw * 0.005 or name == "report_versions":
            raw_mark = "  (raw capture)" if name in RAW_TABLES else ""
            print(f"    {name:32s} {size / 1e6:8.0f} MB  {size / raw:5.2f}x  (dbstat){raw_mark}")
    for name, size in sizes.items():
        print(f"  {name:34s} {size / 1e6:8.0f} MB  {size / raw:5.2f}x")


MIGRATE = ("import sys\nfrom archive.db.archive import Archive\n"
           "Archive(sys.argv[1]).close()\n")


def compare_schema_2(path: Path, raw: int) -> None:
    """The same archive as schema 2 wrote it (every version's text in full), then opened by
    this version (the migration on open) and vacuumed: size and migration time."""
    copy = path.with_name(path.stem + "-schema2.db")
    shutil.copy(path, copy)
    try:
        db = connect(copy)
        with db.conn:
            db.execute("DROP TABLE IF EXISTS reports_trigram")
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                      "AND name LIKE 'report_versions_%'").fetchall():
                db.execute(f"DROP TRIGGER [{name}]")
            db.execute("UPDATE report_versions SET text = (SELECT r.text FROM reports r "
                       "WHERE r.id = report_versions.report_id) WHERE text IS NULL")
            db.execute("PRAGMA user_version = 2")
        db.execute("VACUUM")
        db.close()

        def line(label: str) -> None:
            tables = table_sizes(copy)
            total = copy.stat().st_size
            without = total - sum(tables.get(name, 0) for name in RAW_TABLES)
            print(f"  {label:34s} {without / 1e6:8.0f} MB  {without / raw:5.2f}x without "
                  f"captures, {total / raw:5.2f}x with; report_versions "
                  f"{tables.get('report_versions', 0) / raw:5.2f}x")

        print("\n== The same archive as schema 2 stored it (every version's text in full)")
        line("schema 2 (vacuumed)")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", MIGRATE, str(copy)], check=True,
                       cwd=Path(__file__).resolve().parent.parent)
        took = time.perf_counter() - started
        line(f"opened: migrated in {took:.1f} s")
        db = connect(copy)
        db.execute("VACUUM")
        db.close()
        line("migrated, vacuumed")
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(str(copy) + suffix).unlink(missing_ok=True)


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
    parser.add_argument("--schema-2", action="store_true",
                        help="also measure the archive as schema 2 stored it and its migration")
    parser.add_argument("--no-captures", action="store_true",
                        help="store capture rows without the page bodies (faster, smaller)")
    args = parser.parse_args(argv)
    n = args.reports or (300 if args.quick else 100_000)
    reps = args.reps or (3 if args.quick else 15)
    workdir = Path(tempfile.mkdtemp(prefix="nianbao-bench-"))
    path = args.keep or workdir / "bench.db"
    path.unlink(missing_ok=True)
    try:
        skip = {"trigram"} if args.no_trigram else set()
        return run(path, n, reps, skip, optimize=args.optimize, captures=not args.no_captures,
                   schema_2=args.schema_2)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(path: Path, n: int, reps: int, skip: set[str], optimize: bool = False,
        captures: bool = True, schema_2: bool = False) -> int:
    db = connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    create_tables(db)
    times: dict[str, float] = {}
    stats, times["generate + insert rows"] = timed(lambda: generate(db, n, captures=captures))
    stats["pages"] = db.execute("SELECT count(*) FROM captures").fetchone()[0]
    stats["versions"] = db.execute("SELECT count(*), count(text) FROM report_versions").fetchone()
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
    if schema_2:
        compare_schema_2(path, stats["bytes"])
    results = asyncio.run(run_queries(path, queries, reps, skip))
    print_latency(results, stats, n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
