"""Datasette plugin: hijacked portals, `/-/hijacked` (issue #15).

One row per site with hijack evidence (`hijacked_portals`, archive/derive/hijack.py):
first and last seen tampered, the kinds of evidence in Chinese, what was injected, how
many reports are affected and the genuine copies known; below, each page with its kinds
and snippets (`hijacked_pages`), and the substitutions inferred (`report_substitutions`).
`?site=ID` keeps one site (the report page links there).
Every stored string is escaped by the template (autoescape); links are built here.
"""

from __future__ import annotations

from typing import Any

from datasette import hookimpl
from datasette.utils import tilde_encode
from datasette.utils.asgi import Response

from archive.parse.hijack import LABELS

DATABASE = "nianbao"
MAX_PAGES = 500


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/hijacked$", hijacked_page)]


async def hijacked_page(datasette: Any, request: Any) -> Response:
    try:
        db = datasette.get_database(DATABASE)
    except KeyError:
        db = None
    portals: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []
    substitutions: list[dict[str, Any]] = []
    site = request.args.get("site") or None
    where = "where site_id = :site" if site else ""
    if db is not None and "hijacked_portals" in await db.view_names():
        portals = [dict(r) for r in (await db.execute(
            f"select * from hijacked_portals {where} order by last_seen_tampered desc",
            {"site": site})).rows]
        pages = [dict(r) for r in (await db.execute(
            "select url, site_id, group_concat(kind, ' ') as kinds, min(first_seen) as first_seen, "
            "max(last_seen) as last_seen, report_id, group_concat(kind || ': ' || snippet, '\n') "
            f"as snippets from hijacked_pages {where} group by url, site_id "
            f"order by site_id, url limit {MAX_PAGES}", {"site": site})).rows]
        substitutions = [dict(r) for r in (await db.execute(
            "select s.report_id, s.token, s.phrase, s.confidence, s.occurrences, r.title, r.url "
            "from report_substitutions s join reports r on r.id = s.report_id "
            + ("where r.site_id = :site " if site else "") +
            "order by s.confidence desc", {"site": site})).rows]
    for portal in portals:
        portal["kind_labels"] = [LABELS.get(k, k) for k in (portal["kinds"] or "").split()]
    for page in pages:
        page["kind_labels"] = [LABELS.get(k, k) for k in sorted(set((page["kinds"] or "").split()))]
        page["href"] = (datasette.urls.row(DATABASE, "reports", tilde_encode(page["report_id"]))
                        if page["report_id"] else None)
    for sub in substitutions:
        sub["href"] = datasette.urls.row(DATABASE, "reports", tilde_encode(sub["report_id"]))
    html = await datasette.render_template(
        "hijacked.html", {"portals": portals, "pages": pages, "substitutions": substitutions,
                          "database": DATABASE, "site": site}, request=request)
    return Response.html(html)
