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
import sqlite_utils
from datasette.app import Datasette
from datasette.utils import escape_fts

from archive.search.folding import GAP, is_word_char, normalize
from archive.search.fts import connect, enable_search
from archive.search.query import parse_query
from tools.synthetic import generate_reports

REPORT_COLUMNS = {
    "id": str, "url": str, "title": str, "title_raw": str, "town": str, "county": str,
    "province": str, "report_year": int, "published": str, "signed": str, "source": str,
    "format": str, "tampered": int, "spam_terms": str, "text": str, "platform": str,
    "index_no": str, "site_id": str, "capture_id": int, "first_seen": str, "last_seen": str,
}
SECTION_COLUMNS = {"report_id": str, "ordinal": int, "level": int, "heading": str, "text": str}

# (id, title, sections) — edge cases the synthetic vocabulary does not produce.
HANDMADE: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("h-script", "人民政府出台办法", [("一、概述", "<script>alert('x')</script>扶贫攻坚<b>重点</b>")]),
    ("h-trad", "石門鎮政府信息公開工作年度報告",
     [("一、總體情況", "本鎮依申請公開辦理情況良好，扶貧工作穩步推進。")]),
    ("h-fullwidth", "２０１９年度报告", [("一、概述", "编号１２３４５，ＡＰＰ下载量大。")]),
    ("h-latin", "WeChat与APP", [("一、概述", "关注WeChat公众号或访问www.example.gov.cn，编号123456。")]),
    ("h-split", "信息测试", [("一、概述", "人民政府，信息公开。民政局长。")]),
    ("h-abc", "abcd测试", [("一、概述", "代号abcd与xabc不同，abc单独出现在末尾：abc")]),
    ("h-expand", "㈠编号①", [("㈠一般情况", "①主动公开46条；⑵其他事项")]),
    ("h-title", "垃圾分类专项报告", [("一、概述", "本文不含那个词。")]),
    ("h-sections", "分节测试", [("一、概述", "开头。"), ("二、情况", "中间。"),
                                ("三、问题", "这里提到提升公信力。")]),
    ("h-gaps", "间隔测试", [("一、概述", "扶贫，\n  低保工作；；信息 公开")]),
    ("h-extb", "𠀀字测试", [("一、概述", "生僻字𠀀出现一次，政府信息公开工作。")]),
]

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


def occurs(term: str, text: str) -> bool:
    """The oracle: `term` occurs in `text` after folding; word runs must match whole."""
    needle = normalize(term).strip(GAP)
    haystack = normalize(text)
    if not needle:
        return False
    start = 0
    while (i := haystack.find(needle, start)) != -1:
        j = i + len(needle)
        left = not (is_word_char(needle[0]) and i > 0 and is_word_char(haystack[i - 1]))
        right = not (is_word_char(needle[-1]) and j < len(haystack)
                     and is_word_char(haystack[j]))
        if left and right:
            return True
        start = i + 1
    return False


def expected(corpus: dict[str, tuple[str, str]], terms: list[str]) -> set[str]:
    return {rid for rid, (title, text) in corpus.items()
            if all(occurs(t, title) or occurs(t, text) for t in terms)}


def datasette_terms(query: str) -> list[str]:
    """The phrases Datasette's `_search` hands FTS5 (its own escaping)."""
    return [p.replace('""', '"') for p in re.findall(r'"((?:[^"]|"")*)"', escape_fts(query))]


def report_row(rid: str, title: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"id": rid, "title": title, "title_raw": title, "text": text,
            "url": f"http://127.0.0.1:9/{rid}.html", "capture_id": 7, "tampered": 0, **extra}


def build_corpus(path: Path) -> dict[str, tuple[str, str]]:
    db = sqlite_utils.Database(path)
    db["reports"].create(REPORT_COLUMNS, pk="id")
    db["sections"].create(SECTION_COLUMNS, pk=("report_id", "ordinal"))
    enable_search(db)  # empty tables: triggers index every insert below
    corpus = {}
    for r in generate_reports(220, seed=7, min_length=300, max_length=1500):
        db["reports"].insert(report_row(r.id, r.title, r.text, town=r.town, county=r.county,
                                        province=r.province, report_year=r.report_year,
                                        published=r.published, format=r.format))
        db["sections"].insert_all({"report_id": r.id, "ordinal": i, "level": lvl, "heading": h,
                                   "text": t} for i, (lvl, h, t) in enumerate(r.sections, 1))
        corpus[r.id] = (r.title, r.text)
    for rid, title, sections in HANDMADE:
        text = "\n".join(f"{h}\n{t}" for h, t in sections)
        db["reports"].insert(report_row(rid, title, text, town="测试镇", county="测试县",
                                        province="测试省", report_year=2020, format="post2019"))
        db["sections"].insert_all({"report_id": rid, "ordinal": i, "level": 1, "heading": h,
                                   "text": t} for i, (h, t) in enumerate(sections, 1))
        corpus[rid] = (title, text)
    db.conn.commit()
    db.close()
    return corpus


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, tuple[str, str]]]:
    path = tmp_path_factory.mktemp("search") / "nianbao.db"
    return path, build_corpus(path)


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
