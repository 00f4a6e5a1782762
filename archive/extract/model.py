"""What an attachment extraction returns, and the limits it runs under."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

PDF, DOCX, DOC, WPS, XLS, XLSX = "pdf", "docx", "doc", "wps", "xls", "xlsx"
KINDS = (PDF, DOCX, DOC, WPS, XLS, XLSX)
OK, NEEDS_OCR, ERROR = "ok", "needs_ocr", "error"
MIB = 1024 * 1024

Table = list[list[str]]  # rows of cell strings; merged cells repeat or stay "" as the file has them


@dataclass(frozen=True)
class Limits:
    """Bounds one extraction runs under. Every hostile file ends at one of these."""

    max_bytes: int = 50 * MIB  # the attachment itself
    max_unzipped_bytes: int = 200 * MIB  # declared total of a DOCX/XLSX's zip members
    max_zip_ratio: float = 100.0  # uncompressed:compressed, for members over ratio_floor_bytes
    ratio_floor_bytes: int = 1 * MIB
    max_zip_members: int = 5000
    max_pages: int = 500  # PDF pages read; the rest are counted, not read
    max_text_chars: int = 2_000_000
    max_sheet_rows: int = 20_000  # per spreadsheet sheet
    timeout_seconds: float = 60.0  # wall time of the child process
    memory_mb: int = 1024  # RLIMIT_AS of the child process (and of antiword/catdoc/tesseract)
    ocr: bool = False  # run tesseract (chi_sim) on PDFs with no text layer
    ocr_max_pages: int = 10
    ocr_dpi: int = 200


DEFAULT_LIMITS = Limits()


@dataclass
class Block:
    """One unit of an attachment in reading order: a paragraph or a pointer into `tables`."""

    kind: str  # "p" | "table"
    text: str = ""
    table: int | None = None


@dataclass
class Extracted:
    """Text and tables of one attachment, or the reason there are none."""

    kind: str | None  # pdf | docx | doc | wps | xls | xlsx, sniffed from the bytes; None if unknown
    status: str = OK  # ok | needs_ocr | error
    text: str = ""  # reading order; table rows as tab-separated lines
    tables: list[Table] = field(default_factory=list)
    pages: int | None = None  # PDF pages, DOCX/DOC None, sheets for spreadsheets
    text_chars: int = 0  # characters of `text` that are not whitespace
    extractor: str = ""  # library or tool with version, e.g. "pdfplumber 0.11.10"
    error: str | None = None  # why status is error (or what was odd when ok)
    declared: str | None = None  # kind claimed by file name / Content-Type when it differs
    blocks: list[Block] = field(default_factory=list)
    ocr: bool = False  # text came from OCR

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Extracted:
        blocks = [Block(**b) for b in data.pop("blocks", [])]
        return cls(**data, blocks=blocks)


def failed(kind: str | None, reason: str, extractor: str = "") -> Extracted:
    """An error result with its reason."""
    return Extracted(kind=kind, status=ERROR, error=reason, extractor=extractor)


def count_chars(text: str) -> int:
    return sum(1 for ch in text if not ch.isspace())


def finish(result: Extracted, limits: Limits) -> Extracted:
    """Cap the text, fill text from blocks when empty, and count characters."""
    if not result.text and result.blocks:
        result.text = text_of_blocks(result.blocks, result.tables)
    if len(result.text) > limits.max_text_chars:
        result.text = result.text[: limits.max_text_chars]
        result.error = result.error or f"text cut at {limits.max_text_chars} characters"
    result.text_chars = count_chars(result.text)
    return result


def text_of_blocks(blocks: list[Block], tables: list[Table]) -> str:
    lines: list[str] = []
    for block in blocks:
        if block.kind == "table" and block.table is not None:
            lines += ["\t".join(row) for row in tables[block.table]]
        elif block.text:
            lines.append(block.text)
    return "\n".join(lines)
