"""sqlite-utils plugin (entry point `sqlite_utils`): nianbao's search helpers as SQL functions.

`reports_fts` uses SQLite's built-in `ascii` tokenizer, so `sqlite-utils search
archive.db reports 扶贫` works with or without this plugin (a two-character word is one
token). With nianbao installed, every connection sqlite-utils opens also gets:

* `nianbao_match(query)`: the MATCH expression for a query typed as in the search box
  (any length, several words, Traditional or full-width input):
  `sqlite-utils query archive.db "select id, title from reports where rowid in (select
  rowid from reports_fts where reports_fts match nianbao_match('政府信息公开'))"`;
* `nianbao_segment(text)`: a text as the index stores it (both token streams).
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from archive.search.query import SearchQueryError, parse_query
from archive.search.tokenizer import segment


def nianbao_match(query: str | None) -> str:
    """The MATCH expression for `query`; one that matches nothing when it is unusable."""
    try:
        return parse_query(query).match
    except SearchQueryError:
        return '""'


@sqlite_utils.hookimpl
def prepare_connection(conn: Any) -> None:
    conn.create_function("nianbao_match", 1, nianbao_match, deterministic=True)
    conn.create_function("nianbao_segment", 1, segment, deterministic=True)
