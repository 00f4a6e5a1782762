"""The figures step of `derive_all` (issue #6): figures, checks, places and the ledger.

`derive_figures(archive, today)` runs after every crawl and at the end of
`nianbao build`, after the attachments step (which may create reports from files), in
the derive transaction, with `today` as today's date. For every report:

1. its place: `resolve_place(town, county, city, province)` from what the page and the
   site list say (never the host name) -> `reports.division_*`;
2. its figures (archive/derive/figure_inputs.py: page tables, else attachment tables, else
   prose) -> `figures` rows replaced, `figure_sources` says where they came from and
   why rows were not read; unchanged inputs are not read again;
3. its checks (`report_checks`, today injected) -> `checks` rows replaced;
   `reports.template` and `reports.table_images` updated.

Then the rows of reports that no longer exist are dropped, `coverage` is rewritten
(archive/derive/ledger.py) and the wide views are (re)created. Running it twice gives
the same rows.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import date
from typing import Any

from archive.clock import now_iso
from archive.db import Archive
from archive.db.reports import (
    drop_rows_of_missing_reports,
    reports_of_sites,
    reports_published_after,
    reports_with_site,
    sections_of,
    set_derived_columns,
    withdrawn_ids,
)
from archive.derive.ahead import Ahead
from archive.derive.figure_inputs import Inputs, Read, inputs_of, page_tables, read_figures
from archive.derive.ledger import body_name, ledger_rows
from archive.derive.scope import Scope, everything
from archive.derive.views import ensure_views
from archive.figures.checks import report_checks
from archive.figures.deadlines import DEADLINES, PROVINCE_DEADLINES
from archive.figures.places import Division, resolve_place
from archive.figures.tables import Extraction, Figure
from archive.pool import worker_pool
from archive.records import Report

log = logging.getLogger(__name__)

DERIVED_TABLES = ("figures", "checks", "figure_sources")
READ_AHEAD = 32  # reports per batch of page tables read in worker processes
POOL_MIN_REPORTS = 1000  # a full derive of fewer reports reads tables in this process
PLACE_COLUMNS = ("division_code", "division_level", "division_match", "division_province",
                 "division_city", "division_county", "division_township")
LEDGER_FIELDS = ("id", "site_id", "town", "report_year", "published", "province",
                 *PLACE_COLUMNS)


def derive_figures(archive: Archive, today: date, scope: Scope | None = None) -> dict[str, int]:
    """Rewrite figures, checks, places and coverage for every stored report (full scope),
    or for the reports the run touched and the ledger of their bodies."""
    began = time.monotonic()
    scope = scope or everything(archive.db)
    only = None if scope.full else touched_reports(archive, scope, today)
    statuses: Counter[str] = Counter()
    cells = reread = 0
    reports: list[dict[str, Any]] = []
    pool = only is None and archive.db["reports"].count >= POOL_MIN_REPORTS
    for report, inputs, pages in read_ahead(archive, reports_with_site(archive.db, only),
                                            pool=pool, ahead=scope.ahead):
        place = place_of(report)
        report.update(place_columns(place))
        read, fresh = figures_for(archive, report["id"], inputs, pages)
        reread += fresh
        cells += len(read.extraction.figures) if read.extraction else 0
        checks = report_checks(report_record(archive, report), read.extraction,
                               today=today, province=report_province(report, place))
        write_checks(archive, report["id"], checks)
        statuses.update(check.status for check in checks)
        update_report(archive, report["id"], read.extraction, place)
        reports.append({name: report.get(name) for name in LEDGER_FIELDS})
    if only is None:
        drop_orphans(archive)
        coverage = write_full_ledger(archive, reports, today)
    else:
        drop_rows_of_missing_reports(archive.db, DERIVED_TABLES, only)  # the ledger's own
        # rows of deleted reports go in write_ledger, which reads their old body first
        coverage = write_ledger(archive, reports, only, today,
                                whole=ledger_shifted(scope.last_today, today))
    ensure_views(archive.db)
    log.info("figures: %d reports (%d read again), %d cells, checks %s, %.1f s", len(reports),
             reread, cells, dict(statuses), time.monotonic() - began)
    return {"figures": cells, "checks failed": statuses["fail"], "coverage rows": coverage}


def touched_reports(archive: Archive, scope: Scope, today: date) -> set[str]:
    """Reports marked, reports of sites whose place changed, and reports whose
    `published_on_time` check can read differently on this `today` than on the last."""
    ids = scope.reports() | reports_of_sites(archive.db, scope.sites())
    last = scope.last_today
    if last is not None and last != today:
        ids |= reports_published_after(archive.db, min(last, today).isoformat())
    return ids


# -- the ledger ----------------------------------------------------------------------------


def write_full_ledger(archive: Archive, reports: list[dict[str, Any]], today: date) -> int:
    rows = ledger_rows(reports, withdrawn_ids(archive.db), today=today)
    archive.db.execute("DELETE FROM coverage")
    archive.db.execute("DELETE FROM coverage_bodies")
    insert(archive, "coverage", rows)
    insert(archive, "coverage_bodies", [
        {"report_id": r["id"], "site_id": r["site_id"], "town": body}
        for r in reports if (body := ledger_body(r))])
    return len(rows)


def write_ledger(archive: Archive, reports: list[dict[str, Any]], touched: set[str],
                 today: date, *, whole: bool) -> int:
    """Move the touched reports to their bodies and rewrite the ledger of every body they
    left or joined (of every body when `whole`: a deadline passed since the last derive)."""
    db = archive.db
    ids = json.dumps(sorted(touched))
    bodies = set(db.execute("SELECT site_id, town FROM coverage_bodies WHERE report_id IN "
                            "(SELECT value FROM json_each(?))", [ids]).fetchall())
    db.execute("DELETE FROM coverage_bodies WHERE report_id IN (SELECT value FROM json_each(?))",
               [ids])
    members = [{"report_id": r["id"], "site_id": r["site_id"], "town": body}
               for r in reports if (body := ledger_body(r))]
    insert(archive, "coverage_bodies", members)
    bodies |= {(m["site_id"], m["town"]) for m in members}
    if whole:
        bodies = set(db.execute("SELECT DISTINCT site_id, town FROM coverage_bodies").fetchall())
        db.execute("DELETE FROM coverage")
    rows: list[dict[str, Any]] = []
    for site_id, town in sorted(bodies):
        seen = body_reports(archive, site_id, town)
        withdrawn = {r["id"] for r in seen if r["withdrawn_at"]}
        rows += ledger_rows(seen, withdrawn, today=today)
        if not whole:
            db.execute("DELETE FROM coverage WHERE site_id = ? AND town = ?", [site_id, town])
    insert(archive, "coverage", rows)
    return db.execute("SELECT count(*) FROM coverage").fetchone()[0]


BODY_REPORTS_SQL = f"""
SELECT {", ".join(f"r.[{name}]" for name in LEDGER_FIELDS)}, r.withdrawn_at
FROM coverage_bodies b JOIN reports r ON r.id = b.report_id
WHERE b.site_id = ? AND b.town = ? ORDER BY r.id
"""


def body_reports(archive: Archive, site_id: str, town: str) -> list[dict[str, Any]]:
    names = (*LEDGER_FIELDS, "withdrawn_at")
    return [dict(zip(names, row, strict=True))
            for row in archive.db.execute(BODY_REPORTS_SQL, [site_id, town])]


def ledger_body(report: dict[str, Any]) -> str | None:
    """The body a report counts for in the ledger (None: it counts for none)."""
    town = body_name(report)
    if not report.get("site_id") or not town or report.get("report_year") is None:
        return None
    return town


def ledger_shifted(last: date | None, today: date) -> bool:
    """Can the ledger read differently today than on `last` for a body nothing touched?
    Its years run to today's year, and a year is `missing` once its deadline passed."""
    if last is None or last.year != today.year:
        return True
    low, high = min(last, today), max(last, today)
    rules = set(DEADLINES.values()) | {
        rule for kinds in PROVINCE_DEADLINES.values() for rule in kinds.values()}
    return any(low <= rule.for_year(year) <= high
               for rule in rules for year in range(low.year - 2, high.year + 1))


def insert(archive: Archive, table: str, rows: list[dict[str, Any]]) -> None:
    if rows:
        archive.db.table(table).insert_all(rows)


# -- places ------------------------------------------------------------------------------------


def place_of(report: dict[str, Any]) -> Division | None:
    """The body's division from the page's town and county and the site's province (and
    city, only when the site's county is the report's county). Never the host name."""
    county = report.get("county")
    city = report.get("site_city") if county and county == report.get("site_county") else None
    return cached_place(report.get("town"), county, city, report.get("province"))


@functools.lru_cache(maxsize=1 << 14)
def cached_place(town: str | None, county: str | None, city: str | None,
                 province: str | None) -> Division | None:
    """`resolve_place` (pure) once per place: a town has a report a year."""
    return resolve_place(town, county, city, province)


def place_columns(place: Division | None) -> dict[str, Any]:
    if place is None:
        return dict.fromkeys(PLACE_COLUMNS)
    return {
        "division_code": place.code, "division_level": place.level,
        "division_match": place.match, "division_province": place.province,
        "division_city": place.city, "division_county": place.county,
        "division_township": place.township,
    }


def report_province(report: dict[str, Any], place: Division | None) -> str | None:
    return report.get("province") or (place.province if place else None)


# -- figures -----------------------------------------------------------------------------------


def read_ahead(archive: Archive, reports: Iterator[dict[str, Any]], *, pool: bool,
               ahead: Ahead | None = None
               ) -> Iterator[tuple[dict[str, Any], Inputs, dict[int, Extraction | None]]]:
    """Each report with its inputs and, when its figures must be read again, its page's
    tables read in worker processes ahead of the loop (a full derive of many reports:
    the main process meanwhile writes rows and runs checks), or already read by the
    build's parser workers (`ahead`)."""
    workers: ProcessPoolExecutor | None = None
    pending: deque[list[tuple[dict[str, Any], Inputs, Future[Extraction | None] | None]]] = (
        deque())
    chunk: list[tuple[dict[str, Any], Inputs, Future[Extraction | None] | None]] = []
    try:
        for report in reports:
            inputs = inputs_of(archive, report)
            future: Future[Extraction | None] | None = None
            if ahead is not None and inputs.capture_sha and ahead.has_tables(
                    inputs.capture_id) and stored_key(archive, report["id"]) != inputs.key:
                future = Future()
                future.set_result(ahead.take_tables(inputs.capture_id or 0))
            elif pool and inputs.capture_sha and stored_key(archive, report["id"]) != inputs.key:
                if workers is None:
                    workers = worker_pool()
                if workers is not None:
                    future = workers.submit(page_tables, archive.capture_body(
                        inputs.capture_id or 0), inputs.headers)
            chunk.append((report, inputs, future))
            if len(chunk) >= READ_AHEAD:
                pending.append(chunk)
                chunk = []
            if len(pending) >= 2:
                yield from settled(pending.popleft())
        pending.append(chunk)
        while pending:
            yield from settled(pending.popleft())
    finally:
        if workers is not None:
            workers.shutdown(cancel_futures=True)


def settled(chunk: list[tuple[dict[str, Any], Inputs, Future[Extraction | None] | None]]
            ) -> Iterator[tuple[dict[str, Any], Inputs, dict[int, Extraction | None]]]:
    for report, inputs, future in chunk:
        pages = {} if future is None else {inputs.capture_id or 0: future.result()}
        yield report, inputs, pages


def stored_key(archive: Archive, rid: str) -> str | None:
    row = archive.db.execute("SELECT input_key FROM figure_sources WHERE report_id = ?",
                             [rid]).fetchone()
    return row[0] if row else None


def figures_for(archive: Archive, rid: str, inputs: Inputs,
                pages: dict[int, Extraction | None] | None = None) -> tuple[Read, int]:
    """(the report's figures, 1 if they were read again or 0 if the stored ones still hold)."""
    key = inputs.key
    stored = archive.db.execute(
        "SELECT input_key, source, input, template, table_images, notes "
        "FROM figure_sources WHERE report_id = ?", [rid]).fetchone()
    if stored is not None and stored[0] == key:
        return Read(stored_extraction(archive, rid, stored), stored[1], stored[2]), 0
    read = read_figures(archive, inputs, pages)
    write_figures(archive, rid, read, key)
    return read, 1


def stored_extraction(archive: Archive, rid: str, stored: tuple[Any, ...]) -> Extraction | None:
    """The Extraction the stored rows came from (for the checks), or None if none was."""
    _, source, _, template, images, notes = stored
    if source is None:
        return None
    rows = archive.db.execute(
        'SELECT "table", row_key, column_key, value, unit, raw, sentence FROM figures '
        "WHERE report_id = ? ORDER BY rowid", [rid])
    figures = [Figure(*row) for row in rows]
    return Extraction(figures, template, json.loads(notes or "[]"), images or 0)


def write_figures(archive: Archive, rid: str, read: Read, key: str) -> None:
    db = archive.db
    db.execute("DELETE FROM figures WHERE report_id = ?", [rid])
    extraction = read.extraction
    rows = [figure_row(rid, figure, read.source) for figure in extraction.figures] \
        if extraction else []
    if rows:  # plain statements: sqlite-utils reads the schema on every insert
        db.conn.executemany(
            'INSERT INTO figures (report_id, "table", row_key, column_key, value, '
            "unit, raw, source, sentence) VALUES (:report_id, :table, :row_key, :column_key, "
            ":value, :unit, :raw, :source, :sentence)", rows)
    db.execute(
        "INSERT OR REPLACE INTO figure_sources (report_id, source, input, input_key, template, "
        "table_images, figures, notes, derived_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [rid, read.source, read.input, key, extraction.version if extraction else None,
         extraction.images if extraction else None, len(rows),
         json.dumps(extraction.notes if extraction else [], ensure_ascii=False), now_iso()])


def figure_row(rid: str, figure: Figure, source: str | None) -> dict[str, Any]:
    return {
        "report_id": rid, "table": figure.table, "row_key": figure.row_key,
        "column_key": figure.column_key, "value": figure.value, "unit": figure.unit,
        "raw": figure.raw, "source": source, "sentence": figure.sentence,
    }


# -- checks and report columns -----------------------------------------------------------------


def report_record(archive: Archive, row: dict[str, Any]) -> Report:
    """The stored report as the parser's record (sections included), for the checks."""
    sections = sections_of(archive.db, row["id"])
    return Report(
        url=row["url"] or "", title=row["title"] or "", title_raw=row["title_raw"] or "",
        text=row["text"] or "", town=row["town"], county=row["county"],
        report_year=row["report_year"], published=row["published"], signed=row["signed"],
        source=row["source"], format=row["format"] or "", tampered=bool(row["tampered"]),
        spam_terms=json.loads(row["spam_terms"] or "[]"), sections=sections,
        platform=row["platform"] or "generic", index_no=row["index_no"],
    )


def write_checks(archive: Archive, rid: str, checks: list[Any]) -> None:
    archive.db.execute("DELETE FROM checks WHERE report_id = ?", [rid])
    # A plain statement: sqlite-utils' insert_all reads the table's schema on every call.
    archive.db.conn.executemany(
        'INSERT INTO checks (report_id, "check", status, detail) VALUES (?, ?, ?, ?)',
        [(rid, c.check, c.status, c.detail) for c in checks])


def update_report(archive: Archive, rid: str, extraction: Extraction | None,
                  place: Division | None) -> None:
    values = {
        "template": extraction.version if extraction else None,
        "table_images": extraction.images if extraction else None,
        **place_columns(place),
    }
    set_derived_columns(archive.db, rid, values)


def drop_orphans(archive: Archive) -> None:
    """Rows of reports that are gone (a rebuild that no longer finds them)."""
    drop_rows_of_missing_reports(archive.db, DERIVED_TABLES)


