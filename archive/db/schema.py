"""The archive's schema: tables, columns, indexes and foreign keys.

`ensure_schema` creates what is missing and adds columns that a newer version declares,
so an archive made by an older version opens without a migration step.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlite_utils
from sqlite_utils.db import Table

from archive.db.dirty import ensure_dirty_tracking

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
    "sections": {
        "columns": {"report_id": str, "ordinal": int, "level": int, "heading": str, "text": str},
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
    # URLs of the attachment files and of the pages that linked them (an incremental
    # derive reads the files again only when the run stored a capture of one of these).
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
]

# Declared so Datasette links rows across tables; SQLite does not enforce them here.
FOREIGN_KEYS: dict[str, list[tuple[str, str, str]]] = {
    "captures": [("sha256", "blobs", "sha256"), ("run_id", "crawl_runs", "id"),
                 ("site_id", "sites", "id")],
    "reports": [("capture_id", "captures", "id"), ("site_id", "sites", "id")],
    "report_urls": [("report_id", "reports", "id"), ("capture_id", "captures", "id")],
    "sections": [("report_id", "reports", "id")],
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


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create missing tables, indexes and foreign keys; safe to run on every open."""
    for name, spec in TABLES.items():
        table = db.table(name)
        table.create(spec["columns"], pk=spec["pk"], if_not_exists=True,
                     foreign_keys=FOREIGN_KEYS.get(name))
        add_missing_columns(table, spec["columns"])
    for name, columns in INDEXES:
        db.table(name).create_index(columns, if_not_exists=True)
    ensure_dirty_tracking(db)


def add_missing_columns(table: Table, columns: Mapping[str, Any]) -> None:
    """Bring a table made by an older version up to date (new columns are empty)."""
    present = set(table.columns_dict)
    for column, kind in columns.items():
        if column not in present:
            table.add_column(column, kind)
