"""Plain statements for the rows the crawl writes per page.

sqlite-utils' `Table.insert`/`update`/`upsert` look up the table's columns and wrap every
call in a savepoint; on the crawl's hot path (a capture, a report, its sections, its
url_state row per page) that was a large share of the writes' cost. These write the same
rows with one prepared statement each. Column names come from our own code, never from
the archive's content, and are quoted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlite_utils


def _names(columns: Iterable[str]) -> str:
    return ", ".join(f"[{name}]" for name in columns)


def insert(db: sqlite_utils.Database, table: str, row: Mapping[str, Any]) -> int:
    """INSERT one row; returns its rowid."""
    marks = ", ".join("?" * len(row))
    cursor = db.execute(f"INSERT INTO [{table}] ({_names(row)}) VALUES ({marks})",
                        list(row.values()))
    return int(cursor.lastrowid or 0)


def insert_many(db: sqlite_utils.Database, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT rows that all have the same keys."""
    if not rows:
        return
    columns = list(rows[0])
    marks = ", ".join("?" * len(columns))
    db.conn.executemany(f"INSERT INTO [{table}] ({_names(columns)}) VALUES ({marks})",
                        [[row[c] for c in columns] for row in rows])


def update(db: sqlite_utils.Database, table: str, key: str, value: Any,
           values: Mapping[str, Any]) -> None:
    """UPDATE the row whose `key` column is `value`."""
    if not values:
        return
    assignments = ", ".join(f"[{name}] = ?" for name in values)
    db.execute(f"UPDATE [{table}] SET {assignments} WHERE [{key}] = ?", [*values.values(), value])


def upsert(db: sqlite_utils.Database, table: str, key: str, row: Mapping[str, Any]) -> None:
    """INSERT the row, or UPDATE the given columns of the row with the same `key`."""
    others = [name for name in row if name != key]
    assignments = ", ".join(f"[{name}] = excluded.[{name}]" for name in others)
    marks = ", ".join("?" * len(row))
    db.execute(f"INSERT INTO [{table}] ({_names(row)}) VALUES ({marks}) "
               f"ON CONFLICT ([{key}]) DO UPDATE SET {assignments}", list(row.values()))
