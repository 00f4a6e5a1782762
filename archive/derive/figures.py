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

import json
import logging
import time
from collections import Counter
from datetime import date
from typing import Any

from archive.clock import now_iso
from archive.db import Archive
from archive.db.reports import (
    drop_rows_of_missing_reports,
    reports_with_site,
    sections_of,
    set_derived_columns,
    withdrawn_ids,
)
from archive.derive.figure_inputs import Inputs, Read, inputs_of, read_figures
from archive.derive.ledger import ledger_rows
from archive.derive.views import ensure_views
from archive.figures.checks import report_checks
from archive.figures.places import Division, resolve_place
from archive.figures.tables import Extraction, Figure
from archive.records import Report

log = logging.getLogger(__name__)

DERIVED_TABLES = ("figures", "checks", "figure_sources")
PLACE_COLUMNS = ("division_code", "division_level", "division_match", "division_province",
                 "division_city", "division_county", "division_township")
LEDGER_FIELDS = ("id", "site_id", "town", "report_year", "published", "province",
                 *PLACE_COLUMNS)


def derive_figures(archive: Archive, today: date) -> dict[str, int]:
    """Rewrite figures, checks, places and coverage for every stored report."""
    began = time.monotonic()
    statuses: Counter[str] = Counter()
    cells = reread = 0
    reports: list[dict[str, Any]] = []
    for report in reports_with_site(archive.db):
        place = place_of(report)
        report.update(place_columns(place))
        inputs = inputs_of(archive, report)
        read, fresh = figures_for(archive, report["id"], inputs)
        reread += fresh
        cells += len(read.extraction.figures) if read.extraction else 0
        checks = report_checks(report_record(archive, report), read.extraction,
                               today=today, province=report_province(report, place))
        write_checks(archive, report["id"], checks)
        statuses.update(check.status for check in checks)
        update_report(archive, report["id"], read.extraction, place)
        reports.append({name: report.get(name) for name in LEDGER_FIELDS})
    drop_orphans(archive)
    coverage = ledger_rows(reports, withdrawn_ids(archive.db), today=today)
    write_coverage(archive, coverage)
    ensure_views(archive.db)
    log.info("figures: %d reports (%d read again), %d cells, checks %s, %.1f s", len(reports),
             reread, cells, dict(statuses), time.monotonic() - began)
    return {"figures": cells, "checks failed": statuses["fail"], "coverage rows": len(coverage)}


# -- places ------------------------------------------------------------------------------------


def place_of(report: dict[str, Any]) -> Division | None:
    """The body's division from the page's town and county and the site's province (and
    city, only when the site's county is the report's county). Never the host name."""
    county = report.get("county")
    city = report.get("site_city") if county and county == report.get("site_county") else None
    return resolve_place(report.get("town"), county, city, report.get("province"))


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


def figures_for(archive: Archive, rid: str, inputs: Inputs) -> tuple[Read, int]:
    """(the report's figures, 1 if they were read again or 0 if the stored ones still hold)."""
    key = inputs.key
    stored = archive.db.execute(
        "SELECT input_key, source, input, template, table_images, notes "
        "FROM figure_sources WHERE report_id = ?", [rid]).fetchone()
    if stored is not None and stored[0] == key:
        return Read(stored_extraction(archive, rid, stored), stored[1], stored[2]), 0
    read = read_figures(archive, inputs)
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
    if rows:
        db.table("figures").insert_all(rows)
    db.table("figure_sources").upsert({
        "report_id": rid, "source": read.source, "input": read.input, "input_key": key,
        "template": extraction.version if extraction else None,
        "table_images": extraction.images if extraction else None,
        "figures": len(rows),
        "notes": json.dumps(extraction.notes if extraction else [], ensure_ascii=False),
        "derived_at": now_iso(),
    }, pk="report_id")


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
    archive.db.table("checks").insert_all(
        {"report_id": rid, "check": c.check, "status": c.status, "detail": c.detail}
        for c in checks
    )


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


def write_coverage(archive: Archive, rows: list[dict[str, Any]]) -> None:
    archive.db.execute("DELETE FROM coverage")
    if rows:
        archive.db.table("coverage").insert_all(rows)
