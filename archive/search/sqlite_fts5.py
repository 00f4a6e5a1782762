"""Register the legacy `nianbao_zh` tokenizer on a SQLite connection (stdlib sqlite3 or pysqlite3).

Archives before schema version 2 declared their indexes with it; SQLite cannot even drop
such a table on a connection that lacks it, so `fts.drop_index` registers it to migrate
them. New archives use the built-in `ascii` tokenizer on segmented text (see `fts`).

Built on `sqlitefts` (cffi): its declarations of the FTS5 C API and its way of reading the
`sqlite3*` handle out of a Python connection. Two things are done differently:

* The C library is the one the connection runs on. sqlitefts always calls the library
  behind the stdlib `_sqlite3` module; Datasette and sqlite-utils use `pysqlite3` when it is
  installed, which carries its own SQLite, so a handle from it must only be passed to
  pysqlite3's copy of the SQLite functions.
* At index time the Python side only builds a string: FTS5's own C `ascii` tokenizer
  emits the tokens, fed FTS5's callback directly, so no Python call is made per token.
  At query time (a few tokens) and for highlight()/snippet() (offsets into the original
  text are needed) the tokens are emitted from Python.
"""

from __future__ import annotations

import ctypes
import sqlite3
import sys
from typing import Any

from sqlitefts import fts5 as _sqlitefts_fts5
from sqlitefts.tokenizer import ffi, get_db_from_connection  # type: ignore[attr-defined]

from archive.search.tokenizer import aux_tokens, document_stream, query_tokens

TOKENIZER_NAME = "nianbao_zh"
# `tokenize="nianbao_zh unigram"`: the unigram stream only (half the size, exact, slower
# on phrases made of common characters). Used for sections_fts.
TOKENIZER_OPTIONS = {"unigram"}

SQLITE_OK = 0
SQLITE_ERROR = 1
SQLITE_ROW = 100
FTS5_TOKENIZE_QUERY = 0x0001
FTS5_TOKENIZE_DOCUMENT = 0x0004
FTS5_TOKENIZE_AUX = 0x0008

_API_POINTER_TYPE = ffi.new("const char[]", b"fts5_api_ptr")
_LIBRARIES: dict[str, Any] = {"sqlite3": _sqlitefts_fts5.dll}  # type: ignore[attr-defined]
# Everything C holds a pointer to lives here. The list is given one extra reference so
# that it (and so every callback) outlives interpreter shutdown: a connection closed by the
# garbage collector at exit still calls xDelete.
_KEEP: list[Any] = []
ctypes.pythonapi.Py_IncRef(ctypes.py_object(_KEEP))
_REGISTRATIONS: dict[int, Any] = {}  # address -> handle of a _Registration
_INSTANCES: dict[int, Any] = {}  # address -> handle of an _Instance


class TokenizerError(RuntimeError):
    """The tokenizer could not be registered on a connection."""


class _Registration:
    """One connection's copy of the ascii tokenizer we delegate to."""

    def __init__(self, ascii_module: Any, ascii_user_data: Any) -> None:
        self.ascii = ascii_module
        self.user_data = ascii_user_data


class _Instance:
    """One tokenizer instance (FTS5 makes one per table and connection)."""

    def __init__(self, registration: _Registration, ascii_instance: Any, options: list[str]):
        self.ascii = registration.ascii
        self.ascii_instance = ascii_instance
        self.bigrams = "unigram" not in options


def _address(pointer: Any) -> int:
    return int(ffi.cast("uintptr_t", pointer))


def library_for(conn: Any) -> Any:
    """The cffi library object for the SQLite that `conn` runs on."""
    module = type(conn).__module__.split(".")[0]
    if module not in _LIBRARIES:
        if module != "pysqlite3":
            raise TokenizerError(f"unsupported connection type {type(conn)!r}")
        import pysqlite3._sqlite3 as native  # type: ignore[import-not-found]

        _LIBRARIES[module] = ffi.dlopen(native.__file__)
    return _LIBRARIES[module]


def fts5_api_for(conn: Any) -> Any:
    library = library_for(conn)
    db = get_db_from_connection(conn)
    api = ffi.new("fts5_api**")
    statement = ffi.new("sqlite3_stmt**")
    rc = library.sqlite3_prepare_v2(db, b"SELECT fts5(?1)", -1, statement, ffi.NULL)
    if rc != SQLITE_OK:
        raise TokenizerError(f"FTS5 is not available (rc={rc})")
    try:
        library.sqlite3_bind_pointer(statement[0], 1, api, _API_POINTER_TYPE, ffi.NULL)
        if library.sqlite3_step(statement[0]) != SQLITE_ROW or api[0] == ffi.NULL:
            raise TokenizerError("could not obtain the fts5_api pointer")
    finally:
        library.sqlite3_finalize(statement[0])
    return api[0]


@ffi.callback("int(void*, const char **, int, Fts5Tokenizer **)", error=SQLITE_ERROR)
def _x_create(context: Any, argv: Any, argc: int, out: Any) -> int:
    registration = ffi.from_handle(_REGISTRATIONS[_address(context)])
    ascii_out = ffi.new("Fts5Tokenizer **")
    rc = registration.ascii.xCreate(registration.user_data, ffi.NULL, 0, ascii_out)
    if rc != SQLITE_OK:
        return int(rc)
    options = [ffi.string(argv[i]).decode("utf-8") for i in range(argc)]
    unknown = set(options) - TOKENIZER_OPTIONS
    if unknown:
        registration.ascii.xDelete(ascii_out[0])
        return SQLITE_ERROR
    handle = ffi.new_handle(_Instance(registration, ascii_out[0], options))
    _INSTANCES[_address(handle)] = handle
    out[0] = ffi.cast("Fts5Tokenizer *", handle)
    return SQLITE_OK


@ffi.callback("void(Fts5Tokenizer *)")
def _x_delete(pointer: Any) -> None:
    handle = _INSTANCES.pop(_address(pointer), None)
    if handle is not None:
        instance = ffi.from_handle(handle)
        instance.ascii.xDelete(instance.ascii_instance)


@ffi.callback(
    "int(Fts5Tokenizer *, void *, int, const char *, int, "
    "int(void*, int, const char *, int, int, int))",
    error=SQLITE_ERROR,
)
def _x_tokenize(pointer: Any, ctx: Any, flags: int, text: Any, size: int, x_token: Any) -> int:
    if size <= 0:
        return SQLITE_OK
    decoded = ffi.unpack(text, size).decode("utf-8", "replace")
    instance = ffi.from_handle(_INSTANCES[_address(pointer)])
    if flags & FTS5_TOKENIZE_QUERY:
        tokens = query_tokens(decoded, instance.bigrams)
        return _emit(ctx, x_token, ((t, 0, size) for t in tokens))
    if flags & FTS5_TOKENIZE_AUX:
        return _emit(ctx, x_token, aux_tokens(decoded, instance.bigrams))
    stream = document_stream(decoded, instance.bigrams).encode("utf-8")
    return int(instance.ascii.xTokenize(instance.ascii_instance, ctx, flags, stream,
                                        len(stream), x_token))


def _emit(ctx: Any, x_token: Any, tokens: Any) -> int:
    for token, start, end in tokens:
        data = token.encode("utf-8")
        rc = x_token(ctx, 0, data, len(data), start, end)
        if rc != SQLITE_OK:
            return int(rc)
    return SQLITE_OK


@ffi.callback("void(void*)")
def _x_destroy(context: Any) -> None:
    _REGISTRATIONS.pop(_address(context), None)


_TOKENIZER = ffi.new("fts5_tokenizer *", [_x_create, _x_delete, _x_tokenize])
_KEEP.extend([_x_create, _x_delete, _x_tokenize, _x_destroy, _TOKENIZER, _REGISTRATIONS,
              _INSTANCES, _LIBRARIES])


def register_tokenizer(conn: Any, name: str = TOKENIZER_NAME) -> None:
    """Make `tokenize='nianbao_zh'` usable on this connection (stdlib sqlite3 or pysqlite3).

    Register on every connection that reads or writes an index built with it; a
    connection without it gets `no such tokenizer` on MATCH or on writes to the tables.
    """
    api = fts5_api_for(conn)
    ascii_module = ffi.new("fts5_tokenizer *")
    user_data = ffi.new("void **")
    rc = api.xFindTokenizer(api, b"ascii", user_data, ascii_module)
    if rc != SQLITE_OK:
        raise TokenizerError(f"FTS5 ascii tokenizer not found (rc={rc})")
    handle = ffi.new_handle(_Registration(ascii_module, user_data[0]))
    _REGISTRATIONS[_address(handle)] = handle
    rc = api.xCreateTokenizer(api, name.encode("utf-8"), handle, _TOKENIZER, _x_destroy)
    if rc != SQLITE_OK:
        raise TokenizerError(f"could not register tokenizer {name!r} (rc={rc})")


def _module_error(conn: Any) -> type[Exception]:
    """The DB-API `Error` class of the library the connection comes from."""
    module = sys.modules.get(type(conn).__module__)
    return getattr(module, "Error", sqlite3.Error)


def has_tokenizer(conn: Any, name: str = TOKENIZER_NAME) -> bool:
    """Is `name` usable on this connection? (Costs a query of a temporary table.)"""
    errors = (sqlite3.Error, _module_error(conn))
    try:
        conn.execute(f"CREATE VIRTUAL TABLE temp._nianbao_probe USING fts5(x, tokenize='{name}')")
    except errors:
        return False
    conn.execute("DROP TABLE temp._nianbao_probe")
    return True
