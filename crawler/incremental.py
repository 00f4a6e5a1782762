"""Incremental crawling: the spider's side of `url_state` (archive/db/url_state.py).

Lists and navigation are fetched every run. A candidate URL (report page, file, article)
the archive already holds is fetched only when due, with If-None-Match /
If-Modified-Since from the validators its portal sent; a 304 is "seen unchanged".
Links to candidates found on list pages are remembered: when a run completes with its
lists loading, a report URL no list links any more is fetched once more to tell why it
left (404/410, a soft-404 page, or still there but unlisted), unless most of a site's
reports vanished at once, which says the site changed, not the reports (`broken`).
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from archive.clock import Clock
from archive.db import captures, url_key, versions
from archive.db import url_state as freshness
from archive.db.url_state import UrlState
from crawler.schedule import Visit, next_visit_after, plan_visit

log = logging.getLogger(__name__)

# Pages that answer 200 but say the document is gone (checked only on URLs that were
# reports, and only when the parser no longer sees a report there).
SOFT_404_PATTERNS = tuple(re.compile(p, re.IGNORECASE) for p in (
    r"(页面|网页|文章|信息|内容|文档|稿件)(已|已经)?(被)?(删除|撤销|撤回|下线|过期)",
    r"(页面|网页|文章|信息|内容|文档)(不存在|未找到|找不到)",
    r"(访问|请求)的(页面|网页|内容)(不存在|已被删除|已删除)",
    r"\b404\b.{0,20}(not found|页面)",
    r"page not found",
))
HOME_PATHS = ("", "/", "/index.html", "/index.htm", "/index.shtml", "/index.jsp", "/default.asp")
NOT_REPORT_NOTE = "not a report: "  # how the spider notes a rejected candidate's capture
MASS_UNLISTED_MIN = 3  # up to this many reports may leave their lists in one run...
MASS_UNLISTED_SHARE = 0.5  # ...or this share of a site's listed reports; more means "broken"


def looks_soft_404(text: str) -> bool:
    return any(p.search(text) for p in SOFT_404_PATTERNS)


def redirected_home(meta: dict[str, Any], final_url: str) -> bool:
    """A report URL that now redirects to the portal's home page."""
    return bool(meta.get("redirect_urls")) and urlsplit(final_url).path in HOME_PATHS


def body_fingerprint(body: bytes) -> str:
    return "body:" + hashlib.sha256(body).hexdigest()


def text_fingerprint(text: str | None) -> str:
    return "text:" + versions.text_sha256(text)


@dataclass
class StoredPage:
    url: str
    body: bytes
    headers: dict[str, str]
    not_report: str | None  # why the parser said it is no report, when it did


class Revisits:
    """What one site's crawl knows about its candidate URLs, and what it learns."""

    def __init__(self, archive: Any, site_id: str, clock: Clock | None = None):
        self.archive = archive
        self.site_id = site_id
        self.clock = clock or Clock()
        self.now = self.clock.now()
        self.states: dict[str, UrlState] = (
            freshness.load_states(archive.db, site_id) if archive is not None else {})
        self.listed: set[str] = set()

    def state(self, url: str) -> UrlState | None:
        return self.states.get(url_key(url))

    def note_listed(self, url: str) -> None:
        self.listed.add(url_key(url))

    def plan(self, url: str) -> Visit:
        key = url_key(url)
        return plan_visit(self.states.get(key), self.now, listed=key in self.listed)

    def was_report(self, url: str) -> bool:
        """Does the URL belong to a stored report (its page, a copy, or its file)?"""
        state = self.state(url)
        return bool(state and state.report_id)

    def unsettled(self, url: str) -> bool:
        """Checked by a run that was killed: its links may never have been followed."""
        state = self.state(url)
        return state is not None and not state.settled

    def stored_page(self, url: str) -> StoredPage | None:
        """The newest stored copy of a page (for following its links without a request)."""
        newest = captures.newest_page(self.archive.db, url_key(url))
        if newest is None:
            return None
        body = self.archive.capture_body(newest.capture_id)
        note = newest.note or ""
        return StoredPage(newest.url, body or b"", newest.headers,
                          note.removeprefix(NOT_REPORT_NOTE) if note.startswith(NOT_REPORT_NOTE)
                          else None)

    def was_report_page(self, url: str) -> bool:
        """Did the parser read a report from this very page last time?"""
        state = self.state(url)
        return bool(state and (state.fingerprint or "").startswith("text:"))

    # -- what a response says ------------------------------------------------------------------

    def record(self, request_url: str, status: int, headers: dict[str, str] | None,
               fingerprint: str | None, capture_id: int | None, recheck: bool = False) -> str:
        """Store what a fetch of a candidate said (200, 304, 404/410, soft-404)."""
        key, at = url_key(request_url), self.clock.iso()
        if self.archive is None:
            return "new"
        with self.archive.transaction():
            outcome = freshness.record_check(
                self.archive.db, key, request_url, site_id=self.site_id, status=status,
                headers=headers, fingerprint=fingerprint, capture_id=capture_id, at=at,
                schedule=next_visit_after)
            if recheck and status in (200, 304) and not (fingerprint or "").startswith("gone:"):
                freshness.mark_unlisted(self.archive.db, key, at)
        return outcome

    def record_failure(self, request_url: str, status: int | None,
                       capture_id: int | None) -> None:
        if self.archive is None:
            return
        with self.archive.transaction():
            freshness.record_failure(self.archive.db, url_key(request_url), request_url,
                                     site_id=self.site_id, status=status, capture_id=capture_id)

    def confirm(self, request_url: str, capture_id: int | None) -> list[str]:
        """A 304: the report(s) at this URL seen again, unchanged."""
        if self.archive is None:
            return []
        with self.archive.transaction():
            return versions.confirm_unchanged(self.archive.db, url_key(request_url),
                                              capture_id, self.clock.iso())

    # -- end of run ----------------------------------------------------------------------------

    def unlisted(self) -> list[UrlState]:
        return freshness.unlisted_reports(self.states, self.listed)

    def listed_reports(self) -> int:
        return sum(1 for s in self.states.values() if s.report_id and s.listed_at and not s.gone_at)

    def mass_loss(self, unlisted: list[UrlState]) -> str | None:
        """A reason when too many reports left their lists at once to believe it."""
        known = self.listed_reports()
        limit = max(MASS_UNLISTED_MIN, int(known * MASS_UNLISTED_SHARE))
        if len(unlisted) > limit:
            return f"lists no longer link {len(unlisted)} of {known} known report pages"
        return None

    def finish(self) -> None:
        """Remember which candidates lists linked this run."""
        if self.archive is None:
            return
        with self.archive.transaction():
            freshness.record_listed(self.archive.db, self.listed, self.clock.iso())
