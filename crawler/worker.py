"""A worker of the distributed crawl: `nianbao worker --redis URL` (issue #13).

It joins the run in progress (`crawler.cluster`), runs one `PortalSpider` per site on
scrapy-redis's Scheduler and RFPDupeFilter (a shared frontier: nothing scheduled twice in
the run), takes a cluster-wide lease per host before each download (`HostLeaseMiddleware`)
and never opens the archive: what the single-process crawl writes (captures with their
bodies, notes, reports, url_state checks) becomes records. A request's records leave in
one Redis transaction with the request's removal from the in-flight set, once its
callback has run and its children are queued: a worker killed before that leaves the
request in flight, the coordinator puts it back, and nothing of it reached the archive.
`archive/app/stream_ingest.py` writes the records, once.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import pickle
import socket
import sys
import threading
import time
import uuid
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redis.exceptions import RedisError
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy_redis.queue import PriorityQueue

from archive.clock import Clock, parse_time
from archive.db import url_key
from archive.db.url_state import UrlState
from crawler.cluster import (
    CURRENT,
    FLUSH,
    HEARTBEAT_MS,
    LEASE_META,
    POP,
    RELEASE,
    TOKEN_META,
    RunKeys,
    RunPlan,
    escaped,
    requeue_worker,
)
from crawler.incremental import Revisits, StoredPage
from crawler.items import ReportItem
from crawler.sites import Site, netloc_of
from crawler.spiders.portal import PortalSpider
from crawler.tally import SiteTally
from crawler.warc import WarcSink

log = logging.getLogger(__name__)

ID_BLOCK = 64  # capture ids taken from Redis at a time
POKE_INTERVAL = 0.2  # seconds: how often idle spiders look at the shared frontier
# The tally's integer counters (new ones included without a change here), summed across
# workers; `left` is the coordinator's own count.
COUNTERS = tuple(f.name for f in dataclasses.fields(SiteTally)
                 if f.type == "int" and f.name != "left")
CLOSE_REASONS_THAT_STOP_THE_SITE = ("closespider_timeout", "closespider_errorcount")


def connect(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url)


class Ids:
    """Capture ids from `<ns>:ids`, a block at a time (the ingest inserts them as given)."""

    def __init__(self, server: Any, key: str):
        self.server, self.key = server, key
        self.next, self.end = 0, 0

    def take(self) -> int:
        if self.next >= self.end:
            self.end = int(self.server.incrby(self.key, ID_BLOCK)) + 1
            self.next = self.end - ID_BLOCK
        self.next += 1
        return self.next - 1


@dataclass
class WorkerContext:
    """One worker process: its Redis connection, name, run and id allocator."""

    server: Any
    keys: RunKeys
    name: str
    plan: RunPlan
    ids: Ids = field(init=False)
    sequence: int = 0
    requests: int = 0
    done: bool = False  # the coordinator said the frontier ran dry (`look`)
    stopped: set[str] = field(default_factory=set)  # sites stopped by a limit (`look`)
    late: int = 0  # requests handled after they were put back (taken for dead)

    def __post_init__(self) -> None:
        self.ids = Ids(self.server, self.keys.ids)

    def token(self) -> str:
        self.sequence += 1
        return f"{self.name}:{self.sequence}"

    def run_done(self) -> bool:
        return self.done

    def look(self, site_ids: list[str]) -> list[int]:
        """One round trip: is the run done, which sites are stopped, how many requests
        each site has queued (idle spiders are poked only where there is work)."""
        pipe = self.server.pipeline(transaction=False)
        pipe.exists(self.keys.done)
        for site_id in site_ids:
            pipe.exists(self.keys.stop(site_id))
            pipe.zcard(self.keys.queue(site_id))
        answer = pipe.execute()
        self.done = bool(answer[0])
        self.stopped = {site_id for site_id, flag in zip(site_ids, answer[1::2], strict=True)
                        if flag}
        return [int(n) for n in answer[2::2]]

    def beat(self) -> None:
        self.server.set(self.keys.alive(self.name), str(os.getpid()), px=HEARTBEAT_MS)


class LeasedQueue(PriorityQueue):
    """scrapy-redis's priority queue, popping into the in-flight set (`crawler.cluster.POP`)
    instead of forgetting the request: a dead worker's requests are put back."""

    def push(self, request: Request) -> None:
        request.meta.pop(TOKEN_META, None)
        request.meta.pop(LEASE_META, None)
        super().push(request)

    def pop(self, timeout: int = 0) -> Request | None:
        ctx: WorkerContext = self.spider.ctx
        token = ctx.token()
        site = self.spider.site.id
        data = self.server.eval(POP, 3, self.key, ctx.keys.flying(site), ctx.keys.owners(site),
                                token, ctx.name)
        if not data:
            return None
        request: Request = self._decode_request(data)
        request.meta[TOKEN_META] = token
        return request


class HostLeaseMiddleware:
    """One request at a time per host slot in the whole cluster, with the site's delay.

    Before a download: `SET <ns>:lease:<host>:<slot> token NX PX ttl` on one of the host's
    slots (CONCURRENT_REQUESTS_PER_DOMAIN of them; 1 for real portals), waiting while all
    are held. After it: the lease is kept for DOWNLOAD_DELAY more (the cluster-wide
    delay), then expires; a worker that dies holding it loses it after the TTL."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.slots = max(1, settings.getint("NIANBAO_LEASE_SLOTS", 1))
        self.delay_ms = int(settings.getfloat("NIANBAO_LEASE_DELAY", 0) * 1000)
        self.ttl_ms = int((settings.getfloat("DOWNLOAD_TIMEOUT", 30) + 10) * 1000)
        self.waits = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostLeaseMiddleware:
        return cls(crawler)

    def context(self) -> WorkerContext | None:
        return getattr(self.crawler.spider, "ctx", None)

    async def process_request(self, request: Request) -> None:
        ctx = self.context()
        if ctx is None or LEASE_META in request.meta:
            return
        host = netloc_of(request.url) or "-"
        token = ctx.token()
        pause = 0.005
        while True:
            for slot in range(self.slots):
                key = ctx.keys.lease(host, slot)
                if ctx.server.set(key, token, nx=True, px=self.ttl_ms):
                    request.meta[LEASE_META] = (key, token)
                    return
            self.waits += 1
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.1)

    def release(self, request: Request) -> None:
        ctx = self.context()
        held = request.meta.pop(LEASE_META, None)
        if ctx is None or not held:
            return
        key, token = held
        ctx.server.eval(RELEASE, 1, key, token, self.delay_ms)

    def process_response(self, request: Request, response: Response) -> Response:
        self.release(request)
        spider = self.crawler.spider
        if getattr(spider, "ctx", None) is not None:
            spider.count_response()  # type: ignore[union-attr]
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self.release(request)


class RecordLink:
    """One site's records on their way to the stream, grouped by capture id so that a
    request's records leave together (`flush`), with its in-flight token."""

    def __init__(self, ctx: WorkerContext, site_id: str, run_id: int, tally: SiteTally):
        self.ctx, self.site_id, self.run_id, self.tally = ctx, site_id, run_id, tally
        self.pending: dict[int, list[tuple[Any, ...]]] = {}
        self.listed: set[str] = set()
        self.sent = {name: 0 for name in COUNTERS}
        self.samples_sent = 0
        self.flags_sent: dict[str, Any] = {}
        self.start_errors_sent = 0

    def capture(self, capture_id: int, op: tuple[Any, ...], at_once: bool) -> None:
        if at_once:
            self.send([op])
        else:
            self.pending[capture_id] = [op]

    def add(self, capture_id: int | None, op: tuple[Any, ...]) -> None:
        if capture_id is not None and capture_id in self.pending:
            self.pending[capture_id].append(op)
        else:
            self.send([op])  # its capture already left (or there is none): on its own

    def send(self, ops: list[tuple[Any, ...]], token: str | None = None) -> bool:
        """Records (and the in-flight removal of `token`) in one step; False when the
        request was put back meanwhile (this worker was taken for dead): then its records
        are dropped, the worker that has it now sends its own."""
        keys = self.ctx.keys
        entry = pickle.dumps((uuid.uuid4().hex, self.site_id, self.run_id, ops)) if ops else b""
        deltas = self.deltas()
        if (token or entry or deltas) and not self.ctx.server.eval(
                FLUSH, 4, keys.stream, keys.flying(self.site_id), keys.owners(self.site_id),
                keys.tally(self.site_id), token or "", entry, *deltas):
            self.ctx.late += 1
            return False
        for index in range(0, len(deltas), 2):
            self.sent[deltas[index]] += deltas[index + 1]
        pipe = self.ctx.server.pipeline(transaction=True)
        self.rare_into(pipe)
        if self.listed:
            pipe.sadd(keys.listed(self.site_id), *self.listed)
            self.listed = set()
        if len(pipe):
            pipe.execute()
        return True

    def deltas(self) -> list[Any]:
        """[field, increment, ...] of the counters that moved since the last send."""
        found: list[Any] = []
        for name in COUNTERS:
            value = int(getattr(self.tally, name))
            if value != self.sent[name]:
                found += [name, value - self.sent[name]]
        return found

    def rare_into(self, pipe: Any) -> None:
        """What changes a few times a run: flags, the first error samples."""
        tally, key = self.tally, self.ctx.keys.tally(self.site_id)
        flags = {"start_ok": 1 if tally.start_ok else None, "challenge": tally.challenge,
                 "lost_listing": tally.lost_listing}
        for name, value in flags.items():
            if value and self.flags_sent.get(name) != value:
                pipe.hset(key, name, value)
                self.flags_sent[name] = value
        for name, attr, sent in (("samples", "error_samples", "samples_sent"),
                                 ("start_errors", "start_errors", "start_errors_sent")):
            items = getattr(tally, attr)
            new = items[getattr(self, sent):]
            if new:
                pipe.rpush(f"{key}:{name}", *new)
                pipe.ltrim(f"{key}:{name}", 0, 19)
                setattr(self, sent, len(items))

    def done(self, request: Request) -> None:
        """The request is handled: its records, counts and in-flight removal, at once."""
        token = request.meta.pop(TOKEN_META, None)
        capture_id = request.meta.get("capture_id")
        ops = self.pending.pop(capture_id, []) if capture_id is not None else []
        if self.send(ops, token) and token:
            self.ctx.requests += 1

    def close(self) -> None:
        ops = [op for group in self.pending.values() for op in group]
        self.pending = {}
        self.send(ops)


class StreamArchive:
    """What the spider and middlewares take for the archive, in a worker: writes become
    records (`RecordLink`); nothing is read (`db` is None)."""

    db = None

    def __init__(self, link: RecordLink):
        self.link = link

    def add_capture(self, url: str, *, status: int | None, headers: Any, body: bytes | None,
                    **columns: Any) -> int:
        capture_id = self.link.ctx.ids.take()
        columns.setdefault("fetched_at", Clock().iso())
        op = ("capture", capture_id, url, {"status": status, "headers": dict(headers or {}),
                                           "body": body, **columns})
        # robots.txt is fetched outside the scheduler: no request "done" will send it
        self.link.capture(capture_id, op, at_once=columns.get("kind") == "robots")
        return capture_id

    def note_capture(self, capture_id: int, note: str) -> None:
        self.link.add(capture_id, ("note", capture_id, note))

    def capture_body(self, capture_id: int) -> bytes | None:
        return None


class StreamRevisits(Revisits):
    """`Revisits` on the url_state snapshot in Redis, its writes sent as records."""

    def __init__(self, link: RecordLink, site_id: str, clock: Clock,
                 states: dict[str, UrlState]):
        super().__init__(None, site_id, clock)
        self.link = link
        self.states = states

    def note_listed(self, url: str) -> None:
        key = url_key(url)
        if key not in self.listed:
            self.link.listed.add(key)
        self.listed.add(key)

    def stored_page(self, url: str) -> StoredPage | None:
        """The stored copy the coordinator put in Redis (known pages a 304 may make the
        spider follow); a worker does not read the archive."""
        raw = self.link.ctx.server.hget(self.link.ctx.keys.pages(self.site_id), url_key(url))
        if raw is None:
            return None
        page = pickle.loads(zlib.decompress(raw))
        return page if isinstance(page, StoredPage) else None

    def record(self, request_url: str, status: int, headers: dict[str, str] | None,
               fingerprint: str | None, capture_id: int | None, recheck: bool = False) -> str:
        self.link.add(capture_id, ("check", request_url, status, headers, fingerprint,
                                   capture_id, recheck, self.clock.iso()))
        return "sent"

    def record_failure(self, request_url: str, status: int | None,
                       capture_id: int | None) -> None:
        self.link.add(capture_id, ("failure", request_url, status, capture_id))

    def confirm(self, request_url: str, capture_id: int | None) -> list[str]:
        self.link.add(capture_id, ("confirm", request_url, capture_id, self.clock.iso()))
        state = self.state(request_url)
        return [state.report_id] if state and state.report_id else []

    def finish(self) -> None:
        return None  # the coordinator records the union of the workers' lists


class StreamPipeline:
    """A worker's ArchivePipeline: the report goes to the stream with its capture's
    records; the ingest saves it (`archive.ingest.save_reading`) and counts the outcome."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StreamPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        spider = self.crawler.spider
        link = getattr(spider, "link", None)
        if not isinstance(item, ReportItem) or link is None:
            return item
        link.add(item.capture_id, ("report", item.capture_id, item.report))
        spider.tally.reports_found += 1  # type: ignore[union-attr]
        spider.report_saved(item)  # type: ignore[union-attr]
        return item


class ClusterSpider(PortalSpider):
    """PortalSpider in a worker: start requests come from the shared frontier (seeded by
    the coordinator), the archive is a `StreamArchive`, url_state the Redis snapshot."""

    def __init__(self, site: Site, run_id: int | None, ctx: WorkerContext, tally: SiteTally,
                 states: dict[str, UrlState], **kwargs: Any):
        super().__init__(site, run_id, None, tally, **kwargs)
        self.ctx = ctx
        self.link = RecordLink(ctx, site.id, run_id or 0, tally)
        self.archive = StreamArchive(self.link)
        self.revisits = StreamRevisits(self.link, site.id, self.clock, states)
        self.rechecked = True  # rechecks of unlisted reports: single-process only
        self.page_limit = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ClusterSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        assert isinstance(spider, ClusterSpider)
        spider.page_limit = crawler.settings.getint("NIANBAO_PAGE_LIMIT")
        return spider

    async def start(self) -> AsyncIterator[Request]:
        return
        yield  # an async generator with nothing in it

    def count_response(self) -> None:
        """Responses across the cluster, against the site's page limit."""
        if not self.page_limit:
            return
        count = self.ctx.server.incr(self.ctx.keys.responses(self.site.id))
        if count >= self.page_limit:
            self.ctx.server.set(self.ctx.keys.stop(self.site.id), "closespider_pagecount",
                                nx=True)

    def on_idle(self) -> None:
        if self.ctx.run_done() or self.site.id in self.ctx.stopped:
            return
        raise DontCloseSpider

    def closed(self, reason: str) -> None:
        stop = self.ctx.server.get(self.ctx.keys.stop(self.site.id))
        if stop:
            reason = stop.decode()
            self.tally.page_limit = self.page_limit or None
        elif reason in CLOSE_REASONS_THAT_STOP_THE_SITE:
            self.ctx.server.set(self.ctx.keys.stop(self.site.id), reason, nx=True)
        super().closed(reason)
        self.link.close()
        # what this worker still held goes back: another worker (or the "left" count) has it
        requeue_worker(self.ctx.server, self.ctx.keys, self.site.id, worker=self.ctx.name)
        self.ctx.server.hset(self.ctx.keys.closed(self.site.id), self.ctx.name, pickle.dumps(
            {"reason": reason, "stops": self.tally.stops}))


def cluster_settings(plan: RunPlan, keys: RunKeys, site: Site, redis_url: str) -> dict[str, Any]:
    """A site's Scrapy settings in a worker: scrapy-redis scheduler and dupefilter on the
    run's keys, the host lease instead of Scrapy's per-process delay, records not rows."""
    from crawler.settings import BASE_SETTINGS

    settings = dict(plan.settings[site.id])
    per_host = int(settings.get("CONCURRENT_REQUESTS_PER_DOMAIN",
                                BASE_SETTINGS["CONCURRENT_REQUESTS_PER_DOMAIN"]))
    delay = float(settings.get("DOWNLOAD_DELAY", BASE_SETTINGS["DOWNLOAD_DELAY"]))
    middlewares = dict(BASE_SETTINGS["DOWNLOADER_MIDDLEWARES"])
    middlewares["crawler.worker.HostLeaseMiddleware"] = 990  # last before the download
    settings.update({
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "SCHEDULER_QUEUE_CLASS": "crawler.worker.LeasedQueue",
        "SCHEDULER_QUEUE_KEY": escaped(keys.queue(site.id)),
        "SCHEDULER_DUPEFILTER_KEY": escaped(keys.dupefilter(site.id)),
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,
        "REDIS_URL": redis_url,
        "DOWNLOADER_MIDDLEWARES": middlewares,
        "ITEM_PIPELINES": {"crawler.worker.StreamPipeline": 300},
        "NIANBAO_LEASE_SLOTS": per_host,
        "NIANBAO_LEASE_DELAY": delay,
        "DOWNLOAD_DELAY": 0,  # the lease keeps the delay, cluster-wide
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": per_host,
        # a worker holds no more than this per site in flight: the rest stays shared
        "CONCURRENT_REQUESTS": max(2, per_host * 2),
        "CLOSESPIDER_PAGECOUNT": 0,  # counted across the cluster (count_response)
        "NIANBAO_PAGE_LIMIT": int(settings.get("CLOSESPIDER_PAGECOUNT") or 0),
    })
    return settings


@dataclass
class WorkerSummary:
    name: str
    requests: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        return f"worker {self.name}: {self.requests} requests in {self.seconds:.1f} s"


class Heartbeat(threading.Thread):
    """`<ns>:alive:<worker>` renewed every second from a thread of its own, so that a
    reactor busy parsing a large file is not taken for a dead worker."""

    def __init__(self, ctx: WorkerContext):
        super().__init__(name="nianbao-heartbeat", daemon=True)
        self.ctx = ctx
        self.halt = threading.Event()

    def beat(self) -> None:
        self.ctx.beat()
        self.ctx.server.hset(self.ctx.keys.workers, self.ctx.name, json.dumps(
            {"host": socket.gethostname(), "pid": os.getpid(), "requests": self.ctx.requests,
             "late": self.ctx.late}))

    def run(self) -> None:
        while not self.halt.is_set():
            try:
                self.beat()
            except RedisError as error:  # Redis away for a moment: try again
                log.warning("heartbeat: %s", error)
            self.halt.wait(1.0)

    def stop(self) -> None:
        self.halt.set()
        self.join(timeout=5)


def load_states(server: Any, keys: RunKeys, site_id: str) -> dict[str, UrlState]:
    return {k.decode(): pickle.loads(v) for k, v in server.hgetall(keys.states(site_id)).items()}


def run_worker(redis_url: str, *, namespace: str | None = None, name: str | None = None,
               warc_dir: str | None = None, parsers: int = 0) -> WorkerSummary:
    """Join the run in progress and crawl until the coordinator says the frontier is dry."""
    from crawler.analysis import Analyser
    from crawler.run import ensure_asyncio_reactor, quiet_recorded_errors, use_bundled_suffix_list
    from crawler.settings import BASE_SETTINGS

    began = time.monotonic()
    server = connect(redis_url)
    ns = namespace or (server.get(CURRENT) or b"").decode()
    if not ns:
        raise SystemExit("没有进行中的分布式抓取 / no distributed crawl in progress at that Redis")
    keys = RunKeys(ns)
    raw = server.get(keys.meta)
    if raw is None:
        raise SystemExit(f"run {ns} has no plan in Redis (finished, or Redis lost it)")
    plan = RunPlan.loads(raw)
    name = name or f"{socket.gethostname()}-{os.getpid()}"
    ctx = WorkerContext(server, keys, name, plan)
    heart = Heartbeat(ctx)
    heart.beat()  # alive before the first request is taken
    heart.start()
    ensure_asyncio_reactor()
    use_bundled_suffix_list()
    import warnings

    from scrapy.crawler import CrawlerProcess
    from scrapy.exceptions import ScrapyDeprecationWarning
    from scrapy.settings import Settings
    from twisted.internet import reactor
    from twisted.internet.task import LoopingCall

    # scrapy-redis 0.9 still passes `spider=` to the stats collector
    warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning)
    clock = Clock.at(parse_time(plan.now)) if plan.now else Clock()
    sink = None
    if warc_dir:
        Path(warc_dir).mkdir(parents=True, exist_ok=True)
        sink = WarcSink(Path(warc_dir), prefix=f"nianbao-{name}")
    # parsing in the worker's own process: workers, not a pool per worker, are the unit
    # of parallelism (N workers x a pool per core would crowd the cores)
    analyser = Analyser(workers=parsers)
    process = CrawlerProcess({**BASE_SETTINGS, "LOG_LEVEL": plan.log_level})
    quiet_recorded_errors(plan.log_level)
    crawlers = []
    for site in plan.sites:
        merged = Settings(BASE_SETTINGS)
        merged.setdict({**cluster_settings(plan, keys, site, redis_url),
                        "LOG_LEVEL": plan.log_level}, priority="spider")
        crawler = Crawler(ClusterSpider, merged)
        crawlers.append(crawler)
        tally = SiteTally(site.id, time_budget=site.time_budget)
        process.crawl(crawler, site=site, run_id=plan.run_ids[site.id], ctx=ctx, tally=tally,
                      states=load_states(server, keys, site.id), warc=sink, clock=clock,
                      analyser=analyser)
        hook_done(crawler)

    site_ids = [site.id for site in plan.sites]

    def poke() -> None:
        """Idle spiders look at the shared frontier (a busy engine looks by itself after
        every download); all spiders close once the coordinator says the run is done."""
        queued = ctx.look(site_ids)
        for crawler, site_id, waiting in zip(crawlers, site_ids, queued, strict=True):
            engine = crawler.engine
            slot = getattr(engine, "_slot", None) if engine else None
            if slot is None or slot.closing is not None:
                continue
            if waiting or ctx.done or site_id in ctx.stopped:
                slot.nextcall.schedule()

    poker = LoopingCall(poke)
    reactor.callWhenRunning(poker.start, POKE_INTERVAL, now=False)  # type: ignore[attr-defined]
    try:
        process.start()
    finally:
        heart.stop()
        if poker.running:
            poker.stop()
        if sink is not None:
            sink.close()
        analyser.close()
        heart.beat()
        server.delete(keys.alive(name))
    return WorkerSummary(name, ctx.requests, time.monotonic() - began)


def hook_done(crawler: Crawler) -> None:
    """Call the spider's `link.done(request)` once the engine has handled a scheduled
    request completely (callback run, items saved, children queued, redirect queued)."""
    from scrapy import signals

    def opened(spider: Any) -> None:
        engine = crawler.engine
        assert engine is not None
        handle = engine._handle_downloader_output

        def handled(result: Any, request: Request) -> Any:
            deferred = handle(result, request)

            def finish(outcome: Any) -> Any:
                if TOKEN_META in request.meta:
                    spider.link.done(request)
                return outcome

            deferred.addBoth(finish)
            return deferred

        engine._handle_downloader_output = handled  # type: ignore[method-assign]

    crawler.signals.connect(opened, signal=signals.spider_opened, weak=False)


def serve_runs(redis_url: str, *, warc_dir: str | None = None,
               progress: Any = None, poll: float = 5.0) -> None:
    """Join every run as it starts, one worker process per run (a Twisted reactor runs
    once per process); for `nianbao worker --forever` under systemd or compose."""
    import subprocess

    emit = progress or log.info
    server = connect(redis_url)
    last = None
    while True:
        try:
            ns = (server.get(CURRENT) or b"").decode()
        except RedisError as error:
            emit(f"Redis 不可达 / Redis unreachable: {error}; retrying")
            time.sleep(poll)
            continue
        if not ns or ns == last or server.exists(RunKeys(ns).done):
            time.sleep(poll)
            continue
        emit(f"joining run {ns}")
        argv = [sys.executable, "-m", "crawler.worker", "--redis", redis_url, "--namespace", ns]
        if warc_dir:
            argv += ["--warc-dir", warc_dir]
        code = subprocess.run(argv, check=False).returncode
        emit(f"run {ns}: worker exited with status {code}")
        last = ns


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m crawler.worker",
        description="加入进行中的分布式抓取 / join the distributed crawl in progress.")
    parser.add_argument("--redis", required=True, help="redis://HOST:PORT/DB of the run")
    parser.add_argument("--namespace", help="the run's namespace (default: the current run)")
    parser.add_argument("--name", help="this worker's name (default: host-pid)")
    parser.add_argument("--warc-dir", help="where this worker writes its WARC files")
    parser.add_argument("--parsers", type=int, default=0,
                        help="parser processes beside the worker (default 0: parse inline)")
    args = parser.parse_args(argv)
    summary = run_worker(args.redis, namespace=args.namespace, name=args.name,
                         warc_dir=args.warc_dir, parsers=args.parsers)
    print(summary.line(), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
