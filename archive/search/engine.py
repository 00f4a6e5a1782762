"""`search_reports`: one page of ranked or dated results, fast even for common terms.

Where the time goes in a naive search (`rowid IN (SELECT rowid FROM fts WHERE MATCH ...)`
then sort, count and facet) is evaluating *every* match, several times. Here:

1. **Probe**: read at most `sample` matching rowids from FTS5 in rowid order (stops early).
   If the probe saw every match, everything below is exact and cheap.
2. **Page**: few matches -> sort those rowids. Many matches -> walk the reports newest
   first through an index and keep those the index matches (`EXISTS` with `rowid =`,
   a seek per report), stopping after one page. A common term needs a few dozen seeks.
3. **Count**: exact when the probe saw everything, otherwise counted against a time
   budget and shown as "more than N" when the budget runs out.
4. **Facets**: over all matches when the probe saw them all, else over the probe's
   sample, and flagged as such.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from archive.search.query import ParsedQuery, parse_query
from archive.search.snippets import (
    TEXT_MARKS,
    compile_terms,
    highlight,
    match_spans,
    snippet,
)

FACETS = ("province", "county", "town", "report_year", "format")
ORDER_BY = {
    "newest": "r.report_year DESC, r.published DESC, r.rowid DESC",
    "oldest": "r.report_year ASC, r.published ASC, r.rowid ASC",
}
SORTS = ("newest", "oldest", "relevance")
SAMPLE = 2000  # matches read by the probe; beyond this counts and facets are bounded
MAX_OFFSET = 1000
FACET_SIZE = 10
HIT_COLUMNS = ("id", "title", "town", "county", "province", "report_year", "published",
               "format", "url", "capture_id", "tampered", "text")


@dataclass
class Budgets:
    probe: float = 0.3  # seconds for each step; exceeding one degrades, never fails
    count: float = 0.05
    page: float = 1.0
    facets: float = 0.3


@dataclass
class Hit:
    rowid: int
    id: str
    title_html: str
    snippet_html: str
    snippet_text: str  # the same passage as plain text, matches in 【】 (for terminals)
    section: str | None  # heading of the first section holding a match
    where: str  # "section", "text" (no section row holds it) or "title"
    fields: dict[str, Any]


@dataclass
class SearchResults:
    query: ParsedQuery
    hits: list[Hit]
    total: int  # exact when total_exact, else a lower bound
    total_exact: bool
    estimate: int  # when not exact: extrapolated from the probe
    facets: dict[str, list[tuple[Any, int]]]
    facets_exact: bool  # False: counted over the first `sample` matches only
    sample: int
    sort: str
    offset: int
    limit: int
    filters: dict[str, str]
    notes: list[str] = field(default_factory=list)
    elapsed_ms: float = 0.0

    def summary(self) -> str:
        """'123 reports' or 'more than 2,000 reports (about 19,800)'."""
        if self.total_exact:
            return f"{self.total:,} report{'' if self.total == 1 else 's'}"
        return f"more than {self.total:,} reports (about {self.estimate:,})"

    def text_lines(self) -> list[str]:
        """The page as plain text, two lines a hit (what `nianbao search` prints)."""
        lines = [f"{self.summary()} for {self.query.text} (sorted {self.sort})", *self.notes]
        for hit in self.hits:
            f = hit.fields
            place = " ".join(str(v) for v in (f["province"], f["county"], f["town"]) if v)
            lines.append(f"{f['report_year'] or '----'}  {f['title']}  [{hit.id}] {place}")
            where = f"{hit.section}: " if hit.section else ""
            lines.append(f"      {where}{hit.snippet_text}")
        return lines

    @property
    def has_next(self) -> bool:
        return (self.offset + len(self.hits) < self.total or not self.total_exact) and \
            len(self.hits) == self.limit and self.offset + self.limit <= MAX_OFFSET


class BudgetExceeded(Exception):
    pass


@contextmanager
def time_limit(conn: Any, seconds: float) -> Iterator[None]:
    """Interrupt the statements run inside after `seconds`; raises BudgetExceeded."""
    deadline = time.perf_counter() + seconds
    conn.set_progress_handler(lambda: int(time.perf_counter() > deadline), 2000)
    try:
        yield
    except Exception as error:  # stdlib sqlite3 and pysqlite3 have separate classes
        if "interrupt" in str(error).lower():
            raise BudgetExceeded from error
        raise
    finally:
        conn.set_progress_handler(None, 2000)


def filter_sql(filters: Mapping[str, str]) -> tuple[str, list[Any]]:
    clauses, params = [], []
    for column, value in filters.items():
        clauses.append(f"r.{column} = ?")
        params.append(int(value) if column == "report_year" and str(value).isdigit() else value)
    return "".join(f" AND {c}" for c in clauses), params


def probe(conn: Any, match: str, where: str, params: list[Any], sample: int,
          seconds: float) -> tuple[list[int], bool]:
    """Up to `sample` matching rowids, newest rowid first; True if that is all of them."""
    sql = (f"SELECT f.rowid FROM reports_fts f JOIN reports r ON r.rowid = f.rowid "
           f"WHERE reports_fts MATCH ?{where} ORDER BY f.rowid DESC LIMIT ?")
    rowids: list[int] = []
    try:
        with time_limit(conn, seconds):
            cursor = conn.execute(sql, [match, *params, sample + 1])
            while batch := cursor.fetchmany(500):
                rowids.extend(row[0] for row in batch)
    except BudgetExceeded:
        return rowids, False
    return rowids[:sample], len(rowids) <= sample


def count_all(conn: Any, match: str, where: str, params: list[Any], seconds: float) -> int | None:
    if where:
        sql = (f"SELECT count(*) FROM reports_fts f JOIN reports r ON r.rowid = f.rowid "
               f"WHERE reports_fts MATCH ?{where}")
    else:
        sql = "SELECT count(*) FROM reports_fts WHERE reports_fts MATCH ?"
    try:
        with time_limit(conn, seconds):
            return int(conn.execute(sql, [match, *params]).fetchone()[0])
    except BudgetExceeded:
        return None


def page_from_known(conn: Any, rowids: list[int], order: str, limit: int, offset: int) -> list[int]:
    sql = (f"SELECT r.rowid FROM reports r WHERE r.rowid IN (SELECT value FROM json_each(?)) "
           f"ORDER BY {order} LIMIT ? OFFSET ?")
    return [row[0] for row in conn.execute(sql, [json.dumps(rowids), limit, offset])]


def page_by_walking(conn: Any, match: str, where: str, params: list[Any], order: str,
                    limit: int, offset: int) -> list[int]:
    sql = (f"SELECT r.rowid FROM reports r WHERE EXISTS (SELECT 1 FROM reports_fts f "
           f"WHERE reports_fts MATCH ? AND f.rowid = r.rowid){where} "
           f"ORDER BY {order} LIMIT ? OFFSET ?")
    return [row[0] for row in conn.execute(sql, [match, *params, limit, offset])]


def page_by_rank(conn: Any, match: str, where: str, params: list[Any], limit: int,
                 offset: int) -> list[int]:
    sql = (f"SELECT f.rowid FROM reports_fts f JOIN reports r ON r.rowid = f.rowid "
           f"WHERE reports_fts MATCH ?{where} ORDER BY f.rank LIMIT ? OFFSET ?")
    return [row[0] for row in conn.execute(sql, [match, *params, limit, offset])]


def page_by_rowid(conn: Any, match: str, where: str, params: list[Any], limit: int,
                  offset: int) -> list[int]:
    """The last resort: newest rowids first, which FTS5 yields without sorting."""
    sql = (f"SELECT f.rowid FROM reports_fts f JOIN reports r ON r.rowid = f.rowid "
           f"WHERE reports_fts MATCH ?{where} ORDER BY f.rowid DESC LIMIT ? OFFSET ?")
    return [row[0] for row in conn.execute(sql, [match, *params, limit, offset])]


def facet_counts(conn: Any, rowids: list[int], seconds: float) -> dict[str, list[tuple[Any, int]]]:
    """Top values of each facet column among `rowids` (one read of the rows, counted here)."""
    counters: dict[str, Counter[Any]] = {column: Counter() for column in FACETS}
    sql = (f"SELECT {', '.join(FACETS)} FROM reports WHERE rowid IN "
           f"(SELECT value FROM json_each(?))")
    try:
        with time_limit(conn, seconds):
            for row in conn.execute(sql, [json.dumps(rowids)]):
                for column, value in zip(FACETS, row):
                    if value not in (None, ""):
                        counters[column][value] += 1
    except BudgetExceeded:
        return {}
    return {
        column: sorted(counter.items(), key=lambda item: (-item[1], str(item[0])))[:FACET_SIZE]
        for column, counter in counters.items()
    }


def estimate_total(conn: Any, known: list[int]) -> int:
    """Matches extrapolated from the probe: rowids are read newest first and are dense."""
    top = conn.execute("SELECT max(rowid) FROM reports").fetchone()[0] or 0
    if not known or top <= 0:
        return len(known)
    span = max(1, top - min(known) + 1)
    return max(len(known), round(len(known) * top / span))


def section_of(conn: Any, report_id: str, pattern: Any) -> tuple[str, str] | None:
    """Heading and text of the first section of a report whose heading or text holds one
    of the terms (the same matching as the index, on the folded text)."""
    for heading, text in conn.execute(
        "SELECT heading, text FROM sections WHERE report_id = ? ORDER BY ordinal", [report_id]
    ):
        if match_spans(heading or "", pattern) or match_spans(text or "", pattern):
            return heading or "", text or ""
    return None


def locate(conn: Any, report_id: str, text: str, pattern: Any) -> tuple[str | None, str, str]:
    """(section heading, where, passage) for the first place a report matches."""
    found = section_of(conn, report_id, pattern)
    if found:
        return found[0], "section", found[1]
    if match_spans(text, pattern):
        return None, "text", text
    return None, "title", text


def load_hits(conn: Any, rowids: list[int], parsed: ParsedQuery) -> list[Hit]:
    if not rowids:
        return []
    pattern = compile_terms(parsed.terms)
    columns = ", ".join(f"r.{c}" for c in HIT_COLUMNS)
    rows = conn.execute(f"SELECT r.rowid, {columns} FROM reports r WHERE r.rowid IN "
                        f"(SELECT value FROM json_each(?))", [json.dumps(rowids)]).fetchall()
    by_rowid = {row[0]: dict(zip(("rowid", *HIT_COLUMNS), row)) for row in rows}
    hits = []
    for rowid in rowids:
        row = by_rowid.get(rowid)
        if row is None:
            continue
        section, where, passage = locate(conn, row["id"], row.pop("text") or "", pattern)
        hits.append(Hit(rowid=rowid, id=row["id"], title_html=highlight(row["title"] or "", pattern),
                        snippet_html=snippet(passage, pattern),
                        snippet_text=snippet(passage, pattern, marks=TEXT_MARKS),
                        section=section, where=where,
                        fields=row))
    return hits


def clean_filters(filters: Mapping[str, Any] | None) -> dict[str, str]:
    return {k: str(v) for k, v in (filters or {}).items() if k in FACETS and v not in (None, "")}


def search_reports(db: Any, query: str, limit: int = 20, offset: int = 0,
                   filters: Mapping[str, Any] | None = None, sort: str = "newest",
                   sample: int = SAMPLE, budgets: Budgets | None = None) -> SearchResults:
    """Search reports: every term must occur (see `archive.search.query`).

    `db` is a sqlite-utils Database or a DB-API connection with the tokenizer registered.
    `filters` narrows by facet columns (province, county, town, report_year, format).
    `sort` is "newest" (report year, then publication date), "oldest" or "relevance".
    Raises SearchQueryError for an empty, over-long or unsearchable query.
    """
    started = time.perf_counter()
    conn = getattr(db, "conn", db)
    parsed = parse_query(query)
    budgets = budgets or Budgets()
    sort = sort if sort in SORTS else "newest"
    limit, offset = max(1, min(int(limit), 100)), max(0, min(int(offset), MAX_OFFSET))
    chosen = clean_filters(filters)
    where, params = filter_sql(chosen)
    match = parsed.match
    known, complete = probe(conn, match, where, params, sample, budgets.probe)
    notes: list[str] = []
    total, total_exact, estimate = len(known), complete, len(known)
    if not complete:
        counted = count_all(conn, match, where, params, budgets.count)
        if counted is not None:
            total, total_exact, estimate = counted, True, counted
        else:
            estimate = estimate_total(conn, known)
    rowids = page_rowids(conn, match, where, params, sort, limit, offset, known, complete,
                         budgets, notes)
    facets = facet_counts(conn, known, budgets.facets)
    return SearchResults(
        query=parsed, hits=load_hits(conn, rowids, parsed), total=total,
        total_exact=total_exact, estimate=estimate, facets=facets, facets_exact=complete,
        sample=sample, sort=sort,
        offset=offset, limit=limit, filters=chosen, notes=notes,
        elapsed_ms=(time.perf_counter() - started) * 1000,
    )


def page_rowids(conn: Any, match: str, where: str, params: list[Any], sort: str, limit: int,
                offset: int, known: list[int], complete: bool, budgets: Budgets,
                notes: list[str]) -> list[int]:
    if sort == "relevance":
        if complete:
            return page_by_rank(conn, match, where, params, limit, offset)
        notes.append(f"Too many matches to rank by relevance (more than {len(known):,}); "
                     "showing newest first. Add a word to narrow the search.")
        sort = "newest"
    order = ORDER_BY[sort]
    if complete:
        return page_from_known(conn, known, order, limit, offset)
    try:
        with time_limit(conn, budgets.page):
            return page_by_walking(conn, match, where, params, order, limit, offset)
    except BudgetExceeded:
        notes.append("Sorting by date took too long for this common term; "
                     "showing the most recently archived matches first.")
        return page_by_rowid(conn, match, where, params, limit, offset)
