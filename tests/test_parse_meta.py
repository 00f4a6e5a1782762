"""Meta-line and metadata-table fields."""

from __future__ import annotations

import pytest

from archive.parse.meta import collect_fields, fields_from_line, fields_from_row, is_meta_line
from archive.parse.normalize import fold_cells


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "发布时间:2017-02-10 来源:成吉思汗镇 字体:[ ]",
            {"发布时间": "2017-02-10", "来源": "成吉思汗镇"},
        ),
        (
            "时间:2021-01-20 09:35来源:牌楼镇作者: 点击:",
            {"时间": "2021-01-20 09:35", "来源": "牌楼镇"},
        ),
        (
            "作者:办公室 | 来源:合水镇人民政府 | 时间:2025-01-10 点击数:- 分享到:",
            {"来源": "合水镇人民政府", "时间": "2025-01-10"},
        ),
        (
            "来源: 浏览次数: 发布时间: 2019-01-10 10:20",
            {"来源": "", "发布时间": "2019-01-10 10:20"},
        ),
        (
            "发布机构:上湾乡人民政府 索引号:620423/2020-00031 时间:2020-02-20 作者: 【字体:",
            {"索引号": "620423/2020-00031", "发布机构": "上湾乡人民政府"},
        ),
        (
            "【发布时间:2018/02/03】【来源:卧牛河镇人民政府】【字体:大 中 小】",
            {"来源": "卧牛河镇人民政府"},
        ),
        ("发布日期 2018-01-05", {"发布日期": "2018-01-05"}),
        (
            "【来源】安定镇人民政府 【发布时间】2023-01-16 10:22 【字体:大 中 小】【打印】",
            {"来源": "安定镇人民政府", "发布时间": "2023-01-16 10:22"},
        ),
        ("[发布时间]2022-01-13 [来源]小河口乡", {"发布时间": "2022-01-13", "来源": "小河口乡"}),
    ],
)
def test_fields_from_line(line: str, expected: dict[str, str]) -> None:
    fields = collect_fields(fields_from_line(line))
    assert {k: fields.get(k) for k in expected} == expected


def test_fields_from_table_row() -> None:
    fields = collect_fields(
        fields_from_row("文号:\t\t公开日期:\t2016-01-28")
        + fields_from_row("索引号\t002485017/2016-00008")
    )
    assert fields["公开日期"] == "2016-01-28"
    assert fields["索引号"] == "002485017/2016-00008"
    assert fields["文号"] == ""


def test_header_cells_without_colons() -> None:
    """`<th>索引号</th><td>…</td><th>发布机构</th><td>…</td>`: the cells carry the labels."""
    fields = collect_fields(
        fields_from_row(fold_cells("索引号\t11532924015147512H/2020-00003\t发布机构\t宾川县金牛镇"))
    )
    assert fields["索引号"] == "11532924015147512H/2020-00003"
    assert fields["发布机构"] == "宾川县金牛镇"


def test_written_date_is_its_own_label() -> None:
    fields = collect_fields(fields_from_line("成文日期:2016-01-20 公开日期:2016-01-28"))
    assert fields == {"成文日期": "2016-01-20", "公开日期": "2016-01-28"}


def test_is_meta_line() -> None:
    assert is_meta_line("发布日期:2017-03-21 点击数:")
    assert is_meta_line("日期:2015-03-19")
    assert not is_meta_line("2016年,我镇在信息公开时间安排上做了调整,来源广泛。" * 5)
    assert not is_meta_line("一、概述")


def test_label_and_value_in_separate_blocks() -> None:
    """`<dl><dt>发布机构:</dt><dd>…</dd>…`: each value sits on the line after its label."""
    from archive.parse import parse_report

    prose = "2021年，小河口乡认真贯彻落实《中华人民共和国政府信息公开条例》，不断加大公开力度。" * 3
    html = (
        "<html><body><h1>小河口乡2021年政府信息公开工作年度报告</h1>"
        "<dl><dt>发布机构：</dt><dd>宁陕县小河口乡人民政府</dd><dt>发布日期</dt>"
        "<dd>2022-01-13</dd><dt>索引号：</dt><dd>116109230160283/2022-00003</dd></dl>"
        f"<div><p>一、总体情况</p><p>{prose}</p><p>二、主动公开政府信息情况</p><p>{prose}</p></div>"
        "</body></html>"
    )
    report = parse_report("http://www.nsx.gov.cn/zwgk/xz/art/123.html", html.encode())
    assert report.source == "宁陕县小河口乡人民政府"
    assert report.published == "2022-01-13"
    assert report.index_no == "116109230160283/2022-00003"
    assert not report.text.startswith("宁陕县")
