"""Reports published as attachments (issue #5): the derive step that reads stored files.

`derive_attachments(archive, today)` runs after every crawl and at the end of
`nianbao build` (archive/derive/), with no network:

1. Files: every stored capture whose body is a document (PDF, DOCX, DOC/WPS, XLS/XLSX,
   or another binary the page linked as a file), judged from the bytes, Content-Type,
   Content-Disposition and name; one per URL, its newest successful capture. A file
   that could not be downloaded (HTTP 404, timeout) but was linked as one is kept too.
2. Text: `archive.extract.extract_attachment` in its memory- and time-capped worker.
   Results are cached in `extractions` by SHA-256 (and the limits used), so a rebuild
   extracts nothing it has read before.
3. Reports: a file hangs off the page that linked it (`captures.referrer`):
   - an HTML report page: the file is linked to that report, the HTML stays its text;
   - a detail page naming a report (title via classify_title) with little else: the
     report is read from the file's text through the same parser (title from the page,
     else the link label or file name), with published/source/索引号 from the page;
   - a list (or no page): the file is the report page itself, titled by its link label.
   When no file of a report can be read (needs_ocr, error) but the page or label names
   the report, the report still exists with its title, town, year and dates, an empty
   `text`, no sections and `format` empty: the archive says nothing it has not read.
4. Rows: `attachments` is rewritten (one row per file URL, with status ok | needs_ocr |
   error and the reason), reports are saved with `Archive.save_report` (idempotent).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
import zlib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from archive.clock import now_iso
from archive.db import Archive, url_key
from archive.db.captures import file_candidates
from archive.db.dirty import mark_reports
from archive.derive.file_reports import link_reports
from archive.derive.files import Capture, File
from archive.derive.scope import Scope, everything
from archive.extract import (
    DEFAULT_LIMITS,
    ERROR,
    Extracted,
    Limits,
    extract_attachment,
    filename_from_headers,
    filename_from_url,
    kind_from_content_type,
    kind_from_name,
    sniff_kind,
)
from archive.parse.titles import REPORT, classify_title

log = logging.getLogger(__name__)

EXTRACT_WORKERS = 2  # worker processes at a time (each capped at Limits.memory_mb)
OCR_ENV = "NIANBAO_OCR"  # set to 1 to OCR scanned PDFs (tesseract chi_sim) during derive
PAGE_TYPES = ("text/html", "application/xhtml", "text/xml", "application/xml", "text/plain",
              "text/css", "text/javascript", "application/javascript", "application/json",
              "image/")
FILE_QUERY_RE = re.compile(r"\.(?:pdf|docx?|wps|xlsx?|et|ofd|rtf)$", re.IGNORECASE)
NOT_FILES = ("html", None)  # sniff_kind labels of bodies that are not documents
# archive.extract.runner's reasons for a worker that ran out of time or died: not cached.
TRANSIENT_ERRORS = ("timed out", "worker killed", "extraction worker failed")



# -- the step ----------------------------------------------------------------------------------


def derive_attachments(archive: Archive, today: date, limits: Limits | None = None,
                       scope: Scope | None = None) -> dict[str, int]:
    """Extract every stored attachment, tie it to its report, rewrite `attachments`.

    An incremental derive skips the step unless the run stored a capture of a file or of
    a page that linked one (`attachment_pages`), or changed which report such a page is;
    then it runs over every file (extractions are cached) and marks the reports whose
    attachment rows changed, for the figures step."""
    began = time.monotonic()
    scope = scope or everything(archive.db)
    if not scope.full and not touches_files(archive, scope.urls()):
        return {"attachments": archive.db["attachments"].count}
    limits = limits or default_limits()
    before = None if scope.full else attachment_rows_by_report(archive)
    files = collect_files(archive)
    hits, fresh = extract_files(archive, files, limits)
    saved = link_reports(archive, files)
    write_rows(archive, files)
    if before is not None:
        after = attachment_rows_by_report(archive)
        mark_reports(archive.db, {rid for rid in before.keys() | after.keys()
                                  if rid and before.get(rid) != after.get(rid)})
    for file in files:
        if file.status == ERROR:
            log.info("attachment not read: %s: %s", file.url, file.error)
    log.info("attachments: %d files, %d reports, %.1f s", len(files), saved,
             time.monotonic() - began)
    return {"attachments": len(files), "attachment reports": saved, "extracted": fresh,
            "extraction cache hits": hits}


def default_limits() -> Limits:
    if os.environ.get(OCR_ENV, "").strip() in ("1", "true", "yes"):
        return Limits(ocr=True)
    return DEFAULT_LIMITS


# -- 1. files ----------------------------------------------------------------------------------


def collect_files(archive: Archive) -> list[File]:
    """One File per attachment URL, from its newest successful capture (or failure)."""
    by_key: dict[str, list[Capture]] = {}
    for capture in candidate_captures(archive):
        by_key.setdefault(capture.url_key, []).append(capture)
    files = []
    for captures in by_key.values():
        file = file_of(archive, captures)
        if file is not None:
            files.append(file)
    return sorted(files, key=lambda f: f.capture.url_key)


def candidate_captures(archive: Archive) -> Iterator[Capture]:
    for row in file_candidates(archive.db):
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


# -- 2. text, cached by SHA-256 ---------------------------------------------------------------


def extract_files(archive: Archive, files: list[File], limits: Limits) -> tuple[int, int]:
    """Fill each readable file's `result`; returns (cache hits, fresh extractions)."""
    settings = json.dumps(asdict(limits), sort_keys=True)
    hits = fresh = 0
    todo: dict[str, list[File]] = {}
    for file in files:
        sha = file.capture.sha256 if file.capture.ok else None
        if sha is None:
            continue
        cached = cached_result(archive, sha, settings)
        if cached is not None:
            file.result = cached
            hits += 1
        else:
            todo.setdefault(sha, []).append(file)
    with ThreadPoolExecutor(max_workers=EXTRACT_WORKERS) as pool:
        running: list[tuple[str, float, Future[Extracted]]] = []
        for sha, group in todo.items():
            body = archive.capture_body(group[0].capture.id) or b""
            running.append((sha, time.monotonic(), pool.submit(
                extract_attachment, body, filename=group[0].filename,
                content_type=group[0].capture.content_type, limits=limits)))
            if len(running) >= EXTRACT_WORKERS * 2:
                fresh += finish_extractions(archive, running[:1], todo, settings)
                running = running[1:]
        fresh += finish_extractions(archive, running, todo, settings)
    return hits, fresh


def finish_extractions(archive: Archive, running: list[tuple[str, float, Future[Extracted]]],
                       todo: dict[str, list[File]], settings: str) -> int:
    for sha, started, future in running:
        result = future.result()
        if not is_transient(result):
            store_result(archive, sha, settings, result, time.monotonic() - started)
        for file in todo[sha]:
            file.result = result
    return len(running)


def is_transient(result: Extracted) -> bool:
    """A failure a busier or luckier moment may not repeat: tried again next time."""
    return result.status == ERROR and (result.error or "").startswith(TRANSIENT_ERRORS)


def cached_result(archive: Archive, sha: str, settings: str) -> Extracted | None:
    row = archive.db.execute("SELECT settings, result FROM extractions WHERE sha256 = ?",
                             [sha]).fetchone()
    if row is None or row[0] != settings or row[1] is None:
        return None
    return Extracted.from_dict(json.loads(zlib.decompress(row[1])))


def store_result(archive: Archive, sha: str, settings: str, result: Extracted,
                 seconds: float) -> None:
    data = zlib.compress(json.dumps(result.to_dict(), ensure_ascii=False).encode("utf-8"), 6)
    archive.db.table("extractions").upsert({
        "sha256": sha, "settings": settings, "kind": result.kind, "status": result.status,
        "error": result.error, "pages": result.pages, "text_chars": result.text_chars,
        "extractor": result.extractor, "seconds": round(seconds, 3), "result": data,
        "extracted_at": now_iso(),
    }, pk="sha256")


# -- 4. rows ---------------------------------------------------------------------------------


def write_rows(archive: Archive, files: list[File]) -> None:
    archive.db.execute("DELETE FROM attachments")
    rows = [attachment_row(file) for file in files]
    if rows:
        archive.db.table("attachments").insert_all(rows, pk="id")
    archive.db.execute("DELETE FROM attachment_pages")
    keys = {url_key(url) for file in files for url in (file.url, *file.referrers)}
    archive.db.conn.executemany("INSERT OR IGNORE INTO attachment_pages (url_key) VALUES (?)",
                                [(key,) for key in sorted(keys)])


# -- what an incremental derive has to redo ---------------------------------------------------


def touches_files(archive: Archive, keys: set[str]) -> bool:
    """Did the run store a capture of a file, or of a page that linked one?"""
    if not keys:
        return False
    listed = json.dumps(sorted(keys))
    if archive.db.execute("SELECT 1 FROM attachment_pages WHERE url_key IN "
                          "(SELECT value FROM json_each(?)) LIMIT 1", [listed]).fetchone():
        return True
    return any(claims_file(c) or (c.ok and not is_page_type(c.content_type))
               for row in file_candidates(archive.db, keys) if (c := Capture(*row)))


def attachment_rows_by_report(archive: Archive) -> dict[str | None, list[tuple[Any, ...]]]:
    rows: dict[str | None, list[tuple[Any, ...]]] = {}
    for row in archive.db.execute("SELECT report_id, url, capture_id, sha256, status, main "
                                  "FROM attachments ORDER BY url"):
        rows.setdefault(row[0], []).append(tuple(row[1:]))
    return rows


def attachment_id(url: str) -> str:
    return hashlib.sha1(url_key(url).encode("utf-8")).hexdigest()[:16]


def attachment_row(file: File) -> dict[str, Any]:
    capture, result = file.capture, file.result
    mime = (capture.content_type or "").split(";")[0].strip() or None
    return {
        "id": attachment_id(file.url), "report_id": file.report_id, "capture_id": capture.id,
        "url": file.url, "filename": file.filename, "mime": mime,
        "kind": (result.kind if result and result.kind else file.kind),
        "bytes": capture.size if capture.ok else None, "sha256": capture.sha256 if capture.ok
        else None, "pages": result.pages if result else None,
        "text_chars": result.text_chars if result else 0,
        "extractor": result.extractor if result else None, "status": file.status,
        "error": file.error, "referrer": file.referrer or next(iter(file.referrers), None),
        "link_text": file.link_text, "main": int(file.main), "site_id": capture.site_id,
    }

