"""What each generated report was built to state: the ground truth for figures and checks.

`expectations(spec, blocks)` pops the "truth" that table and paragraph builders left on
their blocks and adds what the demo decided on purpose, in the archive's vocabulary
(docs/figures.md):

    template   "2019" (60号 labels), "2021" (30号 labels) or None (no table on the page)
    cells      {"active": {row: {column: raw}}, "applications": {row: "r|r|r|r|r|r|r"},
                "reviews": {group: "r|r|r|r|r"}, "narrative": {row: number}}: raw cell
               texts as written ("" blank, "/" not applicable, "152790元")
    money      {"row/column": value in 万元 or None} for the money cells of table 1
    checks     expected status of the checks the demo controls: the four arithmetic
               checks, standard_tables and published_on_time
    due        the deadline the report was held to (`demo.truth.deadline`), ISO date
    late       None (on time), "warn" (a township after 31 January, 2019 on: custom)
               or "fail" (a statutory deadline missed)

The deadline rules are the genre's (2007 regulation art. 31: 31 March for every body;
2019 regulation art. 49: 31 January for departments, 31 March for the county government;
townships follow the departments' January by county practice).
"""

from __future__ import annotations

from typing import Any

from demo.truth import deadline
from tools.gen.spec import ReportSpec

Block = dict[str, Any]
ARITHMETIC = ("applications_balance", "applications_row_totals", "applications_outcomes",
              "reviews_totals")
OUTCOME_PREFIXES = ("open", "part", "withheld", "unable", "handled", "other")


def pop_truth(blocks: list[Block]) -> dict[str, Any]:
    """Merge and remove the truth every block carries."""
    merged: dict[str, Any] = {}
    for block in blocks:
        for key, value in (block.pop("truth", None) or {}).items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key].update(value)
            else:
                merged[key] = value
    return merged


def expectations(spec: ReportSpec, blocks: list[Block], post2019: bool) -> dict[str, Any]:
    truth = pop_truth(blocks)
    due, late_status = deadline(spec.unit, spec.year)
    late = late_status if spec.published > due else None
    has_tables = "applications" in truth
    checks = {name: "skip" for name in ARITHMETIC}
    if has_tables:
        checks.update(arithmetic(truth["numbers"], truth["review_numbers"]))
    checks["standard_tables"] = ("pass" if has_tables else "fail") if post2019 else "skip"
    checks["published_on_time"] = late or "pass"
    cells = {t: truth[t] for t in ("active", "applications", "reviews", "narrative") if t in truth}
    template = None
    if has_tables:
        template = "2019" if spec.year <= 2020 else "2021"
    return {
        "template": template,
        "cells": cells,
        "money": truth.get("money", {}),
        "checks": checks,
        "due": due.isoformat(),
        "late": late,
    }


def arithmetic(grid: dict[str, list[int]], reviews: list[list[int]]) -> dict[str, str]:
    """The 勾稽关系 of table 2 and the totals of table 3, on the numbers the demo wrote."""
    columns = range(7)
    balance = all(grid["new"][c] + grid["carried"][c] == grid["total"][c] + grid["next"][c]
                  for c in columns)
    row_totals = all(sum(row[:6]) == row[6] for row in grid.values())
    outcomes = [key for key in grid if key.startswith(OUTCOME_PREFIXES)]
    outcome_sums = all(sum(grid[k][c] for k in outcomes) == grid["total"][c] for c in columns)
    review_sums = all(sum(group[:4]) == group[4] for group in reviews)
    return {
        "applications_balance": status(balance),
        "applications_row_totals": status(row_totals),
        "applications_outcomes": status(outcome_sums),
        "reviews_totals": status(review_sums),
    }


def status(ok: bool) -> str:
    return "pass" if ok else "fail"
