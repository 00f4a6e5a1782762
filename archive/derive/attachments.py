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
4. Rows: one `attachments` row per file URL (status ok | needs_ocr | error and the
   reason), its `attachment_links` (the pages that linked it and what they are to it);
   reports are saved with `Archive.save_report` (idempotent). A transient failure (a
   timeout, a killed worker) is not cached: `attachment_retries` says when it is read again.

A full derive reads every stored file; an incremental one only those the run touched and
those decided with them (`attachment_scope.py`), so its cost follows the run, not the
archive. Its rows equal a full walk's (tests/test_derive_attachments_incremental.py).
"""

from __future__ import annotations

import json
import logging
import os
import time
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict
from datetime import date
from typing import Any, cast

from archive.clock import now_iso
from archive.db import Archive, url_key
from archive.db import attachment_links as links
from archive.db.attachment_links import schedule_retries
from archive.db.dirty import mark_reports
from archive.derive.attachment_scope import derived_elsewhere, gather, seed_files
from archive.derive.file_reports import (
    Page,
    candidates_of,
    group_candidates,
    place_file,
    save_groups,
)
from archive.derive.files import File, attachment_id, attachment_ids, collect_files
from archive.derive.scope import Scope, everything
from archive.extract import (
    DEFAULT_LIMITS,
    ERROR,
    Extracted,
    Limits,
    extract_attachment,
)

log = logging.getLogger(__name__)

EXTRACT_WORKERS = 2  # worker processes at a time (each capped at Limits.memory_mb)
OCR_ENV = "NIANBAO_OCR"  # set to 1 to OCR scanned PDFs (tesseract chi_sim) during derive
# archive.extract.runner's reasons for a worker that ran out of time or died: not cached.
TRANSIENT_ERRORS = ("timed out", "worker killed", "extraction worker failed")


# -- the step ----------------------------------------------------------------------------------


def derive_attachments(archive: Archive, today: date, limits: Limits | None = None,
                       scope: Scope | None = None) -> dict[str, int]:
    """Extract the stored attachments, tie them to their reports, write their rows.

    A full scope reads every stored file. Otherwise only the files the run touched and
    those decided together with them (`attachment_scope.py`: found by index, never by a
    walk of the stored files), plus transient failures due for a retry; the reports whose
    attachment rows changed are marked for the figures step."""
    began = time.monotonic()
    scope = scope or everything(archive.db)
    limits = limits or default_limits()
    counts = {"hits": 0, "fresh": 0}

    def read(files: list[File]) -> None:
        hits, fresh = extract_files(archive, files, limits)
        counts["hits"] += hits
        counts["fresh"] += fresh

    if scope.full:
        files = collect_files(archive)
        read(files)
        pages: dict[str, Page | None] = {}
        for file in files:
            place_file(archive, file, pages)
        saved = save_groups(archive, group_candidates(archive,
                                                      candidates_of(archive, files, pages)))
        write_rows(archive, files, pages)
        schedule_retries(archive.db, today, None, transient_failures(files))
    else:
        seeds = seed_files(archive, scope, today)
        if not seeds:
            return {"attachments": 0}
        work = gather(archive, seeds, read)
        files = work.files
        before = attachment_rows_by_report(archive, work.rids)
        saved = save_groups(archive, work.groups, derived_elsewhere(archive, work))
        write_some_rows(archive, work.keys, files, work.pages)
        schedule_retries(archive.db, today, work.keys, transient_failures(files))
        after = attachment_rows_by_report(archive, work.rids | {f.report_id for f in files
                                                                if f.report_id})
        mark_reports(archive.db, {rid for rid in before.keys() | after.keys()
                                  if rid and before.get(rid) != after.get(rid)})
    for file in files:
        if file.status == ERROR:
            log.info("attachment not read: %s: %s", file.url, file.error)
    log.info("attachments: %d files, %d reports, %.1f s", len(files), saved,
             time.monotonic() - began)
    return {"attachments": len(files), "attachment reports": saved,
            "extracted": counts["fresh"], "extraction cache hits": counts["hits"]}


def default_limits() -> Limits:
    if os.environ.get(OCR_ENV, "").strip() in ("1", "true", "yes"):
        return Limits(ocr=True)
    return DEFAULT_LIMITS


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


def write_rows(archive: Archive, files: list[File], pages: dict[str, Page | None]) -> None:
    """Every file's row and links (a full derive)."""
    archive.db.execute("DELETE FROM attachments")
    rows = [attachment_row(file) for file in files]
    if rows:
        archive.db.table("attachments").insert_all(rows, pk="id")
    links.rewrite_links(archive.db, [link for file in files for link in links_of(file, pages)])


def write_some_rows(archive: Archive, keys: set[str], files: list[File],
                    pages: dict[str, Page | None]) -> None:
    """The rows and links of the files stored under `keys` (those no longer files lose
    theirs)."""
    ids = attachment_ids(archive, keys) | {attachment_id(file.url) for file in files}
    archive.db.execute("DELETE FROM attachments WHERE id IN (SELECT value FROM json_each(?))",
                       [links.listed(ids)])
    rows = [attachment_row(file) for file in files]
    if rows:
        archive.db.table("attachments").insert_all(rows, pk="id")
    links.replace_links(archive.db, keys, [link for file in files for link in links_of(file, pages)])


def links_of(file: File, pages: dict[str, Page | None]) -> list[links.Link]:
    """The file's own row and one per page that linked it (attachment_links)."""
    holder = cast(Page | None, file.holder)
    detail = holder is not None and not holder.html_report
    direct = holder is None and file.report_id is not None
    own = url_key(file.url)
    site = file.capture.site_id if direct else None
    if holder is not None and detail:
        site = holder.site_id
    rows = {own: links.Link(file.key, own, links.DIRECT if direct else links.SELF,
                            site if direct else None)}
    held = url_key(holder.seen.url) if holder is not None else None
    for key in dict.fromkeys(url_key(ref) for ref in file.referrers):
        if key == own:
            continue
        if holder is not None and key == held:
            rows[key] = links.Link(file.key, key, links.HOLDER if detail else links.REPORT,
                                   site if detail else None, holder.sha256 if detail else None)
        else:
            page = pages.get(key)
            rows[key] = links.Link(file.key, key, links.LINK, None,
                                   page.sha256 if page is not None else None)
    return list(rows.values())


def transient_failures(files: list[File]) -> dict[str, str]:
    return {file.key: file.result.error or "" for file in files
            if file.result is not None and is_transient(file.result)}


def attachment_rows_by_report(archive: Archive,
                              rids: set[str]) -> dict[str | None, list[tuple[Any, ...]]]:
    rows: dict[str | None, list[tuple[Any, ...]]] = {}
    for row in archive.db.execute("SELECT report_id, url, capture_id, sha256, status, main "
                                  "FROM attachments WHERE report_id IN "
                                  "(SELECT value FROM json_each(?)) ORDER BY url",
                                  [links.listed(rids)]):
        rows.setdefault(row[0], []).append(tuple(row[1:]))
    return rows


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

