"""Turn report specs, decoy rows and news rows into document dicts (without URLs)."""

from __future__ import annotations

import random
import unicodedata
from datetime import date, timedelta
from typing import Any

from tools.gen import decoys
from tools.gen.expect import expectations
from tools.gen.narrative import build_narrative
from tools.gen.numerals import year_in_chinese
from tools.gen.plan import GEO
from tools.gen.spec import ReportSpec
from tools.gen.standard import build_standard

Doc = dict[str, Any]

TITLES = {
    "town_year": "{unit}{year}年政府信息公开工作年度报告",
    "year_town": "{year}年{unit}政府信息公开工作年度报告",
    "county_town_gov": "{county}{unit}人民政府{year}年政府信息公开工作年度报告",
    "county_town": "{county}{unit}{year}年政府信息公开工作年度报告",
    "town_year_du": "{unit}{year}年度政府信息公开工作年度报告",
    "year_du_nianbao": "{year}年度{unit}政府信息公开年报",
    "cn_year": "{unit}{cn_year}年政府信息公开工作年度报告",
    "no_year": "{unit}政府信息公开工作年度报告",
    "work_report": "{unit}{year}年政府信息公开年度工作报告",
    "info_report": "{unit}{year}年政府信息公开报告",
    "street_office": "{city}{county}人民政府{unit}办事处{year}年政府信息公开工作年度报告",
    "county_gov": "{unit}人民政府{year}年政府信息公开工作年度报告",
}


def title_for(spec: ReportSpec) -> str:
    return TITLES[spec.title_style].format(
        unit=spec.unit,
        year=spec.year,
        county=spec.county,
        city=spec.city,
        cn_year=year_in_chinese(spec.year),
    )


def headings_of(blocks: list[dict[str, Any]]) -> list[str]:
    """Level-1 headings in order, NFKC-normalised as a parser would report them."""
    return [unicodedata.normalize("NFKC", b["x"]) for b in blocks if b["t"] == "h" and b["l"] == 1]


def time_of_day(key: str) -> str:
    rng = random.Random(f"time/{key}")
    return f"{rng.randint(8, 17):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"


def base_doc(portal: str, column: str, doc_id: str, kind: str, title: str, published: str) -> Doc:
    geo = GEO[portal]
    return {
        "id": doc_id,
        "kind": kind,
        "portal": portal,
        "column": column,
        "title": title,
        "title_raw": title,
        "town": None,
        "county": geo["county"],
        "city": geo["city"],
        "province": geo["province"],
        "report_year": None,
        "published": published,
        "time": time_of_day(doc_id),
        "signed": None,
        "source": None,
        "format": None,
        "tampered": False,
        "tables": 0,
        "headings": [],
        "encoding": "utf-8",
        "declared": None,
        "paths": [],
        "blocks": [],
        "flags": [],
        "meta": {},
        "duplicate_of": None,
    }


def report_doc(spec: ReportSpec) -> Doc:
    title = title_for(spec)
    doc_id = f"{spec.portal}/{spec.column}/{spec.unit}/{spec.year}"
    doc = base_doc(spec.portal, spec.column, doc_id, spec.kind, title, spec.published.isoformat())
    if spec.is_post2019:
        blocks, signed, n_tables = build_standard(spec)
        doc["format"] = "post2019"
    else:
        blocks, signed = build_narrative(spec)
        n_tables = 0
        doc["format"] = "pre2019"
    doc["expect"] = expectations(spec, blocks, spec.is_post2019)
    doc.update(
        town=spec.unit,
        report_year=spec.year,
        signed=signed,
        source=spec.body,
        tables=n_tables,
        headings=headings_of(blocks),
        blocks=blocks,
        flags=sorted(spec.flags),
    )
    if spec.suffix == "局":
        doc["town"] = None
    return doc


def decoy_doc(row: tuple[Any, ...]) -> Doc:
    portal, column, builder, arg, published, year = row
    geo = GEO[portal]
    if builder == "dept_report":
        spec = ReportSpec(
            portal=portal,
            column=column,
            unit=arg,
            county=geo["county"],
            city=geo["city"],
            province=geo["province"],
            year=year,
            published=date.fromisoformat(published),
            kind="decoy",
        )
        doc = report_doc(spec)
        doc["kind"] = "decoy"
        doc["id"] = f"{portal}/{column}/{builder}/{published}"
        return doc
    title, blocks = decoy_content(builder, arg, year, geo)
    doc = base_doc(
        portal, column, f"{portal}/{column}/{builder}/{published}", "decoy", title, published
    )
    doc.update(report_year=year, blocks=blocks, source=source_for_decoy(arg, geo))
    return doc


def decoy_content(
    builder: str, arg: str, year: int | None, geo: dict[str, Any]
) -> tuple[str, list[dict[str, Any]]]:
    if builder == "guide":
        return decoys.guide(arg, f"{arg}人民政府", geo["county"])
    if builder == "catalogue":
        return decoys.catalogue(arg)
    if builder == "work_points":
        return decoys.work_points(arg, year or 2020)
    if builder == "compile_notice":
        return decoys.compile_notice(arg, year or 2019)
    if builder == "work_report":
        return decoys.work_report(arg, year or 2020, random.Random(f"wr/{arg}/{year}"))
    if builder == "interpretation":
        return decoys.interpretation(arg)
    if builder == "report_rule":
        return decoys.report_rule(arg)
    raise ValueError(f"unknown decoy builder {builder}")


def source_for_decoy(arg: str, geo: dict[str, Any]) -> str:
    if arg.endswith(("镇", "乡", "县", "区", "市")):
        return f"{arg}人民政府"
    return f"{geo['county']}人民政府办公室"


def news_docs(portal: str, column: str, place: str, count: int) -> list[Doc]:
    """Ordinary news pages, dated backwards from the portal's newest content."""
    newest = date(2013, 6, 20) if portal == "shihua" else date(2026, 1, 28)
    docs = []
    for i in range(count):
        day = newest - timedelta(days=17 * i + 3 * len(column))
        title, blocks = decoys.news(place, day.year, i + len(column))
        doc = base_doc(portal, column, f"{portal}/{column}/news{i}", "news", title, day.isoformat())
        doc.update(blocks=blocks, source=f"{place}融媒体中心" if portal != "shihua" else "党政办")
        docs.append(doc)
    return docs
