"""Datasette plugin: exact Chinese table search on every connection, and a page at /-/search.

* `prepare_connection` replaces Datasette's `escape_fts` SQL function on each connection,
  so the table search box and `?_search=` on `reports` (which Datasette wires to
  `reports_fts` by itself) are exact for every length: Datasette's phrases become phrases
  of the index's tokens (`archive.search.tokenizer.match_phrase`). A query of nothing but
  quotes finds nothing instead of failing with an FTS5 syntax error. Without this plugin
  the file still answers two-character words (the index uses a built-in tokenizer).
* `/-/search?q=...` (and `/-/search.json`) serves `archive.search.search_reports`: one
  page of results newest first (or by relevance), a highlighted passage and the section it
  is in, facets, and links to the report, the original page and the stored capture. Bad
  input gets a message, never a server error.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.utils import escape_fts
from datasette.utils.asgi import Response
from jinja2 import TemplateNotFound

from archive.search.engine import FACETS, MAX_OFFSET, SORTS, SearchResults, search_reports
from archive.search.query import SearchQueryError
from archive.search.tokenizer import match_phrase
from archive.web.bounds import unbounded

PAGE_SIZE = 20
PHRASE_RE = re.compile(r'"((?:[^"]|"")*)"')
TEMPLATE = "search.html"
TEMPLATE_FILE = Path(__file__).resolve().parent / "templates" / TEMPLATE
FACET_LABELS = {"province": "省份 Province", "county": "县区 County", "town": "单位 Town",
                "report_year": "年度 Year", "format": "格式 Format"}
SORT_LABELS = {"newest": "最新 newest", "relevance": "相关度 relevance", "oldest": "最早 oldest"}


@hookimpl
def prepare_connection(conn: Any) -> None:
    conn.create_function("escape_fts", 1, escape_fts_segmented)


def escape_fts_segmented(query: str) -> str:
    """Datasette's escaping (its split into phrases), each phrase in index tokens.

    A query of only quotes, or of nothing searchable, is the empty phrase, which matches
    nothing (Datasette's own function returns an empty MATCH, a syntax error)."""
    phrases = [p.replace('""', '"') for p in PHRASE_RE.findall(escape_fts(query or ""))]
    return " ".join(match_phrase(p) for p in phrases) or '""'


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/search(?P<format>\.json)?$", search_page)]


async def search_database(datasette: Any) -> Any | None:
    """The database to search: plugin setting `database`, else the first with reports_fts."""
    config = datasette.plugin_config("nianbao") or {}
    if config.get("database"):
        return datasette.get_database(config["database"])
    for db in datasette.databases.values():
        if await db.table_exists("reports_fts"):
            return db
    return None


def read_params(request: Any) -> dict[str, Any]:
    try:
        page = max(1, int(request.args.get("page") or 1))
    except ValueError:
        page = 1
    sort = request.args.get("sort") or "newest"
    return {
        "q": (request.args.get("q") or "").strip(),
        "sort": sort if sort in SORTS else "newest",
        "page": min(page, MAX_OFFSET // PAGE_SIZE + 1),
        "filters": {f: request.args.get(f) for f in FACETS if request.args.get(f)},
    }


def link(params: dict[str, Any], **changes: Any) -> str:
    """/-/search URL for the current parameters with some changed (None removes one)."""
    values = {"q": params["q"], "sort": params["sort"], "page": params["page"],
              **params["filters"]}
    values.update(changes)
    if "page" not in changes:
        values["page"] = None
    pairs = [(k, v) for k, v in values.items() if v not in (None, "", 1) or k == "q"]
    pairs = [(k, v) for k, v in pairs if not (k == "sort" and v == "newest")]
    return "/-/search?" + urlencode(pairs)


def hit_rows(datasette: Any, database: str, results: SearchResults) -> list[dict[str, Any]]:
    rows = []
    for hit in results.hits:
        row = dict(hit.fields)
        row.update(
            title_html=hit.title_html, snippet_html=hit.snippet_html, section=hit.section,
            where=hit.where,
            report_url=datasette.urls.row(database, "reports", hit.id),
            capture_url=(datasette.urls.row(database, "captures", str(row["capture_id"]))
                         if row.get("capture_id") is not None else None),
        )
        rows.append(row)
    return rows


def facet_blocks(params: dict[str, Any], results: SearchResults) -> list[dict[str, Any]]:
    blocks = []
    for column in FACETS:
        chosen = params["filters"].get(column)
        items = [{"value": value, "count": count, "selected": str(value) == chosen,
                  "href": link(params, **{column: None if str(value) == chosen else value})}
                 for value, count in results.facets.get(column, [])]
        if items or chosen:
            blocks.append({"column": column, "label": FACET_LABELS[column], "entries": items,
                           "chosen": chosen, "clear_url": link(params, **{column: None})})
    return blocks


def json_body(datasette: Any, database: str, params: dict[str, Any],
              results: SearchResults) -> dict[str, Any]:
    return {
        "ok": True, "query": results.query.text, "terms": list(results.query.terms),
        "sort": results.sort, "offset": results.offset, "total": results.total,
        "total_exact": results.total_exact, "estimate": results.estimate,
        "facets": {c: [{"value": v, "count": n} for v, n in items]
                   for c, items in results.facets.items()},
        "facets_exact": results.facets_exact, "notes": results.notes,
        "elapsed_ms": round(results.elapsed_ms, 1),
        "rows": hit_rows(datasette, database, results),
        "next": link(params, page=params["page"] + 1) if results.has_next else None,
    }


async def run_search(datasette: Any, params: dict[str, Any],
                     limit: int = PAGE_SIZE) -> tuple[Any, SearchResults]:
    db = await search_database(datasette)
    if db is None:
        raise SearchQueryError(params["q"], "This Datasette has no archive with a search "
                               "index (reports_fts). Build one with `nianbao build`.")
    offset = (params["page"] - 1) * limit

    def work(conn: Any) -> SearchResults:
        with unbounded(conn):  # our own queries: a long report's text is read for its passage
            return search_reports(conn, params["q"], limit=limit, offset=offset,
                                  filters=params["filters"], sort=params["sort"])

    return db, await db.execute_fn(work)


async def search_page(datasette: Any, request: Any) -> Response:
    as_json = request.url_vars.get("format") == ".json"
    params = read_params(request)
    context: dict[str, Any] = {"params": params, "q": params["q"], "error": None,
                               "results": None, "sorts": SORTS, "sort_labels": SORT_LABELS,
                               "sort_links": {s: link(params, sort=s) for s in SORTS},
                               "feed_url": feed_link(params)}
    status = 200
    try:
        db, results = await run_search(datasette, params)
    except SearchQueryError as error:
        status = 400 if params["q"] else 200
        if as_json:
            return Response.json({"ok": False, "error": error.reason}, status=max(status, 400))
        context["error"] = error.reason if params["q"] else None
    else:
        if as_json:
            return Response.json(json_body(datasette, db.name, params, results))
        context.update(
            results=results, rows=hit_rows(datasette, db.name, results),
            facets=facet_blocks(params, results), database=db.name,
            next_url=link(params, page=params["page"] + 1) if results.has_next else None,
            prev_url=link(params, page=params["page"] - 1) if params["page"] > 1 else None,
        )
    html = await datasette.render_template(await search_template(datasette), context,
                                           request=request)
    return Response.html(html, status=status)


def feed_link(params: dict[str, Any]) -> str | None:
    """The Atom feed of this search and its filters (archive/web/feeds.py)."""
    if not params["q"]:
        return None
    return "/-/search.atom?" + urlencode([("q", params["q"]), *sorted(params["filters"].items())])


async def search_template(datasette: Any) -> Any:
    """search.html from the template directories, else the copy shipped beside this file."""
    try:
        return datasette.jinja_env.select_template([TEMPLATE])
    except TemplateNotFound:
        return datasette.jinja_env.from_string(TEMPLATE_FILE.read_text(encoding="utf-8"))
