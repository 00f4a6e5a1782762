"""Datasette plugin: what changed between versions of a report.

* `prepare_connection` registers the SQL function `nianbao_diff(old_text, new_text)`
  (a unified diff, line by line; used by the `report_diff` canned query).
* A diff costs up to the square of the lines (difflib), and a Python function cannot be
  interrupted by the SQL time limit: texts over MAX_DIFF_CHARS characters or
  MAX_DIFF_LINES lines are not compared here (`nianbao diff` compares any two).
* The row page of `report_versions` (`row-nianbao-report_versions.html`) shows the
  version's dates and captures and its diff against the version before it. A version
  holding the report's current text stores none of its own (`text` NULL): its text is
  read from `reports` (`VERSION_TEXT`).
* The report page gets `report_versions` (the list, newest first) and its withdrawal.
"""

from __future__ import annotations

import json
from typing import Any

from datasette import hookimpl

from archive.db.versions import VERSION_TEXT, diff_lines, diff_text

MAX_DIFF_CHARS = 200_000  # per text; a report is typically 5-50 thousand characters
MAX_DIFF_LINES = 2_000  # per text; the worst case of 2,000 lines each takes about 0.3 s
TOO_LONG = ("Too long to compare on the web (over {chars:,} characters or {lines:,} lines): "
            "run `nianbao diff {report}` instead.")


@hookimpl
def prepare_connection(conn: Any) -> None:
    conn.create_function("nianbao_diff", 2, bounded_diff, deterministic=True)


def too_long(*texts: str | None) -> bool:
    """Would diffing these texts take too long for a web request?"""
    return any(len(t) > MAX_DIFF_CHARS or t.count("\n") >= MAX_DIFF_LINES
               for t in texts if t)


def bounded_diff(old: Any, new: Any) -> str:
    """`nianbao_diff`: the unified diff, or a one-line note when the texts are too long."""
    old, new = (None if v is None else str(v) for v in (old, new))
    if too_long(old, new):
        return TOO_LONG.format(chars=MAX_DIFF_CHARS, lines=MAX_DIFF_LINES, report="REPORT V1 V2")
    return diff_text(old, new)


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
        "select v.report_id, v.version, v.text_sha256, v.first_seen, v.last_seen, "
        f"v.capture_ids, v.url, {VERSION_TEXT} as text from report_versions v "
        "left join reports r on r.id = v.report_id where v.report_id = ? "
        "and v.version in (?, ?) order by v.version",
        [pks[0], int(pks[1]) - 1, int(pks[1])])).rows
    versions = [dict(r) for r in rows]
    if not versions or versions[-1]["version"] != int(pks[1]):
        return {}
    current = versions[-1]
    current["capture_ids"] = json.loads(current.get("capture_ids") or "[]")
    previous = versions[0] if len(versions) == 2 else None
    lines = []
    skipped = previous is not None and too_long(previous["text"], current["text"])
    if previous is not None and not skipped:
        lines = [{"text": line, "kind": line_class(line)} for line in diff_lines(
            previous["text"] or "", current["text"] or "", old_label=f"v{previous['version']}",
            new_label=f"v{current['version']}")]
    title = (await db.execute("select title from reports where id = ?", [pks[0]])).rows
    return {"version": current, "previous_version": previous, "version_diff": lines,
            "version_diff_skipped": TOO_LONG.format(
                chars=MAX_DIFF_CHARS, lines=MAX_DIFF_LINES,
                report=f"{pks[0]} {int(pks[1]) - 1} {pks[1]}") if skipped else None,
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
