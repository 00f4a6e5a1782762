"""What changed since the last derive: marks written by triggers, in the writes' transaction.

Derive (archive/derive/) works only on what a crawl or an ingest touched. SQLite triggers
on the tables the crawler and ingest write record each change in `derive_dirty` as part of
the same statement, so a mark is committed exactly when its data is: a SIGKILL can lose a
group of writes, never the mark of a write that was kept. Derive reads the marks, and
clears them at the end of its own transaction.

Kinds of mark (`derive_dirty.kind`, `key`):

- `url` (a `url_key`): a capture of the URL was stored, its `url_state` went gone or came
  back or got (or lost) a list, or a report gained or lost it (`report_urls`). The
  withdrawal rule and the attachment files are judged again for these URLs.
- `report` (a report id): a report was added or deleted, or a field derive reads changed
  (the parser's fields, its site, its preferred capture, `withdrawn_at`). Figures, checks,
  coverage, personal data and copy detection are redone for these. `last_seen` and the
  columns derive itself writes (place, template) do not mark.
- `site` (a site id): the site's province, city, county or town changed: its reports'
  places are resolved again.

`derive_state` keeps what the last derive ran with (its `today`, the code's fingerprint),
so a new day or a new version of the derive code can widen the work.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlite_utils

# Fields of `reports` derive reads; a change in any of them marks the report.
REPORT_FIELDS = (
    "url", "title", "title_raw", "town", "county", "province", "report_year", "published",
    "signed", "source", "format", "tampered", "spam_terms", "text", "platform", "index_no",
    "site_id", "capture_id", "withdrawn_at", "withdrawn_reason",
)
SITE_FIELDS = ("province", "city", "county", "town")

SCHEMA = """
CREATE TABLE IF NOT EXISTS derive_dirty (
  kind TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (kind, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS derive_state (key TEXT PRIMARY KEY, value TEXT);
"""


def changed(fields: Iterable[str]) -> str:
    return " OR ".join(f"OLD.[{f}] IS NOT NEW.[{f}]" for f in fields)


def mark(kind: str, key: str) -> str:
    # No conflict clause: inside a trigger, the outer statement's (an upsert's, an
    # INSERT OR REPLACE's) would override it. A mark already there is simply not added.
    return (f"INSERT INTO derive_dirty (kind, key) SELECT '{kind}', {key} WHERE {key} IS NOT NULL "
            f"AND NOT EXISTS (SELECT 1 FROM derive_dirty WHERE kind = '{kind}' AND key = {key});")


TRIGGERS = {
    "dirty_captures_insert": f"AFTER INSERT ON captures BEGIN {mark('url', 'NEW.url_key')} END",
    "dirty_url_state_insert": f"AFTER INSERT ON url_state BEGIN {mark('url', 'NEW.url_key')} END",
    "dirty_url_state_update": (
        "AFTER UPDATE ON url_state WHEN OLD.gone_at IS NOT NEW.gone_at "
        "OR (OLD.listed_at IS NULL) <> (NEW.listed_at IS NULL) "
        f"BEGIN {mark('url', 'NEW.url_key')} END"),
    "dirty_report_urls_insert": (
        f"AFTER INSERT ON report_urls BEGIN {mark('url', 'NEW.url_key')} "
        f"{mark('report', 'NEW.report_id')} END"),
    "dirty_report_urls_delete": (
        f"AFTER DELETE ON report_urls BEGIN {mark('url', 'OLD.url_key')} "
        f"{mark('report', 'OLD.report_id')} END"),
    "dirty_reports_insert": f"AFTER INSERT ON reports BEGIN {mark('report', 'NEW.id')} END",
    "dirty_reports_delete": f"AFTER DELETE ON reports BEGIN {mark('report', 'OLD.id')} END",
    "dirty_reports_update": (
        f"AFTER UPDATE ON reports WHEN {changed(REPORT_FIELDS)} "
        f"BEGIN {mark('report', 'NEW.id')} {mark('report', 'OLD.id')} END"),
    "dirty_sites_insert": f"AFTER INSERT ON sites BEGIN {mark('site', 'NEW.id')} END",
    "dirty_sites_update": (
        f"AFTER UPDATE ON sites WHEN {changed(SITE_FIELDS)} "
        f"BEGIN {mark('site', 'NEW.id')} END"),
}


def ensure_dirty_tracking(db: sqlite_utils.Database) -> None:
    """The marks table, the state table and the triggers (safe on every open)."""
    for statement in SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)
    present = dict(db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'dirty_%'"))
    for name, body in TRIGGERS.items():
        sql = f"CREATE TRIGGER {name} {body}"
        if present.get(name) != sql:  # missing, or made by an older version
            db.execute(f"DROP TRIGGER IF EXISTS {name}")
            db.execute(sql)


def dirty_keys(db: sqlite_utils.Database, kind: str) -> set[str]:
    return {key for (key,) in db.execute("SELECT key FROM derive_dirty WHERE kind = ?", [kind])}


def count_dirty(db: sqlite_utils.Database) -> dict[str, int]:
    return dict(db.execute("SELECT kind, count(*) FROM derive_dirty GROUP BY kind").fetchall())


def mark_reports(db: sqlite_utils.Database, ids: Iterable[str]) -> None:
    db.conn.executemany("INSERT OR IGNORE INTO derive_dirty (kind, key) VALUES ('report', ?)",
                        [(rid,) for rid in ids])


def clear_dirty(db: sqlite_utils.Database) -> None:
    db.execute("DELETE FROM derive_dirty")


def get_state(db: sqlite_utils.Database, key: str) -> str | None:
    row = db.execute("SELECT value FROM derive_state WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_state(db: sqlite_utils.Database, key: str, value: str) -> None:
    db.execute("INSERT INTO derive_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO "
               "UPDATE SET value = excluded.value", [key, value])
