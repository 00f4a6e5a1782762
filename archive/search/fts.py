"""The archive's full-text index: `reports_fts`, readable by any SQLite.

`reports_fts(title, text)` is an FTS5 table with external content on `reports` and SQLite's
built-in `ascii` tokenizer. What it indexes is not the stored text itself but its
*segmented* form (`tokenizer.segment`: each Han character, each pair of neighbours, each
word, separated by spaces), written from Python by `sync_index`. So the sqlite3 shell, DB
Browser, a plain Python `sqlite3` or `sqlite-utils` search the file with no extension:
`... WHERE reports_fts MATCH '扶贫'` is exact for a two-character word, and other lengths
are a documented transform (`tokenizer.match_phrase`, docs/search.md).

Keeping it in sync without a custom function in any trigger (a shell would fail on it):

* Triggers in plain SQL record each insert, update of `title`/`text` and delete of a
  report in `reports_fts_pending`, with the old values when the index holds them (a row
  in `reports_fts_docsize` says it does). They never touch the index itself.
* `sync_index(db)` (called after every saved report, or once per group just before a
  group commit during a crawl, on every open of the archive, and by `enable_search`) takes the pending rows: removes the old tokens (FTS5 `'delete'` with the
  old values, segmented again) and indexes the report's stored title and text.

A write from a tool without nianbao therefore succeeds, and the index catches up the next
time nianbao opens the archive. Datasette and sqlite-utils find `reports_fts` for the
`reports` table by themselves (`content="reports"` in its declaration).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import sqlite_utils

from archive.search.tokenizer import segment

log = logging.getLogger(__name__)

FTS = "reports_fts"
CONTENT = "reports"
COLUMNS = ("title", "text")
TOKENIZER = "ascii"
PENDING = "reports_fts_pending"
LEGACY_FTS = ("sections_fts",)  # indexes of older archives, dropped on open
RANK = "bm25(10.0, 1.0)"
BATCH = 500
# Lets the search page walk reports newest first without sorting every match.
ORDER_INDEX = ("idx_reports_search_order", "reports", ("report_year", "published"))

CREATE_SQL = (
    f'CREATE VIRTUAL TABLE "{FTS}" USING fts5({", ".join(COLUMNS)}, '
    f'content="{CONTENT}", content_rowid="rowid", tokenize="{TOKENIZER}")'
)
PENDING_SQL = (
    f"CREATE TABLE IF NOT EXISTS {PENDING} (id INTEGER PRIMARY KEY, title TEXT, text TEXT, "
    "indexed INTEGER NOT NULL)"
)
INDEXED = f"EXISTS (SELECT 1 FROM {FTS}_docsize WHERE id = old.rowid)"


def queue_sql(row: str, title: str, text: str, indexed: str) -> str:
    """Queue a rowid once: the first change since the last sync keeps the indexed values.

    `WHERE NOT EXISTS` rather than `OR IGNORE`, so an outer `INSERT OR REPLACE` cannot
    override the trigger's conflict policy and overwrite the first old values."""
    return (f"INSERT INTO {PENDING} (id, title, text, indexed) SELECT {row}, {title}, {text}, "
            f"{indexed} WHERE NOT EXISTS (SELECT 1 FROM {PENDING} WHERE id = {row});")


TRIGGERS = {
    f"{FTS}_ai": (f"AFTER INSERT ON {CONTENT} BEGIN "
                  f"{queue_sql('new.rowid', 'NULL', 'NULL', '0')} END"),
    f"{FTS}_au": (f"AFTER UPDATE OF title, text ON {CONTENT} "
                  "WHEN old.title IS NOT new.title OR old.text IS NOT new.text "
                  "OR old.rowid IS NOT new.rowid BEGIN "
                  f"{queue_sql('old.rowid', 'old.title', 'old.text', INDEXED)} "
                  f"{queue_sql('new.rowid', 'NULL', 'NULL', '0')} END"),
    f"{FTS}_ad": (f"AFTER DELETE ON {CONTENT} WHEN {INDEXED} BEGIN "
                  f"{queue_sql('old.rowid', 'old.title', 'old.text', '1')} END"),
}


def connect(path: str | Path, **kwargs: Any) -> sqlite_utils.Database:
    """Open a sqlite-utils Database (kept for callers of the tokenizer era: nothing to
    register any more; an archive with the legacy index is migrated by `enable_search`)."""
    return sqlite_utils.Database(path, **kwargs)


def existing_sql(db: sqlite_utils.Database, name: str) -> str | None:
    row = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [name]).fetchone()
    return row[0] if row else None


def drop_index(db: sqlite_utils.Database, fts: str, content: str) -> None:
    """Drop an FTS table and the triggers on `content` that mention it.

    A table built with the legacy `nianbao_zh` tokenizer cannot even be dropped by a
    connection that lacks it, so the tokenizer is registered first when that is needed."""
    for name, sql in db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", [content]
    ).fetchall():
        if fts in (sql or ""):
            db.execute(f'DROP TRIGGER "{name}"')
    sql = existing_sql(db, fts) or ""
    if "nianbao_zh" in sql:
        from archive.search.sqlite_fts5 import has_tokenizer, register_tokenizer

        if not has_tokenizer(db.conn):
            register_tokenizer(db.conn)
    db.execute(f'DROP TABLE IF EXISTS "{fts}"')
    log.info("dropped %s (built another way); it is rebuilt from the stored text", fts)


def is_current(sql: str | None) -> bool:
    return sql is not None and f'tokenize="{TOKENIZER}"' in sql and f'content="{CONTENT}"' in sql


def enable_search(db: sqlite_utils.Database, *, rebuild: bool = False,
                  progress: Callable[[int, int], None] | None = None) -> list[str]:
    """Make the archive searchable; safe (and cheap) to call on every open.

    Creates `reports_fts`, `reports_fts_pending` and the triggers if missing, replaces an
    index built another way (the legacy `nianbao_zh` tokenizer, `sqlite-utils enable-fts`)
    and drops `sections_fts`; fills the index from the stored text when it is new or
    `rebuild` is true, else indexes what is pending. Returns the tables (re)built.
    """
    built: list[str] = []
    if not db[CONTENT].exists():
        return built
    with db.conn:
        for legacy in LEGACY_FTS:
            if existing_sql(db, legacy) is not None:
                drop_index(db, legacy, "sections")
        sql = existing_sql(db, FTS)
        if sql is not None and not is_current(sql):
            drop_index(db, FTS, CONTENT)
            sql = None
        db.execute(PENDING_SQL)
        if sql is None:
            db.execute(CREATE_SQL)
            rebuild = True
        for name, body in TRIGGERS.items():
            current = existing_sql(db, name)
            if current is not None and body not in current:
                db.execute(f'DROP TRIGGER "{name}"')
            db.execute(f'CREATE TRIGGER IF NOT EXISTS "{name}" {body}')
        if rebuild:
            db.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('delete-all')")
            db.execute(f"DELETE FROM {PENDING}")
            db.execute(f"INSERT INTO {PENDING} (id, indexed) SELECT rowid, 0 FROM {CONTENT}")
            built.append(FTS)
        set_rank(db)
        name, table, columns = ORDER_INDEX
        if set(columns) <= set(db[table].columns_dict):
            db.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ({", ".join(columns)})')
    with db.conn:
        sync_index(db, progress=progress)
    return built


def set_rank(db: sqlite_utils.Database) -> None:
    """Relevance: a match in the title weighs ten times one in the body."""
    row = db.execute(f"SELECT v FROM {FTS}_config WHERE k = 'rank'").fetchone()
    if row is None or row[0] != RANK:
        db.execute(f"INSERT INTO {FTS}({FTS}, rank) VALUES ('rank', ?)", [RANK])


def has_index(db: sqlite_utils.Database) -> bool:
    return is_current(existing_sql(db, FTS)) and existing_sql(db, PENDING) is not None


def sync_index(db: sqlite_utils.Database,
               progress: Callable[[int, int], None] | None = None,
               segmented: Mapping[str, str] | None = None) -> int:
    """Index every pending report from its stored title and text; returns how many.

    The one place index rows are written. It reads what `reports` holds (whatever the
    writer stored: parsed text, masked text, text from an attachment), so the index always
    answers for the stored text. `segmented`: `segment(s)` for strings the caller already
    segmented (the crawl's parser workers do it), keyed by the string itself, so only an
    equal stored string uses it. Runs inside the caller's transaction."""
    known = segmented or {}

    def seg(value: str | None) -> str | None:
        if value is None:
            return None
        done = known.get(value)
        return done if done is not None else segment(value)

    if existing_sql(db, PENDING) is None:
        return 0
    total = db.execute(f"SELECT count(*) FROM {PENDING}").fetchone()[0]
    done, last = 0, 0
    while True:
        batch = db.execute(f"SELECT id, title, text, indexed FROM {PENDING} WHERE id > ? "
                           f"ORDER BY id LIMIT ?", [last, BATCH]).fetchall()
        if not batch:
            break
        for rowid, title, text, indexed in batch:
            if indexed:
                db.execute(f"INSERT INTO {FTS}({FTS}, rowid, title, text) "
                           "VALUES ('delete', ?, ?, ?)", [rowid, segment(title), segment(text)])
            row = db.execute(f"SELECT title, text FROM {CONTENT} WHERE rowid = ?",
                             [rowid]).fetchone()
            if row is not None:
                db.execute(f"INSERT INTO {FTS}(rowid, title, text) VALUES (?, ?, ?)",
                           [rowid, seg(row[0]), seg(row[1])])
        last = batch[-1][0]
        db.execute(f"DELETE FROM {PENDING} WHERE id <= ?", [last])
        done += len(batch)
        if progress is not None:
            progress(done, total)
    return done


def clear_index(db: sqlite_utils.Database) -> None:
    """Empty the index before every report is deleted (a rebuild re-saves them all), so
    the delete trigger has nothing to queue."""
    if has_index(db):
        db.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('delete-all')")
        db.execute(f"DELETE FROM {PENDING}")


def rebuild_search(db: sqlite_utils.Database) -> None:
    """Re-index every report from the stored text."""
    enable_search(db, rebuild=True)
