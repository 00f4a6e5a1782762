"""Do the tables add up? The 勾稽关系 of table 2 and the totals of table 3.

Blank policy: the template's habit in the wild is to leave zero cells blank, so a
blank (or `/`) counts as 0 in a sum, and the detail says how many blanks were counted
so. A cell holding words (见附件), or a row the page does not have, makes that
relation unevaluable: it is left out, never guessed. A failing relation is reported
with its numbers, e.g. `total column: 一(3)+二(1)=4 ≠ 七(2)+四(1)=3`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from archive.figures import vocab
from archive.figures.tables import Extraction, Figure

PASS, FAIL, WARN, SKIP = "pass", "fail", "warn", "skip"
APPLICANTS = vocab.APPLICATION_STANDARD[:-1]
REVIEW_PARTS = ("upheld", "corrected", "other", "pending")


@dataclass(frozen=True)
class Check:
    check: str
    status: str  # pass | fail | warn | skip
    detail: str


@dataclass
class Tally:
    """Outcome of many small relations, folded into one check row."""

    name: str
    failures: list[str]
    passed: int = 0
    unevaluable: int = 0
    blanks: int = 0

    def result(self, what: str) -> Check:
        note = f" ({self.blanks} blank cells counted as 0)" if self.blanks else ""
        if self.failures:
            return Check(self.name, FAIL, "; ".join(self.failures) + note)
        if self.passed:
            left = f", {self.unevaluable} not evaluable" if self.unevaluable else ""
            return Check(self.name, PASS, f"{self.passed} {what} add up{left}{note}")
        return Check(self.name, SKIP, f"no {what} could be evaluated")


class Unreadable(Exception):
    """A term of a relation is missing or is words, not a number."""


def number(
    cells: dict[tuple[str, str, str], Figure], key: tuple[str, str, str], tally: Tally
) -> float | int:
    figure = cells.get(key)
    if figure is None:
        raise Unreadable("/".join(key))
    if figure.value is not None:
        return figure.value
    if figure.raw.strip() in ("", "/", "／", "-", "—", "——", "--"):
        tally.blanks += 1
        return 0
    raise Unreadable("/".join(key))


def read_terms(
    cells: dict[tuple[str, str, str], Figure], keys: Sequence[tuple[str, str, str]], tally: Tally
) -> list[float | int] | None:
    """The numbers of one relation, or None (counted as unevaluable) if any term is unreadable."""
    before = tally.blanks
    try:
        return [number(cells, key, tally) for key in keys]
    except Unreadable:
        tally.blanks = before
        tally.unevaluable += 1
        return None


def fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def index(extraction: Extraction) -> dict[tuple[str, str, str], Figure]:
    return {(f.table, f.row_key, f.column_key): f for f in extraction.figures}


def table_checks(extraction: Extraction) -> list[Check]:
    return [
        applications_balance(extraction),
        applications_row_totals(extraction),
        applications_outcomes(extraction),
        reviews_totals(extraction),
    ]


def missing_table(name: str, extraction: Extraction, table: str) -> Check | None:
    if table not in extraction.tables:
        return Check(name, SKIP, f"table {table} not found")
    return None


def applications_balance(extraction: Extraction) -> Check:
    """一 + 二 = (七)总计 + 四, in every column."""
    name = "applications_balance"
    absent = missing_table(name, extraction, vocab.APPLICATIONS)
    if absent:
        return absent
    cells, tally = index(extraction), Tally(name, [])
    for column in vocab.APPLICATION_STANDARD:
        rows = ("new_requests", "carried_over", "total", "carried_forward")
        terms = read_terms(cells, [(vocab.APPLICATIONS, row, column) for row in rows], tally)
        if terms is None:
            continue
        new, old, total, forward = terms
        if new + old == total + forward:
            tally.passed += 1
        else:
            tally.failures.append(
                f"{column} column: 一({fmt(new)})+二({fmt(old)})={fmt(new + old)} ≠ "
                f"七({fmt(total)})+四({fmt(forward)})={fmt(total + forward)}"
            )
    return tally.result("columns")


def applications_row_totals(extraction: Extraction) -> Check:
    """In every row, 总计 = 自然人 + the five 法人或其他组织 columns."""
    name = "applications_row_totals"
    absent = missing_table(name, extraction, vocab.APPLICATIONS)
    if absent:
        return absent
    cells, tally = index(extraction), Tally(name, [])
    rows = dict.fromkeys(f.row_key for f in extraction.figures if f.table == vocab.APPLICATIONS)
    for row in rows:
        keys = [(vocab.APPLICATIONS, row, c) for c in (*APPLICANTS, "total")]
        terms = read_terms(cells, keys, tally)
        if terms is None:
            continue
        *parts, total = terms
        if sum(parts) == total:
            tally.passed += 1
        else:
            shown = "+".join(fmt(p) for p in parts)
            tally.failures.append(f"{row} row: {shown}={fmt(sum(parts))} ≠ total {fmt(total)}")
    return tally.result("rows")


def outcome_rows(extraction: Extraction) -> list[str]:
    rows = dict.fromkeys(f.row_key for f in extraction.figures if f.table == vocab.APPLICATIONS)
    outcomes = [r for r in rows if r.startswith(vocab.OUTCOME_PREFIXES)]
    if any(r.startswith("other_") for r in outcomes):
        outcomes = [r for r in outcomes if r != "other"]  # 30号 sub-rows replace the single row
    return outcomes


def applications_outcomes(extraction: Extraction) -> Check:
    """(七)总计 = (一) + (二) + every sub-row of (三)…(六), in every column."""
    name = "applications_outcomes"
    absent = missing_table(name, extraction, vocab.APPLICATIONS)
    if absent:
        return absent
    cells, tally = index(extraction), Tally(name, [])
    rows = outcome_rows(extraction)
    for column in vocab.APPLICATION_STANDARD:
        keys = [(vocab.APPLICATIONS, r, column) for r in (*rows, "total")]
        terms = read_terms(cells, keys, tally)
        if terms is None:
            continue
        *values, total = terms
        parts = list(zip(rows, values))
        summed = sum(values)
        if rows and summed == total:
            tally.passed += 1
        elif rows:
            tally.failures.append(
                f"{column} column: {outcome_terms(parts)}={fmt(summed)} ≠ 七({fmt(total)})"
            )
    return tally.result("columns")


def outcome_terms(parts: Sequence[tuple[str, float | int]]) -> str:
    shown = [f"{row}({fmt(v)})" for row, v in parts if v]
    return "+".join(shown) if shown else "outcomes(0)"


def reviews_totals(extraction: Extraction) -> Check:
    """In table 3, 总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结 for each of the three groups."""
    name = "reviews_totals"
    absent = missing_table(name, extraction, vocab.REVIEWS)
    if absent:
        return absent
    cells, tally = index(extraction), Tally(name, [])
    for group in ("administrative_review", "lawsuit_direct", "lawsuit_after_review"):
        keys = [(vocab.REVIEWS, group, p) for p in (*REVIEW_PARTS, "total")]
        terms = read_terms(cells, keys, tally)
        if terms is None:
            continue
        *parts, total = terms
        if sum(parts) == total:
            tally.passed += 1
        else:
            shown = "+".join(fmt(p) for p in parts)
            tally.failures.append(f"{group}: {shown}={fmt(sum(parts))} ≠ total {fmt(total)}")
    return tally.result("groups")
