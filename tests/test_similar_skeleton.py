"""The mandated skeleton is stripped before reports are compared."""

from __future__ import annotations

from archive.similar.skeleton import (
    common_units,
    distinct_unit_keys,
    free_text,
    is_fixed_skeleton,
    unit_key,
)

REPORT = """一、总体情况
根据《中华人民共和国政府信息公开条例》规定,现公布成吉思汗镇2021年政府信息公开工作年度报告。
(一)主动公开
我镇在草原生态补奖资金发放中逐户张榜,牧民代表现场监督。
二、主动公开政府信息情况
信息内容 本年制发件数 本年废止件数 现行有效件数
规章 0 0 0
行政规范性文件 3 0 3
(三)不予公开 1.属于国家秘密 0 2.其他法律行政法规禁止公开 0
行政复议 结果维持 结果纠正 其他结果 尚未审结 总计 0 0 0 0 0
2.没有现成信息需要另行制作
本报告中所列数据统计期限自2021年1月1日起至2021年12月31日止。
全年主动公开政府信息125条。
"""


def test_headings_tables_and_template_sentences_are_skeleton() -> None:
    assert free_text(REPORT) == ("我镇在草原生态补奖资金发放中逐户张榜,牧民代表现场监督。\n"
                                 "全年主动公开政府信息125条。")


def test_a_long_numbered_paragraph_is_not_a_heading() -> None:
    paragraph = "一是推进基础政务信息公开。" + "利用政府门户网站对领导人简历重要会议等政务信息及时进行发布" * 2
    assert not is_fixed_skeleton("(一)" + paragraph)


def test_unit_keys_fold_numbers_and_width() -> None:
    assert unit_key("全年主动公开政府信息125条。") == unit_key("全年主动公开政府信息3条.")


def test_sentences_in_a_large_share_of_reports_are_boilerplate() -> None:
    texts = [REPORT.replace("125", str(n)) + f"第{n}份报告独有的句子内容{'甲乙丙丁'[n % 4]}。"
             for n in range(20)]
    common = common_units((distinct_unit_keys(t) for t in texts), len(texts),
                          share=0.5, minimum=3)
    assert unit_key("全年主动公开政府信息1条。") in common
    assert unit_key("我镇在草原生态补奖资金发放中逐户张榜,牧民代表现场监督。") in common
    assert free_text(texts[0], common) == "第0份报告独有的句子内容甲。"
