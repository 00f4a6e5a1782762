"""Rebuild reports and sections from the stored captures, with no network.

A better parser makes a better archive out of what was already fetched: `nianbao build`
drops every derived row and reads every successful capture again through
`archive.ingest.ingest` (the crawl's own path; the parsing in worker processes,
`archive.pool`), oldest first, so `first_seen`/`last_seen`
come from the capture times; then it derives. It runs in one transaction: readers see
the old archive until the new one is complete. A page the parser fails on is noted on its
capture and counted; it never rolls the rebuild back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from archive.db import Archive
from archive.derive import DeriveSummary, derive_all
from archive.ingest import (
    CANNOT_DECODE,
    NOT_A_REPORT,
    PARSER_FAILED,
    Reading,
    ingest,
    read_in_order,
    reading_pool,
)

POOL_MIN_CAPTURES = 1000  # below this, starting parser processes costs more than it saves


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
    try:
        with archive.transaction():
            archive.clear_reports()
            for stored, reading in read_in_order(archive.iter_bodies(), pool):
                summary.captures += 1
                done = ingest(archive, stored, reading)
                if done is not None:
                    count(summary, stored.url, *done)
                if progress and summary.captures % every == 0:
                    progress(summary)
            summary.derived = derive_all(archive, today=today, full=True)
            summary.reports = archive.db["reports"].count
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return summary


def count(summary: BuildSummary, url: str, reading: Reading, outcome: str | None) -> None:
    if reading.kind == NOT_A_REPORT:
        summary.not_reports += 1
    elif reading.kind in (CANNOT_DECODE, PARSER_FAILED):
        summary.errors += 1
        summary.problems.append(f"{url}: {reading.note}")
    if outcome is not None:
        summary.parsed += 1
        summary.outcomes[outcome] = summary.outcomes.get(outcome, 0) + 1
