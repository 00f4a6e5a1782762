"""Office Open XML and BIFF: DOCX (python-docx), XLSX (openpyxl), XLS (xlrd)."""

from __future__ import annotations

import io
from importlib.metadata import version
from typing import Any

import docx
import openpyxl
import xlrd
from docx.table import Table as DocxTable

from archive.extract.model import DOCX, XLS, XLSX, Block, Extracted, Limits, Table
from archive.extract.textutil import clean_rows, trim_columns

DOCX_EXTRACTOR = f"python-docx {version('python-docx')}"
XLSX_EXTRACTOR = f"openpyxl {openpyxl.__version__}"
XLS_EXTRACTOR = f"xlrd {xlrd.__version__}"


def extract_docx(body: bytes, limits: Limits) -> Extracted:
    """Paragraphs and tables in document order."""
    document = docx.Document(io.BytesIO(body))
    result = Extracted(kind=DOCX, extractor=DOCX_EXTRACTOR)
    for item in document.iter_inner_content():
        if isinstance(item, DocxTable):
            rows = clean_rows(docx_table_rows(item))
            if rows:
                result.tables.append(rows)
                result.blocks.append(Block("table", table=len(result.tables) - 1))
        elif item.text.strip():
            result.blocks.append(Block("p", text=item.text.strip()))
    return result


def docx_table_rows(table: DocxTable) -> list[list[Any]]:
    """Cells on the table grid; a merged cell keeps its text in its first position only."""
    rows: list[list[Any]] = []
    above: list[Any] = []
    for row in table.rows:
        elements = [cell._tc for cell in row.cells]
        texts: list[Any] = []
        for i, (cell, element) in enumerate(zip(row.cells, elements)):
            spanned = i > 0 and element is elements[i - 1]
            merged_down = i < len(above) and element is above[i]
            texts.append(None if spanned or merged_down else cell.text)
        rows.append(texts)
        above = elements
    return rows


def extract_xlsx(body: bytes, limits: Limits) -> Extracted:
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    try:
        sheets = [
            (sheet.title, take_rows(sheet.iter_rows(values_only=True), limits))
            for sheet in book.worksheets
        ]
    finally:
        book.close()
    return sheets_result(XLSX, XLSX_EXTRACTOR, sheets)


def extract_xls(body: bytes, limits: Limits) -> Extracted:
    book = xlrd.open_workbook(file_contents=body, on_demand=True)
    try:
        sheets = []
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            rows = (sheet.row_values(r) for r in range(sheet.nrows))
            sheets.append((sheet.name, take_rows(rows, limits)))
            book.unload_sheet(index)
    finally:
        book.release_resources()
    return sheets_result(XLS, XLS_EXTRACTOR, sheets)


def take_rows(rows: Any, limits: Limits) -> Table:
    taken = []
    for number, row in enumerate(rows):
        if number >= limits.max_sheet_rows:
            break
        taken.append(list(row))
    return trim_columns(clean_rows(taken))


def sheets_result(kind: str, extractor: str, sheets: list[tuple[str, Table]]) -> Extracted:
    """One table per non-empty sheet; the sheet name leads it as a paragraph."""
    result = Extracted(kind=kind, extractor=extractor, pages=len(sheets))
    for name, rows in sheets:
        if not rows:
            continue
        result.blocks.append(Block("p", text=name))
        result.tables.append(rows)
        result.blocks.append(Block("table", table=len(result.tables) - 1))
    return result
