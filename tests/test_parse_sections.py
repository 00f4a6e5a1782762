"""Section splitting: levels, inline headings, table rows, 一是, long numbered sentences."""

from __future__ import annotations

from archive.parse.formats import detect_format
from archive.parse.sections import BodyLine, heading_of, split_sections
from archive.records import POST2019, PRE2019


def test_levels_and_inline_split() -> None:
    lines = [
        BodyLine("根据《条例》规定，现公布本报告。"),
        BodyLine("一、概述"),
        BodyLine("（一）完善机构、明确职责。2016年，我镇调整了领导小组。"),
        BodyLine("1.领导重视"),
        BodyLine("镇党委高度重视。"),
        BodyLine("二、主动公开政府信息情况"),
    ]
    sections = split_sections(lines)
    assert [(s.level, s.heading) for s in sections] == [
        (1, "一、概述"),
        (2, "（一）完善机构、明确职责"),
        (3, "1.领导重视"),
        (1, "二、主动公开政府信息情况"),
    ]
    assert sections[1].text == "2016年，我镇调整了领导小组。"
    assert sections[2].text == "镇党委高度重视。"
    assert sections[0].text == ""


def test_table_rows_never_start_sections() -> None:
    lines = [
        BodyLine("三、收到和处理政府信息公开申请情况"),
        BodyLine("一、本年新收政府信息公开申请数量\t0\t0", table=True),
        BodyLine("四、结转下年度继续办理\t0\t0", table=True),
        BodyLine("四、政府信息公开行政复议、行政诉讼情况"),
    ]
    sections = split_sections(lines)
    assert [s.heading for s in sections] == [
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
    ]
    assert "四、结转下年度继续办理" in sections[0].text


def test_not_headings() -> None:
    assert heading_of("一是推进基础政务信息公开。利用政府门户网站发布信息。") is None
    assert (
        heading_of("3.本年度共召开政府信息公开工作专题会议两次，对全镇各站所的工作进行了检查指导。")
        is None
    )
    assert heading_of("1.全年共主动公开政府信息120条。") is None
    assert heading_of("2016年，我镇认真贯彻落实《条例》。") is None
    assert heading_of("1.5万元用于公开栏建设。") is None


def test_heading_shapes() -> None:
    assert heading_of("（三）规范流程、消除隐患") == (2, "（三）规范流程、消除隐患", "")
    assert heading_of("(二)公开形式") == (2, "(二)公开形式", "")
    assert heading_of("五、存在的主要问题及改进情况：") == (1, "五、存在的主要问题及改进情况", "")
    assert heading_of("第一部分概述") == (1, "第一部分概述", "")
    assert heading_of("2、机构健全。调整充实了领导小组。") == (
        3,
        "2、机构健全",
        "调整充实了领导小组。",
    )


def test_format_from_content_not_year() -> None:
    assert detect_format("信息内容\t本年新\n制作数量") == POST2019
    assert detect_format("信息内容\t本年制发件数\t本年废止件数") == POST2019
    assert detect_format("一、总体情况\n……\n三、行政机关收到和处理政府信息公开申请情况") == POST2019
    assert detect_format("2021年，我镇……一、概述 二、主动公开政府信息情况") == PRE2019
