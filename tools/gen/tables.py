"""The three statistical tables of the post-2019 format, as table blocks.

A table block is {"t": "table", "rows": [[cell, ...], ...]}; a cell is a string or
{"x": text, "r": rowspan, "c": colspan}; a "\\n" in a cell's text is a line break.
Labels follow 国办公开办函〔2019〕60号 (2019-2020 reports) and 〔2021〕30号 (2021 on)
exactly, in full-width punctuation.

Each block also carries "truth": what its cells state under the archive's canonical keys
(docs/figures.md), popped into the document's `expect` by tools/gen/expect.py.

Shapes (report flags) found in the wild:
  blank_zeros      zero cells left blank
  split_headers    header labels broken by line breaks (商业<br>企业, 结果<br>维持)
  spaced_headers   header labels broken by spaces (商业 企业)
  two_row_headers  applicant labels over two header rows (商业 / 企业)
  slash_na         `/` for not applicable in table 1
  yuan             money written in 元 (152790元) in a 万元 column
Breaks (numbers that do not add up):
  unbalanced       (七)总计's total column one too high
  bad_row_total    (一)予以公开's total column one too high
  bad_review_total 行政复议: one upheld, total 2
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

Cell = str | dict[str, Any]
Row = list[Cell]
Shape = frozenset[str]

APPLICANT_COLUMNS = ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
SPLIT_APPLICANTS = ["商业\n企业", "科研\n机构", "社会公益\n组织", "法律服务\n机构", "其他"]
SPACED_APPLICANTS = ["商业 企业", "科研 机构", "社会 公益组织", "法律服务 机构", "其他"]
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

# Canonical keys (docs/figures.md) of what the generator writes.
FIXED_ROWS = {
    "new": "new_requests",
    "carried": "carried_over",
    "open": "granted",
    "part": "partially_granted",
    "other": "other",
    "total": "total",
    "next": "carried_forward",
}
GROUP_KEYS = {
    "withheld": [
        "refused_state_secret",
        "refused_prohibited_by_law",
        "refused_three_safeties",
        "refused_third_party",
        "refused_internal_affairs",
        "refused_process_info",
        "refused_law_enforcement_files",
        "refused_query_matters",
    ],
    "unable": ["unable_not_held", "unable_needs_creation", "unable_unclear"],
    "handled": [
        "not_processed_petition",
        "not_processed_repeated",
        "not_processed_publication",
        "not_processed_excessive",
        "not_processed_confirmation",
    ],
    "other": ["other_no_correction", "other_unpaid_fee", "other_other"],
}
REVIEW_GROUPS = ["administrative_review", "lawsuit_direct", "lawsuit_after_review"]
YUAN_PER_WAN = 10_000


def cell(text: str, rows: int = 1, cols: int = 1) -> Cell:
    if rows == 1 and cols == 1:
        return text
    return {"x": text, "r": rows, "c": cols}


def text_of(value: Cell) -> str:
    return value if isinstance(value, str) else value["x"]


def blank(value: int, blanks: bool) -> str:
    return "" if blanks and value == 0 else str(value)


def header_label(text: str, shape: Shape, at: int) -> str:
    """A header label as an editor broke it: a line break or a space after `at` characters."""
    if at >= len(text):
        return text
    if "split_headers" in shape:
        return text[:at] + "\n" + text[at:]
    if "spaced_headers" in shape:
        return text[:at] + " " + text[at:]
    return text


def money(wan: int, yuan: int, shape: Shape) -> tuple[str, float]:
    """A money cell and its value in 万元: the 万元 integer, or an amount in 元."""
    if "yuan" in shape:
        return f"{yuan}元", yuan / YUAN_PER_WAN
    return str(wan), float(wan)


class ActiveTable:
    """Rows of table 1 with the truth of every data cell."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.cells: dict[str, dict[str, str]] = {}
        self.values: dict[str, float | None] = {}

    def caption(self, text: str) -> None:
        self.rows.append([cell(text, cols=4)])

    def header(self, *labels: Cell) -> None:
        self.rows.append(["信息内容", *labels])

    def data(self, key: str, label: str, cells: list[tuple[str, Cell]]) -> None:
        self.rows.append([label, *(c for _, c in cells)])
        self.cells[key] = {column: text_of(c) for column, c in cells}

    def block(self) -> dict[str, Any]:
        truth: dict[str, Any] = {"active": self.cells}
        if self.values:
            truth["money"] = self.values
        return {"t": "table", "rows": self.rows, "truth": truth}


def active_table(
    version: int, counts: dict[str, int], shape: Shape = frozenset()
) -> dict[str, Any]:
    """Table 1 (主动公开政府信息情况) for version 60 or 30."""
    c = counts.get
    slash = "slash_na" in shape
    table = ActiveTable()
    if version == 60:
        change = "/" if slash else "0"
        table.caption("第二十条第（一）项")
        table.header(
            header_label("本年新制作数量", shape, 3),
            header_label("本年新公开数量", shape, 3),
            header_label("对外公开总数量", shape, 4),
        )
        regulation = "/" if slash else "0"
        table.data(
            "regulations",
            "规章",
            [("made", regulation), ("published", regulation), ("published_total", regulation)],
        )
        norm_new, norm_total = str(c("norm_new", 0)), str(c("norm_total", 0))
        table.data(
            "normative_docs",
            "规范性文件",
            [("made", norm_new), ("published", norm_new), ("published_total", norm_total)],
        )
        decisions_block(table, "第二十条第（五）项", shape, change,
                        [("licensing", "行政许可", "permit"),
                         ("other_services", "其他对外管理服务事项", "service")], c)
        decisions_block(table, "第二十条第（六）项", shape, change,
                        [("penalties", "行政处罚", "penalty"), ("enforcement", "行政强制", "")], c)
        table.caption("第二十条第（八）项")
        table.header("上一年项目数量", cell(header_label("本年增/减", shape, 2), cols=2))
        fee_items = "/" if slash else "0"
        table.data(
            "admin_fees",
            "行政事业性收费",
            [("items_last_year", fee_items), ("items_change", cell(change, cols=2))],
        )
        table.caption("第二十条第（九）项")
        table.header(cell(header_label("采购项目数量", shape, 2), cols=2), "采购总金额")
        amount, value = money(c("purchase_sum", 0), c("purchase_yuan", 0), shape)
        table.data(
            "procurement",
            "政府集中采购",
            [("procurement_items", cell(str(c("purchase", 0)), cols=2)),
             ("procurement_amount", amount)],
        )
        table.values["procurement/procurement_amount"] = value
    else:
        table.caption("第二十条第（一）项")
        table.header(
            header_label("本年制发件数", shape, 2),
            header_label("本年废止件数", shape, 2),
            header_label("现行有效件数", shape, 2),
        )
        regulation = "/" if slash else "0"
        table.data(
            "regulations",
            "规章",
            [("issued", regulation), ("repealed", regulation), ("in_force", regulation)],
        )
        table.data(
            "normative_docs",
            "行政规范性文件",
            [("issued", str(c("norm_new", 0))), ("repealed", "0"),
             ("in_force", str(c("norm_total", 0)))],
        )
        decisions_block(table, "第二十条第（五）项", shape, None,
                        [("licensing", "行政许可", "permit")], c)
        decisions_block(table, "第二十条第（六）项", shape, None,
                        [("penalties", "行政处罚", "penalty"), ("enforcement", "行政强制", "")], c)
        table.caption("第二十条第（八）项")
        table.header(cell("本年收费金额（单位：万元）", cols=3))
        fee, value = money(0, c("fee_yuan", 0), shape)
        if slash and "yuan" not in shape:
            fee, value = "/", None
        table.data("admin_fees", "行政事业性收费", [("fees_amount", cell(fee, cols=3))])
        table.values["admin_fees/fees_amount"] = value
    return table.block()


def decisions_block(
    table: ActiveTable,
    caption: str,
    shape: Shape,
    change: str | None,
    rows: list[tuple[str, str, str]],
    c: Callable[[str, int], int | None],
) -> None:
    """A 处理决定 block: 60号 has items last year and the change, 30号 one merged column."""
    table.caption(caption)
    if change is not None:
        table.header("上一年项目数量", header_label("本年增/减", shape, 2), "处理决定数量")
    else:
        table.header(cell(header_label("本年处理决定数量", shape, 4), cols=3))
    for key, label, count in rows:
        decided = str(c(count, 0)) if count else "0"
        if change is None:
            table.data(key, label, [("decisions", cell(decided, cols=3))])
            continue
        items = str(c(f"{count}_items", 0)) if count else "0"
        table.data(key, label,
                   [("items_last_year", items), ("items_change", change), ("decisions", decided)])


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


def request_keys(version: int) -> dict[str, str]:
    """Generator row key -> canonical row key, in table order."""
    keys = {"new": "new_requests", "carried": "carried_over", "open": "granted",
            "part": "partially_granted"}
    for group in ("withheld", "unable", "handled"):
        keys.update({f"{group}{i}": key for i, key in enumerate(GROUP_KEYS[group], 1)})
    if version == 60:
        keys["other"] = "other"
    else:
        keys.update({f"other{i}": key for i, key in enumerate(GROUP_KEYS["other"], 1)})
    keys.update({"total": "total", "next": "carried_forward"})
    return keys


def request_grid(version: int, n_req: int, rng: random.Random,
                 shape: Shape = frozenset()) -> dict[str, list[int]]:
    """Every row of table 2 with its seven numbers (total last), breaks applied."""
    numbers = request_numbers(rng, n_req)
    grid = {}
    for key in request_keys(version):
        row = numbers.get(key, [0] * 6)
        grid[key] = row + [sum(row)]
    if "unbalanced" in shape:
        grid["total"][6] += 1
    if "bad_row_total" in shape:
        grid["open"][6] += 1
    return grid


def request_header(shape: Shape) -> list[Row]:
    note = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    if "two_row_headers" in shape:
        return [
            [cell(note, 4, 3), cell("申请人情况", cols=7)],
            [cell("自然人", rows=3), cell("法人或其他组织", cols=5), cell("总计", rows=3)],
            ["商业", "科研", "社会公益", "法律服务", cell("其他", rows=2)],
            ["企业", "机构", "组织", "机构"],
        ]
    applicants = APPLICANT_COLUMNS
    if "split_headers" in shape:
        applicants = SPLIT_APPLICANTS
    elif "spaced_headers" in shape:
        applicants = SPACED_APPLICANTS
    return [
        [cell(note, 3, 3), cell("申请人情况", cols=7)],
        [cell("自然人", rows=2), cell("法人或其他组织", cols=5), cell("总计", rows=2)],
        list(applicants),
    ]


def request_table(
    version: int, n_req: int, rng: random.Random, blanks: bool = False,
    shape: Shape = frozenset(),
) -> dict[str, Any]:
    """Table 2 (收到和处理政府信息公开申请情况)."""
    grid = request_grid(version, n_req, rng, shape)

    def values(key: str) -> list[str]:
        return [blank(v, blanks) for v in grid[key]]

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
    truth = {
        "applications": {
            canonical: "|".join(values(key)) for key, canonical in request_keys(version).items()
        },
        "numbers": grid,
    }
    return {"t": "table", "rows": request_header(shape) + body, "truth": truth}


def group_rows(label: str, items: list[str], key: str, values: Any) -> list[Row]:
    rows: list[Row] = []
    for i, item in enumerate(items, 1):
        lead = [cell(label, rows=len(items))] if i == 1 else []
        rows.append([*lead, item, *values(f"{key}{i}")])
    return rows


def review_numbers(shape: Shape) -> list[list[int]]:
    """Three groups of five (维持, 纠正, 其他, 尚未审结, 总计): township rows are all zero."""
    groups = [[0] * 5 for _ in REVIEW_GROUPS]
    if "bad_review_total" in shape:
        groups[0] = [1, 0, 0, 0, 2]
    return groups


def review_table(blanks: bool = False, shape: Shape = frozenset()) -> dict[str, Any]:
    """Table 3 (政府信息公开行政复议、行政诉讼情况)."""
    groups = review_numbers(shape)
    results = [header_label(name, shape, 2) for name in REVIEW_RESULTS]
    rows: list[Row] = [
        [cell("行政复议", cols=5), cell("行政诉讼", cols=10)],
        [
            *(cell(name, rows=2) for name in results),
            cell(header_label("未经复议直接起诉", shape, 4), cols=5),
            cell(header_label("复议后起诉", shape, 2), cols=5),
        ],
        [*results, *results],
        [blank(v, blanks) for group in groups for v in group],
    ]
    truth = {
        "reviews": {
            key: "|".join(blank(v, blanks) for v in group)
            for key, group in zip(REVIEW_GROUPS, groups)
        },
        "review_numbers": groups,
    }
    return {"t": "table", "rows": rows, "truth": truth}
