"""Is this the title of a township/street/county annual disclosure report, a decoy, or neither?

`classify_title` must also work on short anchor texts, possibly truncated with "...",
because the crawler uses it to pick links. `choose_title` picks the page title among
candidates (h1, .title, ArticleTitle, 标题 row, <title> segments).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from archive.parse import spam
from archive.parse.dates import years_in
from archive.parse.normalize import CJK, ELLIPSIS_RE, fold, squash
from archive.parse.places import is_department, scan_places

REPORT = "report"
DECOY = "decoy"
# `…政府信息公开工作情况(的)报告` is the annual report's older wording (2008 regulation era).
REPORT_KEYWORD_RE = re.compile(
    r"年度报告|年度报|年报|工作报告|公开报告|报告单|年度工作报|工作情况的?报告"
)
DISCLOSURE_RE = re.compile(r"信息.{0,4}?公开|政务公开|信息公示|政府信息")
DECOY_RE = re.compile(
    r"指南|目录|要点|通知|通报|意见|方案|办法|规定|制度|细则|规则|解读|图解|读懂|答记者问|"
    r"政府工作报告|评估|考核|测评|督查|自查|整改|申请表|流程|培训|会议|问答|征求|统计表$"
)
ORG_END_RE = re.compile(
    r"(?:人民)?政府信息.{0,4}?公开|政务信息公开|信息.{0,4}?公开|政务公开|政府信息|"
    r"年度报告|年度报|年报|工作报告|公开报告|工作情况的?报告"
)
YEAR_TOKEN_RE = re.compile(r"(?:\d{4}|[二一][〇○零0一二三四五六七八九]{3})年度?|年度")
BARE_REPORT_WORDS = frozenset({"报告", "年报", "年度报告", "工作年度报告", "年度年报"})
LABEL_PREFIX_RE = re.compile(r"^(?:标题|名称|文章标题|信息名称)\s*[:：]\s*")
TITLE_SPLIT_RE = re.compile(r"\s*(?:[_|｜]+|-{1,2}|—+|\s-\s)\s*")
MIN_TRADITIONAL_CHARS = 1
# A date printed in the title element after the title: `…年度报告 2022-01-13` (the
# publication date, read by `trailing_date`), never part of the title.
TRAILING_DATE_RE = re.compile(
    r"[\s(\[【]*(?<!\d)((?:19|20)\d{2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2})"
    r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?[\s)\]】]*$"
)
CJK_SPACE_RE = re.compile(f"(?<=[{CJK}]) | (?=[{CJK}])")


@dataclass
class Candidate:
    """A string that may be the page title, with where it came from."""

    raw: str
    # Higher wins: 9 标题 row, 8 h1/ArticleTitle, 7 .title, 6 h2/h3, 5 line, 4 <title> part.
    priority: int
    order: int = 0
    visible: bool = True  # False for <meta> values the reader never sees
    verdict: str | None = None
    clean: str = ""
    shown: str = ""  # the title as the page shows it (a visible candidate with the same clean text)


def title_key(text: str) -> str:
    """Matching form of a title: the clean title without any space."""
    return clean_title(text).replace(" ", "")


def org_part(key: str) -> str:
    """The organisation named before the report words, years replaced by separators."""
    end = ORG_END_RE.search(key)
    org = key[: end.start()] if end else key
    return YEAR_TOKEN_RE.sub("|", org)


def classify_title(text: str) -> str | None:
    """ "report", "decoy" or None for a page title or anchor text."""
    key = title_key(text)
    truncated = bool(ELLIPSIS_RE.search(key))
    key = ELLIPSIS_RE.sub("", key)
    if len(key) < 4:
        return None
    if DECOY_RE.search(key):
        return DECOY
    keyword, disclosure = REPORT_KEYWORD_RE.search(key), DISCLOSURE_RE.search(key)
    if not keyword and not (truncated and disclosure):
        return None
    places, rest = scan_places(org_part(key))
    if is_department(rest):
        return DECOY  # a department's (局, 委, 办公室...) report
    if disclosure and (places or years_in(key)):
        return REPORT
    bare = YEAR_TOKEN_RE.sub("", key)
    for place in places:
        bare = bare.replace(place.name, "")
    if keyword and years_in(key) and bare.strip("|") in BARE_REPORT_WORDS:
        return REPORT
    return None


def clean_title(raw: str, traditional: bool = False) -> str:
    """The clean title: NFKC, whitespace squashed, glosses and spam removed, Simplified."""
    text = fold(raw)
    if spam.count_glosses(text):
        text = spam.strip_glosses(text)
    trad = spam.traditional_chars()
    if traditional or sum(1 for ch in text if ch in trad) >= MIN_TRADITIONAL_CHARS:
        text = spam.to_simplified(text)
    text = LABEL_PREFIX_RE.sub("", spam.strip_spam(text))
    text = TRAILING_DATE_RE.sub("", text)
    return CJK_SPACE_RE.sub("", squash(text.strip(" _-|:·")))


def trailing_date(raw: str) -> str | None:
    """The date printed after the title in the title element, as written (`2022-01-13`)."""
    match = TRAILING_DATE_RE.search(fold(raw))
    return match[1] if match else None


def split_title_tag(text: str) -> list[str]:
    """`<title>` segments: `{report}_{column}_{site}` -> each part."""
    return [part for part in TITLE_SPLIT_RE.split(squash(text)) if part]


def choose_title(candidates: Sequence[Candidate], traditional: bool = False) -> Candidate | None:
    """The highest-priority classified candidate (a report beats a decoy of equal rank)."""
    for cand in candidates:
        cand.clean = clean_title(cand.raw, traditional)
        cand.verdict = classify_title(cand.clean)
    judged = [c for c in candidates if c.verdict]
    if not judged:
        return None
    best = max(judged, key=lambda c: (c.priority, c.verdict == REPORT, -c.order))
    if best.verdict == REPORT:
        best = untruncated(best, judged)
    twins = [c for c in judged if c.visible and c.clean == best.clean]
    best.shown = max(twins, key=lambda c: (c.priority, -c.order)).raw if twins else best.raw
    return best


def untruncated(best: Candidate, judged: Sequence[Candidate]) -> Candidate:
    """Prefer a complete version of a title shown truncated with '...'."""
    if not ELLIPSIS_RE.search(best.clean):
        return best
    stem = ELLIPSIS_RE.sub("", best.clean)
    longer = [
        c
        for c in judged
        if c.verdict == REPORT and c.clean.startswith(stem) and not ELLIPSIS_RE.search(c.clean)
    ]
    return max(longer, key=lambda c: len(c.clean)) if longer else best
