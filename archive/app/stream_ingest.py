"""The one writer of a distributed crawl: `nianbao ingest --redis URL --db archive.db`.

Workers (`crawler/worker.py`) never open the archive. Each handled request becomes one
stream entry (`<ns>:stream`): its capture (with the body), notes, report, url_state
checks. This process reads the stream in a consumer group (XREADGROUP), applies a batch
of entries in one SQLite transaction with the same Archive APIs as the single-process
crawl, records each entry's id in `stream_applied` in that transaction, commits, then
XACKs (and XDELs) them. After a crash the un-acknowledged entries are claimed again
(XAUTOCLAIM) and an entry already in `stream_applied` is skipped: every record reaches the
archive exactly once. It stops when the coordinator marks the run finished and the stream
is empty.
"""

from __future__ import annotations

import argparse
import logging
import os
import pickle
import socket
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from archive.db import Archive, captures, url_key, versions
from archive.db import url_state as freshness
from archive.ingest import save_reading
from crawler.cluster import CURRENT, GROUP, RunKeys
from crawler.schedule import next_visit_after

log = logging.getLogger(__name__)

BATCH = 200  # entries per transaction
BLOCK_MS = 200
GATHER = 0.5  # seconds a batch may wait for more entries
APPLIED_TABLE = """CREATE TABLE IF NOT EXISTS stream_applied (
    entry TEXT PRIMARY KEY, run_id INTEGER, site_id TEXT,
    new INTEGER DEFAULT 0, updated INTEGER DEFAULT 0, unchanged INTEGER DEFAULT 0,
    records INTEGER DEFAULT 0)"""


@dataclass
class IngestStats:
    entries: int = 0
    records: int = 0
    skipped: int = 0  # entries delivered again, already in the archive
    reclaimed: int = 0  # entries claimed from a dead ingest
    batches: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def line(self) -> str:
        return (f"写入 ingest: {self.entries} entries ({self.records} records) in "
                f"{self.batches} batches, {self.reclaimed} reclaimed, {self.skipped} "
                f"already written; {self.seconds:.1f} s")


def ensure_group(server: Any, keys: RunKeys) -> None:
    from redis.exceptions import ResponseError

    try:
        server.xgroup_create(keys.stream, GROUP, id="0", mkstream=True)
    except ResponseError as error:
        if "BUSYGROUP" not in str(error):
            raise


def apply_op(archive: Archive, site_id: str, run_id: int, op: tuple[Any, ...],
             outcomes: Counter[str]) -> None:
    """One record, written as the single-process crawl writes it."""
    db = archive.db
    kind = op[0]
    if kind == "capture":
        _, capture_id, url, columns = op
        columns = dict(columns)
        captures.add_capture(db, url, capture_id=capture_id, status=columns.pop("status"),
                             headers=columns.pop("headers"), body=columns.pop("body"),
                             **columns)
    elif kind == "note":
        _, capture_id, note = op
        captures.note_capture(db, capture_id, note)
    elif kind == "report":
        _, capture_id, report = op
        outcomes[save_reading(archive, report, capture_id=capture_id, site_id=site_id)] += 1
    elif kind == "check":
        _, url, status, headers, fingerprint, capture_id, recheck, at = op
        key = url_key(url)
        freshness.record_check(db, key, url, site_id=site_id, status=status, headers=headers,
                               fingerprint=fingerprint, capture_id=capture_id, at=at,
                               schedule=next_visit_after)
        if recheck and status in (200, 304) and not (fingerprint or "").startswith("gone:"):
            freshness.mark_unlisted(db, key, at)
    elif kind == "failure":
        _, url, status, capture_id = op
        freshness.record_failure(db, url_key(url), url, site_id=site_id, status=status,
                                 capture_id=capture_id)
    elif kind == "confirm":
        _, url, capture_id, at = op
        versions.confirm_unchanged(db, url_key(url), capture_id, at)
    else:
        raise ValueError(f"unknown record kind {kind!r}")


def apply_entries(archive: Archive, entries: list[tuple[bytes, dict[bytes, bytes]]],
                  stats: IngestStats) -> None:
    """Write a batch of stream entries in one transaction; skip those already written."""
    with archive.transaction():
        for _, fields in entries:
            entry, site_id, run_id, ops = pickle.loads(fields[b"r"])
            seen = archive.db.execute("SELECT 1 FROM stream_applied WHERE entry = ?",
                                      [entry]).fetchone()
            if seen:
                stats.skipped += 1
                continue
            outcomes: Counter[str] = Counter()
            for op in ops:
                apply_op(archive, site_id, run_id, op, outcomes)
            archive.db.execute(
                "INSERT INTO stream_applied (entry, run_id, site_id, new, updated, unchanged, "
                "records) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [entry, run_id, site_id, outcomes["new"], outcomes["updated"],
                 outcomes["unchanged"], len(ops)])
            stats.entries += 1
            stats.records += len(ops)
            stats.outcomes.update(outcomes)
    stats.batches += 1


def ingest_stream(archive: Archive, server: Any, keys: RunKeys, *,
                  consumer: str | None = None, progress: Callable[[str], None] | None = None,
                  stop: Callable[[], bool] | None = None) -> IngestStats:
    """Write the run's stream into the archive until the run is finished and the stream
    is empty (or `stop()` says so)."""
    began = time.monotonic()
    consumer = consumer or f"{socket.gethostname()}-{os.getpid()}"
    stats = IngestStats()
    archive.db.execute(APPLIED_TABLE)
    ensure_group(server, keys)
    emit = progress or log.info
    last = time.monotonic()
    reclaim = True
    while True:
        if reclaim:  # entries a dead ingest read but never acknowledged
            entries = claim(server, keys, consumer)
            stats.reclaimed += len(entries)
            reclaim = bool(entries)
        else:
            entries = read_batch(server, keys, consumer)
        if entries:
            apply_entries(archive, entries, stats)
            ids = [entry_id for entry_id, _ in entries]
            server.xack(keys.stream, GROUP, *ids)
            server.xdel(keys.stream, *ids)
        elif not reclaim and finished(server, keys, stop):
            break
        if time.monotonic() - last >= 2.0:
            last = time.monotonic()
            emit(f"[ingest] {stats.entries} entries, {stats.records} records written")
    stats.seconds = time.monotonic() - began
    return stats


def read_batch(server: Any, keys: RunKeys, consumer: str) -> list[Any]:
    """New entries for one transaction: up to BATCH, gathered for at most GATHER seconds
    (the single-process crawl's group commit interval), so that a slow trickle of
    records is not a commit each."""
    entries: list[Any] = []
    until = time.monotonic() + GATHER
    while len(entries) < BATCH:
        wait = int((until - time.monotonic()) * 1000)
        if wait <= 0 and entries:
            break
        answer = server.xreadgroup(GROUP, consumer, {keys.stream: ">"},
                                   count=BATCH - len(entries), block=max(wait, 1) if entries
                                   else BLOCK_MS)
        got = answer[0][1] if answer else []
        if not got and not entries:
            break  # nothing at all: let the caller look at the run's state
        entries += got
    return entries


def claim(server: Any, keys: RunKeys, consumer: str) -> list[Any]:
    """Claim every pending entry of the group (its reader died before acknowledging)."""
    answer = server.xautoclaim(keys.stream, GROUP, consumer, min_idle_time=0,
                               start_id="0-0", count=BATCH)
    gone = [entry[0] for entry in answer[1] if not entry[1]]
    if gone:  # deleted after all: nothing to write
        server.xack(keys.stream, GROUP, *gone)
    return [entry for entry in answer[1] if entry[1]]


def finished(server: Any, keys: RunKeys, stop: Callable[[], bool] | None) -> bool:
    if stop is not None and stop():
        return True
    if not server.exists(keys.finished):
        return False
    pending = server.xpending(keys.stream, GROUP)
    return not pending["pending"] and not server.xlen(keys.stream)


def main(argv: list[str] | None = None) -> int:
    from crawler.worker import connect

    parser = argparse.ArgumentParser(
        prog="python -m archive.app.stream_ingest",
        description="把分布式抓取的记录写入档案 / write a distributed crawl's records "
                    "into the archive (the one writer).")
    parser.add_argument("--redis", required=True, help="redis://HOST:PORT/DB of the run")
    parser.add_argument("--db", required=True, help="SQLite archive file")
    parser.add_argument("--namespace", help="the run's namespace (default: the current run)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args(argv)
    server = connect(args.redis)
    ns = args.namespace or (server.get(CURRENT) or b"").decode()
    if not ns:
        print("Error: 没有进行中的分布式抓取 / no distributed crawl in progress", file=sys.stderr)
        return 1
    keys = RunKeys(ns)
    server.set(keys.ingest, f"{socket.gethostname()}:{os.getpid()}")
    with Archive(args.db) as archive:
        stats = ingest_stream(archive, server, keys, progress=None if args.quiet else (
            lambda line: print(line, file=sys.stderr, flush=True)))
    server.set(keys.ingest + ":cpu", f"{time.process_time():.3f}")  # for the run summary
    print(stats.line(), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
