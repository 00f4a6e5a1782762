"""Datasette plugin: the site speaks Chinese first (issue #14).

* Jinja filters: `zh_date` (`2021-01-20` → `2021年1月20日`), `zh_datetime`
  (`2026-01-31T02:00:13Z` → `2026年1月31日 02:00 UTC`), `zh_status` (a check's or a
  ledger's status word in Chinese, the English after). Data stays ISO; only what people
  read is written the Chinese way. A value that is not a date is shown as it is.
* `menu_links`: the pages of this site, in Chinese.
* The labels shared by the pages: statuses, checks, facets.
"""

from __future__ import annotations

import re
from typing import Any

from datasette import hookimpl

ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")

STATUS_LABELS = {
    # checks
    "pass": "通过 pass", "fail": "不符 fail", "warn": "存疑 warn", "skip": "未检 skip",
    # coverage ledger
    "published": "按时公开 published", "late": "逾期公开 late", "missing": "未见 missing",
    "withdrawn": "已撤下 withdrawn", "tampered": "被篡改 tampered",
    # attachments
    "ok": "已读取 ok", "needs_ocr": "扫描件需OCR needs OCR", "error": "无法读取 error",
}
CHECK_LABELS = {
    "applications_balance": "申请数勾稽（一+二=七+四）",
    "applications_row_totals": "各行总计",
    "applications_outcomes": "办理结果合计（七）",
    "reviews_totals": "复议诉讼总计",
    "standard_tables": "三张统计表",
    "required_sections": "报告各部分",
    "published_on_time": "按时公开",
    "title_year": "标题年份",
    "regulations_at_township": "乡镇规章",
}
COLUMN_LABELS = {  # facet names (column names stay: they are SQL and CSV headers)
    "town": "单位", "report_year": "报告年度", "format": "格式", "tampered": "被篡改",
    "division_county": "县区", "template": "统计表版本", "table": "表", "source": "来源",
    "row_key": "行", "check": "核查项目", "status": "状态", "year": "年度", "site_id": "网站",
    "level": "层级", "content_type": "内容类型", "kind": "类型", "province": "省份",
    "county": "县区",
}
FORMAT_LABELS = {"pre2019": "2019年前（叙述式）pre-2019", "post2019": "2019年后（统计表）post-2019"}


@hookimpl
def prepare_jinja2_environment(env: Any) -> None:
    env.filters["zh_date"] = zh_date
    env.filters["zh_datetime"] = zh_datetime
    env.filters["zh_status"] = zh_status
    env.filters["zh_check"] = zh_check
    env.filters["zh_format"] = zh_format
    env.filters["zh_column"] = zh_column
    env.filters["zh_description"] = zh_description


@hookimpl
def menu_links(datasette: Any) -> list[dict[str, str]]:
    return [
        {"href": datasette.urls.path("/-/search"), "label": "搜索年报 Search"},
        {"href": datasette.urls.path("/-/coverage"), "label": "公开情况一览 Coverage"},
        {"href": datasette.urls.path("/nianbao/reports"), "label": "全部年报 Reports"},
    ]


def zh_date(value: Any) -> Any:
    """`2021-01-20` (or an ISO timestamp) → `2021年1月20日`; anything else unchanged."""
    found = ISO_DATE.match(value) if isinstance(value, str) else None
    if not found:
        return "" if value is None else value
    year, month, day = found.group(1), int(found.group(2)), int(found.group(3))
    return f"{year}年{month}月{day}日"


def zh_datetime(value: Any) -> Any:
    """`2026-01-31T02:00:13Z` → `2026年1月31日 02:00 UTC`; a bare date as `zh_date`."""
    found = ISO_DATE.match(value) if isinstance(value, str) else None
    if not found:
        return "" if value is None else value
    day = zh_date(value[:10])
    if found.group(4) is None:
        return day
    zone = found.group(6)
    suffix = " UTC" if zone in ("Z", None) else f" {zone}"
    return f"{day} {found.group(4)}:{found.group(5)}{suffix}"


def zh_status(value: Any) -> str:
    return STATUS_LABELS.get(str(value), "" if value is None else str(value))


def zh_check(value: Any) -> str:
    label = CHECK_LABELS.get(str(value))
    return f"{label} {value}" if label else str(value)


def zh_format(value: Any) -> str:
    return FORMAT_LABELS.get(str(value), "—" if not value else str(value))


def zh_column(value: Any) -> str:
    """A facet's name: `单位 town`; the column name stays, after the Chinese."""
    label = COLUMN_LABELS.get(str(value))
    return f"{label} {value}" if label else str(value)


DESCRIPTION_WORDS = [  # Datasette's `human_description_en` of a table page's filters and sort
    (re.compile(r"sorted by (\S+) descending"), r"按 \1 降序"),
    (re.compile(r"sorted by (\S+)"), r"按 \1 升序"),
    (re.compile(r"^where "), "筛选 "),
    (re.compile(r" and "), " 且 "),
    (re.compile(r'search matches "'), '全文检索“'),
]


def zh_description(value: Any) -> str:
    """`sorted by published descending` → `按 published 降序 (sorted by published descending)`."""
    text = "" if value is None else str(value)
    if not text:
        return ""
    chinese = text
    for pattern, replacement in DESCRIPTION_WORDS:
        chinese = pattern.sub(replacement, chinese)
    return text if chinese == text else f"{chinese} ({text})"
