"""The /-/search page: escaping, facets, sections, paging, hostile and too long queries.

`search_reports` behind it is tested in test_search_engine.py on the same corpus."""

from __future__ import annotations

from pathlib import Path

import pytest
from datasette.app import Datasette

TEMPLATES = Path(__file__).resolve().parent.parent / "archive" / "web" / "templates"
HOSTILE = ['"', '""', '"扶贫', '扶贫"', "*", "扶贫*", "NEAR(", "NEAR(扶贫 低保)", "-", "-扶贫",
           "^", "^政府", "(", ")", "AND", "扶贫 OR", "NOT 低保", "title:扶贫", "{title}: 扶",
           "'; DROP TABLE reports; --", "\\", "%", "_", "💥", "。。。", "“扶贫", "政" * 300, ""]


@pytest.fixture
def archive(search_corpus: tuple[Path, dict[str, tuple[str, str]]]) -> tuple[Path, dict[str, tuple[str, str]]]:
    return search_corpus


@pytest.fixture
def datasette(archive: tuple[Path, dict]) -> Datasette:
    return Datasette([str(archive[0])], settings={"suggest_facets": False})


async def test_page_escapes_archived_text(datasette: Datasette) -> None:
    response = await datasette.client.get("/-/search", params={"q": "扶贫攻坚"})
    assert response.status_code == 200
    page = response.text
    assert "<script>alert" not in page and "<b>重点</b>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;<mark>扶贫攻坚</mark>" in page
    assert '<a href="/nianbao/reports/h-script">年报 report</a>' in page
    assert 'href="http://127.0.0.1:9/h-script.html"' in page
    assert 'href="/nianbao/captures/7"' in page


async def test_page_shows_facets_sections_and_pages(datasette: Datasette) -> None:
    page = (await datasette.client.get("/-/search", params={"q": "扶贫"})).text
    for label in ("省份 Province", "县区 County", "单位 Town", "年度 Year", "格式 Format"):
        assert f"<h3>{label}" in page
    assert "下一页 next →" in page and "<mark>扶贫</mark>" in page
    assert "每个词都必须出现" in page and "逐字精确匹配" in page  # the help, in Chinese
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
