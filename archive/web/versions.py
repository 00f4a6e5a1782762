"""Datasette plugin: what changed between versions of a report.

* `prepare_connection` registers the SQL function `nianbao_diff(old_text, new_text)`
  (a unified diff, line by line; used by the `report_diff` canned query).
* The row page of `report_versions` (`row-nianbao-report_versions.html`) shows the
  version's dates and captures and its diff against the version before it.
* The report page gets `report_versions` (the list, newest first) and its withdrawal.
"""

from __future__ import annotations

import json
from typing import Any

from datasette import hookimpl

from archive.db.versions import diff_lines, diff_text


@hookimpl
def prepare_connection(conn: Any) -> None:
    conn.create_function("nianbao_diff", 2, diff_text, deterministic=True)


def line_class(line: str) -> str:
    if line.startswith(("+++", "---")):
        return "file"
    if line.startswith("@@"):
        return "hunk"
    return {"+": "add", "-": "del"}.get(line[:1], "same")


async def load_version(datasette: Any, database: str, request: Any) -> dict[str, Any]:
    pks = request.url_vars.get("pks", "").split(",")
    if len(pks) != 2 or not pks[1].isdigit():
        return {}
    db = datasette.get_database(database)
    rows = (await db.execute(
        "select * from report_versions where report_id = ? and version in (?, ?) "
        "order by version", [pks[0], int(pks[1]) - 1, int(pks[1])])).rows
    versions = [dict(r) for r in rows]
    if not versions or versions[-1]["version"] != int(pks[1]):
        return {}
    current = versions[-1]
    current["capture_ids"] = json.loads(current.get("capture_ids") or "[]")
    previous = versions[0] if len(versions) == 2 else None
    lines = []
    if previous is not None:
        lines = [{"text": line, "kind": line_class(line)} for line in diff_lines(
            previous["text"] or "", current["text"] or "", old_label=f"v{previous['version']}",
            new_label=f"v{current['version']}")]
    title = (await db.execute("select title from reports where id = ?", [pks[0]])).rows
    return {"version": current, "previous_version": previous, "version_diff": lines,
            "version_title": title[0][0] if title else pks[0]}


async def load_report_versions(datasette: Any, database: str, request: Any) -> dict[str, Any]:
    report_id = request.url_vars.get("pks", "").split(",")[0]
    db = datasette.get_database(database)
    if not await db.table_exists("report_versions"):
        return {}
    rows = await db.execute(
        "select version, first_seen, last_seen, text_sha256 from report_versions "
        "where report_id = ? order by version desc", [report_id])
    return {"report_versions": [dict(r) for r in rows.rows]}


@hookimpl
def extra_template_vars(view_name: str, table: str | None, database: str | None,
                        request: Any, datasette: Any) -> Any:
    if view_name != "row" or request is None or table not in ("report_versions", "reports"):
        return None
    loader = load_version if table == "report_versions" else load_report_versions

    async def inner() -> dict[str, Any]:
        return await loader(datasette, database or "", request)

    return inner
