"""The three statistical tables of the post-2019 format, as table blocks.

A table block is {"t": "table", "rows": [[cell, ...], ...]}; a cell is a string or
{"x": text, "r": rowspan, "c": colspan}. Labels follow 国办公开办函〔2019〕60号
(2019-2020 reports) and 〔2021〕30号 (2021 on) exactly, in full-width punctuation.
"""

from __future__ import annotations

import random
from typing import Any

Cell = str | dict[str, Any]
Row = list[Cell]

APPLICANT_COLUMNS = ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
WITHHELD = [
    "1．属于国家秘密",
    "2．其他法律行政法规禁止公开",
    "3．危及“三安全一稳定”",
    "4．保护第三方合法权益",
    "5．属于三类内部事务信息",
    "6．属于四类过程性信息",
    "7．属于行政执法案卷",
    "8．属于行政查询事项",
]
UNABLE = ["1．本机关不掌握相关政府信息", "2．没有现成信息需要另行制作", "3．补正后申请内容仍不明确"]
NOT_HANDLED = [
    "1．信访举报投诉类申请",
    "2．重复申请",
    "3．要求提供公开出版物",
    "4．无正当理由大量反复申请",
    "5．要求行政机关确认或重新出具已获取信息",
]
OTHER_30 = [
    "1．申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "2．申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "3．其他",
]
REVIEW_RESULTS = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]


def cell(text: str, rows: int = 1, cols: int = 1) -> Cell:
    if rows == 1 and cols == 1:
        return text
    return {"x": text, "r": rows, "c": cols}


def blank(value: int, blanks: bool) -> str:
    return "" if blanks and value == 0 else str(value)


def active_table(version: int, counts: dict[str, int]) -> dict[str, Any]:
    """Table 1 (主动公开政府信息情况) for version 60 or 30."""
    c = counts.get
    if version == 60:
        rows: list[Row] = [
            [cell("第二十条第（一）项", cols=4)],
            ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"],
            ["规章", "0", "0", "0"],
            ["规范性文件", str(c("norm_new", 0)), str(c("norm_new", 0)), str(c("norm_total", 0))],
            [cell("第二十条第（五）项", cols=4)],
            ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
            ["行政许可", str(c("permit_items", 0)), "0", str(c("permit", 0))],
            ["其他对外管理服务事项", str(c("service_items", 0)), "0", str(c("service", 0))],
            [cell("第二十条第（六）项", cols=4)],
            ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
            ["行政处罚", str(c("penalty_items", 0)), "0", str(c("penalty", 0))],
            ["行政强制", "0", "0", "0"],
            [cell("第二十条第（八）项", cols=4)],
            ["信息内容", "上一年项目数量", cell("本年增/减", cols=2)],
            ["行政事业性收费", "0", cell("0", cols=2)],
            [cell("第二十条第（九）项", cols=4)],
            ["信息内容", cell("采购项目数量", cols=2), "采购总金额"],
            ["政府集中采购", cell(str(c("purchase", 0)), cols=2), str(c("purchase_sum", 0))],
        ]
    else:
        rows = [
            [cell("第二十条第（一）项", cols=4)],
            ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
            ["规章", "0", "0", "0"],
            ["行政规范性文件", str(c("norm_new", 0)), "0", str(c("norm_total", 0))],
            [cell("第二十条第（五）项", cols=4)],
            ["信息内容", cell("本年处理决定数量", cols=3)],
            ["行政许可", cell(str(c("permit", 0)), cols=3)],
            [cell("第二十条第（六）项", cols=4)],
            ["信息内容", cell("本年处理决定数量", cols=3)],
            ["行政处罚", cell(str(c("penalty", 0)), cols=3)],
            ["行政强制", cell("0", cols=3)],
            [cell("第二十条第（八）项", cols=4)],
            ["信息内容", cell("本年收费金额（单位：万元）", cols=3)],
            ["行政事业性收费", cell("0", cols=3)],
        ]
    return {"t": "table", "rows": rows}


def request_numbers(rng: random.Random, n_req: int) -> dict[str, list[int]]:
    """Per-row applicant counts (6 columns, total added later), consistent with the 勾稽关系."""
    rows: dict[str, list[int]] = {}

    def add(key: str, person: int, other: int = 0) -> None:
        rows.setdefault(key, [0] * 6)
        rows[key][0] += person
        rows[key][5] += other

    from_others = 1 if n_req >= 3 else 0
    add("new", n_req - from_others, from_others)
    for i in range(n_req):
        outcome = rng.choice(["open", "open", "open", "unable1", "handled1"])
        add(outcome, 1 if i >= from_others else 0, 1 if i < from_others else 0)
    add("total", n_req - from_others, from_others)
    return rows


def request_table(
    version: int, n_req: int, rng: random.Random, blanks: bool = False
) -> dict[str, Any]:
    """Table 2 (收到和处理政府信息公开申请情况)."""
    numbers = request_numbers(rng, n_req)

    def values(key: str) -> list[Cell]:
        row = numbers.get(key, [0] * 6)
        return [blank(v, blanks) for v in row + [sum(row)]]

    header: list[Row] = [
        [
            cell("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3),
            cell("申请人情况", cols=7),
        ],
        [cell("自然人", rows=2), cell("法人或其他组织", cols=5), cell("总计", rows=2)],
        list(APPLICANT_COLUMNS),
    ]
    other_rows = 1 if version == 60 else 3
    result_rows = 2 + len(WITHHELD) + len(UNABLE) + len(NOT_HANDLED) + other_rows + 1
    body: list[Row] = [
        [cell("一、本年新收政府信息公开申请数量", cols=3), *values("new")],
        [cell("二、上年结转政府信息公开申请数量", cols=3), *values("carried")],
        [
            cell("三、本年度办理结果", rows=result_rows),
            cell("（一）予以公开", cols=2),
            *values("open"),
        ],
        [cell("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", cols=2), *values("part")],
    ]
    body += group_rows("（三）不予公开", WITHHELD, "withheld", values)
    body += group_rows("（四）无法提供", UNABLE, "unable", values)
    body += group_rows("（五）不予处理", NOT_HANDLED, "handled", values)
    if version == 60:
        body.append([cell("（六）其他处理", cols=2), *values("other")])
    else:
        body += group_rows("（六）其他处理", OTHER_30, "other", values)
    body.append([cell("（七）总计", cols=2), *values("total")])
    body.append([cell("四、结转下年度继续办理", cols=3), *values("next")])
    return {"t": "table", "rows": header + body}


def group_rows(label: str, items: list[str], key: str, values: Any) -> list[Row]:
    rows: list[Row] = []
    for i, item in enumerate(items, 1):
        lead = [cell(label, rows=len(items))] if i == 1 else []
        rows.append([*lead, item, *values(f"{key}{i}")])
    return rows


def review_table(blanks: bool = False) -> dict[str, Any]:
    """Table 3 (政府信息公开行政复议、行政诉讼情况): township rows are all zero."""
    zero = blank(0, blanks)
    rows: list[Row] = [
        [cell("行政复议", cols=5), cell("行政诉讼", cols=10)],
        [
            *(cell(name, rows=2) for name in REVIEW_RESULTS),
            cell("未经复议直接起诉", cols=5),
            cell("复议后起诉", cols=5),
        ],
        [*REVIEW_RESULTS, *REVIEW_RESULTS],
        [zero] * 15,
    ]
    return {"t": "table", "rows": rows}
