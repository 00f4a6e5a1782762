"""Dates in Arabic and Chinese numerals, labelled fields, URLs, signatures, body years."""

from __future__ import annotations

import pytest

from archive.parse.dates import (
    date_from_url,
    dates_in,
    published_from_fields,
    published_from_unlabelled,
    signed_from_lines,
    year_from_body,
    years_in,
)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2017-02-10", "2017-02-10"),
        ("2017-02-10 16:32", "2017-02-10"),
        ("2011-03-14 18:20:44", "2011-03-14"),
        ("2013年03月28日", "2013-03-28"),
        ("2010年3月15日", "2010-03-15"),
        ("2017/2/10", "2017-02-10"),
        ("2017.02.10", "2017-02-10"),
        ("二〇一一年四月八日", "2011-04-08"),
        ("二○一一年十二月二日", "2011-12-02"),
        ("二0一七年一月十日", "2017-01-10"),
        ("二〇二四年一月二十六日", "2024-01-26"),
        ("二○一九年元月十五日", "2019-01-15"),
        ("2022年元月12日", "2022-01-12"),
    ],
)
def test_dates_in(text: str, iso: str) -> None:
    assert dates_in(text) == [iso]


@pytest.mark.parametrize(
    "text", ["2017-02-30", "2017-13-01", "20251231日", "1.5万元", "电话0471-1234567"]
)
def test_no_date(text: str) -> None:
    assert dates_in(text) == []


def test_years_in() -> None:
    assert years_in("阿拉善左旗二〇一一年政府信息公开工作年度报告") == [2011]
    assert years_in("2016年度成吉思汗镇") == [2016]


def test_published_never_uses_written_date() -> None:
    fields = {"成文日期": "2016-01-20", "公文生成日期": "2016-01-19", "公开日期": "2016-01-28"}
    assert published_from_fields(fields) == "2016-01-28"
    assert published_from_fields({"成文日期": "2016-01-20"}) is None


def test_published_label_priority() -> None:
    assert published_from_fields({"时间": "2020-02-20", "发布日期": "2020-02-21"}) == "2020-02-21"


def test_unlabelled_meta_line() -> None:
    assert (
        published_from_unlabelled(["和平区南湖街道办事处", "2021年01月29日来源:1"]) == "2021-01-29"
    )
    assert published_from_unlabelled(["2021-01-05 10:00:00"]) == "2021-01-05"
    assert published_from_unlabelled(["截至2016年12月31日,共公开信息86条。"]) is None


@pytest.mark.parametrize(
    ("url", "iso"),
    [
        ("http://x.gov.cn/zwgk/201703/t20170321_345678.html", "2017-03-21"),
        ("http://x.gov.cn/art/2016/1/28/art_1229_18.html", "2016-01-28"),
        ("http://x.gov.cn/dkx/2021-01/12/article_20210112100512345.html", "2021-01-12"),
        ("http://x.gov.cn/info/1067/29385.htm", None),
    ],
)
def test_date_from_url(url: str, iso: str | None) -> None:
    assert date_from_url(url) == iso


def test_signed_date_under_signature() -> None:
    lines = ["……提升公开实效。", "海城市西柳镇人民政府", "二0一0年三月十二日"]
    assert signed_from_lines(lines) == "2010-03-12"
    assert signed_from_lines(["海城市西柳镇人民政府 2010年3月12日"]) == "2010-03-12"
    assert signed_from_lines(["本报告统计期限截至2016年12月31日"]) is None


def test_year_from_body() -> None:
    assert (
        year_from_body(["本报告中所列数据的统计期限自2019年1月1日起至2019年12月31日止。"]) == 2019
    )
    assert year_from_body(["现公布成吉思汗镇2016年政府信息公开工作年度报告。"]) == 2016
    assert year_from_body(["2015年,我镇认真贯彻落实《条例》。"]) == 2015
    assert year_from_body(["我镇认真贯彻落实《条例》。"]) is None
