"""Figures from narrative text: hits with their sentence, and tricky non-hits."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import html

from archive.figures.prose import chinese_number, extract_prose, prose_figures

SEED = Path(__file__).resolve().parent / "fixtures" / "seed" / "chengjisihan_2016.html"

HITS = [
    ("全年主动公开政府信息46条。", "active_published", "total", 46),
    ("2016年，共公开各类信息1,200余条。", "active_published", "at_least", 1200),
    ("主动公开政府信息共计120条，其中机构职能类5条。", "active_published", "total", 120),
    ("本年度主动公开政府信息两百条。", "active_published", "total", 200),
    ("全年主动公开信息46条，其中通过微信公众号发布120条。", "active_published", "total", 46),
    ("本年度未收到依申请公开。", "requests_received", "total", 0),
    ("本年度无依申请公开事项。", "requests_received", "total", 0),
    ("没有收到公民、法人和其他组织提出的政府信息公开申请。", "requests_received", "total", 0),
    ("2012年，我乡共收到政府信息公开申请3件，已全部办结。", "requests_received", "total", 3),
    ("全年受理依申请公开申请十二件。", "requests_received", "total", 12),
    ("依申请公开政府信息0件。", "requests_received", "total", 0),
    ("对收到的申请，同意公开2件，部分公开1件，不予公开1件。", "requests_granted", "total", 2),
    (
        "对收到的申请，同意公开2件，部分公开1件，不予公开1件。",
        "requests_partially_granted",
        "total",
        1,
    ),
    ("对收到的申请，同意公开2件，部分公开1件，不予公开1件。", "requests_refused", "total", 1),
    ("本年度未发生因政府信息公开申请行政复议、提起行政诉讼的情况。", "reviews", "total", 0),
    ("本年度未发生因政府信息公开申请行政复议、提起行政诉讼的情况。", "lawsuits", "total", 0),
    ("因政府信息公开申请行政复议0件，提起行政诉讼1件。", "lawsuits", "total", 1),
    ("未发生行政复议，但有行政诉讼1件。", "reviews", "total", 0),
    ("本年度未收取任何费用。", "fees_collected", "total", 0.0),
    ("本年度未发生收费及减免情况。", "fees_collected", "total", 0.0),
    ("收取检索、复制、邮寄等费用共计120元。", "fees_collected", "total", 0.012),
]

NON_HITS = [
    "二、主动公开政府信息情况",  # a heading
    "三、依申请公开政府信息和不予公开政府信息情况",
    "通过微信公众号主动公开信息685条。",  # new-media posts, not portal items
    "截至目前，累计主动公开政府信息3000条。",  # a running total since 2008
    "主动公开规范性文件3件。",  # a sub-item, not the total
    "对依申请公开的3件申请均按时答复。",  # number not tied to the phrase
    "未收到申请人对收费的投诉。",  # not about fees collected
    "本年度未减免任何费用。",  # waived, not collected
    "申请人未在规定期限内申请行政复议。",  # not a "none happened" statement
    "无论是行政复议还是行政诉讼，均依法办理。",
    "申请行政复议和提起行政诉讼情况",
    "成吉思汗镇2016年政府信息公开工作年度报告",
    "对涉及群众切身利益的信息予以公开12条。",  # 予以公开 without an application
    "根据《2016年政府信息公开工作考核指标及评价办法》要求。",
]


@pytest.mark.parametrize(("sentence", "row", "column", "value"), HITS)
def test_hit(sentence: str, row: str, column: str, value: float) -> None:
    found = {(f.row_key, f.column_key): f for f in prose_figures(sentence)}
    figure = found.get((row, column))
    assert figure is not None, found
    assert figure.value == pytest.approx(value)
    assert figure.table == "narrative"
    assert figure.sentence == sentence.strip()
    assert figure.raw and figure.raw in sentence.replace(" ", "")


@pytest.mark.parametrize("sentence", NON_HITS)
def test_non_hit(sentence: str) -> None:
    assert prose_figures(sentence) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "本年度未发生因政府信息公开申请行政复议的情况。",
        "未收到因政府信息公开申请而提起的行政复议。",
    ],
)
def test_request_zero_is_not_read_from_a_review_sentence(sentence: str) -> None:
    assert {(f.row_key, f.value) for f in prose_figures(sentence)} == {("reviews", 0)}


def test_sentences_that_disagree_give_no_figure() -> None:
    result = extract_prose("全年主动公开政府信息46条。另据统计，主动公开政府信息52条。")
    assert result.figures == []
    assert "disagree" in result.notes[0]


def test_sentences_that_agree_give_one_figure() -> None:
    text = "一、概述\n全年主动公开政府信息46条。\n二、主动公开情况\n主动公开政府信息46条。"
    figures = prose_figures(text)
    assert [(f.row_key, f.value, f.sentence) for f in figures] == [
        ("active_published", 46, "全年主动公开政府信息46条。")
    ]


def test_seed_report_states_no_figures() -> None:
    text = html.fromstring(SEED.read_bytes()).text_content()
    assert prose_figures(text) == []


def test_units() -> None:
    figures = {f.row_key: f for f in prose_figures("主动公开信息46条，收取费用200元。")}
    assert figures["active_published"].unit == "count"
    assert (figures["fees_collected"].unit, figures["fees_collected"].raw) == (
        "万元",
        "收取费用200元",
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("三", 3),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("一百零五", 105),
        ("两千", 2000),
        ("二〇一九", None),
    ],
)
def test_chinese_number(text: str, value: int | None) -> None:
    assert chinese_number(text) == value
