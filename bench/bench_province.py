"""A province in one crawl: thousands of portals on their own hosts, politely (issue #10).

Serves a generated province (`tools.province`: N portals on 127.77.x.y, one port; every
tenth a county portal with four township columns, each a site), writes its sites.yml with
the polite per-host settings (one request at a time per host, `--delay` s between them),
then runs, each in its own process and timed from outside:

1. the first `nianbao crawl --sites` of the whole province into a fresh archive;
2. a no-change nightly at once (the same crawl again: known report pages are not due,
   only start and list pages are fetched);
3. a plain link-following Scrapy spider over the same start URLs with the same politeness
   and concurrency across hosts (no parsing, no storage), as the reference.

For each: wall time, requests/s, CPU seconds per request (the crawl process and its parser
workers, from getrusage of the reaped children; the server's CPU is not counted), peak RSS
(the sum over the crawl's process tree, sampled from /proc). Then the extrapolation to
40,000 portals: the no-change nightly's requests per portal and CPU per request give
CPU-hours on one 2-core machine; politeness (delay × requests per host, `--parallel` hosts
at once) gives the wall time the crawl cannot go below.

Usage: .venv/bin/python bench/bench_province.py [--portals 2000] [--delay 0.5]
                                                [--parallel 128] [--skip-plain]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NATIONAL = 40_000  # townships and streets; their portals, counties' columns included
CORES = 2
NIGHT_HOURS = 8.0
REAL_DELAY = 1.0  # crawler.settings BASE_SETTINGS DOWNLOAD_DELAY for portals on the internet
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Run:
    name: str
    requests: int
    reports: int
    wall: float
    crawl_seconds: float  # the crawl's own timing (without derive)
    derive_seconds: float
    cpu: float  # user + system seconds of the process and its children, derive included
    peak_rss_mb: float  # sum over the process tree
    sites: int = 0
    health: str = ""
    crawl_cpu: float | None = None  # the crawl's own (run_crawl: process + parser workers)

    @property
    def rate(self) -> float:
        return self.requests / self.crawl_seconds if self.crawl_seconds else 0.0

    @property
    def cpu_per_request(self) -> float:
        """CPU seconds per request of the crawl alone (derive is timed on its own)."""
        cpu = self.cpu if self.crawl_cpu is None else self.crawl_cpu
        return cpu / self.requests if self.requests else 0.0


def tree_rss(root: int) -> int:
    """Resident bytes of `root` and every process under it."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * PAGE_SIZE
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def cpu_of(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def measured(cmd: list[str], timeout: float) -> tuple[subprocess.CompletedProcess[str], float,
                                                       float, float]:
    """Run `cmd`; (result, wall, cpu of it and its reaped children, peak tree RSS in MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.5):
            peak[0] = max(peak[0], tree_rss(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        done.set()
        sampler.join()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result = subprocess.CompletedProcess(cmd, proc.returncode, out, err)
    return result, wall, cpu, peak[0] / 1e6


def last_json(text: str) -> dict[str, Any]:
    for line in reversed(text.splitlines()):
        if line.startswith("{"):
            return dict(json.loads(line))
    return {}


def crawl(name: str, db: Path, sites: Path, parallel: int, derive: bool) -> Run:
    cmd = [sys.executable, "-m", "archive.app.crawl", "--db", str(db), "--sites", str(sites),
           "--json", "--parallel", str(parallel), *([] if derive else ["--no-derive"])]
    proc, wall, cpu, peak = measured(cmd, timeout=6 * 3600)
    summary = last_json(proc.stdout)
    if not summary:
        raise SystemExit(f"{name} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    health: dict[str, int] = {}
    for site in summary["sites"]:
        health[site["health"]] = health.get(site["health"], 0) + 1
    return Run(name, summary["pages"], summary["reports_found"], wall, summary["seconds"],
               summary.get("derive_seconds") or 0.0, cpu, peak, len(summary["sites"]),
               ", ".join(f"{k} {v}" for k, v in sorted(health.items())),
               summary.get("cpu_seconds"))


def child_plain(sites_file: str, parallel: int, delay: float) -> None:
    """A CrawlSpider following every link inside each start URL's folder, nothing else."""
    import yaml
    from scrapy.crawler import CrawlerProcess
    from scrapy.linkextractors import LinkExtractor
    from scrapy.spiders import CrawlSpider, Rule

    sites = yaml.safe_load(Path(sites_file).read_text(encoding="utf-8"))
    starts = [url for site in sites for url in site["start_urls"]]
    folders = tuple(url.rsplit("/", 1)[0] + "/" for url in starts)

    class PlainSpider(CrawlSpider):
        name = "plain"
        rules = (Rule(LinkExtractor(), follow=True, process_request="inside"),)

        def inside(self, request: Any, response: Any) -> Any:
            return request if request.url.startswith(folders) else None

    process = CrawlerProcess({"LOG_LEVEL": "ERROR", "TELNETCONSOLE_ENABLED": False,
                              "ROBOTSTXT_OBEY": True, "CONCURRENT_REQUESTS": parallel,
                              "CONCURRENT_REQUESTS_PER_DOMAIN": 1, "DOWNLOAD_DELAY": delay,
                              "REACTOR_THREADPOOL_MAXSIZE": 4})
    crawler = process.create_crawler(PlainSpider)
    process.crawl(crawler, start_urls=starts)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    print(json.dumps({"pages": stats.get("response_received_count", 0),
                      "seconds": stats.get("elapsed_time_seconds", 0.0)}))


def plain(sites: Path, parallel: int, delay: float) -> Run:
    cmd = [sys.executable, __file__, "--child-plain", str(sites), "--parallel", str(parallel),
           "--delay", str(delay)]
    proc, wall, cpu, peak = measured(cmd, timeout=6 * 3600)
    summary = last_json(proc.stdout)
    if not summary:
        raise SystemExit(f"plain spider failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return Run("plain Scrapy spider", summary["pages"], 0, wall, summary["seconds"], 0.0,
               cpu, peak)


def serve(portals: int, delay: float, sites: Path) -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen(
        [sys.executable, "-m", "tools.province", "--portals", str(portals), "--delay",
         str(delay), "--write-sites", str(sites)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    line = server.stdout.readline().strip()
    if not line.startswith("listening"):
        server.terminate()
        raise SystemExit(f"province server did not start: {line!r}")
    return server, line


def hours(seconds: float) -> str:
    return f"{seconds / 3600:.2f} h"


def extrapolate(nightly: Run, first: Run, portals: int, parallel: int) -> list[str]:
    """Lines of the extrapolation to NATIONAL portals on one CORES-core machine."""
    lines = []
    for run in (nightly, first):
        per_portal = run.requests / portals
        requests = NATIONAL * per_portal
        cpu = requests * run.cpu_per_request / CORES
        polite = NATIONAL * per_portal * REAL_DELAY / parallel  # each host: delay apart
        hosts_needed = REAL_DELAY * CORES / run.cpu_per_request if run.cpu_per_request else 0
        wall = max(cpu, polite)
        verdict = "fits" if wall <= NIGHT_HOURS * 3600 else "does NOT fit"
        lines += [
            (f"{run.name}: {per_portal:.1f} requests per portal × {NATIONAL:,} portals "
            f"= {requests:,.0f} requests"),
            (f"  CPU {run.cpu_per_request * 1000:.1f} ms/request (process + parser workers) "
             f"on {CORES} cores: {hours(cpu)}, plus derive"),
            (f"  politeness ({REAL_DELAY:g} s between requests to a host, {parallel} hosts at "
            f"once): {hours(polite)}; CPU-bound from {hosts_needed:,.0f} hosts at once"),
            f"  → {hours(wall)} on one {CORES}-core machine: {verdict} in {NIGHT_HOURS:g} h",
        ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--portals", type=int, default=2000)
    parser.add_argument("--delay", type=float, default=0.5,
                        help="per-host DOWNLOAD_DELAY written into the sites file")
    parser.add_argument("--parallel", type=int, default=128, help="sites (hosts) at once")
    parser.add_argument("--skip-plain", action="store_true")
    parser.add_argument("--derive", action="store_true",
                        help="derive after each crawl too (as nianbao crawl does); off by "
                             "default: derive's cost is bench_build's, not the crawl's")
    parser.add_argument("--child-plain", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_plain:
        child_plain(args.child_plain, args.parallel, args.delay)
        return
    with tempfile.TemporaryDirectory(prefix="nianbao-province-") as tmp:
        sites, db = Path(tmp) / "sites.yml", Path(tmp) / "province.db"
        began = time.perf_counter()
        server, line = serve(args.portals, args.delay, sites)
        say(f"province: {line} in {time.perf_counter() - began:.1f} s; per-host delay "
            f"{args.delay:g} s, {args.parallel} sites at once")
        server_cpu = cpu_of(server.pid)
        try:
            runs = [crawl("first crawl", db, sites, args.parallel, args.derive)]
            say(describe(runs[-1]))
            runs.append(crawl("no-change nightly", db, sites, args.parallel, args.derive))
            say(describe(runs[-1]))
            if not args.skip_plain:
                runs.append(plain(sites, args.parallel, args.delay))
                say(describe(runs[-1]))
            server_cpu = cpu_of(server.pid) - server_cpu
        finally:
            server.terminate()
            server.wait(30)
    print()
    print(f"{'run':<22}{'requests':>10}{'wall s':>9}{'crawl s':>9}{'derive s':>9}"
          f"{'req/s':>8}{'CPU ms/req':>11}{'all CPU s':>10}{'peak RSS MB':>12}")
    for run in runs:
        print(f"{run.name:<22}{run.requests:>10,}{run.wall:>9.1f}{run.crawl_seconds:>9.1f}"
              f"{run.derive_seconds:>9.1f}{run.rate:>8.1f}{run.cpu_per_request * 1000:>11.1f}"
              f"{run.cpu:>10.0f}{run.peak_rss_mb:>12.0f}")
    print("(CPU ms/req: the crawl's process and parser workers, derive not included; "
          "all CPU s: the whole command, derive included)")
    if len(runs) == 3 and runs[2].rate:
        print(f"first crawl / plain spider, requests/s: {runs[0].rate / runs[2].rate:.2f}×")
    print(f"server CPU over all runs: {server_cpu:.0f} s (not counted above)")
    print()
    print(f"extrapolation to {NATIONAL:,} portals (per-host delay {REAL_DELAY:g} s, "
          f"the default for portals on the internet):")
    for text in extrapolate(runs[1], runs[0], args.portals, args.parallel):
        print("  " + text)


def describe(run: Run) -> str:
    text = (f"{run.name}: {run.requests:,} requests in {run.crawl_seconds:.1f} s "
            f"({run.rate:.1f}/s), derive {run.derive_seconds:.1f} s, wall {run.wall:.1f} s, "
            f"CPU {run.cpu:.0f} s "
            f"({run.cpu_per_request * 1000:.1f} ms/request), peak RSS {run.peak_rss_mb:.0f} MB")
    if run.sites:
        text += f"; {run.reports:,} reports, {run.sites:,} sites ({run.health})"
    return text


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
