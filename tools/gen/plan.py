"""Which portals exist, and which reports and decoys each one carries.

Real places, invented text. Order of PORTALS is the port order of
`DemoPortals(base_port=N)`: N, N+1, ...
"""

from __future__ import annotations

from datetime import date
from typing import Any

from tools.gen.spec import ReportSpec

PORTALS: list[dict[str, Any]] = [
    {
        "id": "fusong",
        "style": "trs",
        "name": "抚松县人民政府",
        "province": "吉林省",
        "city": "白山市",
        "county": "抚松县",
    },
    {
        "id": "qujiang",
        "style": "hanweb",
        "name": "衢州市衢江区人民政府",
        "province": "浙江省",
        "city": "衢州市",
        "county": "衢江区",
    },
    {
        "id": "shihua",
        "style": "oldasp",
        "name": "谷城县石花镇人民政府",
        "province": "湖北省",
        "city": "襄阳市",
        "county": "谷城县",
        "town": "石花镇",
    },
    {
        "id": "zhalantun",
        "style": "jyh",
        "name": "扎兰屯市人民政府",
        "province": "内蒙古自治区",
        "city": "呼伦贝尔市",
        "county": "扎兰屯市",
    },
    {
        "id": "mirror",
        "style": "mirror",
        "name": "成吉思汗镇人民政府（被劫持的镜像站）",
        "province": "内蒙古自治区",
        "city": "呼伦贝尔市",
        "county": "扎兰屯市",
        "town": "成吉思汗镇",
    },
]
GEO = {p["id"]: p for p in PORTALS}

# Column slugs per portal: slug -> column name shown in navigation.
COLUMNS: dict[str, dict[str, str]] = {
    "fusong": {"fsz": "抚松镇", "sjhz": "松江河镇", "qyz": "泉阳镇", "xzf": "县政府"},
    "qujiang": {"1229": "政府信息公开年报"},
    "shihua": {"3": "政务公开"},
    "zhalantun": {"cjshz": "成吉思汗镇", "wnhz": "卧牛河镇"},
    "mirror": {"nb": "政府信息公开年报"},
}

# portal, column, unit, year, published, title style, signature style, flags, applications
REPORTS: list[tuple[Any, ...]] = [
    ("fusong", "fsz", "抚松镇", 2008, "2009-03-07", "town_year", "chinese", "items consult", 0),
    ("fusong", "fsz", "抚松镇", 2011, "2012-03-27", "year_town", "digits", "inline_heads", 0),
    (
        "fusong",
        "fsz",
        "抚松镇",
        2014,
        "2015-03-11",
        "county_town_gov",
        "digits",
        "active_subheads",
        0,
    ),
    ("fusong", "fsz", "抚松镇", 2016, "2017-02-13", "cn_year", "zero", "inline_heads response", 0),
    ("fusong", "fsz", "抚松镇", 2019, "2020-01-17", "town_year", "digits", "", 0),
    ("fusong", "fsz", "抚松镇", 2021, "2022-01-20", "year_town", "padded", "", 2),
    ("fusong", "fsz", "抚松镇", 2023, "2024-01-19", "town_year", "digits", "inline_heads", 0),
    ("fusong", "fsz", "抚松镇", 2025, "2026-01-15", "town_year", "digits", "trs_id=763295", 0),
    ("fusong", "sjhz", "松江河镇", 2009, "2010-02-26", "town_year_du", "chinese", "", 0),
    (
        "fusong",
        "sjhz",
        "松江河镇",
        2010,
        "2011-03-14",
        "year_town",
        "digits",
        "short url_date=2017-12-07",
        0,
    ),
    ("fusong", "sjhz", "松江河镇", 2012, "2013-03-28", "county_town_gov", "digits", "items", 1),
    ("fusong", "sjhz", "松江河镇", 2015, "2016-03-09", "work_report", "none", "items", 0),
    (
        "fusong",
        "sjhz",
        "松江河镇",
        2018,
        "2019-04-10",
        "town_year",
        "digits",
        "response inline_heads",
        0,
    ),
    (
        "fusong",
        "sjhz",
        "松江河镇",
        2020,
        "2021-01-22",
        "county_town_gov",
        "digits",
        "blank_zeros",
        0,
    ),
    ("fusong", "sjhz", "松江河镇", 2022, "2023-01-13", "year_du_nianbao", "digits", "", 0),
    (
        "fusong",
        "sjhz",
        "松江河镇",
        2024,
        "2025-01-08",
        "town_year",
        "digits",
        "url_date=2025-01-21",
        0,
    ),
    ("fusong", "qyz", "泉阳镇", 2009, "2010-03-15", "town_year", "digits", "mislabeled short", 0),
    ("fusong", "qyz", "泉阳镇", 2013, "2014-03-19", "town_year", "digits", "consult items", 0),
    ("fusong", "qyz", "泉阳镇", 2017, "2018-01-12", "year_town", "chinese", "inline_heads", 0),
    ("fusong", "qyz", "泉阳镇", 2019, "2020-01-10", "info_report", "digits", "no_intro", 0),
    ("fusong", "qyz", "泉阳镇", 2022, "2023-01-30", "town_year", "digits", "", 1),
    ("fusong", "qyz", "泉阳镇", 2025, "2026-01-21", "town_year", "digits", "inline_heads", 0),
    ("fusong", "xzf", "抚松县", 2020, "2021-03-25", "county_gov", "digits", "", 4),
    ("fusong", "xzf", "抚松县", 2023, "2024-03-28", "county_gov", "digits", "inline_heads", 6),
    ("qujiang", "1229", "湖南镇", 2010, "2011-02-28", "town_year", "chinese", "consult", 0),
    ("qujiang", "1229", "湖南镇", 2015, "2016-01-26", "year_town", "digits", "items", 0),
    ("qujiang", "1229", "湖南镇", 2019, "2020-01-14", "town_year", "digits", "", 0),
    (
        "qujiang",
        "1229",
        "湖南镇",
        2021,
        "2022-01-25",
        "town_year",
        "digits",
        "format=pre2019 response",
        0,
    ),
    ("qujiang", "1229", "湖南镇", 2024, "2025-01-20", "town_year", "digits", "inline_heads", 3),
    ("qujiang", "1229", "高家镇", 2011, "2012-01-19", "town_year", "digits", "consult", 0),
    (
        "qujiang",
        "1229",
        "高家镇",
        2016,
        "2017-02-10",
        "no_year",
        "digits",
        "hanweb_id=3448 inline_heads",
        0,
    ),
    ("qujiang", "1229", "高家镇", 2020, "2021-01-18", "county_town_gov", "digits", "", 0),
    ("qujiang", "1229", "高家镇", 2023, "2024-01-16", "town_year", "digits", "inline_heads", 0),
    ("qujiang", "1229", "樟潭街道", 2017, "2018-01-05", "street_office", "digits", "response", 0),
    ("qujiang", "1229", "樟潭街道", 2019, "2020-01-21", "town_year", "digits", "", 1),
    ("qujiang", "1229", "樟潭街道", 2022, "2023-01-18", "street_office", "digits", "", 0),
    ("qujiang", "1229", "樟潭街道", 2025, "2026-01-12", "town_year", "digits", "truncate_list", 0),
    ("shihua", "3", "石花镇", 2008, "2009-01-06", "town_year", "chinese", "items consult", 0),
    (
        "shihua",
        "3",
        "石花镇",
        2009,
        "2010-03-15",
        "county_town_gov",
        "digits",
        "br old_id=12 contact",
        0,
    ),
    ("shihua", "3", "石花镇", 2012, "2013-03-15", "year_town", "zero", "inline_heads", 1),
    ("shihua", "3", "石花镇", 2014, "2015-01-06", "town_year_du", "digits", "consult", 0),
    ("shihua", "3", "石花镇", 2017, "2018-03-21", "town_year", "digits", "response", 0),
    ("zhalantun", "cjshz", "成吉思汗镇", 2019, "2020-01-20", "town_year", "digits", "", 0),
    (
        "zhalantun",
        "cjshz",
        "成吉思汗镇",
        2021,
        "2022-01-24",
        "year_town",
        "digits",
        "inline_heads",
        0,
    ),
    ("zhalantun", "cjshz", "成吉思汗镇", 2023, "2024-01-18", "town_year", "digits", "", 0),
    ("zhalantun", "cjshz", "成吉思汗镇", 2024, "2025-01-22", "town_year", "padded", "", 0),
    ("zhalantun", "wnhz", "卧牛河镇", 2020, "2021-02-03", "town_year", "digits", "", 0),
    ("zhalantun", "wnhz", "卧牛河镇", 2022, "2023-01-29", "town_year", "digits", "img_tables", 0),
    # Figures (issue #6): the standard tables in awkward shapes, numbers that do not add
    # up, late publication (tools/gen/tables.py lists the shape flags).
    ("fusong", "fsz", "抚松镇", 2020, "2021-01-26", "town_year", "digits", "split_headers slash_na", 3),
    (
        "fusong",
        "sjhz",
        "松江河镇",
        2023,
        "2024-02-06",
        "town_year",
        "digits",
        "blank_zeros bad_review_total",
        2,
    ),
    ("fusong", "xzf", "抚松县", 2021, "2022-04-12", "county_gov", "digits", "two_row_headers yuan", 5),
    ("qujiang", "1229", "高家镇", 2013, "2014-04-15", "town_year", "digits", "", 2),
    ("qujiang", "1229", "高家镇", 2019, "2020-02-18", "town_year", "digits", "spaced_headers yuan", 1),
    ("qujiang", "1229", "樟潭街道", 2023, "2024-01-22", "street_office", "digits", "unbalanced", 3),
    (
        "zhalantun",
        "wnhz",
        "卧牛河镇",
        2023,
        "2024-01-25",
        "town_year",
        "digits",
        "bad_row_total split_headers slash_na",
        2,
    ),
    (
        "mirror",
        "nb",
        "成吉思汗镇",
        2015,
        "2016-03-21",
        "county_town",
        "digits",
        "substitute_county",
        0,
    ),
    # One hijacking technique per page on the mirror (tools/gen/hijack.py TECHNIQUES,
    # rendered by demo/render/techniques.py; issue #15).
    ("mirror", "nb", "成吉思汗镇", 2010, "2011-03-14", "town_year", "digits", "technique=hidden-class", 0),
    ("mirror", "nb", "成吉思汗镇", 2011, "2012-03-12", "town_year", "digits", "technique=font-zero", 0),
    ("mirror", "nb", "成吉思汗镇", 2012, "2013-03-18", "town_year", "digits", "technique=meta-only", 0),
    ("mirror", "nb", "成吉思汗镇", 2013, "2014-03-17", "town_year", "digits", "technique=ua-write", 0),
    ("mirror", "nb", "成吉思汗镇", 2014, "2015-03-16", "town_year", "digits", "technique=js-redirect", 0),
    ("mirror", "nb", "成吉思汗镇", 2017, "2018-03-19", "town_year", "digits", "technique=site-meta", 0),
    ("mirror", "nb", "成吉思汗镇", 2018, "2019-03-18", "town_year", "digits", "technique=cloaked", 0),
]

# portal, column, builder, argument, published, report year (or None)
DECOYS: list[tuple[Any, ...]] = [
    ("fusong", "fsz", "guide", "抚松镇", "2020-05-11", None),
    ("fusong", "sjhz", "catalogue", "松江河镇", "2019-12-02", None),
    ("fusong", "qyz", "work_report", "泉阳镇", "2021-02-03", 2021),
    ("fusong", "qyz", "dept_report", "抚松县自然资源局", "2020-01-16", 2019),
    ("fusong", "xzf", "work_points", "抚松县", "2020-04-20", 2020),
    ("fusong", "xzf", "compile_notice", "抚松县", "2019-12-10", 2019),
    (
        "fusong",
        "xzf",
        "interpretation",
        "抚松县人民政府2020年政府信息公开工作年度报告",
        "2021-03-26",
        2020,
    ),
    ("qujiang", "1229", "work_points", "衢江区", "2022-03-30", 2022),
    ("qujiang", "1229", "guide", "湖南镇", "2021-06-15", None),
    ("qujiang", "1229", "work_report", "高家镇", "2023-02-20", 2023),
    (
        "qujiang",
        "1229",
        "interpretation",
        ("衢州市衢江区人民政府樟潭街道办事处2022年政府信息公开工作年度报告"),
        "2023-01-19",
        2022,
    ),
    ("qujiang", "1229", "report_rule", "湖南镇", "2018-05-04", None),
    ("shihua", "3", "guide", "石花镇", "2008-06-20", None),
    ("shihua", "3", "work_report", "石花镇", "2011-03-02", 2011),
    ("zhalantun", "cjshz", "work_points", "扎兰屯市", "2024-03-15", 2024),
    (
        "zhalantun",
        "cjshz",
        "interpretation",
        "成吉思汗镇2023年政府信息公开工作年度报告",
        "2024-01-19",
        2023,
    ),
]

# portal, column, place, count: ordinary news pages the crawler will meet.
NEWS: list[tuple[str, str, str, int]] = [
    ("fusong", "xwdt", "抚松县", 6),
    ("fusong", "tzgg", "抚松县", 3),
    ("qujiang", "1201", "衢江区", 6),
    ("shihua", "1", "石花镇", 5),
    ("shihua", "3", "石花镇", 5),
    ("zhalantun", "xwdt", "扎兰屯市", 5),
    ("mirror", "news", "成吉思汗镇", 3),
]


def spec_from_row(row: tuple[Any, ...]) -> ReportSpec:
    portal, column, unit, year, published, title_style, sign, flags, n_req = row
    geo = GEO[portal]
    flag_set = set(flags.split())
    fmt = next((f.split("=")[1] for f in flag_set if f.startswith("format=")), "")
    return ReportSpec(
        portal=portal,
        column=column,
        unit=unit,
        county=geo["county"],
        city=geo["city"],
        province=geo["province"],
        year=year,
        published=date.fromisoformat(published),
        title_style=title_style,
        sign_style=sign,
        format=fmt,
        flags=flag_set,
        n_req=n_req,
    )


def flag_value(flags: set[str], name: str) -> str | None:
    """The value of a `name=value` flag, or None."""
    for flag in flags:
        if flag.startswith(name + "="):
            return flag.split("=", 1)[1]
    return None
