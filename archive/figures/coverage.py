"""The coverage ledger: for a site and every year since its first report, what was published.

One `CoverageRow(site, year, report_id, status, detail)` per year from the site's first
report year (or a given first year) to the last year whose deadline has passed on
`today` (injected). Status:

    published  a report for that year, on time (or with no date to judge by)
    late       published after the deadline (deadlines.py)
    missing    no report for that year although it is due
    withdrawn  the only report seen for that year is no longer served

A year not yet due and without a report gets no row: it is not a finding yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from archive.figures.deadlines import (
    TOWNSHIP,
    Deadline,
    deadline_for,
    parse_iso_date,
)

PUBLISHED, LATE, MISSING, WITHDRAWN = "published", "late", "missing", "withdrawn"


@dataclass(frozen=True)
class SeenReport:
    report_id: str
    report_year: int
    published: str | None  # ISO date
    withdrawn: bool = False  # every URL of the report now answers 404/410


@dataclass(frozen=True)
class CoverageRow:
    site: str
    year: int
    report_id: str | None
    status: str
    detail: str


def coverage_rows(
    site: str,
    reports: Iterable[SeenReport],
    *,
    today: date,
    first_year: int | None = None,
    kind: str = TOWNSHIP,
    province: str | None = None,
    provinces: Mapping[str, Mapping[str, Deadline]] | None = None,
) -> list[CoverageRow]:
    by_year: dict[int, list[SeenReport]] = {}
    for report in reports:
        by_year.setdefault(report.report_year, []).append(report)
    if not by_year and first_year is None:
        return []
    start = first_year if first_year is not None else min(by_year)
    rows: list[CoverageRow] = []
    for year in range(start, today.year + 1):
        rule = deadline_for(year, kind, province, provinces)
        due = rule.for_year(year)
        seen = by_year.get(year, [])
        if seen:
            rows.append(row_for(site, year, seen, due))
        elif due < today:
            rows.append(CoverageRow(site, year, None, MISSING, f"nothing found; due {due}"))
    return rows


def row_for(site: str, year: int, seen: list[SeenReport], due: date) -> CoverageRow:
    live = [r for r in seen if not r.withdrawn]
    if not live:
        return CoverageRow(site, year, seen[0].report_id, WITHDRAWN, "no longer served")
    dated = sorted(
        ((d, r) for r in live if (d := parse_iso_date(r.published)) is not None),
        key=lambda pair: pair[0],
    )
    if not dated:
        return CoverageRow(site, year, live[0].report_id, PUBLISHED, "no publication date")
    published, report = dated[0]
    if published > due:
        late = (published - due).days
        return CoverageRow(
            site, year, report.report_id, LATE, f"published {published}, {late} days after {due}"
        )
    return CoverageRow(site, year, report.report_id, PUBLISHED, f"published {published}")
