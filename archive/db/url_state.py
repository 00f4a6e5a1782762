"""When to fetch a known page again, and which reports have gone from their portal.

`url_state` holds one row per candidate URL the crawler has fetched (report pages, their
files, pages the parser rejected): the validators the portal sent (ETag, Last-Modified),
a fingerprint of what the page said, when it last changed, when it is next due, when a
list last linked it, and whether it is gone (404/410, a soft-404 page, or no longer
listed while its list still loads).

The revisit schedule backs off with age: a page is due again
`clamp(BACKOFF x time-unchanged, MIN_REVISIT, cap)` after it was last checked, where the
cap is shorter for pages with validators (a conditional request costs no body).
A page never changes its `next_visit` on a failure (5xx, timeout): it stays due.

A report is withdrawn when at least one of its URLs is gone and none is alive (alive: a
tracked URL, not gone, that a list linked or that the report was read from).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlite_utils

from archive.parse.charset import header_value

MIN_REVISIT = timedelta(hours=20)  # a nightly run sees pages that changed recently every night
MAX_REVISIT = timedelta(days=30)  # however old a page, it is read at least monthly
MAX_REVISIT_VALIDATED = timedelta(days=7)  # a 304 is cheap: revalidate weekly at least
BACKOFF = 0.25  # unchanged for 40 days -> due every 10 days
UNLISTED = "unlisted"
SOFT_404 = "soft-404"
GONE_STATUSES = (404, 410)
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

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


@dataclass
class Visit:
    """What to do with a known candidate URL this run."""

    fetch: bool
    headers: dict[str, str]
    reason: str  # new / due / relisted / not due


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=UTC)


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def revisit_interval(unchanged_for: timedelta, validated: bool) -> timedelta:
    """How long to wait before checking a page unchanged for `unchanged_for` again."""
    cap = MAX_REVISIT_VALIDATED if validated else MAX_REVISIT
    return max(MIN_REVISIT, min(cap, unchanged_for * BACKOFF))


def next_visit_after(last_checked: datetime, last_changed: datetime, validated: bool) -> datetime:
    return last_checked + revisit_interval(last_checked - last_changed, validated)


def conditional_headers(state: UrlState) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from the validators the portal last sent."""
    headers = {}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    return headers


def plan_visit(state: UrlState | None, now: datetime, *, listed: bool = False) -> Visit:
    """Fetch a new URL; a known one only when due (or listed again after it went away)."""
    if state is None:
        return Visit(True, {}, "new")
    due = parse_time(state.next_visit)
    if state.gone_at and listed:
        return Visit(True, conditional_headers(state), "relisted")
    if due is None or due <= now:
        return Visit(True, conditional_headers(state), "due")
    return Visit(False, {}, "not due")


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
                 capture_id: int | None, at: str) -> str:
    """Record an answer that tells what the page says now (200, 304, 404/410, soft-404).

    `fingerprint` is None for a 304 (unchanged by definition). Returns "new", "changed"
    or "unchanged"; schedules the next visit."""
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
        "next_visit": format_time(next_visit_after(now, parse_time(changed_at) or now,
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
    db.table("url_state").upsert(row, pk="url_key")
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


# -- withdrawals -------------------------------------------------------------------------------

WITHDRAWAL_SQL = """
SELECT u.report_id, r.withdrawn_at,
       sum(s.gone_at IS NOT NULL) AS gone,
       sum(s.url_key IS NOT NULL AND s.gone_at IS NULL
           AND (s.listed_at IS NOT NULL OR u.url = r.url)) AS alive,
       max(s.gone_at) AS last_gone
FROM report_urls u JOIN reports r ON r.id = u.report_id
LEFT JOIN url_state s ON s.url_key = u.url_key
GROUP BY u.report_id
"""


def apply_withdrawals(db: sqlite_utils.Database) -> dict[str, int]:
    """Set (or clear) reports.withdrawn_at from the state of their URLs; never deletes."""
    counts = {"withdrawn": 0, "returned": 0}
    for rid, withdrawn_at, gone, alive, last_gone in db.execute(WITHDRAWAL_SQL).fetchall():
        if gone and not alive and withdrawn_at is None:
            reason = db.execute(
                "SELECT s.gone_reason FROM report_urls u JOIN url_state s ON s.url_key = u.url_key "
                "WHERE u.report_id = ? AND s.gone_at = ? LIMIT 1", [rid, last_gone]).fetchone()
            db.table("reports").update(rid, {"withdrawn_at": last_gone,
                                       "withdrawn_reason": reason[0] if reason else None})
            counts["withdrawn"] += 1
        elif alive and withdrawn_at is not None:
            db.table("reports").update(rid, {"withdrawn_at": None, "withdrawn_reason": None})
            counts["returned"] += 1
    return counts


def derive_withdrawals(archive: Any, summary: Any) -> None:
    """The derive step (archive/derive.py): withdrawn_at after every crawl and build."""
    counts = apply_withdrawals(archive.db)
    summary.counts.update({f"reports {k}": n for k, n in counts.items() if n})
