"""Datasette plugin: hidden tables are not served, whatever the URL.

`permission_allowed` refuses `view-table` on the tables `metadata.yml` marks `hidden: true`
(`blobs`: every raw response body; `extractions`: the attachment text cache), on those two
even without our metadata (`datasette archive.db`), and on the internals of the full-text
indexes (`reports_fts_data`, ...). Their table, row, JSON, CSV and `.blob` URLs answer 403;
the database page does not list them. Only Datasette's `root` actor may read them.

The plugin's own pages still read them (a capture's title comes from its body), and so can
arbitrary SQL unless it is turned off: `nianbao serve --public` (see docs/security.md).
"""

from __future__ import annotations

import re
from typing import Any

from datasette import hookimpl

RAW_TABLES = frozenset({"blobs", "extractions"})
FTS_INTERNALS = re.compile(r"_fts_(data|idx|docsize|config|content|pending)$")


@hookimpl
def permission_allowed(datasette: Any, actor: dict[str, Any] | None, action: str,
                       resource: Any) -> bool | None:
    if action != "view-table" or not isinstance(resource, tuple) or len(resource) != 2:
        return None
    if actor and actor.get("id") == "root":
        return None
    database, table = resource
    return False if is_withheld(datasette, database, table) else None


def is_withheld(datasette: Any, database: str, table: str) -> bool:
    """Is this table kept from visitors (hidden in metadata, raw bodies, FTS internals)?"""
    if table in RAW_TABLES or FTS_INTERNALS.search(table):
        return True
    return bool(datasette.table_metadata(database, table).get("hidden"))
