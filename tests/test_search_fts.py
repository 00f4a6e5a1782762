"""Chinese full-text search returns exactly the reports a substring scan finds.

A corpus of synthetic reports (plus hand-made edge cases) is indexed with the
`nianbao_zh` tokenizer; every query in QUERIES must return the same report ids as a plain
Python scan of the folded text, through SQL, through `search_reports` and through
Datasette's own table search (`?_search=`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from datasette.app import Datasette
from datasette.utils import escape_fts
from helpers.search_corpus import expected

from archive.search.fts import connect
from archive.search.query import parse_query

QUERIES = [
    # one character
    "政", "开", "贫", "㈠", "①", "𠀀", "z",
    # two characters, common to rare, Traditional input, no hit
    "扶贫", "低保", "公开", "双减", "府信", "民政", "公信", "息政", "報告", "扶貧", "开信",
    # phrases of 3-8 characters
    "依申请", "依申请公开", "政府信息公开", "政府信息公开工作", "政府信息公開工作",
    "人居环境整治", "乡村振兴", "垃圾分类", "进一步健全政府", "主动公开政府信息", "提升公信力",
    # several terms (all must occur)
    "扶贫 低保", "扶贫 双减", "乡村振兴 疫情防控 低保", "APP 扶贫", "政 府", "  低保   扶贫  ",
    # Latin, digits, full width, mixed
    "APP", "app", "wechat", "12345", "123456", "abc", "abcd", "２０１９年", "2019年", "2019年度",
    "www", "example.gov.cn", "2019", "年2019",
    # quoted phrases (spaces inside are gaps)
    '"政府 信息"', '"人民政府 信息"', '"信息公开 工作"', '"扶贫 低保"',
    # no hit
    "民政局长会议", "zzzz", "扶贫攻坚战略",
    # syntax characters searched as text
    "NEAR(扶贫", "扶贫*", "-低保", "^政府", "title:扶贫", "低保 OR", "AND",
]


def datasette_terms(query: str) -> list[str]:
    """The phrases Datasette's `_search` hands FTS5 (its own escaping)."""
    return [p.replace('""', '"') for p in re.findall(r'"((?:[^"]|"")*)"', escape_fts(query))]



@pytest.fixture
def archive(search_corpus: tuple[Path, dict[str, tuple[str, str]]]) -> tuple[Path, dict[str, tuple[str, str]]]:
    return search_corpus


@pytest.fixture
def db(archive: tuple[Path, dict]) -> Any:
    database = connect(archive[0])
    yield database
    database.close()


@pytest.fixture
def datasette(archive: tuple[Path, dict]) -> Datasette:
    return Datasette([str(archive[0])], settings={"suggest_facets": False})


def test_corpus_is_varied(archive: tuple[Path, dict]) -> None:
    corpus = archive[1]
    assert len(corpus) >= 200 and len(QUERIES) >= 40
    hits = [len(expected(corpus, list(parse_query(q).terms))) for q in QUERIES]
    assert sum(1 for n in hits if n == 0) >= 5  # no-hit queries
    assert sum(1 for n in hits if 0 < n < 10) >= 10  # rare
    assert sum(1 for n in hits if n > len(corpus) // 2) >= 5  # common


@pytest.mark.parametrize("query", QUERIES)
def test_sql_matches_substring_scan(db: Any, archive: tuple[Path, dict], query: str) -> None:
    parsed = parse_query(query)
    rows = db.execute(
        "SELECT id FROM reports WHERE rowid IN "
        "(SELECT rowid FROM reports_fts WHERE reports_fts MATCH ?)", [parsed.match]).fetchall()
    assert {r[0] for r in rows} == expected(archive[1], list(parsed.terms))


@pytest.mark.parametrize("query", QUERIES)
async def test_datasette_table_search_is_exact(datasette: Datasette, archive: tuple[Path, dict],
                                               query: str) -> None:
    response = await datasette.client.get(
        "/nianbao/reports.json", params={"_search": query, "_col": "id", "_size": "max",
                                         "_shape": "array", "_nofacet": "1"})
    assert response.status_code == 200
    assert {r["id"] for r in response.json()} == expected(archive[1], datasette_terms(query))
