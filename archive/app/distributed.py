"""The coordinator of a distributed crawl: `nianbao crawl --redis URL --workers N`.

1. Registers the sites and starts their `crawl_runs` (as the single-process crawl does),
   loads each site's url_state into Redis for the workers, sets the capture id allocator
   past the archive's highest id, seeds the start URLs into the shared frontier (once),
   and publishes the run plan (`crawler.cluster`).
2. Closes the archive and starts the one writer (`archive.app.stream_ingest`) and N local
   workers (`crawler.worker`); workers on other machines join with `nianbao worker`.
3. Watches: a worker whose heartbeat stops (or whose process died here) has its in-flight
   requests put back in the frontier (counted as re-queued), and a local one is restarted;
   a dead ingest is restarted and claims what it had not acknowledged.
4. When the frontier is empty and nothing is in flight: tells the workers to finish, then
   the ingest once they are gone; reopens the archive, records the lists' links and each
   site's outcome (`finish_job`), and returns the summary with the cluster's counts.
"""

from __future__ import annotations

import json
import logging
import pickle
import subprocess
import sys
import time
import uuid
import zlib
from dataclasses import dataclass, field
from typing import Any

from archive.clock import Clock
from archive.db import Archive
from archive.db import url_state as freshness
from archive.errors import CrawlFailedError
from archive.parse.charset import looks_like_html
from crawler.cluster import CURRENT, RunKeys, RunPlan, requeue_worker
from crawler.incremental import Revisits
from crawler.run import CrawlSummary, Job, Progress, finish_job
from crawler.settings import site_settings
from crawler.sites import Site
from crawler.tally import SiteTally
from crawler.warc import recover_open_files, warc_dir_for
from crawler.worker import COUNTERS, connect

log = logging.getLogger(__name__)

WATCH_INTERVAL = 0.5
MAX_RESTARTS = 5  # per run, local workers and the ingest together
STORED_PAGES_BUDGET = 256 << 20  # bytes of stored pages put in Redis for replays
REAP_INTERVAL = 3.0  # seconds between looks for workers without a heartbeat
DONE_CHECKS = 3  # consecutive empty looks at the frontier before the run is done


@dataclass
class Child:
    role: str  # worker / ingest
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def failed(self) -> bool:
        return self.process is not None and self.process.poll() not in (None, 0)


@dataclass
class Cluster:
    server: Any
    keys: RunKeys
    sites: list[Site]
    children: list[Child] = field(default_factory=list)
    restarts: int = 0

    def site_ids(self) -> list[str]:
        return [site.id for site in self.sites]

    def stopped(self, site_id: str) -> bool:
        return bool(self.server.exists(self.keys.stop(site_id)))

    def frontier(self) -> tuple[int, int]:
        """(queued, in flight) over the sites still running, in one round trip."""
        pipe = self.server.pipeline(transaction=False)
        for site_id in self.site_ids():
            pipe.exists(self.keys.stop(site_id))
            pipe.zcard(self.keys.queue(site_id))
            pipe.hlen(self.keys.flying(site_id))
        answer = pipe.execute()
        queued = flying = 0
        for index in range(0, len(answer), 3):
            if not answer[index]:
                queued += answer[index + 1]
                flying += answer[index + 2]
        return queued, flying

    def reap(self, worker: str | None = None) -> int:
        """Put back what dead workers held (one named worker, or every worker without a
        heartbeat)."""
        def dead(name: str) -> bool:
            return not self.server.exists(self.keys.alive(name))

        return sum(requeue_worker(self.server, self.keys, site_id, worker=worker,
                                  dead=None if worker else dead)
                   for site_id in self.site_ids())


def seed(server: Any, keys: RunKeys, jobs: list[Job]) -> int:
    """The start URLs, into each site's frontier and dupefilter: once for the run."""
    from scrapy_redis.dupefilter import RFPDupeFilter

    from crawler.discovery import Link
    from crawler.spiders.portal import START, PortalSpider
    from crawler.worker import LeasedQueue

    count = 0
    for job in jobs:
        spider = PortalSpider(job.site, job.run_id, None, SiteTally(job.site.id))
        queue = LeasedQueue(server, spider, keys.queue(job.site.id).replace("%", "%%"))
        seen = RFPDupeFilter(server, keys.dupefilter(job.site.id))
        for url in job.site.start_urls:
            request = spider.request_for(Link(url), START, depth=0, in_reports=False)
            if request is not None and not seen.request_seen(request):
                queue.push(request)
                count += 1
    return count


def prepare(archive: Archive, server: Any, keys: RunKeys, sites: list[Site],
            clock: Clock, options: dict[str, Any], log_level: str) -> list[Job]:
    jobs = []
    for site in sites:
        archive.register_site(site.to_row())
        jobs.append(Job(site, archive.start_run(site.id, site.start_urls),
                        SiteTally(site.id, time_budget=site.time_budget)))
    budget = STORED_PAGES_BUDGET
    for site in sites:
        revisits = Revisits(archive, site.id, clock)
        items = list(revisits.states.items())
        for chunk in range(0, len(items), 1000):
            server.hset(keys.states(site.id), mapping={
                k: pickle.dumps(v) for k, v in items[chunk:chunk + 1000]})
        budget -= store_pages(server, keys, site.id, revisits, budget)
    if budget < 0:
        log.warning("stored pages over %d MB: the rest are not followed after a 304",
                    STORED_PAGES_BUDGET >> 20)
    pipe = server.pipeline(transaction=False)
    top = archive.db.execute("SELECT max(id) FROM captures").fetchone()[0] or 0
    pipe.set(keys.ids, int(top))
    plan = RunPlan(sites=sites, run_ids={job.site.id: job.run_id for job in jobs},
                   settings={site.id: site_settings(site, **options) for site in sites},
                   now=clock.iso() if clock.start is not None else None, log_level=log_level)
    pipe.set(keys.meta, plan.dumps())
    pipe.execute()
    return jobs


def store_pages(server: Any, keys: RunKeys, site_id: str, revisits: Revisits,
                budget: int) -> int:
    """The stored copies of the known pages a worker may follow without fetching them
    (after a 304, or when the run that fetched them was killed), zlib'd in Redis; the
    bytes used."""
    used = 0
    for key, state in revisits.states.items():
        if used > budget:
            break
        if not (state.validated or not state.settled):
            continue
        page = revisits.stored_page(state.url)
        if page is None or not looks_like_html(page.body, page.headers):
            continue
        data = zlib.compress(pickle.dumps(page), 6)
        server.hset(keys.pages(site_id), key, data)
        used += len(data)
    return used


def run_distributed(db_path: str, sites: list[Site], *, redis_url: str, workers: int = 2,
                    concurrency: int | None = None, delay: float | None = None,
                    progress: Progress | None = None, max_pages: int | None = None,
                    log_level: str = "WARNING", clock: Clock | None = None,
                    warc: bool = True) -> CrawlSummary:
    """Crawl the sites with N worker processes sharing a Redis frontier; one ingest
    writes the archive. Returns the same summary as `run_crawl`, with `cluster` counts."""
    began = time.monotonic()
    clock = clock or Clock()
    emit = progress or log.info
    try:
        server = connect(redis_url)
        server.ping()
    except Exception as error:  # redis.ConnectionError, a bad URL
        raise CrawlFailedError("crawl", f"Redis 无法连接 / cannot reach Redis at "
                                        f"{redis_url}: {error}") from error
    keys = RunKeys(f"nianbao:run:{uuid.uuid4().hex[:12]}")
    warc_dir = warc_dir_for(db_path)
    if warc and warc_dir.is_dir():
        for path in recover_open_files(warc_dir):
            log.warning("finished WARC file left open by an interrupted run: %s", path.name)
    options = {"concurrency": concurrency, "delay": delay, "max_pages": max_pages}
    with Archive(db_path) as archive:
        jobs = prepare(archive, server, keys, sites, clock, options, log_level)
    seeded = seed(server, keys, jobs)
    server.set(CURRENT, keys.ns)
    emit(f"[cluster] run {keys.ns}: {len(sites)} sites, {seeded} start URLs seeded, "
         f"{workers} local workers")
    cluster = Cluster(server, keys, sites)
    base = [sys.executable, "-m"]
    ingest = Child("ingest", "ingest", [*base, "archive.app.stream_ingest", "--redis",
                                        redis_url, "--db", str(db_path), "--namespace",
                                        keys.ns, "--quiet"])
    cluster.children.append(ingest)
    for number in range(workers):
        cluster.children.append(worker_child(redis_url, keys, f"w{number + 1}",
                                             str(warc_dir) if warc else None))
    for child in cluster.children:
        child.start()
    try:
        watch(cluster, emit, redis_url, str(warc_dir) if warc else None)
        finish_children(cluster)
    finally:
        for child in cluster.children:
            if child.running():
                assert child.process is not None
                child.process.terminate()
                child.process.wait(timeout=30)
    if warc and warc_dir.is_dir():
        recover_open_files(warc_dir)
    with Archive(db_path) as archive:
        results = []
        for job in jobs:
            merge_tally(archive, server, keys, job)
            with archive.transaction():
                freshness.record_listed(archive.db, {k.decode() for k in server.smembers(
                    keys.listed(job.site.id))}, clock.iso())
            results.append(finish_job(archive, job, clock))
    summary = CrawlSummary.of(results, time.monotonic() - began)
    summary.cluster = cluster_counts(server, keys, cluster)
    forget(server, keys)
    return summary


def worker_child(redis_url: str, keys: RunKeys, name: str, warc_dir: str | None) -> Child:
    argv = [sys.executable, "-m", "crawler.worker", "--redis", redis_url, "--namespace",
            keys.ns, "--name", name]
    if warc_dir:
        argv += ["--warc-dir", warc_dir]
    return Child("worker", name, argv)


def watch(cluster: Cluster, emit: Progress, redis_url: str, warc_dir: str | None) -> None:
    """Until the frontier is dry: restart what died, re-queue what it held, report."""
    server, keys = cluster.server, cluster.keys
    empty_looks, last_line, last_reap = 0, time.monotonic(), 0.0
    while True:
        time.sleep(WATCH_INTERVAL)
        for child in list(cluster.children):
            if not child.failed():
                continue
            if cluster.restarts >= MAX_RESTARTS:
                raise CrawlFailedError("crawl", f"{child.role} {child.name} keeps dying "
                                                f"(exit {child.process.returncode if child.process else '?'})")
            cluster.restarts += 1
            if child.role == "worker":
                server.delete(keys.alive(child.name))
                held = cluster.reap(child.name)
                emit(f"[cluster] worker {child.name} died; {held} requests re-queued; "
                     "starting another")
                cluster.children.remove(child)
                replacement = worker_child(redis_url, keys, f"{child.name}r{cluster.restarts}",
                                           warc_dir)
                cluster.children.append(replacement)
                replacement.start()
            else:
                emit("[cluster] ingest died; restarting it (it claims what was not written)")
                child.start()
        if time.monotonic() - last_reap >= REAP_INTERVAL:
            last_reap = time.monotonic()
            held = cluster.reap()
            if held:
                emit(f"[cluster] {held} requests of workers without a heartbeat re-queued")
        if not server.exists(keys.meta):
            raise CrawlFailedError("crawl", "Redis 丢失了本次抓取的状态 / Redis lost the run's "
                                            "state (restarted without persistence?): what was "
                                            "written stays; the rest is due again next run")
        queued, flying = cluster.frontier()
        if queued == 0 and flying == 0:
            empty_looks += 1
            if empty_looks >= DONE_CHECKS:
                return
        else:
            empty_looks = 0
        if time.monotonic() - last_line >= 2.0:
            last_line = time.monotonic()
            done = sum(json.loads(v).get("requests", 0)
                       for v in server.hgetall(keys.workers).values())
            emit(f"[cluster] {done} requests done, {queued} queued, {flying} in flight, "
                 f"{server.xlen(keys.stream)} records waiting for the archive")


def finish_children(cluster: Cluster) -> None:
    """The frontier is dry: workers finish and leave, then the ingest drains the stream."""
    server, keys = cluster.server, cluster.keys
    server.set(keys.done, 1)
    for child in cluster.children:
        if child.role == "worker" and child.process is not None:
            try:
                child.process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                child.process.terminate()
                child.process.wait(timeout=30)
    deadline = time.monotonic() + 60
    while server.hgetall(keys.workers) and time.monotonic() < deadline:
        # remote workers: wait until their heartbeats are gone
        if not any(server.exists(keys.alive(name.decode()))
                   for name in server.hkeys(keys.workers)):
            break
        time.sleep(WATCH_INTERVAL)
    server.set(keys.finished, 1)
    ingest = next(child for child in cluster.children if child.role == "ingest")
    while True:
        assert ingest.process is not None
        code = ingest.process.wait()
        if code == 0:
            return
        if cluster.restarts >= MAX_RESTARTS:
            raise CrawlFailedError("crawl", f"the ingest keeps dying (exit {code})")
        cluster.restarts += 1
        ingest.start()


def merge_tally(archive: Archive, server: Any, keys: RunKeys, job: Job) -> None:
    """The site's counts from every worker (Redis) and every report written (ingest)."""
    tally, site_id = job.tally, job.site.id
    raw = {k.decode(): v.decode() for k, v in server.hgetall(keys.tally(site_id)).items()}
    for name in COUNTERS:
        setattr(tally, name, int(raw.get(name, 0)))
    tally.start_ok = raw.get("start_ok") == "1"
    tally.challenge = raw.get("challenge")
    tally.lost_listing = raw.get("lost_listing")
    tally.error_samples = [v.decode() for v in server.lrange(keys.tally(site_id) + ":samples",
                                                             0, 4)]
    tally.start_errors = [v.decode() for v in server.lrange(
        keys.tally(site_id) + ":start_errors", 0, 19)]
    new, updated, unchanged = archive.db.execute(
        "SELECT coalesce(sum(new), 0), coalesce(sum(updated), 0), coalesce(sum(unchanged), 0) "
        "FROM stream_applied WHERE run_id = ?", [job.run_id]).fetchone()
    tally.reports_new, tally.reports_updated = int(new), int(updated)
    tally.reports_unchanged += int(unchanged)
    closed = [pickle.loads(v) for v in server.hvals(keys.closed(site_id))]
    stop = server.get(keys.stop(site_id))
    reasons = [c["reason"] for c in closed]
    if stop:
        tally.finish_reason = stop.decode()
    elif reasons and all(r == "finished" for r in reasons):
        tally.finish_reason = "finished"
    else:
        tally.finish_reason = next((r for r in reasons if r != "finished"), None)
    if tally.finish_reason == "closespider_pagecount":
        plan = RunPlan.loads(server.get(keys.meta))
        tally.page_limit = int(plan.settings[site_id].get("CLOSESPIDER_PAGECOUNT") or 0) or None
        tally.left = int(server.zcard(keys.queue(site_id))) + int(server.hlen(
            keys.flying(site_id)))
    stops: dict[str, dict[str, Any]] = {}
    for record in closed:
        for row in record.get("stops") or []:
            stops.setdefault(json.dumps(row, sort_keys=True, default=str), row)
    tally.stops = list(stops.values())


def cluster_counts(server: Any, keys: RunKeys, cluster: Cluster) -> dict[str, Any]:
    workers = {name.decode(): json.loads(value)
               for name, value in server.hgetall(keys.workers).items()}
    left = 0
    for site_id in cluster.site_ids():
        if not cluster.stopped(site_id):
            left += int(server.zcard(keys.queue(site_id))) + int(server.hlen(
                keys.flying(site_id)))
    return {"workers": len(workers),
            "requests_per_worker": {name: info.get("requests", 0)
                                    for name, info in sorted(workers.items())},
            "requeued": int(server.get(keys.requeued) or 0),
            "lost": left, "restarts": cluster.restarts, "namespace": keys.ns,
            "ingest_cpu_seconds": float(server.get(keys.ingest + ":cpu") or 0)}


def forget(server: Any, keys: RunKeys) -> None:
    """Drop the run's keys (the archive has everything now)."""
    batch = []
    for key in server.scan_iter(match=keys.ns.replace("*", r"\*") + ":*", count=1000):
        batch.append(key)
        if len(batch) >= 500:
            server.delete(*batch)
            batch = []
    if batch:
        server.delete(*batch)
    if (server.get(CURRENT) or b"").decode() == keys.ns:
        server.delete(CURRENT)
