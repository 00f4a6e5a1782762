"""Datasette plugin: Atom feeds — new reports, changed reports, a saved search (issue #14).

The Datasette way, after `datasette-atom`: a canned query whose columns include `atom_id`,
`atom_title` and `atom_updated` (optionally `atom_content`, `atom_link`) is also served as
an Atom feed at `<query>.atom`. `metadata.yml` defines two: `new_reports` (the reports
the archive found, newest first; `county` and `town` narrow it) and `new_versions`
(reports whose text changed after they were first archived). The renderer is our own
rather than the plugin: datasette-atom needs feedgen and bleach (and its HTML content goes
through bleach), where ours writes plain-text entries with ElementTree, which escapes, and
drops the characters XML cannot carry (a hijacked page's `\\x01` would make the whole feed
unreadable). Links must be http(s) or paths on this site (`safe_href`), made absolute.

A saved search is not SQL: `/-/search.atom?q=…&county=…` (the same parameters as
`/-/search`) gives its 20 newest matches, each with its passage. The search page, the home
page and the reports table announce their feeds with `<link rel="alternate">`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.utils.asgi import Response

from archive.search.query import SearchQueryError
from archive.web.links import safe_href
from archive.web.search_page import read_params, run_search

ATOM = "http://www.w3.org/2005/Atom"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"
REQUIRED = ("atom_id", "atom_title", "atom_updated")
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
TIMESTAMP = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$")
EPOCH = "1970-01-01T00:00:00Z"
SEARCH_FEED_SIZE = 20  # as one page of /-/search: the same cost
FEED_TITLES = {"new_reports": "年报存档：新收录的报告 New reports",
               "new_versions": "年报存档：公开后被修改的报告 Reports changed after publication"}


@hookimpl
def register_output_renderer(datasette: Any) -> dict[str, Any]:
    return {"extension": "atom", "render": render_atom, "can_render": can_render_atom}


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/search\.atom$", search_feed)]


def can_render_atom(columns: list[str]) -> bool:
    return all(c in columns for c in REQUIRED)


def xml_text(value: Any) -> str:
    """A value as text XML 1.0 can carry: characters it forbids are dropped."""
    return NOT_XML.sub("", "" if value is None else str(value))


def rfc3339(value: Any) -> str:
    """An ISO date or timestamp as RFC 3339 (UTC when no zone); anything else the epoch."""
    found = TIMESTAMP.match(str(value or "").strip())
    if not found:
        return EPOCH
    day, clock, zone = found.groups()
    clock = clock or "00:00:00"
    if len(clock) == 5:
        clock += ":00"
    if zone is None or zone == "Z":
        zone = "Z"
    elif ":" not in zone:
        zone = zone[:3] + ":" + zone[3:]
    return f"{day}T{clock}{zone}"


def absolute(datasette: Any, request: Any, href: Any) -> str | None:
    """An http(s) URL, or a path of this site made absolute; None for anything else."""
    url = safe_href(href)
    if url == "#":
        return None
    if url.startswith(("http://", "https://", "HTTP://", "HTTPS://")):
        return url
    if not url.startswith("/"):
        return None
    return datasette.absolute_url(request, url)


def feed_xml(*, title: str, feed_id: str, self_url: str, html_url: str | None,
             entries: list[dict[str, Any]]) -> bytes:
    """An Atom 1.0 document. Entries: id, title, updated, link?, content?, via?."""
    ET.register_namespace("", ATOM)

    def sub(parent: ET.Element, tag: str, text: Any = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: xml_text(v) for k, v in
                                                             attrs.items()})
        if text is not None:
            element.text = xml_text(text)
        return element

    feed = ET.Element(f"{{{ATOM}}}feed")
    sub(feed, "title", title)
    sub(feed, "id", feed_id)
    updated = max((e["updated"] for e in entries), default=None) or \
        datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    sub(feed, "updated", updated)
    sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    if html_url:
        sub(feed, "link", rel="alternate", type="text/html", href=html_url)
    author = sub(feed, "author")
    sub(author, "name", "年报 nianbao")
    sub(feed, "generator", "nianbao")
    for entry in entries:
        item = sub(feed, "entry")
        sub(item, "id", entry["id"])
        sub(item, "title", entry["title"] or "（无标题 untitled）", type="text")
        sub(item, "updated", entry["updated"])
        if entry.get("link"):
            sub(item, "link", rel="alternate", type="text/html", href=entry["link"])
        if entry.get("via"):
            sub(item, "link", rel="via", href=entry["via"])
        if entry.get("content"):
            sub(item, "content", entry["content"], type="text")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8",
                                                                   xml_declaration=False)


def feed_response(body: bytes) -> Response:
    return Response(body, content_type=CONTENT_TYPE,
                    headers={"cache-control": "max-age=300"})


def render_atom(datasette: Any, request: Any, rows: list[Any], columns: list[str],
                query_name: str | None, database: str, data: dict[str, Any]) -> Response:
    if not can_render_atom(columns):
        return Response.text("这个查询没有 atom_id、atom_title、atom_updated 列，不能生成 Atom 订阅。"
                             " This query has no atom_id, atom_title and atom_updated columns.",
                             status=400)
    self_url = datasette.absolute_url(request, request.full_path)
    html_path = request.path.rsplit(".atom", 1)[0]
    if request.query_string:
        html_path += "?" + request.query_string
    entries = []
    for row in rows:
        values = dict(zip(columns, row, strict=False))
        atom_id = xml_text(values.get("atom_id"))
        link = absolute(datasette, request, values.get("atom_link"))
        entries.append({
            "id": atom_id if re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", atom_id) else
            f"urn:nianbao:{database}:{query_name or 'query'}:{atom_id}",
            "title": values.get("atom_title"), "updated": rfc3339(values.get("atom_updated")),
            "link": link, "content": values.get("atom_content"),
        })
    title = FEED_TITLES.get(query_name or "") or (data.get("metadata") or {}).get("title") \
        or f"{database} {query_name or ''}".strip()
    return feed_response(feed_xml(title=title, feed_id=self_url, self_url=self_url,
                                  html_url=datasette.absolute_url(request, html_path),
                                  entries=entries))


def search_feed_query(params: dict[str, Any]) -> str:
    pairs = [("q", params["q"]), *sorted(params["filters"].items())]
    return urlencode(pairs)


async def search_feed(datasette: Any, request: Any) -> Response:
    params = read_params(request)
    params.update(sort="newest", page=1)
    if not params["q"]:
        return Response.text("请给出检索词：/-/search.atom?q=扶贫 — Give a query: ?q=…",
                             status=400)
    try:
        db, results = await run_search(datasette, params, limit=SEARCH_FEED_SIZE)
    except SearchQueryError as error:
        return Response.text(f"检索式有误 Bad query: {error.reason}", status=400)
    query = search_feed_query(params)
    ids = [hit.id for hit in results.hits]
    marks = ", ".join("?" for _ in ids)
    first_seen = {r["id"]: r["first_seen"] for r in (await db.execute(
        f"select id, first_seen from reports where id in ({marks})", ids)).rows} if ids else {}
    self_url = datasette.absolute_url(request, "/-/search.atom?" + query)
    entries = []
    for hit in results.hits:
        fields = hit.fields
        place = " ".join(str(fields.get(k)) for k in ("county", "town") if fields.get(k))
        year = f"{fields['report_year']}年度" if fields.get("report_year") else ""
        content = " · ".join(p for p in (place, year,
                                         f"发布于 {fields['published']}" if fields.get("published")
                                         else "", hit.section or "") if p)
        entries.append({
            "id": f"urn:nianbao:report:{hit.id}",
            "title": fields.get("title"),
            "updated": rfc3339(first_seen.get(hit.id) or fields.get("published")),
            "link": datasette.absolute_url(
                request, datasette.urls.row(db.name, "reports", hit.id)),
            "via": absolute(datasette, request, fields.get("url")),
            "content": f"{content}\n{hit.snippet_text}".strip(),
        })
    title = f"年报检索“{params['q']}”" + "".join(f" {v}" for v in params["filters"].values())
    return feed_response(feed_xml(title=title + " — nianbao search", feed_id=self_url,
                                  self_url=self_url,
                                  html_url=datasette.absolute_url(request, "/-/search?" + query),
                                  entries=entries))
