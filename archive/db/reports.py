"""`reports`, `sections` (`section_spans`) and `report_urls`: the reports read from the captures.

The only module that writes these tables (their texts' history is `versions.py`).
Writes are idempotent: saving the same report twice changes nothing but `last_seen`.
A report is withdrawn when at least one of its URLs is gone and none is alive (alive: a
tracked URL, not gone, that a list linked or that the report was read from); that rule
lives here, in `apply_withdrawals`, and nowhere else.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import sqlite_utils

from archive.db import rows, versions
from archive.db.keys import report_id, url_key
from archive.db.schema import section_spans
from archive.db.url_state import GONE_STATUSES
from archive.parse.frames import alternate_kind
from archive.records import Report, Section
from archive.search.fts import clear_index, sync_index

# Fields of a report row that come from the parser; a change in any of them is an update.
CONTENT_FIELDS = (
    "url", "title", "title_raw", "town", "county", "province", "report_year", "published",
    "signed", "source", "format", "tampered", "spam_terms", "text", "platform", "index_no",
)
DERIVED_TABLES = ("section_spans", "report_urls", "report_versions", "reports")


def report_row(report: Report, site: Mapping[str, Any], site_id: str | None) -> dict[str, Any]:
    return {
        "id": report_id(report), "url": report.url, "title": report.title,
        "title_raw": report.title_raw, "town": report.town, "county": report.county,
        "province": site.get("province") or None, "report_year": report.report_year,
        "published": report.published, "signed": report.signed, "source": report.source,
        "format": report.format, "tampered": int(report.tampered),
        "spam_terms": json.dumps(report.spam_terms, ensure_ascii=False),
        "text": report.text, "platform": report.platform, "index_no": report.index_no,
        "site_id": site_id,
    }


def preferred(current: Mapping[str, Any], candidate: Mapping[str, Any]) -> bool:
    """Should the candidate copy of a report replace the stored one as its main copy?

    A genuine copy beats a tampered mirror, the page beats its print page or export
    (archive/parse/frames.py: same text, no meta line); otherwise the first URL in sort
    order wins, so the choice does not depend on the order pages happened to be fetched in.
    """
    if bool(current["tampered"]) != bool(candidate["tampered"]):
        return not candidate["tampered"]
    alternate = alternate_kind(candidate["url"]) is not None
    if alternate != (alternate_kind(current["url"]) is not None):
        return not alternate
    return url_key(candidate["url"]) <= url_key(current["url"])


def save_report(db: sqlite_utils.Database, report: Report, row: dict[str, Any], *,
                capture_id: int | None, seen_at: str, text_sha256: str | None = None,
                index: bool = True) -> str:
    """Upsert one report row (from `report_row`); "new", "updated" or "unchanged".

    `text_sha256`: `versions.text_sha256(report.text)` when the caller has it already.
    `index=False` leaves the full-text index to the caller's next `sync_index` (the
    triggers queued the change in the same transaction, so nothing is lost)."""
    rid = row["id"]
    existing = get_report(db, rid)
    touch_url(db, rid, report.url, capture_id, seen_at)
    if existing is None:
        row.update(capture_id=capture_id, first_seen=seen_at, last_seen=seen_at)
        rows.insert(db, "reports", row)
        write_sections(db, rid, report, row["text"])
        versions.record_text(db, rid, report.text, url=report.url, capture_id=capture_id,
                             seen_at=seen_at, digest=text_sha256)
        if index:
            sync_index(db)
        return "new"
    last_seen = max(existing["last_seen"] or seen_at, seen_at)
    if existing["url"] != row["url"] and not preferred(existing, row):
        rows.update(db, "reports", "id", rid, {"last_seen": last_seen})
        return "unchanged"
    versions.record_text(db, rid, report.text, url=report.url, capture_id=capture_id,
                         seen_at=seen_at, digest=text_sha256)
    changed = [f for f in CONTENT_FIELDS if existing.get(f) != row.get(f)]
    if not changed:
        rows.update(db, "reports", "id", rid, {"last_seen": last_seen})
        return "unchanged"
    row.update(capture_id=capture_id, last_seen=last_seen)
    rows.update(db, "reports", "id", rid, row)
    write_sections(db, rid, report, row["text"])
    if index:
        sync_index(db)
    # Switching to an identical copy under another URL is not an edit.
    return "unchanged" if changed == ["url"] else "updated"


def urls_of(db: sqlite_utils.Database, rid: str) -> list[str]:
    """Every URL a report was seen under."""
    return [url for (url,) in db.execute(
        "SELECT url FROM report_urls WHERE report_id = ? ORDER BY url_key", [rid])]


def drop_report(db: sqlite_utils.Database, rid: str) -> None:
    """Remove a report read from a page that turned out to be part of another (the frame
    of a detail page): its row, sections, URLs and versions."""
    for table in ("section_spans", "report_urls", "report_versions"):
        db.execute(f"DELETE FROM [{table}] WHERE report_id = ?", [rid])
    db.execute("DELETE FROM reports WHERE id = ?", [rid])
    sync_index(db)


def get_report(db: sqlite_utils.Database, rid: str) -> dict[str, Any] | None:
    cursor = db.execute("SELECT * FROM reports WHERE id = ?", [rid])
    row = cursor.fetchone()
    return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else None


def report_url(db: sqlite_utils.Database, rid: str) -> str | None:
    """The URL of a report's main copy (None: no such report)."""
    row = db.execute("SELECT url FROM reports WHERE id = ?", [rid]).fetchone()
    return row[0] if row else None


def touch_url(db: sqlite_utils.Database, rid: str, url: str, capture_id: int | None,
              seen_at: str) -> None:
    """Record one more URL of a report (or see a known one again)."""
    db.execute(
        "INSERT INTO report_urls (report_id, url_key, url, capture_id, first_seen, last_seen) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (report_id, url_key) DO UPDATE SET "
        "capture_id = excluded.capture_id, last_seen = max(last_seen, excluded.last_seen)",
        [rid, url_key(url), url, capture_id, seen_at, seen_at])


def write_sections(db: sqlite_utils.Database, rid: str, report: Report,
                   stored_text: str | None) -> None:
    """A report's sections as offsets into its stored text (read back via `sections`)."""
    db.execute("DELETE FROM section_spans WHERE report_id = ?", [rid])
    rows.insert_many(db, "section_spans", section_spans(
        rid, stored_text, [(s.level, s.heading, s.text) for s in report.sections]))


def sections_of(db: sqlite_utils.Database, rid: str) -> list[Section]:
    return [Section(level, heading or "", text or "") for level, heading, text in db.execute(
        "SELECT level, heading, text FROM sections WHERE report_id = ? ORDER BY ordinal", [rid])]


def clear_reports(db: sqlite_utils.Database) -> None:
    """Drop every row rebuilt from the captures; captures and url_state stay."""
    clear_index(db)
    for table in DERIVED_TABLES:
        db.execute(f"DELETE FROM [{table}]")


def report_of_url(db: sqlite_utils.Database, key: str) -> str | None:
    """The report the page keyed `key` was last seen as."""
    row = db.execute("SELECT report_id FROM report_urls WHERE url_key = ? "
                     "ORDER BY last_seen DESC LIMIT 1", [key]).fetchone()
    return row[0] if row else None


REPORT_WITH_SITE_SQL = """
SELECT r.id, r.url, r.title, r.title_raw, r.text, r.town, r.county, r.province,
       r.report_year, r.published, r.signed, r.source, r.format, r.tampered, r.spam_terms,
       r.platform, r.index_no, r.site_id, r.capture_id, s.city AS site_city,
       s.county AS site_county
FROM reports r LEFT JOIN sites s ON s.id = r.site_id
WHERE r.id = ?
"""


def reports_with_site(db: sqlite_utils.Database,
                      only: set[str] | None = None) -> Iterator[dict[str, Any]]:
    """Every report (or those of `only` that exist) with its site's city and county, one
    at a time (texts are long), in id order."""
    ids = ([rid for (rid,) in db.execute("SELECT id FROM reports ORDER BY id")]
           if only is None else sorted(only))
    for rid in ids:
        cursor = db.execute(REPORT_WITH_SITE_SQL, [rid])
        names = [d[0] for d in cursor.description]
        row = cursor.fetchone()
        if row is not None:
            yield dict(zip(names, row, strict=True))


def set_derived_columns(db: sqlite_utils.Database, rid: str, values: Mapping[str, Any]) -> None:
    """Columns of a report that derive computes (place, template, table images)."""
    assignments = ", ".join(f"[{name}] = ?" for name in values)
    db.execute(f"UPDATE reports SET {assignments} WHERE id = ?", [*values.values(), rid])


def drop_rows_of_missing_reports(db: sqlite_utils.Database, tables: tuple[str, ...],
                                 among: set[str] | None = None) -> set[str]:
    """Rows of reports that are gone (a rebuild that no longer finds them); with `among`,
    only those of these ids (an incremental derive: no scan of the tables). Returns the
    ids dropped when `among` is given."""
    if among is None:
        for table in tables:
            db.execute(f"DELETE FROM [{table}] WHERE report_id NOT IN (SELECT id FROM reports)")
        return set()
    gone = missing_reports(db, among)
    for table in tables:
        db.conn.executemany(f"DELETE FROM [{table}] WHERE report_id = ?", [(r,) for r in gone])
    return gone


def missing_reports(db: sqlite_utils.Database, ids: set[str]) -> set[str]:
    """Those of `ids` that are no report (deleted by a rebuild)."""
    present = {rid for (rid,) in db.execute(
        "SELECT id FROM reports WHERE id IN (SELECT value FROM json_each(?))",
        [json.dumps(sorted(ids))])}
    return set(ids) - present


def reports_of_sites(db: sqlite_utils.Database, sites: set[str]) -> set[str]:
    return {rid for (rid,) in db.execute(
        "SELECT id FROM reports WHERE site_id IN (SELECT value FROM json_each(?))",
        [json.dumps(sorted(sites))])} if sites else set()


def reports_published_after(db: sqlite_utils.Database, day: str) -> set[str]:
    """Reports dated after `day` (ISO): checks against `today` may change for them."""
    return {rid for (rid,) in db.execute("SELECT id FROM reports WHERE published > ?", [day])}


def withdrawal(db: sqlite_utils.Database, rid: str) -> tuple[str | None, str | None] | None:
    """(withdrawn_at, withdrawn_reason) of a report; None when there is no such report."""
    row = db.execute("SELECT withdrawn_at, withdrawn_reason FROM reports WHERE id = ?",
                     [rid]).fetchone()
    return (row[0], row[1]) if row else None


def withdrawn_ids(db: sqlite_utils.Database) -> set[str]:
    return {rid for (rid,) in db.execute("SELECT id FROM reports WHERE withdrawn_at IS NOT NULL")}


def count_withdrawn_since(db: sqlite_utils.Database, started: str) -> int:
    return int(db.execute("SELECT count(*) FROM reports WHERE withdrawn_at >= ?",
                          [started]).fetchone()[0] or 0)


WITHDRAWAL_SQL = f"""
WITH picked AS ({{picked}}),
newest AS (
  SELECT url_key, status, fetched_at FROM captures
  WHERE id IN (SELECT max(id) FROM captures {{newest_where}} GROUP BY url_key)
)
SELECT u.report_id, r.withdrawn_at,
       sum(s.gone_at IS NOT NULL) AS gone,
       sum(s.url_key IS NOT NULL AND s.gone_at IS NULL
           AND (s.listed_at IS NOT NULL OR u.url = r.url)) AS alive,
       max(s.gone_at) AS last_gone,
       count(n.url_key) AS fetched,
       sum(n.status IN {GONE_STATUSES}) AS fetched_gone,
       max(CASE WHEN n.status IN {GONE_STATUSES} THEN n.fetched_at END) AS last_fetched_gone,
       max(CASE WHEN n.status IN {GONE_STATUSES} THEN n.status END) AS gone_status
FROM report_urls u JOIN reports r ON r.id = u.report_id
LEFT JOIN url_state s ON s.url_key = u.url_key
LEFT JOIN newest n ON n.url_key = u.url_key
{{where}}
GROUP BY u.report_id
"""
ALL_REPORTS = WITHDRAWAL_SQL.format(picked="SELECT NULL AS id", newest_where="", where="")
SOME_REPORTS = WITHDRAWAL_SQL.format(
    picked="SELECT value AS id FROM json_each(?)",
    newest_where="WHERE url_key IN (SELECT url_key FROM report_urls WHERE report_id IN picked)",
    where="WHERE u.report_id IN picked")


def reports_of_urls(db: sqlite_utils.Database, keys: set[str]) -> set[str]:
    """The reports seen under any of the URLs keyed `keys`."""
    return {rid for (rid,) in db.execute(
        "SELECT DISTINCT report_id FROM report_urls WHERE url_key IN "
        "(SELECT value FROM json_each(?))", [json.dumps(sorted(keys))])}


def apply_withdrawals(db: sqlite_utils.Database,
                      ids: set[str] | None = None) -> dict[str, int]:
    """Set (or clear) reports.withdrawn_at; never deletes.

    A report is withdrawn when the crawler found one of its URLs gone (`url_state`: 404,
    410, soft-404, off its list) and none alive, or when the newest capture of every URL
    it was seen under answered 404 or 410 (URLs the crawler never tracked: an older
    archive, a page fetched as navigation). It is back when neither holds any more (a URL
    alive again and a newest capture that is not 404/410). The verdict depends on the
    facts only, so judging a report twice gives the same answer.

    `ids`: judge only these reports (derive passes those whose URLs a run touched)."""
    counts = {"withdrawn": 0, "returned": 0}
    if ids is not None and not ids:
        return counts
    found = (db.execute(ALL_REPORTS) if ids is None
             else db.execute(SOME_REPORTS, [json.dumps(sorted(ids))]))
    for (rid, withdrawn_at, gone, alive, last_gone, fetched, fetched_gone, last_fetched_gone,
         gone_status) in found.fetchall():
        all_fetched_gone = bool(fetched) and fetched_gone == fetched
        # One verdict from the facts, so judging twice never flips a report back and forth.
        tracked_gone = bool(gone) and not alive
        if withdrawn_at is None and tracked_gone:
            reason = db.execute(
                "SELECT s.gone_reason FROM report_urls u JOIN url_state s ON s.url_key = u.url_key "
                "WHERE u.report_id = ? AND s.gone_at = ? LIMIT 1", [rid, last_gone]).fetchone()
            db.table("reports").update(rid, {"withdrawn_at": last_gone,
                                       "withdrawn_reason": reason[0] if reason else None})
            counts["withdrawn"] += 1
        elif withdrawn_at is None and all_fetched_gone:
            db.table("reports").update(rid, {"withdrawn_at": last_fetched_gone,
                                       "withdrawn_reason": f"HTTP {gone_status}"})
            counts["withdrawn"] += 1
        elif withdrawn_at is not None and not tracked_gone and not all_fetched_gone:
            db.table("reports").update(rid, {"withdrawn_at": None, "withdrawn_reason": None})
            counts["returned"] += 1
    return counts


def report_texts(db: sqlite_utils.Database,
                 only: set[str] | None = None) -> Iterator[dict[str, Any]]:
    """Every report's (or those of `only` that exist) id, text and place, one at a time
    (texts are long): what the journalism steps (personal data, copy detection) read."""
    ids = ([rid for (rid,) in db.execute("SELECT id FROM reports ORDER BY id")]
           if only is None else sorted(only))
    for rid in ids:
        row = db.execute("SELECT id, text, town, county, report_year, site_id FROM reports "
                         "WHERE id = ?", [rid]).fetchone()
        if row is not None:
            yield dict(zip(("id", "text", "town", "county", "report_year", "site_id"), row,
                           strict=True))


def report_findings(db: sqlite_utils.Database,
                    only: set[str] | None = None) -> Iterator[dict[str, Any]]:
    """Every report's (or those of `only` that exist) id, text and the personal data found
    when it was saved (JSON, None for rows saved before masking existed), one at a time."""
    ids = ([rid for (rid,) in db.execute("SELECT id FROM reports ORDER BY id")]
           if only is None else sorted(only))
    for rid in ids:
        row = db.execute("SELECT id, text, personal_findings FROM reports WHERE id = ?",
                         [rid]).fetchone()
        if row is not None:
            yield dict(zip(("id", "text", "personal_findings"), row, strict=True))


def mask_stored_report(db: sqlite_utils.Database, rid: str, mask: Callable[[str], str],
                       findings_json: str | None) -> None:
    """Mask in place what an older archive stored raw: the report's text, title, source,
    sections and every version's text (its hash follows), with `mask` (lengths kept)."""
    row = db.execute("SELECT text, title, title_raw, source FROM reports WHERE id = ?",
                     [rid]).fetchone()
    if row is None:
        return
    text, title, title_raw, source = (mask(v) if v else v for v in row)
    db.execute("UPDATE reports SET text = ?, title = ?, title_raw = ?, source = ?, "
               "personal_findings = ? WHERE id = ?",
               [text, title, title_raw, source, findings_json, rid])
    # A section is offsets into the text masked above (lengths kept); only a heading, or a
    # section kept verbatim because it was not found in the text, holds characters of its own.
    for ordinal, heading, body in db.execute(
            "SELECT ordinal, heading, text FROM section_spans WHERE report_id = ?",
            [rid]).fetchall():
        db.execute("UPDATE section_spans SET heading = ?, text = ? "
                   "WHERE report_id = ? AND ordinal = ?",
                   [mask(heading or ""), mask(body) if body else body, rid, ordinal])
    # A version whose text is NULL is the report's text (masked above; the update's trigger
    # gave the versions that shared the raw text their own copy, masked here).
    for version, body in db.execute(
            "SELECT version, text FROM report_versions WHERE report_id = ? "
            "AND text IS NOT NULL", [rid]).fetchall():
        masked = mask(body)
        if masked != body:
            db.execute("UPDATE report_versions SET text = ?, text_sha256 = ? "
                       "WHERE report_id = ? AND version = ?",
                       [masked, versions.text_sha256(masked), rid, version])
    versions.share_report_texts(db, rid)
