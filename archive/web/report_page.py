"""Datasette plugin: a report's row page reads like the report.

Loads, for `row-nianbao-reports.html`, in a fixed number of queries whatever the report:
the report, its sections, its URLs (each copy's own title checked for spam, so the page can
name the genuine copy beside a tampered one), its attachments, the captures it was read
from (with a citation each), its figures drawn as the three standard tables with the
failing checks on the cells they concern (`standard_tables.py`), its prose figures with
their sentences, its checks, the same body's other years from `coverage`, and its hijack
evidence, inferred substitutions and copy neighbours (`report_evidence.py`).
Everything it shows is escaped by Jinja (archived text is untrusted).
"""

from __future__ import annotations

import json
from typing import Any

from datasette import hookimpl

from archive.parse.spam import has_glosses, spam_terms_in
from archive.web.capture_page import body_head, citation, title_of_body
from archive.web.report_evidence import load_evidence
from archive.web.standard_tables import narrative_rows, report_tables

MAX_COPIES = 20  # URLs of one report whose stored title is read for spam


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
    urls = [dict(r) for r in (await db.execute(
        "select u.url, u.capture_id, u.first_seen, u.last_seen, c.sha256, c.headers "
        "from report_urls u left join captures c on c.id = u.capture_id "
        "where u.report_id = ? order by u.first_seen", [report_id])).rows]
    await mark_tampered_copies(db, urls)
    tables = await table_names(db)
    figures = await rows_of(db, tables, "figures",
                            'select "table", row_key, column_key, value, unit, raw, source, '
                            "sentence from figures where report_id = ?", report_id)
    checks = await rows_of(db, tables, "checks",
                           'select "check", status, detail from checks where report_id = ? '
                           "order by rowid", report_id)
    source = await rows_of(db, tables, "figure_sources",
                           "select source, input, template, table_images, figures, notes "
                           "from figure_sources where report_id = ?", report_id)
    return {
        "report": report,
        "report_sections": [dict(r) for r in sections.rows],
        "report_urls": urls,
        "genuine_copies": [u for u in urls if not u["tampered_copy"]] if report["tampered"]
        else [],
        "report_attachments": await load_attachments(db, report_id),
        "report_captures": await load_captures(db, report, urls),
        "standard_tables": report_tables(figures, checks, report.get("template")),
        "narrative_figures": narrative_rows(figures),
        "report_checks": checks,
        "figure_source": source[0] if source else None,
        "report_years": await load_years(db, tables, report),
        **await load_evidence(db, tables, report),
    }


async def table_names(db: Any) -> set[str]:
    return set(await db.table_names()) | set(await db.view_names())


async def rows_of(db: Any, tables: set[str], table: str, sql: str,
                  report_id: str) -> list[dict[str, Any]]:
    if table not in tables:  # an archive from before the figures step
        return []
    return [dict(r) for r in (await db.execute(sql, [report_id])).rows]


async def mark_tampered_copies(db: Any, urls: list[dict[str, Any]]) -> None:
    """`tampered_copy` on each URL whose stored page title carries spam or pinyin glosses."""
    for n, url in enumerate(urls):
        url["tampered_copy"] = False
        if n >= MAX_COPIES or not url.get("sha256"):
            continue
        title = title_of_body(await body_head(db, url["sha256"]), url.get("headers")) or ""
        url["tampered_copy"] = bool(spam_terms_in(title) or has_glosses(title))
        url["copy_title"] = title


async def load_attachments(db: Any, report_id: str) -> list[dict[str, Any]]:
    """The report's files (archive.derive.attachments), the one its text came from first."""
    if "attachments" not in await db.table_names():
        return []
    files = await db.execute(
        "select a.url, a.filename, a.kind, a.pages, a.bytes, a.status, a.error, a.capture_id, "
        "a.main, c.sha256 as stored_sha256 from attachments a "
        "left join captures c on c.id = a.capture_id "
        "where a.report_id = ? order by a.main desc, a.url", [report_id],
    )
    return [dict(r) for r in files.rows]


async def load_captures(db: Any, report: dict[str, Any],
                        urls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The captures the report was read from (its own and its URLs' latest), with citations."""
    ids = sorted({i for i in [report.get("capture_id"), *(u["capture_id"] for u in urls)]
                  if i is not None})
    if not ids:
        return []
    marks = ", ".join("?" for _ in ids)
    rows = [dict(r) for r in (await db.execute(
        "select id, url, fetched_at, status, content_type, size, sha256, raw_sha256 "
        f"from captures where id in ({marks}) order by fetched_at desc, id desc", ids)).rows]
    for row in rows:
        row["citation"] = citation(report.get("title"), row["url"], row["fetched_at"] or "",
                                   row.get("raw_sha256") or row.get("sha256"))
        row["is_html"] = "html" in (row.get("content_type") or "html").lower()
    return rows


async def load_years(db: Any, tables: set[str], report: dict[str, Any]) -> list[dict[str, Any]]:
    """The same body's years on the same site from the ledger (missing ones included)."""
    if "coverage" not in tables or not report.get("site_id"):
        return []
    rows = await db.execute(
        "select c.year, c.status, c.report_id, c.detail, r.tampered from coverage c "
        "left join reports r on r.id = c.report_id "
        "where c.site_id = ? and c.town = coalesce("
        "  (select town from coverage where report_id = ? and site_id = ? limit 1), ?, ?) "
        "order by c.year", [report["site_id"], report["id"], report["site_id"],
                            report.get("division_township") or report.get("town"),
                            report.get("town")])
    return [dict(r) for r in rows.rows]


@hookimpl
def extra_template_vars(view_name: str, table: str | None, database: str | None,
                        request: Any, datasette: Any) -> Any:
    if view_name != "row" or table != "reports" or request is None:
        return None

    async def inner() -> dict[str, Any]:
        return await load_report(datasette, database or "", request)

    return inner
