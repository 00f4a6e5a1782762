"""The distributed crawl (issue #13) on a real redis-server and the demo portals.

Workers share scrapy-redis's frontier and dupefilter, take a Redis lease per host, and
hand their records to one ingest process. Whatever the number of workers, and whatever
is killed on the way, the archive must hold what the single-process crawl makes: the same
reports, versions, figures, url_state and pages; no URL fetched twice by a run (from the
portals' own request log); never two requests at once to one host.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import redis
from helpers.cluster import contents, fetched_twice, redis_server
from helpers.crawl import ROOT, run_crawl

from demo.server import DemoPortals


@dataclass
class Hit:
    host: str
    method: str
    path: str
    start: float
    end: float


@dataclass
class RequestLog:
    """Every request the demo portals answered: host, method, path, start and end."""

    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def clear(self) -> None:
        with self.lock:
            self.hits = []

    def twice(self) -> list[tuple[str, str, str]]:
        """Requests for one URL made more than once (robots.txt aside: each worker asks)."""
        counts = Counter((h.host, h.method, h.path) for h in self.hits
                         if not h.path.startswith("/robots.txt"))
        return [key for key, count in counts.items() if count > 1]

    def overlaps(self) -> list[tuple[Hit, Hit]]:
        """Pairs of requests to one host that were being answered at the same time."""
        found = []
        by_host: dict[str, list[Hit]] = {}
        for hit in self.hits:
            by_host.setdefault(hit.host, []).append(hit)
        for hits in by_host.values():
            hits.sort(key=lambda h: h.start)
            for before, after in pairwise(hits):
                if after.start < before.end:
                    found.append((before, after))
        return found


@dataclass
class Portals:
    demo: DemoPortals
    sites: Path
    log: RequestLog
    baseline: Path  # the single-process crawl's archive
    single: dict[str, Any]  # and its summary
    single_overlaps: int  # requests at once to one host by the single process (8 allowed)


def logged(demo: DemoPortals, log: RequestLog) -> None:
    """Wrap each portal's `respond` to note every request with its start and end."""
    for live, base in zip(demo.live, demo.portals.values(), strict=True):
        respond = live.respond
        host = base.split("//", 1)[1].rstrip("/")

        def recording(request: Any, headers: Any, respond: Any = respond,
                      host: str = host) -> Any:
            start = time.monotonic()
            try:
                return respond(request, headers)
            finally:
                query = "&".join(f"{k}={v}" for k, vs in sorted(request.query.items())
                                 for v in vs)
                form = "&".join(f"{k}={v}" for k, vs in sorted(request.form.items())
                                for v in vs)
                with log.lock:
                    log.hits.append(Hit(host, request.method, f"{request.path}?{query}#{form}",
                                        start, time.monotonic()))

        live.respond = recording  # type: ignore[method-assign]


@pytest.fixture(scope="module")
def portals(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portals]:
    tmp = tmp_path_factory.mktemp("portals")
    log = RequestLog()
    with DemoPortals(base_port=0) as demo:
        logged(demo, log)
        sites = tmp / "sites.yml"
        sites.write_text(demo.sites_yaml(), encoding="utf-8")
        baseline = tmp / "single" / "a.db"
        done = run_crawl(baseline, "--sites", str(sites), timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        overlaps = len(log.overlaps())
        log.clear()
        yield Portals(demo, sites, log, baseline, done.summary, overlaps)


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    with redis_server(tmp_path / "redis") as url:
        yield url


def crawl_command(db: Path, sites: Path, url: str, workers: int) -> list[str]:
    return [sys.executable, "-m", "archive.app.crawl", "--db", str(db), "--json", "--sites",
            str(sites), "--redis", url, "--workers", str(workers), "--concurrency", "1"]


def finish(proc: subprocess.Popen[str], timeout: float = 600) -> dict[str, Any]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"the crawl did not finish:\n{err[-4000:]}") from None
    assert proc.returncode == 0, err[-3000:]
    return dict(json.loads(out.strip().splitlines()[-1]))


def integrity(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def assert_same_archive(portals: Portals, db: Path) -> None:
    expected, got = contents(portals.baseline), contents(db)
    for table in expected:
        assert got[table] == expected[table], table
    assert fetched_twice(db) == []
    assert integrity(db) == "ok"


def current_run(server: redis.Redis, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ns = server.get("nianbao:current")
        if ns:
            return ns.decode()
        time.sleep(0.05)
    raise AssertionError("the coordinator never published its run")


def wait_for(check: Any, timeout: float = 300) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("waited in vain")


def run_workers(portals: Portals, tmp_path: Path, url: str, workers: int) -> dict[str, Any]:
    portals.log.clear()
    db = tmp_path / "dist" / "a.db"
    proc = subprocess.Popen(crawl_command(db, portals.sites, url, workers), cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    summary = finish(proc)
    assert_same_archive(portals, db)
    assert portals.log.twice() == []
    assert portals.log.overlaps() == []
    cluster = summary["cluster"]
    assert cluster["workers"] == workers
    assert cluster["lost"] == 0 and cluster["requeued"] == 0
    assert sum(cluster["requests_per_worker"].values()) >= summary["pages"]
    return summary


def test_two_workers_make_the_single_process_archive(portals: Portals, tmp_path: Path,
                                                     redis_url: str) -> None:
    assert portals.single_overlaps > 0  # the log sees concurrent requests when there are
    summary = run_workers(portals, tmp_path, redis_url, 2)
    assert "2 workers" in summary["line"]
    for count in ("pages", "reports_found", "reports_new", "reports_updated", "errors"):
        assert summary[count] == portals.single[count], count


@pytest.mark.slow
def test_three_workers_make_the_single_process_archive(portals: Portals, tmp_path: Path,
                                                       redis_url: str) -> None:
    run_workers(portals, tmp_path, redis_url, 3)


def test_a_killed_worker_loses_nothing_and_duplicates_nothing(
        portals: Portals, tmp_path: Path, redis_url: str) -> None:
    portals.log.clear()
    db = tmp_path / "dist" / "a.db"
    server = redis.Redis.from_url(redis_url)
    proc = subprocess.Popen(crawl_command(db, portals.sites, redis_url, 2), cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ns = current_run(server)

    def busy_worker() -> int | None:
        raw = server.hget(f"{ns}:workers", "w1")
        info = json.loads(raw) if raw else {}
        holding = sum(1 for v in server.scan_iter(match=f"{ns}:own:*")
                      for owner in server.hvals(v) if owner.startswith(b"w1|"))
        return int(info["pid"]) if info.get("requests", 0) >= 5 and holding else None

    pid = wait_for(busy_worker)
    os.kill(pid, signal.SIGKILL)
    summary = finish(proc)
    cluster = summary["cluster"]
    # (what it held at the kill is re-queued; it may have just finished its last request)
    assert cluster["restarts"] >= 1 and cluster["lost"] == 0
    assert "w1r1" in cluster["requests_per_worker"]  # the replacement
    assert_same_archive(portals, db)
    assert portals.log.overlaps() == []


@pytest.mark.slow
def test_a_killed_ingest_loses_nothing(portals: Portals, tmp_path: Path,
                                       redis_url: str) -> None:
    db = tmp_path / "dist" / "a.db"
    server = redis.Redis.from_url(redis_url)
    proc = subprocess.Popen(crawl_command(db, portals.sites, redis_url, 2), cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ns = current_run(server)

    def written() -> int:
        if not db.exists():
            return 0
        try:
            with sqlite3.connect(db, timeout=5) as conn:
                return int(conn.execute("SELECT count(*) FROM stream_applied").fetchone()[0])
        except sqlite3.OperationalError:
            return 0

    wait_for(lambda: written() >= 20)
    pid = int(server.get(f"{ns}:ingest").decode().rsplit(":", 1)[1])
    os.kill(pid, signal.SIGKILL)
    summary = finish(proc, timeout=240)
    assert summary["cluster"]["restarts"] >= 1
    assert_same_archive(portals, db)


def test_an_unreachable_redis_is_a_clear_error(tmp_path: Path) -> None:
    from helpers.loopback import unused_port

    sites = tmp_path / "sites.yml"
    sites.write_text("- id: x\n  name: x\n  start_urls: [http://127.0.0.1:9/]\n",
                     encoding="utf-8")
    done = run_crawl(tmp_path / "a.db", "--sites", str(sites), "--redis",
                     f"redis://127.0.0.1:{unused_port()}/0")
    assert done.returncode == 1
    assert "cannot reach Redis" in done.stderr
