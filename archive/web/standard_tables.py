"""The three standard tables as the official templates print them, from `figures` rows.

Pure: `report_tables(figures, checks, template)` takes a report's rows of `figures` and
`checks` (dicts as Datasette returns them) and gives what `row-nianbao-reports.html` draws:
per table, its header rows and its data rows, each cell with its label or its value as the
page wrote it (`raw`: a blank stays blank, `/` stays `/`), and the failing checks marked on
the rows and cells they concern, with their numbers. Labels and orders are those of
国办公开办函〔2019〕60号 (2019 and 2020 reports) and〔2021〕30号 (from 2021);
docs/figures.md lists the keys, archive/derive/views.py the orders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from archive.figures import vocab

Label = tuple[str, int, int]  # text, rowspan, colspan


@dataclass
class Cell:
    key: str  # table.row.column
    text: str
    state: str  # value | blank | na | words | absent
    value: Any = None
    flagged: list[str] = field(default_factory=list)


@dataclass
class Row:
    key: str
    labels: list[Label]
    cells: list[Cell]
    flagged: list[str] = field(default_factory=list)
    block_header: list[Label] | None = None  # table 1: a block's caption and column labels


@dataclass
class Table:
    key: str
    title: str
    head: list[list[Label]]
    rows: list[Row]
    failures: list[tuple[str, str]]  # (check, one failure with its numbers)


# Table 1: blocks of (caption, columns, rows), per template version.
ACTIVE_BLOCKS: dict[str, list[tuple[str, list[tuple[str, str]], list[tuple[str, str]]]]] = {
    vocab.V2019: [
        ("第二十条第(一)项", [("made", "本年新制作数量"), ("published", "本年新公开数量"),
                        ("published_total", "对外公开总数量")],
         [("regulations", "规章"), ("normative_docs", "规范性文件")]),
        ("第二十条第(五)项", [("items_last_year", "上一年项目数量"), ("items_change", "本年增/减"),
                        ("decisions", "处理决定数量")],
         [("licensing", "行政许可"), ("other_services", "其他对外管理服务事项")]),
        ("第二十条第(六)项", [("items_last_year", "上一年项目数量"), ("items_change", "本年增/减"),
                        ("decisions", "处理决定数量")],
         [("penalties", "行政处罚"), ("enforcement", "行政强制")]),
        ("第二十条第(八)项", [("items_last_year", "上一年项目数量"), ("items_change", "本年增/减")],
         [("admin_fees", "行政事业性收费")]),
        ("第二十条第(九)项", [("procurement_items", "采购项目数量"),
                        ("procurement_amount", "采购总金额")],
         [("procurement", "政府集中采购")]),
    ],
    vocab.V2021: [
        ("第二十条第(一)项", [("issued", "本年制发件数"), ("repealed", "本年废止件数"),
                        ("in_force", "现行有效件数")],
         [("regulations", "规章"), ("normative_docs", "行政规范性文件")]),
        ("第二十条第(五)项", [("decisions", "本年处理决定数量")], [("licensing", "行政许可")]),
        ("第二十条第(六)项", [("decisions", "本年处理决定数量")],
         [("penalties", "行政处罚"), ("enforcement", "行政强制")]),
        ("第二十条第(八)项", [("fees_amount", "本年收费金额(单位:万元)")],
         [("admin_fees", "行政事业性收费")]),
    ],
}
ACTIVE_WIDTH = 3  # value columns of the widest block

APPLICATION_COLUMNS = [("natural_person", "自然人"), ("commercial", "商业企业"),
                       ("research", "科研机构"), ("social_welfare", "社会公益组织"),
                       ("legal_services", "法律服务机构"), ("other_org", "其他"), ("total", "总计")]
REFUSED = [("refused_state_secret", "1.属于国家秘密"),
           ("refused_prohibited_by_law", "2.其他法律行政法规禁止公开"),
           ("refused_three_safeties", "3.危及“三安全一稳定”"),
           ("refused_third_party", "4.保护第三方合法权益"),
           ("refused_internal_affairs", "5.属于三类内部事务信息"),
           ("refused_process_info", "6.属于四类过程性信息"),
           ("refused_law_enforcement_files", "7.属于行政执法案卷"),
           ("refused_query_matters", "8.属于行政查询事项")]
UNABLE = [("unable_not_held", "1.本机关不掌握相关政府信息"),
          ("unable_needs_creation", "2.没有现成信息需要另行制作"),
          ("unable_unclear", "3.补正后申请内容仍不明确")]
NOT_PROCESSED = [("not_processed_petition", "1.信访举报投诉类申请"),
                 ("not_processed_repeated", "2.重复申请"),
                 ("not_processed_publication", "3.要求提供公开出版物"),
                 ("not_processed_excessive", "4.无正当理由大量反复申请"),
                 ("not_processed_confirmation", "5.要求行政机关确认或重新出具已获取信息")]
OTHER_2021 = [("other_no_correction",
               "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
              ("other_unpaid_fee",
               "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
              ("other_other", "3.其他")]

REVIEW_GROUPS = [("administrative_review", "行政复议"), ("lawsuit_direct", "未经复议直接起诉"),
                 ("lawsuit_after_review", "复议后起诉")]
REVIEW_COLUMNS = [("upheld", "结果维持"), ("corrected", "结果纠正"), ("other", "其他结果"),
                  ("pending", "尚未审结"), ("total", "总计")]

TABLE_TITLES = {vocab.ACTIVE: "（一）主动公开政府信息情况",
                vocab.APPLICATIONS: "（二）收到和处理政府信息公开申请情况",
                vocab.REVIEWS: "（三）政府信息公开行政复议、行政诉讼情况"}
NARRATIVE_LABELS = {
    "active_published": "主动公开政府信息", "requests_received": "收到公开申请",
    "requests_granted": "予以公开", "requests_partially_granted": "部分公开",
    "requests_refused": "不予公开", "reviews": "行政复议", "lawsuits": "行政诉讼",
    "fees_collected": "收取费用（万元）",
}
ARITHMETIC_CHECKS = {"applications_balance", "applications_row_totals",
                     "applications_outcomes", "reviews_totals"}
BLANK_NOTE = re.compile(r"\s*\(\d+ blank cells counted as 0\)$")
FAILURE_SUBJECT = re.compile(r"^(\w+)( column| row)?:")
BALANCE_ROWS = ("new_requests", "carried_over", "total", "carried_forward")

Figures = dict[tuple[str, str, str], dict[str, Any]]


def report_tables(figures: list[dict[str, Any]], checks: list[dict[str, Any]],
                  template: str | None) -> list[Table]:
    """The standard tables a report has figures for, in template order, checks marked."""
    cells: Figures = {(f["table"], f["row_key"], f["column_key"]): f for f in figures}
    present = {f["table"] for f in figures}
    version = template if template in ACTIVE_BLOCKS else guess_version(cells)
    tables = []
    if vocab.ACTIVE in present:
        tables.append(active_table(cells, version))
    if vocab.APPLICATIONS in present:
        tables.append(applications_table(cells, version))
    if vocab.REVIEWS in present:
        tables.append(reviews_table(cells))
    mark_failures(tables, checks)
    return tables


def guess_version(cells: Figures) -> str:
    columns = {column for _, _, column in cells}
    rows = {row for _, row, _ in cells}
    newer = columns & {"issued", "repealed", "in_force", "fees_amount"}
    return vocab.V2021 if newer or rows & {k for k, _ in OTHER_2021} else vocab.V2019


def cell(cells: Figures, table: str, row: str, column: str) -> Cell:
    key = f"{table}.{row}.{column}"
    figure = cells.get((table, row, column))
    if figure is None:
        return Cell(key, "", "absent")
    raw = figure.get("raw")
    value = figure.get("value")
    if raw is None:
        raw = "" if value is None else str(value)
    if value is not None:
        state = "value"
    elif raw == "":
        state = "blank"
    elif raw in ("/", "-", "—", "／"):
        state = "na"
    else:
        state = "words"
    return Cell(key, raw, state, value)


def active_table(cells: Figures, version: str) -> Table:
    head: list[list[Label]] = []
    rows: list[Row] = []
    for caption, columns, block_rows in ACTIVE_BLOCKS[version]:
        spare = ACTIVE_WIDTH - len(columns)
        labels: list[Label] = [("信息内容", 1, 1)] + [
            (label, 1, 1 + (spare if i == len(columns) - 1 else 0))
            for i, (_, label) in enumerate(columns)]
        for n, (row_key, row_label) in enumerate(block_rows):
            row_cells = [cell(cells, vocab.ACTIVE, row_key, column) for column, _ in columns]
            rows.append(Row(row_key, [(row_label, 1, 1)], row_cells,
                            block_header=[(caption, 1, 1 + ACTIVE_WIDTH), *labels]
                            if n == 0 else None))
    return Table(vocab.ACTIVE, TABLE_TITLES[vocab.ACTIVE], head, rows, [])


def applications_table(cells: Figures, version: str) -> Table:
    head: list[list[Label]] = [
        [("(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)", 3, 3),
         ("申请人情况", 1, 7)],
        [("自然人", 2, 1), ("法人或其他组织", 1, 5), ("总计", 2, 1)],
        [(label, 1, 1) for _, label in APPLICATION_COLUMNS[1:6]],
    ]
    other = ([("other", "(六)其他处理")] if version == vocab.V2019 else OTHER_2021)
    outcomes = 2 + len(REFUSED) + len(UNABLE) + len(NOT_PROCESSED) + len(other) + 1
    specs: list[tuple[str, list[Label]]] = [
        ("new_requests", [("一、本年新收政府信息公开申请数量", 1, 3)]),
        ("carried_over", [("二、上年结转政府信息公开申请数量", 1, 3)]),
        ("granted", [("三、本年度办理结果", outcomes, 1), ("(一)予以公开", 1, 2)]),
        ("partially_granted", [("(二)部分公开(区分处理的,只计这一情形,不计其他情形)", 1, 2)]),
    ]
    for group, label, members in (("refused", "(三)不予公开", REFUSED),
                                  ("unable", "(四)无法提供", UNABLE),
                                  ("not_processed", "(五)不予处理", NOT_PROCESSED)):
        for i, (key, sub) in enumerate(members):
            specs.append((key, ([(label, len(members), 1)] if i == 0 else []) + [(sub, 1, 1)]))
    if version == vocab.V2019:
        specs.append(("other", [("(六)其他处理", 1, 2)]))
    else:
        for i, (key, sub) in enumerate(OTHER_2021):
            specs.append((key, ([("(六)其他处理", len(OTHER_2021), 1)] if i == 0 else [])
                          + [(sub, 1, 1)]))
    specs.append(("total", [("(七)总计", 1, 2)]))
    specs.append(("carried_forward", [("四、结转下年度继续办理", 1, 3)]))
    rows = [Row(key, labels, [cell(cells, vocab.APPLICATIONS, key, column)
                              for column, _ in APPLICATION_COLUMNS])
            for key, labels in specs]
    return Table(vocab.APPLICATIONS, TABLE_TITLES[vocab.APPLICATIONS], head, rows, [])


def reviews_table(cells: Figures) -> Table:
    head: list[list[Label]] = [
        [("行政复议", 2, 5), ("行政诉讼", 1, 10)],
        [("未经复议直接起诉", 1, 5), ("复议后起诉", 1, 5)],
        [(label, 1, 1) for _ in REVIEW_GROUPS for _, label in REVIEW_COLUMNS],
    ]
    row_cells = [cell(cells, vocab.REVIEWS, group, column)
                 for group, _ in REVIEW_GROUPS for column, _ in REVIEW_COLUMNS]
    return Table(vocab.REVIEWS, TABLE_TITLES[vocab.REVIEWS], head,
                 [Row("reviews", [], row_cells)], [])


def failures_of(detail: str) -> list[str]:
    return [part.strip() for part in BLANK_NOTE.sub("", detail or "").split(";") if part.strip()]


def mark_failures(tables: list[Table], checks: list[dict[str, Any]]) -> None:
    """Put each failing arithmetic check on the cells it concerns (with its numbers)."""
    by_key = {t.key: t for t in tables}
    for check in checks:
        name = check.get("check")
        if check.get("status") != "fail" or name not in ARITHMETIC_CHECKS:
            continue
        table = by_key.get(vocab.REVIEWS if name == "reviews_totals" else vocab.APPLICATIONS)
        if table is None:
            continue
        for failure in failures_of(check.get("detail") or ""):
            table.failures.append((str(name), failure))
            subject = FAILURE_SUBJECT.match(failure)
            if subject:
                flag(table, str(name), subject.group(1), failure)


def flag(table: Table, check: str, subject: str, failure: str) -> None:
    if table.key == vocab.REVIEWS:  # `administrative_review: 1+0+0+0=1 ≠ total 2`
        for c in table.rows[0].cells:
            if c.key.split(".")[1] == subject:
                c.flagged.append(failure)
        return
    for row in table.rows:
        for c in row.cells:
            _, row_key, column = c.key.split(".")
            if ((check == "applications_row_totals" and row_key == subject)
                    or (check == "applications_balance" and column == subject
                        and row_key in BALANCE_ROWS)
                    or (check == "applications_outcomes" and column == subject
                        and row_key == "total")):
                c.flagged.append(failure)
        if check == "applications_row_totals" and row.key == subject:
            row.flagged.append(failure)


def narrative_rows(figures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Numbers stated in prose (pre-2019 reports), with their sentence, in label order."""
    order = list(NARRATIVE_LABELS)
    rows = [dict(f, label=NARRATIVE_LABELS.get(f["row_key"], f["row_key"]),
                 at_least=f["column_key"] == "at_least")
            for f in figures if f["table"] == "narrative"]
    return sorted(rows, key=lambda r: (order.index(r["row_key"]) if r["row_key"] in order
                                       else len(order), r["column_key"]))
