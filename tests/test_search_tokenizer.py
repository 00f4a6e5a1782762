"""The token streams, the legacy tokenizer's registration, and the index's life cycle
(triggers that queue, `sync_index`, rebuild, plain SQLite reading it)."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import opencc
import pysqlite3.dbapi2 as pysqlite3
import pytest
import sqlite_utils

from archive.search import search_reports
from archive.search.folding import fold
from archive.search.fts import connect, enable_search, sync_index
from archive.search.sqlite_fts5 import has_tokenizer, register_tokenizer
from archive.search.tokenizer import aux_tokens, document_stream, match_phrase, query_tokens

ALPHABET = "政府信息公开開報告扶贫貧２０１9aＢc，。、 \n<>&①㈠𠀀é"


@pytest.mark.parametrize("text, folded", [
    ("政府信息公開", "政府信息公开"),
    ("２０１９年ＡＢＣ", "2019年abc"),
    ("扶貧工作報告", "扶贫工作报告"),
    ("Ｗｅ　Ｃｈａｔ", "we\ue000chat"),
])
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_fold_agrees_with_opencc_on_single_characters() -> None:
    converter = opencc.OpenCC("t2s")
    for char in "開報貧發門戶數條網統計問題領導機關實際們這裡為與經濟業務點擊":
        assert fold(char) == converter.convert(char)


def test_tokens_are_the_same_at_index_and_highlight_time() -> None:
    rng = random.Random(3)
    for _ in range(300):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40)))
        for bigrams in (True, False):
            indexed = [t for t in document_stream(text, bigrams).split(" ") if t]
            assert indexed == [t for t, _, _ in aux_tokens(text, bigrams)], text


def test_aux_offsets_are_utf8_byte_offsets_of_the_original() -> None:
    text = "ＡＢ，政府𠀀"
    data = text.encode("utf-8")
    spans = {t: data[s:e].decode("utf-8") for t, s, e in aux_tokens(text, bigrams=False)}
    assert spans == {"ab": "ＡＢ", "\ue000": "，", "政": "政", "府": "府", "𠀀": "𠀀"}


@pytest.mark.parametrize("phrase, tokens", [
    ("政", ["政"]),
    ("政府", ["政府"]),
    ("政府信息", ["政府", "府信", "信息"]),
    ("2019年", ["2019年"]),
    ("年2019", ["年", "2019"]),
    ("ABC", ["abc"]),
    ("，。", []),
])
def test_query_tokens(phrase: str, tokens: list[str]) -> None:
    assert query_tokens(phrase) == tokens


@pytest.mark.parametrize("module", [sqlite3, pysqlite3], ids=["sqlite3", "pysqlite3"])
def test_registers_on_both_sqlite_libraries(module: object) -> None:
    conn = module.connect(":memory:")  # type: ignore[attr-defined]
    try:
        assert not has_tokenizer(conn)
        register_tokenizer(conn)
        assert has_tokenizer(conn)
        conn.execute("CREATE VIRTUAL TABLE t USING fts5(body, tokenize='nianbao_zh')")
        conn.execute("INSERT INTO t VALUES ('本鎮政府信息公開，<b>扶貧</b>')")
        rows = conn.execute("SELECT highlight(t, 0, '[', ']') FROM t WHERE t MATCH ?",
                            ['"信息公开"']).fetchall()
        assert rows == [("本鎮政府[信息公開]，<b>扶貧</b>",)]
        assert conn.execute("SELECT count(*) FROM t WHERE t MATCH '\"扶贫\"'").fetchone() == (1,)
    finally:
        conn.close()


def make_archive(path: Path) -> sqlite_utils.Database:
    db = connect(path)
    db["reports"].create({"id": str, "title": str, "text": str, "report_year": int,
                          "published": str}, pk="id")
    return db


def matching(db: sqlite_utils.Database, phrase: str) -> set[str]:
    rows = db.execute("SELECT id FROM reports WHERE rowid IN (SELECT rowid FROM reports_fts "
                      "WHERE reports_fts MATCH ?)", [match_phrase(phrase)]).fetchall()
    return {r[0] for r in rows}


def test_triggers_queue_and_sync_keeps_the_index_in_sync(tmp_path: Path) -> None:
    db = make_archive(tmp_path / "a.db")
    try:
        db["reports"].insert({"id": "a", "title": "甲镇年报", "text": "扶贫工作"})
        assert enable_search(db) == ["reports_fts"]
        db["reports"].insert({"id": "b", "title": "乙镇年报", "text": "低保工作"})
        assert matching(db, "低保") == set()  # queued, not yet indexed
        assert sync_index(db) == 1
        assert matching(db, "扶贫") == {"a"} and matching(db, "低保") == {"b"}
        db["reports"].update("a", {"text": "低保审核"})
        db["reports"].update("a", {"text": "低保审核二"})  # twice before a sync
        sync_index(db)
        assert matching(db, "扶贫") == set() and matching(db, "低保") == {"a", "b"}
        db["reports"].update("a", {"report_year": 2020})  # not an indexed column
        assert db.execute("SELECT count(*) FROM reports_fts_pending").fetchone() == (0,)
        db["reports"].delete("b")
        sync_index(db)
        assert matching(db, "低保") == {"a"} and matching(db, "乙镇") == set()
        db["reports"].insert({"id": "c", "title": "丙", "text": "双减"})
        db["reports"].delete("c")  # inserted and deleted between two syncs
        sync_index(db)
        assert matching(db, "双减") == set()
        db.execute("INSERT INTO reports_fts(reports_fts) VALUES ('integrity-check')")
        assert db.execute("SELECT count(*) FROM reports_fts_docsize").fetchone() == (1,)
    finally:
        db.close()


def test_insert_or_replace_cannot_lose_the_indexed_values(tmp_path: Path) -> None:
    db = make_archive(tmp_path / "a.db")
    try:
        db["reports"].insert({"id": "a", "title": "甲", "text": "扶贫"})
        enable_search(db)
        db["reports"].update("a", {"text": "低保"})
        db.execute("INSERT OR REPLACE INTO reports_fts_pending (id, title, text, indexed) "
                   "SELECT rowid, NULL, NULL, 0 FROM reports WHERE 0")  # no-op, same policy
        db.execute("UPDATE OR REPLACE reports SET text = '双减' WHERE id = 'a'")
        sync_index(db)
        assert matching(db, "扶贫") == set() and matching(db, "低保") == set()
        assert matching(db, "双减") == {"a"}
        db.execute("INSERT INTO reports_fts(reports_fts) VALUES ('integrity-check')")
    finally:
        db.close()


def test_enable_search_is_idempotent_and_replaces_foreign_indexes(tmp_path: Path) -> None:
    db = make_archive(tmp_path / "a.db")
    try:
        db["reports"].insert({"id": "a", "title": "甲镇", "text": "政府信息公开"})
        db["reports"].enable_fts(["title", "text"], create_triggers=True)  # unicode61
        assert matching(db, "信息") == set()  # the default tokenizer cannot find a word
        assert "reports_fts" in enable_search(db)
        assert enable_search(db) == []
        assert matching(db, "信息") == {"a"}
        db["reports"].insert({"id": "b", "title": "乙镇", "text": "信息"})
        enable_search(db)
        assert matching(db, "信息") == {"a", "b"}
        count = db.execute("SELECT count(*) FROM reports_fts_docsize").fetchone()[0]
        assert count == 2
    finally:
        db.close()


def test_plain_sqlite_reads_and_searches(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    db = make_archive(path)
    db["reports"].insert({"id": "a", "title": "甲镇", "text": "扶貧，政府信息公开"})
    enable_search(db)
    db.close()
    plain = sqlite3.connect(path)  # the standard library's SQLite, no extension
    try:
        assert plain.execute("SELECT title FROM reports").fetchall() == [("甲镇",)]
        for query in ("扶贫", "政", '"政府 府信 信息"', match_phrase("政府信息公開")):
            assert plain.execute("SELECT title FROM reports_fts WHERE reports_fts MATCH ?",
                                 [query]).fetchall() == [("甲镇",)], query
        assert plain.execute("SELECT count(*) FROM reports_fts WHERE reports_fts MATCH "
                             "'贫政'").fetchone() == (0,)
    finally:
        plain.close()


def test_archive_store_can_be_searched(tmp_path: Path) -> None:
    from archive.db.archive import Archive
    from archive.records import Report, Section

    with Archive(tmp_path / "store.db") as archive:
        report = Report(url="http://127.0.0.1:1/a.html", title="抚松镇2019年政府信息公开工作年度报告",
                        title_raw="抚松镇2019年政府信息公开工作年度报告",
                        text="一、总体情况\n全年扶贫。\n二、其他\n无。",
                        town="抚松镇", report_year=2019,
                        sections=[Section(1, "一、总体情况", "全年扶贫。"),
                                  Section(1, "二、其他", "无。"), Section(1, "三、附", "另存")])
        archive.save_report(report, capture_id=None)
        assert len(matching(archive.db, "扶贫")) == 1
        spans = archive.db.execute("SELECT text_start, text_end, text FROM section_spans "
                                   "ORDER BY ordinal").fetchall()
        assert spans == [(7, 12, None), (18, 20, None), (None, None, "另存")]
        assert archive.db.execute("SELECT heading, text FROM sections ORDER BY ordinal").fetchall() \
            == [("一、总体情况", "全年扶贫。"), ("二、其他", "无。"), ("三、附", "另存")]
        hit = search_reports(archive.db, "扶贫").hits[0]
        assert hit.section == "一、总体情况" and "<mark>扶贫</mark>" in hit.snippet_html


def test_enable_search_on_minimal_tables(tmp_path: Path) -> None:
    db = connect(tmp_path / "a.db")
    try:
        db["reports"].create({"id": str, "title": str, "text": str}, pk="id")
        assert enable_search(db) == ["reports_fts"]  # no year column
        db["reports"].insert({"id": "a", "title": "甲", "text": "扶贫"})
        sync_index(db)
        assert matching(db, "扶贫") == {"a"}
    finally:
        db.close()


def test_benchmark_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "bench" / "bench_search.py"
    spec = importlib.util.spec_from_file_location("bench_search", path)
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main(["--quick", "--reports", "40", "--reps", "1"]) == 0
    out = capsys.readouterr().out
    assert "== Build: 40 reports" in out and "Latency through Datasette" in out
    assert " !" not in out  # every count matched the substring scan
