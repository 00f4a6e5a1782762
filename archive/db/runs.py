"""`crawl_runs`, `crawl_stops`, `nightly_runs` and `site_status`: what each run did, the
traps it stopped, and each site's health.

The only module that writes these tables. Judging a site's health is the crawler's
business (`crawler/health.py`); storing the verdict is this module's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import sqlite_utils


def _last_id(table: Any) -> int:
    if table.last_pk is None:
        raise RuntimeError(f"no primary key after inserting into {table.name}")
    return int(table.last_pk)


# -- crawl runs: one per site per crawl ---------------------------------------------------------


def start_run(db: sqlite_utils.Database, site_id: str | None, start_urls: list[str],
              at: str) -> int:
    row = {"started": at, "site_id": site_id, "status": "running",
           "start_urls": json.dumps(start_urls, ensure_ascii=False)}
    return _last_id(db.table("crawl_runs").insert(row))


def finish_run(db: sqlite_utils.Database, run_id: int, counts: Mapping[str, Any]) -> None:
    db.table("crawl_runs").update(run_id, dict(counts))


def mark_interrupted(db: sqlite_utils.Database, at: str) -> int:
    """Crawl runs still `running` were killed (the caller holds the nightly lock)."""
    cursor = db.execute("UPDATE crawl_runs SET status = 'interrupted', "
                        "ended = coalesce(ended, ?) WHERE status = 'running'", [at])
    return cursor.rowcount


def most_reports_before(db: sqlite_utils.Database, site_id: str, run_id: int) -> int:
    """The most reports any earlier run of this site found."""
    row = db.execute("SELECT max(reports_found) FROM crawl_runs WHERE site_id = ? AND id < ?",
                     [site_id, run_id]).fetchone()
    return int(row[0] or 0)


def add_stops(db: sqlite_utils.Database, run_id: int, site_id: str,
              stops: Sequence[Mapping[str, Any]]) -> None:
    """The traps one site's crawl recognised: pattern, reason, example URL, requests."""
    if stops:
        db.table("crawl_stops").insert_all(
            [{"run_id": run_id, "site_id": site_id, **stop} for stop in stops])


# -- nightly runs -------------------------------------------------------------------------------


def start_nightly(db: sqlite_utils.Database, started: str, sites: int) -> int:
    return _last_id(db.table("nightly_runs").insert(
        {"started": started, "status": "running", "sites": sites}))


def tie_to_nightly(db: sqlite_utils.Database, run_ids: list[int], nightly_id: int) -> None:
    """Which crawl runs were this night's: by id, not by timestamps."""
    for run_id in run_ids:
        db.table("crawl_runs").update(run_id, {"nightly_run": nightly_id})


def finish_nightly(db: sqlite_utils.Database, nightly_id: int, row: Mapping[str, Any]) -> None:
    db.table("nightly_runs").update(nightly_id, dict(row))


# -- site status --------------------------------------------------------------------------------


def site_status(db: sqlite_utils.Database, site_id: str) -> dict[str, Any] | None:
    rows = list(db.table("site_status").rows_where("site_id = ?", [site_id]))
    return rows[0] if rows else None


def write_site_status(db: sqlite_utils.Database, row: Mapping[str, Any]) -> None:
    db.table("site_status").upsert(dict(row), pk="site_id")
