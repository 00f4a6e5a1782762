"""Split a report body into numbered sections: 一、 (level 1), (一) (level 2), 1. / 1、 (level 3).

A heading that runs into its paragraph (`(一)完善机构、明确职责。2016年,我镇…`) is cut at
the first full stop: the heading keeps the text before the 。, the rest goes to the
section text. Table rows never start sections; 一是/二是 are not headings; a numbered
line whose first sentence is long is an ordinary paragraph.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from archive.records import Section

CN_NUM = "一二三四五六七八九十"
MARKERS = (
    (
        1,
        re.compile(
            rf"^\s*(?:[{CN_NUM}]{{1,3}}\s*[、.．]|第[{CN_NUM}]{{1,3}}部分\s*[、.．:：]?)\s*"
        ),
    ),
    (2, re.compile(rf"^\s*[(（]\s*[{CN_NUM}]{{1,3}}\s*[)）]\s*[、.．]?\s*")),
    (3, re.compile(r"^\s*\d{1,2}\s*(?:[、．]|\.(?!\d))\s*")),
)
MAX_HEADING = {1: 40, 2: 32, 3: 26}
MAX_HEADING_WITH_COMMA = 22
SENTENCE_END = "。"
COUNT_RE = re.compile(r"\d+\s*(?:条|件|个|次|%|篇|人|万|元|期|项)")


@dataclass
class BodyLine:
    text: str
    table: bool = False


def split_sections(lines: Sequence[BodyLine]) -> list[Section]:
    sections: list[Section] = []
    body: list[str] = []
    for line in lines:
        heading = None if line.table else heading_of(line.text)
        if heading is None:
            if sections:
                body.append(line.text)
            continue
        if sections:
            sections[-1].text = "\n".join(body)
        level, title, rest = heading
        sections.append(Section(level=level, heading=title, text=""))
        body = [rest] if rest else []
    if sections:
        sections[-1].text = "\n".join(body)
    return sections


def heading_of(text: str) -> tuple[int, str, str] | None:
    """(level, heading, rest of the line) when the line starts a section, else None."""
    for level, marker in MARKERS:
        match = marker.match(text)
        if not match:
            continue
        after = text[match.end() :]
        stop = heading_end(after, level)
        head, rest = (after, "") if stop < 0 else (after[:stop], after[stop + 1 :].strip())
        head = head.rstrip(" :：;；,，")
        if plausible_heading(level, head):
            return level, (match.group(0).strip() + head).strip(), rest
        return None
    return None


def heading_end(after: str, level: int) -> int:
    """Where an inline heading stops: the first 。, or for 一、/(一) a colon that comes first."""
    stops = [after.find(SENTENCE_END)]
    if level < 3:
        stops += [after.find(colon) for colon in "：:"]
    found = [pos for pos in stops if pos >= 0]
    return min(found) if found else -1


def plausible_heading(level: int, head: str) -> bool:
    if not head or len(head) > MAX_HEADING[level]:
        return False
    has_comma = any(ch in head for ch in ",，;；")
    if has_comma and len(head) > MAX_HEADING_WITH_COMMA:
        return False
    first = unicodedata.normalize("NFKC", head[0])
    return not first.isdigit() and first not in "是%、" and not COUNT_RE.search(head)
