"""Every text a report ever had: `report_versions`, and the diff between two of them.

A version is one normalised text of a report (whitespace folded, empty lines dropped):
the same text seen again only moves `last_seen` and adds the capture to `capture_ids`;
a different text becomes the next version. Versions follow the report's preferred copy
(`reports.url`), so a tampered mirror never adds versions while the genuine page is known;
when the preferred copy changes (a genuine page found after its mirror) and its text
differs, that is a version too, and `url` says where each text came from.
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

from archive.db import rows
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
    rows.insert(db, "report_versions", {
        "report_id": rid, "version": number, "text_sha256": digest, "first_seen": seen_at,
        "last_seen": seen_at, "capture_ids": json.dumps([capture_id] if capture_id else []),
        "url": url, "text": text or "",
    })
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
        "SELECT report_id, version, text_sha256, first_seen, last_seen, capture_ids, url, text "
        "FROM report_versions WHERE report_id = ? ORDER BY version", [rid]).fetchall()
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
