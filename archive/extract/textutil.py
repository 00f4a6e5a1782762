"""Small text helpers shared by the format readers."""

from __future__ import annotations

import re
from collections.abc import Sequence

CJK = r"\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{CJK}])[ \t]+(?=[{CJK}])")


def join_wrapped(lines: list[str]) -> str:
    """Join lines a layout wrapped: no space between CJK, one space between Latin words."""
    out = ""
    for line in (ln.strip() for ln in lines):
        if not line:
            continue
        if out and out[-1].isascii() and out[-1].isalnum() and line[0].isascii():
            out += " "
        out += line
    return out


def cell_text(value: object) -> str:
    """A table cell as one line of text ('' for empty or merged-away cells)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return join_wrapped(str(value).splitlines())


def squeeze_cjk_spaces(text: str) -> str:
    """Drop the spaces OCR and some converters put between Chinese characters."""
    return SPACE_BETWEEN_CJK.sub("", text)


def clean_rows(rows: Sequence[Sequence[object]]) -> list[list[str]]:
    """Cells as strings; rows that are entirely empty are dropped."""
    table = [[cell_text(c) for c in row] for row in rows]
    return [row for row in table if any(row)]


def trim_columns(table: list[list[str]]) -> list[list[str]]:
    """Drop trailing columns that are empty in every row (spreadsheets pad their ranges)."""
    width = max((i + 1 for row in table for i, c in enumerate(row) if c), default=0)
    return [row[:width] for row in table]
