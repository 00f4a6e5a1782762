"""The hijack step of `derive_all` (issue #15): how pages were hijacked, and what a
substituted spam token replaced.

1. Every HTML capture not scanned yet (captures never change: `hijack_scans` remembers
   each one) is decoded and read by `archive.parse.hijack.evidence_in`; each kind of
   evidence is a row of `hijack_evidence` (capture, URL, site, fetch time, snippet, and
   the government host the copy names as its own when it does). A cloaking probe (the
   crawler's second fetch of a report page as Baiduspider, crawler/cloak.py) is compared
   with the browser's newest copy of the URL instead: a different main text is a
   `cloaking` row, filed under the page's URL.
2. Every tampered report is read by `archive.parse.substitution`: a spam token standing
   where a genre phrase stood is a row of `report_substitutions` with the phrase, how sure
   the inference is, and the title and text restored (beside the stored ones, which stay
   as the page printed them). Rewritten every run: tampered reports are few.

Views: `hijacked_pages` (per URL and kind: first and last seen) and `hijacked_portals`
(per site: first and last seen tampered, the kinds, what was injected, reports affected,
the genuine copies known), shown at `/-/hijacked`.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import date

import sqlite_utils

from archive.db import Archive
from archive.db.captures import PROBE_KIND, StoredBody, newest_page
from archive.db.keys import url_key
from archive.derive.scope import Scope, everything
from archive.errors import NianbaoError
from archive.ingest import is_page
from archive.parse import decode_html
from archive.parse.hijack import Evidence, cloaking_evidence, evidence_in, genuine_host, page_text
from archive.parse.substitution import infer_substitutions, restore

log = logging.getLogger(__name__)

HIJACKED_PAGES_VIEW = """
CREATE VIEW hijacked_pages AS
SELECT e.url, e.site_id, e.kind, min(e.fetched_at) AS first_seen, max(e.fetched_at) AS last_seen,
  count(DISTINCT e.capture_id) AS captures, max(e.snippet) AS snippet,
  max(e.genuine_host) AS genuine_host,
  (SELECT u.report_id FROM report_urls u WHERE u.url_key = e.url_key LIMIT 1) AS report_id
FROM hijack_evidence e GROUP BY e.url_key, e.kind
"""
HIJACKED_PORTALS_VIEW = """
CREATE VIEW hijacked_portals AS
WITH pages AS (
  SELECT site_id, url_key, min(fetched_at) AS first_seen, max(fetched_at) AS last_seen
  FROM hijack_evidence GROUP BY site_id, url_key
), affected AS (
  SELECT DISTINCT p.site_id, u.report_id FROM pages p JOIN report_urls u ON u.url_key = p.url_key
)
SELECT p.site_id, s.name AS site_name, min(p.first_seen) AS first_seen_tampered,
  max(p.last_seen) AS last_seen_tampered, count(*) AS pages,
  (SELECT group_concat(kind, ' ') FROM (SELECT DISTINCT kind FROM hijack_evidence e
     WHERE e.site_id IS p.site_id ORDER BY kind)) AS kinds,
  (SELECT group_concat(snippet, ' ｜ ') FROM (SELECT DISTINCT snippet FROM hijack_evidence e
     WHERE e.site_id IS p.site_id AND kind IN ('lexicon', 'meta_spam', 'site_meta')
     ORDER BY snippet LIMIT 5)) AS injected,
  (SELECT count(*) FROM affected a WHERE a.site_id IS p.site_id) AS reports_affected,
  (SELECT group_concat(url, ' ') FROM (SELECT DISTINCT r.url FROM affected a
     JOIN reports r ON r.id = a.report_id
     JOIN report_urls k ON k.report_id = r.id AND k.url = r.url
     WHERE a.site_id IS p.site_id AND r.tampered = 0
       AND NOT EXISTS (SELECT 1 FROM hijack_evidence x WHERE x.url_key = k.url_key)
     ORDER BY r.url LIMIT 10)) AS genuine_copies,
  (SELECT group_concat(h, ' ') FROM (SELECT DISTINCT genuine_host AS h FROM hijack_evidence e
     WHERE e.site_id IS p.site_id AND genuine_host IS NOT NULL)) AS genuine_hosts
FROM pages p LEFT JOIN sites s ON s.id = p.site_id
GROUP BY p.site_id
"""
VIEWS = {"hijacked_pages": HIJACKED_PAGES_VIEW, "hijacked_portals": HIJACKED_PORTALS_VIEW}


def derive_hijack(archive: Archive, today: date, scope: Scope | None = None
                  ) -> dict[str, int]:
    """Scan new captures for hijack evidence; infer substitutions of tampered reports
    (every one, or those the run touched)."""
    began = time.monotonic()
    scope = scope or everything(archive.db)
    ahead = scope.ahead.scans if scope.ahead is not None else None
    db = archive.db
    last = db.execute("SELECT coalesce(max(capture_id), 0) FROM hijack_scans").fetchone()[0]
    scanned = pages = 0
    for stored in archive.iter_bodies(after_id=int(last), probes=True):
        if stored.kind == PROBE_KIND:
            markup = decoded(stored)
            found, genuine = (cloaked(archive, stored, markup) if markup else []), None
        elif ahead is not None and stored.capture_id in ahead:
            found, genuine = ahead[stored.capture_id]
        else:
            found, genuine = scan_capture(stored)
        write_scan(db, stored, found, genuine)
        scanned += 1
        pages += bool(found)
    substitutions = infer_all(archive, None if scope.full else scope.reports())
    ensure_views(archive)
    log.info("hijack: %d captures scanned, %d with evidence, %d substitutions, %.1f s", scanned,
             pages, substitutions, time.monotonic() - began)
    return {"hijacked captures": pages, "substitutions inferred": substitutions}


EVIDENCE_SQL = (
    "INSERT OR REPLACE INTO hijack_evidence (capture_id, kind, url, url_key, site_id, "
    "fetched_at, snippet, genuine_host) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")


def write_scan(db: sqlite_utils.Database, stored: StoredBody, found: list[Evidence],
               genuine: str | None) -> None:
    """A capture's evidence rows and its `hijack_scans` row. Plain statements: sqlite-utils'
    insert wraps each call in a savepoint, whose release near the end of a large build
    transaction cost ~20 ms a capture."""
    if found:
        key = url_key(stored.url)
        db.conn.executemany(EVIDENCE_SQL, [
            (stored.capture_id, ev.kind, stored.url, key, stored.site_id, stored.fetched_at,
             ev.snippet, genuine) for ev in found])
    db.execute("INSERT OR REPLACE INTO hijack_scans (capture_id, evidence) VALUES (?, ?)",
               [stored.capture_id, len(found)])


def scan_capture(stored: StoredBody, markup: str | None = None
                 ) -> tuple[list[Evidence], str | None]:
    """(the evidence in a capture that is no cloaking probe, the genuine host it names when
    there is any). Pure: `nianbao build` runs it in its parser workers (`markup`: the
    capture as `decoded` gives it, when the caller has it)."""
    markup = decoded(stored) if markup is None else markup
    if not markup:
        return [], None
    found = evidence_in(markup, stored.url)
    return found, genuine_host(markup, stored.url) if found else None


def decoded(stored: StoredBody) -> str:
    """The capture's HTML as text ("" when it is no page or cannot be decoded)."""
    if not is_page(stored):
        return ""
    try:
        return decode_html(stored.body or b"", stored.headers, stored.url)[0]
    except (NianbaoError, LookupError, ValueError):
        return ""


def cloaked(archive: Archive, probe: StoredBody, markup: str) -> list[Evidence]:
    """A probe fetched as Baiduspider against the browser's newest copy of the URL."""
    browser = newest_page(archive.db, url_key(probe.url))
    body = archive.capture_body(browser.capture_id) if browser is not None else None
    if browser is None or not body:
        return []
    try:
        browser_markup, _ = decode_html(body, browser.headers, browser.url)
    except (NianbaoError, LookupError, ValueError):
        return []
    found = cloaking_evidence(page_text(browser_markup), page_text(markup))
    return [found] if found is not None else []


def infer_all(archive: Archive, only: set[str] | None = None) -> int:
    """Substitutions of every tampered report, or of those of `only`; returns how many."""
    db = archive.db
    if only is None:
        db.execute("DELETE FROM report_substitutions")
        rows = db.execute("SELECT id, title_raw, text, town, county FROM reports "
                          "WHERE tampered = 1").fetchall()
    else:
        ids = json.dumps(sorted(only))
        db.execute("DELETE FROM report_substitutions WHERE report_id IN "
                   "(SELECT value FROM json_each(?))", [ids])
        rows = db.execute("SELECT id, title_raw, text, town, county FROM reports "
                          "WHERE tampered = 1 AND id IN (SELECT value FROM json_each(?))",
                          [ids]).fetchall()
    count = 0
    for rid, title_raw, text, town, county in rows:
        subs = infer_substitutions(text or "", title_raw or "", places=[town or "", county or ""])
        restored_text, restored_title = restore(text or "", subs), restore(title_raw or "", subs)
        db.table("report_substitutions").insert_all(
            ({"report_id": rid, "token": s.token, "phrase": s.phrase,
              "confidence": s.confidence, "occurrences": s.occurrences,
              "explained": s.explained,
              "alternatives": json.dumps(s.alternatives, ensure_ascii=False),
              "restored_title": restored_title, "restored_text": restored_text}
             for s in subs), replace=True)
        count += len(subs)
    return count


def ensure_views(archive: Archive) -> None:
    """(Re)create the views: cheap, and an archive made by an older version gets the new
    definitions."""
    for name, sql in VIEWS.items():
        archive.db.execute(f"DROP VIEW IF EXISTS [{name}]")
        archive.db.execute(sql)
