"""The archive's SQLite file, written with sqlite-utils.

Everything the crawler fetches lands in `captures` (raw bodies are content-addressed
in `blobs`, zlib-compressed). Parsed reports land in `reports`, `sections` and
`report_urls`. Writes are idempotent: saving the same report twice changes nothing
but `last_seen`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlite_utils
from w3lib.url import canonicalize_url

from archive import versions
from archive.records import Report
from archive.search import connect as connect_search
from archive.search import enable_search

DEFAULT_DB = "data/nianbao.db"

# Fields of a report row that come from the parser; a change in any of them is an update.
CONTENT_FIELDS = (
    "url", "title", "title_raw", "town", "county", "province", "report_year", "published",
    "signed", "source", "format", "tampered", "spam_terms", "text", "platform", "index_no",
)

TABLES: dict[str, dict[str, Any]] = {
    "sites": dict(
        columns={"id": str, "name": str, "province": str, "city": str, "county": str,
                 "town": str, "start_urls": str, "registered": str},
        pk="id",
    ),
    "blobs": dict(columns={"sha256": str, "size": int, "body": bytes}, pk="sha256"),
    "crawl_runs": dict(
        columns={"id": int, "started": str, "ended": str, "site_id": str, "start_urls": str,
                 "pages": int, "reports_found": int, "reports_new": int,
                 "reports_updated": int, "errors": int, "status": str, "error_detail": str},
        pk="id",
    ),
    "captures": dict(
        columns={"id": int, "url": str, "url_key": str, "fetched_at": str, "status": int,
                 "headers": str, "content_type": str, "size": int, "sha256": str,
                 "error": str, "note": str, "run_id": int, "site_id": str,
                 "referrer": str, "link_text": str, "kind": str, "conditional": int,
                 "raw_sha256": str, "raw_size": int, "warc_file": str, "warc_offset": int,
                 "warc_length": int, "warc_record_id": str, "warc_type": str},
        pk="id",
    ),
    "reports": dict(
        columns={"id": str, "url": str, "title": str, "title_raw": str, "town": str,
                 "county": str, "province": str, "report_year": int, "published": str,
                 "signed": str, "source": str, "format": str, "tampered": int,
                 "spam_terms": str, "text": str, "platform": str, "index_no": str,
                 "site_id": str, "capture_id": int, "first_seen": str, "last_seen": str,
                 "withdrawn_at": str, "withdrawn_reason": str,
                 # derived by archive.figures.store (issue #6)
                 "template": str, "table_images": int, "division_code": str,
                 "division_level": str, "division_match": str, "division_province": str,
                 "division_city": str, "division_county": str, "division_township": str},
        pk="id",
    ),
    "report_urls": dict(
        columns={"report_id": str, "url_key": str, "url": str, "capture_id": int,
                 "first_seen": str, "last_seen": str},
        pk=("report_id", "url_key"),
    ),
    "sections": dict(
        columns={"report_id": str, "ordinal": int, "level": int, "heading": str, "text": str},
        pk=("report_id", "ordinal"),
    ),
    # Written by archive.attachments (the derive step): one row per attachment URL, and
    # one cached extraction per distinct file body.
    "attachments": dict(
        columns={"id": str, "report_id": str, "capture_id": int, "url": str, "filename": str,
                 "mime": str, "kind": str, "bytes": int, "sha256": str, "pages": int,
                 "text_chars": int, "extractor": str, "status": str, "error": str,
                 "referrer": str, "link_text": str, "main": int, "site_id": str},
        pk="id",
    ),
    "extractions": dict(
        columns={"sha256": str, "settings": str, "kind": str, "status": str, "error": str,
                 "pages": int, "text_chars": int, "extractor": str, "seconds": float,
                 "result": bytes, "extracted_at": str},
        pk="sha256",
    ),
    # Issue #6, written by archive.figures.store (the derive step): every cell of the
    # standard tables and every narrative figure, the checks, where the figures were read
    # from, and the coverage ledger.
    "figures": dict(
        columns={"report_id": str, "table": str, "row_key": str, "column_key": str,
                 "value": "ANY", "unit": str, "raw": str, "source": str, "sentence": str},
        pk=("report_id", "table", "row_key", "column_key"),
    ),
    "checks": dict(
        columns={"report_id": str, "check": str, "status": str, "detail": str},
        pk=("report_id", "check"),
    ),
    "figure_sources": dict(
        columns={"report_id": str, "source": str, "input": str, "input_key": str,
                 "template": str, "table_images": int, "figures": int, "notes": str,
                 "derived_at": str},
        pk="report_id",
    ),
    "coverage": dict(
        columns={"site_id": str, "town": str, "year": int, "division_code": str,
                 "report_id": str, "status": str, "detail": str},
        pk=("site_id", "town", "year"),
    ),
    # Issue #4: every text a report had, the crawl schedule per URL, health per site, and
    # one row per `nianbao nightly` (archive/versions.py, freshness.py, health.py, nightly.py).
    "report_versions": dict(
        columns={"report_id": str, "version": int, "text_sha256": str, "first_seen": str,
                 "last_seen": str, "capture_ids": str, "url": str, "text": str},
        pk=("report_id", "version"),
    ),
    "url_state": dict(
        columns={"url_key": str, "url": str, "site_id": str, "etag": str, "last_modified": str,
                 "fingerprint": str, "last_checked": str, "last_changed": str,
                 "next_visit": str, "checks": int, "changes": int, "last_status": int,
                 "last_capture_id": int, "listed_at": str, "gone_at": str, "gone_reason": str},
        pk="url_key",
    ),
    "site_status": dict(
        columns={"site_id": str, "last_run": str, "last_success": str, "run_id": int,
                 "reports_found": int, "errors": int, "status": str, "detail": str},
        pk="site_id",
    ),
    "nightly_runs": dict(
        columns={"id": int, "started": str, "ended": str, "sites": int, "requests": int,
                 "list_requests": int, "report_requests": int, "report_bodies": int,
                 "not_modified": int, "skipped": int, "reports_found": int, "reports_new": int,
                 "reports_updated": int, "versions_new": int, "withdrawn": int, "errors": int,
                 "failed_sites": str, "broken_sites": str, "status": str, "summary": str,
                 "seconds": float},
        pk="id",
    ),
}

# Optional capture columns written by the crawler (crawler/wire.py), see add_capture.
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
    ("reports", ["division_code"]),
]

# Declared so Datasette links rows across tables; SQLite does not enforce them here.
FOREIGN_KEYS: dict[str, list[tuple[str, str, str]]] = {
    "captures": [("sha256", "blobs", "sha256"), ("run_id", "crawl_runs", "id"),
                 ("site_id", "sites", "id")],
    "reports": [("capture_id", "captures", "id"), ("site_id", "sites", "id")],
    "report_urls": [("report_id", "reports", "id"), ("capture_id", "captures", "id")],
    "sections": [("report_id", "reports", "id")],
    "crawl_runs": [("site_id", "sites", "id")],
    "attachments": [("report_id", "reports", "id"), ("capture_id", "captures", "id"),
                    ("sha256", "blobs", "sha256")],
    "report_versions": [("report_id", "reports", "id")],
    "url_state": [("site_id", "sites", "id"), ("last_capture_id", "captures", "id")],
    "site_status": [("site_id", "sites", "id"), ("run_id", "crawl_runs", "id")],
    "figures": [("report_id", "reports", "id")],
    "checks": [("report_id", "reports", "id")],
    "figure_sources": [("report_id", "reports", "id")],
    "coverage": [("site_id", "sites", "id"), ("report_id", "reports", "id")],
}


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def url_key(url: str) -> str:
    """One key per page however its URL is spelled: sorted query, no fragment."""
    return canonicalize_url(url, keep_fragments=False)


def report_id(report: Report) -> str:
    """A stable identity for a report, independent of the URL it was found under.

    The same report served under a column path and a catalogue path, or mirrored on a
    hijacked host, has the same body, year and clean title, so it gets one id.
    """
    title = re.sub(r"[\s\W_]+", "", report.title or "")
    parts = [report.town or "", str(report.report_year or ""), title]
    if not report.town and not report.report_year:
        parts.append(url_key(report.url))
    return hashlib.sha1("|".join(parts).encode("utf-8")).hexdigest()[:16]


def _preferred(current: Mapping[str, Any], candidate: Mapping[str, Any]) -> bool:
    """Should the candidate copy of a report replace the stored one as its main copy?

    A genuine copy beats a tampered mirror; otherwise the first URL in sort order wins,
    so the choice does not depend on the order pages happened to be fetched in.
    """
    if bool(current["tampered"]) != bool(candidate["tampered"]):
        return not candidate["tampered"]
    return url_key(candidate["url"]) <= url_key(current["url"])


@dataclass
class StoredBody:
    capture_id: int
    url: str
    fetched_at: str
    status: int | None
    headers: dict[str, str]
    body: bytes | None
    site_id: str | None


class Archive:
    """The SQLite archive. Open it, write captures and reports, read them back."""

    def __init__(self, path: str | Path = DEFAULT_DB, *, recreate: bool = False):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = open_database(self.path, recreate=recreate)
        with self.transaction():
            ensure_schema(self.db)
        enable_search(self.db)  # FTS tables and triggers; commits on its own

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Commit on leaving the outermost block, roll back on error; blocks nest."""
        with self.db.atomic():
            yield

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sites and runs -------------------------------------------------------------------

    def register_site(self, site: Mapping[str, Any]) -> None:
        row = {k: site.get(k) for k in ("id", "name", "province", "city", "county", "town")}
        row["start_urls"] = json.dumps(list(site.get("start_urls") or []), ensure_ascii=False)
        row["registered"] = now_iso()
        with self.transaction():
            self.db["sites"].upsert(row, pk="id")

    def site(self, site_id: str | None) -> dict[str, Any] | None:
        if not site_id:
            return None
        rows = list(self.db["sites"].rows_where("id = ?", [site_id]))
        return rows[0] if rows else None

    def start_run(self, site_id: str | None, start_urls: list[str]) -> int:
        row = {"started": now_iso(), "site_id": site_id, "status": "running",
               "start_urls": json.dumps(start_urls, ensure_ascii=False)}
        with self.transaction():
            return int(self.db["crawl_runs"].insert(row).last_pk)

    def finish_run(self, run_id: int, **counts: Any) -> None:
        counts.setdefault("ended", now_iso())
        with self.transaction():
            self.db["crawl_runs"].update(run_id, counts)

    # -- captures ------------------------------------------------------------------------

    def add_capture(self, url: str, *, status: int | None, headers: Mapping[str, str] | None,
                    body: bytes | None, run_id: int | None = None, site_id: str | None = None,
                    error: str | None = None, note: str | None = None,
                    fetched_at: str | None = None, referrer: str | None = None,
                    link_text: str | None = None, **wire: Any) -> int:
        """Store one fetch (or failed fetch) and return its capture id. Commits at once.

        `referrer` is the page that linked the URL and `link_text` the link's label
        (attachments are tied to their report page through them). `wire` holds the
        crawl's extra columns: `kind` (the request's role), `conditional`, `raw_sha256` and
        `raw_size` (bytes as received, before content decoding) and the `warc_*` location."""
        headers = dict(headers or {})
        row: dict[str, Any] = {
            "url": url, "url_key": url_key(url), "fetched_at": fetched_at or now_iso(),
            "status": status, "headers": json.dumps(headers, ensure_ascii=False),
            "content_type": _header(headers, "content-type"), "error": error, "note": note,
            "run_id": run_id, "site_id": site_id, "size": None, "sha256": None,
            "referrer": referrer, "link_text": link_text or None,
            **{k: v for k, v in wire.items() if k in WIRE_COLUMNS},
        }
        with self.transaction():
            if body is not None:
                row["sha256"] = self._put_blob(body)
                row["size"] = len(body)
            return int(self.db["captures"].insert(row).last_pk)

    def _put_blob(self, body: bytes) -> str:
        digest = hashlib.sha256(body).hexdigest()
        self.db.execute(
            "INSERT OR IGNORE INTO blobs (sha256, size, body) VALUES (?, ?, ?)",
            [digest, len(body), zlib.compress(body, 6)],
        )
        return digest

    def note_capture(self, capture_id: int, note: str) -> None:
        with self.transaction():
            self.db["captures"].update(capture_id, {"note": note})

    def capture_time(self, capture_id: int | None) -> str | None:
        """When a capture was fetched (None for an unknown id)."""
        row = self.db.execute("SELECT fetched_at FROM captures WHERE id = ?",
                              [capture_id]).fetchone()
        return row[0] if row else None

    def capture_body(self, capture_id: int) -> bytes | None:
        row = self.db.execute(
            "SELECT b.body FROM captures c JOIN blobs b ON b.sha256 = c.sha256 WHERE c.id = ?",
            [capture_id],
        ).fetchone()
        return zlib.decompress(row[0]) if row and row[0] is not None else None

    def iter_bodies(self, *, ok_only: bool = True) -> Iterator[StoredBody]:
        """Every stored capture with its body, oldest first."""
        where = "WHERE c.status BETWEEN 200 AND 299" if ok_only else ""
        sql = (
            "SELECT c.id, c.url, c.fetched_at, c.status, c.headers, b.body, c.site_id "
            f"FROM captures c LEFT JOIN blobs b ON b.sha256 = c.sha256 {where} "
            "ORDER BY c.fetched_at, c.id"
        )
        for cid, url, fetched_at, status, headers, body, site_id in self.db.execute(sql):
            yield StoredBody(cid, url, fetched_at, status, json.loads(headers or "{}"),
                             zlib.decompress(body) if body is not None else None, site_id)

    # -- reports -------------------------------------------------------------------------

    def save_report(self, report: Report, *, capture_id: int | None, site_id: str | None = None,
                    seen_at: str | None = None) -> str:
        """Upsert one parsed report; returns "new", "updated" or "unchanged"."""
        seen_at = seen_at or now_iso()
        row = self._report_row(report, site_id)
        rid = row["id"]
        with self.transaction():
            existing = self._get_report(rid)
            self._touch_url(rid, report.url, capture_id, seen_at)
            if existing is None:
                row.update(capture_id=capture_id, first_seen=seen_at, last_seen=seen_at)
                self.db["reports"].insert(row)
                self._write_sections(rid, report)
                self._note_text(rid, report, capture_id, seen_at)
                return "new"
            last_seen = max(existing["last_seen"] or seen_at, seen_at)
            other_copy = existing["url"] != row["url"]
            if other_copy and not _preferred(existing, row):
                self.db["reports"].update(rid, {"last_seen": last_seen})
                return "unchanged"
            self._note_text(rid, report, capture_id, seen_at)
            changed = [f for f in CONTENT_FIELDS if existing.get(f) != row.get(f)]
            if not changed:
                self.db["reports"].update(rid, {"last_seen": last_seen})
                return "unchanged"
            row.update(capture_id=capture_id, last_seen=last_seen)
            self.db["reports"].update(rid, row)
            self._write_sections(rid, report)
            # Switching to an identical copy under another URL is not an edit.
            return "unchanged" if changed == ["url"] else "updated"

    def _note_text(self, rid: str, report: Report, capture_id: int | None, seen_at: str) -> None:
        """Keep every text the report had (report_versions)."""
        versions.record_text(self.db, rid, report.text, url=report.url, capture_id=capture_id,
                             seen_at=seen_at)

    def _report_row(self, report: Report, site_id: str | None) -> dict[str, Any]:
        site = self.site(site_id) or {}
        town = report.town or (site.get("town") or None)
        if town != report.town:  # the id must not depend on who filled the town in
            report = dataclasses.replace(report, town=town)
        return {
            "id": report_id(report), "url": report.url, "title": report.title,
            "title_raw": report.title_raw, "town": town,
            "county": report.county or site.get("county") or None,
            "province": site.get("province") or None, "report_year": report.report_year,
            "published": report.published, "signed": report.signed, "source": report.source,
            "format": report.format, "tampered": int(report.tampered),
            "spam_terms": json.dumps(report.spam_terms, ensure_ascii=False),
            "text": report.text, "platform": report.platform, "index_no": report.index_no,
            "site_id": site_id,
        }

    def _get_report(self, rid: str) -> dict[str, Any] | None:
        rows = list(self.db["reports"].rows_where("id = ?", [rid]))
        return rows[0] if rows else None

    def add_report_url(self, rid: str, url: str, *, capture_id: int | None,
                       seen_at: str | None = None) -> None:
        """Record one more URL of a stored report without touching the report row."""
        with self.transaction():
            self._touch_url(rid, url, capture_id, seen_at or now_iso())

    def _touch_url(self, rid: str, url: str, capture_id: int | None, seen_at: str) -> None:
        key = url_key(url)
        self.db.execute(
            "INSERT INTO report_urls (report_id, url_key, url, capture_id, first_seen, last_seen) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (report_id, url_key) DO UPDATE SET "
            "capture_id = excluded.capture_id, last_seen = max(last_seen, excluded.last_seen)",
            [rid, key, url, capture_id, seen_at, seen_at],
        )

    def _write_sections(self, rid: str, report: Report) -> None:
        self.db.execute("DELETE FROM sections WHERE report_id = ?", [rid])
        rows = [
            {"report_id": rid, "ordinal": i, "level": s.level, "heading": s.heading,
             "text": s.text}
            for i, s in enumerate(report.sections, start=1)
        ]
        if rows:
            self.db["sections"].insert_all(rows)

    def clear_reports(self) -> None:
        """Drop every derived row (reports, sections, report_urls, report_versions: all
        rebuilt from the captures, oldest first); captures and url_state stay."""
        for table in ("sections", "report_urls", "report_versions", "reports"):
            self.db.execute(f"DELETE FROM [{table}]")

    def counts(self) -> dict[str, int]:
        return {name: self.db[name].count for name in TABLES}


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def open_database(path: str | Path, *, recreate: bool = False) -> sqlite_utils.Database:
    """Open the archive with WAL journaling and the Chinese tokenizer registered."""
    db = connect_search(path, recreate=recreate)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA busy_timeout=30000")
    return db


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create missing tables, indexes and foreign keys; safe to run on every open."""
    for name, spec in TABLES.items():
        db[name].create(spec["columns"], pk=spec["pk"], if_not_exists=True,
                        foreign_keys=FOREIGN_KEYS.get(name))
        add_missing_columns(db[name], spec["columns"])
    for table, columns in INDEXES:
        db[table].create_index(columns, if_not_exists=True)


def add_missing_columns(table: Any, columns: Mapping[str, Any]) -> None:
    """Bring a table made by an older version up to date (new columns are empty)."""
    present = set(table.columns_dict)
    for column, kind in columns.items():
        if column not in present:
            table.add_column(column, kind)
