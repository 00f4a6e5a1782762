"""`url_state`: the crawler's memory of every candidate URL it has fetched.

One row per candidate URL (report pages, their files, pages the parser rejected): the
validators the portal sent (ETag, Last-Modified), a fingerprint of what the page said,
when it last changed, when it is next due, when a list last linked it, and whether it is
gone (404/410, a soft-404 page, or no longer listed while its list still loads). It is
never rebuilt: it is what the crawler observed. When a page is due again is the crawler's
policy (`crawler/schedule.py`), handed in as `schedule`; this module only stores it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from archive.clock import format_time, parse_time
from archive.db import rows
from archive.parse.charset import header_value

Schedule = Callable[[datetime, datetime, bool], datetime]

UNLISTED = "unlisted"
SOFT_404 = "soft-404"
GONE_STATUSES = (404, 410)

STATE_COLUMNS = ("url_key", "url", "site_id", "etag", "last_modified", "fingerprint",
                 "last_checked", "last_changed", "next_visit", "checks", "changes",
                 "last_status", "last_capture_id", "listed_at", "gone_at", "gone_reason")


@dataclass
class UrlState:
    url_key: str
    url: str
    site_id: str | None
    etag: str | None
    last_modified: str | None
    fingerprint: str | None
    last_checked: str | None
    last_changed: str | None
    next_visit: str | None
    checks: int | None
    changes: int | None
    last_status: int | None
    last_capture_id: int | None
    listed_at: str | None
    gone_at: str | None
    gone_reason: str | None
    report_id: str | None = None
    settled: bool = True  # the run that last checked it finished (it was not killed)

    @property
    def validated(self) -> bool:
        return bool(self.etag or self.last_modified)


# -- the table ---------------------------------------------------------------------------------


def load_states(db: sqlite_utils.Database, site_id: str) -> dict[str, UrlState]:
    """Every tracked URL of a site, with the report it belongs to (if any)."""
    columns = ", ".join(f"s.{c}" for c in STATE_COLUMNS)
    sql = (f"SELECT {columns}, (SELECT u.report_id FROM report_urls u WHERE u.url_key = s.url_key "
           "ORDER BY u.last_seen DESC LIMIT 1), coalesce((SELECT r.ended IS NOT NULL AND "
           "r.status NOT IN ('running', 'interrupted') FROM captures c JOIN crawl_runs r "
           "ON r.id = c.run_id WHERE c.id = s.last_capture_id), 1) "
           "FROM url_state s WHERE s.site_id = ?")
    names = (*STATE_COLUMNS, "report_id")
    return {row[0]: UrlState(**dict(zip(names, row, strict=False)), settled=bool(row[-1]))
            for row in db.execute(sql, [site_id])}


def get_state(db: sqlite_utils.Database, key: str) -> UrlState | None:
    columns = ", ".join(STATE_COLUMNS)
    row = db.execute(f"SELECT {columns} FROM url_state WHERE url_key = ?", [key]).fetchone()
    return UrlState(*row) if row else None


def record_check(db: sqlite_utils.Database, key: str, url: str, *, site_id: str | None,
                 status: int, headers: Mapping[str, str] | None, fingerprint: str | None,
                 capture_id: int | None, at: str, schedule: Schedule) -> str:
    """Record an answer that tells what the page says now (200, 304, 404/410, soft-404).

    `fingerprint` is None for a 304 (unchanged by definition). Returns "new", "changed"
    or "unchanged"; `schedule(checked, changed, validated)` says when it is due again."""
    state = get_state(db, key)
    headers = headers or {}
    etag = header_value(headers, "etag")
    modified = header_value(headers, "last-modified")
    if status == 304 and state is not None:
        etag, modified = etag or state.etag, modified or state.last_modified
    outcome = ("new" if state is None else
               "unchanged" if fingerprint is None or fingerprint == state.fingerprint else "changed")
    changed_at = at if outcome != "unchanged" else (state.last_changed or at)  # type: ignore[union-attr]
    now = parse_time(at) or datetime.now(UTC)
    row: dict[str, Any] = {
        "url_key": key, "url": url, "site_id": site_id, "etag": etag, "last_modified": modified,
        "fingerprint": fingerprint if fingerprint is not None else state.fingerprint,  # type: ignore[union-attr]
        "last_checked": at, "last_changed": changed_at,
        "next_visit": format_time(schedule(now, parse_time(changed_at) or now,
                                           bool(etag or modified))),
        "checks": (state.checks or 0) + 1 if state else 1,
        "changes": (state.changes or 0) + (outcome == "changed") if state else 0,
        "last_status": status, "last_capture_id": capture_id,
    }
    if status in GONE_STATUSES or (fingerprint or "").startswith("gone:"):
        reason = f"HTTP {status}" if status in GONE_STATUSES else SOFT_404
        row["gone_at"] = state.gone_at if state and state.gone_at else at
        row["gone_reason"] = state.gone_reason if state and state.gone_at else reason
    elif status in (200, 304):
        keep_unlisted = state is not None and state.gone_reason == UNLISTED
        row["gone_at"] = state.gone_at if keep_unlisted else None  # type: ignore[union-attr]
        row["gone_reason"] = UNLISTED if keep_unlisted else None
    rows.upsert(db, "url_state", "url_key", row)
    return outcome


def record_failure(db: sqlite_utils.Database, key: str, url: str, *, site_id: str | None,
                   status: int | None, capture_id: int | None) -> None:
    """A 5xx or a failed download says nothing about the page: it stays due."""
    if get_state(db, key) is None:
        return
    db.table("url_state").update(key, {"last_status": status, "last_capture_id": capture_id})


def record_listed(db: sqlite_utils.Database, keys: Iterable[str], at: str) -> None:
    """These URLs were linked from a list page this run; a page back on its list is back."""
    for chunk in chunks(sorted(set(keys)), 500):
        marks = ", ".join("?" * len(chunk))
        db.execute(f"UPDATE url_state SET listed_at = ? WHERE url_key IN ({marks})", [at, *chunk])
        db.execute(f"UPDATE url_state SET gone_at = NULL, gone_reason = NULL "
                   f"WHERE gone_reason = ? AND url_key IN ({marks})", [UNLISTED, *chunk])


def mark_unlisted(db: sqlite_utils.Database, key: str, at: str) -> None:
    db.execute("UPDATE url_state SET gone_at = ?, gone_reason = ? WHERE url_key = ? "
               "AND gone_at IS NULL", [at, UNLISTED, key])


def unlisted_reports(states: Mapping[str, UrlState], listed: set[str]) -> list[UrlState]:
    """Report URLs a list used to link that no list linked this run (and not gone yet)."""
    return [s for key, s in states.items()
            if s.report_id and s.listed_at and not s.gone_at and key not in listed]


def chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
