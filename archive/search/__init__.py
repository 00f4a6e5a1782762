"""Chinese full-text search over the archive (SQLite FTS5 + the `nianbao_zh` tokenizer).

    from archive.search import connect, enable_search, search_reports

    db = connect("data/nianbao.db")          # sqlite-utils Database, tokenizer registered
    enable_search(db)                        # reports_fts + sections_fts + triggers
    results = search_reports(db, "扶贫 低保", limit=20, filters={"province": "吉林省"})
    db.close()

See docs/search.md for the design, the measurements and the fallback for tools that
open the database without the tokenizer.
"""

from archive.search.engine import Budgets, Hit, SearchResults, search_reports
from archive.search.fts import connect, enable_search, rebuild_search
from archive.search.query import ParsedQuery, SearchQueryError, parse_query
from archive.search.sqlite_fts5 import TOKENIZER_NAME, has_tokenizer, register_tokenizer

__all__ = [
    "TOKENIZER_NAME",
    "Budgets",
    "Hit",
    "ParsedQuery",
    "SearchQueryError",
    "SearchResults",
    "connect",
    "enable_search",
    "has_tokenizer",
    "parse_query",
    "rebuild_search",
    "register_tokenizer",
    "search_reports",
]
