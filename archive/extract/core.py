"""Extraction inside the current process: sniff, check, dispatch to one format reader.

Call this only in a process that may die: `archive.extract.worker` runs it under
memory and CPU limits. `extract_attachment` (runner.py) is the entry point for callers.
"""

from __future__ import annotations

import io
import logging
import zipfile

import olefile

from archive.extract import guard
from archive.extract.model import (
    DEFAULT_LIMITS,
    DOC,
    DOCX,
    PDF,
    WPS,
    XLS,
    XLSX,
    Extracted,
    Limits,
    failed,
    finish,
)
from archive.extract.sniff import declared_kind, sniff_kind

log = logging.getLogger(__name__)

UNSUPPORTED = {
    "html": "an HTML page, not an attachment (parse it as a page)",
    "rtf": "RTF documents are not extracted",
    "zip": "a zip archive that is neither DOCX nor XLSX",
    "broken-zip": "broken zip container (truncated download?)",
    "ofd": "OFD documents are not extracted",
    "pptx": "presentations are not extracted",
    "ppt": "presentations are not extracted",
    "ole": "an OLE2 file with no Word or Excel stream",
    "encrypted-ooxml": "encrypted Office document: a password is needed to open it",
}
WORD_ENCRYPTED_FLAG = 0x0100  # FIB base flags: fEncrypted
FIB_FLAGS_OFFSET = 0x0A


def extract_in_process(
    body: bytes,
    filename: str | None = None,
    content_type: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Extracted:
    """Extract text and tables; every failure is returned as status 'error' with a reason."""
    claimed = declared_kind(filename, content_type)
    problem = guard.size_problem(body, limits)
    if problem:
        return failed(claimed, problem)
    kind = sniff_kind(body, claimed)
    try:
        result = read_kind(body, kind, claimed, limits)
    except MemoryError:
        result = failed(kind, f"out of memory (limit {limits.memory_mb} MiB)")
    except Exception as error:  # a reader library choking on a hostile file
        log.debug("extraction failed", exc_info=True)
        result = failed(kind, f"{type(error).__name__}: {error}"[:300])
    if claimed and kind and claimed != kind and not (claimed == DOC and kind == WPS):
        result.declared = claimed
    return finish(result, limits)


def read_kind(body: bytes, kind: str | None, claimed: str | None, limits: Limits) -> Extracted:
    if kind is None:
        what = f"claims to be {claimed} but " if claimed else ""
        return failed(None, f"unknown format: {what}the bytes match no known signature")
    if kind in UNSUPPORTED:
        return failed(kind, UNSUPPORTED[kind])
    if kind == PDF:
        from archive.extract import pdf  # format readers load on demand: a short worker start

        return pdf.extract_pdf(body, limits)
    if kind in (DOCX, XLSX):
        problem = guard.zip_problem(body, limits)
        if problem:
            return failed(kind, problem)
        from archive.extract import office

        reader = office.extract_docx if kind == DOCX else office.extract_xlsx
        try:
            return reader(body, limits)
        except zipfile.BadZipFile as error:
            return failed(kind, f"broken zip container: {error}")
    if kind == XLS:
        from archive.extract import office

        return office.extract_xls(body, limits)
    if word_encrypted(body):
        return failed(kind, "encrypted Word document: a password is needed to open it")
    from archive.extract import legacy

    return legacy.extract_legacy(body, kind, limits)


def word_encrypted(body: bytes) -> bool:
    """True when the WordDocument stream's FIB says the file is encrypted."""
    try:
        with olefile.OleFileIO(io.BytesIO(body)) as ole:
            fib = ole.openstream("WordDocument").read(FIB_FLAGS_OFFSET + 2)
    except (OSError, ValueError, IndexError):
        return False
    if len(fib) < FIB_FLAGS_OFFSET + 2:
        return False
    flags = int.from_bytes(fib[FIB_FLAGS_OFFSET : FIB_FLAGS_OFFSET + 2], "little")
    return bool(flags & WORD_ENCRYPTED_FLAG)
