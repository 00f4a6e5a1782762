"""Pre-2019 narrative or post-2019 standard format, judged from content (never from the year)."""

from __future__ import annotations

from archive.parse.normalize import compact
from archive.records import POST2019, PRE2019

# Any one of these (whitespace removed) means the national tables of 2019/2021 are present.
TABLE_MARKERS = (
    "本年新制作数量",  # 2019 format, table 1
    "本年制发件数",  # 2021 format, table 1
    "本年新收政府信息公开申请数量",  # table 2, both versions
    "收到和处理政府信息公开申请情况",  # part 三 / table 2 caption
)
# Or the six-part skeleton: 总体情况 together with the part-三 heading in any wording.
SKELETON_MARKERS = ("总体情况", "收到和处理政府信息公开申请")


def detect_format(text: str) -> str:
    flat = compact(text)
    if any(marker in flat for marker in TABLE_MARKERS):
        return POST2019
    if all(marker in flat for marker in SKELETON_MARKERS):
        return POST2019
    return PRE2019
