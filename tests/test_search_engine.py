"""`search_reports`: exact pages, newest first, filters, facets, budgets, bad input.

The /-/search page over the same corpus is tested in test_web_search_page.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers.search_corpus import expected

from archive.search.engine import Budgets, search_reports
from archive.search.query import SearchQueryError, parse_query


@pytest.fixture
def archive(search_corpus: tuple[Path, dict[str, tuple[str, str]]]) -> tuple[Path, dict[str, tuple[str, str]]]:
    return search_corpus


@pytest.fixture
def db(archive: tuple[Path, dict]) -> Any:
    from archive.search.fts import connect

    database = connect(archive[0])
    yield database
    database.close()


def all_pages(db: Any, query: str, **options: Any) -> tuple[list[str], Any]:
    ids: list[str] = []
    offset, first = 0, None
    while True:
        results = search_reports(db, query, limit=50, offset=offset, **options)
        first = first or results
        ids.extend(hit.id for hit in results.hits)
        if len(results.hits) < 50:
            return ids, first
        offset += 50


@pytest.mark.parametrize("query", ["政", "扶贫", "双减", "扶贫 低保", "政府信息公開", "2019年度", "息政"])
@pytest.mark.parametrize("sample", [5, 2000])  # a small sample forces the walking path
def test_pages_are_exact_and_newest_first(db: Any, archive: tuple[Path, dict], query: str,
                                         sample: int) -> None:
    want = expected(archive[1], list(parse_query(query).terms))
    ids, first = all_pages(db, query, sample=sample)
    assert len(ids) == len(set(ids)) and set(ids) == want
    assert first.total == len(want) or (not first.total_exact and first.total <= len(want))
    years = [row[0] for row in db.execute(
        "SELECT coalesce(report_year, 0) FROM reports WHERE id IN (SELECT value FROM json_each(?))",
        [__import__("json").dumps(ids)])]
    if years:
        order = {rid: i for i, rid in enumerate(ids)}
        ranked = db.execute("SELECT id, coalesce(report_year, 0) FROM reports").fetchall()
        ordered = sorted((order[r], y) for r, y in ranked if r in order)
        assert [y for _, y in ordered] == sorted([y for _, y in ordered], reverse=True)


def test_filters_and_relevance(db: Any, archive: tuple[Path, dict]) -> None:
    results = search_reports(db, "扶贫", filters={"report_year": "2020", "bogus": "x"},
                             sort="relevance", limit=100)
    assert results.filters == {"report_year": "2020"}
    assert results.hits and all(h.fields["report_year"] == 2020 for h in results.hits)
    want = {rid for rid in expected(archive[1], ["扶贫"])
            if db.execute("SELECT report_year FROM reports WHERE id = ?", [rid]).fetchone()[0] == 2020}
    assert {h.id for h in results.hits} == want and results.total == len(want)


def test_hits_know_their_section_and_facets_count(db: Any) -> None:
    results = search_reports(db, "公信力")
    hit = next(h for h in results.hits if h.id == "h-sections")
    assert hit.section == "三、问题" and "<mark>公信力</mark>" in hit.snippet_html
    title_only = search_reports(db, "垃圾分类专项").hits
    assert [(h.id, h.where) for h in title_only] == [("h-title", "title")]
    facets = search_reports(db, "扶贫").facets
    assert set(facets) == {"province", "county", "town", "report_year", "format"}
    assert sum(n for _, n in facets["format"]) == search_reports(db, "扶贫").total


def test_budget_overrun_degrades_instead_of_failing(db: Any, archive: tuple[Path, dict]) -> None:
    tiny = Budgets(probe=0.0, count=0.0, page=0.0, facets=0.0)
    results = search_reports(db, "政", budgets=tiny, sample=3)
    assert results.hits and results.notes  # the date walk gave up: newest archived first
    assert {h.id for h in results.hits} <= expected(archive[1], ["政"])


@pytest.mark.parametrize("query", ["", "   ", "。。。", "*", "政" * 201])
def test_unsearchable_queries_raise_a_named_error(db: Any, query: str) -> None:
    with pytest.raises(SearchQueryError):
        search_reports(db, query)


def test_text_lines_for_terminals(db: Any) -> None:
    lines = search_reports(db, "扶贫攻坚").text_lines()
    assert lines[0].startswith("1 report for 扶贫攻坚")
    assert "[h-script]" in lines[1] and "【扶贫攻坚】" in lines[2]
