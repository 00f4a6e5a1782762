"""A report's free text: what is left once the genre's mandated skeleton is removed.

Every annual report follows the same outline, so whole texts look alike by construction.
A report is cut into units (lines, then sentences at 。；！？); a unit is skeleton when it

- is a numbered heading (`一、总体情况`, `(三)政府信息管理`, `2.属于四类过程性信息`) of at
  most `HEADING_MAX` characters;
- is made of the standard tables' labels (archive/figures/vocab.py) and numbers, with at
  most `TABLE_REST` other Han characters left;
- holds one of the genre's template phrases (`TEMPLATE_PHRASES`);
- or occurs in a large share of all reports (`common_units`: the caller counts them over
  the archive and passes their keys).

Units are compared by `unit_key`: digits folded to 0, spaces and punctuation dropped, so 全年主动公开信息12条 and 全年主动公开信息345条 are one unit.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Container, Iterable

from archive.figures import vocab

HEADING_MAX = 40
TABLE_REST = 4
TABLE_LINE_MAX = 300  # longer units are prose, whatever labels they name
SENTENCE_ENDS = "。；;！!？?"
# A unit: a run ending at a sentence end, or a run up to a line end (lines never join).
UNIT_RE = re.compile(r"[^\n。；;！!？?]*[。；;！!？?]|[^\n。；;！!？?]+")
HEADING_RE = re.compile(
    r"^\s*(?:[一二三四五六七八九十]{1,3}[、.．]|[(（][一二三四五六七八九十]{1,3}[)）]|\d{1,2}[.、．](?!\d))")
DIGITS_RE = re.compile(r"\d+(?:[.,]\d+)*")
NOT_HAN_RE = re.compile(r"[^\u3400-\u9fff0]")
HAN_RE = re.compile(r"[\u3400-\u9fff]")


def table_label_patterns() -> re.Pattern[str]:
    """Every label of the three standard tables, from the figures vocabulary."""
    tables = (vocab.ACTIVE_ROWS, vocab.ACTIVE_COLUMNS, vocab.APPLICATION_COLUMNS,
              vocab.APPLICATION_ROWS, vocab.APPLICATION_GROUPS, vocab.REVIEW_GROUPS,
              vocab.REVIEW_RESULTS)
    patterns = [pattern.pattern for table in tables for _, pattern in table]
    patterns += [vocab.ACTIVE_LABEL_COLUMN, vocab.APPLICATION_HEADER_NOISE.pattern,
                 *TABLE_WORDS]
    return re.compile("|".join(f"(?:{p})" for p in sorted(patterns, key=len, reverse=True)))


# Table words the vocabulary leaves implicit (headers, units, numbering words).
TABLE_WORDS = (
    r"第二十条第?\(?[一二三四五六七八九十]?\)?项", r"本年", r"上年", r"数量", r"件数",
    r"单位", r"万元", r"结果", r"项目", r"申请人", r"法人", r"组织", r"三、?本年度办理结果",
    r"信息内容", r"行政诉讼", r"属于", r"政府信息公开申请", r"办理", r"继续", r"年度",
    r"行政机关不再处理其政府信息公开申请", r"申请人无正当理由", r"申请人逾期未按",
)
TABLE_LABEL_RE = table_label_patterns()

# Sentences every report of a format carries, by their fixed wording (docs/figures.md,
# /work reference "reports.md" §4): matched anywhere in a unit.
TEMPLATE_PHRASES = (
    "根据《中华人民共和国政府信息公开条例》", "依据《中华人民共和国政府信息公开条例》",
    "本报告中所列数据统计期限", "本报告中所列数据的统计期限", "统计期限自", "本报告电子版",
    "如对本报告有疑问", "如对本报告有任何疑问", "本年度报告由", "本报告由", "现公布",
    "以公开为常态、不公开为例外", "以公开为原则,不公开为例外", "以公开为原则，不公开为例外",
    "以公开为原则、不公开为例外",
    "本列数据的勾稽关系", "第一项加第二项之和", "政府信息公开工作年度报告",
)


def units(text: str) -> list[str]:
    """The report's lines and sentences, stripped, in order. Stored texts are NFKC
    already; the patterns here accept both widths anyway (NFKC of a whole report costs
    milliseconds)."""
    return [stripped for u in UNIT_RE.findall(text) if (stripped := u.strip())]


def unit_key(unit: str) -> str:
    """What two units must share to count as the same sentence."""
    return folded_key(DIGITS_RE.sub("0", unit))


@functools.lru_cache(maxsize=1 << 16)
def folded_key(folded: str) -> str:
    """`unit_key` of a unit whose digits are folded already (cached like fixed_skeleton)."""
    return NOT_HAN_RE.sub("", folded)


def is_fixed_skeleton(unit: str) -> bool:
    """A heading, a run of table labels or a template sentence (no corpus needed)."""
    return fixed_skeleton(DIGITS_RE.sub("0", unit))


@functools.lru_cache(maxsize=1 << 16)
def fixed_skeleton(unit: str) -> bool:
    """Cached on the digit-folded unit: the same sentences come back report after report."""
    if HEADING_RE.match(unit) and len(unit) <= HEADING_MAX:
        return True
    if any(phrase in unit for phrase in TEMPLATE_PHRASES):
        return True
    if len(unit) > TABLE_LINE_MAX or unit[-1] in SENTENCE_ENDS:
        return False  # prose: a table row is never a sentence
    rest = TABLE_LABEL_RE.sub("", unit)
    return len(HAN_RE.findall(rest)) <= TABLE_REST


def free_units(text: str, common_units: Container[str] = frozenset()) -> list[str]:
    """The units of `text` that are not skeleton."""
    kept = []
    for unit in units(text):
        folded = DIGITS_RE.sub("0", unit)  # once for both tests
        if fixed_skeleton(folded) or folded_key(folded) in common_units:
            continue
        kept.append(unit)
    return kept


def free_text(text: str, common_units: Container[str] = frozenset()) -> str:
    """The free text of a report: its non-skeleton units joined by newlines."""
    return "\n".join(free_units(text, common_units))


def distinct_unit_keys(text: str) -> set[str]:
    """Keys of the units of a report that could be boilerplate (not fixed skeleton), for
    counting in how many reports each occurs."""
    folded = (DIGITS_RE.sub("0", u) for u in units(text))
    return {folded_key(f) for f in folded if not fixed_skeleton(f)} - {""}


def common_units(key_sets: Iterable[set[str]], reports: int, *, share: float,
                 minimum: int) -> frozenset[str]:
    """Unit keys found in at least `share` of `reports` reports (and in `minimum`)."""
    counts: dict[str, int] = {}
    for keys in key_sets:
        for key in keys:
            counts[key] = counts.get(key, 0) + 1
    floor = max(minimum, share * reports)
    return frozenset(key for key, n in counts.items() if n >= floor)
