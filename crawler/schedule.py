"""When to fetch a known candidate URL again: the revisit schedule.

Lists and navigation are fetched every run. A candidate the archive already holds
(`url_state`, archive/db/url_state.py) is due again
`clamp(BACKOFF x time-unchanged, MIN_REVISIT, cap)` after it was last checked, where the
cap is shorter for pages with validators (a conditional request costs no body). A page
never changes its `next_visit` on a failure (5xx, timeout): it stays due. A URL that
left its list and is linked again is fetched at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from archive.clock import parse_time
from archive.db.url_state import UrlState

MIN_REVISIT = timedelta(hours=20)  # a nightly run sees pages that changed recently every night
MAX_REVISIT = timedelta(days=30)  # however old a page, it is read at least monthly
MAX_REVISIT_VALIDATED = timedelta(days=7)  # a 304 is cheap: revalidate weekly at least
BACKOFF = 0.25  # unchanged for 40 days -> due every 10 days


@dataclass
class Visit:
    """What to do with a known candidate URL this run."""

    fetch: bool
    headers: dict[str, str]
    reason: str  # new / due / relisted / not due


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
