"""Rebuild reports and sections from the stored captures, with no network.

A better parser makes a better archive out of what was already fetched: `nianbao build`
drops every derived row and reads every successful capture again through
`archive.ingest.ingest` (the crawl's own path; the parsing in worker processes,
`archive.pool`), oldest first, so `first_seen`/`last_seen`
come from the capture times; then it derives. It runs in one transaction: readers see
the old archive until the new one is complete (a killed build leaves the old one). A page
the parser fails on is noted on its capture and counted; it never rolls the rebuild back.

Made for 100,000 reports on two cores (issue #10, docs/scale.md): the worker processes
do all the pure work of a capture — parse, mask, hash, index tokens, and for the derive
steps the hijack scan and the page's tables (archive/derive/ahead.py) — two windows of
captures in flight, so the one writing process only writes. It stores each report as
`Archive.save_report` does, with the crawl's own row functions (`archive.db.reports`),
but without a savepoint per report and with the full-text index fed once per `INDEX_EVERY`
reports from the workers' tokens.
"""

from __future__ import annotations

import dataclasses
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import date

from archive.clock import now_iso
from archive.db import Archive
from archive.db import reports as report_rows
from archive.db.captures import StoredBody, iter_bodies
from archive.derive import Ahead, DeriveSummary, derive_all
from archive.derive.ahead import pack_tables
from archive.derive.figure_inputs import page_tables
from archive.derive.hijack import scan_capture
from archive.errors import NianbaoError
from archive.ingest import (
    CANNOT_DECODE,
    NOT_A_REPORT,
    PARSER_FAILED,
    REPORT,
    Reading,
    is_page,
    read_capture,
    reading_pool,
)
from archive.parse import decode_html
from archive.parse.hijack import Evidence
from archive.search.fts import sync_index

POOL_MIN_CAPTURES = 1000  # below this, starting parser processes costs more than it saves
WINDOW = 64  # captures per batch sent to the workers; two batches are in flight
CHUNK = 8
INDEX_EVERY = 256  # reports between two feeds of the full-text index
# Page cache (KiB) of the build's one long transaction: what it wrote is read again by the
# derive steps; SQLite's default 2 MB cache sends most of that through the WAL file.
BUILD_CACHE_KIB = 256 * 1024


@dataclass
class BuildSummary:
    captures: int = 0
    parsed: int = 0
    not_reports: int = 0
    errors: int = 0
    reports: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    derived: DeriveSummary | None = None

    def line(self) -> str:
        derived = f"; {self.derived.line()}" if self.derived and self.derived.counts else ""
        return (
            f"built {self.reports} reports from {self.captures} captures: "
            f"{self.parsed} report pages, {self.not_reports} other pages, "
            f"{self.errors} errors{derived}"
        )


@dataclass
class Job:
    """One capture for a worker (its body still zlib'd: the worker inflates it), and which
    of the derive steps' work it should do ahead."""

    stored: StoredBody
    scan: bool  # the hijack scan (captures not scanned yet)
    tables: bool  # the page's tables (report pages whose figures were never read)


@dataclass
class Done:
    """What a worker made of one capture (reading None: no HTML page)."""

    reading: Reading | None
    scan: tuple[list[Evidence], str | None] | None = None
    tables: bytes | None = None


def build_archive(archive: Archive, progress: Callable[[BuildSummary], None] | None = None,
                  every: int = 200, today: date | None = None,
                  workers: int | None = None) -> BuildSummary:
    """Re-parse every stored capture into reports/sections, replacing what was there.

    `workers`: parser processes (0: parse in this process; None: a pool sized to the
    cores when the archive is large enough to pay for starting it)."""
    summary = BuildSummary()
    if workers is None and archive.db["captures"].count < POOL_MIN_CAPTURES:
        workers = 0
    pool = reading_pool(workers)
    ahead = Ahead()
    cache = archive.db.execute("PRAGMA cache_size").fetchone()[0]
    archive.db.execute(f"PRAGMA cache_size = -{BUILD_CACHE_KIB}")
    try:
        with archive.transaction():
            scanned, read = done_before(archive)
            archive.clear_reports()
            segmented: dict[str, str] = {}
            pending = 0
            jobs = (Job(stored, stored.capture_id > scanned, stored.capture_id not in read)
                    for stored in iter_bodies(archive.db, inflate=False))
            for job, done in work_in_order(jobs, pool):
                stored = job.stored
                summary.captures += 1
                if done.scan is not None:
                    ahead.scans[stored.capture_id] = done.scan
                if done.tables is not None:
                    ahead.tables[stored.capture_id] = done.tables
                if done.reading is not None:
                    outcome = store(archive, stored, done.reading, segmented)
                    count(summary, stored.url, done.reading, outcome)
                    pending += outcome is not None
                if pending >= INDEX_EVERY:
                    sync_index(archive.db, segmented=segmented)
                    segmented.clear()
                    pending = 0
                if progress and summary.captures % every == 0:
                    progress(summary)
            sync_index(archive.db, segmented=segmented)
            segmented.clear()
            summary.derived = derive_all(archive, today=today, full=True, ahead=ahead,
                                         in_callers_transaction=True)
            summary.reports = archive.db["reports"].count
    finally:
        archive.db.execute(f"PRAGMA cache_size = {int(cache)}")
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return summary


def done_before(archive: Archive) -> tuple[int, set[int]]:
    """(the last capture the hijack step scanned, the captures whose page tables gave a
    report's stored figures): the workers skip that work, the derive steps reuse it."""
    db = archive.db
    scanned = db.execute("SELECT coalesce(max(capture_id), 0) FROM hijack_scans").fetchone()[0]
    read = {cid for (cid,) in db.execute(
        "SELECT r.capture_id FROM reports r JOIN figure_sources f ON f.report_id = r.id "
        "WHERE r.capture_id IS NOT NULL")}
    return int(scanned), read


def store(archive: Archive, stored: StoredBody, reading: Reading,
          segmented: dict[str, str]) -> str | None:
    """Save one capture's reading as `archive.ingest.ingest` does (the crawl's path:
    `Archive.save_report`), inside the build's transaction with no savepoint of its own,
    leaving the index to the next `sync_index` (its tokens, made by the worker, go to
    `segmented`). The outcome, None when no report was saved."""
    if reading.kind == PARSER_FAILED and reading.note:
        archive.note_capture(stored.capture_id, reading.note)
    report = reading.report
    if report is None:
        return None
    prepared, masked, row = archive.report_to_store(report, stored.site_id, reading.prepared)
    segmented.update(prepared.segmented)
    return report_rows.save_report(
        archive.db, masked, row, capture_id=stored.capture_id,
        seen_at=stored.fetched_at or now_iso(),  # = archive.capture_time(capture_id)
        text_sha256=prepared.text_sha256, index=False)


def work(job: Job) -> Done:
    """A worker's part for one capture (pure: no database)."""
    stored = job.stored
    if stored.body is not None:
        stored = dataclasses.replace(stored, body=zlib.decompress(stored.body))
    if not is_page(stored):
        return Done(None, ([], None) if job.scan else None)
    # Decoded once for the parser, the hijack scan and the tables; a page that does not
    # decode goes each one's own way (the same error, the same note).
    done: tuple[str, str] | None
    try:
        done = decode_html(stored.body or b"", stored.headers, stored.url)
    except (NianbaoError, LookupError, ValueError):
        done = None
    reading = read_capture(stored.url, stored.body or b"", stored.headers, decoded=done)
    markup = done[0] if done is not None else None
    tables = None
    if job.tables and reading.kind == REPORT:
        tables = pack_tables(page_tables(stored.body, stored.headers, markup))
    return Done(reading, scan_capture(stored, markup) if job.scan else None, tables)


def work_in_order(jobs: Iterable[Job], pool: Executor | None
                  ) -> Iterator[tuple[Job, Done]]:
    """Each job with its result, in order; with a pool, two windows of `WINDOW` jobs in
    flight, so the workers parse the next window while this process writes one."""
    if pool is None:
        for job in jobs:
            yield job, work(job)
        return
    flight: deque[tuple[list[Job], Iterator[Done]]] = deque()
    batch: list[Job] = []
    for job in jobs:
        batch.append(job)
        if len(batch) >= WINDOW:
            flight.append((batch, pool.map(work, batch, chunksize=CHUNK)))
            batch = []
            if len(flight) > 2:
                yield from settle(flight.popleft())
    if batch:
        flight.append((batch, pool.map(work, batch, chunksize=CHUNK)))
    while flight:
        yield from settle(flight.popleft())


def settle(sent: tuple[list[Job], Iterator[Done]]) -> Iterator[tuple[Job, Done]]:
    batch, results = sent
    yield from zip(batch, results, strict=True)


def count(summary: BuildSummary, url: str, reading: Reading, outcome: str | None) -> None:
    if reading.kind == NOT_A_REPORT:
        summary.not_reports += 1
    elif reading.kind in (CANNOT_DECODE, PARSER_FAILED):
        summary.errors += 1
        summary.problems.append(f"{url}: {reading.note}")
    if outcome is not None:
        summary.parsed += 1
        summary.outcomes[outcome] = summary.outcomes.get(outcome, 0) + 1
