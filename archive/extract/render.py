"""An extracted attachment as a plain HTML page, so the HTML report parser can read it."""

from __future__ import annotations

from html import escape

from archive.extract.model import Extracted, Table


def extracted_html(result: Extracted, title: str | None = None) -> str:
    """UTF-8 HTML: <title>/<h1> from `title` (a link label or file name), then the
    paragraphs and tables in reading order."""
    parts = []
    for block in result.blocks:
        if block.kind == "table" and block.table is not None:
            parts.append(table_html(result.tables[block.table]))
        elif block.text:
            parts.append(f"<p>{escape(block.text)}</p>")
    if not result.blocks and result.text:
        parts += [f"<p>{escape(line)}</p>" for line in result.text.splitlines() if line.strip()]
    head = escape(title or "")
    heading = f"<h1>{head}</h1>\n" if title else ""
    body = "\n".join(parts)
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{head}</title></head>\n'
        f'<body>\n{heading}<div class="attachment" id="zoom">\n{body}\n</div>\n</body></html>\n'
    )


def table_html(rows: Table) -> str:
    lines = ['<table border="1">']
    lines += ["<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows]
    lines.append("</table>")
    return "\n".join(lines)
