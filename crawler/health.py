"""Health per site: `site_status`, one row per portal, rewritten after every crawl.

- `failing`: the run could not crawl the portal (start page unreachable, crawler crash);
- `broken`: the portal answered but yielded no report, though earlier runs found some
  (a redesign, a moved column, a block page: the classic silent scraper rot), or its
  lists suddenly stopped linking most of the reports they used to;
- `ok`: otherwise (`detail` still names errors on single pages).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

OK, FAILING, BROKEN = "ok", "failing", "broken"


@dataclass
class SiteHealth:
    site_id: str
    run_id: int
    run_status: str  # ok / partial / failed (crawl_runs.status)
    reports_found: int
    errors: int
    detail: str | None = None
    lost_listing: str | None = None  # "lists stopped linking 6 of 6 known reports"


def reports_before(db: sqlite_utils.Database, site_id: str, run_id: int) -> int:
    """The most reports any earlier run of this site found."""
    row = db.execute("SELECT max(reports_found) FROM crawl_runs WHERE site_id = ? AND id < ?",
                     [site_id, run_id]).fetchone()
    return int(row[0] or 0)


def judge(health: SiteHealth, before: int) -> tuple[str, str | None]:
    """(status, detail) for one site's run."""
    if health.run_status == "failed":
        return FAILING, health.detail or "the portal could not be crawled"
    if health.reports_found == 0 and before > 0:
        return BROKEN, (f"no reports found; earlier runs found up to {before}"
                        + (f"; {health.detail}" if health.detail else ""))
    if health.lost_listing:
        return BROKEN, health.lost_listing
    return OK, health.detail


def update_site_status(db: sqlite_utils.Database, health: SiteHealth, at: str) -> str:
    """Write the site's row; returns its status."""
    status, detail = judge(health, reports_before(db, health.site_id, health.run_id))
    old = db.execute("SELECT last_success FROM site_status WHERE site_id = ?",
                     [health.site_id]).fetchone()
    last_success = at if status == OK else (old[0] if old else None)
    db.table("site_status").upsert({
        "site_id": health.site_id, "last_run": at, "last_success": last_success,
        "run_id": health.run_id, "reports_found": health.reports_found, "errors": health.errors,
        "status": status, "detail": detail,
    }, pk="site_id")
    return status
