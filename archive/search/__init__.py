"""Chinese full-text search over the archive (SQLite FTS5, built-in tokenizer, segmented text).

    from archive.search import connect, enable_search, search_reports

    db = connect("data/nianbao.db")          # a sqlite-utils Database
    enable_search(db)                        # reports_fts + triggers, indexes what is pending
    results = search_reports(db, "扶贫 低保", limit=20, filters={"province": "吉林省"})
    db.close()

    fts_match("政府信息公开")                # '"政府 府信 信息 息公 公开"', for any SQLite's MATCH

See docs/search.md for the design, the measurements and how to search the file with tools
that know nothing of nianbao.
"""

from archive.search.engine import Budgets, Hit, SearchResults, search_reports
from archive.search.fts import connect, enable_search, rebuild_search, sync_index
from archive.search.query import ParsedQuery, SearchQueryError, parse_query
from archive.search.tokenizer import segment


def fts_match(query: str) -> str:
    """The FTS5 MATCH expression for what a person would type in the search box."""
    return parse_query(query).match


__all__ = [
    "Budgets",
    "Hit",
    "ParsedQuery",
    "SearchQueryError",
    "SearchResults",
    "connect",
    "enable_search",
    "fts_match",
    "parse_query",
    "rebuild_search",
    "search_reports",
    "segment",
    "sync_index",
]
