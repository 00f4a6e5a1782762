"""Chinese first (#14): dates as people read them, statuses and checks named in Chinese."""

from __future__ import annotations

from typing import Any

import pytest

from archive.web.chinese import zh_check, zh_date, zh_datetime, zh_status


@pytest.mark.parametrize(("value", "expected"), [
    ("2021-01-20", "2021年1月20日"), ("2026-01-31T02:00:13Z", "2026年1月31日"),
    ("2008-12-05 10:00", "2008年12月5日"), ("", ""), (None, ""), ("二〇〇九年", "二〇〇九年"),
    ("2021-1-2", "2021-1-2"), (2021, 2021), ("<b>2021-01-20</b>", "<b>2021-01-20</b>"),
])
def test_zh_date(value: Any, expected: Any) -> None:
    assert zh_date(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-01-31T02:00:13Z", "2026年1月31日 02:00 UTC"),
    ("2026-01-31T02:00:13.123456+08:00", "2026年1月31日 02:00 +08:00"),
    ("2026-01-31", "2026年1月31日"), (None, ""), ("soon", "soon"),
])
def test_zh_datetime(value: Any, expected: str) -> None:
    assert zh_datetime(value) == expected


def test_statuses_and_checks_in_chinese_with_the_english_after() -> None:
    assert zh_status("missing") == "未见 missing" and zh_status("fail") == "不符 fail"
    assert zh_status("odd") == "odd"
    assert zh_check("published_on_time") == "按时公开 published_on_time"
    assert zh_check("new_check") == "new_check"


def test_table_descriptions_read_in_chinese_first() -> None:
    from archive.web.chinese import zh_description

    assert zh_description("sorted by published descending") == (
        "按 published 降序 (sorted by published descending)")
    assert zh_description("where town = \"甲镇\" sorted by id").startswith("筛选 town")
    assert zh_description("") == "" and zh_description(None) == ""
