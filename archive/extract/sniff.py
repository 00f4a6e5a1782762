"""What an attachment really is: magic bytes first, then the name and Content-Type it came with."""

from __future__ import annotations

import io
import logging
import posixpath
import zipfile
from urllib.parse import unquote, urlsplit

import olefile

from archive.extract.model import DOC, DOCX, PDF, WPS, XLS, XLSX

log = logging.getLogger(__name__)

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGIC = b"PK\x03\x04"
PDF_MAGIC = b"%PDF-"
PDF_MAGIC_WINDOW = 1024  # the header may follow some junk bytes

EXTENSION_KINDS = {
    "pdf": PDF,
    "doc": DOC,
    "docx": DOCX,
    "wps": WPS,
    "xls": XLS,
    "xlsx": XLSX,
    "et": XLS,  # Kingsoft spreadsheet: BIFF inside OLE
}
CONTENT_TYPE_KINDS = {
    "application/pdf": PDF,
    "application/x-pdf": PDF,
    "application/msword": DOC,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": DOCX,
    "application/vnd.ms-works": WPS,
    "application/kswps": WPS,
    "application/wps-office.wps": WPS,
    "application/vnd.ms-excel": XLS,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": XLSX,
}
# Names of zip members that say which OOXML (or other zip) format a file is.
ZIP_MARKERS = [
    ("word/document.xml", DOCX),
    ("xl/workbook.xml", XLSX),
    ("ppt/presentation.xml", "pptx"),
    ("OFD.xml", "ofd"),
]
OLE_MARKERS = [
    ("WordDocument", DOC),
    ("Workbook", XLS),
    ("Book", XLS),
    ("EncryptedPackage", "encrypted-ooxml"),
    ("PowerPoint Document", "ppt"),
]
BROKEN_ZIP = "broken-zip"
HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<?xml", b"<body", b"<meta")


def kind_from_name(name: str | None) -> str | None:
    """pdf/doc/docx/wps/xls/xlsx from a file name or URL path, else None."""
    if not name:
        return None
    path = urlsplit(name).path if "://" in name else name
    ext = posixpath.splitext(unquote(path).lower().rstrip())[1].lstrip(".")
    return EXTENSION_KINDS.get(ext)


def kind_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    return CONTENT_TYPE_KINDS.get(content_type.split(";")[0].strip().lower())


def declared_kind(filename: str | None, content_type: str | None) -> str | None:
    """The kind the name claims, else the one the Content-Type claims."""
    return kind_from_name(filename) or kind_from_content_type(content_type)


def sniff_kind(body: bytes, declared: str | None = None) -> str | None:
    """The real format from the bytes: pdf, docx, xlsx, doc, wps, xls, or another label.

    Other labels (html, rtf, zip, broken-zip, ofd, pptx, ppt, ole, encrypted-ooxml) name
    things this package does not extract; None means the bytes match nothing known. A zip
    whose directory is unreadable keeps the kind the name claims (docx/xlsx) if any.
    """
    if PDF_MAGIC in body[:PDF_MAGIC_WINDOW]:
        return PDF
    if body.startswith(ZIP_MAGIC):
        kind = kind_of_zip(body)
        return declared if kind == BROKEN_ZIP and declared in (DOCX, XLSX) else kind
    if body.startswith(OLE_MAGIC):
        kind = kind_of_ole(body)
        return WPS if kind == DOC and declared == WPS else kind
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(HTML_STARTS):
        return "html"
    return None


def kind_of_zip(body: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        log.debug("zip directory unreadable: %s", error)
        return BROKEN_ZIP
    return next((kind for member, kind in ZIP_MARKERS if member in names), "zip")


def kind_of_ole(body: bytes) -> str:
    try:
        with olefile.OleFileIO(io.BytesIO(body)) as ole:
            streams = {"/".join(entry) for entry in ole.listdir(streams=True, storages=False)}
    except (OSError, ValueError, IndexError) as error:  # olefile raises OSError on bad headers
        log.debug("OLE directory unreadable: %s", error)
        return "ole"
    return next((kind for name, kind in OLE_MARKERS if name in streams), "ole")
