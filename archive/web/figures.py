"""Datasette plugin: a chart of requests received and their outcomes per year (issue #6).

`/-/requests-chart` (and `.json`) sums, per report year, the 一、本年新收 row of table 2
(and, before 2019, the requests stated in prose) and the outcome rows, for every report or
for one `province`, `county` or `town` (official division names). The chart is an SVG
drawn on the server: no script, nothing fetched, so it works offline and prints. The
numbers are also a table under it, and `/nianbao/requests_per_year.csv` exports them.

Why not a plotting plugin: datasette-plot 0.1.0 needs Datasette 1.0a6+; datasette-dashboards
0.8.0 bundles Vega and would work offline, but brings datasette-leaflet and
datasette-render-markdown and draws in the browser, where the tests cannot look.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import Response
from jinja2 import TemplateNotFound

from archive.derive.views import PLACE_FILTERS, requests_per_year_sql

TEMPLATE = "requests-chart.html"
TEMPLATE_FILE = Path(__file__).resolve().parent / "templates" / TEMPLATE
DATABASE = "nianbao"
SERIES = (  # stacked outcome bars, bottom up: (column, label, colour)
    ("granted", "予以公开 granted", "#2e7d32"),
    ("partially_granted", "部分公开 partly", "#9ccc65"),
    ("refused", "不予公开 refused", "#c62828"),
    ("unable", "无法提供 unable", "#ef6c00"),
    ("not_processed", "不予处理 not processed", "#8e24aa"),
    ("other", "其他处理 other", "#78909c"),
)
RECEIVED = ("received", "新收申请 received", "#1565c0")
WIDTH, HEIGHT = 760, 320
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 16, 28
TICKS = 4


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/requests-chart(?P<format>\.json)?$", requests_chart)]


@hookimpl
def menu_links(datasette: Any) -> list[dict[str, str]]:
    return [{"href": datasette.urls.path("/-/requests-chart"), "label": "逐年申请数量图 Requests per year"}]


async def requests_chart(datasette: Any, request: Any) -> Response:
    filters = {name: request.args.get(name, "").strip() for name in PLACE_FILTERS}
    filters = {name: value for name, value in filters.items() if value}
    rows = await year_rows(datasette, filters)
    if request.url_vars.get("format") == ".json":
        return Response.json({"filters": filters, "rows": rows})
    context = {"rows": rows, "filters": filters, "chart": chart(rows), "width": WIDTH,
               "height": HEIGHT, "series": [RECEIVED, *SERIES]}
    html = await datasette.render_template(await template(datasette), context, request=request)
    return Response.html(html)


async def template(datasette: Any) -> Any:
    try:
        return datasette.jinja_env.get_template(TEMPLATE)
    except TemplateNotFound:  # Datasette started without our template directory
        return datasette.jinja_env.from_string(TEMPLATE_FILE.read_text(encoding="utf-8"))


async def year_rows(datasette: Any, filters: dict[str, str]) -> list[dict[str, Any]]:
    try:
        db = datasette.get_database(DATABASE)
    except KeyError:
        return []
    if not await db.table_exists("figures"):
        return []
    sql = requests_per_year_sql(tuple(filters)) + " ORDER BY year"
    if hasattr(db, "rows_kept"):  # the archive served by `nianbao serve`: sums kept per file state
        return list(await db.rows_kept(sql, filters))
    result = await db.execute(sql, filters)
    return [dict(row) for row in result.rows]


def chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Bars (received beside the stacked outcomes, per year), axis ticks and year labels."""
    top = max([number(r, "received") for r in rows] +
              [sum(number(r, s[0]) for s in SERIES) for r in rows] + [TICKS])
    scale = nice_ceiling(top)
    plot_h, plot_w = HEIGHT - TOP - BOTTOM, WIDTH - LEFT - RIGHT
    slot = plot_w / max(len(rows), 1)
    bar_w = max(min(slot * 0.36, 28), 2)
    bars: list[Bar] = []
    labels = []
    for i, row in enumerate(rows):
        x = LEFT + i * slot + slot / 2 - bar_w
        bars.append(bar(x, 0, number(row, "received"), scale, plot_h, bar_w, RECEIVED, row))
        base = 0.0
        for series in SERIES:
            value = number(row, series[0])
            bars.append(bar(x + bar_w, base, value, scale, plot_h, bar_w, series, row))
            base += value
        labels.append({"x": LEFT + i * slot + slot / 2, "text": str(row["year"])})
    ticks = [{"y": TOP + plot_h - plot_h * k / TICKS, "text": fmt(scale * k / TICKS)}
             for k in range(TICKS + 1)]
    return {"bars": [b for b in bars if b.height > 0], "labels": labels, "ticks": ticks,
            "left": LEFT, "right": WIDTH - RIGHT, "bottom": TOP + plot_h}


def bar(x: float, base: float, value: float, scale: float, plot_h: float, width: float,
        series: tuple[str, str, str], row: dict[str, Any]) -> Bar:
    height = plot_h * value / scale
    y = TOP + plot_h - plot_h * base / scale - height
    return Bar(round(x, 1), round(y, 1), round(width, 1), round(height, 1), series[2],
               f"{row['year']} {series[1]}: {fmt(value)}")


def number(row: dict[str, Any], column: str) -> float:
    value = row.get(column)
    return float(value) if value is not None else 0.0


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 4, 5, 8 × 10^n at least `value`: round axis ticks."""
    step = 1.0
    while step * 10 <= value:
        step *= 10
    for factor in (1, 2, 4, 5, 8, 10):
        if step * factor >= value:
            return step * factor
    return step * 10


def fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"
