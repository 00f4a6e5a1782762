"""Take the archive home: the file is searchable and writable without nianbao.

The real `sqlite3` shell (Debian's package, SQLite 3.40), a plain Python `sqlite3` in a
subprocess and `sqlite-utils` run on a copy of the search corpus; their counts must equal
the substring scan (`helpers.search_corpus.expected`). An archive made by the previous
version (legacy `nianbao_zh` tokenizer, section texts stored twice) is migrated on open.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pysqlite3.dbapi2 as pysqlite3
import pytest
from helpers.search_corpus import expected

from archive.db.archive import Archive
from archive.db.schema import SCHEMA_VERSION
from archive.search import fts_match, search_reports
from archive.search.fts import connect

BIN = Path(sys.executable).parent
SHELL = shutil.which("sqlite3")
# The documented transform, written out as a reader would (docs/search.md), for words of
# Simplified Han characters: 1-2 characters as they are, longer ones as a phrase of pairs.
TRANSFORM = "lambda w: w if len(w) < 3 else '\"' + ' '.join(w[i:i+2] for i in range(len(w) - 1)) + '\"'"


def shell_count(path: Path, match: str) -> int:
    assert SHELL, "the sqlite3 shell is needed: apt-get install sqlite3 (see .ci/run)"
    sql = "select count(*) from reports_fts where reports_fts match '" + match.replace("'", "''") + "';"
    done = subprocess.run([SHELL, "-bail", str(path), sql], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0 and not done.stderr, done.stderr
    return int(done.stdout.strip())


def plain_python(path: Path, script: str) -> str:
    """Run `script` with the standard library's sqlite3 only (a fresh interpreter)."""
    done = subprocess.run([sys.executable, "-I", "-c", textwrap.dedent(script), str(path)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def archive_copy(search_corpus: tuple[Path, dict], tmp_path: Path) -> tuple[Path, dict]:
    path = tmp_path / "archive.db"
    shutil.copy(search_corpus[0], path)
    return path, search_corpus[1]


@pytest.mark.parametrize("word", ["扶贫", "低保", "公开", "双减", "府信", "息政", "报告"])
def test_shell_counts_two_character_words_exactly(search_corpus: tuple[Path, dict],
                                                   word: str) -> None:
    path, corpus = search_corpus
    assert shell_count(path, word) == len(expected(corpus, [word]))


@pytest.mark.parametrize("word", ["政", "贫", "𠀀", "依申请", "政府信息", "提升公信力",
                                  "政府信息公开工作", "民政局长会议"])
def test_shell_counts_other_lengths_through_the_documented_transform(
        search_corpus: tuple[Path, dict], word: str) -> None:
    path, corpus = search_corpus
    transform = eval(TRANSFORM)  # the doc's one-liner, verbatim
    assert transform(word) == (word if len(word) < 3 else fts_match(word))
    assert shell_count(path, transform(word)) == len(expected(corpus, [word]))


def test_docs_show_the_transform() -> None:
    docs = (Path(__file__).resolve().parent.parent / "docs" / "search.md").read_text("utf-8")
    assert TRANSFORM.replace("\\", "") in docs.replace("\\", "")


def test_shell_finds_a_four_character_word_only_as_a_phrase(search_corpus: tuple[Path, dict]) -> None:
    path, corpus = search_corpus
    want = len(expected(corpus, ["政府信息"]))
    assert want > 0
    assert shell_count(path, '"政府 府信 信息"') == want
    assert shell_count(path, "政府信息") == 0  # one token that the index never holds


def test_plain_python_writes_indexed_columns_and_nianbao_catches_up(
        archive_copy: tuple[Path, dict]) -> None:
    path, corpus = archive_copy
    rid = next(iter(corpus))
    out = plain_python(path, f"""
        import sqlite3, sys
        conn = sqlite3.connect(sys.argv[1])
        conn.execute("UPDATE reports SET title = '鹿鸣镇年报' WHERE id = ?", [{rid!r}])
        conn.execute("UPDATE reports SET text = '全年化债工作。' WHERE id = 'h-title'")
        conn.execute("DELETE FROM reports WHERE id = 'h-abc'")
        conn.execute("INSERT INTO reports (id, title, text) VALUES ('new', '新报告', '化债')")
        conn.commit()
        print(conn.execute("SELECT count(*) FROM reports_fts_pending").fetchone()[0])
        print(conn.execute("SELECT count(*) FROM reports_fts WHERE reports_fts MATCH '扶贫'").fetchone()[0])
    """)
    pending, _ = out.split()
    assert int(pending) == 4  # queued by the triggers, in plain SQL
    with Archive(path) as archive:  # opening syncs the index
        db = archive.db
        assert db.execute("SELECT count(*) FROM reports_fts_pending").fetchone() == (0,)
        found = {h.id for h in search_reports(db, "鹿鸣", limit=100).hits}
        assert found == {rid}
        assert {h.id for h in search_reports(db, "化债", limit=100).hits} == {"h-title", "new"}
        assert search_reports(db, "abcd").total == 0
        assert search_reports(db, "垃圾分类").total == len(expected(corpus, ["垃圾分类"]))
        db.execute("INSERT INTO reports_fts(reports_fts) VALUES ('integrity-check')")
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert shell_count(path, "化债") == 2


def test_sqlite_utils_search_and_plugin_functions(search_corpus: tuple[Path, dict]) -> None:
    path, corpus = search_corpus
    done = subprocess.run([str(BIN / "sqlite-utils"), "search", str(path), "reports", "扶贫",
                           "-c", "id", "--limit", "1000"], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert {r["id"] for r in json.loads(done.stdout)} == expected(corpus, ["扶贫"])
    sql = ("select count(*) as n from reports_fts "
           "where reports_fts match nianbao_match('政府信息公開 扶贫')")
    done = subprocess.run([str(BIN / "sqlite-utils"), "query", str(path), sql],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [{"n": len(expected(corpus, ["政府信息公開", "扶贫"]))}]


def test_sqlite_utils_plugin_is_registered() -> None:
    import sqlite_utils

    db = sqlite_utils.Database(memory=True)
    assert db.execute("select nianbao_match('政府信息公开')").fetchone() == (
        '"政府 府信 信息 息公 公开"',)
    assert db.execute("select nianbao_match('\"\"')").fetchone() == ('""',)
    assert db.execute("select nianbao_segment('扶貧')").fetchone() == (
        "扶 贫 \ue001 扶贫 贫\ue002",)


# --- migration from the previous version -------------------------------------------------

LEGACY_SQL = [
    ('CREATE VIRTUAL TABLE "reports_fts" USING fts5(title, text, content="reports", '
     'content_rowid="rowid", tokenize="nianbao_zh")'),
    ('CREATE VIRTUAL TABLE "sections_fts" USING fts5(heading, text, content="sections", '
     'content_rowid="rowid", tokenize="nianbao_zh unigram")'),
    ("CREATE TRIGGER reports_fts_ai AFTER INSERT ON reports BEGIN INSERT INTO reports_fts"
     "(rowid, title, text) VALUES (new.rowid, new.title, new.text); END"),
    ("CREATE TRIGGER reports_fts_ad AFTER DELETE ON reports BEGIN INSERT INTO reports_fts"
     "(reports_fts, rowid, title, text) VALUES ('delete', old.rowid, old.title, old.text); END"),
    ("CREATE TRIGGER sections_fts_ai AFTER INSERT ON sections BEGIN INSERT INTO sections_fts"
     "(rowid, heading, text) VALUES (new.rowid, new.heading, new.text); END"),
]


def make_legacy_archive(path: Path, corpus_path: Path) -> list[tuple]:
    """An archive as the previous version left it: a `sections` table holding the texts,
    and both indexes built with the `nianbao_zh` tokenizer."""
    from archive.search.sqlite_fts5 import register_tokenizer

    source = pysqlite3.connect(corpus_path)
    reports = source.execute("SELECT id, title, text, report_year, published FROM reports").fetchall()
    sections = source.execute("SELECT report_id, ordinal, level, heading, text FROM sections "
                              "ORDER BY report_id, ordinal").fetchall()
    source.close()
    conn = pysqlite3.connect(path)
    register_tokenizer(conn)
    conn.execute("CREATE TABLE reports (id TEXT PRIMARY KEY, title TEXT, text TEXT, "
                 "report_year INTEGER, published TEXT)")
    conn.execute("CREATE TABLE sections (report_id TEXT, ordinal INTEGER, level INTEGER, "
                 "heading TEXT, text TEXT, PRIMARY KEY (report_id, ordinal))")
    for statement in LEGACY_SQL:
        conn.execute(statement)
    conn.executemany("INSERT INTO reports VALUES (?, ?, ?, ?, ?)", reports)
    conn.executemany("INSERT INTO sections VALUES (?, ?, ?, ?, ?)", sections)
    conn.execute("INSERT INTO sections VALUES ('orphan', 1, 1, '一、孤立', '不在任何报告里')")
    conn.commit()
    conn.close()
    return sections


def test_an_archive_of_the_previous_version_is_migrated(search_corpus: tuple[Path, dict],
                                                        tmp_path: Path) -> None:
    corpus_path, corpus = search_corpus
    path = tmp_path / "old.db"
    sections = make_legacy_archive(path, corpus_path)
    assert SHELL
    sql = "select count(*) from reports_fts where reports_fts match '扶贫'"
    failed = subprocess.run([SHELL, str(path), sql], capture_output=True, text=True, check=False)
    assert "no such tokenizer: nianbao_zh" in failed.stderr  # what the issue reported
    with Archive(path) as archive:
        db = archive.db
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        kinds = dict(db.execute("SELECT name, type FROM sqlite_master WHERE name IN "
                                "('sections', 'section_spans', 'sections_fts')").fetchall())
        assert kinds == {"sections": "view", "section_spans": "table"}
        got = db.execute("SELECT report_id, ordinal, level, heading, text FROM sections "
                         "WHERE report_id != 'orphan' ORDER BY report_id, ordinal").fetchall()
        assert got == sections
        stored = db.execute("SELECT count(*), count(text_start), sum(length(text)) "
                            "FROM section_spans WHERE report_id != 'orphan'").fetchone()
        assert stored[0] == stored[1] == len(sections) and not stored[2]
        assert db.execute("SELECT text FROM sections WHERE report_id = 'orphan'").fetchone() == (
            "不在任何报告里",)
        for query in ("扶贫", "政", "政府信息公开工作", "扶貧 低保"):
            assert search_reports(db, query, limit=100).total == len(
                expected(corpus, list(fts_match_terms(query))))
    assert shell_count(path, "扶贫") == len(expected(corpus, ["扶贫"]))
    with Archive(path) as archive:  # a second open changes nothing
        assert archive.db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)


def fts_match_terms(query: str) -> tuple[str, ...]:
    from archive.search import parse_query

    return parse_query(query).terms


def test_connect_needs_no_extension(search_corpus: tuple[Path, dict]) -> None:
    db = connect(search_corpus[0])
    try:
        sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'reports_fts'").fetchone()[0]
        assert 'tokenize="ascii"' in sql and 'content="reports"' in sql
        triggers = " ".join(r[0] for r in db.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger'"))
        assert "nianbao" not in triggers and "reports_fts_pending" in triggers
    finally:
        db.close()
