"""The coverage ledger from the stored reports: one row per site, reporting body and year.

A county portal hosts the reports of several towns (and of the county government
itself), so the ledger is keyed by (site_id, town, year): "town X on site Y has no
report for 2023" is a row with status `missing`. The towns of a site are the reporting
bodies seen in its reports, by their official name when `resolve_place` knows them
(so `樟潭街道办事处` and `樟潭街道` are one body), else as the page names them. Towns of
the county that never appear in the site's reports are not added from the division list:
a portal's columns need not host every town, and a crawl that missed a column would
turn into false `missing` findings (docs/figures.md).

Years run from the body's first report year to the last year whose deadline has passed
on `today` (coverage_rows); a report is `withdrawn` when the withdrawals step marked it so
(`reports.withdrawn_at`, the one rule: `archive.db.reports.apply_withdrawals`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from archive.figures.coverage import SeenReport, coverage_rows
from archive.figures.deadlines import body_kind


@dataclass
class Body:
    """One reporting body on one site, and the reports seen for it."""

    site_id: str
    town: str
    division_code: str | None = None
    province: str | None = None
    seen: list[SeenReport] = field(default_factory=list)


def body_name(report: dict[str, Any]) -> str | None:
    """The reporting body's official name when resolved, else the page's town."""
    if report.get("division_township"):
        return str(report["division_township"])
    if report.get("division_level") == "county" and report.get("division_match") == "exact":
        return str(report["division_county"])
    return report.get("town") or None


def collect_bodies(reports: list[dict[str, Any]], withdrawn: set[str]) -> list[Body]:
    """Group reports by (site, body); reports with no site or no body are left out."""
    bodies: dict[tuple[str, str], Body] = {}
    for report in reports:
        town = body_name(report)
        if not report.get("site_id") or not town or report.get("report_year") is None:
            continue
        key = (report["site_id"], town)
        body = bodies.setdefault(key, Body(*key))
        body.division_code = body.division_code or report.get("division_code")
        body.province = body.province or report.get("province")
        body.seen.append(SeenReport(report["id"], int(report["report_year"]),
                                    report.get("published"), report["id"] in withdrawn))
    return sorted(bodies.values(), key=lambda b: (b.site_id, b.town))


def ledger_rows(reports: list[dict[str, Any]], withdrawn: set[str], *,
                today: date) -> list[dict[str, Any]]:
    """Rows of `coverage` for every site and body, oldest year first."""
    rows: list[dict[str, Any]] = []
    for body in collect_bodies(reports, withdrawn):
        for row in coverage_rows(body.site_id, body.seen, today=today,
                                 kind=body_kind(body.town), province=body.province):
            rows.append({
                "site_id": body.site_id, "town": body.town, "year": row.year,
                "division_code": body.division_code, "report_id": row.report_id,
                "status": row.status, "detail": row.detail,
            })
    return rows
