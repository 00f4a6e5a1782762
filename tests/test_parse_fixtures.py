"""Saved pages -> reviewed expected output, one test per (fixture, field).

Each `tests/fixtures/<platform>/<name>.html` has a `<name>.json` beside it with the
page URL, optional HTTP headers, and either `expected` (field values, section headings
and text checks) or `raises` (the error class and a word of its reason).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path
from typing import Any

import pytest

from archive.errors import DecodeError, NotAReportError
from archive.parse import parse_report, spam
from archive.parse.titles import classify_title
from archive.records import POST2019, PRE2019, Report

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PARSER_FOLDERS = ("trs", "hanweb", "vsb", "oldsite", "generic", "seed", "decoy")
FIELDS = (
    "title",
    "title_raw",
    "town",
    "county",
    "report_year",
    "published",
    "signed",
    "source",
    "format",
    "tampered",
    "platform",
    "index_no",
    "encoding",
)
ERRORS = {"NotAReportError": NotAReportError, "DecodeError": DecodeError}


def load_cases() -> list[tuple[str, dict[str, Any]]]:
    cases = []
    for folder in PARSER_FOLDERS:
        for path in sorted((FIXTURES / folder).glob("*.json")):
            cases.append((f"{folder}/{path.stem}", json.loads(path.read_text(encoding="utf-8"))))
    return cases


CASES = load_cases()
REPORTS = [(name, case) for name, case in CASES if "expected" in case]
NON_REPORTS = [(name, case) for name, case in CASES if "raises" in case]


@functools.cache
def parsed(name: str) -> Report:
    case = dict(CASES)[name]
    body = (FIXTURES / f"{name}.html").read_bytes()
    return parse_report(case["url"], body, case.get("headers"))


def field_cases() -> list[Any]:
    return [
        pytest.param(name, field, case["expected"][field], id=f"{name}:{field}")
        for name, case in REPORTS
        for field in FIELDS
        if field in case["expected"]
    ]


@pytest.mark.parametrize(("name", "field", "expected"), field_cases())
def test_field(name: str, field: str, expected: Any) -> None:
    assert getattr(parsed(name), field) == expected


@pytest.mark.parametrize(("name", "case"), REPORTS, ids=[n for n, _ in REPORTS])
def test_spam_terms(name: str, case: dict[str, Any]) -> None:
    assert sorted(parsed(name).spam_terms) == sorted(case["expected"]["spam_terms"])


@pytest.mark.parametrize(("name", "case"), REPORTS, ids=[n for n, _ in REPORTS])
def test_section_headings(name: str, case: dict[str, Any]) -> None:
    got = [[s.level, s.heading] for s in parsed(name).sections]
    assert got == case["expected"]["sections"]


@pytest.mark.parametrize(("name", "case"), REPORTS, ids=[n for n, _ in REPORTS])
def test_text_edges(name: str, case: dict[str, Any]) -> None:
    text = parsed(name).text
    assert text.startswith(case["expected"]["text_starts"])
    assert text.endswith(case["expected"]["text_ends"])


@pytest.mark.parametrize(("name", "case"), REPORTS, ids=[n for n, _ in REPORTS])
def test_text_contains(name: str, case: dict[str, Any]) -> None:
    text = parsed(name).text
    missing = [s for s in case["expected"]["text_contains"] if s not in text]
    assert not missing


@pytest.mark.parametrize(("name", "case"), REPORTS, ids=[n for n, _ in REPORTS])
def test_text_lacks_boilerplate(name: str, case: dict[str, Any]) -> None:
    text = parsed(name).text
    present = [s for s in case["expected"]["text_lacks"] if s in text]
    assert not present


@pytest.mark.parametrize(("name", "case"), NON_REPORTS, ids=[n for n, _ in NON_REPORTS])
def test_non_report_raises(name: str, case: dict[str, Any]) -> None:
    body = (FIXTURES / f"{name}.html").read_bytes()
    with pytest.raises(ERRORS[case["raises"]]) as caught:
        parse_report(case["url"], body, case.get("headers"))
    assert case["reason"] in caught.value.reason
    assert caught.value.url == case["url"]


def test_fixture_inventory_covers_every_platform() -> None:
    platforms = {case["expected"]["platform"] for _, case in REPORTS}
    assert {"trs", "hanweb", "vsb", "generic"} <= platforms
    assert len(NON_REPORTS) >= 10


PLACE_SUFFIXES = ("镇", "乡", "街道", "苏木", "县", "区", "旗", "市")


@pytest.mark.parametrize(("name", "case"), REPORTS, ids=[n for n, _ in REPORTS])
def test_invariants(name: str, case: dict[str, Any]) -> None:
    report = parsed(name)
    assert report.url == case["url"]
    assert classify_title(report.title) == "report"
    assert spam.spam_terms_in(report.title) == []
    assert report.title_raw.strip() == report.title_raw and report.title_raw
    assert report.report_year is None or 2007 <= report.report_year <= 2030
    for value in (report.published, report.signed):
        assert value is None or dt.date.fromisoformat(value).isoformat() == value
    if report.published and report.report_year:
        assert report.report_year <= int(report.published[:4])
    assert report.text and "\n\n" not in report.text
    assert all(line == line.strip() and line for line in report.text.split("\n"))
    assert report.tampered == bool(report.spam_terms)
    assert report.format in (PRE2019, POST2019)
    assert report.town is None or report.town.endswith(PLACE_SUFFIXES)
    assert report.county is None or report.county.endswith(PLACE_SUFFIXES[4:])
    for section in report.sections:
        assert 1 <= section.level <= 3
        assert section.heading in report.text
