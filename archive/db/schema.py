"""The archive's schema: tables, columns, indexes and foreign keys.

`ensure_schema` creates what is missing and adds columns that a newer version declares,
so an archive made by an older version opens without a migration step. Changes that need
more than a new column are numbered (`SCHEMA_VERSION`, kept in `PRAGMA user_version`) and
applied once by `migrate`:

2. Section texts are not stored a second time: `section_spans` holds each section's
   character offsets into `reports.text` (its own text only when it is not a substring of
   the report's), and `sections` is a view with the same columns as the old table. The
   search index is rebuilt by `archive.search.enable_search` from the stored text.
3. Version texts are not stored a second time: a `report_versions` row whose text is
   exactly its report's current text keeps `text` NULL (read from `reports.text`; SQL
   triggers keep that true, archive/db/versions.py). The migration clears the copies in
   the open transaction; the freed pages are reused, `VACUUM` gives them back to the disk.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import sqlite_utils
from sqlite_utils.db import Table

from archive.db.attachment_links import ensure_attachment_links
from archive.db.dirty import ensure_dirty_tracking
from archive.db.versions import ensure_version_triggers, share_report_texts

log = logging.getLogger(__name__)

TABLES: dict[str, dict[str, Any]] = {
    "sites": {
        "columns": {"id": str, "name": str, "province": str, "city": str, "county": str,
                    "town": str, "start_urls": str, "registered": str},
        "pk": "id",
    },
    "blobs": {"columns": {"sha256": str, "size": int, "body": bytes}, "pk": "sha256"},
    "crawl_runs": {
        "columns": {"id": int, "started": str, "ended": str, "site_id": str, "start_urls": str,
                    "pages": int, "reports_found": int, "reports_new": int,
                    "reports_updated": int, "errors": int, "status": str, "error_detail": str,
                    "nightly_run": int},
        "pk": "id",
    },
    "captures": {
        "columns": {"id": int, "url": str, "url_key": str, "fetched_at": str, "status": int,
                    "headers": str, "content_type": str, "size": int, "sha256": str,
                    "error": str, "note": str, "run_id": int, "site_id": str,
                    "referrer": str, "link_text": str, "kind": str, "conditional": int,
                    "raw_sha256": str, "raw_size": int, "warc_file": str, "warc_offset": int,
                    "warc_length": int, "warc_record_id": str, "warc_type": str},
        "pk": "id",
    },
    "reports": {
        "columns": {"id": str, "url": str, "title": str, "title_raw": str, "town": str,
                    "county": str, "province": str, "report_year": int, "published": str,
                    "signed": str, "source": str, "format": str, "tampered": int,
                    "spam_terms": str, "text": str, "platform": str, "index_no": str,
                    "site_id": str, "capture_id": int, "first_seen": str, "last_seen": str,
                    "withdrawn_at": str, "withdrawn_reason": str,
                    # issue #15: personal data found in the text at save time (JSON list of
                    # archive.parse.personal.finding_records; the text itself is masked)
                    "personal_findings": str,
                    # derived by archive.derive.figures (issue #6)
                    "template": str, "table_images": int, "division_code": str,
                    "division_level": str, "division_match": str, "division_province": str,
                    "division_city": str, "division_county": str, "division_township": str},
        "pk": "id",
    },
    "report_urls": {
        "columns": {"report_id": str, "url_key": str, "url": str, "capture_id": int,
                    "first_seen": str, "last_seen": str},
        "pk": ("report_id", "url_key"),
    },
    # Read through the `sections` view (SECTIONS_VIEW). text_start/text_end: character
    # offsets into reports.text, end exclusive; `text` only when the section's text is not
    # found in the report's (then the offsets are empty).
    "section_spans": {
        "columns": {"report_id": str, "ordinal": int, "level": int, "heading": str,
                    "text_start": int, "text_end": int, "text": str},
        "pk": ("report_id", "ordinal"),
    },
    # Written by archive.derive.attachments (the derive step): one row per attachment URL, and
    # one cached extraction per distinct file body.
    "attachments": {
        "columns": {"id": str, "report_id": str, "capture_id": int, "url": str, "filename": str,
                    "mime": str, "kind": str, "bytes": int, "sha256": str, "pages": int,
                    "text_chars": int, "extractor": str, "status": str, "error": str,
                    "referrer": str, "link_text": str, "main": int, "site_id": str},
        "pk": "id",
    },
    # URLs of the attachment files and of the pages that linked them: the distinct
    # page_key of attachment_links (archive/db/attachment_links.py).
    "attachment_pages": {"columns": {"url_key": str}, "pk": "url_key"},
    "extractions": {
        "columns": {"sha256": str, "settings": str, "kind": str, "status": str, "error": str,
                    "pages": int, "text_chars": int, "extractor": str, "seconds": float,
                    "result": bytes, "extracted_at": str},
        "pk": "sha256",
    },
    # Issue #6, written by archive.derive.figures (the derive step): every cell of the
    # standard tables and every narrative figure, the checks, where the figures were read
    # from, and the coverage ledger.
    "figures": {
        "columns": {"report_id": str, "table": str, "row_key": str, "column_key": str,
                    "value": "ANY", "unit": str, "raw": str, "source": str, "sentence": str},
        "pk": ("report_id", "table", "row_key", "column_key"),
    },
    "checks": {
        "columns": {"report_id": str, "check": str, "status": str, "detail": str},
        "pk": ("report_id", "check"),
    },
    "figure_sources": {
        "columns": {"report_id": str, "source": str, "input": str, "input_key": str,
                    "template": str, "table_images": int, "figures": int, "notes": str,
                    "derived_at": str},
        "pk": "report_id",
    },
    "coverage": {
        "columns": {"site_id": str, "town": str, "year": int, "division_code": str,
                    "report_id": str, "status": str, "detail": str},
        "pk": ("site_id", "town", "year"),
    },
    # The ledger's body of each report (so a derive that touched a report redoes the
    # ledger of its old and new body only).
    "coverage_bodies": {
        "columns": {"report_id": str, "site_id": str, "town": str},
        "pk": "report_id",
    },
    # Issue #4: every text a report had, the crawl schedule per URL, health per site, and
    # one row per `nianbao nightly` (archive/db/versions.py, freshness.py, health.py, nightly.py).
    "report_versions": {
        "columns": {"report_id": str, "version": int, "text_sha256": str, "first_seen": str,
                    "last_seen": str, "capture_ids": str, "url": str, "text": str},
        "pk": ("report_id", "version"),
    },
    "url_state": {
        "columns": {"url_key": str, "url": str, "site_id": str, "etag": str, "last_modified": str,
                    "fingerprint": str, "last_checked": str, "last_changed": str,
                    "next_visit": str, "checks": int, "changes": int, "last_status": int,
                    "last_capture_id": int, "listed_at": str, "gone_at": str, "gone_reason": str},
        "pk": "url_key",
    },
    # Issue #11: traps the crawler recognised and stopped (crawler/traps.py).
    "crawl_stops": {
        "columns": {"id": int, "run_id": int, "site_id": str, "pattern": str, "kind": str,
                    "reason": str, "example_url": str, "requests": int, "refused": int},
        "pk": "id",
    },
    "site_status": {
        "columns": {"site_id": str, "last_run": str, "last_success": str, "run_id": int,
                    "reports_found": int, "errors": int, "status": str, "detail": str},
        "pk": "site_id",
    },
    "nightly_runs": {
        "columns": {"id": int, "started": str, "ended": str, "sites": int, "requests": int,
                    "list_requests": int, "report_requests": int, "report_bodies": int,
                    "not_modified": int, "skipped": int, "reports_found": int, "reports_new": int,
                    "reports_updated": int, "versions_new": int, "withdrawn": int, "errors": int,
                    "failed_sites": str, "broken_sites": str, "status": str, "summary": str,
                    "seconds": float},
        "pk": "id",
    },
    # Issue #15, written by archive.derive.personal: personal data found in report texts
    # (never the raw value), masked copies of those texts, and which text was scanned.
    "personal_data": {
        "columns": {"report_id": str, "start": int, "end": int, "kind": str, "masked": str,
                    "context": str, "value_sha256": str},
        "pk": ("report_id", "start"),
    },
    "reports_masked": {
        "columns": {"report_id": str, "text": str, "findings": int, "kinds": str},
        "pk": "report_id",
    },
    "personal_scans": {
        "columns": {"report_id": str, "text_sha256": str, "findings": int, "scanned_at": str},
        "pk": "report_id",
    },
    # Issue #15, written by archive.derive.similar: copy-paste detection.
    "skeleton_units": {
        "columns": {"unit_key": str, "corpus": int},
        "pk": "unit_key",
    },
    "skeleton_shingles": {"columns": {"hash": int}, "pk": "hash"},
    "minhashes": {
        "columns": {"report_id": str, "raw_sha256": str, "text_sha256": str, "shingles": int,
                    "signature": bytes, "hashed_at": str},
        "pk": "report_id",
    },
    "minhash_bands": {
        "columns": {"report_id": str, "band": int, "bucket": int},
        "pk": ("report_id", "band"),
    },
    "similar_reports": {
        "columns": {"report_a": str, "report_b": str, "jaccard": float, "same_body": int,
                    "shared": str},
        "pk": ("report_a", "report_b"),
    },
    "self_copies": {
        "columns": {"report_id": str, "previous_id": str, "county": str, "town": str,
                    "year": int, "previous_year": int, "jaccard": float},
        "pk": "report_id",
    },
    "copy_clusters": {
        "columns": {"report_id": str, "cluster_id": str, "size": int, "bodies": int},
        "pk": "report_id",
    },
    # Issue #15, written by archive.derive.hijack: how a page was hijacked (one row per
    # capture and kind of evidence), which captures were scanned, and what a substituted
    # spam token stood for (the restored text beside the stored one).
    "hijack_evidence": {
        "columns": {"capture_id": int, "kind": str, "url": str, "url_key": str,
                    "site_id": str, "fetched_at": str, "snippet": str, "genuine_host": str},
        "pk": ("capture_id", "kind"),
    },
    "hijack_scans": {
        "columns": {"capture_id": int, "evidence": int},
        "pk": "capture_id",
    },
    "report_substitutions": {
        "columns": {"report_id": str, "token": str, "phrase": str, "confidence": float,
                    "occurrences": int, "explained": int, "alternatives": str,
                    "restored_title": str, "restored_text": str},
        "pk": ("report_id", "token"),
    },
}

# Optional capture columns written by the crawler (crawler/wire.py), see Archive.add_capture.
WIRE_COLUMNS = ("kind", "conditional", "raw_sha256", "raw_size", "warc_file", "warc_offset",
                "warc_length", "warc_record_id", "warc_type")

INDEXES = [
    ("captures", ["url_key"]),
    ("captures", ["sha256"]),
    ("captures", ["run_id"]),
    ("reports", ["town"]),
    ("reports", ["report_year"]),
    ("reports", ["published"]),
    ("reports", ["format"]),
    ("reports", ["tampered"]),
    ("reports", ["province"]),
    ("reports", ["county"]),
    ("report_urls", ["url_key"]),
    ("attachments", ["report_id"]),
    ("url_state", ["site_id"]),
    ("captures", ["raw_sha256"]),
    ("figures", ["table", "row_key", "column_key"]),
    ("checks", ["check", "status"]),
    ("coverage", ["status"]),
    ("coverage_bodies", ["site_id", "town"]),
    ("reports", ["site_id"]),
    ("reports", ["division_code"]),
    ("personal_data", ["kind"]),
    ("minhash_bands", ["band", "bucket"]),
    ("similar_reports", ["report_b"]),
    ("similar_reports", ["jaccard"]),
    ("hijack_evidence", ["url_key"]),
    ("hijack_evidence", ["site_id"]),
    ("copy_clusters", ["cluster_id"]),
    ("reports", ["template"]),  # a facet of the reports table page
]

# Covering indexes for the pages (issue #14): a `reports` row holds the whole text, so a
# page that joins many reports for their place and year would read every row's pages; these
# hold what the coverage grid, the requests chart, the compare page and the facets read.
NAMED_INDEXES = [
    ("idx_reports_card", "reports",
     ["id", "report_year", "division_province", "division_county", "division_township", "town",
      "county", "tampered", "withdrawn_at", "first_seen", "title"]),
    ("idx_figures_totals", "figures", ["column_key", "table", "row_key", "report_id", "value"]),
]

# Declared so Datasette links rows across tables; SQLite does not enforce them here.
FOREIGN_KEYS: dict[str, list[tuple[str, str, str]]] = {
    "captures": [("sha256", "blobs", "sha256"), ("run_id", "crawl_runs", "id"),
                 ("site_id", "sites", "id")],
    "reports": [("capture_id", "captures", "id"), ("site_id", "sites", "id")],
    "report_urls": [("report_id", "reports", "id"), ("capture_id", "captures", "id")],
    "section_spans": [("report_id", "reports", "id")],
    "crawl_runs": [("site_id", "sites", "id")],
    "crawl_stops": [("run_id", "crawl_runs", "id"), ("site_id", "sites", "id")],
    "attachments": [("report_id", "reports", "id"), ("capture_id", "captures", "id"),
                    ("sha256", "blobs", "sha256")],
    "report_versions": [("report_id", "reports", "id")],
    "url_state": [("site_id", "sites", "id"), ("last_capture_id", "captures", "id")],
    "site_status": [("site_id", "sites", "id"), ("run_id", "crawl_runs", "id")],
    "figures": [("report_id", "reports", "id")],
    "checks": [("report_id", "reports", "id")],
    "figure_sources": [("report_id", "reports", "id")],
    "coverage": [("site_id", "sites", "id"), ("report_id", "reports", "id")],
    "coverage_bodies": [("site_id", "sites", "id"), ("report_id", "reports", "id")],
    "personal_data": [("report_id", "reports", "id")],
    "reports_masked": [("report_id", "reports", "id")],
    "personal_scans": [("report_id", "reports", "id")],
    "minhashes": [("report_id", "reports", "id")],
    "minhash_bands": [("report_id", "reports", "id")],
    "similar_reports": [("report_a", "reports", "id"), ("report_b", "reports", "id")],
    "self_copies": [("report_id", "reports", "id"), ("previous_id", "reports", "id")],
    "copy_clusters": [("report_id", "reports", "id")],
    "hijack_evidence": [("capture_id", "captures", "id")],
    "report_substitutions": [("report_id", "reports", "id")],
}


SCHEMA_VERSION = 3

SECTIONS_VIEW = """CREATE VIEW sections AS
SELECT s.report_id, s.ordinal, s.level, s.heading,
       CASE WHEN s.text_start IS NULL THEN s.text
            ELSE substr(r.text, s.text_start + 1, s.text_end - s.text_start) END AS text
FROM section_spans s LEFT JOIN reports r ON r.id = s.report_id"""


def section_spans(rid: str, text: str | None,
                  sections: Sequence[tuple[int, str, str]]) -> list[dict[str, Any]]:
    """`section_spans` rows for (level, heading, text) sections of a report whose stored
    text is `text`: each section's text located in it, in order, else kept verbatim."""
    out, cursor, body = [], 0, text or ""
    for ordinal, (level, heading, section_text) in enumerate(sections, start=1):
        row: dict[str, Any] = {"report_id": rid, "ordinal": ordinal, "level": level,
                               "heading": heading, "text_start": None, "text_end": None,
                               "text": section_text}
        at = body.find(section_text, cursor) if section_text else -1
        if at < 0 and section_text:
            at = body.find(section_text)
        if at >= 0:
            row.update(text_start=at, text_end=at + len(section_text), text=None)
            cursor = at + len(section_text)
        out.append(row)
    return out


def schema_version(db: sqlite_utils.Database) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite_utils.Database) -> None:
    """Apply the numbered changes an older archive lacks (before the tables are ensured)."""
    kind = db.execute("SELECT type FROM sqlite_master WHERE name = 'sections'").fetchone()
    if kind is not None and kind[0] == "table":
        migrate_sections(db)
    if schema_version(db) < 3 and has_table(db, "report_versions") and has_table(db, "reports"):
        shared = share_report_texts(db)
        if shared:
            log.info("schema 3: %d version texts stored twice are now read from their "
                     "report; VACUUM returns the space to the disk", shared)


def has_table(db: sqlite_utils.Database, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                      [name]).fetchone() is not None


def migrate_sections(db: sqlite_utils.Database) -> None:
    """Version 2: `sections` (a table holding every section's text) -> `section_spans`."""
    spans = db.table("section_spans")
    spec = TABLES["section_spans"]
    spans.create(spec["columns"], pk=spec["pk"], if_not_exists=True,
                 foreign_keys=FOREIGN_KEYS.get("section_spans"))
    ids = [rid for (rid,) in db.execute("SELECT DISTINCT report_id FROM sections")]
    for rid in ids:
        row = db.execute("SELECT text FROM reports WHERE id = ?", [rid]).fetchone()
        parts = db.execute("SELECT level, heading, text FROM sections WHERE report_id = ? "
                           "ORDER BY ordinal", [rid]).fetchall()
        spans.insert_all(section_spans(rid, row[0] if row else None,
                                       [(lv, h, t or "") for lv, h, t in parts]))
    db.execute("DROP TABLE sections")


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create missing tables, indexes and foreign keys; safe to run on every open."""
    if schema_version(db) < SCHEMA_VERSION:
        migrate(db)
    for name, spec in TABLES.items():
        table = db.table(name)
        table.create(spec["columns"], pk=spec["pk"], if_not_exists=True,
                     foreign_keys=FOREIGN_KEYS.get(name))
        add_missing_columns(table, spec["columns"])
    for name, columns in INDEXES:
        db.table(name).create_index(columns, if_not_exists=True)
    for index, name, columns in NAMED_INDEXES:
        db.table(name).create_index(columns, index_name=index, if_not_exists=True)
    ensure_dirty_tracking(db)
    ensure_attachment_links(db)
    ensure_version_triggers(db)
    if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'sections'").fetchone():
        db.execute(SECTIONS_VIEW)
    if schema_version(db) < SCHEMA_VERSION:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def add_missing_columns(table: Table, columns: Mapping[str, Any]) -> None:
    """Bring a table made by an older version up to date (new columns are empty)."""
    present = set(table.columns_dict)
    for column, kind in columns.items():
        if column not in present:
            table.add_column(column, kind)
