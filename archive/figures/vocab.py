"""Labels of the three standard tables and their canonical English keys.

The labels are the annual-report templates' (国办公开办函〔2019〕60号 for the 2019 and 2020
reports, 国办公开办函〔2021〕30号 from the 2021 reports on); docs/figures.md, "Keys", lists
every key beside its label.

Labels are matched on the matching form (NFKC, no whitespace), by the distinctive words
of each label rather than its numbering, so `第二十条第` with the `(一)` lost, `1、` for
`1.` and `商业 企业` all match. Patterns are tried in order, most specific first.
"""

from __future__ import annotations

import re

Table = tuple[tuple[str, re.Pattern[str]], ...]


def compiled(*pairs: tuple[str, str]) -> Table:
    return tuple((key, re.compile(pattern)) for key, pattern in pairs)


ACTIVE = "active"
APPLICATIONS = "applications"
REVIEWS = "reviews"
TABLE_ORDER = (ACTIVE, APPLICATIONS, REVIEWS)

V2019 = "2019"  # 国办公开办函〔2019〕60号, used for the 2019 and 2020 reports
V2021 = "2021"  # 国办公开办函〔2021〕30号, used from the 2021 reports on

# Table 1 (主动公开政府信息情况): row labels.
ACTIVE_ROWS: Table = compiled(
    ("normative_docs", r"规范性文件"),
    ("regulations", r"规章"),
    ("other_services", r"对外管理服务"),
    ("licensing", r"行政许可"),
    ("penalties", r"行政处罚"),
    ("enforcement", r"行政强制"),
    ("admin_fees", r"事业性收费"),
    ("procurement", r"集中采购"),
)

# Table 1: column labels -> key; both versions share one vocabulary.
ACTIVE_COLUMNS: Table = compiled(
    ("made", r"新制作"),  # 本年新制作数量 (2019)
    ("published_total", r"公开总数"),  # 对外公开总数量 (2019)
    ("published", r"新公开"),  # 本年新公开数量 (2019)
    ("issued", r"制发"),  # 本年制发件数 (2021)
    ("repealed", r"废止"),  # 本年废止件数 (2021)
    ("in_force", r"现行有效"),  # 现行有效件数 (2021)
    ("items_last_year", r"上一?年.{0,2}项目"),  # 上一年项目数量 (2019)
    ("items_change", r"增/?减"),  # 本年增/减 (2019)
    ("decisions", r"处理决定"),  # 处理决定数量 (2019), 本年处理决定数量 (2021)
    ("procurement_items", r"采购项目"),  # 采购项目数量 (2019)
    ("procurement_amount", r"采购.{0,2}金额"),  # 采购总金额 (2019)
    ("fees_amount", r"收费金额"),  # 本年收费金额(单位:万元) (2021)
)
ACTIVE_LABEL_COLUMN = r"信息内容"
# Which columns each row of table 1 can have: a row under another block's header is not read.
ACTIVE_ROW_COLUMNS = {
    "regulations": frozenset(
        {"made", "published", "published_total", "issued", "repealed", "in_force"}
    ),
    "normative_docs": frozenset(
        {"made", "published", "published_total", "issued", "repealed", "in_force"}
    ),
    "licensing": frozenset({"items_last_year", "items_change", "decisions"}),
    "other_services": frozenset({"items_last_year", "items_change", "decisions"}),
    "penalties": frozenset({"items_last_year", "items_change", "decisions"}),
    "enforcement": frozenset({"items_last_year", "items_change", "decisions"}),
    "admin_fees": frozenset({"items_last_year", "items_change", "fees_amount"}),
    "procurement": frozenset({"procurement_items", "procurement_amount"}),
}
MONEY_COLUMNS = frozenset({"procurement_amount", "fees_amount"})
VERSION_COLUMNS = {
    V2019: frozenset(
        {
            "made",
            "published",
            "published_total",
            "items_last_year",
            "items_change",
            "procurement_items",
            "procurement_amount",
        }
    ),
    V2021: frozenset({"issued", "repealed", "in_force", "fees_amount"}),
}
# Column order of each block of table 1, used only to repair a duplicated header label.
ACTIVE_TEMPLATES: tuple[tuple[str, ...], ...] = (
    ("made", "published", "published_total"),
    ("items_last_year", "items_change", "decisions"),
    ("items_last_year", "items_change"),
    ("procurement_items", "procurement_amount"),
    ("issued", "repealed", "in_force"),
)

# Table 2 (收到和处理政府信息公开申请情况): the seven applicant columns.
APPLICATION_COLUMNS: Table = compiled(
    ("natural_person", r"自然人"),
    ("commercial", r"商业企业"),
    ("research", r"科研机构"),
    ("social_welfare", r"公益组织"),
    ("legal_services", r"法律服务"),
    ("total", r"总计|合计"),
    ("other_org", r"其他"),  # tried last, after the 法人或其他组织 group label is removed
)
APPLICATION_HEADER_NOISE = re.compile(r"法人或其他组织|法人和其他组织|申请人情况|\(本列数据.*?\)")
APPLICATION_STANDARD = (
    "natural_person",
    "commercial",
    "research",
    "social_welfare",
    "legal_services",
    "other_org",
    "total",
)

# Table 2: row labels. Sub-rows first: their labels include the group label when a
# rowspan'd group cell is expanded into every row it covers.
APPLICATION_ROWS: Table = compiled(
    ("refused_state_secret", r"国家秘密"),
    ("refused_prohibited_by_law", r"法律行政法规禁止|禁止公开"),
    ("refused_three_safeties", r"三安全一稳定"),
    ("refused_third_party", r"第三方合法权益"),
    ("refused_internal_affairs", r"内部事务"),
    ("refused_process_info", r"过程性信息"),
    ("refused_law_enforcement_files", r"执法案卷"),
    ("refused_query_matters", r"查询事项"),
    ("unable_not_held", r"不掌握"),
    ("unable_needs_creation", r"另行制作"),
    ("unable_unclear", r"仍不明确"),
    ("not_processed_petition", r"信访举报投诉"),
    ("not_processed_repeated", r"重复申请"),
    ("not_processed_publication", r"公开出版物"),
    ("not_processed_excessive", r"大量反复"),
    ("not_processed_confirmation", r"重新出具"),
    ("other_no_correction", r"逾期不补正"),
    ("other_unpaid_fee", r"收费通知|缴纳费用"),
    ("new_requests", r"本年新收"),
    ("carried_over", r"上年结转"),
    ("carried_forward", r"结转下年"),
    ("partially_granted", r"部分公开"),
    ("granted", r"予以公开"),
    ("total", r"总计|合计"),
)
# Group labels of table 2 (they set the context of the numbered sub-rows below them).
APPLICATION_GROUPS: Table = compiled(
    ("refused", r"不予公开"),
    ("unable", r"无法提供"),
    ("not_processed", r"不予处理"),
    ("other", r"其他处理"),
)
OTHER_SUBROW = re.compile(r"(?:^|\d[.、]?|其他处理)其他$")  # 30号 (六) 3.其他
OTHER_ROW = re.compile(r"其他处理$")  # 60号 (六)其他处理, a single row
OUTCOME_PREFIXES = (
    "granted",
    "partially_granted",
    "refused_",
    "unable_",
    "not_processed_",
    "other",
)
VERSION_ROWS = {
    V2019: frozenset({"other"}),
    V2021: frozenset({"other_no_correction", "other_unpaid_fee", "other_other"}),
}

# Table 3 (政府信息公开行政复议、行政诉讼情况): column groups become rows.
REVIEW_GROUPS: Table = compiled(
    ("lawsuit_after_review", r"复议后起诉"),
    ("lawsuit_direct", r"直接起诉|未经复议"),
    ("administrative_review", r"行政复议"),
)
REVIEW_RESULTS: Table = compiled(
    ("upheld", r"维持"),
    ("corrected", r"纠正"),
    ("other", r"其他结果"),
    ("pending", r"未审结"),
    ("total", r"总计|合计"),
)
REVIEW_STANDARD = tuple(
    (group, result)
    for group in ("administrative_review", "lawsuit_direct", "lawsuit_after_review")
    for result in ("upheld", "corrected", "other", "pending", "total")
)
REVIEW_CONTEXT = re.compile(r"行政复议|行政诉讼")


# (id of the table, text) -> (the table itself, so its id cannot be reused, the key)
_FIRST: dict[tuple[int, str], tuple[Table, str | None]] = {}


def first_key(text: str, table: Table) -> str | None:
    """The key of the first pattern found in the text, or None (remembered per table and
    text: the same labels come back in every report)."""
    memo = (id(table), text)
    known = _FIRST.get(memo)
    if known is not None and known[0] is table:
        return known[1]
    found = None
    for key, pattern in table:
        if pattern.search(text):
            found = key
            break
    if len(_FIRST) >= 1 << 16:
        _FIRST.clear()
    _FIRST[memo] = (table, found)
    return found
