"""Datasette plugin: coverage at a glance, `/-/coverage?county=…` (issue #14).

The ledger (`coverage`: one row per site, reporting body and year) drawn as a grid of
towns × years on the server: plain HTML and CSS, no script, nothing fetched. Each cell is
coloured by its status — published, late, missing, withdrawn, or tampered when the year's
report was read from a page carrying injected spam — and links to the report, or, for a
year with no report, to its row of the ledger. Without `county` the page lists the
counties with their counts. One query per page, whatever the number of towns.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from datasette import hookimpl
from datasette.utils import tilde_encode
from datasette.utils.asgi import Response

DATABASE = "nianbao"
STATES = ("published", "late", "missing", "withdrawn", "tampered")
COUNTY = "coalesce(s.county, r.division_county)"


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/coverage$", coverage_page)]


async def coverage_page(datasette: Any, request: Any) -> Response:
    county = (request.args.get("county") or "").strip()
    try:
        db = datasette.get_database(DATABASE)
    except KeyError:
        db = None
    context: dict[str, Any] = {"county": county, "counties": [], "grid": None,
                               "states": STATES, "database": DATABASE}
    if db is not None and await db.table_exists("coverage"):
        if county:
            context["grid"] = await county_grid(datasette, db, county)
        context["counties"] = await county_list(db)
    html = await datasette.render_template("coverage.html", context, request=request)
    return Response.html(html, status=200 if context["grid"] is None or context["grid"]["rows"]
                         else 404)


async def county_list(db: Any) -> list[dict[str, Any]]:
    # the report's county is read only for a site without one (a subquery, not a join: a
    # join would read every report's row, whose text makes it long, on each visit)
    rows = await db.execute(
        "select coalesce(s.county, (select r.division_county from reports r "
        "where r.id = c.report_id)) as county, s.province, "
        "count(distinct c.site_id || '|' || c.town) "
        "as towns, min(c.year) as first, max(c.year) as last, "
        "sum(c.status = 'missing') as missing, sum(c.status = 'late') as late "
        "from coverage c left join sites s on s.id = c.site_id "
        "group by 1, 2 order by 2, 1")
    return [dict(r) for r in rows.rows if r["county"]]


async def county_grid(datasette: Any, db: Any, county: str) -> dict[str, Any]:
    rows = [dict(r) for r in (await db.execute(
        "select c.site_id, c.town, c.year, c.status, c.detail, c.report_id, r.tampered, "
        "r.title, s.name as site_name "
        "from coverage c left join sites s on s.id = c.site_id "
        "left join reports r on r.id = c.report_id "
        f"where {COUNTY} = :county order by c.site_id, c.town, c.year",
        {"county": county})).rows]
    years = list(range(min(r["year"] for r in rows), max(r["year"] for r in rows) + 1)) \
        if rows else []
    towns: dict[tuple[str, str], dict[str, Any]] = {}
    counts: Counter[str] = Counter()
    for row in rows:
        key = (row["site_id"], row["town"])
        town = towns.setdefault(key, {"site_id": row["site_id"], "town": row["town"],
                                      "site_name": row["site_name"], "cells": {}})
        state = "tampered" if row["tampered"] else row["status"]
        counts[state] += 1
        if row["report_id"]:
            href = datasette.urls.row(DATABASE, "reports", tilde_encode(row["report_id"]))
        else:
            pk = ",".join(tilde_encode(str(v)) for v in (row["site_id"], row["town"],
                                                         row["year"]))
            href = datasette.urls.row(DATABASE, "coverage", pk)
        town["cells"][row["year"]] = {"state": state, "status": row["status"],
                                      "detail": row["detail"], "href": href,
                                      "title": row["title"]}
    return {"years": years, "rows": list(towns.values()), "counts": counts}
