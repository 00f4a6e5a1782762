"""Dates and years in Arabic and Chinese numerals (二〇一七年一月十日, 二0一七年, 2017-02-10...).

Functions take matching-form text (`normalize.fold`) and return ISO strings or ints.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Sequence

import cn2an

from archive.parse.meta import PUBLISHED_LABELS, Fields

log = logging.getLogger(__name__)

CN_DIGITS = "〇○零0OoＯ一二三四五六七八九"
CN_DIGIT_VALUE = {ch: i for i, ch in enumerate("〇一二三四五六七八九")} | {
    "○": 0,
    "零": 0,
    "0": 0,
    "O": 0,
    "o": 0,
    "Ｏ": 0,
}
CN_SMALL = "一二三四五六七八九十"
ARABIC_DATE_RE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*(?:年|-|/|\.)\s*(\d{1,2})\s*(?:月|-|/|\.)\s*(\d{1,2})(?!\d)"
)
CN_DATE_RE = re.compile(
    rf"([二一][{CN_DIGITS}]{{3}})\s*年\s*([{CN_SMALL}]{{1,3}})\s*月\s*([{CN_SMALL}]{{1,3}})\s*[日号]"
)
ARABIC_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
CN_YEAR_RE = re.compile(rf"([二一][{CN_DIGITS}]{{3}})\s*年")
BARE_DATE_LINE_RE = re.compile(
    rf"^[^。;;\d至止截]{{0,40}}?(?:\d{{4}}\s*(?:年|-|/|\.)\s*\d{{1,2}}\s*(?:月|-|/|\.)\s*\d{{1,2}}\s*日?"
    rf"|[二一][{CN_DIGITS}]{{3}}\s*年\s*[{CN_SMALL}]{{1,3}}\s*月\s*[{CN_SMALL}]{{1,3}}\s*[日号])"
    r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?\s*$"
)
FIRST_MONTH_RE = re.compile(r"((?:\d|[二一〇○零O0一二三四五六七八九]){4}\s*年\s*)元月")
URL_DATE_RES = (
    re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_\d+"),
    re.compile(r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),
    re.compile(r"/((?:19|20)\d{2})-(\d{2})/(\d{2})/"),
    re.compile(r"/((?:19|20)\d{2})(\d{2})(\d{2})/"),
    re.compile(r"/((?:19|20)\d{2})/(\d{2})(\d{2})/"),
)
META_WORD_RE = re.compile(r"来源|字体|字号|浏览|点击|访问")
MAX_META_LINE = 120
MIN_YEAR, MAX_YEAR = 1990, 2100
SIGNATURE_LINES = 8


def iso_date(year: int, month: int, day: int) -> str | None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def cn_year(text: str) -> int | None:
    """二〇一七 / 二0一七 / 二○一一 -> 2017 / 2017 / 2011."""
    digits = [CN_DIGIT_VALUE.get(ch) for ch in text]
    if None in digits or len(digits) != 4:
        return None
    year = int("".join(str(d) for d in digits))
    return year if MIN_YEAR <= year <= MAX_YEAR else None


def cn_small_number(text: str) -> int | None:
    try:
        return int(cn2an.cn2an(text, "strict"))
    except (ValueError, KeyError, TypeError):
        return None


def dates_in(text: str) -> list[str]:
    """Every valid date in the text, in order of appearance."""
    text = first_month(text)
    found: list[tuple[int, str]] = []
    for match in ARABIC_DATE_RE.finditer(text):
        iso = iso_date(*(int(g) for g in match.groups()))
        if iso:
            found.append((match.start(), iso))
    for match in CN_DATE_RE.finditer(text):
        year, month, day = cn_year(match[1]), cn_small_number(match[2]), cn_small_number(match[3])
        iso = iso_date(year, month, day) if year and month and day else None
        if iso:
            found.append((match.start(), iso))
    return [iso for _, iso in sorted(found)]


def first_month(text: str) -> str:
    """元月 (January, common in signatures: `二〇二二年元月十二日`) -> 一月 / 1月."""
    if "元月" not in text:
        return text
    return FIRST_MONTH_RE.sub(lambda m: m[1] + ("1月" if m[1][0] in "12" else "一月"), text)


def first_date(text: str) -> str | None:
    found = dates_in(text)
    return found[0] if found else None


def years_in(text: str) -> list[int]:
    """Years written as `2016年` or `二〇一六年`, in order of appearance."""
    found: list[tuple[int, int]] = [(m.start(), int(m[1])) for m in ARABIC_YEAR_RE.finditer(text)]
    found += [(m.start(), y) for m in CN_YEAR_RE.finditer(text) if (y := cn_year(m[1]))]
    return [year for _, year in sorted(found)]


def published_from_fields(fields: Fields) -> str | None:
    """The publication date from labelled fields, never 成文日期/发文日期/公文生成日期."""
    for label in PUBLISHED_LABELS:
        date = first_date(fields.get(label) or "")
        if date:
            log.debug("published from field %s", label)
            return date
    return None


def published_from_unlabelled(lines: Iterable[str]) -> str | None:
    """A bare date on a meta line (`2013年03月28日 来源: …`, `2021-01-05 10:00:00`)."""
    for line in lines:
        if len(line) > MAX_META_LINE:
            continue
        date = first_date(line)
        if date and (META_WORD_RE.search(line) or BARE_DATE_LINE_RE.match(line)):
            return date
    return None


def date_from_url(url: str) -> str | None:
    for pattern in URL_DATE_RES:
        match = pattern.search(url)
        if match:
            iso = iso_date(*(int(g) for g in match.groups()))
            if iso:
                return iso
    return None


def signed_from_lines(lines: Sequence[str]) -> str | None:
    """The date under the signature: a line at the end of the body that is just a date."""
    for line in reversed(lines[-SIGNATURE_LINES:]):
        line = first_month(line)
        if BARE_DATE_LINE_RE.match(line):
            date = first_date(line)
            if date:
                return date
    return None


BODY_YEAR_RES = (
    re.compile(
        r"((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日\s*(?:起)?\s*至\s*(?:(?:19|20)\d{2}\s*年)?\s*12\s*月\s*31\s*日"
    ),
    re.compile(
        r"(?:公布|发布|编制|现将)[^。]{0,30}?((?:19|20)\d{2})\s*年度?[^。]{0,12}?(?:信息公开|政务公开)"
    ),
    re.compile(r"本(?:年度)?报告[^。]{0,40}?((?:19|20)\d{2})\s*年"),
    re.compile(r"^((?:19|20)\d{2})\s*年(?:度|,|，|以来|我|全年|是)", re.MULTILINE),
)
BODY_YEAR_LINES = 8


def year_from_body(lines: Sequence[str]) -> int | None:
    """The reported year from the opening paragraphs (period sentence, "现公布…2016年…")."""
    text = "\n".join(lines[:BODY_YEAR_LINES])
    for pattern in BODY_YEAR_RES:
        match = pattern.search(text)
        if match:
            return int(match.group(1))
    return None
