"""Datasette plugin: no value on a Datasette connection may exceed MAX_VALUE_BYTES.

`prepare_connection` sets SQLITE_LIMIT_LENGTH on every connection Datasette opens, so
`select zeroblob(100000000)` (or `hex(randomblob(...))`, `replace(...)` chains, a giant
`group_concat`) fails with "string or blob too big" instead of building a 600 MB response.
The SQL time limit does not bound memory; this does.

A stored value over the limit cannot be read on these connections either. The plugin's own
fixed queries that may meet one (a report's full text for the search page) run inside
`unbounded(conn)`; a raw body is read a piece at a time (`read_blob_prefix`).

Datasette uses `pysqlite3` when it is installed (for FTS5), whose connections have no
`setlimit()`: the C function `sqlite3_limit` of the library the connection runs on is
called instead.
"""

from __future__ import annotations

import ctypes
import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from datasette import hookimpl
from sqlitefts.tokenizer import ffi, get_db_from_connection  # type: ignore[attr-defined]

MAX_VALUE_BYTES = 10 * 1024 * 1024
SQLITE_LIMIT_LENGTH = 0  # sqlite3.h
_LIBRARIES: dict[str, Any] = {}


@hookimpl
def prepare_connection(conn: Any) -> None:
    set_length_limit(conn, MAX_VALUE_BYTES)


def set_length_limit(conn: Any, limit: int) -> int:
    """Set the largest string or blob the connection may make or read; return the old one."""
    if hasattr(conn, "setlimit"):  # stdlib sqlite3 (Python 3.11+)
        return int(conn.setlimit(SQLITE_LIMIT_LENGTH, limit))
    handle = int(ffi.cast("uintptr_t", get_db_from_connection(conn)))
    return int(_sqlite3_limit(conn)(handle, SQLITE_LIMIT_LENGTH, limit))


def _sqlite3_limit(conn: Any) -> Any:
    """`sqlite3_limit` from the C library the connection runs on (pysqlite3's own copy)."""
    package = type(conn).__module__.split(".")[0]
    if package not in _LIBRARIES:
        native = importlib.import_module(f"{package}._sqlite3")
        function = ctypes.CDLL(native.__file__).sqlite3_limit
        function.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
        function.restype = ctypes.c_int
        _LIBRARIES[package] = function
    return _LIBRARIES[package]


@contextmanager
def unbounded(conn: Any) -> Iterator[Any]:
    """Lift the length limit for our own fixed queries, on this connection only."""
    previous = set_length_limit(conn, 1_000_000_000)  # SQLite's own default
    try:
        yield conn
    finally:
        set_length_limit(conn, previous)


def read_blob_prefix(conn: Any, table: str, column: str, rowid: int, size: int) -> bytes:
    """The first `size` bytes of a stored blob, read incrementally (never the whole value)."""
    opener = getattr(conn, "blobopen", None) or conn.open_blob  # stdlib / pysqlite3
    blob = opener(table, column, rowid, readonly=True)
    try:
        return bytes(blob.read(size))
    finally:
        blob.close()
