"""Figures from the three standard tables, whatever the markup.

Every grid of a page (innermost <table>s, or converter tables) is read as one stream
of rows, once per standard table. Rows without numbers accumulate as a header; a
header whose columns carry known labels is adopted. A row whose label belongs to the
table is a data row; its values are read at the header's positions when the row lines
up with the header, otherwise from its trailing run of value cells (by header order,
or the template's order for tables 2 and 3). Rows that fit neither are skipped with a
note: no figure is better than a wrong one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from archive.figures import vocab
from archive.figures.grid import (
    UNIT_COUNT,
    UNIT_WAN_YUAN,
    Cell,
    count_table_images,
    distinct,
    grid_from_rows,
    grids_from_tree,
    is_value_like,
    parse_html,
    read_value,
    to_wan_yuan,
)
from archive.figures.vocab import ACTIVE, APPLICATIONS, REVIEWS, first_key

log = logging.getLogger(__name__)

Grid = list[list[Cell]]
ColumnKey = tuple[str | None, str]  # (row key when the column decides it, column key)
SHORT_LABEL = 4  # a review data row may carry a unit word such as 件数
MIN_REVIEW_VALUES = 10  # the review row has 15 separate cells


@dataclass(frozen=True)
class Figure:
    """One cell of a standard table (or one number from prose, with its sentence)."""

    table: str  # active | applications | reviews | narrative
    row_key: str
    column_key: str
    value: float | int | None  # None: blank, not applicable (`/`) or unreadable text
    unit: str | None  # "count" or "万元"
    raw: str  # the cell's own text ("" for a blank, "/" for not applicable)
    sentence: str | None = None  # prose figures only


@dataclass
class Extraction:
    """What the tables of one report say."""

    figures: list[Figure] = field(default_factory=list)
    version: str | None = None  # "2019" (60号) or "2021" (30号), from the column labels
    notes: list[str] = field(default_factory=list)
    images: int = 0  # images where the tables were expected (HTML only)

    @property
    def tables(self) -> list[str]:
        found = {f.table for f in self.figures}
        return [t for t in vocab.TABLE_ORDER if t in found]

    def value(self, table: str, row_key: str, column_key: str) -> Figure | None:
        for figure in self.figures:
            if (figure.table, figure.row_key, figure.column_key) == (table, row_key, column_key):
                return figure
        return None


@dataclass
class Column:
    index: int  # first grid position of the (possibly merged) header cell
    key: ColumnKey
    unit: str | None  # money unit named in the header


@dataclass
class Header:
    grid: int
    width: int
    columns: list[Column]


@dataclass
class Spec:
    table: str
    column_key: Callable[[str], ColumnKey | None]
    min_columns: int
    standard: tuple[ColumnKey, ...] | None = None


@dataclass
class Pass:
    """State of one table's pass over the row stream."""

    spec: Spec
    header: Header | None = None
    armed: bool = False  # a review header waiting for its single data row
    group: str | None = None  # current group of table 2 (refused, unable, ...)
    context: bool = False  # review words seen in this grid's header rows
    keys_seen: set[str] = field(default_factory=set)
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def active_column(text: str) -> ColumnKey | None:
    if re.search(vocab.ACTIVE_LABEL_COLUMN, text):
        return None
    key = first_key(text, vocab.ACTIVE_COLUMNS)
    return (None, key) if key else None


def application_column(text: str) -> ColumnKey | None:
    key = first_key(vocab.APPLICATION_HEADER_NOISE.sub("", text), vocab.APPLICATION_COLUMNS)
    return (None, key) if key else None


def review_column(text: str) -> ColumnKey | None:
    group = first_key(text, vocab.REVIEW_GROUPS)
    result = first_key(text, vocab.REVIEW_RESULTS)
    return (group, result) if group and result else None


SPECS = (
    Spec(ACTIVE, active_column, 1),
    Spec(
        APPLICATIONS,
        application_column,
        3,
        tuple((None, key) for key in vocab.APPLICATION_STANDARD),
    ),
    Spec(REVIEWS, review_column, 5, vocab.REVIEW_STANDARD),
)


def extract_tables(page_html: str) -> Extraction:
    """Figures from every standard table on an HTML page, with images counted."""
    root = parse_html(page_html)
    result = extract_grids(grids_from_tree(root))
    result.images = count_table_images(root)
    return result


def figures_from_html(page_html: str) -> list[Figure]:
    return extract_tables(page_html).figures


def figures_from_grid(rows: Sequence[Sequence[str | None]]) -> list[Figure]:
    """Figures from one converter table given as rows of cell strings."""
    return extract_grids([grid_from_rows(rows)]).figures


def extract_rows(tables: Iterable[Sequence[Sequence[str | None]]]) -> Extraction:
    """Several converter tables (one attachment's tables in order) read as one stream."""
    grids: list[Grid] = []
    origin = 0
    for rows in tables:
        grid = grid_from_rows(rows, origin)
        origin += sum(len(row) for row in grid) + 1
        grids.append(grid)
    return extract_grids(grids)


def extract_grids(grids: Sequence[Grid]) -> Extraction:
    result = Extraction()
    for spec in SPECS:
        state = Pass(spec)
        for number, grid in enumerate(grids):
            read_grid(state, number, grid)
        result.figures += state.figures
        result.notes += state.notes
        if spec.table == ACTIVE:
            result.version = version_from_columns(state.keys_seen)
    result.figures = drop_duplicates(result.figures, result.notes)
    if result.version is None:
        result.version = version_from_rows(result.figures)
    return result


def read_grid(state: Pass, number: int, grid: Grid) -> None:
    pending: list[list[Cell]] = []
    state.armed = False
    state.context = False
    for row in grid:
        label = row_label(row)
        if read_data_row(state, number, row, label):
            pending = []
            continue
        if any(read_value(cell.key).kind == "number" for cell in row):
            pending = []  # another table's data: not part of a header
            continue
        pending.append(row)
        adopt_header(state, number, pending)


def row_label(row: Sequence[Cell]) -> str:
    return "".join(cell.key for cell in distinct(row) if not is_value_like(cell))


def adopt_header(state: Pass, number: int, rows: list[list[Cell]]) -> None:
    texts = column_texts(rows)
    if state.spec.table == REVIEWS and vocab.REVIEW_CONTEXT.search("".join(t for t, _ in texts)):
        state.context = True
    columns = header_columns(state.spec, texts)
    if len(columns) >= state.spec.min_columns:
        state.header = Header(number, max(len(r) for r in rows), columns)
        state.armed = True
        state.keys_seen.update(column.key[1] for column in columns)


def column_texts(rows: Sequence[Sequence[Cell]]) -> list[tuple[str, tuple[int, ...]]]:
    """Per grid position: the header text stacked over the rows, and the stack of origins."""
    width = max(len(row) for row in rows)
    out: list[tuple[str, tuple[int, ...]]] = []
    for c in range(width):
        parts: list[str] = []
        stack: list[int] = []
        for row in rows:
            if c < len(row):
                if not stack or row[c].origin != stack[-1]:
                    parts.append(row[c].key)
                stack.append(row[c].origin)
        out.append(("".join(parts), tuple(stack)))
    return out


def header_columns(spec: Spec, texts: list[tuple[str, tuple[int, ...]]]) -> list[Column]:
    """One column per merged header cell (positions with the same stack of origins)."""
    logical: list[tuple[int, str]] = []
    for index, (text, stack) in enumerate(texts):
        if index == 0 or stack != texts[index - 1][1]:
            logical.append((index, text))
    keys = [spec.column_key(text) for _, text in logical]
    if spec.table == ACTIVE:
        keys = repair_duplicates(keys)
    else:
        keys = [k if k is None or keys.count(k) == 1 else None for k in keys]
    return [
        Column(index, key, money_unit(text))
        for (index, text), key in zip(logical, keys)
        if key is not None
    ]


def repair_duplicates(keys: list[ColumnKey | None]) -> list[ColumnKey | None]:
    """A label printed twice in a table-1 header: trust the template order, or drop both."""
    names = [k[1] if k else None for k in keys]
    dupes = {n for n in names if n and names.count(n) > 1}
    if not dupes:
        return keys
    values = [n for n in names if n is not None]
    for template in vocab.ACTIVE_TEMPLATES:
        if (
            len(values) == len(template)
            and all(n == t or n in dupes for n, t in zip(values, template))
            and set(values) | set(template) == set(template)
        ):
            fixed = iter(template)
            log.debug("duplicated header %s repaired by template %s", names, template)
            return [(None, next(fixed)) if n else None for n in names]
    return [k if k is None or k[1] not in dupes else None for k in keys]


def money_unit(text: str) -> str | None:
    if "万元" in text:
        return UNIT_WAN_YUAN
    return "元" if "元" in text else None


def read_data_row(state: Pass, number: int, row: list[Cell], label: str) -> bool:
    row_key = data_row_key(state, label)
    if row_key is None:
        return False
    if row_key == "" and sum(is_value_like(c) for c in distinct(row)) < MIN_REVIEW_VALUES:
        return False
    pairs = row_values(state, number, row)
    if pairs is not None and state.spec.table == ACTIVE:
        allowed = vocab.ACTIVE_ROW_COLUMNS[row_key]
        pairs = [(column, cell) for column, cell in pairs if column.key[1] in allowed] or None
    if pairs is not None and 2 * sum(is_value_like(c) for _, c in pairs) < len(pairs):
        return False  # mostly words: a header row that happens to carry a row label
    if pairs is None:
        if any(is_value_like(cell) for cell in row):
            state.notes.append(
                f"{state.spec.table}: row {label[:30]!r} not read: "
                "its cells do not line up with any header"
            )
        return False
    for column, cell in pairs:
        state.figures.append(make_figure(state.spec.table, row_key, column, cell))
    state.armed = False
    return True


def data_row_key(state: Pass, label: str) -> str | None:
    table = state.spec.table
    if table == ACTIVE:
        return first_key(label, vocab.ACTIVE_ROWS)
    if table == APPLICATIONS:
        return application_row(state, label)
    if len(label) <= SHORT_LABEL and (state.armed or state.context):
        return ""  # the review table's one unlabelled data row: columns give the rows
    return None


def application_row(state: Pass, label: str) -> str | None:
    key = first_key(label, vocab.APPLICATION_ROWS)
    group = first_key(label, vocab.APPLICATION_GROUPS)
    if group:
        state.group = group
    elif key is not None and not (state.group and key.startswith(state.group + "_")):
        # a numbered sub-row (a converter's "" under a merged group label) keeps its group
        state.group = None
    if key is None and state.group == "other":
        if vocab.OTHER_SUBROW.search(label):
            return "other_other"
        if vocab.OTHER_ROW.search(label):
            return "other"
    return key


def row_values(state: Pass, number: int, row: list[Cell]) -> list[tuple[Column, Cell]] | None:
    header = state.header
    run = trailing_values(row)
    standard = state.spec.standard
    fits_standard = bool(standard) and len(run) == len(standard or ()) and (
        state.spec.table != REVIEWS or state.context
    )
    if (
        header
        and header.grid == number
        and len(row) == header.width
        and lined_up(header, row)
        and not (fits_standard and lacks_standard_column(header, standard))
    ):
        return [(column, row[column.index]) for column in header.columns]
    if not run:
        return None
    if header and len(run) == len(header.columns):
        return list(zip(header.columns, run))
    if standard and fits_standard:
        return [(Column(-1, key, None), cell) for key, cell in zip(standard, run)]
    return None


def lacks_standard_column(header: Header, standard: tuple[ColumnKey, ...] | None) -> bool:
    """A header that misread a column (a converter's shifted header rows): the row's run of
    exactly the template's number of values is then read in the template's order."""
    return bool(standard) and not set(standard or ()) <= {column.key for column in header.columns}


def lined_up(header: Header, row: list[Cell]) -> bool:
    """No value position is covered by a label cell that also sits outside the values."""
    value_positions = {column.index for column in header.columns}
    label_origins = {cell.origin for i, cell in enumerate(row) if i not in value_positions}
    return all(row[i].origin not in label_origins or is_value_like(row[i]) for i in value_positions)


def trailing_values(row: list[Cell]) -> list[Cell]:
    run: list[Cell] = []
    for cell in reversed(distinct(row)):
        if not is_value_like(cell):
            break
        run.append(cell)
    return run[::-1]


def make_figure(table: str, row_key: str, column: Column, cell: Cell) -> Figure:
    group, column_key = column.key
    stated = read_value(cell.key)
    value, unit = stated.value, UNIT_COUNT
    if table == ACTIVE and column_key in vocab.MONEY_COLUMNS:
        unit = UNIT_WAN_YUAN
        if value is not None:
            value = to_wan_yuan(value, stated.unit, column.unit)
    return Figure(table, group or row_key, column_key, value, unit, cell.raw)


def drop_duplicates(figures: list[Figure], notes: list[str]) -> list[Figure]:
    """The first reading of a cell wins (a table repeated on a page); conflicts are noted."""
    kept: dict[tuple[str, str, str], Figure] = {}
    for figure in figures:
        key = (figure.table, figure.row_key, figure.column_key)
        first = kept.setdefault(key, figure)
        if first is not figure and first.value != figure.value:
            notes.append(f"{'/'.join(key)}: read {first.raw!r} first, later {figure.raw!r}")
    return list(kept.values())


def version_from_columns(keys: set[str]) -> str | None:
    hits = {v: len(keys & cols) for v, cols in vocab.VERSION_COLUMNS.items()}
    best = max(hits.values())
    winners = [v for v, n in hits.items() if n == best and n > 0]
    return winners[0] if len(winners) == 1 else None


def version_from_rows(figures: list[Figure]) -> str | None:
    rows = {f.row_key for f in figures if f.table == APPLICATIONS}
    found = [v for v, keys in vocab.VERSION_ROWS.items() if rows & keys]
    return found[0] if len(found) == 1 else None
