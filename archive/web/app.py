"""Datasette for the archive: the same instance for `nianbao serve` and for the tests.

The database is always mounted as `nianbao`, whatever the file is called, so the
metadata, templates and links in `metadata.yml` apply to any archive file.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from pathlib import Path
from typing import Any

import yaml
from datasette.app import Datasette
from datasette.database import Database

HERE = Path(__file__).resolve().parent
# The project's metadata.yml lives at the top of the repository; archive/web/metadata.yml
# is a link to it, copied into the wheel, so a plain `pip install .` serves it too.
METADATA = HERE / "metadata.yml"
TEMPLATES = HERE / "templates"
DATABASE_NAME = "nianbao"
SETTINGS: dict[str, Any] = {
    "facet_time_limit_ms": 500,
    "sql_time_limit_ms": 3000,
    "default_page_size": 50,
    "suggest_facets": False,  # suggestions re-run every search match per column
    "allow_download": False,  # the file holds every raw capture; export per table instead
}


class ArchiveDatasette(Datasette):  # type: ignore[misc]
    """Datasette with its per-table permission lookup remembered.

    Datasette 0.65.5 answers "may this actor view table T" by deep-copying the whole
    metadata (ours: every column's description) for each table it checks, and the database
    page checks every table: ~600 ms at 60 tables. The answer depends only on the metadata,
    which is fixed once the instance is made, so it is computed once per table (and again
    if the metadata object is replaced).
    """

    def _table_permission_allows(self, database: str, table: str) -> Any:
        key = (id(self._metadata_local), database, table)
        cache = self.__dict__.setdefault("_nianbao_allows", {})
        if key not in cache:
            cache[key] = super()._table_permission_allows(database, table)
        return cache[key]


KEPT_QUERIES = 64


class ArchiveDatabase(Database):  # type: ignore[misc]
    """The archive, with the database page's table counts kept until the file changes.

    Datasette counts every table of a mutable database on each visit of the database page
    (60 tables, some too big to count in its 5 ms and shown as "many rows"). The counts are
    kept while the file and its write-ahead log are unchanged (size and modification time):
    the same figures as counting again, without the 60 queries.
    """

    _counts: tuple[tuple[Any, ...], int, dict[str, int | None]] | None = None

    def _file_state(self) -> tuple[Any, ...] | None:
        if not self.path:
            return None
        state: list[tuple[int, int] | None] = []
        for path in (Path(self.path), Path(f"{self.path}-wal")):
            try:
                stat = path.stat()
            except OSError:
                state.append(None)
                continue
            state.append((stat.st_mtime_ns, stat.st_size))
        return tuple(state)

    async def table_counts(self, limit: int = 10) -> dict[str, int | None]:
        state = self._file_state()
        if state is not None and self._counts is not None and self._counts[:2] == (state, limit):
            return dict(self._counts[2])
        counts = await super().table_counts(limit)
        if state is not None and state == self._file_state():
            self._counts = (state, limit, dict(counts))
        return counts

    async def rows_kept(self, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """The rows of an aggregate query, kept while the file is unchanged, like the
        counts: the archive changes when a crawl or build writes it, not between visits.
        At most KEPT_QUERIES answers are kept (parameters come from visitors)."""
        state = self._file_state()
        key = (sql, tuple(sorted(params.items())))
        kept = self.__dict__.setdefault("_kept", OrderedDict())
        hit = kept.get(key)
        if state is not None and hit is not None and hit[0] == state:
            kept.move_to_end(key)
            return [dict(row) for row in hit[1]]
        rows = [dict(row) for row in (await self.execute(sql, params)).rows]
        if state is not None and state == self._file_state():
            kept[key] = (state, rows)
            kept.move_to_end(key)
            while len(kept) > KEPT_QUERIES:
                kept.popitem(last=False)
        return [dict(row) for row in rows]


def load_metadata() -> dict[str, Any]:
    return yaml.safe_load(METADATA.read_text(encoding="utf-8"))


def make_datasette(db_path: str | Path, *, public: bool = False) -> Datasette:
    """A Datasette serving one archive file as /nianbao, with our metadata and templates.

    `public`: no arbitrary SQL (Datasette's `default_allow_sql` off); tables, rows, facets,
    search and the canned queries of metadata.yml still work.
    """
    settings = {**SETTINGS, "default_allow_sql": not public}
    ds = ArchiveDatasette([], metadata=load_metadata(), template_dir=str(TEMPLATES), settings=settings)
    ds.add_database(ArchiveDatabase(ds, path=str(db_path), is_mutable=True), name=DATABASE_NAME)
    return ds


def serve(db_path: str | Path, host: str, port: int, *, public: bool = False) -> None:
    """Serve until interrupted (blocks)."""
    import uvicorn

    ds = make_datasette(db_path, public=public)
    asyncio.run(ds.invoke_startup())
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on")
