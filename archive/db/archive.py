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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import sqlite_utils
from sqlite_utils.db import Table
from w3lib.url import canonicalize_url

from archive.db import versions
from archive.db.schema import (  # noqa: F401 - schema names are re-exported from here
    FOREIGN_KEYS,
    INDEXES,
    TABLES,
    WIRE_COLUMNS,
    add_missing_columns,
    ensure_schema,
)
from archive.parse.charset import header_value
from archive.records import Report
from archive.search import connect as connect_search
from archive.search import enable_search

DEFAULT_DB = "data/nianbao.db"

# Fields of a report row that come from the parser; a change in any of them is an update.
CONTENT_FIELDS = (
    "url", "title", "title_raw", "town", "county", "province", "report_year", "published",
    "signed", "source", "format", "tampered", "spam_terms", "text", "platform", "index_no",
)


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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
        self._sites: dict[str, dict[str, Any] | None] = {}
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

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sites and runs -------------------------------------------------------------------

    def register_site(self, site: Mapping[str, Any]) -> None:
        row = {k: site.get(k) for k in ("id", "name", "province", "city", "county", "town")}
        row["start_urls"] = json.dumps(list(site.get("start_urls") or []), ensure_ascii=False)
        row["registered"] = now_iso()
        with self.transaction():
            self.db.table("sites").upsert(row, pk="id")
        self._sites.pop(str(row["id"]), None)

    def site(self, site_id: str | None) -> dict[str, Any] | None:
        """The registered site (cached: every saved report asks for it)."""
        if not site_id:
            return None
        if site_id not in self._sites:
            rows = list(self.db.table("sites").rows_where("id = ?", [site_id]))
            self._sites[site_id] = rows[0] if rows else None
        return self._sites[site_id]

    def with_site_place(self, report: Report, site_id: str | None) -> Report:
        """The report with its site's town and county where the page did not say.

        Applied before the report id is computed, so the id does not depend on whether
        the crawl, a rebuild or the attachments step saved the report.
        """
        site = self.site(site_id) or {}
        town = report.town or site.get("town") or None
        county = report.county or site.get("county") or None
        if (town, county) == (report.town, report.county):
            return report
        return dataclasses.replace(report, town=town, county=county)

    def start_run(self, site_id: str | None, start_urls: list[str]) -> int:
        row = {"started": now_iso(), "site_id": site_id, "status": "running",
               "start_urls": json.dumps(start_urls, ensure_ascii=False)}
        with self.transaction():
            return _inserted_id(self.db.table("crawl_runs").insert(row))

    def finish_run(self, run_id: int, **counts: Any) -> None:
        counts.setdefault("ended", now_iso())
        with self.transaction():
            self.db.table("crawl_runs").update(run_id, counts)

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
            "content_type": header_value(headers, "content-type"), "error": error, "note": note,
            "run_id": run_id, "site_id": site_id, "size": None, "sha256": None,
            "referrer": referrer, "link_text": link_text or None,
            **{k: v for k, v in wire.items() if k in WIRE_COLUMNS},
        }
        with self.transaction():
            if body is not None:
                row["sha256"] = self._put_blob(body)
                row["size"] = len(body)
            return _inserted_id(self.db.table("captures").insert(row))

    def _put_blob(self, body: bytes) -> str:
        digest = hashlib.sha256(body).hexdigest()
        self.db.execute(
            "INSERT OR IGNORE INTO blobs (sha256, size, body) VALUES (?, ?, ?)",
            [digest, len(body), zlib.compress(body, 6)],
        )
        return digest

    def note_capture(self, capture_id: int, note: str) -> None:
        with self.transaction():
            self.db.table("captures").update(capture_id, {"note": note})

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
                self.db.table("reports").insert(row)
                self._write_sections(rid, report)
                self._note_text(rid, report, capture_id, seen_at)
                return "new"
            last_seen = max(existing["last_seen"] or seen_at, seen_at)
            other_copy = existing["url"] != row["url"]
            if other_copy and not _preferred(existing, row):
                self.db.table("reports").update(rid, {"last_seen": last_seen})
                return "unchanged"
            self._note_text(rid, report, capture_id, seen_at)
            changed = [f for f in CONTENT_FIELDS if existing.get(f) != row.get(f)]
            if not changed:
                self.db.table("reports").update(rid, {"last_seen": last_seen})
                return "unchanged"
            row.update(capture_id=capture_id, last_seen=last_seen)
            self.db.table("reports").update(rid, row)
            self._write_sections(rid, report)
            # Switching to an identical copy under another URL is not an edit.
            return "unchanged" if changed == ["url"] else "updated"

    def _note_text(self, rid: str, report: Report, capture_id: int | None, seen_at: str) -> None:
        """Keep every text the report had (report_versions)."""
        versions.record_text(self.db, rid, report.text, url=report.url, capture_id=capture_id,
                             seen_at=seen_at)

    def _report_row(self, report: Report, site_id: str | None) -> dict[str, Any]:
        site = self.site(site_id) or {}
        report = self.with_site_place(report, site_id)
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

    def _get_report(self, rid: str) -> dict[str, Any] | None:
        rows = list(self.db.table("reports").rows_where("id = ?", [rid]))
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
            self.db.table("sections").insert_all(rows)

    def clear_reports(self) -> None:
        """Drop every derived row (reports, sections, report_urls, report_versions: all
        rebuilt from the captures, oldest first); captures and url_state stay."""
        for table in ("sections", "report_urls", "report_versions", "reports"):
            self.db.execute(f"DELETE FROM [{table}]")

    def counts(self) -> dict[str, int]:
        return {name: self.db[name].count for name in TABLES}


def _inserted_id(table: Table) -> int:
    """The integer primary key of the row `table.insert(...)` just wrote."""
    if table.last_pk is None:
        raise RuntimeError(f"no primary key after inserting into {table.name}")
    return int(table.last_pk)


def open_database(path: str | Path, *, recreate: bool = False) -> sqlite_utils.Database:
    """Open the archive with WAL journaling and the Chinese tokenizer registered."""
    db = connect_search(path, recreate=recreate)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA busy_timeout=30000")
    return db
