"""Datasette plugin: /-/databases (and .json) without the server's file paths.

Datasette's own page lists each database's absolute `path`, which tells a visitor how the
server's disk is laid out. This route, registered before Datasette's, shows the file name
only; everything else is Datasette's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from datasette import hookimpl
from datasette.views.special import JsonDataView


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/databases(\.(?P<format>json))?$", databases_page)]


def databases_without_paths(datasette: Any) -> list[dict[str, Any]]:
    databases = datasette._connected_databases()
    for database in databases:
        if database.get("path"):
            database["path"] = Path(database["path"]).name
    return databases


async def databases_page(datasette: Any, request: Any, send: Any) -> Any:
    view = JsonDataView.as_view(datasette, "databases.json",
                                lambda: databases_without_paths(datasette))
    return await view(request, send)
