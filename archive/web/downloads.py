"""Datasette plugin: bulk downloads, `/-/downloads` (issue #14, "take it home").

* `/-/downloads/<table>.csv`: every row of a public table, streamed in chunks of
  `CHUNK` rows by rowid, so neither `max_returned_rows` nor the SQL time limit cuts it
  short and memory stays flat. UTF-8 with a BOM (Excel reads the Chinese right). A table
  a visitor may not view (`blobs`, `extractions`, the FTS internals, anything hidden:
  `permissions.is_withheld` and Datasette's `view-table` permission) is a 404 here too.
  A text cell that a spreadsheet would take for a formula (`=`, `+`, `@`, a `-` that is
  not a number) gets a leading `'`: archived text is hostile. Blobs are written as hex.
  A cell stored as a reference is written out (`SPELLED_OUT`: a version's text that is its
  report's current text, NULL in `report_versions`).
* `/-/downloads/nianbao-public.db`: a copy of the archive without the raw bodies and
  caches (the withheld tables are emptied; every other table, index and the full-text
  index stay). Made with `VACUUM INTO` from a read-only connection into a temporary file,
  stripped, vacuumed and renamed into place: the live file is never served nor written.
  The copy is cached beside a stamp of the archive (size and change time of the file and
  its WAL). It is rebuilt only when the archive changed *and* the last build is at least
  `REBUILD_INTERVAL` old, one build at a time, in a worker thread; meanwhile the previous
  copy is served, or, before the first one exists, a 503 with Retry-After. So a visitor
  cannot make the server rebuild more than once per interval.

Settings (plugin `nianbao-downloads` in metadata, or defaults): `archive_copy` (default
true; false turns the copy off, e.g. on a small public server), `directory` (where
copies are kept; default a folder under the system's temporary directory).
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import AsgiFileDownload, AsgiStream, Response

from archive.web.compare_page import safe_csv
from archive.web.permissions import RAW_TABLES, is_withheld

DATABASE = "nianbao"
CHUNK = 2000
REBUILD_INTERVAL = 600.0  # seconds between two builds of the archive copy, at least
COPY_NAME = "nianbao-public.db"
TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
# (table, column): the SQL that spells the cell out (archive/db/versions.py).
SPELLED_OUT = {("report_versions", "text"):
               "coalesce([text], (select r.text from reports r where r.id = [report_id]))"}


@dataclass
class CopyState:
    building: bool = False
    built_at: float = 0.0
    stamp: str = ""
    error: str = ""


_STATES: dict[str, CopyState] = {}
_LOCK = threading.Lock()


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/downloads$", downloads_page),
            (r"^/-/downloads/(?P<table>[^/]+)\.csv$", table_csv),
            (rf"^/-/downloads/{re.escape(COPY_NAME)}$", archive_copy)]


@hookimpl
def menu_links(datasette: Any) -> list[dict[str, str]]:
    return [{"href": datasette.urls.path("/-/downloads"), "label": "批量下载 Downloads"}]


def settings(datasette: Any) -> dict[str, Any]:
    return datasette.plugin_config("nianbao-downloads") or {}


async def public_tables(datasette: Any, request: Any, db: Any) -> list[str]:
    """Tables a visitor may view, without full-text indexes (their text is in `reports`)."""
    virtual = {r[0] for r in (await db.execute(
        "select name from sqlite_master where type = 'table' "
        "and sql like 'CREATE VIRTUAL TABLE%'")).rows}
    names = []
    for table in await db.table_names():
        if table in virtual or is_withheld(datasette, db.name, table):
            continue
        if not await datasette.permission_allowed(request.actor, "view-table",
                                                  (db.name, table), default=True):
            continue
        names.append(table)
    return names


def database(datasette: Any) -> Any | None:
    try:
        return datasette.get_database(DATABASE)
    except KeyError:
        return None


async def downloads_page(datasette: Any, request: Any) -> Response:
    db = database(datasette)
    tables: list[dict[str, Any]] = []
    if db is not None:
        names = await public_tables(datasette, request, db)
        counts = await row_counts(db, names)
        for name in names:
            meta = datasette.table_metadata(db.name, name)
            tables.append({"name": name, "title": meta.get("title") or name,
                           "rows": counts.get(name), "href": f"/-/downloads/{name}.csv"})
    copy = copy_info(datasette, db) if db is not None else None
    html = await datasette.render_template("downloads.html", {
        "tables": tables, "copy": copy, "copy_name": COPY_NAME,
        "interval_minutes": int(REBUILD_INTERVAL // 60),
    }, request=request)
    return Response.html(html)


_COUNTS: dict[str, tuple[str, dict[str, int | None]]] = {}


async def row_counts(db: Any, names: list[str]) -> dict[str, int | None]:
    """Rows per table, counted once per change of the archive (the stamp of its files)."""
    key = str(db.path)
    stamp = stamp_of(Path(db.path)) if db.path else ""
    cached = _COUNTS.get(key)
    if cached and cached[0] == stamp and all(n in cached[1] for n in names):
        return cached[1]
    counts: dict[str, int | None] = {}
    for name in names:
        try:
            counts[name] = (await db.execute(f"select count(*) from [{name}]",
                                             custom_time_limit=200)).rows[0][0]
        except Exception:  # noqa: BLE001 - interrupted: shown as "many"
            counts[name] = None
    _COUNTS[key] = (stamp, counts)
    return counts


async def table_csv(datasette: Any, request: Any) -> Any:
    table = request.url_vars["table"]
    db = database(datasette)
    if db is None or not TABLE_NAME.match(table) or \
            table not in await public_tables(datasette, request, db):
        return Response.text("没有这个公开表。No such public table.", status=404)
    columns = [c for c in await db.table_columns(table)]

    async def stream(writer: Any) -> None:
        buffer = io.StringIO()
        out = csv.writer(buffer)
        out.writerow(columns)
        await writer.write("\ufeff" + buffer.getvalue())
        last: int | None = None
        quoted = ", ".join(SPELLED_OUT.get((table, c), f"[{c}]") for c in columns)
        while True:
            sql = (f"select rowid as __rowid, {quoted} from [{table}] "
                   + ("where rowid > ? " if last is not None else "")
                   + f"order by rowid limit {CHUNK}")
            params = [last] if last is not None else []
            rows = await db.execute_fn(lambda conn, s=sql, p=params: read_chunk(conn, s, p))
            if not rows:
                break
            buffer = io.StringIO()
            out = csv.writer(buffer)
            for row in rows:
                out.writerow([csv_value(v) for v in row[1:]])
            await writer.write(buffer.getvalue())
            last = rows[-1][0]
            if len(rows) < CHUNK:
                break

    return AsgiStream(stream, content_type="text/csv; charset=utf-8", headers={
        "content-disposition": f'attachment; filename="nianbao-{table}.csv"'})


def read_chunk(conn: Any, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    from archive.web.bounds import unbounded

    with unbounded(conn):  # a long report text is one cell, read whole
        return [tuple(r) for r in conn.execute(sql, params).fetchall()]


def csv_value(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, str):
        return safe_csv(value)
    return value


# The archive copy

def source_path(db: Any) -> Path:
    return Path(db.path).resolve()


def stamp_of(path: Path) -> str:
    parts = []
    for suffix in ("", "-wal"):
        try:
            info = os.stat(str(path) + suffix)
        except OSError:
            continue
        if suffix and not info.st_size:
            continue  # an empty WAL is (re)made by readers too: not a change
        parts.append(f"{suffix}:{info.st_size}:{info.st_mtime_ns}")
    return "|".join(parts)


def copy_dir(datasette: Any, path: Path) -> Path:
    configured = settings(datasette).get("directory")
    if configured:
        return Path(configured)
    digest = hashlib.sha256(str(path).encode("utf-8")).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"nianbao-downloads-{digest}"


def copy_info(datasette: Any, db: Any) -> dict[str, Any] | None:
    if settings(datasette).get("archive_copy") is False or not db.path:
        return None
    target = copy_dir(datasette, source_path(db)) / COPY_NAME
    state = _STATES.get(str(source_path(db)), CopyState())
    info: dict[str, Any] = {"href": f"/-/downloads/{COPY_NAME}", "building": state.building,
                            "exists": target.exists(), "error": state.error}
    if target.exists():
        st = target.stat()
        info.update(size=st.st_size, built=time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                         time.gmtime(st.st_mtime)))
    return info


async def archive_copy(datasette: Any, request: Any) -> Any:
    db = database(datasette)
    if db is None or settings(datasette).get("archive_copy") is False or not db.path:
        return Response.text("本站不提供存档副本下载。The archive copy is not offered here.",
                             status=404)
    source = source_path(db)
    folder = copy_dir(datasette, source)
    target = folder / COPY_NAME
    withheld = [t for t in await db.table_names() if is_withheld(datasette, db.name, t)
                and not t.endswith(("_fts_data", "_fts_idx", "_fts_docsize", "_fts_config",
                                    "_fts_content", "_fts_pending"))]
    start_build_if_due(source, folder, sorted(set(withheld) | (RAW_TABLES & set(
        await db.table_names()))))
    if not target.exists():
        state = _STATES.get(str(source), CopyState())
        message = ("存档副本正在生成，请稍后再试。The copy is being made; try again in a minute."
                   if not state.error else f"生成存档副本失败 The copy failed: {state.error}")
        return Response.text(message, status=503 if not state.error else 500,
                             headers={"retry-after": "60"})
    return AsgiFileDownload(str(target), filename=COPY_NAME,
                            content_type="application/vnd.sqlite3",
                            headers={"cache-control": "no-cache"})


def start_build_if_due(source: Path, folder: Path, withheld: list[str]) -> bool:
    """Start a build in a thread when the archive changed and the last build is old enough."""
    key = str(source)
    now = time.monotonic()
    with _LOCK:
        state = _STATES.setdefault(key, CopyState())
        target = folder / COPY_NAME
        stamp = stamp_of(source)
        if state.building:
            return False
        if target.exists() and state.stamp == "":
            stamp_file = folder / (COPY_NAME + ".stamp")
            state.stamp = stamp_file.read_text() if stamp_file.exists() else ""
            state.built_at = now  # a copy from an earlier run: wait an interval before rebuilding
        if target.exists() and state.stamp == stamp:
            return False
        if state.built_at and now - state.built_at < REBUILD_INTERVAL:
            return False
        state.building = True
    thread = threading.Thread(target=run_build, args=(source, folder, withheld, stamp, state),
                              name="nianbao-archive-copy", daemon=True)
    thread.start()
    return True


def run_build(source: Path, folder: Path, withheld: list[str], stamp: str,
              state: CopyState) -> None:
    try:
        build_copy(source, folder / COPY_NAME, withheld)
        (folder / (COPY_NAME + ".stamp")).write_text(stamp)
        state.stamp, state.error = stamp, ""
    except Exception as error:  # noqa: BLE001 - shown on the page, the server keeps going
        state.error = f"{type(error).__name__}: {error}"[:300]
    finally:
        with _LOCK:
            state.building = False
            state.built_at = time.monotonic()


def build_copy(source: Path, target: Path, withheld: list[str]) -> None:
    """VACUUM INTO a temporary file beside `target`, empty `withheld`, vacuum, rename."""
    from datasette.utils.sqlite import sqlite3

    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        conn = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
        try:
            conn.execute("VACUUM INTO ?", [str(temporary)])
        finally:
            conn.close()
        copy = sqlite3.connect(str(temporary))
        try:
            for table in withheld:
                copy.execute(f"DELETE FROM [{table}]")
            copy.commit()
            copy.execute("VACUUM")
        finally:
            copy.close()
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


async def wait_for_copy(source: Path, timeout: float = 120.0) -> None:
    """For tests and the CLI: wait until no build of `source` is running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = _STATES.get(str(source))
        if state is None or not state.building:
            return
        await asyncio.sleep(0.05)
