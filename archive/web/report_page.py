"""Datasette plugin: a report's row page reads like the report.

Loads the report, its sections and its attachments for `row-nianbao-reports.html`; everything it shows
is escaped by Jinja (archived text is untrusted).
"""

from __future__ import annotations

import json
from typing import Any

from datasette import hookimpl


async def load_report(datasette: Any, database: str, request: Any) -> dict[str, Any]:
    pks = request.url_vars.get("pks", "")
    report_id = pks.split(",")[0]
    db = datasette.get_database(database)
    rows = (await db.execute("select * from reports where id = ?", [report_id])).rows
    if not rows:
        return {}
    report = dict(rows[0])
    report["spam_terms"] = json.loads(report.get("spam_terms") or "[]")
    sections = await db.execute(
        "select ordinal, level, heading, text from sections where report_id = ? order by ordinal",
        [report_id],
    )
    urls = await db.execute(
        "select url, capture_id, first_seen, last_seen from report_urls where report_id = ? "
        "order by first_seen", [report_id],
    )
    return {
        "report": report,
        "report_sections": [dict(r) for r in sections.rows],
        "report_urls": [dict(r) for r in urls.rows],
        "report_attachments": await load_attachments(db, report_id),
    }


async def load_attachments(db: Any, report_id: str) -> list[dict[str, Any]]:
    """The report's files (archive.derive.attachments), the one its text came from first."""
    if "attachments" not in await db.table_names():
        return []
    files = await db.execute(
        "select url, filename, kind, pages, status, error, capture_id, main from attachments "
        "where report_id = ? order by main desc, url", [report_id],
    )
    return [dict(r) for r in files.rows]


@hookimpl
def extra_template_vars(view_name: str, table: str | None, database: str | None,
                        request: Any, datasette: Any) -> Any:
    if view_name != "row" or table != "reports" or request is None:
        return None

    async def inner() -> dict[str, Any]:
        return await load_report(datasette, database or "", request)

    return inner
