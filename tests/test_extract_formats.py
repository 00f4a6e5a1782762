"""Attachment extraction per format and per field, on the generated fixture files.

tests/fixtures/attachments/make_fixtures.py writes the files and expected.json (what the
generator put in each file); every test here checks one field of one file.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html

from archive.extract import Extracted, extract_attachment, extracted_html
from archive.extract.core import extract_in_process

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "attachments"
EXPECTED: dict[str, dict[str, Any]] = json.loads(
    (FIXTURES / "expected.json").read_text(encoding="utf-8")
)
REPORTS = sorted(name for name, e in EXPECTED.items() if "title" in e)
POST2019 = [n for n in REPORTS if EXPECTED[n]["table_count"] == 3]
SPREADSHEETS = sorted(name for name, e in EXPECTED.items() if "sheets" in e)


@functools.cache
def extracted(name: str) -> Extracted:
    return extract_in_process((FIXTURES / name).read_bytes(), name, None)


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def row_starting(table: list[list[str]], label: str) -> list[str] | None:
    """The first row whose first non-empty cell is `label` (NFKC)."""
    for row in table:
        cells = [c for c in row if c]
        if cells and nfkc(cells[0]) == nfkc(label):
            return row
    return None


# --- one field at a time ------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_kind_is_sniffed_from_the_bytes(name: str) -> None:
    assert extracted(name).kind == EXPECTED[name]["kind"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_status(name: str) -> None:
    result = extracted(name)
    assert result.status == EXPECTED[name]["status"], result.error
    if result.status != "ok":
        assert result.error  # every failure says why


@pytest.mark.parametrize("name", REPORTS)
def test_text_starts_with_the_title(name: str) -> None:
    first = extracted(name).text.splitlines()[0]
    assert nfkc(first) == nfkc(EXPECTED[name]["title"])


@pytest.mark.parametrize("name", REPORTS)
def test_text_names_the_town_and_year(name: str) -> None:
    text = extracted(name).text
    assert EXPECTED[name]["town"] in text
    assert f"{EXPECTED[name]['year']}年" in text


@pytest.mark.parametrize("name", REPORTS)
def test_every_heading_is_a_line_of_its_own_in_order(name: str) -> None:
    lines = [nfkc(line.strip()) for line in extracted(name).text.splitlines()]
    positions = [lines.index(h) for h in EXPECTED[name]["headings"]]
    assert positions == sorted(positions) and len(positions) >= 5


@pytest.mark.parametrize("name", REPORTS)
def test_table_count(name: str) -> None:
    assert len(extracted(name).tables) == EXPECTED[name]["table_count"]


@pytest.mark.parametrize("name", [n for n in EXPECTED if "pages" in EXPECTED[n]])
def test_pages(name: str) -> None:
    assert extracted(name).pages == EXPECTED[name]["pages"]


@pytest.mark.parametrize("name", REPORTS)
def test_text_chars_counts_non_space_characters(name: str) -> None:
    result = extracted(name)
    assert result.text_chars == len("".join(result.text.split())) > 500


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_extractor_names_library_and_version(name: str) -> None:
    result = extracted(name)
    if result.status == "error" and result.kind != "pdf":
        return  # refused before any library ran
    assert re.fullmatch(r"[\w.-]+ .*\d+\.\d+.*", result.extractor), result.extractor


@pytest.mark.parametrize("name", [n for n in EXPECTED if "declared" in EXPECTED[n]])
def test_wrong_extension_is_noted(name: str) -> None:
    assert extracted(name).declared == EXPECTED[name]["declared"]


# --- table structure ----------------------------------------------------------------------


@pytest.mark.parametrize("name", POST2019)
def test_active_table_keeps_its_header_row(name: str) -> None:
    table = extracted(name).tables[0]
    marker = "本年新制作数量" if EXPECTED[name]["year"] <= 2020 else "本年制发件数"
    header = row_starting(table, "信息内容")
    assert header is not None and marker in [nfkc(c) for c in header]
    assert row_starting(table, "规章") is not None


@pytest.mark.parametrize("name", POST2019)
def test_request_table_keeps_applicant_columns_and_total_row(name: str) -> None:
    table = extracted(name).tables[1]
    cells = {nfkc(c) for row in table for c in row}
    assert {"自然人", "法人或其他组织", "商业企业", "法律服务机构", "总计"} <= cells
    total = row_starting(table, "四、结转下年度继续办理")
    assert total is not None
    numbers = [c for c in total if c.isdigit()]
    assert len(numbers) == 7  # 自然人, five 法人 columns, 总计


@pytest.mark.parametrize("name", POST2019)
def test_review_table_has_fifteen_numbers_in_its_data_row(name: str) -> None:
    table = extracted(name).tables[2]
    assert any(sum(c.isdigit() for c in row) == 15 for row in table)
    assert any("未经复议直接起诉" in c for row in table for c in row)


@pytest.mark.parametrize("name", SPREADSHEETS)
def test_spreadsheet_sheets_become_tables(name: str) -> None:
    result = extracted(name)
    assert result.pages == EXPECTED[name]["sheets"] == len(result.tables)
    assert [len(t) for t in result.tables] == EXPECTED[name]["table_rows"]
    assert row_starting(result.tables[1], "（七）总计") is not None


def test_merged_cells_keep_text_once_in_docx() -> None:
    table = extracted("post2020.docx").tables[0]
    first = table[0]
    assert first[0] == "第二十条第（一）项" and set(first[1:]) == {""}


def test_numbers_in_xls_are_written_as_integers() -> None:
    table = extracted("tables2020.xls").tables[2]
    assert table[-1] == ["0"] * 15


def test_pdf_joins_wrapped_lines_into_paragraphs() -> None:
    lines = extracted("pre2016.pdf").text.splitlines()
    assert all(len(line) < 400 for line in lines)
    assert any(len(line) > 60 for line in lines)  # longer than one PDF line


def test_blocks_keep_tables_in_reading_order() -> None:
    result = extracted("post2021.pdf")
    kinds = [b.kind for b in result.blocks]
    table_at = kinds.index("table")
    before = [b.text for b in result.blocks[:table_at] if b.kind == "p"]
    assert any(nfkc(t).startswith("二、") for t in before)


def test_extracted_html_carries_title_paragraphs_and_tables() -> None:
    result = extracted("post2020.docx")
    page = lxml_html.fromstring(extracted_html(result, EXPECTED["post2020.docx"]["title"]))
    assert page.findtext(".//h1") == EXPECTED["post2020.docx"]["title"]
    assert len(page.findall(".//table")) == len(result.tables)
    assert page.xpath("string(.//table[2])").count("商业企业") == 1


# --- through the worker process -----------------------------------------------------------


@pytest.mark.parametrize("name", ["post2021.pdf", "post2020.doc", "tables2021.xlsx"])
def test_worker_process_gives_the_same_result(name: str) -> None:
    body = (FIXTURES / name).read_bytes()
    result = extract_attachment(body, filename=name, content_type=None)
    assert result.to_dict() == extracted(name).to_dict()


def test_scanned_pdf_is_ocred_when_asked(tmp_path: Path) -> None:
    from archive.extract import Limits
    from archive.extract.ocr import tesseract_version

    if tesseract_version() is None:
        pytest.skip("tesseract with chi_sim is not installed")
    body = (FIXTURES / "scanned.pdf").read_bytes()
    result = extract_attachment(body, filename="s.pdf", content_type=None, limits=Limits(ocr=True))
    assert result.status == "ok" and result.ocr and "tesseract" in result.extractor
    for word in EXPECTED["scanned.pdf"]["ocr_words"]:
        assert word in result.text
