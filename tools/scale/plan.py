"""What the scale portal holds: townships, and the report, decoy and news pages of each.

Everything is a function of an index, so a page is the same bytes on every request and
nothing is stored. Report i belongs to town i // 18 and covers year 2008 + i % 18; its text
comes from the demo's generators (`tools/gen/`), seeded by town and year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from tools.gen import decoys
from tools.gen.build import title_for
from tools.gen.spec import ReportSpec

PROVINCE, CITY, COUNTY = "吉林省", "通化市", "青岚县"
SITE_NAME = f"{COUNTY}人民政府"
FIRST_YEAR, YEARS = 2008, 18  # one report a year per town, 2008-2025
PER_PAGE = 20
REPORT_SERIAL, DECOY_SERIAL, NEWS_SERIAL = 100000, 600000, 800000
# Township names: head + tail syllable + unit; the code is their pinyin initials (qsz).
HEADS = "青石白金黄松柳桃梅兰双新东西南北龙凤马牛平安长永太和大小高古清红三五宝云河江岭沙"
TAILS = "山水林泉沟坪湾岗桥田岩洲坝塘溪滩口阳峰川源堡营铺庄集店坡寨圩庙岔湖塔浦渡关头埠"
INITIALS = {**dict(zip(HEADS, "qsbjhsltmlsxdxnblfmnpacythdxggqhswbyhjls", strict=True)),
            **dict(zip(TAILS, "sslqgpwgqtyzbtxtkyfcybypzjdpzwmchtpdgtb", strict=True))}
UNITS = (("镇", "z"), ("乡", "x"), ("镇", "z"), ("街道", "jd"))
TITLE_STYLES = ("town_year", "year_town", "county_town_gov", "county_town", "town_year_du",
                "year_du_nianbao", "cn_year", "work_report", "info_report", "town_year")
SIGN_STYLES = ("digits", "padded", "chinese", "digits", "zero")
NARRATIVE_FLAGS = ("", "inline_heads", "items consult", "active_subheads",
                   "inline_heads response", "short", "items")
STANDARD_FLAGS = ("", "inline_heads", "blank_zeros", "", "no_intro")
DECOYS_BY_TOWN = {0: ("guide", "work_points", "interpretation"), 2: ("work_points",)}  # k % 4
NEWS_PLACES = ("县委", "县政府", "县应急管理局", "县农业农村局")


@dataclass(frozen=True)
class Town:
    index: int
    name: str  # 青石镇
    code: str  # qsz, qsz2 when the initials are taken

    @property
    def column(self) -> str:
        return f"/xxgk/ndbg/{self.code}/"


@dataclass(frozen=True)
class Entry:
    """One detail page: a report, a decoy in a town's column, or a news item."""

    kind: str  # report | decoy | news
    serial: int
    title: str
    published: date
    path: str
    town: Town | None
    arg: Any = None  # year of a report, builder name of a decoy, number of a news item


def make_towns(count: int, first: int = 0) -> list[Town]:
    """`count` townships; `first` skips that many names (a province's portals each take
    their own run of names, so no two portals report for the same town)."""
    towns: list[Town] = []
    used: set[str] = set()
    for k in range(first, first + count):
        head, tail = HEADS[k % len(HEADS)], TAILS[(k // len(HEADS)) % len(TAILS)]
        unit, letter = UNITS[(k + k // (len(HEADS) * len(TAILS))) % len(UNITS)]
        code = base = INITIALS[head] + INITIALS[tail] + letter
        number = 1
        while code in used:
            number += 1
            code = f"{base}{number}"
        used.add(code)
        towns.append(Town(k - first, head + tail + unit, code))
    return towns


def detail_path(column: str, day: date, serial: int) -> str:
    return f"{column}{day:%Y%m}/t{day:%Y%m%d}_{serial}.html"


def report_spec(i: int, town: Town, county: str = COUNTY, city: str = CITY,
                province: str = PROVINCE) -> ReportSpec:
    """What report i is about; every choice is a function of i (and the place)."""
    year = FIRST_YEAR + i % YEARS
    published = date(year + 1, 1, 8) + timedelta(days=(i * 7) % 75)
    flags = STANDARD_FLAGS if year >= 2019 else NARRATIVE_FLAGS
    return ReportSpec(
        portal="scale", column=town.code, unit=town.name, county=county, city=city,
        province=province, year=year, published=published,
        title_style=TITLE_STYLES[i % len(TITLE_STYLES)], sign_style=SIGN_STYLES[i % 5],
        flags=set(flags[(i // 3) % len(flags)].split()), n_req=(i % 4) * (i % 3),
    )


def report_entries(reports: int, towns: list[Town], per_town: int = YEARS,
                   county: str = COUNTY) -> list[Entry]:
    """Report i belongs to town i // per_town (per_town <= YEARS keeps a town's years apart)."""
    entries = []
    for i in range(reports):
        town = towns[i // per_town]
        spec = report_spec(i, town, county)
        serial = REPORT_SERIAL + i
        entries.append(Entry("report", serial, title_for(spec), spec.published,
                             detail_path(town.column, spec.published, serial), town, i))
    return entries


def decoy_title(builder: str, town: Town) -> str:
    return {"guide": f"{town.name}政府信息公开指南",
            "work_points": f"{town.name}2021年政务公开工作要点",
            "interpretation": f"《{town.name}2022年政府信息公开工作年度报告》解读"}[builder]


def decoy_entries(towns: list[Town]) -> list[Entry]:
    entries = []
    for town in towns:
        for m, builder in enumerate(DECOYS_BY_TOWN.get(town.index % 4, ())):
            day = date(2019 + m * 2, 3, 1) + timedelta(days=town.index % 28)
            serial = DECOY_SERIAL + town.index * 4 + m
            entries.append(Entry("decoy", serial, decoy_title(builder, town), day,
                                 detail_path(town.column, day, serial), town, builder))
    return entries


def news_entries(count: int) -> list[Entry]:
    entries = []
    for j in range(count):
        day = date(2026, 1, 28) - timedelta(days=3 * j)
        place = COUNTY + NEWS_PLACES[j % len(NEWS_PLACES)]
        title, _ = decoys.news(place, day.year, j)
        serial = NEWS_SERIAL + j
        entries.append(Entry("news", serial, title, day, detail_path("/zwdt/", day, serial),
                             None, j))
    return entries


def newest_first(entries: list[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.published, e.serial), reverse=True)


@lru_cache(maxsize=64)
def decoy_blocks(builder: str, town: Town) -> list[dict[str, Any]]:
    if builder == "guide":
        return decoys.guide(town.name, f"{town.name}人民政府", COUNTY)[1]
    if builder == "work_points":
        return decoys.work_points(town.name, 2021)[1]
    return decoys.interpretation(f"{town.name}2022年政府信息公开工作年度报告")[1]
