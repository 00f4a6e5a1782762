"""Rebuild reports and sections from the stored captures, with no network.

A better parser makes a better archive out of what was already fetched: `nianbao build`
drops every derived row and re-parses every successful capture, oldest first, so
`first_seen`/`last_seen` come from the capture times. It runs in one transaction:
readers see the old archive until the new one is complete.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from archive.db.archive import Archive, StoredBody
from archive.derive import DeriveSummary, derive_all
from archive.errors import DecodeError, NotAReportError
from archive.parse import parse_report
from archive.parse.charset import looks_like_html


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
                  every: int = 200) -> BuildSummary:
    """Re-parse every stored capture into reports/sections, replacing what was there."""
    summary = BuildSummary()
    with archive.transaction():
        archive.clear_reports()
        for stored in archive.iter_bodies():
            summary.captures += 1
            _build_one(archive, stored, summary)
            if progress and summary.captures % every == 0:
                progress(summary)
        summary.derived = derive_all(archive)
        summary.reports = archive.db["reports"].count
    return summary


def _build_one(archive: Archive, stored: StoredBody, summary: BuildSummary) -> None:
    if not stored.body or not looks_like_html(stored.body, stored.headers):
        return
    try:
        report = parse_report(stored.url, stored.body, stored.headers)
    except NotAReportError:
        summary.not_reports += 1
        return
    except DecodeError as error:
        summary.errors += 1
        summary.problems.append(str(error))
        return
    summary.parsed += 1
    outcome = archive.save_report(report, capture_id=stored.capture_id, site_id=stored.site_id,
                                  seen_at=stored.fetched_at)
    summary.outcomes[outcome] = summary.outcomes.get(outcome, 0) + 1
