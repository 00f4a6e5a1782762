"""Per-cell tests of the standard-table extraction on fixture pages of both template versions.

Each fixture `tests/fixtures/tables/NAME.html` (or `NAME.rows.json`, a converter's table)
has a reviewed `NAME.expected.json` beside it listing every cell the page states.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from archive.figures.grid import grid_from_rows, read_value
from archive.figures.tables import (
    Extraction,
    extract_rows,
    extract_tables,
    figures_from_grid,
    figures_from_html,
)
from archive.figures.vocab import APPLICATION_STANDARD, REVIEW_STANDARD

TABLES = Path(__file__).resolve().parent / "fixtures" / "tables"
EXPECTED = sorted(TABLES.glob("*.expected.json"))
REVIEW_RESULTS = ("upheld", "corrected", "other", "pending", "total")


def load_expected(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def extraction_for(expected: dict[str, Any]) -> Extraction:
    source = TABLES / expected["source"]
    if source.suffix == ".html":
        return extract_tables(source.read_text(encoding="utf-8"))
    return extract_rows(json.loads(source.read_text(encoding="utf-8"))["tables"])


def expected_cells(expected: dict[str, Any]) -> dict[tuple[str, str, str], Any]:
    """Every (table, row, column) the fixture states, with its value."""
    cells: dict[tuple[str, str, str], Any] = {}
    for row, columns in expected["active"].items():
        for column, value in columns.items():
            cells[("active", row, column)] = value
    rows = dict(expected["applications"])
    rows.update({row: [0] * 7 for row in expected.get("zero_rows", [])})
    rows.update({row: [None] * 7 for row in expected.get("blank_rows", [])})
    for row, values in rows.items():
        for column, value in zip(APPLICATION_STANDARD, values, strict=True):
            cells[("applications", row, column)] = value
    for group, values in expected["reviews"].items():
        for result, value in zip(REVIEW_RESULTS, values, strict=True):
            cells[("reviews", group, result)] = value
    return cells


CASES = [
    pytest.param(path, cell, value, id=f"{path.name.split('.')[0]}:{'/'.join(cell)}")
    for path in EXPECTED
    for cell, value in expected_cells(load_expected(path)).items()
]


@pytest.fixture(scope="module")
def extractions() -> dict[Path, Extraction]:
    return {path: extraction_for(load_expected(path)) for path in EXPECTED}


def test_fixtures_exist() -> None:
    assert len(EXPECTED) >= 7


@pytest.mark.parametrize(("path", "cell", "value"), CASES)
def test_cell(
    extractions: dict[Path, Extraction], path: Path, cell: tuple[str, str, str], value: Any
) -> None:
    figure = extractions[path].value(*cell)
    assert figure is not None, f"{cell} not extracted"
    if isinstance(value, float):
        assert figure.value == pytest.approx(value)
    else:
        assert figure.value == value
        assert type(figure.value) is type(value)


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.name.split(".")[0])
def test_no_cell_beyond_the_fixture(extractions: dict[Path, Extraction], path: Path) -> None:
    expected = expected_cells(load_expected(path))
    found = {(f.table, f.row_key, f.column_key) for f in extractions[path].figures}
    assert found - set(expected) == set()


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.name.split(".")[0])
def test_version_tables_images(extractions: dict[Path, Extraction], path: Path) -> None:
    expected = load_expected(path)
    result = extractions[path]
    assert result.version == expected["version"]
    assert result.tables == expected["tables"]
    if "images" in expected:
        assert result.images == expected["images"]


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.name.split(".")[0])
def test_raw_and_units(extractions: dict[Path, Extraction], path: Path) -> None:
    expected = load_expected(path)
    result = extractions[path]
    for key, raw in expected.get("raw", {}).items():
        figure = result.value(*key.split("/"))
        assert figure is not None and figure.raw == raw, key
    for key, unit in expected.get("units", {}).items():
        figure = result.value(*key.split("/"))
        assert figure is not None and figure.unit == unit, key


def test_blank_is_not_zero() -> None:
    page = (TABLES / "awkward_2021.html").read_text(encoding="utf-8")
    result = extract_tables(page)
    blank = result.value("applications", "carried_over", "total")
    stated = result.value("active", "normative_docs", "issued")
    assert blank is not None and blank.value is None and blank.raw == ""
    assert stated is not None and stated.value == 0 and stated.raw == "0"


def test_money_in_yuan_is_normalised_and_raw_kept() -> None:
    figures = figures_from_html((TABLES / "awkward_2021.html").read_text(encoding="utf-8"))
    fee = next(f for f in figures if f.column_key == "fees_amount")
    assert (fee.value, fee.unit, fee.raw) == (pytest.approx(15.279), "万元", "152790元")


def test_grid_without_header_uses_template_order() -> None:
    rows = [["一、本年新收政府信息公开申请数量", "1", "2", "3", "4", "5", "6", "21"]]
    figures = figures_from_grid(rows)
    assert [(f.column_key, f.value) for f in figures] == list(
        zip(APPLICATION_STANDARD, [1, 2, 3, 4, 5, 6, 21])
    )


def test_row_that_does_not_line_up_is_skipped() -> None:
    rows = [["一、本年新收政府信息公开申请数量", "1", "2", "3", "21"]]
    result = extract_rows([rows])
    assert result.figures == []
    assert result.notes and "not read" in result.notes[0]


def test_review_row_needs_review_context() -> None:
    fifteen = [["0"] * 15]
    assert figures_from_grid(fifteen) == []
    with_context: list[list[str | None]] = [
        ["行政复议", None, None, None, None, "行政诉讼"] + [None] * 9,
        ["0"] * 15,
    ]
    keys = [(f.row_key, f.column_key) for f in figures_from_grid(with_context)]
    assert keys == list(REVIEW_STANDARD)


def test_active_row_under_another_blocks_header_is_not_read() -> None:
    rows = [["信息内容", "本年处理决定数量"], ["规章", "3"], ["行政许可", "5"]]
    figures = figures_from_grid(rows)
    assert [(f.row_key, f.column_key, f.value) for f in figures] == [("licensing", "decisions", 5)]


def test_duplicated_header_that_cannot_be_repaired_is_dropped() -> None:
    rows = [["信息内容", "本年制发件数", "本年制发件数"], ["行政规范性文件", "1", "2"]]
    assert figures_from_grid(rows) == []


def test_pdf_none_cells_continue_merged_cells() -> None:
    grid = grid_from_rows([["法人或其他组织", None, None], ["商业企业", "科研机构", "其他"]])
    assert grid[0][1].origin == grid[0][0].origin == grid[0][2].origin
    assert len({cell.origin for cell in grid[1]}) == 3


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("", None, "blank"),
        ("/", None, "na"),
        ("—", None, "na"),
        ("0", 0, "number"),
        ("1,200", 1200, "number"),
        ("-3", -3, "number"),
        ("+2", 2, "number"),
        ("0.35", 0.35, "number"),
        ("12件", 12, "number"),
        ("见附件", None, "text"),
        ("3-5", None, "text"),
    ],
)
def test_read_value(text: str, value: Any, kind: str) -> None:
    stated = read_value(text)
    assert (stated.value, stated.kind) == (value, kind)


def test_page_without_tables_yields_nothing() -> None:
    result = extract_tables(
        "<html><body><p>二、主动公开政府信息情况</p><p>全年公开46条。</p></body></html>"
    )
    assert (result.figures, result.tables, result.images, result.version) == ([], [], 0, None)


def test_unnumbered_other_subrow_under_a_rowspan_group() -> None:
    page = """<table>
    <tr><td colspan="2"></td><td>自然人</td><td>商业企业</td><td>科研机构</td><td>社会公益组织</td>
        <td>法律服务机构</td><td>其他</td><td>总计</td></tr>
    <tr><td rowspan="3">（六）其他处理</td><td>1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请</td>
        <td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td></tr>
    <tr><td>2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请</td>
        <td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
    <tr><td>其他</td><td>2</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>2</td></tr>
    </table>"""
    rows = {(f.row_key, f.value) for f in figures_from_html(page) if f.column_key == "total"}
    assert rows == {("other_no_correction", 1), ("other_unpaid_fee", 0), ("other_other", 2)}


def test_header_in_yuan_converts_bare_numbers() -> None:
    rows = [["信息内容", "本年收费金额（单位：元）"], ["行政事业性收费", "3500"]]
    (fee,) = figures_from_grid(rows)
    assert (fee.value, fee.unit, fee.raw) == (pytest.approx(0.35), "万元", "3500")


def test_traditional_clone_with_pinyin_glosses() -> None:
    rows = [
        ["信息內容", "本年制發(fā)件數", "本年廢止件數", "現行有效件數"],
        ["行政規範性文件", "2", "0", "7"],
    ]
    figures = figures_from_grid(rows)
    assert [(f.row_key, f.column_key, f.value) for f in figures] == [
        ("normative_docs", "issued", 2),
        ("normative_docs", "repealed", 0),
        ("normative_docs", "in_force", 7),
    ]
