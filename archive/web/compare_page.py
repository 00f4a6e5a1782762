"""Datasette plugin: compare towns and years side by side, `/-/compare` (issue #14).

Pick a county (all its towns, and a county total if wanted) or some of its towns, and a
range of years: the key figures of the annual reports stand side by side, one column per
town and year — requests received and their outcomes (table 2), active disclosure (table
1), administrative reviews and lawsuits (table 3), and before 2019 the numbers the prose
states. Row labels are the official template's (国办公开办函〔2019〕60号 and〔2021〕30号),
a blank cell stays blank and a `/` stays `/`. Every choice is a GET parameter, so a
comparison is a URL to share; `/-/compare.csv` is the same table for Excel (UTF-8 with a
BOM). A small bar chart of requests received is drawn on the server as SVG: no script,
nothing fetched, it works offline.

Two queries per page whatever the choice: the reports of the county in the years, then
their figures by primary key. Several reports for one town and year (a mirror, a
duplicate) give the one read from a genuine page, newest first seen.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.utils import tilde_encode
from datasette.utils.asgi import Response

from archive.figures import vocab
from archive.web.standard_tables import (
    APPLICATION_COLUMNS,
    NOT_PROCESSED,
    OTHER_2021,
    REFUSED,
    UNABLE,
)

DATABASE = "nianbao"
MAX_TOWNS = 60
MAX_YEARS = 25
MAX_COLUMNS = 120  # town-years side by side; beyond that a table is not read
DEFAULT_YEARS = 6  # years shown when none are chosen: the latest, which have the tables
MAX_NAME = 500  # characters of a county or town name; longer ones are cut
TOTAL = "total"
COUNTY_SQL = "coalesce(r.division_county, r.county)"
TOWN_SQL = "coalesce(r.division_township, r.town)"

# (key, label, sources): the value is the sum of the sources (table, row, column) a report has.
Source = tuple[str, str, str]


@dataclass
class Line:
    key: str
    label: str
    sources: tuple[Source, ...]
    note: str = ""


@dataclass
class Group:
    title: str
    lines: list[Line]


def app(row: str) -> Source:
    return (vocab.APPLICATIONS, row, TOTAL)


def review(row: str, column: str) -> Source:
    return (vocab.REVIEWS, row, column)


LINES: list[Group] = [
    Group("（二）收到和处理政府信息公开申请情况（总计列）", [
        Line("new_requests", "一、本年新收政府信息公开申请数量",
             (app("new_requests"), ("narrative", "requests_received", TOTAL)),
             "2019年前为正文所述 before 2019: as the prose states"),
        Line("carried_over", "二、上年结转政府信息公开申请数量", (app("carried_over"),)),
        Line("granted", "三、本年度办理结果 (一)予以公开",
             (app("granted"), ("narrative", "requests_granted", TOTAL))),
        Line("partially_granted", "(二)部分公开(区分处理的,只计这一情形,不计其他情形)",
             (app("partially_granted"), ("narrative", "requests_partially_granted", TOTAL))),
        Line("refused", "(三)不予公开（1–8项合计）",
             tuple(app(k) for k, _ in REFUSED) + (("narrative", "requests_refused", TOTAL),)),
        Line("unable", "(四)无法提供（1–3项合计）", tuple(app(k) for k, _ in UNABLE)),
        Line("not_processed", "(五)不予处理（1–5项合计）",
             tuple(app(k) for k, _ in NOT_PROCESSED)),
        Line("other", "(六)其他处理", (app("other"),) + tuple(app(k) for k, _ in OTHER_2021)),
        Line("total", "(七)总计", (app("total"),)),
        Line("carried_forward", "四、结转下年度继续办理", (app("carried_forward"),)),
    ]),
    Group("（一）主动公开政府信息情况", [
        Line("active_published", "主动公开政府信息（2019年前正文所述）",
             (("narrative", "active_published", TOTAL),)),
        Line("regulations_published", "规章 本年新公开数量（2019版）",
             ((vocab.ACTIVE, "regulations", "published"),)),
        Line("normative_published", "规范性文件 本年新公开数量（2019版）",
             ((vocab.ACTIVE, "normative_docs", "published"),)),
        Line("normative_total", "规范性文件 对外公开总数量（2019版）",
             ((vocab.ACTIVE, "normative_docs", "published_total"),)),
        Line("normative_issued", "行政规范性文件 本年制发件数（2021版）",
             ((vocab.ACTIVE, "normative_docs", "issued"),)),
        Line("normative_in_force", "行政规范性文件 现行有效件数（2021版）",
             ((vocab.ACTIVE, "normative_docs", "in_force"),)),
        Line("licensing_decisions", "行政许可 处理决定数量",
             ((vocab.ACTIVE, "licensing", "decisions"),)),
        Line("penalties_decisions", "行政处罚 处理决定数量",
             ((vocab.ACTIVE, "penalties", "decisions"),)),
        Line("enforcement_decisions", "行政强制 处理决定数量",
             ((vocab.ACTIVE, "enforcement", "decisions"),)),
    ]),
    Group("（三）政府信息公开行政复议、行政诉讼情况", [
        *(Line(f"review_{c}", f"行政复议 {label}", (review("administrative_review", c),))
          for c, label in (("upheld", "结果维持"), ("corrected", "结果纠正"),
                           ("other", "其他结果"), ("pending", "尚未审结"), ("total", "总计"))),
        Line("reviews_prose", "行政复议（2019年前正文所述）", (("narrative", "reviews", TOTAL),)),
        *(Line(f"direct_{c}", f"行政诉讼 未经复议直接起诉 {label}",
               (review("lawsuit_direct", c),))
          for c, label in (("upheld", "结果维持"), ("corrected", "结果纠正"),
                           ("total", "总计"))),
        *(Line(f"after_{c}", f"行政诉讼 复议后起诉 {label}",
               (review("lawsuit_after_review", c),))
          for c, label in (("upheld", "结果维持"), ("corrected", "结果纠正"),
                           ("total", "总计"))),
        Line("lawsuits_prose", "行政诉讼（2019年前正文所述）", (("narrative", "lawsuits", TOTAL),)),
    ]),
]
ALL_SOURCES = sorted({s for g in LINES for line in g.lines for s in line.sources})
NA = ("/", "／", "-", "—")
COLOURS = ("#1565c0", "#c62828", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#795548",
           "#ad1457", "#558b2f", "#37474f")
CHART_W, CHART_H, LEFT, BOTTOM, TOP = 760, 240, 48, 28, 14
assert APPLICATION_COLUMNS[-1][0] == TOTAL


@dataclass
class Choice:
    county: str = ""
    towns: list[str] = field(default_factory=list)
    first: int | None = None
    last: int | None = None
    county_total: bool = False
    defaulted: bool = False  # `first` was not chosen but set to the latest years
    errors: list[str] = field(default_factory=list)

    def query(self, **changes: Any) -> str:
        pairs: list[tuple[str, Any]] = [("county", self.county)] if self.county else []
        pairs += [("town", t) for t in self.towns]
        pairs += [(k, v) for k, v in (("from", self.first), ("to", self.last)) if v]
        if self.county_total:
            pairs.append(("total", "1"))
        return urlencode(pairs)


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/compare(?P<format>\.csv)?$", compare_page)]


@hookimpl
def menu_links(datasette: Any) -> list[dict[str, str]]:
    return [{"href": datasette.urls.path("/-/compare"), "label": "对比 Compare"}]


def read_choice(request: Any) -> Choice:
    args = request.args
    choice = Choice(county=(args.get("county") or "").strip()[:MAX_NAME],
                    county_total=args.get("total") in ("1", "on", "true"))
    seen: set[str] = set()
    for town in args.getlist("town"):
        town = town.strip()[:MAX_NAME]
        if town and town not in seen:
            seen.add(town)
            choice.towns.append(town)
    if len(choice.towns) > MAX_TOWNS:
        choice.errors.append(f"最多比较 {MAX_TOWNS} 个单位，已取前 {MAX_TOWNS} 个。"
                             f" At most {MAX_TOWNS} towns.")
        choice.towns = choice.towns[:MAX_TOWNS]
    for name in ("from", "to"):
        raw = (args.get(name) or "").strip()
        if not raw:
            continue
        if not raw.isdigit() or not 1990 <= int(raw) <= 2100:
            choice.errors.append(f"年度“{raw[:20]}”无效，应为四位数年份。 Not a year: ignored.")
            continue
        setattr(choice, "first" if name == "from" else "last", int(raw))
    if choice.first and choice.last and choice.first > choice.last:
        choice.first, choice.last = choice.last, choice.first
    return choice


async def compare_page(datasette: Any, request: Any) -> Response:
    choice = read_choice(request)
    try:
        db = datasette.get_database(DATABASE)
    except KeyError:
        db = None
    tables = set(await db.table_names()) if db is not None else set()
    counties: list[dict[str, Any]] = []
    towns: list[str] = []
    years: list[int] = []
    result: dict[str, Any] | None = None
    if "reports" in tables:
        counties = await county_list(db)
        if choice.county:
            towns, years = await county_towns(db, choice.county)
            if not choice.first and not choice.last and len(years) > DEFAULT_YEARS:
                choice.first = years[-DEFAULT_YEARS]  # the latest years; the form widens it
                choice.defaulted = True
        if choice.county or choice.towns:
            result = await comparison(datasette, db, choice, years, "figures" in tables)
    if request.url_vars.get("format") == ".csv":
        return csv_response(choice, result)
    context = {"choice": choice, "counties": counties, "county_towns": towns,
               "county_years": years, "result": result, "database": DATABASE,
               "csv_url": "/-/compare.csv?" + choice.query(),
               "chart": chart(result) if result else None,
               "share_url": "/-/compare?" + choice.query()}
    html = await datasette.render_template("compare.html", context, request=request)
    return Response.html(html)


async def county_list(db: Any) -> list[dict[str, Any]]:
    """Counties with their report counts, read from the index on `reports.county` only."""
    rows = await db.execute(
        "select county, count(*) as reports from reports where county is not null "
        "group by county order by county")
    return [dict(r) for r in rows.rows if r["county"]]


# The reports of a county without scanning `reports` (whose rows hold whole texts): by the
# index on the county the report names, and by the ledger of the county's sites; then the
# official county (division_county, else the named one) decides.
COUNTY_REPORTS = (
    "select id from reports where county = :county union "
    "select c.report_id from coverage c join sites s on s.id = c.site_id "
    "where s.county = :county and c.report_id is not null")


async def county_towns(db: Any, county: str) -> tuple[list[str], list[int]]:
    rows = (await db.execute(
        f"select distinct {TOWN_SQL} as town, r.report_year as year from reports r "
        f"where r.id in ({await county_reports_sql(db)}) and {COUNTY_SQL} = :county",
        {"county": county})).rows
    towns = sorted({r["town"] for r in rows if r["town"]})
    years = sorted({r["year"] for r in rows if r["year"]})
    return towns, years


async def county_reports_sql(db: Any) -> str:
    if await db.table_exists("coverage") and await db.table_exists("sites"):
        return COUNTY_REPORTS
    return "select id from reports where county = :county"


async def comparison(datasette: Any, db: Any, choice: Choice, county_years: list[int],
                     with_figures: bool) -> dict[str, Any]:
    where: list[str] = ["r.report_year is not null"]
    params: dict[str, Any] = {}
    if choice.county:
        where.append(f"r.id in ({await county_reports_sql(db)}) and {COUNTY_SQL} = :county")
        params["county"] = choice.county
    if choice.towns:
        marks = []
        for i, town in enumerate(choice.towns):
            params[f"t{i}"] = town
            marks.append(f":t{i}")
        where.append(f"{TOWN_SQL} in ({', '.join(marks)})")
    if choice.first:
        where.append("r.report_year >= :first")
        params["first"] = choice.first
    if choice.last:
        where.append("r.report_year <= :last")
        params["last"] = choice.last
    reports = [dict(r) for r in (await db.execute(
        f"select r.id, {TOWN_SQL} as town, {COUNTY_SQL} as county, r.report_year as year, "
        "r.title, r.tampered, r.withdrawn_at, r.first_seen from reports r "
        f"where {' and '.join(where)}", params)).rows]
    chosen: dict[tuple[str, str, int], dict[str, Any]] = {}
    for found in sorted(reports, key=preference):
        chosen.setdefault((found["county"] or "", found["town"] or "", found["year"]), found)
    years = sorted({key[2] for key in chosen})
    places = sorted({key[:2] for key in chosen},
                    key=lambda p: (choice.towns.index(p[1]) if p[1] in choice.towns else 0, p))
    notes = []
    if len(places) * len(years) > MAX_COLUMNS:
        keep = max(1, MAX_COLUMNS // max(len(years), 1))
        notes.append(f"单位 × 年度超过 {MAX_COLUMNS} 列，只显示前 {keep} 个单位；请选择单位或缩小年度范围。"
                     f" Too many columns: showing the first {keep} towns.")
        places = places[:keep]
    figures = await load_figures(db, [r["id"] for k, r in chosen.items() if k[:2] in places]) \
        if with_figures else {}
    columns: list[dict[str, Any]] = []
    for county, town in places:
        for year in years:
            report: dict[str, Any] | None = chosen.get((county, town, year))
            columns.append({
                "county": county, "town": town, "year": year, "report": report,
                "href": datasette.urls.row(DATABASE, "reports", tilde_encode(report["id"]))
                if report else None,
                "cells": cells_of(figures.get(report["id"], {})) if report else {},
            })
    if choice.county_total and choice.county:
        for year in years:
            of_year = [c for c in columns if c["year"] == year and c["report"]]
            label = "所选单位合计 total of these" if choice.towns else "全县合计 county total"
            columns.append({"county": choice.county, "town": label,
                            "year": year, "report": None, "href": None, "total_of": len(of_year),
                            "cells": total_cells([c["cells"] for c in of_year])})
    groups = [{"title": g.title, "lines": [
        {"key": line.key, "label": line.label, "note": line.note,
         "cells": [cell_markup(c, line.key) for c in columns]} for line in g.lines]}
        for g in LINES]
    return {"years": years, "places": places, "columns": columns, "groups": groups,
            "notes": notes, "reports": len(chosen), "county_years": county_years}


def cell_markup(column: dict[str, Any], key: str) -> tuple[str, str, str]:
    """(text, class, title) of one cell: the template only prints them."""
    value = column["cells"].get(key) or {"text": "", "state": "absent"}
    css = value["state"] + (" total" if "total_of" in column else "")
    return value["text"], css, value.get("title") or ""


def preference(report: dict[str, Any]) -> tuple[int, int, str]:
    """Genuine before tampered, live before withdrawn, newest first seen first."""
    first_seen = report.get("first_seen") or ""
    inverted = "".join(chr(0x10FFFF - ord(ch)) for ch in first_seen)
    return (1 if report.get("tampered") else 0, 1 if report.get("withdrawn_at") else 0,
            inverted)


async def load_figures(db: Any, report_ids: list[str]) -> dict[str, dict[Source, Any]]:
    out: dict[str, dict[Source, Any]] = {}
    tables = sorted({s[0] for s in ALL_SOURCES})
    for start in range(0, len(report_ids), 400):
        batch = report_ids[start:start + 400]
        marks = ", ".join("?" for _ in batch)
        table_marks = ", ".join("?" for _ in tables)
        rows = (await db.execute(
            'select report_id, "table", row_key, column_key, value, raw from figures '
            f'where report_id in ({marks}) and "table" in ({table_marks})',
            [*batch, *tables])).rows
        for row in rows:
            key = (row["table"], row["row_key"], row["column_key"])
            if key in SOURCE_SET:
                out.setdefault(row["report_id"], {})[key] = (row["value"], row["raw"])
    return out


SOURCE_SET = frozenset(ALL_SOURCES)


def cells_of(figures: dict[Source, Any]) -> dict[str, dict[str, Any]]:
    """Each line's cell: the sum of its sources' numbers; blank, `/` or words kept as printed."""
    cells = {}
    for group in LINES:
        for line in group.lines:
            found = [figures[s] for s in line.sources if s in figures]
            cells[line.key] = cell(found, len(line.sources) > 1)
    return cells


def cell(found: list[tuple[Any, Any]], summed: bool) -> dict[str, Any]:
    if not found:
        return {"text": "", "value": None, "state": "absent"}
    numbers = [v for v, _ in found if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if numbers:
        total = sum(numbers)
        return {"text": fmt(total), "value": total, "state": "value",
                "title": "合计 sum of " + " + ".join(fmt(n) for n in numbers)
                if summed and len(numbers) > 1 else ""}
    raws = [("" if raw is None else str(raw)).strip() for _, raw in found]
    if all(r == "" for r in raws):
        return {"text": "", "value": None, "state": "blank"}
    shown = next(r for r in raws if r)
    return {"text": shown, "value": None, "state": "na" if shown in NA else "words"}


def total_cells(columns: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    cells = {}
    for group in LINES:
        for line in group.lines:
            numbers = [c[line.key]["value"] for c in columns
                       if c.get(line.key, {}).get("value") is not None]
            cells[line.key] = ({"text": fmt(sum(numbers)), "value": sum(numbers),
                                "state": "value", "title": f"{len(numbers)} 份报告合计"}
                               if numbers else {"text": "", "value": None, "state": "absent"})
    return cells


def fmt(value: Any) -> str:
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:g}"
    return str(value)


def csv_response(choice: Choice, result: dict[str, Any] | None) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    columns = result["columns"] if result else []
    writer.writerow(["项目 item", "key", *(f"{c['town']} {c['year']}" for c in columns)])
    writer.writerow(["县区 county", "county", *(c["county"] for c in columns)])
    writer.writerow(["报告 report", "report_id",
                     *((c["report"] or {}).get("id", "") for c in columns)])
    for group in LINES:
        for line in group.lines:
            writer.writerow([safe_csv(line.label), line.key,
                             *(safe_csv(c["cells"].get(line.key, {}).get("text", ""))
                               for c in columns)])
    name = "nianbao-compare.csv"
    return Response(
        "\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8",
        headers={"content-disposition": f"attachment; filename=\"{name}\""})


def safe_csv(value: str) -> str:
    """A cell a spreadsheet would read as a formula (=, +, -, @ first) is quoted with '."""
    if value and value[0] in "=+@\t\r" or (value.startswith("-") and not is_number(value)):
        return "'" + value
    return value


def is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def chart(result: dict[str, Any]) -> dict[str, Any] | None:
    """Grouped bars: requests received per year, one bar per town (and the county total)."""
    places = list(dict.fromkeys((c["county"], c["town"]) for c in result["columns"]))
    series = [(place, COLOURS[i % len(COLOURS)]) for i, place in enumerate(places)]
    years = result["years"]
    values = {(c["county"], c["town"], c["year"]): c["cells"].get("new_requests", {}).get("value")
              for c in result["columns"]}
    known = [v for v in values.values() if v is not None]
    if not known or not years:
        return None
    top = nice(max(known))
    plot_w, plot_h = CHART_W - LEFT - 8, CHART_H - TOP - BOTTOM
    slot = plot_w / len(years)
    width = max(min(slot * 0.8 / len(series), 24), 1.5)
    bars, labels = [], []
    for i, year in enumerate(years):
        x0 = LEFT + i * slot + (slot - width * len(series)) / 2
        for j, ((county, town), colour) in enumerate(series):
            value = values.get((county, town, year))
            if value is None:
                continue
            height = plot_h * value / top
            bars.append({"x": round(x0 + j * width, 1), "y": round(TOP + plot_h - height, 1),
                         "w": round(width, 1), "h": round(height, 1), "colour": colour,
                         "title": f"{town} {year}年 新收申请 {fmt(value)}"})
        labels.append({"x": round(LEFT + i * slot + slot / 2, 1), "text": str(year)})
    ticks = [{"y": round(TOP + plot_h - plot_h * k / 4, 1), "text": fmt(top * k / 4)}
             for k in range(5)]
    return {"bars": bars, "labels": labels, "ticks": ticks, "width": CHART_W,
            "height": CHART_H, "left": LEFT, "right": CHART_W - 8, "bottom": TOP + plot_h,
            "legend": [{"town": town, "colour": colour} for (_, town), colour in series]}


def nice(value: float) -> float:
    step = 1.0
    while step * 10 <= value:
        step *= 10
    for factor in (1, 2, 4, 5, 8, 10):
        if step * factor >= value:
            return step * factor
    return step * 10
