"""Hijack signs: lexicon in brand context only, hidden links, junk tags, glosses, Traditional."""

from __future__ import annotations

import pytest
from lxml import etree

from archive.parse import spam

INNOCENT = [
    "镇文化体育站组织开展全民健身活动",
    "通过县政府官网公开各类信息",
    "福利彩票公益金资助项目情况",
    "社区老年活动中心棋牌室改造",
    "组织开展政务公开知识竞猜活动",
    "对辖区文化娱乐场所开展检查12次",
    "指导群众发展菠菜种植基地300亩",
    "为学校购买球类器材",
    "登录www.jiande.gov.cn官网查询",
    "国内生产总值(GDP)增长6%",
]
SPAM = [
    ("UedBet体育成吉思汗镇2016年", "UedBet体育"),
    ("uedbet体育_uedbet官网@:", "uedbet体育"),
    ("新葡京博彩官网区人民政府", "新葡京博彩官网"),
    ("澳门和记娱乐场,菠菜导航网", "澳门和记娱乐场"),
    ("澳門賭場推薦", "澳門賭場"),
    ("欧洲杯决赛竞猜_2024欧洲杯买球平台-线上app官网", "欧洲杯决赛竞猜"),
    ("免费菠萝视频app下载", "视频app"),
    ("国产精品一区二区", "国产精品一区二区"),
]


@pytest.mark.parametrize("text", INNOCENT)
def test_innocent_words_are_not_spam(text: str) -> None:
    assert spam.spam_terms_in(text) == []


@pytest.mark.parametrize(("text", "term"), SPAM)
def test_spam_terms(text: str, term: str) -> None:
    assert term in spam.spam_terms_in(text)


def test_strip_spam_keeps_the_place() -> None:
    assert spam.strip_spam("uedbet体育_uedbet官网@:西柳镇") == "西柳镇"
    assert spam.strip_spam("广州市新葡京博彩官网区人民政府", "|") == "广州市|区人民政府"


def test_pinyin_glosses() -> None:
    text = "當(dāng)前位置 中(zhōng)華人民(mín)共和國(guó)政府信息公(gong)開報(bào)告"
    assert spam.has_glosses(text)
    assert spam.strip_glosses(text) == "當前位置 中華人民共和國政府信息公開報告"
    assert not spam.has_glosses("国内生产总值(GDP)和居民消费价格指数(CPI)")


def test_traditional_ratio() -> None:
    trad = (
        "根據《中華人民共和國政府信息公開條例》規定，現公佈樟潭街道二〇一八年政府信息公開工作年度報告。"
        * 2
    )
    simp = spam.to_simplified(trad)
    assert spam.is_traditional(trad)
    assert not spam.is_traditional(simp)
    assert "公开工作年度报告" in simp


def test_junk_tag_runs() -> None:
    markup = '<noframes id="zdbdv"><address id="zdbdv"><listing id="zdbdv"></listing></address></noframes>'
    assert spam.junk_tag_runs(markup) == 1
    assert spam.junk_tag_runs('<div id="header"><div id="logo"><a id="home">x</a></div></div>') == 0


def test_hidden_spam_blocks() -> None:
    root = etree.fromstring(
        '<div><ul style="display:none"><li><a href="/zwgk/">政务公开</a></li></ul>'
        '<div style="display:none"><a href="http://a.example.com/">x</a><a href="http://b.example.net/">y</a>'
        '<a href="http://c.example.org/">z</a></div>'
        '<div style="display:none"><a href="/a">澳门新葡京娱乐场</a></div></div>',
        etree.HTMLParser(),
    )
    hidden = root.xpath("//*[@style]")
    terms, offending = spam.hidden_spam(hidden, "http://www.x.gov.cn/a.html")
    assert terms == ["hidden-links", "澳门新葡京娱乐场"]
    assert len(offending) == 2


def test_self_domain_mention() -> None:
    text = "通过泰州市政府门户网站(http://www.zwinkt.com)公开信息"
    assert spam.self_domain_mentions(text, "http://www.zwinkt.com/a.html") == ["self-domain"]
    assert spam.self_domain_mentions(text, "http://www.taizhou.gov.cn/a.html") == []
