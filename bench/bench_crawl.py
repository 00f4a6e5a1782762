"""Crawl and parse throughput beside reference figures (issue #2).

Prints, side by side:
- pages crawled per second by the real crawler (`python -m archive.app.crawl`, loopback, full
  speed) on a generated county portal (`tools.scale.ScalePortal`, 2,000 reports of ~26 KiB by
  default) and on the bundled demo portals, timed by the crawl itself (`run_crawl`'s
  summary, cross-checked with crawl_runs started/ended) and by the wall clock; the derive
  step that follows the crawl (attachment extraction, figures) is timed on its own;
- the ceiling on the same scale portal: a plain link-following Scrapy CrawlSpider (no
  parsing, no storage, same concurrency), and Scrapy's own `scrapy bench`;
- what the portal server alone delivers (8 keep-alive client connections);
- CPU milliseconds per page of the crawl process alone (the one writer), of the crawl with
  its parser workers, and of the plain spider (less sensitive to the machine's load);
- reports parsed per second by `archive.parse.parse_report` on the captured report pages,
  beside a plain lxml parse (`lxml.html.fromstring` + `text_content()`) of the same bytes,
  and the crawler's other per-page costs (link scan, capture storage).

Usage: .venv/bin/python bench/bench_crawl.py [--reports 2000] [--rounds 3] [--skip-demo]
Each crawl runs in a subprocess (Twisted's reactor cannot restart); this script re-invokes
itself with `--child crawl|plain|fetch` for them.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import resource
import runpy
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import lxml.html

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.db import Archive
from archive.errors import NianbaoError
from archive.parse import parse_report

WINDOW = 2000  # pages in the first and last windows of a crawl
CONCURRENCY = 8  # the crawler's loopback concurrency (crawler.settings.LOOPBACK_CONCURRENCY)
STATS_NUMBER = r"'{name}': ([\d.]+)"


@dataclass
class CrawlRun:
    pages: int
    reports: int
    seconds: float  # the crawl's own timing (run_crawl)
    wall: float  # the whole `python -m archive.app.crawl` process
    derive: float | None  # the derive step after the crawl (run_crawl times it)
    runs_seconds: float | None  # crawl_runs: last ended - first started (1 s resolution)
    derived: str
    first_rate: float | None = None  # pages/s over the first WINDOW captures
    last_rate: float | None = None  # pages/s over the last WINDOW captures
    peak_rss_mb: float | None = None  # the largest process of the crawl (workers included)
    cpu: float | None = None  # CPU seconds of the crawl: its process and the parser workers
    writer_cpu: float | None = None  # of that, the crawl process alone (the one writer)

    @property
    def rate(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    @property
    def wall_rate(self) -> float:
        return self.pages / self.wall if self.wall else 0.0


# -- children (run in subprocesses) ----------------------------------------------------------


def child_crawl(argv: list[str]) -> None:
    """`python -m archive.app.crawl ARGV` (its JSON summary times the derive step too)."""
    sys.argv = ["archive.app.crawl", *argv]
    runpy.run_module("archive.app.crawl", run_name="__main__", alter_sys=True)


def child_plain(url: str, concurrency: int) -> None:
    """A CrawlSpider that follows every same-host link and does nothing else; prints stats."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.linkextractors import LinkExtractor
    from scrapy.spiders import CrawlSpider, Rule

    host = urlsplit(url).hostname or ""

    class PlainSpider(CrawlSpider):
        name = "plain"
        rules = (Rule(LinkExtractor(), follow=True),)  # offsite filtering by allowed_domains

    process = CrawlerProcess({"LOG_LEVEL": "ERROR", "TELNETCONSOLE_ENABLED": False,
                              "CONCURRENT_REQUESTS": concurrency,
                              "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency})
    crawler = process.create_crawler(PlainSpider)
    process.crawl(crawler, start_urls=[url], allowed_domains=[host])
    cpu = process_cpu()
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    print(json.dumps({"pages": stats.get("response_received_count", 0),
                      "seconds": stats.get("elapsed_time_seconds", 0.0),
                      "cpu": process_cpu() - cpu}))


def process_cpu() -> float:
    """User + system CPU seconds of this process."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_fetch(url_file: str, concurrency: int) -> None:
    """GET every URL in the file over `concurrency` keep-alive connections; print the rate."""
    urls = Path(url_file).read_text(encoding="utf-8").split()
    parts = urlsplit(urls[0])
    total = [0, 0]
    lock = threading.Lock()

    def worker(mine: list[str]) -> None:
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
        size = 0
        for url in mine:
            conn.request("GET", urlsplit(url).path)
            size += len(conn.getresponse().read())
        conn.close()
        with lock:
            total[0] += len(mine)
            total[1] += size

    threads = [threading.Thread(target=worker, args=(urls[i::concurrency],))
               for i in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({"pages": total[0], "bytes": total[1],
                      "seconds": time.perf_counter() - started}))


def run_child(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, __file__, "--child", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, check=False)


def last_json(text: str) -> dict[str, Any]:
    lines = [line for line in text.strip().splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


# -- measurements --------------------------------------------------------------------------------


def crawl_runs_seconds(db: Path) -> float | None:
    with Archive(db) as archive:
        row = archive.db.execute("SELECT min(started), max(ended) FROM crawl_runs").fetchone()
    if not row or not row[0] or not row[1]:
        return None
    return (datetime.fromisoformat(row[1]) - datetime.fromisoformat(row[0])).total_seconds()


def window_rates(db: Path, window: int = WINDOW) -> tuple[float | None, float | None]:
    """Pages/s over the first and the last `window` captures (by fetch time, 1 s
    resolution): does the crawl slow down as the archive grows?"""
    with Archive(db) as archive:
        times = [datetime.fromisoformat(t) for (t,) in archive.db.execute(
            "SELECT fetched_at FROM captures ORDER BY id")]
    if len(times) < 2 * window:
        return None, None

    def rate(chunk: list[datetime]) -> float | None:
        seconds = (chunk[-1] - chunk[0]).total_seconds()
        return (len(chunk) - 1) / seconds if seconds > 0 else None

    return rate(times[:window]), rate(times[-window:])


def crawl(db: Path, crawl_args: list[str]) -> CrawlRun:
    """Run the real crawler in a subprocess and collect its own and the wall-clock timing."""
    started = time.perf_counter()
    proc = run_child("crawl", "--db", str(db), "--json", *crawl_args, timeout=7200)
    wall = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    summary = last_json(proc.stdout)
    if proc.returncode != 0 or not summary:
        raise SystemExit(f"crawl failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    derived = re.search(r"^derived .*$", proc.stderr, re.MULTILINE)
    return CrawlRun(pages=summary["pages"], reports=summary["reports_found"],
                    seconds=summary["seconds"], wall=wall,
                    derive=summary.get("derive_seconds"),
                    runs_seconds=crawl_runs_seconds(db),
                    derived=derived.group(0) if derived else "",
                    first_rate=(rates := window_rates(db))[0], last_rate=rates[1],
                    peak_rss_mb=peak_kib / 1024, cpu=summary.get("cpu_seconds"),
                    writer_cpu=summary.get("writer_cpu_seconds"))


def crawl_scale(db: Path, portal: Any) -> CrawlRun:
    max_pages = str(2 * portal.page_count() + 100)
    return crawl(db, ["--url", portal.start_url, "--max-pages", max_pages])


def crawl_demo(db: Path) -> CrawlRun:
    from demo.server import DemoPortals

    with DemoPortals(base_port=0) as portals:
        sites = db.parent / "demo-sites.yml"
        sites.write_text(portals.sites_yaml(), encoding="utf-8")
        return crawl(db, ["--sites", str(sites)])


def plain_spider(url: str) -> tuple[int, float, float, float | None]:
    """(pages, seconds by Scrapy's stats, wall seconds, CPU seconds) of the plain
    CrawlSpider."""
    started = time.perf_counter()
    proc = run_child("plain", url, str(CONCURRENCY), timeout=7200)
    wall = time.perf_counter() - started
    stats = last_json(proc.stdout)
    if not stats.get("pages"):
        raise SystemExit(f"plain spider failed:\n{proc.stderr[-3000:]}")
    return int(stats["pages"]), float(stats["seconds"]), wall, stats.get("cpu")


def server_rate(urls: list[str], tmp: Path) -> tuple[int, float, int]:
    """(pages, seconds, bytes) for the portal server alone, client in another process."""
    url_file = tmp / "urls.txt"
    url_file.write_text("\n".join(urls), encoding="utf-8")
    result = last_json(run_child("fetch", str(url_file), str(CONCURRENCY)).stdout)
    return int(result.get("pages", 0)), float(result.get("seconds", 0.0)), int(result.get("bytes", 0))


def scrapy_bench(seconds: int) -> tuple[int, float] | None:
    """(pages, seconds) from `scrapy bench`'s final stats; None when it cannot run."""
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}",
         "-s", "LOG_LEVEL=INFO"], capture_output=True, text=True, cwd=tempfile.gettempdir(),
        timeout=seconds + 120, check=False,
    )
    pages = re.search(STATS_NUMBER.format(name="response_received_count"), result.stderr)
    elapsed = re.search(STATS_NUMBER.format(name="elapsed_time_seconds"), result.stderr)
    if not pages or not elapsed:
        return None
    return int(pages.group(1)), float(elapsed.group(1))


def report_pages(db: Path, limit: int) -> list[tuple[str, bytes, dict[str, str]]]:
    """(url, body, headers) of captured pages that became reports."""
    with Archive(db) as archive:
        rows = archive.db.execute(
            "SELECT c.id, c.url, c.headers FROM reports r JOIN captures c ON c.id = r.capture_id "
            "ORDER BY c.id LIMIT ?", [limit]).fetchall()
        return [(url, body, json.loads(headers or "{}")) for cid, url, headers in rows
                if (body := archive.capture_body(cid))]


def per_page_ms(pages: list[tuple[str, bytes, dict[str, str]]], rounds: int,
                work: Any) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        for page in pages:
            work(*page)
    return (time.perf_counter() - started) * 1000 / (len(pages) * rounds)


def parse_costs(pages: list[tuple[str, bytes, dict[str, str]]], rounds: int,
                tmp: Path) -> dict[str, float]:
    """Milliseconds per report page: our parse, plain lxml, and the crawler's other work."""
    from crawler.scan import scan_page

    def ours(url: str, body: bytes, headers: dict[str, str]) -> None:
        try:
            parse_report(url, body, headers)
        except NianbaoError:
            pass

    year = date.today().year
    with Archive(tmp / "store-cost.db") as archive:
        store = per_page_ms(pages, 1, lambda url, body, headers: archive.add_capture(
            url, status=200, headers=headers, body=body))
    return {
        "parse_report": per_page_ms(pages, rounds, ours),
        "lxml": per_page_ms(pages, rounds,
                            lambda url, body, h: lxml.html.fromstring(body).text_content()),
        "scan_page": per_page_ms(pages, rounds,
                                 lambda url, body, h: scan_page(url, body.decode("utf-8"), year)),
        "add_capture": store,
    }


# -- report ----------------------------------------------------------------------------------------


def ratio(ours: float | None, reference: float | None) -> str:
    return f"{ours / reference:.2f}" if ours and reference else "n/a"


def fmt(value: float | None) -> str:
    return f"{value:.1f}" if value else "n/a"


def print_table(rows: list[tuple[str, float | None, float | None, str]]) -> None:
    print(f"{'measure':<44}{'nianbao':>9}{'reference':>11}{'ratio':>7}  reference is")
    for label, ours, reference, what in rows:
        print(f"{label:<44}{fmt(ours):>9}{fmt(reference):>11}{ratio(ours, reference):>7}  {what}")


def describe_crawl(name: str, run: CrawlRun) -> str:
    derive = f"{run.derive:.1f} s" if run.derive is not None else "not timed"
    runs = f"{run.runs_seconds:.0f} s" if run.runs_seconds is not None else "n/a"
    return (f"{name}: {run.pages} pages, {run.reports} reports; crawl {run.seconds:.1f} s "
            f"(crawl_runs {runs}), derive {derive}, wall {run.wall:.1f} s "
            f"({run.wall_rate:.1f} pages/s incl. start-up and derive); {run.derived}")


def cpu_line(run: CrawlRun, plain_pages: int, plain_cpu: float | None) -> str:
    """CPU milliseconds per page: less sensitive to the machine's load than pages/s."""
    def per_page(cpu: float | None, pages: int) -> str:
        return f"{cpu * 1000 / pages:.1f}" if cpu is not None and pages else "n/a"

    return (f"CPU ms per page: nianbao crawl process (the one writer) "
            f"{per_page(run.writer_cpu, run.pages)}, with its parser workers "
            f"{per_page(run.cpu, run.pages)}; plain spider {per_page(plain_cpu, plain_pages)}")


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        mode, rest = sys.argv[2], sys.argv[3:]
        if mode == "crawl":
            return child_crawl(rest)
        if mode == "plain":
            return child_plain(rest[0], int(rest[1]))
        return child_fetch(rest[0], int(rest[1]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=2000, help="reports on the scale portal")
    parser.add_argument("--rounds", type=int, default=3, help="parse passes over the pages")
    parser.add_argument("--parse-pages", type=int, default=300, help="report pages to parse")
    parser.add_argument("--scrapy-seconds", type=int, default=10)
    parser.add_argument("--skip-demo", action="store_true", help="no crawl of the demo portals")
    args = parser.parse_args()
    run(args)


def run(args: argparse.Namespace) -> None:
    from tools.scale import ScalePortal

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        with ScalePortal(reports=args.reports) as portal:
            say(f"scale portal: {args.reports} reports, {portal.page_count()} pages, "
                f"{portal.start_url}")
            say("server alone…")
            served, served_s, served_bytes = server_rate(portal.report_urls(), tmp)
            say("crawling the scale portal with nianbao…")
            scale = crawl_scale(tmp / "scale.db", portal)
            say("crawling it with a plain Scrapy CrawlSpider…")
            plain_pages, plain_s, plain_wall, plain_cpu = plain_spider(portal.start_url)
        demo = None
        if not args.skip_demo:
            say("crawling the demo portals…")
            demo = crawl_demo(tmp / "demo.db")
        say("running scrapy bench…")
        bench = scrapy_bench(args.scrapy_seconds)
        say("parsing the captured report pages…")
        pages = report_pages(tmp / "scale.db", args.parse_pages)
        costs = parse_costs(pages, args.rounds, tmp)
    plain_rate = plain_pages / plain_s
    bench_rate = bench[0] / bench[1] if bench else None
    server = served / served_s if served_s else None
    rows = [
        (f"crawl pages/s, scale portal ({args.reports} reports)", scale.rate, plain_rate,
         "plain Scrapy CrawlSpider, same portal"),
        ("  same, wall clock incl. start-up + derive", scale.wall_rate, plain_pages / plain_wall,
         "plain spider, wall clock"),
        ("crawl pages/s, scale portal", scale.rate, bench_rate, "`scrapy bench`"),
        ("crawl pages/s, demo portals", demo.rate if demo else None, bench_rate,
         "`scrapy bench`"),
        (f"  last {WINDOW} pages vs first {WINDOW}", scale.last_rate, scale.first_rate,
         "the same crawl's first pages (flat: >= 0.90)"),
        ("parse reports/s (parse_report vs lxml)", 1000 / costs["parse_report"],
         1000 / costs["lxml"], "lxml fromstring + text_content"),
    ]
    print_table(rows)
    print(describe_crawl("scale crawl", scale))
    print(f"scale crawl peak RSS: {fmt(scale.peak_rss_mb)} MB (largest process; target < 1024)")
    print(cpu_line(scale, plain_pages, plain_cpu))
    print(f"plain spider: {plain_pages} pages in {plain_s:.1f} s (Scrapy stats), "
          f"{plain_wall:.1f} s wall; concurrency {CONCURRENCY} for both crawlers")
    if demo:
        print(describe_crawl("demo crawl", demo))
    if bench:
        print(f"scrapy bench: {bench[0]} pages in {bench[1]:.1f} s")
    print(f"portal server alone: {fmt(server)} pages/s ({served} detail pages of "
          f"{served_bytes / max(served, 1) / 1024:.1f} KiB in {served_s:.1f} s, "
          f"{CONCURRENCY} keep-alive connections from another process)")
    print(f"per report page (ms, {len(pages)} pages x {args.rounds}): parse_report "
          f"{costs['parse_report']:.2f}, crawler link scan (scan_page) {costs['scan_page']:.2f}, "
          f"capture store (add_capture) {costs['add_capture']:.2f}, plain lxml {costs['lxml']:.2f}")
    print(f"1-minute load average: {load_before:.2f} before, {os.getloadavg()[0]:.2f} after "
          f"({os.cpu_count()} CPUs; the crawler is one process, the portal server another)")
    print(f"summary: nianbao crawls {scale.rate:.0f} pages/s ({ratio(scale.rate, plain_rate)} of "
          f"a plain link-following spider's {plain_rate:.0f}, {ratio(scale.rate, bench_rate)} of "
          f"scrapy bench's {fmt(bench_rate)}) and parses {1000 / costs['parse_report']:.0f} "
          f"reports/s ({ratio(costs['lxml'], costs['parse_report'])} of plain lxml's "
          f"{1000 / costs['lxml']:.0f}).")


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
