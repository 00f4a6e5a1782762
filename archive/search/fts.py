"""The archive's full-text indexes: external-content FTS5 tables kept in sync by triggers.

`reports_fts` (title, text) indexes `reports`, `sections_fts` (heading, text) indexes
`sections`; both point at their content table's implicit rowid and use the `nianbao_zh`
tokenizer, so every connection that writes `reports`/`sections` or searches needs it:
open the archive with `connect(path)`, or call `register_tokenizer(db.conn)`.

Datasette finds `reports_fts` for the reports table by itself (it looks for a virtual
table declared with `content="reports"`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import sqlite_utils

from archive.search.sqlite_fts5 import TOKENIZER_NAME, has_tokenizer, register_tokenizer

log = logging.getLogger(__name__)

# fts table -> (content table, indexed columns, tokenizer)
# sections_fts is only asked "which of this report's sections holds the hit": the unigram
# stream alone answers that exactly at half the size.
FTS_TABLES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "reports_fts": ("reports", ("title", "text"), TOKENIZER_NAME),
    "sections_fts": ("sections", ("heading", "text"), f"{TOKENIZER_NAME} unigram"),
}
RANK = "bm25(10.0, 1.0)"
# Lets the search page walk reports newest first without sorting every match.
ORDER_INDEX = ("idx_reports_search_order", "reports", ("report_year", "published"))


def connect(path: str | Path, **kwargs: Any) -> sqlite_utils.Database:
    """Open a sqlite-utils Database with the tokenizer registered on its connection."""
    db = sqlite_utils.Database(path, **kwargs)
    register_tokenizer(db.conn)
    return db


def ensure_tokenizer(db: sqlite_utils.Database) -> None:
    if not has_tokenizer(db.conn):
        register_tokenizer(db.conn)


def create_sql(fts: str) -> str:
    content, columns, tokenizer = FTS_TABLES[fts]
    return (
        f'CREATE VIRTUAL TABLE "{fts}" USING fts5({", ".join(columns)}, '
        f"content=\"{content}\", content_rowid=\"rowid\", tokenize=\"{tokenizer}\")"
    )


def trigger_sql(fts: str) -> list[str]:
    """Insert, delete and update triggers; updates of other columns do not re-index."""
    content, columns, _ = FTS_TABLES[fts]
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    insert = f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.rowid, {new});"
    delete = f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.rowid, {old});"
    return [
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {content} BEGIN {insert} END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {content} BEGIN {delete} END",
        (f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF {cols} ON {content} "
         f"BEGIN {delete} {insert} END"),
    ]


def existing_sql(db: sqlite_utils.Database, name: str) -> str | None:
    row = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [name]).fetchone()
    return row[0] if row else None


def drop_foreign_index(db: sqlite_utils.Database, fts: str) -> None:
    """Drop an FTS table of that name built another way (e.g. `sqlite-utils enable-fts`)."""
    content = FTS_TABLES[fts][0]
    for name, sql in db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", [content]
    ).fetchall():
        if fts in (sql or ""):
            db.execute(f'DROP TRIGGER "{name}"')
    db.execute(f'DROP TABLE IF EXISTS "{fts}"')
    log.info("dropped %s: it was not built with the %s tokenizer", fts, TOKENIZER_NAME)


def enable_fts(db: sqlite_utils.Database, fts: str, *, rebuild: bool = False) -> bool:
    """Create one FTS table and its triggers if missing; fill it. True if it was (re)built."""
    content = FTS_TABLES[fts][0]
    if not db[content].exists():
        return False
    sql = existing_sql(db, fts)
    if sql is not None and f'tokenize="{FTS_TABLES[fts][2]}"' not in sql:
        drop_foreign_index(db, fts)
        sql = None
    if sql is None:
        db.execute(create_sql(fts))
        rebuild = True
    for statement in trigger_sql(fts):
        db.execute(statement)
    if rebuild:
        db.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
    set_rank(db, fts)
    return rebuild


def set_rank(db: sqlite_utils.Database, fts: str) -> None:
    """Relevance: a match in the title (or heading) weighs ten times one in the body."""
    row = db.execute(f"SELECT v FROM {fts}_config WHERE k = 'rank'").fetchone()
    if row is None or row[0] != RANK:
        db.execute(f"INSERT INTO {fts}({fts}, rank) VALUES ('rank', ?)", [RANK])


def enable_search(db: sqlite_utils.Database, *, rebuild: bool = False) -> list[str]:
    """Make the archive searchable; safe to call on every open. Returns the tables built.

    Registers the tokenizer on `db.conn` if needed, creates `reports_fts` and
    `sections_fts` with their triggers (filling them from the content tables when they
    are new, or when `rebuild` is true), and an index for newest-first result pages.
    """
    ensure_tokenizer(db)
    built = []
    with db.conn:
        for fts in FTS_TABLES:
            if enable_fts(db, fts, rebuild=rebuild):
                built.append(fts)
        name, table, columns = ORDER_INDEX
        if db[table].exists() and set(columns) <= set(db[table].columns_dict):
            db.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ({", ".join(columns)})')
    return built


def rebuild_search(db: sqlite_utils.Database) -> None:
    """Re-index every report and section from the content tables."""
    enable_search(db, rebuild=True)
