"""Figures stated in narrative text (the pre-2019 reports), each with its sentence.

Patterns are anchored on the fixed phrases of the genre (主动公开政府信息46条,
共收到政府信息公开申请3件, 未收到依申请公开, 未发生行政复议、行政诉讼, 未收取任何费用).
A number must follow its phrase directly (a unit word after it, 余/多 allowed), so
counts of sub-items, years and new-media posts are not taken for the total. When two
sentences of one report give different numbers for the same figure, neither is kept:
no figure is better than a wrong one.

Rows of table `narrative`: active_published, requests_received, requests_granted,
requests_partially_granted, requests_refused, reviews, lawsuits, fees_collected.
Column `total` for an exact number, `at_least` for "1,200余条".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from archive.figures.grid import UNIT_COUNT, UNIT_WAN_YUAN
from archive.figures.tables import Extraction, Figure

NARRATIVE = "narrative"
CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
NUM = r"(?P<n>\d{1,3}(?:[,，]\d{3})+|\d+|[零〇一二两三四五六七八九十百千]{1,6})"
MORE = r"(?P<more>余|多)?"
ITEM = r"(?:条|项|份|篇|个|件)"
CASE = r"(?:件|起|个|份|宗|例|次|条)"
NOT_CLAUSE = r"[^,，。;；:：\d]"  # filler that stays inside one clause and holds no number
NEW_MEDIA_RE = re.compile(r"微信|微博|抖音|公众号|新媒体|头条|客户端|视频号")
SENTENCE_RE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")
# "none happened": a negation directly followed by a verb of occurrence, by 因, or by the noun.
NEGATION = (
    r"(?:未|没有|无(?!论))(?:(?:发生|出现|收到|接到|有|被)过?(?:任何)?|(?=因)"
    r"|(?=(?:申请|提起)?行政(?:复议|诉讼)))"
)
CLAUSE_START_RE = re.compile(r"[,，:：]")
CUMULATIVE_RE = re.compile(r"累计|以来|历年|总计已")
THIS_YEAR_RE = re.compile(r"全年|本年|今年|年度|当年")
APPLICATION_WORD = "申请"

# (row, pattern, fixed value or None to read the number, needs the word 申请 in the sentence)
PATTERNS: tuple[tuple[str, re.Pattern[str], int | None, bool], ...] = (
    (
        "active_published",
        re.compile(
            rf"主动公开了?(?:各类|各项|各种)?(?:政府|政务)?信息(?:数|数量)?(?:共计|共|合计|总计|总数)?为?\s*"
            rf"{NUM}\s*{MORE}\s*{ITEM}"
        ),
        None,
        False,
    ),
    (
        "active_published",
        re.compile(
            rf"(?:^|[,，:：]|全年|本年度?|今年|当年)共(?:计)?公开(?:各类|各项|各种)?(?:政府|政务)?信息\s*"
            rf"{NUM}\s*{MORE}\s*{ITEM}"
        ),
        None,
        False,
    ),
    (
        "requests_received",
        re.compile(
            r"(?:未|没有|无)(?:收到|接到|受理|发生)过?(?:任何)?(?:[^,，。;；因\d]{0,16}?)"
            r"(?:政府信息公开申请|信息公开申请|依申请公开|公开申请)"
            r"(?![^,，。;；]{0,8}(?:复议|诉讼|收费|费用))"
        ),
        0,
        False,
    ),
    (
        "requests_received",
        re.compile(
            r"(?<!有)无(?:任何)?(?:政府信息公开申请|依申请公开)"
            r"(?![^,，。;；]{0,8}(?:复议|诉讼|收费|费用))"
        ),
        0,
        False,
    ),
    (
        "requests_received",
        re.compile(
            rf"(?:收到|受理|接到|接收)了?(?:各类)?(?:政府信息公开申请|信息公开申请|依申请公开"
            rf"(?:政府信息)?的?申请|公开申请)(?:共计|共|合计)?为?\s*{NUM}\s*{CASE}"
        ),
        None,
        False,
    ),
    (
        "requests_received",
        re.compile(rf"依申请公开(?:政府信息|信息)?(?:申请)?(?:共计|共|合计)?为?\s*{NUM}\s*{CASE}"),
        None,
        False,
    ),
    (
        "requests_granted",
        re.compile(rf"(?:予以公开|同意公开|全部公开)的?\s*{NUM}\s*{CASE}"),
        None,
        True,
    ),
    ("requests_partially_granted", re.compile(rf"部分公开的?\s*{NUM}\s*{CASE}"), None, True),
    ("requests_refused", re.compile(rf"(?:不予公开|不同意公开)的?\s*{NUM}\s*{CASE}"), None, True),
    ("reviews", re.compile(rf"{NEGATION}{NOT_CLAUSE}{{0,18}}?行政复议"), 0, False),
    ("lawsuits", re.compile(rf"{NEGATION}{NOT_CLAUSE}{{0,30}}?行政诉讼"), 0, False),
    (
        "reviews",
        re.compile(rf"行政复议(?:案件|申请)?(?:共计|共|合计)?为?\s*{NUM}\s*{CASE}"),
        None,
        False,
    ),
    (
        "lawsuits",
        re.compile(rf"行政诉讼(?:案件)?(?:共计|共|合计)?为?\s*{NUM}\s*{CASE}"),
        None,
        False,
    ),
    (
        "fees_collected",
        re.compile(r"(?:未|没有|不)(?:收取过?(?:任何)?[^,，。;；减免\d]{0,12}?费用?|收费)(?!标准)"),
        0,
        False,
    ),
    (
        "fees_collected",
        re.compile(r"(?:未|没有)(?:发生|产生|涉及)[^,，。;；\d]{0,6}?(?:收费|费用)"),
        0,
        False,
    ),
    (
        "fees_collected",
        re.compile(
            r"(?:收取|收费)[^,，。;；减免\d]{0,12}?(?:共计|共|合计)?\s*"
            r"(?P<n>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?P<unit>万元|元)"
        ),
        None,
        False,
    ),
)
MONEY_ROWS = frozenset({"fees_collected"})


@dataclass(frozen=True)
class Hit:
    row: str
    value: float | int
    approx: bool
    raw: str
    sentence: str


def extract_prose(text: str) -> Extraction:
    """Narrative figures of one report; conflicting statements are dropped with a note."""
    hits: list[Hit] = []
    for sentence in sentences(text):
        hits += hits_in(sentence)
    result = Extraction()
    for row in dict.fromkeys(h.row for h in hits):
        same = [h for h in hits if h.row == row]
        values = {(h.value, h.approx) for h in same}
        if len(values) > 1:
            said = "; ".join(f"{h.raw!r}" for h in same)
            result.notes.append(f"narrative/{row}: sentences disagree ({said}): not kept")
            continue
        result.figures.append(figure_of(same[0]))
    return result


def prose_figures(text: str) -> list[Figure]:
    return extract_prose(text).figures


def sentences(text: str) -> list[str]:
    return [m.group().strip() for m in SENTENCE_RE.finditer(text) if m.group().strip()]


def hits_in(sentence: str) -> list[Hit]:
    flat = re.sub(r"\s+", "", sentence).replace("（", "(").replace("）", ")")
    hits: list[Hit] = []
    taken: set[tuple[str, int]] = set()
    for row, pattern, fixed, needs_application in PATTERNS:
        if needs_application and APPLICATION_WORD not in flat:
            continue
        for m in pattern.finditer(flat):
            if (row, m.start()) in taken or new_media(flat, m.start()):
                continue
            if row == "active_published" and cumulative(flat, m.start()):
                continue
            value = fixed if fixed is not None else number_of(m)
            if value is None:
                continue
            taken.add((row, m.start()))
            approx = bool(m.groupdict().get("more"))
            hits.append(Hit(row, value, approx, m.group(), sentence.strip()))
    return hits


def new_media(flat: str, start: int) -> bool:
    """The clause holding the match counts WeChat/Weibo posts, not portal items."""
    return bool(NEW_MEDIA_RE.search(flat[clause_start(flat, start) : start + 12]))


def cumulative(flat: str, start: int) -> bool:
    """A running total since the portal opened (累计, 以来), not the year's count."""
    clause = flat[clause_start(flat, start) : start]
    return bool(CUMULATIVE_RE.search(clause)) and not THIS_YEAR_RE.search(clause)


def clause_start(flat: str, start: int) -> int:
    return max((m.end() for m in CLAUSE_START_RE.finditer(flat, 0, start)), default=0)


def number_of(m: re.Match[str]) -> float | int | None:
    text = m["n"].replace(",", "").replace("，", "")
    if "unit" in m.groupdict() and m["unit"]:
        amount = float(text)
        return round(amount / 10000 if m["unit"] == "元" else amount, 6)
    if text.isdigit():
        return int(text)
    return chinese_number(text)


def chinese_number(text: str) -> int | None:
    """Small Chinese numerals: 三, 十二, 二十, 一百零五, 两千."""
    total, digit = 0, None
    for ch in text:
        if ch in CN_DIGITS:
            if digit is not None and digit != 0:
                return None  # 二〇一九: a year or a code, not a count
            digit = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            total += (1 if digit is None else digit) * CN_UNITS[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


def figure_of(hit: Hit) -> Figure:
    unit = UNIT_WAN_YUAN if hit.row in MONEY_ROWS else UNIT_COUNT
    value: float | int = float(hit.value) if hit.row in MONEY_ROWS else hit.value
    column = "at_least" if hit.approx else "total"
    return Figure(NARRATIVE, hit.row, column, value, unit, hit.raw, hit.sentence)
