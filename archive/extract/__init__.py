"""Text and tables from report attachments: PDF, DOCX, DOC/WPS, XLS/XLSX.

    from archive.extract import extract_attachment, filename_from_headers

    result = extract_attachment(body, filename="XX镇2020年报.pdf", content_type="application/pdf")
    result.status   # "ok" | "needs_ocr" | "error"; result.error says why
    result.text, result.tables, result.pages, result.extractor

Extraction runs in a child process (`python -m archive.extract.worker`) under an
address-space limit (Limits.memory_mb, default 1 GiB) and a wall-time limit
(Limits.timeout_seconds, default 60 s); hostile files end as status "error".
"""

from archive.extract.filenames import filename_from_headers, filename_from_url
from archive.extract.model import (
    DEFAULT_LIMITS,
    ERROR,
    KINDS,
    NEEDS_OCR,
    OK,
    Block,
    Extracted,
    Limits,
    Table,
)
from archive.extract.render import extracted_html
from archive.extract.runner import extract_attachment
from archive.extract.sniff import kind_from_content_type, kind_from_name, sniff_kind

__all__ = [
    "DEFAULT_LIMITS",
    "ERROR",
    "KINDS",
    "NEEDS_OCR",
    "OK",
    "Block",
    "Extracted",
    "Limits",
    "Table",
    "extract_attachment",
    "extracted_html",
    "filename_from_headers",
    "filename_from_url",
    "kind_from_content_type",
    "kind_from_name",
    "sniff_kind",
]
