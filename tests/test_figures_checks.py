"""Compliance checks: table arithmetic, tables present, sections, lateness, title year."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from archive.figures.arithmetic import (
    applications_balance,
    applications_outcomes,
    applications_row_totals,
    reviews_totals,
)
from archive.figures.checks import (
    published_on_time,
    report_checks,
    required_sections,
    standard_tables,
    title_year,
)
from archive.figures.deadlines import Deadline, body_kind
from archive.figures.tables import Extraction, Figure, extract_rows, extract_tables
from archive.records import POST2019, PRE2019, Report, Section

TABLES = Path(__file__).resolve().parent / "fixtures" / "tables"
TODAY = date(2026, 3, 1)
POST_HEADINGS = [
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
]


def page(name: str) -> Extraction:
    return extract_tables((TABLES / name).read_text(encoding="utf-8"))


def report(**fields: object) -> Report:
    base: dict[str, object] = {
        "url": "http://127.0.0.1/r.html",
        "title": "兴隆镇2019年政府信息公开工作年度报告",
        "title_raw": "兴隆镇2019年政府信息公开工作年度报告",
        "text": "",
        "town": "兴隆镇",
        "report_year": 2019,
        "format": POST2019,
    }
    base.update(fields)
    return Report(**base)  # type: ignore[arg-type]


def sections(headings: list[str]) -> list[Section]:
    return [Section(level=1, heading=h, text="") for h in headings]


# --- arithmetic ---------------------------------------------------------------------------


def test_table_that_does_not_add_up_fails_with_its_numbers() -> None:
    check = applications_balance(page("unbalanced_2019.html"))
    assert check.status == "fail"
    assert "total column: 一(3)+二(1)=4 ≠ 七(2)+四(1)=3" in check.detail
    assert "natural_person column: 一(3)+二(1)=4 ≠ 七(2)+四(1)=3" in check.detail
    assert "commercial column" not in check.detail


def test_row_total_that_does_not_add_up_fails() -> None:
    check = applications_row_totals(page("unbalanced_2019.html"))
    assert check.status == "fail"
    assert check.detail == "partially_granted row: 1+0+0+0+0+0=1 ≠ total 0"


def test_outcomes_that_do_not_add_up_fail() -> None:
    check = applications_outcomes(page("unbalanced_2019.html"))
    assert check.status == "fail"
    assert check.detail == "total column: granted(1)=1 ≠ 七(2)"


@pytest.mark.parametrize("name", ["standard_2019.html", "standard_2021.html", "quirks_2020.html"])
def test_consistent_tables_pass(name: str) -> None:
    extraction = page(name)
    for check in (
        applications_balance(extraction),
        applications_row_totals(extraction),
        applications_outcomes(extraction),
        reviews_totals(extraction),
    ):
        assert check.status == "pass", (check.check, check.detail)


def test_blanks_count_as_zero_and_are_said_so() -> None:
    check = applications_balance(page("awkward_2021.html"))
    assert check.status == "pass"
    assert "blank cells counted as 0" in check.detail


def test_pdf_table_with_blanks_and_30_rows_passes() -> None:
    import json

    rows = json.loads((TABLES / "pdf_2021.rows.json").read_text(encoding="utf-8"))["tables"]
    extraction = extract_rows(rows)
    assert applications_outcomes(extraction).status == "pass"
    assert applications_balance(extraction).status == "pass"


def test_a_cell_in_words_is_not_evaluated() -> None:
    figures = [
        Figure("applications", row, "total", value, "count", raw)
        for row, value, raw in [
            ("new_requests", None, "见附件"),
            ("carried_over", 0, "0"),
            ("total", 0, "0"),
            ("carried_forward", 0, "0"),
        ]
    ]
    check = applications_balance(Extraction(figures=figures))
    assert check.status == "skip"


def test_missing_table_skips_arithmetic() -> None:
    assert applications_balance(Extraction()).status == "skip"
    assert reviews_totals(page("unbalanced_2019.html")).status == "skip"


def test_review_totals_fail_with_numbers() -> None:
    figures = [
        Figure("reviews", "administrative_review", col, v, "count", str(v))
        for col, v in zip(("upheld", "corrected", "other", "pending", "total"), (1, 0, 0, 0, 2))
    ]
    check = reviews_totals(Extraction(figures=figures))
    assert check.status == "fail"
    assert check.detail == "administrative_review: 1+0+0+0=1 ≠ total 2"


# --- tables present -----------------------------------------------------------------------


def test_tables_as_images_are_missing_not_zero() -> None:
    extraction = page("images_2022.html")
    check = standard_tables(report(report_year=2022), extraction)
    assert check.status == "fail"
    assert "missing: active, applications, reviews" in check.detail
    assert "3 image(s)" in check.detail
    assert extraction.figures == []


def test_only_one_table_published_fails() -> None:
    check = standard_tables(report(), page("unbalanced_2019.html"))
    assert (check.status, check.detail) == ("fail", "missing: active, reviews")


def test_all_tables_present_pass() -> None:
    assert standard_tables(report(), page("standard_2019.html")).status == "pass"


def test_narrative_reports_need_no_tables() -> None:
    assert standard_tables(report(format=PRE2019), Extraction()).status == "skip"


# --- sections -----------------------------------------------------------------------------


def test_six_parts_present_pass() -> None:
    assert required_sections(report(sections=sections(POST_HEADINGS))).status == "pass"


def test_missing_part_fails_for_the_new_format() -> None:
    check = required_sections(report(sections=sections(POST_HEADINGS[:3] + POST_HEADINGS[4:])))
    assert check.status == "fail"
    assert "复议诉讼" in check.detail


def test_seed_report_lacks_fee_and_review_parts(seed_report: Report) -> None:
    check = required_sections(seed_report)
    assert check.status == "warn"
    assert "收费及减免" in check.detail and "复议诉讼" in check.detail


@pytest.fixture
def seed_report() -> Report:
    from lxml import html

    path = Path(__file__).resolve().parent / "fixtures" / "seed" / "chengjisihan_2016.html"
    body = html.fromstring(path.read_bytes()).text_content()
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    heads = [line for line in lines if line[:2] in ("一、", "二、", "三、", "四、")]
    return report(
        title="成吉思汗镇2016年政府信息公开工作年度报告",
        report_year=2016,
        format=PRE2019,
        sections=sections(heads) if heads else [],
        text="\n".join(lines),
    )


# --- lateness -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "published", "town", "status"),
    [
        (2016, "2017-02-10", "成吉思汗镇", "pass"),
        (2016, "2017-03-31", "成吉思汗镇", "pass"),
        (2016, "2017-04-01", "成吉思汗镇", "fail"),
        (2019, "2020-01-31", "兴隆镇", "pass"),
        (2019, "2020-02-20", "上湾乡", "warn"),  # township custom, not statute
        (2019, "2020-03-15", "扎兰屯市", "pass"),  # county government: 31 March
        (2019, "2020-04-02", "扎兰屯市", "fail"),
        (2019, "2020-02-05", "扎兰屯市教育局", "fail"),  # department: 31 January
        (2018, "2019-03-20", "兴隆镇", "pass"),  # 2018 report: old rule
        (2019, "2019-11-02", "兴隆镇", "warn"),  # before the year ended
        (2025, "2026-06-01", "兴隆镇", "warn"),  # after today
    ],
)
def test_published_on_time(year: int, published: str, town: str, status: str) -> None:
    check = published_on_time(report(report_year=year, published=published, town=town), TODAY)
    assert check.status == status, check.detail


def test_late_detail_counts_days() -> None:
    check = published_on_time(report(report_year=2016, published="2017-04-10"), TODAY)
    assert check.detail.startswith("published 2017-04-10, 10 days after 2017-03-31")


def test_province_rule_overrides_the_default() -> None:
    rules = {"吉林省": {"township": Deadline(2, 28, "warn", "provincial notice")}}
    r = report(report_year=2025, published="2026-02-05", town="双兴镇")
    assert published_on_time(r, TODAY).status == "warn"
    assert published_on_time(r, TODAY, rules, "吉林省").status == "pass"
    assert published_on_time(r, TODAY, rules, "辽宁省").status == "warn"


def test_no_date_skips() -> None:
    assert published_on_time(report(published=None), TODAY).status == "skip"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("成吉思汗镇", "township"),
        ("北京街道", "township"),
        ("宝山路街道办", "township"),
        ("巴彦苏木", "township"),
        ("扎兰屯市", "county"),
        ("通州区", "county"),
        ("县教育局", "department"),
        (None, "township"),
    ],
)
def test_body_kind(name: str | None, kind: str) -> None:
    assert body_kind(name) == kind


# --- title year ---------------------------------------------------------------------------


def test_title_year_matches_statistics_period() -> None:
    text = "本报告中所列数据的统计期限自2019年1月1日起至2019年12月31日止。"
    assert title_year(report(text=text)).status == "pass"


def test_title_year_mismatch_fails() -> None:
    text = "兴隆镇2019年政府信息公开工作年度报告\n本报告中所列数据的统计期限自2018年1月1日起至2018年12月31日止。"
    check = title_year(report(text=text))
    assert check.status == "fail"
    assert check.detail == "title says 2019, body (statistics period) says 2018"


def test_title_year_from_opening_sentence() -> None:
    check = title_year(
        report(
            title="黄村镇2014年度信息年度公开报告",
            title_raw="",
            text="2013年，我镇认真贯彻落实《条例》。",
        )
    )
    assert (check.status, check.detail) == ("fail", "title says 2014, body (opening) says 2013")


def test_title_without_year_skips() -> None:
    assert title_year(report(title="市府东路街道政府信息公开工作年度报告")).status == "skip"


# --- all checks ---------------------------------------------------------------------------


def test_report_checks_fixed_list() -> None:
    r = report(sections=sections(POST_HEADINGS), published="2020-01-15")
    checks = report_checks(r, page("standard_2019.html"), today=TODAY)
    assert [c.check for c in checks] == [
        "applications_balance",
        "applications_row_totals",
        "applications_outcomes",
        "reviews_totals",
        "standard_tables",
        "required_sections",
        "published_on_time",
        "title_year",
        "regulations_at_township",
    ]
    assert all(c.status in ("pass", "fail", "warn", "skip") for c in checks)
    assert {c.check: c.status for c in checks}["published_on_time"] == "pass"


def test_township_stating_regulations_warns() -> None:
    figures = [Figure("active", "regulations", "in_force", 6, "count", "6")]
    checks = {c.check: c for c in report_checks(report(), Extraction(figures=figures), today=TODAY)}
    assert checks["regulations_at_township"].status == "warn"
    assert "in_force=6" in checks["regulations_at_township"].detail
