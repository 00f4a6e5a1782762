"""The distributed crawl's cost per request beside the single-process crawl (issue #13).

The same portals are crawled (no derive step: the crawl alone) by:
- the single-process crawl (`crawler.run.run_crawl`), the reference;
- the distributed crawl (`archive.app.distributed.run_distributed`) with 1, 2 and 4
  local workers, a real `redis-server` and the ingest process.
Both at one request at a time per host (`--concurrency 1`: the cluster's per-host lease
against Scrapy's per-domain slot), no delay (loopback).

For each: pages, seconds, pages/s, CPU seconds per request summed over every process of
the crawl (coordinator, workers, ingest, parser pool, and redis-server), and the
distributed path's CPU overhead per request against the single process (target <= 20%).
On a 2-core machine more workers are not faster: the figure that carries to N machines is
the CPU per request (docs/scale.md extrapolates from it).

Usage: .venv/bin/python bench/bench_distributed.py [--portals 4] [--reports 150]
       [--workers 1,2,4] [--sites sites.yml]   (--sites: portals served elsewhere, e.g.
       the province generator of issue #10; then nothing is served here)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@dataclass
class Measure:
    label: str
    pages: int
    requests: int
    seconds: float
    cpu: float
    reports: int
    cluster: dict[str, Any]

    @property
    def rate(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    @property
    def cpu_per_request(self) -> float:
        return self.cpu / self.requests if self.requests else 0.0


# -- children ---------------------------------------------------------------------------------


def child_serve(portals: int, reports: int) -> None:
    """Serve `portals` scale portals of `reports` reports and as many of a third of that;
    print the two sites.yml; stop when stdin closes."""
    from tools.scale.portal import ScalePortal

    served = []
    for size in (reports, max(1, reports // 3)):
        group = [ScalePortal(reports=size).start() for _ in range(portals)]
        served += group
        lines = []
        for number, portal in enumerate(group, 1):
            lines += [f"- id: scale{number}", f"  name: 青岚县{number}人民政府",
                      "  province: 测试省", f"  county: 青岚县{number}",
                      "  start_urls:", f"  - {portal.start_url}"]
        print("\n".join(lines), flush=True)
        print("END", flush=True)
    sys.stdin.read()
    for portal in served:
        portal.stop()


def child_crawl(db: str, sites_file: str, redis_url: str | None, workers: int) -> None:
    from crawler.sites import load_sites

    sites = load_sites(sites_file)
    if redis_url:
        from archive.app.distributed import run_distributed

        summary = run_distributed(db, sites, redis_url=redis_url, workers=workers,
                                  concurrency=1, progress=lambda line: None)
    else:
        from crawler.run import run_crawl

        summary = run_crawl(db, sites, concurrency=1)
    print(json.dumps(summary.to_dict(), ensure_ascii=False), flush=True)


# -- the bench --------------------------------------------------------------------------------


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def process_cpu(pid: int) -> float:
    """utime + stime of a running process, in seconds (/proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def requests_of(db: Path) -> int:
    """Every capture the run stored (pages, robots.txt, failures): the requests made."""
    import sqlite3

    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM captures").fetchone()[0])


def crawl(label: str, tmp: Path, sites: Path, redis: tuple[str, int] | None,
          workers: int) -> Measure:
    db = tmp / label.replace(" ", "-") / "a.db"
    db.parent.mkdir(parents=True)
    argv = [sys.executable, __file__, "--child", "crawl", "--db", str(db), "--sites", str(sites),
            "--child-workers", str(workers)]
    if redis:
        argv += ["--redis", redis[0]]
    redis_before = process_cpu(redis[1]) if redis else 0.0
    before = children_cpu()
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    cpu = children_cpu() - before + ((process_cpu(redis[1]) - redis_before) if redis else 0.0)
    if proc.returncode != 0:
        raise SystemExit(f"{label} failed:\n{proc.stderr[-3000:]}")
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    return Measure(label, summary["pages"], requests_of(db), summary["seconds"], cpu,
                   summary["reports_found"], summary.get("cluster") or {})


def start_redis(tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    port = unused_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, f"redis://127.0.0.1:{port}/0"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portals", type=int, default=4, help="scale portals served")
    parser.add_argument("--reports", type=int, default=150, help="reports per portal")
    parser.add_argument("--workers", default="1,2,4", help="worker counts to measure")
    parser.add_argument("--sites", help="crawl these (served elsewhere) instead")
    parser.add_argument("--child", choices=["serve", "crawl"], help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--redis", help=argparse.SUPPRESS)
    parser.add_argument("--child-workers", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "serve":
        child_serve(args.portals, args.reports)
        return
    if args.child == "crawl":
        child_crawl(args.db, args.sites, args.redis, args.child_workers)
        return
    counts = [int(n) for n in args.workers.split(",") if n.strip()]
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-dist-") as name:
        tmp = Path(name)
        server = None
        small = None
        if args.sites:
            sites = Path(args.sites)
            what = f"sites from {sites}"
        else:
            server = subprocess.Popen([sys.executable, __file__, "--child", "serve",
                                       "--portals", str(args.portals), "--reports",
                                       str(args.reports)], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True)
            assert server.stdout is not None
            for path in (tmp / "sites.yml", tmp / "small.yml"):
                lines = []
                for line in server.stdout:
                    if line.strip() == "END":
                        break
                    lines.append(line)
                path.write_text("".join(lines), encoding="utf-8")
            sites, small = tmp / "sites.yml", tmp / "small.yml"
            what = (f"{args.portals} scale portals x {args.reports} reports (and x "
                    f"{max(1, args.reports // 3)} for the marginal cost)")
        redis_proc, redis_url = start_redis(tmp)
        try:
            print(f"bench_distributed: {what}; one request at a time per host; "
                  f"{os.cpu_count()} cores", flush=True)
            single = crawl("single process", tmp, sites, None, 0)
            single_small = crawl("single small", tmp, small, None, 0) if small else None
            report(single, single)
            for count in counts:
                label = f"{count} worker{'s' if count != 1 else ''}"
                redis = (redis_url, redis_proc.pid)
                measure = crawl(label, tmp, sites, redis, count)
                report(measure, single)
                if small and single_small:
                    marginal(label, measure, crawl(label + " small", tmp, small, redis, count),
                             single, single_small)
        finally:
            redis_proc.terminate()
            redis_proc.wait(timeout=10)
            if server is not None:
                assert server.stdin is not None
                server.stdin.close()
                server.wait(timeout=30)


def slope(big: Measure, small: Measure) -> float:
    """CPU per request of the requests the bigger crawl made beyond the smaller one: the
    per-request cost with every fixed cost (process start-up, idle polling) cancelled."""
    extra = big.requests - small.requests
    return (big.cpu - small.cpu) / extra if extra > 0 else 0.0


def marginal(label: str, big: Measure, small: Measure, single: Measure,
             single_small: Measure) -> None:
    ours, reference = slope(big, small), slope(single, single_small)
    overhead = (ours / reference - 1) * 100 if reference else 0.0
    print(f"  {label:15} marginal {ours * 1000:6.1f} ms CPU/request beside the single "
          f"process's {reference * 1000:.1f} ms: {overhead:+.1f}% (fixed cost "
          f"{big.cpu - ours * big.requests:.1f} s CPU per run, single process "
          f"{single.cpu - reference * single.requests:.1f} s)", flush=True)


def report(measure: Measure, single: Measure) -> None:
    overhead = (measure.cpu_per_request / single.cpu_per_request - 1) * 100 \
        if single.cpu_per_request else 0.0
    extra = ""
    if measure.cluster:
        per = "/".join(str(v) for v in measure.cluster["requests_per_worker"].values())
        ingest = measure.cluster.get("ingest_cpu_seconds", 0.0)
        extra = (f"; requests per worker {per}, re-queued {measure.cluster['requeued']}, "
                 f"lost {measure.cluster['lost']}; the ingest (one writer) "
                 f"{ingest / measure.requests * 1000:.1f} ms CPU/request")
    ratio = "reference" if measure is single else f"{overhead:+.1f}% CPU/request vs single"
    print(f"  {measure.label:15} {measure.pages:6} pages {measure.requests:6} requests "
          f"{measure.seconds:7.1f} s {measure.rate:7.1f} pages/s "
          f"{measure.cpu_per_request * 1000:6.1f} ms CPU/request ({ratio}); "
          f"{measure.reports} reports{extra}", flush=True)


if __name__ == "__main__":
    main()
