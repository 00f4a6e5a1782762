"""`captures` and `blobs`: every fetch the crawler made, and the bytes it received.

A capture row is one request's outcome (any status, or a failed download with `error`);
its decoded body is stored once in `blobs`, zlib-compressed, addressed by SHA-256.
This module is the only place that reads or writes these two tables. "The newest capture
of a URL" always means the one with the highest id: ids are handed out in fetch order,
whatever clock stamped `fetched_at`.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from archive.clock import now_iso
from archive.db import rows
from archive.db.keys import url_key
from archive.db.schema import WIRE_COLUMNS
from archive.parse.charset import header_value

OK_STATUS = "status BETWEEN 200 AND 299"
# A page fetched a second time as a search-engine spider (crawler/cloak.py): stored under
# a url_key of its own so the URL's history, schedule and withdrawals never see it.
PROBE_KIND = "cloak"
PROBE_KEY_PREFIX = "cloak:"
NEWEST_FIRST = "id DESC"


@dataclass
class StoredBody:
    capture_id: int
    url: str
    fetched_at: str
    status: int | None
    headers: dict[str, str]
    body: bytes | None
    site_id: str | None
    kind: str | None = None  # the crawler's role for the request (PROBE_KIND: a probe)


@dataclass
class NewestPage:
    """The newest successful capture of a URL that has a body."""

    capture_id: int
    url: str
    sha256: str
    site_id: str | None
    headers: dict[str, str]
    note: str | None


def add_capture(db: sqlite_utils.Database, url: str, *, status: int | None,
                headers: Mapping[str, str] | None, body: bytes | None, run_id: int | None = None,
                site_id: str | None = None, error: str | None = None, note: str | None = None,
                fetched_at: str | None = None, referrer: str | None = None,
                link_text: str | None = None, capture_id: int | None = None, **wire: Any) -> int:
    """Store one fetch (or failed fetch); returns its id. The caller commits.

    `capture_id`: the id to store it under (a distributed crawl's workers take ids from
    Redis before the one writer stores their captures, archive/app/stream_ingest.py)."""
    headers = dict(headers or {})
    row: dict[str, Any] = {
        "url": url, "url_key": url_key(url), "fetched_at": fetched_at or now_iso(),
        "status": status, "headers": json.dumps(headers, ensure_ascii=False),
        "content_type": header_value(headers, "content-type"), "error": error, "note": note,
        "run_id": run_id, "site_id": site_id, "size": None, "sha256": None,
        "referrer": referrer, "link_text": link_text or None,
        **{k: v for k, v in wire.items() if k in WIRE_COLUMNS},
    }
    if row.get("kind") == PROBE_KIND:
        row["url_key"] = PROBE_KEY_PREFIX + row["url_key"]
    if body is not None:
        row["sha256"] = put_blob(db, body)
        row["size"] = len(body)
    if capture_id is not None:
        row["id"] = capture_id
    return rows.insert(db, "captures", row)


# zlib level 1: on report pages (~26 KiB of HTML) 2.5x faster than level 6 for 8% more
# bytes; the one writer compresses every fetched page (docs/scale.md).
BLOB_LEVEL = 1


def put_blob(db: sqlite_utils.Database, body: bytes) -> str:
    """Store a body once (keyed by its SHA-256); a body already stored (a nightly's
    unchanged page) is not compressed again."""
    digest = hashlib.sha256(body).hexdigest()
    if db.execute("SELECT 1 FROM blobs WHERE sha256 = ?", [digest]).fetchone() is None:
        db.execute("INSERT OR IGNORE INTO blobs (sha256, size, body) VALUES (?, ?, ?)",
                   [digest, len(body), zlib.compress(body, BLOB_LEVEL)])
    return digest


def note_capture(db: sqlite_utils.Database, capture_id: int, note: str) -> None:
    rows.update(db, "captures", "id", capture_id, {"note": note})


def capture_time(db: sqlite_utils.Database, capture_id: int | None) -> str | None:
    row = db.execute("SELECT fetched_at FROM captures WHERE id = ?", [capture_id]).fetchone()
    return row[0] if row else None


def capture_body(db: sqlite_utils.Database, capture_id: int) -> bytes | None:
    row = db.execute(
        "SELECT b.body FROM captures c JOIN blobs b ON b.sha256 = c.sha256 WHERE c.id = ?",
        [capture_id]).fetchone()
    return zlib.decompress(row[0]) if row and row[0] is not None else None


def capture_headers(db: sqlite_utils.Database, capture_id: int | None) -> dict[str, str]:
    row = db.execute("SELECT headers FROM captures WHERE id = ?", [capture_id]).fetchone()
    return json.loads(row[0] or "{}") if row else {}


def capture_sha256(db: sqlite_utils.Database, capture_id: int | None) -> str | None:
    row = db.execute("SELECT sha256 FROM captures WHERE id = ?", [capture_id]).fetchone()
    return row[0] if row else None


def iter_bodies(db: sqlite_utils.Database, *, ok_only: bool = True, after_id: int = 0,
                probes: bool = False, inflate: bool = True) -> Iterator[StoredBody]:
    """Every stored capture with its body (with an id above `after_id`), oldest first;
    cloaking probes (`PROBE_KIND`) only with `probes`; `inflate=False`: the body as stored
    (zlib'd, for a worker process to inflate)."""
    where = f"WHERE c.id > {int(after_id)}" + (f" AND c.{OK_STATUS}" if ok_only else "")
    if not probes:
        where += f" AND coalesce(c.kind, '') != '{PROBE_KIND}'"
    sql = ("SELECT c.id, c.url, c.fetched_at, c.status, c.headers, b.body, c.site_id, c.kind "
           f"FROM captures c LEFT JOIN blobs b ON b.sha256 = c.sha256 {where} "
           "ORDER BY c.fetched_at, c.id")
    for cid, url, fetched_at, status, headers, body, site_id, kind in db.execute(sql):
        yield StoredBody(cid, url, fetched_at, status, json.loads(headers or "{}"),
                         zlib.decompress(body) if body is not None and inflate else body,
                         site_id, kind)


def newest_page(db: sqlite_utils.Database, key: str) -> NewestPage | None:
    """The newest successful capture with a body of the page keyed `key`."""
    row = db.execute(
        f"SELECT id, url, sha256, site_id, headers, note FROM captures WHERE url_key = ? "
        f"AND sha256 IS NOT NULL AND {OK_STATUS} ORDER BY {NEWEST_FIRST} LIMIT 1",
        [key]).fetchone()
    if row is None:
        return None
    cid, url, sha, site_id, headers, note = row
    return NewestPage(cid, url, sha, site_id, json.loads(headers or "{}"), note)


def seen_span(db: sqlite_utils.Database, key: str) -> tuple[str, str]:
    """When the page keyed `key` was first and last fetched successfully ("" if never)."""
    first, last = db.execute(f"SELECT min(fetched_at), max(fetched_at) FROM captures "
                             f"WHERE url_key = ? AND {OK_STATUS}", [key]).fetchone()
    return first or "", last or ""


def copies(db: sqlite_utils.Database, sha256: str, not_key: str) -> list[tuple[Any, ...]]:
    """Other URLs that served the same bytes: (url, newest capture id, first, last seen)."""
    return db.execute(
        f"SELECT url, max(id), min(fetched_at), max(fetched_at) FROM captures "
        f"WHERE sha256 = ? AND url_key != ? AND {OK_STATUS} GROUP BY url_key ORDER BY url_key",
        [sha256, not_key]).fetchall()


def earlier_response_record(db: sqlite_utils.Database, url: str,
                            raw_sha256: str) -> tuple[str, str, str] | None:
    """(WARC record id, url, fetched_at) of an earlier response with the same payload."""
    row = db.execute(
        "SELECT warc_record_id, url, fetched_at FROM captures WHERE url_key = ? "
        "AND raw_sha256 = ? AND warc_type = 'response' ORDER BY id LIMIT 1",
        [url_key(url), raw_sha256]).fetchone()
    return (row[0], row[1], row[2]) if row else None


FILE_URL_WORDS = (".pdf", ".doc", ".wps", ".xls", ".et", ".ofd", ".rtf")
# Pages are skipped in SQL (most captures); files sent as text/html are kept by their URL.
FILE_CANDIDATES_SQL = f"""
SELECT id, url, url_key, fetched_at, status, headers, content_type, size, sha256, error,
       referrer, link_text, site_id
FROM captures
WHERE NOT ({OK_STATUS} AND lower(coalesce(content_type, '')) LIKE 'text/html%'
           AND lower(headers) NOT LIKE '%content-disposition%')
   OR {" OR ".join(f"lower(url) LIKE '%{word}%'" for word in FILE_URL_WORDS)}
ORDER BY fetched_at, id
"""
SOME_FILE_CANDIDATES_SQL = FILE_CANDIDATES_SQL.replace(
    "FROM captures\nWHERE ",
    "FROM captures\nWHERE url_key IN (SELECT value FROM json_each(?)) AND (").replace(
    "\nORDER BY", ")\nORDER BY")


def file_candidates(db: sqlite_utils.Database,
                    keys: set[str] | None = None) -> Iterator[tuple[Any, ...]]:
    """Captures that may be files (every capture but successful plain HTML pages), oldest
    first, with their headers decoded; with `keys`, only captures of those URL keys."""
    if keys is None:
        rows = db.execute(FILE_CANDIDATES_SQL)
    else:
        rows = db.execute(SOME_FILE_CANDIDATES_SQL, [json.dumps(sorted(keys))])
    for row in rows:
        yield (*row[:5], json.loads(row[5] or "{}"), *row[6:])


def framed_pages(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    """(page URL, frame URL) of the pages whose frame the crawler fetched as their
    report's (captures of kind `report_frame` with a referrer), one pair per page, in
    order."""
    return list(db.execute(
        "SELECT referrer, min(url) FROM captures WHERE kind = 'report_frame' "
        "AND referrer IS NOT NULL GROUP BY referrer ORDER BY referrer"))


REQUESTS_SQL = """
SELECT count(*),
       sum(kind IN ('start', 'nav', 'page', 'frame')),
       sum(kind = 'candidate'),
       sum(kind = 'candidate' AND sha256 IS NOT NULL AND status BETWEEN 200 AND 299),
       sum(status = 304)
FROM captures WHERE run_id BETWEEN ? AND ?
"""
REQUEST_COUNTS = ("requests", "list_requests", "report_requests", "report_bodies",
                  "not_modified")


def request_counts(db: sqlite_utils.Database, run_ids: list[int]) -> dict[str, int]:
    """What the crawl runs `run_ids` asked for: requests, list pages, report bodies, 304s."""
    if not run_ids:
        return dict.fromkeys(REQUEST_COUNTS, 0)
    row = db.execute(REQUESTS_SQL, [min(run_ids), max(run_ids)]).fetchone()
    return {name: int(value or 0) for name, value in zip(REQUEST_COUNTS, row, strict=True)}
