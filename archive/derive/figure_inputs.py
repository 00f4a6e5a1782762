"""Where a stored report's figures are read from: its page, its attachment, or its prose.

Tried in order, the first that yields a standard table wins:

1. `html`: the report's preferred capture (`reports.capture_id`), decoded with
   `archive.parse.decode_html` and read by `extract_tables` (images where the tables
   should be are counted here, even when no table is found);
2. `attachment`: the tables of the report's files (`attachments` rows with status ok,
   the file the text came from first), from the extraction cache (`extractions`), read
   by `extract_rows`;
3. `prose`: for a narrative (pre-2019 format) report, `extract_prose` on its text.

Every input has a key (content hashes and the extraction code's fingerprint), so a
rebuild re-reads only what changed: same key, same figures.
"""

from __future__ import annotations

import hashlib
import json
import logging
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from archive.db import Archive, captures
from archive.errors import DecodeError
from archive.figures.prose import extract_prose
from archive.figures.tables import Extraction, extract_rows, extract_tables
from archive.parse import decode_html
from archive.parse.charset import looks_like_html
from archive.records import PRE2019

log = logging.getLogger(__name__)

HTML, ATTACHMENT, PROSE = "html", "attachment", "prose"
# Modules whose code decides what is extracted: a change in any of them re-reads everything.
FIGURES_DIR = Path(__file__).resolve().parent.parent / "figures"
EXTRACTION_MODULES = (FIGURES_DIR / "grid.py", FIGURES_DIR / "tables.py",
                      FIGURES_DIR / "vocab.py", FIGURES_DIR / "prose.py", Path(__file__).resolve())
FILES_SQL = """
SELECT a.url, a.sha256 FROM attachments a JOIN extractions e ON e.sha256 = a.sha256
WHERE a.report_id = ? AND a.status = 'ok' AND e.status = 'ok'
ORDER BY a.main DESC, a.url
"""


@dataclass
class Inputs:
    """What a report's figures can be read from, and a key that changes when any does."""

    capture_id: int | None
    capture_sha: str | None
    headers: dict[str, str]
    files: list[tuple[str, str]]  # (url, sha256) of readable attachments, best first
    narrative: bool
    text: str

    @property
    def key(self) -> str:
        parts = [
            code_fingerprint(),
            self.capture_sha or "",
            ",".join(sha for _, sha in self.files),
            hashlib.sha1(self.text.encode("utf-8")).hexdigest() if self.narrative else "",
        ]
        return hashlib.sha1("|".join(parts).encode("utf-8")).hexdigest()


@dataclass
class Read:
    """Figures of one report and where they came from (source None: nothing read)."""

    extraction: Extraction | None
    source: str | None
    input: str | None


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    digest = hashlib.sha1()
    for path in EXTRACTION_MODULES:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def inputs_of(archive: Archive, report: dict[str, Any]) -> Inputs:
    """The inputs of one `reports` row, from the database only (no body read)."""
    db = archive.db
    sha = None
    headers: dict[str, str] = {}
    if report.get("capture_id") is not None:
        sha = captures.capture_sha256(db, report["capture_id"])
        headers = captures.capture_headers(db, report["capture_id"])
    files = [(url, file_sha) for url, file_sha in db.execute(FILES_SQL, [report["id"]])]
    narrative = report.get("format") == PRE2019
    return Inputs(report.get("capture_id"), sha, headers, files, narrative,
                  report.get("text") or "")


def read_figures(archive: Archive, inputs: Inputs,
                 pages: Mapping[int, Extraction | None] | None = None) -> Read:
    """The figures of a report from the first input that has a standard table (`pages`:
    page tables read ahead in worker processes, by capture id)."""
    cid = inputs.capture_id
    if pages is not None and cid is not None and cid in pages:
        page = pages[cid]
    else:
        page = tables_from_capture(archive, inputs)
    if page is not None and page.tables:
        return Read(page, HTML, f"capture {inputs.capture_id}")
    for url, sha in inputs.files:
        found = tables_from_file(archive, sha)
        if found is not None and found.tables:
            return Read(found, ATTACHMENT, url)
    if inputs.narrative and inputs.text:
        prose = extract_prose(inputs.text)
        if page is not None:
            prose.images = page.images
        return Read(prose, PROSE, "reports.text")
    if page is not None:
        return Read(page, HTML, f"capture {inputs.capture_id}")
    return Read(None, None, None)


def tables_from_capture(archive: Archive, inputs: Inputs) -> Extraction | None:
    if inputs.capture_id is None or inputs.capture_sha is None:
        return None
    return page_tables(archive.capture_body(inputs.capture_id), inputs.headers)


def page_tables(body: bytes | None, headers: Mapping[str, str],
                markup: str | None = None) -> Extraction | None:
    """The tables of a stored page (pure: run in worker processes by a full derive;
    `markup`: the body as `decode_html` decodes it, when the caller has it)."""
    if not body or not looks_like_html(body, dict(headers)):
        return None
    if markup is None:
        try:
            markup, _ = decode_html(body, dict(headers))
        except DecodeError as error:
            log.debug("page not decoded: %s", error)
            return None
    return extract_tables(markup)


def tables_from_file(archive: Archive, sha: str) -> Extraction | None:
    """The standard tables among a file's tables, from the extraction cache."""
    row = archive.db.execute("SELECT result FROM extractions WHERE sha256 = ?", [sha]).fetchone()
    if row is None or row[0] is None:
        return None
    try:
        result = json.loads(zlib.decompress(row[0]))
    except (zlib.error, ValueError) as error:
        log.debug("extraction %s unreadable: %s", sha, error)
        return None
    tables = result.get("tables") or []
    return extract_rows(tables) if tables else None
