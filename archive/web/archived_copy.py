"""Datasette plugin: a stored capture as it was captured, and its raw bytes (issue #14).

* `/-/capture/<id>/view`: a page of this site framing the archived copy — "存档副本,
  archived copy of URL, captured at T, SHA-256 …" — around an `<iframe sandbox>` (no
  `allow-scripts`, no `allow-same-origin`) whose `src` is the next route.
* `/-/capture/<id>/page`: the stored HTML, decoded the way the parser decodes pages and
  served as UTF-8 under its own strict policy (`headers.ARCHIVED_PAGE_HEADERS`:
  `default-src 'none'`, images only as `data:`, inline styles, `sandbox` so scripts never
  run even when the URL is opened directly; framable by this site only). Nothing the
  archived page names is fetched: no script runs and no request leaves the archive.
* `/-/capture/<id>/raw`: the raw stored bytes of any capture (PDF, DOC, XLS, HTML …) as a
  download: its type as the portal sent it, its original file name (Content-Disposition,
  else the URL's last segment, sanitised), `Content-Disposition: attachment`.

Personal data (issue #15): the archived copy shows the page with ID numbers, mobiles and
applicants' names masked in its text (`archive.parse.personal.mask_markup`), as every other
page of the archive does. `/raw` is the evidence and keeps the bytes; under
`nianbao serve --public` it answers 403 for a capture whose report printed personal data.

`blobs` stays hidden from table URLs (permissions.py); these routes read a body through
`archive.db.captures.capture_body` on a Datasette connection, in its thread
(`db.execute_fn`), with the 10 MB value limit lifted for that one read (a file may be
64 MiB).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import sqlite_utils
from datasette import hookimpl
from datasette.utils.asgi import Response

from archive.db.captures import capture_body
from archive.errors import NianbaoError
from archive.extract.filenames import filename_from_headers, filename_from_url
from archive.parse import decode_html
from archive.parse.personal import mask_markup
from archive.web.bounds import unbounded

DATABASE = "nianbao"
UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]+')
SAFE_TYPE = re.compile(r"^[\w.+-]+/[\w.+-]+$")
MAX_NAME = 150
HTML_TYPES = ("text/html", "application/xhtml+xml")


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [
        (r"^/-/capture/(?P<capture_id>\d+)/view$", view_page),
        (r"^/-/capture/(?P<capture_id>\d+)/page$", archived_page),
        (r"^/-/capture/(?P<capture_id>\d+)/raw$", raw_download),
    ]


async def capture_row(datasette: Any, request: Any) -> tuple[Any, dict[str, Any] | None]:
    try:
        db = datasette.get_database(DATABASE)
    except KeyError:
        return None, None
    rows = (await db.execute(
        "select id, url, fetched_at, status, content_type, headers, size, sha256, raw_sha256, "
        "link_text from captures where id = ?",
        [int(request.url_vars["capture_id"])])).rows
    return db, (dict(rows[0]) if rows else None)


async def read_body(db: Any, capture_id: int) -> bytes | None:
    def read(conn: Any) -> bytes | None:
        with unbounded(conn):
            return capture_body(sqlite_utils.Database(conn), capture_id)

    body: bytes | None = await db.execute_fn(read)
    return body


def not_found(what: str) -> Response:
    return Response.text(f"没有这个存档 Not found: {what}", status=404)


def is_html(capture: dict[str, Any]) -> bool:
    kind = (capture.get("content_type") or "").split(";")[0].strip().lower()
    return kind in HTML_TYPES or (not kind and (capture.get("url") or "").lower().endswith(
        (".html", ".htm", ".shtml", ".jsp", ".asp", ".aspx", ".php", "/")))


async def view_page(datasette: Any, request: Any) -> Response:
    db, capture = await capture_row(datasette, request)
    if capture is None:
        return not_found(f"capture {request.url_vars['capture_id']}")
    reports = [dict(r) for r in (await db.execute(
        "select distinct r.id, r.title, r.tampered from reports r "
        "left join report_urls u on u.report_id = r.id "
        "where r.capture_id = :c or u.capture_id = :c order by r.report_year",
        {"c": capture["id"]})).rows]
    context = {"capture": capture, "capture_reports": reports, "database": DATABASE,
               "framed": bool(capture.get("sha256")) and is_html(capture)}
    html = await datasette.render_template("capture-view.html", context, request=request)
    return Response.html(html)


async def archived_page(datasette: Any, request: Any) -> Response:
    db, capture = await capture_row(datasette, request)
    if capture is None or not capture.get("sha256") or not is_html(capture):
        return not_found(f"HTML capture {request.url_vars['capture_id']}")
    body = await read_body(db, capture["id"])
    if body is None:
        return not_found(f"body of capture {capture['id']}")
    try:
        text, _ = decode_html(body, json.loads(capture.get("headers") or "{}"), capture["url"])
    except (NianbaoError, LookupError, ValueError):
        return Response.text("无法解码此页面 This page cannot be decoded; download the raw bytes.",
                             status=415)
    # headers.py gives this route its own policy (sandbox, no scripts, framable by us only)
    return Response(mask_markup(text), status=200, content_type="text/html; charset=utf-8")


async def raw_download(datasette: Any, request: Any) -> Response:
    db, capture = await capture_row(datasette, request)
    if capture is None or not capture.get("sha256"):
        return not_found(f"body of capture {request.url_vars['capture_id']}")
    if not datasette.setting("default_allow_sql") and await holds_personal_data(db, capture["id"]):
        return Response.text("此存档含个人信息，公开服务不提供原始字节 This capture printed personal "
                             "data; its raw bytes are not served to the public.", status=403)
    body = await read_body(db, capture["id"])
    if body is None:
        return not_found(f"body of capture {capture['id']}")
    name = download_name(capture)
    return Response(body, status=200, content_type=download_type(capture), headers={
        "content-disposition": content_disposition(name),
        "x-content-type-options": "nosniff",
    })


async def holds_personal_data(db: Any, capture_id: int) -> bool:
    """Was a report with an ID number, a mobile or a name read from this capture?"""
    rows = (await db.execute(
        "select 1 from reports r left join report_urls u on u.report_id = r.id "
        "where (r.capture_id = :c or u.capture_id = :c) and r.personal_findings is not null "
        "and (r.personal_findings like '%\"id_number\"%' or r.personal_findings like "
        "'%\"mobile\"%' or r.personal_findings like '%\"name\"%') limit 1",
        {"c": capture_id})).rows
    return bool(rows)


def download_type(capture: dict[str, Any]) -> str:
    """The Content-Type the portal sent, when it is a plain `type/subtype[; charset=…]`."""
    value = (capture.get("content_type") or "").strip()
    kind, _, params = value.partition(";")
    kind = kind.strip().lower()
    if not SAFE_TYPE.match(kind):
        return "application/octet-stream"
    charset = re.search(r"charset=\"?([\w.:-]+)", params, re.IGNORECASE)
    return f"{kind}; charset={charset.group(1)}" if charset else kind


def download_name(capture: dict[str, Any]) -> str:
    """Content-Disposition's name, else the URL's last segment, else capture-<id>; sanitised."""
    headers = json.loads(capture.get("headers") or "{}")
    name = filename_from_headers(headers) or filename_from_url(capture.get("url") or "")
    return sanitise_name(name, capture["id"])


def sanitise_name(name: str | None, capture_id: int) -> str:
    cleaned = UNSAFE_NAME.sub("_", name or "").strip(" ._")
    if len(cleaned) > MAX_NAME:
        stem, dot, ext = cleaned.rpartition(".")
        cleaned = (stem[:MAX_NAME - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 \
            else cleaned[:MAX_NAME]
    return cleaned or f"capture-{capture_id}"


def content_disposition(name: str) -> str:
    """`attachment` with an ASCII fallback name and the real one in RFC 5987 form."""
    fallback = "".join(c if c.isascii() and c.isprintable() else "_" for c in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
