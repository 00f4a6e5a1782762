"""`search_reports` and the /-/search page: exact pages, escaping, facets, bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from datasette.app import Datasette
from test_search_fts import build_corpus, expected

from archive.search.engine import Budgets, search_reports
from archive.search.query import SearchQueryError, parse_query

TEMPLATES = Path(__file__).resolve().parent.parent / "archive" / "templates"
HOSTILE = ['"', '""', '"扶贫', '扶贫"', "*", "扶贫*", "NEAR(", "NEAR(扶贫 低保)", "-", "-扶贫",
           "^", "^政府", "(", ")", "AND", "扶贫 OR", "NOT 低保", "title:扶贫", "{title}: 扶",
           "'; DROP TABLE reports; --", "\\", "%", "_", "💥", "。。。", "“扶贫", "政" * 300, ""]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, tuple[str, str]]]:
    path = tmp_path_factory.mktemp("page") / "nianbao.db"
    return path, build_corpus(path)


@pytest.fixture
def db(archive: tuple[Path, dict]) -> Any:
    from archive.search.fts import connect

    database = connect(archive[0])
    yield database
    database.close()


@pytest.fixture
def datasette(archive: tuple[Path, dict]) -> Datasette:
    return Datasette([str(archive[0])], settings={"suggest_facets": False})


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


async def test_page_escapes_archived_text(datasette: Datasette) -> None:
    response = await datasette.client.get("/-/search", params={"q": "扶贫攻坚"})
    assert response.status_code == 200
    page = response.text
    assert "<script>alert" not in page and "<b>重点</b>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;<mark>扶贫攻坚</mark>" in page
    assert '<a href="/nianbao/reports/h-script">report</a>' in page
    assert 'href="http://127.0.0.1:9/h-script.html"' in page
    assert 'href="/nianbao/captures/7"' in page


async def test_page_shows_facets_sections_and_pages(datasette: Datasette) -> None:
    page = (await datasette.client.get("/-/search", params={"q": "扶贫"})).text
    for label in ("Province", "County", "Town", "Report year", "Format"):
        assert f"<h3>{label}" in page
    assert "next →" in page and "<mark>扶贫</mark>" in page
    data = (await datasette.client.get("/-/search.json", params={"q": "扶贫", "page": "2"})).json()
    assert data["ok"] and data["offset"] == 20 and data["facets"]["province"]
    assert all(row["report_url"].startswith("/nianbao/reports/") for row in data["rows"])


async def test_page_with_project_templates(archive: tuple[Path, dict]) -> None:
    ds = Datasette([str(archive[0])], template_dir=str(TEMPLATES),
                   settings={"suggest_facets": False})
    response = await ds.client.get("/-/search", params={"q": "低保", "sort": "relevance"})
    assert response.status_code == 200 and "<mark>低保</mark>" in response.text


@pytest.mark.parametrize("query", HOSTILE)
async def test_hostile_queries_never_fail(datasette: Datasette, query: str) -> None:
    for path in ("/-/search", "/-/search.json"):
        response = await datasette.client.get(path, params={"q": query})
        assert response.status_code in (200, 400), (path, query, response.text[:300])
    table = await datasette.client.get("/nianbao/reports.json",
                                       params={"_search": query, "_col": "id", "_nofacet": "1"})
    assert table.status_code == 200


async def test_too_long_query_gets_a_message(datasette: Datasette) -> None:
    response = await datasette.client.get("/-/search", params={"q": "政" * 300})
    assert response.status_code == 400 and "the limit is 200" in response.text
    data = (await datasette.client.get("/-/search.json", params={"q": ""})).json()
    assert data["ok"] is False and data["error"]


def test_text_lines_for_terminals(db: Any) -> None:
    lines = search_reports(db, "扶贫攻坚").text_lines()
    assert lines[0].startswith("1 report for 扶贫攻坚")
    assert "[h-script]" in lines[1] and "【扶贫攻坚】" in lines[2]
