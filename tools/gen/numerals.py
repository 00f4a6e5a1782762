"""Chinese numerals as they appear in report titles and signature blocks."""

from __future__ import annotations

from datetime import date

DIGITS = "〇一二三四五六七八九"
SMALL = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]


def year_in_chinese(year: int, zero: str = "〇") -> str:
    """2016 -> 二〇一六; zero="0" gives the mixed form 二0一七 seen in signatures."""
    return "".join(zero if ch == "0" else DIGITS[int(ch)] for ch in str(year))


def small_number(n: int) -> str:
    """1..31 -> 一 .. 三十一 (for months, days and section numbers)."""
    if n <= 10:
        return SMALL[n]
    tens, ones = divmod(n, 10)
    head = "十" if tens == 1 else SMALL[tens] + "十"
    return head + (SMALL[ones] if ones else "")


def date_in_chinese(day: date, zero: str = "〇") -> str:
    """2017-01-20 -> 二〇一七年一月二十日."""
    return (
        f"{year_in_chinese(day.year, zero)}年{small_number(day.month)}月{small_number(day.day)}日"
    )


def date_in_digits(day: date, padded: bool = False) -> str:
    """2017-01-20 -> 2017年1月20日 (or 2017年01月20日)."""
    if padded:
        return f"{day.year}年{day.month:02d}月{day.day:02d}日"
    return f"{day.year}年{day.month}月{day.day}日"
