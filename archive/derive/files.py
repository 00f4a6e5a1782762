"""The attachment files the derive step works on: a capture that holds a document, and
one `File` per attachment URL (its newest capture, the pages that linked it, its text).

Found here (`collect_files`: every stored file, or those of some URL keys), read by
`attachments.py`, tied to reports by `file_reports.py`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from archive.db import Archive, url_key
from archive.db.captures import file_candidates
from archive.extract import (
    ERROR,
    Extracted,
    filename_from_headers,
    filename_from_url,
    kind_from_content_type,
    kind_from_name,
    sniff_kind,
)
from archive.parse.titles import REPORT, classify_title

PAGE_TYPES = ("text/html", "application/xhtml", "text/xml", "application/xml", "text/plain",
              "text/css", "text/javascript", "application/javascript", "application/json",
              "image/")
FILE_QUERY_RE = re.compile(r"\.(?:pdf|docx?|wps|xlsx?|et|ofd|rtf)$", re.IGNORECASE)
NOT_FILES = ("html", None)  # sniff_kind labels of bodies that are not documents
# One URL stored under each key (one indexed step per key, whatever its history).
URL_OF_KEYS_SQL = ("SELECT (SELECT url FROM captures c WHERE c.url_key = j.value LIMIT 1) "
                   "FROM json_each(?) j")


@dataclass
class Capture:
    id: int
    url: str
    url_key: str
    fetched_at: str
    status: int | None
    headers: dict[str, str]
    content_type: str | None
    size: int | None
    sha256: str | None
    error: str | None
    referrer: str | None
    link_text: str | None
    site_id: str | None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300 and self.sha256 is not None


@dataclass
class File:
    """One attachment URL: its newest capture, the pages that linked it, what it holds."""

    capture: Capture
    referrers: list[str]
    link_text: str | None
    first_seen: str
    last_seen: str
    filename: str | None = None
    kind: str | None = None
    result: Extracted | None = None
    report_id: str | None = None
    main: bool = False
    referrer: str | None = None  # the page it was finally tied to
    holder: Any = None  # that page (file_reports.Page) once placed, None: no page holds it

    @property
    def key(self) -> str:
        return self.capture.url_key

    @property
    def url(self) -> str:
        return self.capture.url

    @property
    def status(self) -> str:
        return self.result.status if self.result else ERROR

    @property
    def error(self) -> str | None:
        if self.result is not None:
            return self.result.error
        return f"download failed: {fetch_failure(self.capture)}"


def fetch_failure(capture: Capture) -> str:
    return capture.error or (f"HTTP {capture.status}" if capture.status else "no response")


# -- 1. files ----------------------------------------------------------------------------------


def collect_files(archive: Archive, keys: set[str] | None = None) -> list[File]:
    """One File per attachment URL, from its newest successful capture (or failure); with
    `keys`, only the files stored under those URL keys."""
    by_key: dict[str, list[Capture]] = {}
    for capture in candidate_captures(archive, keys):
        by_key.setdefault(capture.url_key, []).append(capture)
    files = []
    for captures in by_key.values():
        file = file_of(archive, captures)
        if file is not None:
            files.append(file)
    return sorted(files, key=lambda f: f.capture.url_key)


def candidate_captures(archive: Archive, keys: set[str] | None = None) -> Iterator[Capture]:
    for row in file_candidates(archive.db, keys):
        capture = Capture(*row)
        if claims_file(capture) or (capture.ok and not is_page_type(capture.content_type)):
            yield capture


def file_of(archive: Archive, captures: list[Capture]) -> File | None:
    """The File for one URL's captures (oldest first), or None when it is not a file."""
    good = [c for c in captures if c.ok]
    latest = good[-1] if good else captures[-1]
    if not good and not (claims_file(latest) and latest.referrer):
        return None  # a failed fetch of something never linked as a file
    referrers = list(dict.fromkeys(c.referrer for c in reversed(captures) if c.referrer))
    labels = [c.link_text for c in reversed(captures) if c.link_text]
    seen = [c.fetched_at for c in (good or captures)]
    file = File(latest, referrers, labels[0] if labels else None, min(seen), max(seen))
    file.filename = file_name(latest, file.link_text)
    file.kind = claimed_kind(latest, file.filename)
    if good and not claims_file(latest):  # only the bytes can tell (application/octet-stream)
        sniffed = sniff_kind(archive.capture_body(latest.id) or b"")
        if sniffed in NOT_FILES:
            return None
        file.kind = sniffed
    return file


def is_page_type(content_type: str | None) -> bool:
    value = (content_type or "").split(";")[0].strip().lower()
    return bool(value) and value.startswith(PAGE_TYPES)


def claims_file(capture: Capture) -> bool:
    """Does the URL, Content-Type or Content-Disposition say this is a document file?"""
    return bool(kind_from_content_type(capture.content_type) or name_in_url(capture.url)
                or filename_from_headers(capture.headers))


def name_in_url(url: str) -> str | None:
    """A document file name in the URL's path or query (`downfile.jsp?filename=a.doc`)."""
    parts = urlsplit(url)
    if kind_from_name(parts.path):
        return filename_from_url(url)
    for _, value in parse_qsl(parts.query):
        if FILE_QUERY_RE.search(value):
            return value.replace("\\", "/").rsplit("/", 1)[-1]
    return None


def file_name(capture: Capture, link_text: str | None) -> str | None:
    """Content-Disposition name, else a link label that is a file name (or a report title,
    given the URL's extension), else the name in the URL."""
    name = filename_from_headers(capture.headers)
    if name:
        return name
    label = (link_text or "").strip()
    if label and kind_from_name(label):
        return label
    stored = name_in_url(capture.url) or filename_from_url(capture.url)
    ext = stored.rsplit(".", 1)[-1] if stored and kind_from_name(stored) else None
    if label and ext and classify_title(label) == REPORT:
        return f"{label}.{ext}"
    return stored


def claimed_kind(capture: Capture, filename: str | None) -> str | None:
    return kind_from_name(filename) or kind_from_content_type(capture.content_type)


def attachment_id(url: str) -> str:
    """The `attachments` row id of a file URL."""
    return hashlib.sha1(url_key(url).encode("utf-8")).hexdigest()[:16]


def attachment_ids(archive: Archive, keys: set[str]) -> set[str]:
    """The `attachments` row ids the files stored under these URL keys have (or would)."""
    found = archive.db.execute(URL_OF_KEYS_SQL, [json.dumps(sorted(keys), ensure_ascii=False)])
    return {attachment_id(url) for (url,) in found if url}
