"""Datasette for the archive: the same instance for `nianbao serve` and for the tests.

The database is always mounted as `nianbao`, whatever the file is called, so the
metadata, templates and links in `metadata.yml` apply to any archive file.
"""

from __future__ import annotations

import asyncio
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


def load_metadata() -> dict[str, Any]:
    return yaml.safe_load(METADATA.read_text(encoding="utf-8"))


def make_datasette(db_path: str | Path, *, public: bool = False) -> Datasette:
    """A Datasette serving one archive file as /nianbao, with our metadata and templates.

    `public`: no arbitrary SQL (Datasette's `default_allow_sql` off); tables, rows, facets,
    search and the canned queries of metadata.yml still work.
    """
    settings = {**SETTINGS, "default_allow_sql": not public}
    ds = Datasette([], metadata=load_metadata(), template_dir=str(TEMPLATES), settings=settings)
    ds.add_database(Database(ds, path=str(db_path), is_mutable=True), name=DATABASE_NAME)
    return ds


def serve(db_path: str | Path, host: str, port: int, *, public: bool = False) -> None:
    """Serve until interrupted (blocks)."""
    import uvicorn

    ds = make_datasette(db_path, public=public)
    asyncio.run(ds.invoke_startup())
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on")
