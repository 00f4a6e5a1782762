"""`nianbao nightly`: one unattended run for cron — lock, crawl, build, record, one line.

1. Take an exclusive `fcntl.flock` on `<db>.lock`; if another run holds it, stop at once
   (`NightlyLockedError`, exit status `LOCKED_EXIT`).
2. Log to a rotating file (`logging.handlers.RotatingFileHandler`).
3. Mark crawl runs a killed process left `running` as `interrupted`.
4. Crawl every site incrementally, then derive (attachments, withdrawals, figures):
   `archive.app.crawl.crawl_and_derive`, with the night's clock.
5. Write a `nightly_runs` row and return one summary line; the exit status is 1 when any
   site failed or is broken, blocked (a challenge wall) or empty (no report, ever).
"""

from __future__ import annotations

import fcntl
import logging
import logging.handlers
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.app.crawl import crawl_and_derive
from archive.clock import Clock, now_iso
from archive.db import Archive, captures, reports, runs, versions
from archive.errors import NightlyLockedError

log = logging.getLogger(__name__)

LOCKED_EXIT = 75  # EX_TEMPFAIL: another run holds the lock; try again later
FAILED_EXIT = 1
LOG_MAX_BYTES = 5 * 1024 * 1024
LOG_BACKUPS = 10
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LIST_KINDS = ("start", "nav", "page", "frame")

@dataclass
class NightlyResult:
    run_id: int
    counts: dict[str, Any] = field(default_factory=dict)
    failed_sites: list[str] = field(default_factory=list)
    broken: dict[str, str] = field(default_factory=dict)  # site -> why
    limited: dict[str, str] = field(default_factory=dict)  # site -> "page limit ... reached"
    empty: dict[str, str] = field(default_factory=dict)  # site -> why (0 reports, ever)
    blocked: dict[str, str] = field(default_factory=dict)  # site -> challenge signature
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        unwell = self.failed_sites or self.broken or self.empty or self.blocked or self.limited
        return FAILED_EXIT if unwell else 0

    def line(self) -> str:
        """`nightly #12: 5 sites ok; 49 requests (43 list, 0 report bodies, ...); ...`"""
        c = self.counts
        healthy = c["sites"] - len({*self.failed_sites, *self.broken, *self.empty,
                                    *self.blocked, *self.limited})
        text = (f"nightly #{self.run_id}: {c['sites']} sites, {healthy} ok; "
                f"{c['requests']} requests ({c['list_requests']} list pages, "
                f"{c['report_bodies']} report bodies, {c['not_modified']} not modified, "
                f"{c['skipped']} not due); {c['reports_new']} new reports, "
                f"{c['versions_new']} new versions, {c['withdrawn']} withdrawn; "
                f"{c['errors']} errors; {self.seconds:.1f} s")
        if self.failed_sites:
            text += f"; FAILED: {', '.join(self.failed_sites)}"
        if self.broken:
            text += "; BROKEN: " + ", ".join(f"{s} ({why})" for s, why in self.broken.items())
        if self.limited:
            text += "; LIMITED: " + ", ".join(f"{s} ({why})" for s, why in self.limited.items())
        if self.blocked:
            text += "; BLOCKED: " + ", ".join(f"{s} ({why})" for s, why in self.blocked.items())
        if self.empty:
            text += "; EMPTY: " + ", ".join(f"{s} ({why})" for s, why in self.empty.items())
        return text


def lock_path_for(db_path: str | Path) -> Path:
    return Path(f"{db_path}.lock")


@contextmanager
def nightly_lock(db_path: str | Path) -> Iterator[Path]:
    """Hold an exclusive lock beside the archive; NightlyLockedError when it is taken.

    The kernel drops the lock when the process dies, even by SIGKILL: no stale locks."""
    path = lock_path_for(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 200).decode("utf-8", "replace").strip() or "unknown process"
        os.close(fd)
        raise NightlyLockedError(str(path), holder) from None
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} since {now_iso()}".encode())
        yield path
    finally:
        os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def default_log_file(db_path: str | Path) -> Path:
    return Path(db_path).resolve().parent / "nightly.log"


def start_file_log(log_file: str | Path) -> logging.Handler:
    """Send INFO and up (ours and Scrapy's) to a rotating file."""
    Path(log_file).parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        log_file, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8")
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    return handler


def run_nightly(db_path: str, sites: list[Any], *, clock: Clock | None = None,
                progress: Callable[[str], None] | None = None,
                **crawl_options: Any) -> NightlyResult:
    """Crawl, derive and record one nightly run (the caller holds the lock).

    `crawl_options`: `redis_url` and `workers` for a distributed crawl (docs/scale.md)."""
    clock = clock or Clock()
    began, started = time.monotonic(), now_iso()
    with Archive(db_path) as archive:
        with archive.transaction():
            interrupted = runs.mark_interrupted(archive.db, now_iso())
            run_id = runs.start_nightly(archive.db, started, len(sites))
        if interrupted:
            log.warning("%d crawl runs were interrupted by a killed process", interrupted)
    summary = crawl_and_derive(db_path, sites, clock=clock, progress=progress or log.info,
                               **crawl_options)
    result = NightlyResult(run_id, failed_sites=list(summary.failed_sites))
    with Archive(db_path) as archive:
        with archive.transaction():
            runs.tie_to_nightly(archive.db, [r.run_id for r in summary.sites], run_id)
        if summary.derived:
            log.info(summary.derived.line())
        result.broken = {r.site_id: r.health_detail or "broken" for r in summary.sites
                         if r.health == "broken"}
        result.limited = {r.site_id: r.limited for r in summary.sites
                          if r.limited and r.health == "limited"}
        result.empty = {r.site_id: r.health_detail or "empty" for r in summary.sites
                        if r.health == "empty"}
        result.blocked = {r.site_id: r.health_detail or "blocked" for r in summary.sites
                          if r.health == "blocked"}
        result.counts = {
            "sites": len(sites),
            **captures.request_counts(archive.db, [r.run_id for r in summary.sites]),
            "skipped": summary.skipped, "reports_found": summary.reports_found,
            "reports_new": summary.reports_new, "reports_updated": summary.reports_updated,
            "versions_new": versions.count_later_versions_since(archive.db, started),
            "withdrawn": reports.count_withdrawn_since(archive.db, started),
            "errors": summary.errors,
        }
        result.seconds = time.monotonic() - began
        record_result(archive, result)
    return result


def record_result(archive: Archive, result: NightlyResult) -> None:
    status = ("failed" if result.failed_sites else "broken" if result.broken
              else "blocked" if result.blocked else "empty" if result.empty
              else "limited" if result.limited else "ok")
    with archive.transaction():
        runs.finish_nightly(archive.db, result.run_id, {
            **result.counts, "ended": now_iso(), "status": status, "summary": result.line(),
            "failed_sites": ", ".join(result.failed_sites) or None,
            "broken_sites": ", ".join(result.broken) or None,
            "seconds": round(result.seconds, 2),
        })
