"""PDF: text in reading order with tables kept as rows (pdfplumber on pdfminer.six)."""

from __future__ import annotations

import io
import logging
import re
from typing import Any

import pdfminer
import pdfplumber
from pdfminer.pdfdocument import PDFPasswordIncorrect

from archive.extract import ocr
from archive.extract.model import ERROR, NEEDS_OCR, PDF, Block, Extracted, Limits, Table, failed
from archive.extract.textutil import clean_rows, join_wrapped

log = logging.getLogger(__name__)

EOF_WINDOW = 2048  # %%EOF must appear this close to the end of a complete file
MIN_CHARS_PER_PAGE = 20  # fewer characters than this per page: no usable text layer
HEADING_START = re.compile(
    r"\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|附件)"
)
EXTRACTOR = f"pdfplumber {pdfplumber.__version__} (pdfminer.six {pdfminer.__version__})"
Obj = dict[str, Any]


def extract_pdf(body: bytes, limits: Limits) -> Extracted:
    if b"%%EOF" not in body[-EOF_WINDOW:]:
        return failed(PDF, "truncated PDF: no %%EOF marker at the end of the file", EXTRACTOR)
    try:
        with pdfplumber.open(io.BytesIO(body)) as pdf:
            return read_document(pdf, limits)
    except Exception as error:  # noqa: BLE001 - pdfminer raises many unrelated types
        return failed(PDF, pdf_error_reason(error), EXTRACTOR)


def pdf_error_reason(error: Exception) -> str:
    """A readable reason; pdfplumber wraps pdfminer's exception in PdfminerException."""
    inner = error.args[0] if error.args and isinstance(error.args[0], Exception) else error
    if isinstance(inner, PDFPasswordIncorrect):
        return "encrypted PDF: a password is needed to open it"
    reason = f"unreadable PDF: {type(inner).__name__}: {inner}".rstrip(": ")[:300]
    if "encrypt" in reason.lower():
        return f"encrypted PDF: {reason}"
    return reason


def read_document(pdf: pdfplumber.PDF, limits: Limits) -> Extracted:
    result = Extracted(kind=PDF, pages=len(pdf.pages), extractor=EXTRACTOR)
    for number, page in enumerate(pdf.pages):
        if number >= limits.max_pages:
            result.error = f"read {limits.max_pages} of {result.pages} pages"
            break
        read_page(page, result)
        page.close()  # drop pdfplumber's per-page caches as we go
    text_chars = sum(len(b.text.replace(" ", "")) for b in result.blocks)
    text_chars += sum(len("".join(c for row in t for c in row)) for t in result.tables)
    if text_chars < MIN_CHARS_PER_PAGE * max(1, min(result.pages or 1, limits.max_pages)):
        return no_text_layer(pdf, result, limits)
    return result


def read_page(page: pdfplumber.page.Page, result: Extracted) -> None:
    """Append the page's paragraphs and tables to result, ordered top to bottom.

    A table that opens the page and has as many columns as the table that closed the
    previous page is the same table broken by the page end: its rows are appended."""
    found = page.find_tables() if page.lines or page.rects else []  # no rules: no table
    boxes = [t.bbox for t in found]
    placed: list[tuple[float, Block | Table]] = []
    for table in found:
        rows = clean_rows(table.extract())
        if rows:
            placed.append((table.bbox[1], rows))
    outside = page.filter(lambda obj: not in_any_box(obj, boxes)) if boxes else page
    placed += [
        (top, Block("p", text=text)) for top, text in paragraphs(outside.extract_text_lines())
    ]
    placed.sort(key=lambda pair: pair[0])
    for index, (_, item) in enumerate(placed):
        if isinstance(item, Block):
            result.blocks.append(item)
        elif index == 0 and continues_table(result, item):
            result.tables[-1].extend(item)
        else:
            result.tables.append(item)
            result.blocks.append(Block("table", table=len(result.tables) - 1))


def continues_table(result: Extracted, rows: Table) -> bool:
    if not result.blocks or result.blocks[-1].kind != "table" or not result.tables:
        return False
    return len(result.tables[-1][-1]) == len(rows[0])


def in_any_box(obj: Obj, boxes: list[tuple[float, float, float, float]]) -> bool:
    if obj.get("object_type") != "char":
        return False
    mid_x = (obj["x0"] + obj["x1"]) / 2
    mid_y = (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= mid_x < x1 and top <= mid_y < bottom for x0, top, x1, bottom in boxes)


def paragraphs(lines: list[Obj]) -> list[tuple[float, str]]:
    """Join wrapped lines into paragraphs: (top, text) pairs. A paragraph goes on while
    the previous line runs to the right margin and the next line is not indented (or
    both are centred, as a title that wraps); a numbered heading always starts anew."""
    if not lines:
        return []
    right = max(line["x1"] for line in lines)
    left = min(line["x0"] for line in lines)
    out: list[tuple[float, list[str]]] = []
    previous: Obj | None = None
    for line in lines:
        size = font_size(line)
        if previous is not None and continues(previous, line, left, right, size):
            out[-1][1].append(line["text"])
        else:
            out.append((line["top"], [line["text"]]))
        previous = line
    return [(top, join_wrapped(parts)) for top, parts in out]


def font_size(line: Obj) -> float:
    return float(line["chars"][0]["size"]) if line.get("chars") else 10.0


def continues(previous: Obj, line: Obj, left: float, right: float, size: float) -> bool:
    """Is `line` the wrapped continuation of `previous`?"""
    if HEADING_START.match(line["text"]):
        return False
    open_ended = previous["x1"] >= right - 1.5 * size and previous["x0"] <= left + 3 * size
    if not open_ended:
        return False
    if line["x0"] <= left + size:
        return True
    return (
        is_centred(previous, left, right)
        and is_centred(line, left, right)
        and (abs(font_size(previous) - size) < 0.5)
    )


def is_centred(line: Obj, left: float, right: float) -> bool:
    return abs((line["x0"] - left) - (right - line["x1"])) < 2 * font_size(line)


def no_text_layer(pdf: pdfplumber.PDF, result: Extracted, limits: Limits) -> Extracted:
    """A scanned PDF: OCR it when allowed and possible, else report needs_ocr."""
    images = sum(len(page.images) for page in pdf.pages[: limits.max_pages])
    reason = f"no text layer ({images} images on {result.pages} pages)"
    if limits.ocr:
        done = ocr.ocr_pdf(pdf, limits)
        if done.text:
            return Extracted(
                kind=PDF,
                text=done.text,
                pages=result.pages,
                extractor=f"{EXTRACTOR} + {done.tool}",
                blocks=[Block("p", text=t) for t in done.text.split("\n") if t],
                ocr=True,
                error=reason,
            )
        reason += f"; OCR: {done.problem}"
    status = NEEDS_OCR if result.pages else ERROR
    return Extracted(kind=PDF, status=status, pages=result.pages, extractor=EXTRACTOR, error=reason)
