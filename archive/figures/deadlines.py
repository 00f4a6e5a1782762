"""When a report was due, by report year, kind of body and province (docs/figures.md, "Checks").

2008–2018 reports (条例 of 2007, 第三十一条): every body publishes by 31 March of the
next year. From the 2019 reports on (条例 of 2019, 第四十九条): county-level departments
by 31 January, the county government's own report by 31 March. Townships and streets
are not named there; county notices have them publish with the departments in
January, so their 31 January is a custom and a late one is a `warn`, not a `fail`.
Provinces that set another date go in `PROVINCE_DEADLINES` (or are passed in).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

NEW_RULES_FROM = 2019  # first report year under the 2019 regulation
TOWNSHIP = "township"
COUNTY = "county"
DEPARTMENT = "department"


@dataclass(frozen=True)
class Deadline:
    month: int
    day: int
    late_status: str  # "fail" for a statutory date, "warn" for a customary one
    basis: str

    def for_year(self, report_year: int) -> date:
        return date(report_year + 1, self.month, self.day)


OLD_RULE = Deadline(3, 31, "fail", "2008 regulation art. 31: by 31 March")
DEADLINES: dict[tuple[bool, str], Deadline] = {
    (False, TOWNSHIP): OLD_RULE,
    (False, COUNTY): OLD_RULE,
    (False, DEPARTMENT): OLD_RULE,
    (True, TOWNSHIP): Deadline(1, 31, "warn", "county practice since 2019: by 31 January"),
    (True, DEPARTMENT): Deadline(1, 31, "fail", "2019 regulation art. 49: by 31 January"),
    (True, COUNTY): Deadline(3, 31, "fail", "2019 regulation art. 49: by 31 March"),
}
# Province -> kind of body -> deadline, for the 2019+ era. Empty until a provincial rule
# is confirmed; the lead or a user passes their own mapping to `deadline_for`.
PROVINCE_DEADLINES: dict[str, dict[str, Deadline]] = {}

TOWNSHIP_RE = re.compile(r"(?:镇|乡|街道|街道办|办事处|苏木|镇人民政府|乡人民政府)$")
COUNTY_RE = re.compile(r"(?:县|区|旗|市|县人民政府|区人民政府|旗人民政府|市人民政府|林区|特区)$")
DEPARTMENT_RE = re.compile(r"(?:局|委|办|办公室|中心|委员会|厅|署|所|队|站)$")


def body_kind(name: str | None) -> str:
    """Township (镇 乡 街道 苏木), county government, or department; township when unknown."""
    if not name:
        return TOWNSHIP
    name = name.strip()
    if TOWNSHIP_RE.search(name):
        return TOWNSHIP
    if DEPARTMENT_RE.search(name):
        return DEPARTMENT
    if COUNTY_RE.search(name):
        return COUNTY
    return TOWNSHIP


def deadline_for(
    report_year: int,
    kind: str = TOWNSHIP,
    province: str | None = None,
    provinces: Mapping[str, Mapping[str, Deadline]] | None = None,
) -> Deadline:
    new_rules = report_year >= NEW_RULES_FROM
    table = PROVINCE_DEADLINES if provinces is None else provinces
    if new_rules and province:
        override = province_rule(table, province, kind)
        if override:
            return override
    return DEADLINES[(new_rules, kind)]


def province_rule(
    table: Mapping[str, Mapping[str, Deadline]], province: str, kind: str
) -> Deadline | None:
    for name, rules in table.items():
        if province.startswith(name[:2]) and kind in rules:
            return rules[kind]
    return None


def parse_iso_date(text: str | None) -> date | None:
    if not text:
        return None
    m = re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None
