"""Wide views over `figures`, one per standard table, and requests per year.

`figures` is long (one row per cell); these views put one table row per line with the
table's columns side by side, and the report's town and year beside them, for faceting
and CSV export. They are (re)created by the figures step (archive/derive/figures.py).
"""

from __future__ import annotations

import sqlite_utils

from archive.figures import vocab

ACTIVE_ROW_ORDER = ("regulations", "normative_docs", "licensing", "other_services", "penalties",
                    "enforcement", "admin_fees", "procurement")
ACTIVE_COLUMN_ORDER = ("made", "published", "published_total", "issued", "repealed", "in_force",
                       "items_last_year", "items_change", "decisions", "procurement_items",
                       "procurement_amount", "fees_amount")
APPLICATION_ROW_ORDER = (
    "new_requests", "carried_over", "granted", "partially_granted",
    "refused_state_secret", "refused_prohibited_by_law", "refused_three_safeties",
    "refused_third_party", "refused_internal_affairs", "refused_process_info",
    "refused_law_enforcement_files", "refused_query_matters",
    "unable_not_held", "unable_needs_creation", "unable_unclear",
    "not_processed_petition", "not_processed_repeated", "not_processed_publication",
    "not_processed_excessive", "not_processed_confirmation",
    "other", "other_no_correction", "other_unpaid_fee", "other_other",
    "total", "carried_forward",
)
REVIEW_ROW_ORDER = ("administrative_review", "lawsuit_direct", "lawsuit_after_review")
REVIEW_COLUMN_ORDER = ("upheld", "corrected", "other", "pending", "total")

REQUESTS_PER_YEAR_SQL = """
SELECT r.report_year AS year,
  count(DISTINCT f.report_id) AS reports,
  sum(CASE WHEN f.row_key IN ('new_requests', 'requests_received') THEN f.value END) AS received,
  sum(CASE WHEN f.row_key IN ('granted', 'requests_granted') THEN f.value END) AS granted,
  sum(CASE WHEN f.row_key IN ('partially_granted', 'requests_partially_granted')
      THEN f.value END) AS partially_granted,
  sum(CASE WHEN f.row_key LIKE 'refused%' OR f.row_key = 'requests_refused'
      THEN f.value END) AS refused,
  sum(CASE WHEN f.row_key LIKE 'unable%' THEN f.value END) AS unable,
  sum(CASE WHEN f.row_key LIKE 'not_processed%' THEN f.value END) AS not_processed,
  sum(CASE WHEN f.row_key LIKE 'other%' THEN f.value END) AS other,
  sum(CASE WHEN f.row_key = 'carried_forward' THEN f.value END) AS carried_forward
FROM figures f JOIN reports r ON r.id = f.report_id
WHERE f.column_key = 'total' AND r.report_year IS NOT NULL
  AND (f."table" = 'applications'
       OR (f."table" = 'narrative' AND f.row_key LIKE 'requests%'))
  {where}
GROUP BY r.report_year
"""
# Filters of the chart (archive/web/figures.py): request parameter -> condition.
PLACE_FILTERS = {
    "province": "r.division_province = :province",
    "county": "r.division_county = :county",
    "town": "coalesce(r.division_township, r.town) = :town",
}


def requests_per_year_sql(filters: tuple[str, ...] = ()) -> str:
    """Requests received and their outcomes per report year, for some places or all."""
    where = "".join(f" AND {PLACE_FILTERS[name]}" for name in filters)
    return REQUESTS_PER_YEAR_SQL.format(where=where).replace("\n  \n", "\n")


def ordinal_case(keys: tuple[str, ...]) -> str:
    whens = " ".join(f"WHEN '{key}' THEN {n}" for n, key in enumerate(keys, 1))
    return f"CASE f.row_key {whens} END"


def wide_sql(table: str, rows: tuple[str, ...], columns: tuple[str, ...]) -> str:
    pivots = ",\n  ".join(
        f"max(CASE f.column_key WHEN '{c}' THEN f.value END) AS [{c}]" for c in columns
    )
    return f"""
SELECT f.report_id, r.town, r.county, r.report_year, r.template,
  {ordinal_case(rows)} AS ordinal, f.row_key,
  {pivots}
FROM figures f JOIN reports r ON r.id = f.report_id
WHERE f."table" = '{table}'
GROUP BY f.report_id, f.row_key
"""


VIEWS = {
    "active_wide": wide_sql(vocab.ACTIVE, ACTIVE_ROW_ORDER, ACTIVE_COLUMN_ORDER),
    "applications_wide": wide_sql(
        vocab.APPLICATIONS, APPLICATION_ROW_ORDER, vocab.APPLICATION_STANDARD
    ),
    "reviews_wide": wide_sql(vocab.REVIEWS, REVIEW_ROW_ORDER, REVIEW_COLUMN_ORDER),
    "requests_per_year": requests_per_year_sql(),
}


def ensure_views(db: sqlite_utils.Database) -> None:
    """Create or replace every view (definitions may change between versions)."""
    for name, sql in VIEWS.items():
        db.create_view(name, sql.strip(), replace=True)
