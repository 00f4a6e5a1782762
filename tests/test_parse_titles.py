"""classify_title on page titles and on short (possibly truncated) anchor texts; title cleaning."""

from __future__ import annotations

import pytest

from archive.parse.titles import (
    Candidate,
    choose_title,
    classify_title,
    clean_title,
    split_title_tag,
)

REPORTS = [
    "成吉思汗镇2016年政府信息公开工作年度报告",
    "2016年樟潭街道政府信息公开工作年度报告",
    "海城市西柳镇人民政府2009年政府信息公开工作年度报告",
    "广州市越秀区人民政府北京街道办事处2019年政府信息公开工作年度报告",
    "抚松县2016年政府信息公开工作年度报告",  # a county government's own report
    "2017年度赵镇政府信息公开工作年度报告",
    "黄村镇2014年度信息年度公开报告",
    "双兴镇2025年政府信息公开工作年度报",  # truncated by the portal
    "市府东路街道政府信息公开工作年度报告",  # no year at all
    "阿拉善左旗巴彦浩特镇二〇一一年政府信息公开工作年度报告",
    "西集镇2025年政府信息公开年报",
    "上湾乡2019年度政府信息公开工作报告",
    "成吉思汗镇2016年政府信息公开工...",  # anchor text cut with an ellipsis
    "成吉思汗镇2016年政府信息公开工作年度报告（全文）",
    "2016年度报告",
    "UedBet体育成吉思汗镇2016年政府信息公开工作年度报告",  # hijacked, still a report
    "樟潭街道2018年政(zhèng)府信息公開(kāi)工作年度報(bào)告",
    "蘑菇气镇 2017 年政府信息公开工作年度报告",
    "小河口乡人民政府关于2010年政府信息公开工作情况的报告",
    "宁陕县小河口乡2011年度政府信息公开工作情况报告",
]
DECOYS = [
    "成吉思汗镇政府信息公开指南",
    "大同镇政府信息公开目录",
    "赵镇2018年政务公开工作要点",
    "关于做好2019年度政府信息公开工作年度报告编制发布工作的通知",
    "牌楼镇2021年政府工作报告",
    "樟潭街道2019年政府信息公开工作年度报告解读",
    "一图读懂：合水镇2024年政府信息公开工作年度报告",
    "城关镇政府信息公开工作年度报告制度",
    "抚松县教育局2016年政府信息公开工作年度报告",
    "抚松县人民政府办公室2016年政府信息公开工作年度报告",
    "2016年抚松县财政局政府信息公开工作年度报告",
    "抚松县发展和改革委员会2016年政府信息公开工作年度报告",
    "XX经济开发区管委会2018年政府信息公开工作年度报告",
    "小河口乡2021年政府信息公开工作自查情况报告",
    "小河口乡关于政务公开工作整改情况的报告",
]
NEITHER = [
    "政府信息公开年报",  # a column name
    "年度报告",
    "首页",
    "关于开展2019年春季植树活动的公告",
    "成吉思汗镇召开脱贫攻坚推进会",
    "2016年",
    "当前位置：首页 > 政务公开 > 政府信息公开年报",
    "",
]


@pytest.mark.parametrize("text", REPORTS)
def test_reports(text: str) -> None:
    assert classify_title(text) == "report"


@pytest.mark.parametrize("text", DECOYS)
def test_decoys(text: str) -> None:
    assert classify_title(text) == "decoy"


@pytest.mark.parametrize("text", NEITHER)
def test_neither(text: str) -> None:
    assert classify_title(text) is None


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (
            "UedBet体育成吉思汗镇2016年政府信息公开工作年度报告",
            "成吉思汗镇2016年政府信息公开工作年度报告",
        ),
        (
            "uedbet体育_uedbet官网@:西柳镇2016年政府信息公开工作年度报告",
            "西柳镇2016年政府信息公开工作年度报告",
        ),
        (
            "樟潭街道2018年政(zhèng)府信息公開(kāi)工作年度報(bào)告",
            "樟潭街道2018年政府信息公开工作年度报告",
        ),
        (
            "  成吉思汗镇　2016 年政府信息公开工作年度报告 ",
            "成吉思汗镇2016年政府信息公开工作年度报告",
        ),
        ("标题：大同镇2015年政府信息公开工作年度报告", "大同镇2015年政府信息公开工作年度报告"),
        (
            "樟潭街道２０１９年政府信息公开工作年度报告（全文）",
            "樟潭街道2019年政府信息公开工作年度报告(全文)",
        ),
        ("宁厂镇政府信息公开工作年度报告 2020-01-16", "宁厂镇政府信息公开工作年度报告"),
        (
            "宁厂镇2019年政府信息公开工作年度报告[2020/1/16 10:20]",
            "宁厂镇2019年政府信息公开工作年度报告",
        ),
    ],
)
def test_clean_title(raw: str, clean: str) -> None:
    assert clean_title(raw) == clean


def test_split_title_tag() -> None:
    parts = split_title_tag("抚松县2016年政府信息公开工作年度报告_政府信息公开年报_抚松县人民政府")
    assert parts == ["抚松县2016年政府信息公开工作年度报告", "政府信息公开年报", "抚松县人民政府"]


def test_choose_title_prefers_high_priority_decoy_over_title_tag_report() -> None:
    chosen = choose_title(
        [
            Candidate("樟潭街道2019年政府信息公开工作年度报告", 4),
            Candidate("樟潭街道2019年政府信息公开工作年度报告解读", 8),
        ]
    )
    assert chosen is not None and chosen.verdict == "decoy"


def test_choose_title_prefers_complete_over_truncated() -> None:
    chosen = choose_title(
        [
            Candidate("成吉思汗镇2016年政府信息公开工...", 8),
            Candidate("成吉思汗镇2016年政府信息公开工作年度报告", 4),
        ]
    )
    assert chosen is not None and chosen.clean == "成吉思汗镇2016年政府信息公开工作年度报告"


def test_choose_title_ignores_site_names() -> None:
    chosen = choose_title([Candidate("抚松县人民政府", 8), Candidate("政府信息公开年报", 4)])
    assert chosen is None


def test_title_as_shown_comes_from_a_visible_candidate() -> None:
    chosen = choose_title(
        [
            Candidate("成吉思汗镇2016年政府信息公开工作年度报告", 8, visible=False),
            Candidate("UedBet体育成吉思汗镇2016年政府信息公开工作年度报告", 8),
        ]
    )
    assert chosen is not None
    assert chosen.clean == "成吉思汗镇2016年政府信息公开工作年度报告"
    assert chosen.shown == "UedBet体育成吉思汗镇2016年政府信息公开工作年度报告"
