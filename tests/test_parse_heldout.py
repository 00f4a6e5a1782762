"""Held-out pages (tests/fixtures/heldout/): styles no other fixture or demo portal uses.

One test per (page, field) through `archive.parse.parse_report`; decoys must raise
`NotAReportError`. Regenerate the pages with `python tests/fixtures/heldout/make_fixtures.py`.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest

from archive.errors import NotAReportError
from archive.parse import parse_report
from archive.records import Report
from crawler.discovery import looks_like_column, looks_like_detail

HELDOUT = Path(__file__).resolve().parent / "fixtures" / "heldout"
FIELDS = ("title", "town", "report_year", "published", "signed", "source", "format", "tampered")
CASES = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(HELDOUT.glob("*.json"))}
REPORTS = [name for name, case in CASES.items() if "expected" in case]
DECOYS = [name for name, case in CASES.items() if "raises" in case]
# (page, field) -> reason, for gaps the parser does not close yet.
KNOWN_GAPS: dict[tuple[str, str], str] = {}


@functools.cache
def parsed(name: str) -> Report:
    case = CASES[name]
    return parse_report(case["url"], (HELDOUT / f"{name}.html").read_bytes(), case.get("headers"))


def field_cases() -> list[Any]:
    params = []
    for name in REPORTS:
        for field in FIELDS:
            marks = []
            if (name, field) in KNOWN_GAPS:
                marks.append(pytest.mark.xfail(reason=KNOWN_GAPS[name, field], strict=True))
            expected = CASES[name]["expected"][field]
            params.append(pytest.param(name, field, expected, id=f"{name}:{field}", marks=marks))
    return params


def test_heldout_set_size() -> None:
    assert len(REPORTS) >= 8 and len(DECOYS) >= 3


@pytest.mark.parametrize(("name", "field", "expected"), field_cases())
def test_field(name: str, field: str, expected: Any) -> None:
    assert getattr(parsed(name), field) == expected


@pytest.mark.parametrize("name", DECOYS)
def test_decoy(name: str) -> None:
    with pytest.raises(NotAReportError):
        parsed(name)


@pytest.mark.parametrize("name", list(CASES))
def test_url_is_a_detail_page(name: str) -> None:
    url = CASES[name]["url"]
    assert looks_like_detail(url) and not looks_like_column(url)
