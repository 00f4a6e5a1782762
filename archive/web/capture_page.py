"""Datasette plugin: a capture's row page is its permalink, with a citation to copy.

`/nianbao/captures/<id>` (template `row-nianbao-captures.html`) shows when and what was
fetched, the SHA-256 of the bytes as received and of the stored body, where the WARC
record is, the reports read from the capture, and a one-line citation:
`<title>. <url>. Captured <date time> UTC by nianbao, sha256:<hash>.`
"""

from __future__ import annotations

import re
import zlib
from html import unescape
from typing import Any

from datasette import hookimpl

from archive.web.bounds import read_blob_prefix

TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
TITLE_BYTES = 65536  # the <title> is near the top of a page


def title_of_body(body: bytes | None, headers: str | None) -> str | None:
    """The page's <title>, decoded the way the parser decodes pages; None when absent."""
    if not body:
        return None
    from archive.errors import NianbaoError
    from archive.parse import decode_html

    try:
        html, _ = decode_html(body[:TITLE_BYTES])
    except (NianbaoError, LookupError, ValueError):  # an undecodable body has no title to cite
        return None
    found = TITLE.search(html)
    text = " ".join(unescape(found.group(1)).split()) if found else ""
    return text or None


def citation(title: str | None, url: str, fetched_at: str, sha256: str | None) -> str:
    """`<title>. <url>. Captured 2026-01-31 02:00:13 UTC by nianbao, sha256:<hash>.`"""
    when = fetched_at.replace("T", " ").rstrip("Z")
    digest = f", sha256:{sha256}" if sha256 else ""
    return f"{title or 'Untitled page'}. {url}. Captured {when} UTC by nianbao{digest}."


async def body_head(db: Any, sha256: str) -> bytes | None:
    """The first TITLE_BYTES of a stored body. Only a piece of the compressed value is read:
    a body may be a 60 MB PDF, over the length limit of Datasette's connections."""

    def read(conn: Any) -> bytes | None:
        row = conn.execute("select rowid from blobs where sha256 = ? and body is not null",
                           [sha256]).fetchone()
        if row is None:
            return None
        return read_blob_prefix(conn, "blobs", "body", row[0], TITLE_BYTES)

    compressed = await db.execute_fn(read)
    if not compressed:
        return None
    try:
        return zlib.decompressobj().decompress(compressed, TITLE_BYTES)
    except zlib.error:
        return None


async def load_capture(datasette: Any, database: str, request: Any) -> dict[str, Any]:
    capture_id = request.url_vars.get("pks", "").split(",")[0]
    db = datasette.get_database(database)
    rows = (await db.execute("select * from captures where id = ?", [capture_id])).rows
    if not rows:
        return {}
    capture = dict(rows[0])
    reports = [dict(r) for r in (await db.execute(
        "select distinct r.id, r.title, r.report_year, r.town from reports r "
        "left join report_urls u on u.report_id = r.id "
        "where r.capture_id = ? or u.capture_id = ? order by r.report_year", [capture_id,
                                                                            capture_id])).rows]
    body = await body_head(db, capture["sha256"]) if capture.get("sha256") else None
    title = reports[0]["title"] if reports else title_of_body(body, capture.get("headers"))
    cited = capture.get("raw_sha256") or capture.get("sha256")
    return {"capture": capture, "capture_title": title, "capture_reports": reports,
            "capture_citation": citation(title, capture["url"], capture["fetched_at"], cited)}


@hookimpl
def extra_template_vars(view_name: str, table: str | None, database: str | None,
                        request: Any, datasette: Any) -> Any:
    if view_name != "row" or table != "captures" or request is None:
        return None

    async def inner() -> dict[str, Any]:
        return await load_capture(datasette, database or "", request)

    return inner
