"""Health per site: `site_status`, one row per portal, rewritten after every crawl.

- `failing`: the run could not crawl the portal (start page unreachable, crawler crash);
- `broken`: the portal answered but yielded no report, though earlier runs found some
  (a redesign, a moved column, a block page: the classic silent scraper rot), or its
  lists suddenly stopped linking most of the reports they used to;
- `limited`: the crawl stopped at its page limit with requests left; the next run goes on
  where it stopped (known candidates are not due, so it spends its pages further on);
- `blocked`: the portal answered with a WAF's JavaScript challenge instead of content and
  no report was found (`detail` names the vendor's signature);
- `empty`: the portal answered but its columns yielded no report, and no run ever found
  one: often a list drawn by JavaScript; when report columns were empty shells and the
  browser layer was off, `detail` says they may need it (`shell_hint`);
- `ok`: otherwise (`detail` still names errors on single pages).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from archive.db import runs

OK, FAILING, BROKEN, BLOCKED, EMPTY, LIMITED = "ok", "failing", "broken", "blocked", "empty", "limited"
EMPTY_DETAIL = "column fetched, 0 reports; its list may be drawn by JavaScript"
SHELL_HINT = ("{n} 个年报栏目页是空壳，脚本中未找到列表接口，可能需要浏览器层（sites.yml 中 browser: "
              "auto 或 nianbao crawl --browser auto）/ {n} report column page(s) are empty shells "
              "whose scripts name no list endpoint: they may need the browser layer: {urls}")


@dataclass
class SiteHealth:
    site_id: str
    run_id: int
    run_status: str  # ok / partial / failed (crawl_runs.status)
    reports_found: int
    errors: int
    detail: str | None = None
    lost_listing: str | None = None  # "lists stopped linking 6 of 6 known reports"
    challenge: str | None = None  # "jiasule (__jsl_clearance) at URL"
    limited: str | None = None  # "page limit 5,000 reached, 12 requests left"
    shells: list[str] | None = None  # column pages that may need the browser (it was off)


def shell_hint(shells: list[str] | None) -> str | None:
    """The note for report columns that showed nothing without a browser."""
    if not shells:
        return None
    urls = ", ".join(shells[:3]) + (" …" if len(shells) > 3 else "")
    return SHELL_HINT.format(n=len(shells), urls=urls)


def joined(*parts: str | None) -> str | None:
    return "; ".join(p for p in parts if p) or None


def judge(health: SiteHealth, before: int) -> tuple[str, str | None]:
    """(status, detail) for one site's run."""
    if health.challenge and health.reports_found == 0:
        return BLOCKED, f"challenge wall: {health.challenge}"
    if health.run_status == "failed":
        return FAILING, health.detail or "the portal could not be crawled"
    if health.reports_found == 0 and before > 0:
        return BROKEN, (f"no reports found; earlier runs found up to {before}"
                        + (f"; {health.detail}" if health.detail else ""))
    if health.lost_listing:
        return BROKEN, health.lost_listing
    if health.limited:
        return LIMITED, health.detail or health.limited
    if health.reports_found == 0:
        return EMPTY, joined(EMPTY_DETAIL, shell_hint(health.shells), health.detail)
    return OK, joined(health.detail, shell_hint(health.shells))


def update_site_status(db: sqlite_utils.Database, health: SiteHealth,
                       at: str) -> str:
    """Judge the site's run and write its `site_status` row; returns its status."""
    status, detail = judge(health, runs.most_reports_before(db, health.site_id, health.run_id))
    old = runs.site_status(db, health.site_id)
    last_success = at if status == OK else (old["last_success"] if old else None)
    runs.write_site_status(db, {
        "site_id": health.site_id, "last_run": at, "last_success": last_success,
        "run_id": health.run_id, "reports_found": health.reports_found, "errors": health.errors,
        "status": status, "detail": detail,
    })
    return status
