"""Tables as grids of cells, and the value a cell states.

An HTML table becomes a rectangular-ish grid with `rowspan`/`colspan` expanded: a
merged cell is repeated at every position it covers, and every copy carries the same
`origin`, so a value spread over three columns is read once. A table handed over as
rows of strings (from a PDF or DOCX converter) becomes the same kind of grid; there a
`None` cell means "merged with the cell to its left" (or above, in the first column),
which is how pdfplumber reports the continuation of a merged cell.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree
from lxml import html as lxml_html
from opencc import OpenCC

MAX_COLSPAN = 60
MAX_ROWSPAN = 200
XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>")
BREAK_TAGS = frozenset({"br", "p", "div", "li"})
SKIP_TAGS = frozenset({"script", "style"})
SPACE_RE = re.compile(r"[\s\u00a0\u3000\u200b-\u200d\u2060\ufeff]+")

# Marks for "not applicable" (the template's `/`) and dash placeholders.
NOT_APPLICABLE = frozenset({"/", "\\", "-", "--", "—", "——", "–", "-/-", "\u2015"})
NUMBER_RE = re.compile(
    r"^(?P<sign>[+\-]|增加?|减少?)?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<unit>万元|元|件|条|个|项|次|份|篇)?$"
)
CJK_RE = re.compile(r"[\u3400-\u9fff]")
PINYIN_GLOSS_RE = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")
UNIT_COUNT = "count"
UNIT_WAN_YUAN = "万元"


@dataclass(frozen=True)
class Cell:
    """One grid position: the matching text, the page's text, and which source cell it is."""

    key: str  # NFKC, every space removed: what labels are matched against
    raw: str  # the page's own text with whitespace squashed
    origin: int  # same number for every position a merged cell covers


@dataclass(frozen=True)
class CellValue:
    """What a cell states: a number, a blank, a not-applicable mark, or text."""

    value: float | int | None
    kind: str  # "number", "blank", "na", "text"
    unit: str | None = None  # "元" or "万元" when the cell itself names a money unit


def match_key(text: str) -> str:
    """The matching form of a label: NFKC, no whitespace, Simplified, no pinyin glosses.

    Hijacked mirrors convert pages to Traditional characters and add glosses such as
    `報(bào)告`; both are undone so the labels still match.
    """
    folded = SPACE_RE.sub("", unicodedata.normalize("NFKC", text))
    if not CJK_RE.search(folded):
        return folded
    return PINYIN_GLOSS_RE.sub("", simplified(folded))


@lru_cache(maxsize=8192)
def simplified(text: str) -> str:
    return t2s_converter().convert(text)


@lru_cache(maxsize=1)
def t2s_converter() -> OpenCC:
    return OpenCC("t2s")


def squash(text: str) -> str:
    return SPACE_RE.sub(" ", text).strip()


def grid_from_table(table: lxml_html.HtmlElement, first_origin: int = 0) -> list[list[Cell]]:
    """Expand one <table> (its own rows only, not nested tables') into a grid."""
    grid: list[list[Cell | None]] = []
    origin = first_origin
    for r, tr in enumerate(own_rows(table)):
        while len(grid) <= r:
            grid.append([])
        c = 0
        for td in [el for el in tr if el.tag in ("td", "th")]:
            while c < len(grid[r]) and grid[r][c] is not None:
                c += 1
            text = cell_text(td)
            cell = Cell(match_key(text), squash(text), origin)
            origin += 1
            columns = span_of(td, "colspan", MAX_COLSPAN)
            for dr in range(span_of(td, "rowspan", MAX_ROWSPAN)):
                for dc in range(columns):
                    place_cell(grid, r + dr, c + dc, cell)
            c += columns
    return [[cell for cell in row if cell is not None] for row in grid if row]


def own_rows(table: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    """Rows of this table wherever they sit (thead, tbody, a stray wrapper), not nested ones'."""
    return [tr for tr in table.iter("tr") if next(tr.iterancestors("table"), None) is table]


def cell_text(td: lxml_html.HtmlElement) -> str:
    """Text of a cell; <br> and block children become spaces, which matching then drops."""
    parts: list[str] = []
    collect_text(td, parts)
    return "".join(parts)


def collect_text(el: lxml_html.HtmlElement, parts: list[str]) -> None:
    if el.text:
        parts.append(el.text)
    for child in el:
        if isinstance(child.tag, str) and child.tag not in SKIP_TAGS:
            if child.tag in BREAK_TAGS:
                parts.append(" ")
            collect_text(child, parts)
        if child.tail:
            parts.append(child.tail)


def span_of(td: lxml_html.HtmlElement, name: str, limit: int) -> int:
    value = td.get(name)
    if not value:
        return 1
    digits = NON_DIGIT_RE.sub("", value)
    return min(max(int(digits), 1), limit) if digits else 1


def place_cell(grid: list[list[Cell | None]], r: int, c: int, cell: Cell) -> None:
    while len(grid) <= r:
        grid.append([])
    row = grid[r]
    while len(row) <= c:
        row.append(None)
    if row[c] is None:
        row[c] = cell


def grid_from_rows(rows: Sequence[Sequence[str | None]], first_origin: int = 0) -> list[list[Cell]]:
    """A converter's table (rows of strings; None = part of a merged cell) as a grid.

    A None continues the cell above when that one is a label (a real cell or itself an
    upward continuation: a vertical merge such as 自然人 over two header rows), else the
    cell to its left (a horizontal merge such as 申请人情况, or a value spread over three
    columns).
    """
    grid: list[list[Cell]] = []
    kinds: list[list[str]] = []
    origin = first_origin
    for r, row in enumerate(rows):
        out: list[Cell] = []
        kind: list[str] = []
        for c, text in enumerate(row):
            if text is not None:
                out.append(Cell(match_key(str(text)), squash(str(text)), origin))
                kind.append("real")
                origin += 1
                continue
            upward = (
                r > 0
                and c < len(kinds[r - 1])
                and kinds[r - 1][c] in ("real", "up")
                and read_value(grid[r - 1][c].key).kind == "text"
            )
            if upward or (not out and r > 0 and c < len(grid[r - 1])):
                out.append(grid[r - 1][c])
                kind.append("up")
            elif out:
                out.append(out[-1])
                kind.append("left")
            else:
                out.append(Cell("", "", origin))
                kind.append("real")
                origin += 1
        grid.append(out)
        kinds.append(kind)
    return grid


def parse_html(text: str) -> lxml_html.HtmlElement | None:
    """A page's tree, or None for an empty or unparseable page."""
    text = XML_DECL_RE.sub("", text)
    if not text.strip():
        return None
    try:
        return lxml_html.fromstring(text)
    except (etree.ParserError, ValueError):
        return None


def grids_from_tree(root: lxml_html.HtmlElement | None) -> list[list[list[Cell]]]:
    """Every innermost <table> of a page, in document order, as grids."""
    if root is None:
        return []
    grids: list[list[list[Cell]]] = []
    origin = 0
    for table in root.iter("table"):
        if table.xpath(".//table"):
            continue  # a layout table: its data tables are visited on their own
        grid = grid_from_table(table, origin)
        origin += sum(len(row) for row in grid) + 1
        grids.append(grid)
    return grids


@lru_cache(maxsize=4096)
def read_value(text: str) -> CellValue:
    """Parse a cell's matching text. A blank is not a zero; `/` and dashes are not applicable."""
    if text == "":
        return CellValue(None, "blank")
    if text in NOT_APPLICABLE:
        return CellValue(None, "na")
    m = NUMBER_RE.match(text.replace("，", ","))
    if not m:
        return CellValue(None, "text")
    number = float(m["num"].replace(",", ""))
    if m["sign"] and m["sign"][0] in "-减":
        number = -number
    value: float | int = int(number) if number.is_integer() and "." not in m["num"] else number
    unit = m["unit"] if m["unit"] in ("元", "万元") else None
    return CellValue(value, "number", unit)


def is_value_like(cell: Cell) -> bool:
    return read_value(cell.key).kind != "text"


def distinct(cells: Iterable[Cell]) -> list[Cell]:
    """Cells in order with repeats of the same merged cell dropped."""
    seen: set[int] = set()
    out: list[Cell] = []
    for cell in cells:
        if cell.origin not in seen:
            seen.add(cell.origin)
            out.append(cell)
    return out


def to_wan_yuan(value: float, stated_unit: str | None, column_unit: str | None) -> float:
    """Money in 万元: a cell saying 元 (or a column headed 元) is divided by 10,000."""
    unit = stated_unit or column_unit or UNIT_WAN_YUAN
    amount = value / 10000 if unit == "元" else value
    return round(float(amount), 6)


TABLE_SECTION_START = re.compile(r"主动公开政府信息情况|^[二2][、.．]主动公开")
TABLE_SECTION_END = re.compile(r"存在的主要问题|主要问题及改进|其他需要报告")
IMAGE_SCAN_TAGS = ("img", "p", "div", "span", "strong", "b", "font", "td", "h1", "h2", "h3", "h4")
WHITESPACE_RE = re.compile(r"\s+")
NON_DIGIT_RE = re.compile(r"\D")
ICON_RE = re.compile(r"icon|logo|share|print|close|weixin|wechat|qrcode|banner|btn", re.IGNORECASE)


def count_table_images(root: lxml_html.HtmlElement | None) -> int:
    """Images between part 二 (主动公开) and part 五 (问题): tables published as pictures."""
    if root is None:
        return 0
    inside, count = False, 0
    for el in root.iter(tag=IMAGE_SCAN_TAGS):
        if el.tag == "img":
            if inside and not ICON_RE.search(el.get("src", "") or ""):
                count += 1
            continue
        text = WHITESPACE_RE.sub("", el.text or "")
        if not inside and TABLE_SECTION_START.search(text):
            inside = True
        elif inside and TABLE_SECTION_END.search(text):
            break
    return count
