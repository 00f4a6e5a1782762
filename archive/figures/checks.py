"""Per-report compliance checks: one `Check(check, status, detail)` per check and report.

`report_checks(report, extraction, today=...)` returns the same list of checks for every
report, in a fixed order, so the `checks` table can be faceted by check and status:

    applications_balance     一 + 二 = (七)总计 + 四 in every column of table 2
    applications_row_totals  总计 = 自然人 + the five 法人或其他组织 columns, every row
    applications_outcomes    (七)总计 = (一) + (二) + every sub-row of (三)…(六)
    reviews_totals           总计 = the four results, for 行政复议 and both 行政诉讼 groups
    standard_tables          the three tables are there (post-2019 format); images are "missing"
    required_sections        the parts the format requires have a heading
    published_on_time        publication date against the deadline (deadlines.py)
    title_year               the title's year against the year the body reports on
    regulations_at_township  a township stating 规章 figures (townships cannot make 规章)

Today's date is always passed in; nothing here reads the clock.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from datetime import date

from archive.figures import vocab
from archive.figures.arithmetic import FAIL, PASS, SKIP, WARN, Check, table_checks
from archive.figures.deadlines import (
    TOWNSHIP,
    Deadline,
    body_kind,
    deadline_for,
    parse_iso_date,
)
from archive.figures.tables import Extraction
from archive.records import POST2019, Report

__all__ = ["FAIL", "PASS", "SKIP", "WARN", "Check", "report_checks"]

REQUIRED_SECTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    POST2019: (
        ("总体情况", r"总体情况|基本情况|概述|总体"),
        ("主动公开", r"主动公开"),
        ("收到和处理申请", r"收到和处理|依申请"),
        ("复议诉讼", r"复议|诉讼"),
        ("问题及改进", r"问题|改进"),
        ("其他事项", r"其他.{0,6}事项|其他.{0,2}报告"),
    ),
    "pre2019": (
        ("主动公开", r"主动公开|政府信息公开情况|信息公开情况"),
        ("依申请公开", r"依申请|申请公开"),
        ("收费及减免", r"收费|费用|减免"),
        ("复议诉讼", r"复议|诉讼|申诉"),
        ("问题及改进", r"问题|改进"),
    ),
}
HEADING_LINE_RE = re.compile(r"^\s*[一二三四五六七八九十]{1,2}\s*[、.．]")
TITLE_YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年")
PERIOD_RE = re.compile(
    r"(?:统计期限|统计期间|统计时限|统计时间|数据统计|统计数据)[^。]{0,24}?((?:19|20)\d{2})\s*年\s*0?1\s*月\s*0?1\s*日"
)
OPENING_RE = re.compile(
    r"((?:19|20)\d{2})\s*年度?\s*[,，]?\s*(?:我|本|全|在|以来|,|，)|"
    r"(?:现公布|现将|公布)[^。]{0,30}?((?:19|20)\d{2})\s*年度?[^。]{0,12}?(?:年度报告|年报)"
)
OPENING_CHARS = 600
FUTURE_TOLERANCE_DAYS = 1


def report_checks(
    report: Report,
    extraction: Extraction | None,
    *,
    today: date,
    provinces: Mapping[str, Mapping[str, Deadline]] | None = None,
    province: str | None = None,
) -> list[Check]:
    """Every check for one report; `extraction` is None when the page was not table-read."""
    tables = extraction or Extraction()
    return [
        *table_checks(tables),
        standard_tables(report, extraction),
        required_sections(report),
        published_on_time(report, today, provinces, province),
        title_year(report),
        regulations_at_township(report, tables),
    ]


def standard_tables(report: Report, extraction: Extraction | None) -> Check:
    name = "standard_tables"
    if report.format != POST2019:
        return Check(name, SKIP, "narrative format: no standard tables required")
    if extraction is None:
        return Check(name, SKIP, "tables not read")
    missing = [t for t in vocab.TABLE_ORDER if t not in extraction.tables]
    if not missing:
        return Check(name, PASS, f"all three tables present ({extraction.version or '?'} template)")
    detail = "missing: " + ", ".join(missing)
    if extraction.images:
        detail += f"; {extraction.images} image(s) where the tables should be (tables as images)"
    return Check(name, FAIL, detail)


def headings_of(report: Report) -> list[str]:
    if report.sections:
        return [s.heading for s in report.sections]
    return [line for line in report.text.splitlines() if HEADING_LINE_RE.match(line)]


def required_sections(report: Report) -> Check:
    """Post-2019: the six parts of the format (missing = fail). Pre-2019: the five items
    of the 2008 content list, whose headings vary a lot (missing = warn)."""
    name = "required_sections"
    fmt = POST2019 if report.format == POST2019 else "pre2019"
    headings = headings_of(report)
    if not headings:
        return Check(name, SKIP, "no headings found")
    joined = "\n".join(headings)
    missing = [label for label, pattern in REQUIRED_SECTIONS[fmt] if not re.search(pattern, joined)]
    if not missing:
        return Check(name, PASS, f"all {len(REQUIRED_SECTIONS[fmt])} {fmt} parts present")
    status = FAIL if fmt == POST2019 else WARN
    return Check(name, status, f"{fmt} parts without a heading: " + ", ".join(missing))


def published_on_time(
    report: Report,
    today: date,
    provinces: Mapping[str, Mapping[str, Deadline]] | None = None,
    province: str | None = None,
) -> Check:
    name = "published_on_time"
    published = parse_iso_date(report.published)
    if report.report_year is None or published is None:
        return Check(name, SKIP, "no report year" if report.report_year is None else "no date")
    if (published - today).days > FUTURE_TOLERANCE_DAYS:
        return Check(name, WARN, f"published {published} is after today ({today})")
    year_end = date(report.report_year, 12, 31)
    if published < year_end:
        return Check(
            name,
            WARN,
            f"published {published}, before the {report.report_year} "
            "year ended: date or year is wrong",
        )
    kind = body_kind(report.town)
    rule = deadline_for(report.report_year, kind, province, provinces)
    due = rule.for_year(report.report_year)
    if published <= due:
        return Check(name, PASS, f"published {published}, due {due} ({kind}: {rule.basis})")
    late = (published - due).days
    return Check(
        name,
        rule.late_status,
        f"published {published}, {late} days after {due} ({kind}: {rule.basis})",
    )


def title_year(report: Report) -> Check:
    name = "title_year"
    m = TITLE_YEAR_RE.search(report.title or "")
    if not m:
        return Check(name, SKIP, "no year in the title")
    said = int(m[1])
    body, source = body_year(report)
    if body is None:
        return Check(name, SKIP, f"title says {said}; body year not found")
    if body == said:
        return Check(name, PASS, f"title and body ({source}) say {said}")
    return Check(name, FAIL, f"title says {said}, body ({source}) says {body}")


def body_year(report: Report) -> tuple[int | None, str]:
    """The year the body reports on: its statistics period, else its opening sentences."""
    text = report.text
    for title in (report.title, report.title_raw):
        if title:
            text = text.replace(title, " ")
    period = PERIOD_RE.search(text)
    if period:
        return int(period[1]), "statistics period"
    years = Counter(int(m[1] or m[2]) for m in OPENING_RE.finditer(text[:OPENING_CHARS]))
    ranked = years.most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None, ""
    return ranked[0][0], "opening"


def regulations_at_township(report: Report, extraction: Extraction) -> Check:
    name = "regulations_at_township"
    if body_kind(report.town) != TOWNSHIP:
        return Check(name, SKIP, "not a township or street")
    stated = [
        f for f in extraction.figures if f.table == vocab.ACTIVE and f.row_key == "regulations"
    ]
    if not stated:
        return Check(name, SKIP, "no 规章 row")
    nonzero = [f"{f.column_key}={f.raw}" for f in stated if f.value]
    if nonzero:
        return Check(
            name, WARN, "township states 规章 figures (it cannot make 规章): " + ", ".join(nonzero)
        )
    return Check(name, PASS, "no 规章 figures")
