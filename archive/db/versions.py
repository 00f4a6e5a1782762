"""Every text a report ever had: `report_versions`, and the diff between two of them.

A version is one normalised text of a report (whitespace folded, empty lines dropped):
the same text seen again only moves `last_seen` and adds the capture to `capture_ids`;
a different text becomes the next version. Versions follow the report's preferred copy
(`reports.url`), so a tampered mirror never adds versions while the genuine page is known;
when the preferred copy changes (a genuine page found after its mirror) and its text
differs, that is a version too, and `url` says where each text came from.

A text is stored once (schema 3): a version whose text is exactly the report's current
text (`reports.text`) keeps `text` NULL and is read from the report; only texts the report
no longer holds (superseded versions) are stored in `report_versions.text`. Readers use
`VERSION_TEXT` (`coalesce(v.text, r.text)`). SQL triggers keep that true for any writer,
nianbao or not (`VERSION_TRIGGERS`): before a report's text changes, or the report row is
deleted or replaced, its versions that shared the text get their own copy of it; after a
report's text is written, or a version is inserted, a version text equal to the report's
is cleared.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from archive.errors import VersionNotFoundError

SPACES = re.compile(r"[ \t\u3000\u00a0]+")


@dataclass
class Version:
    report_id: str
    version: int
    text_sha256: str
    first_seen: str
    last_seen: str
    capture_ids: list[int]
    url: str | None
    text: str


# A version's text, for a query over `report_versions v LEFT JOIN reports r ON r.id = v.report_id`.
VERSION_TEXT = "coalesce(v.text, r.text)"

# Statements run on every open (archive.db.schema.ensure_schema); CREATE ... IF NOT EXISTS.
VERSION_TRIGGERS = [
    # The report's text is about to change (or the row to move to another id): the
    # versions that share it keep the old text as their own.
    """CREATE TRIGGER IF NOT EXISTS report_versions_keep_on_update
BEFORE UPDATE OF text, id ON reports
WHEN NEW.text IS NOT OLD.text OR NEW.id IS NOT OLD.id
BEGIN
  UPDATE report_versions SET text = OLD.text WHERE report_id = OLD.id AND text IS NULL;
END""",
    """CREATE TRIGGER IF NOT EXISTS report_versions_keep_on_delete
BEFORE DELETE ON reports
BEGIN
  UPDATE report_versions SET text = OLD.text WHERE report_id = OLD.id AND text IS NULL;
END""",
    # An INSERT OR REPLACE deletes the old row without delete triggers (recursive
    # triggers are off): copy the text while the old row is still there.
    """CREATE TRIGGER IF NOT EXISTS report_versions_keep_on_replace
BEFORE INSERT ON reports
BEGIN
  UPDATE report_versions SET text = (SELECT r.text FROM reports r WHERE r.id = NEW.id)
  WHERE report_id = NEW.id AND text IS NULL;
END""",
    # The report now holds a text a version stored: that copy is not needed.
    """CREATE TRIGGER IF NOT EXISTS report_versions_share_on_update
AFTER UPDATE OF text ON reports
WHEN NEW.text IS NOT OLD.text AND NEW.text IS NOT NULL
BEGIN
  UPDATE report_versions SET text = NULL WHERE report_id = NEW.id AND text = NEW.text;
END""",
    """CREATE TRIGGER IF NOT EXISTS report_versions_share_on_insert
AFTER INSERT ON reports
WHEN NEW.text IS NOT NULL
BEGIN
  UPDATE report_versions SET text = NULL WHERE report_id = NEW.id AND text = NEW.text;
END""",
    # A writer that stores a version with the report's text spelled out (record_text
    # does not: it stores NULL at once).
    """CREATE TRIGGER IF NOT EXISTS report_versions_share_new
AFTER INSERT ON report_versions
WHEN NEW.text IS NOT NULL
BEGIN
  UPDATE report_versions SET text = NULL
  WHERE report_id = NEW.report_id AND version = NEW.version
    AND text = (SELECT r.text FROM reports r WHERE r.id = NEW.report_id);
END""",
]


def ensure_version_triggers(db: sqlite_utils.Database) -> None:
    for statement in VERSION_TRIGGERS:
        db.execute(statement)


def share_report_texts(db: sqlite_utils.Database, rid: str | None = None) -> int:
    """Clear every version text (of report `rid`, or of all reports) that is exactly its
    report's current text; returns how many. The schema-3 migration of an archive that
    stored every text twice, and the masking of an old archive in place."""
    where = "" if rid is None else " AND report_versions.report_id = ?"
    cursor = db.execute(
        "UPDATE report_versions SET text = NULL WHERE text IS NOT NULL AND text = "
        "(SELECT r.text FROM reports r WHERE r.id = report_versions.report_id)" + where,
        [] if rid is None else [rid])
    return int(cursor.rowcount or 0)


def normalise_text(text: str | None) -> str:
    """NFKC, spaces folded, each line stripped, empty lines dropped."""
    lines = (SPACES.sub(" ", unicodedata.normalize("NFKC", line)).strip()
             for line in (text or "").splitlines())
    return "\n".join(line for line in lines if line)


def text_sha256(text: str | None) -> str:
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def latest_version(db: sqlite_utils.Database, rid: str) -> dict[str, Any] | None:
    row = db.execute(
        "SELECT version, text_sha256, first_seen, last_seen, capture_ids FROM report_versions "
        "WHERE report_id = ? ORDER BY version DESC LIMIT 1", [rid]).fetchone()
    if row is None:
        return None
    return dict(zip(("version", "text_sha256", "first_seen", "last_seen", "capture_ids"), row))


def record_text(db: sqlite_utils.Database, rid: str, text: str | None, *, url: str | None,
                capture_id: int | None, seen_at: str, digest: str | None = None) -> str:
    """Note that the report read `text` at `seen_at`; "new" when it is a new version.
    `digest`: `text_sha256(text)`, when the caller computed it already (a parser worker)."""
    digest = digest or text_sha256(text)
    latest = latest_version(db, rid)
    if latest is not None and latest["text_sha256"] == digest:
        touch_version(db, rid, latest, capture_id, seen_at)
        return "same"
    number = 1 if latest is None else latest["version"] + 1
    body = text or ""
    # NULL when the report holds this very text (a new report; the caller may also write
    # the report after this, then the trigger report_versions_share_on_update clears it).
    db.execute(
        "INSERT INTO report_versions (report_id, version, text_sha256, first_seen, last_seen, "
        "capture_ids, url, text) VALUES (?, ?, ?, ?, ?, ?, ?, "
        "CASE WHEN ? IS (SELECT r.text FROM reports r WHERE r.id = ?) THEN NULL ELSE ? END)",
        [rid, number, digest, seen_at, seen_at,
         json.dumps([capture_id] if capture_id else []), url, body, rid, body])
    return "new"


def touch_version(db: sqlite_utils.Database, rid: str, latest: dict[str, Any],
                  capture_id: int | None, seen_at: str) -> None:
    """The latest version seen again: widen its dates, add the capture once."""
    ids = json.loads(latest["capture_ids"] or "[]")
    if capture_id and capture_id not in ids:
        ids.append(capture_id)
    db.execute(
        "UPDATE report_versions SET first_seen = min(first_seen, ?), last_seen = max(last_seen, ?),"
        " capture_ids = ? WHERE report_id = ? AND version = ?",
        [seen_at, seen_at, json.dumps(ids), rid, latest["version"]])


def confirm_latest(db: sqlite_utils.Database, rid: str, capture_id: int | None,
                   seen_at: str) -> None:
    """A revalidation (HTTP 304) of the page the latest version was read from."""
    latest = latest_version(db, rid)
    if latest is not None:
        touch_version(db, rid, latest, capture_id, seen_at)


def list_versions(db: sqlite_utils.Database, rid: str) -> list[Version]:
    rows = db.execute(
        "SELECT v.report_id, v.version, v.text_sha256, v.first_seen, v.last_seen, "
        f"v.capture_ids, v.url, {VERSION_TEXT} FROM report_versions v "
        "LEFT JOIN reports r ON r.id = v.report_id WHERE v.report_id = ? ORDER BY v.version",
        [rid]).fetchall()
    return [Version(report_id=row[0], version=row[1], text_sha256=row[2], first_seen=row[3],
                    last_seen=row[4], capture_ids=json.loads(row[5] or "[]"), url=row[6],
                    text=row[7] or "") for row in rows]


def get_version(db: sqlite_utils.Database, rid: str, number: int) -> Version:
    found = [v for v in list_versions(db, rid) if v.version == number]
    if not found:
        raise VersionNotFoundError(rid, number)
    return found[0]


def diff_lines(old: str, new: str, *, old_label: str = "old", new_label: str = "new",
               context: int = 2) -> Iterator[str]:
    """A unified diff of two texts, line by line (lines stripped, empty lines dropped,
    so re-indenting shows nothing; the characters are the report's own)."""
    yield from difflib.unified_diff(
        text_lines(old), text_lines(new), fromfile=old_label, tofile=new_label, n=context,
        lineterm="")


def text_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def diff_text(old: str | None, new: str | None) -> str:
    """The unified diff as one string ("" when the texts agree); a SQL function in Datasette."""
    return "\n".join(diff_lines(old or "", new or ""))


def diff_versions(db: sqlite_utils.Database, rid: str, first: int | None = None,
                  second: int | None = None) -> tuple[Version, Version, list[str]]:
    """(older, newer, diff lines) between two versions; the last two by default."""
    versions = list_versions(db, rid)
    if not versions:
        raise VersionNotFoundError(rid, None)
    if first is None or second is None:
        if len(versions) < 2:
            raise VersionNotFoundError(rid, None, "has only one version")
        older, newer = versions[-2], versions[-1]
    else:
        older, newer = get_version(db, rid, first), get_version(db, rid, second)
    lines = list(diff_lines(older.text, newer.text,
                            old_label=f"{rid} v{older.version} ({older.first_seen})",
                            new_label=f"{rid} v{newer.version} ({newer.first_seen})"))
    return older, newer, lines


def confirm_unchanged(db: sqlite_utils.Database, key: str, capture_id: int | None,
                      seen_at: str) -> list[str]:
    """A 304 for a report URL (`key`, canonical): its reports seen again, unchanged.

    Only the copy the report was read from vouches for its latest version. Returns the
    ids of the reports the URL belongs to."""
    rids = [r for (r,) in db.execute("SELECT report_id FROM report_urls WHERE url_key = ?", [key])]
    for rid in rids:
        db.execute("UPDATE report_urls SET last_seen = max(last_seen, ?) "
                   "WHERE report_id = ? AND url_key = ?", [seen_at, rid, key])
        db.execute("UPDATE reports SET last_seen = max(last_seen, ?) WHERE id = ?", [seen_at, rid])
        main = db.execute("SELECT u.url_key FROM reports r JOIN report_urls u "
                          "ON u.report_id = r.id AND u.url = r.url WHERE r.id = ?",
                          [rid]).fetchone()
        if main and main[0] == key:
            confirm_latest(db, rid, capture_id, seen_at)
    return rids


def count_later_versions_since(db: sqlite_utils.Database, started: str) -> int:
    """Versions after the first (edits after publication) first seen since `started`."""
    return int(db.execute("SELECT count(*) FROM report_versions WHERE version > 1 "
                          "AND first_seen >= ?", [started]).fetchone()[0] or 0)
