"""The figures of a report as data: standard tables, prose figures, checks, places, coverage.

Pure functions; nothing here does I/O beyond reading the bundled division list.

    extract_tables(html) -> Extraction          tables.py (HTML pages)
    extract_rows(tables) -> Extraction          tables.py (PDF/DOCX tables as rows of strings)
    figures_from_html(html), figures_from_grid(rows) -> list[Figure]
    extract_prose(text) -> Extraction           prose.py (pre-2019 narrative figures)
    report_checks(report, extraction, today=) -> list[Check]   checks.py
    coverage_rows(site, reports, today=) -> list[CoverageRow]   coverage.py
    resolve_place(town, county, city, province) -> Division | None   places.py
"""

from archive.figures.checks import Check, report_checks
from archive.figures.coverage import CoverageRow, SeenReport, coverage_rows
from archive.figures.places import Division, resolve_place
from archive.figures.prose import extract_prose, prose_figures
from archive.figures.tables import (
    Extraction,
    Figure,
    extract_rows,
    extract_tables,
    figures_from_grid,
    figures_from_html,
)

__all__ = [
    "Check",
    "CoverageRow",
    "Division",
    "Extraction",
    "Figure",
    "SeenReport",
    "coverage_rows",
    "extract_prose",
    "extract_rows",
    "extract_tables",
    "figures_from_grid",
    "figures_from_html",
    "prose_figures",
    "report_checks",
    "resolve_place",
]
