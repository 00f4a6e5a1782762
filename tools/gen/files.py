"""Report body blocks written as the files townships attach: PDF, DOCX, XLSX.

Deterministic: reportlab's invariant mode fixes the PDF's dates and ID; zip members of
DOCX/XLSX get a fixed timestamp and core properties carry the publication date, so the
same blocks always give the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from typing import Any

from tools.gen.grid import grid_of

Block = dict[str, Any]
FONT = "STSong-Light"  # reportlab's built-in CID font: no font file needed or embedded
ZIP_TIME = (2020, 1, 1, 0, 0, 0)
PAGE_MARGIN = 50.0


def register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def pdf_bytes(title: str, blocks: list[Block], author: str, stamp: str) -> bytes:
    """A text PDF: title, headings, paragraphs, ruled tables with merged cells, signature."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    register_font()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        invariant=1,
        title=title,
        author=author,
        creator="nianbao demo",
        leftMargin=PAGE_MARGIN,
        rightMargin=PAGE_MARGIN,
        topMargin=PAGE_MARGIN,
        bottomMargin=PAGE_MARGIN,
    )
    styles = pdf_styles()
    story = [flow_title(title, styles)]
    for block in blocks:
        story += pdf_flowables(block, styles, A4[0] - 2 * PAGE_MARGIN)
    doc.build(story)
    return out.getvalue()


def pdf_styles() -> dict[str, Any]:
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=18, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", base, fontSize=16, leading=26, alignment=TA_CENTER),
        "p": ParagraphStyle("p", base, firstLineIndent=22),
        "h1": ParagraphStyle("h1", base, fontSize=12.5, leading=22, spaceBefore=6),
        "h2": ParagraphStyle("h2", base, firstLineIndent=22),
        "sign": ParagraphStyle("sign", base, alignment=TA_RIGHT),
        "cell": ParagraphStyle("cell", base, fontSize=8, leading=10, alignment=TA_CENTER),
        "small": ParagraphStyle("small", base, fontSize=6.5, leading=8, alignment=TA_CENTER),
    }


def flow_title(title: str, styles: dict[str, Any]) -> Any:
    from reportlab.platypus import Paragraph

    return Paragraph(escape_rl(title), styles["title"])


def escape_rl(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def pdf_flowables(block: Block, styles: dict[str, Any], width: float) -> list[Any]:
    from reportlab.platypus import Paragraph, Spacer

    kind = block["t"]
    if kind == "p":
        return [Paragraph(escape_rl(block["x"]), styles["p"])]
    if kind == "h":
        return [Paragraph(escape_rl(block["x"]), styles["h1" if block["l"] == 1 else "h2"])]
    if kind == "table":
        return [Spacer(1, 4), pdf_table(block["rows"], styles, width), Spacer(1, 6)]
    if kind == "sign":
        return [Spacer(1, 10)] + [Paragraph(escape_rl(x), styles["sign"]) for x in block["lines"]]
    return []


def column_widths(count: int, width: float) -> list[float]:
    """Label columns wide, number columns narrow (the three standard tables' shapes)."""
    if count == 10:  # table 2: three label columns, seven numbers
        label = [34.0, 34.0, width - 68.0 - 7 * 38.0]
        return label + [38.0] * 7
    if count <= 4:
        return [width * 0.34] + [width * 0.66 / (count - 1)] * (count - 1)
    return [width / count] * count


def pdf_table(rows: list[list[Any]], styles: dict[str, Any], width: float) -> Any:
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    grid = grid_of(rows)
    style = styles["small"] if grid.width > 10 else styles["cell"]
    data = [[Paragraph(escape_rl(c), style) if c else "" for c in row] for row in grid.cells]
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]
    commands += [("SPAN", (c0, r0), (c1, r1)) for r0, c0, r1, c1 in grid.spans]
    table = Table(data, colWidths=column_widths(grid.width, width), repeatRows=0)
    table.setStyle(TableStyle(commands))
    return table


def docx_bytes(title: str, blocks: list[Block], author: str, stamp: str) -> bytes:
    """A DOCX with headings, paragraphs and real Word tables (merged cells merged)."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = docx.Document()
    set_core(document.core_properties, title, author, stamp)
    heading = document.add_paragraph(title)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for block in blocks:
        kind = block["t"]
        if kind in ("p", "h"):
            document.add_paragraph(block["x"])
        elif kind == "table":
            docx_table(document, block["rows"])
        elif kind == "sign":
            for line in block["lines"]:
                document.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    document.save(out)
    return fixed_zip(out.getvalue())


def set_core(core: Any, title: str, author: str, stamp: str) -> None:
    moment = datetime.fromisoformat(stamp)
    core.title, core.author, core.last_modified_by = title, author, author
    core.created, core.modified, core.last_printed = moment, moment, moment
    core.revision = 1


def docx_table(document: Any, rows: list[list[Any]]) -> None:
    grid = grid_of(rows)
    table = document.add_table(rows=len(grid.cells), cols=grid.width)
    table.style = "Table Grid"
    for r0, c0, r1, c1 in grid.spans:
        table.cell(r0, c0).merge(table.cell(r1, c1))
    for r, row in enumerate(grid.cells):
        for c, text in enumerate(row):
            if text:
                table.cell(r, c).text = text


def xlsx_bytes(sheets: list[tuple[str, list[list[Any]]]], author: str, stamp: str) -> bytes:
    """An XLSX with one sheet per table, merged ranges merged."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets:
        sheet = book.create_sheet(name)
        grid = grid_of(rows)
        for r, row in enumerate(grid.cells, 1):
            for c, text in enumerate(row, 1):
                if text:
                    sheet.cell(r, c, int(text) if text.isdigit() else text)
        for r0, c0, r1, c1 in grid.spans:
            sheet.merge_cells(
                start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1
            )
    moment = datetime.fromisoformat(stamp)
    book.properties.creator = author
    book.properties.created = book.properties.modified = moment
    out = io.BytesIO()
    book.save(out)
    return fixed_zip(out.getvalue())


def fixed_zip(data: bytes) -> bytes:
    """The same zip with every member's timestamp fixed, so output is reproducible."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            target.writestr(member, source.read(info.filename))
    return out.getvalue()
