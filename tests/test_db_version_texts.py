"""A version's text is stored once (schema 3): the current one is read from `reports.text`.

Every reader still gets every version's exact text: `list_versions`, `nianbao diff`, the
version row page and its diff, the `report_diff` canned query, the CSV download. Plain SQL
writes to `reports` (any tool) keep superseded texts (triggers). An archive of schema 2,
which stored every text twice, is migrated on open: one transaction, exact texts, a second
open changes nothing, a failure midway leaves it as it was, and a VACUUM shrinks it.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pysqlite3.dbapi2 as pysqlite3
import pytest
from click.testing import CliRunner

from archive.app.cli import cli
from archive.db import Archive, report_id, schema
from archive.db.versions import list_versions, text_sha256
from archive.records import Report, Section
from archive.web.app import make_datasette

URL = "http://127.0.0.1:1/a.html"
FIRST = "一、总体情况\n本年度主动公开信息120条。\n二、其他\n无。"
SECOND = "一、总体情况\n本年度主动公开信息127条。\n二、其他\n无。\n（数据已更正。）"
THIRD = "一、总体情况\n本年度主动公开信息127条，其中规章3件。\n二、其他\n无。\n（数据已更正。）"
HISTORY = (FIRST, SECOND, THIRD)


def make_report(text: str, url: str = URL) -> Report:
    title = "高家镇2020年政府信息公开工作年度报告"
    return Report(url=url, title=title, title_raw=title, text=text, town="高家镇",
                  report_year=2020, sections=[Section(1, "一、总体情况", text)])


RID = report_id(make_report(FIRST))


def save_history(archive: Archive, texts: tuple[str, ...] = HISTORY) -> None:
    for day, text in enumerate(texts, start=1):
        archive.save_report(make_report(text), capture_id=day,
                            seen_at=f"2026-0{day}-01T00:00:00Z")


def stored(archive: Archive, rid: str = RID) -> list[tuple[int, str | None]]:
    return archive.db.execute("SELECT version, text FROM report_versions WHERE report_id = ? "
                              "ORDER BY version", [rid]).fetchall()


def test_three_texts_read_back_exactly_and_the_current_one_is_stored_once(db_path: Path) -> None:
    with Archive(db_path) as archive:
        save_history(archive)
        versions = list_versions(archive.db, RID)
        rows = stored(archive)
        current = archive.db.execute("SELECT text FROM reports WHERE id = ?", [RID]).fetchone()[0]
    assert [v.text for v in versions] == list(HISTORY)
    assert [v.text_sha256 for v in versions] == [text_sha256(t) for t in HISTORY]
    assert current == THIRD
    assert rows == [(1, FIRST), (2, SECOND), (3, None)]


def test_a_layout_change_keeps_the_text_first_seen(db_path: Path) -> None:
    relaid = FIRST.replace("\n", "\n\n  ")  # same normalised text: no new version
    with Archive(db_path) as archive:
        save_history(archive, (FIRST, relaid))
        [version] = list_versions(archive.db, RID)
        current = archive.db.execute("SELECT text FROM reports WHERE id = ?", [RID]).fetchone()[0]
    assert current == relaid and version.text == FIRST


def test_a_text_seen_again_later_is_shared_by_both_versions(db_path: Path) -> None:
    with Archive(db_path) as archive:
        save_history(archive, (FIRST, SECOND, FIRST))
        assert stored(archive) == [(1, None), (2, SECOND), (3, None)]
        archive.save_report(make_report(THIRD), capture_id=4, seen_at="2026-04-01T00:00:00Z")
        assert stored(archive) == [(1, FIRST), (2, SECOND), (3, FIRST), (4, None)]
        assert [v.text for v in list_versions(archive.db, RID)] == [FIRST, SECOND, FIRST, THIRD]


def test_plain_sql_writes_to_reports_keep_every_version(db_path: Path) -> None:
    """Another tool editing the file (sqlite3, sqlite-utils) cannot lose a version's text."""
    with Archive(db_path) as archive:
        save_history(archive)
    conn = pysqlite3.connect(db_path)
    conn.execute("UPDATE reports SET text = '改写' WHERE id = ?", [RID])
    conn.commit()
    assert conn.execute("SELECT version, text FROM report_versions ORDER BY version").fetchall(
    ) == [(1, FIRST), (2, SECOND), (3, THIRD)]
    conn.execute("UPDATE reports SET text = ? WHERE id = ?", [THIRD, RID])  # back: shared again
    conn.commit()
    assert conn.execute("SELECT text FROM report_versions WHERE version = 3").fetchone() == (None,)
    columns = [r[1] for r in conn.execute("PRAGMA table_info(reports)")]
    row = dict(zip(columns, conn.execute("SELECT * FROM reports").fetchone(), strict=True))
    row["text"] = "整行替换"
    conn.execute(f"INSERT OR REPLACE INTO reports ({', '.join(row)}) "
                 f"VALUES ({', '.join('?' * len(row))})", list(row.values()))
    conn.commit()
    assert conn.execute("SELECT text FROM report_versions WHERE version = 3").fetchone() == (THIRD,)
    conn.execute("DELETE FROM reports")
    conn.commit()
    assert conn.execute("SELECT version, text FROM report_versions ORDER BY version").fetchall(
    ) == [(1, FIRST), (2, SECOND), (3, THIRD)]
    conn.close()


def test_a_writer_spelling_the_text_out_stores_it_once(db_path: Path) -> None:
    with Archive(db_path) as archive:
        save_history(archive, (FIRST,))
        with archive.transaction():
            archive.db.execute("DELETE FROM report_versions")
            archive.db.execute(
                "INSERT INTO report_versions (report_id, version, text_sha256, text) "
                "VALUES (?, 1, ?, ?)", [RID, text_sha256(FIRST), FIRST])
        assert stored(archive) == [(1, None)]
        assert list_versions(archive.db, RID)[0].text == FIRST


def test_cli_versions_and_diff_read_the_shared_text(db_path: Path) -> None:
    with Archive(db_path) as archive:
        save_history(archive)
    runner = CliRunner()
    shown = runner.invoke(cli, ["diff", RID, "--db", str(db_path)])
    assert shown.exit_code == 0, shown.output
    assert "-本年度主动公开信息127条。" in shown.output
    assert "+本年度主动公开信息127条，其中规章3件。" in shown.output
    oldest = runner.invoke(cli, ["diff", RID, "1", "3", "--db", str(db_path)])
    assert "-本年度主动公开信息120条。" in oldest.output
    assert "+本年度主动公开信息127条，其中规章3件。" in oldest.output


async def test_web_version_pages_diff_and_csv_show_every_text(db_path: Path) -> None:
    with Archive(db_path) as archive:
        save_history(archive)
    ds = make_datasette(db_path)
    page = await ds.client.get(f"/nianbao/report_versions/{RID},3")
    assert page.status_code == 200
    assert '<div class="del">-本年度主动公开信息127条。</div>' in page.text
    assert '<div class="add">+本年度主动公开信息127条，其中规章3件。</div>' in page.text
    assert "<p>本年度主动公开信息127条，其中规章3件。</p>" in page.text
    page = await ds.client.get(f"/nianbao/report_versions/{RID},2")
    assert '<div class="add">+本年度主动公开信息127条。</div>' in page.text
    assert "<p>本年度主动公开信息127条。</p>" in page.text
    canned = await ds.client.get(
        f"/nianbao/report_diff.json?report_id={RID}&v1=1&v2=3&_shape=array")
    diff = canned.json()[0]["diff"]
    assert "-本年度主动公开信息120条。" in diff and "+本年度主动公开信息127条，其中规章3件。" in diff
    assert "-二、其他" not in diff
    download = await ds.client.get("/-/downloads/report_versions.csv")
    rows = list(csv.DictReader(io.StringIO(download.text.lstrip("\ufeff"))))
    assert [r["text"] for r in sorted(rows, key=lambda r: int(r["version"]))] == list(HISTORY)


# An archive of schema 2, as that version wrote it: every version's text in full.
OLD_SCHEMA = [
    ("CREATE TABLE reports (id TEXT PRIMARY KEY, url TEXT, title TEXT, title_raw TEXT, "
     "town TEXT, report_year INTEGER, text TEXT, first_seen TEXT, last_seen TEXT)"),
    ("CREATE TABLE report_versions (report_id TEXT, version INTEGER, text_sha256 TEXT, "
     "first_seen TEXT, last_seen TEXT, capture_ids TEXT, url TEXT, text TEXT, "
     "PRIMARY KEY (report_id, version))"),
    ("CREATE TABLE section_spans (report_id TEXT, ordinal INTEGER, level INTEGER, "
     "heading TEXT, text_start INTEGER, text_end INTEGER, text TEXT, "
     "PRIMARY KEY (report_id, ordinal))"),
    "PRAGMA user_version = 2",
]
FILLER = "我镇认真贯彻落实政府信息公开条例，扎实推进政务公开工作，依法办理依申请公开。\n" * 120


def old_archive(path: Path, reports: int = 40) -> dict[tuple[str, int], str]:
    """Write a schema-2 archive; returns every version's exact text."""
    texts: dict[tuple[str, int], str] = {}
    conn = pysqlite3.connect(path)
    for statement in OLD_SCHEMA:
        conn.execute(statement)
    for n in range(reports):
        rid = f"r{n:03d}"
        history = [f"第{n}号报告\n{FILLER}"]
        if n % 4 == 0:  # some were edited after publication, one twice
            history.append(history[0] + "（已更正）")
        if n == 0:
            history.append(history[-1].replace("我镇", "本镇", 1))
        conn.execute("INSERT INTO reports (id, url, title, text) VALUES (?, ?, ?, ?)",
                     [rid, f"http://127.0.0.1:1/{rid}.html", f"报告{n}", history[-1]])
        for version, text in enumerate(history, start=1):
            conn.execute("INSERT INTO report_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         [rid, version, text_sha256(text), "2025-01-01T00:00:00Z",
                          "2025-01-01T00:00:00Z", json.dumps([version]), None, text])
            texts[rid, version] = text
    conn.commit()
    conn.execute("VACUUM")
    conn.close()
    return texts


def read_texts(path: Path) -> dict[tuple[str, int], str]:
    conn = pysqlite3.connect(path)
    try:
        return {(rid, v): text for rid, v, text in conn.execute(
            "SELECT v.report_id, v.version, coalesce(v.text, r.text) FROM report_versions v "
            "LEFT JOIN reports r ON r.id = v.report_id")}
    finally:
        conn.close()


def test_a_schema_2_archive_is_migrated_exactly_and_shrinks(db_path: Path,
                                                           tmp_path: Path) -> None:
    texts = old_archive(db_path)
    control = tmp_path / "control.db"  # the same archive, not migrated (told it is schema 3)
    old_archive(control)
    conn = pysqlite3.connect(control)
    conn.execute("PRAGMA user_version = 3")
    conn.close()
    with Archive(control) as archive:
        archive.db.execute("VACUUM")
        assert archive.db.execute("SELECT count(*) FROM report_versions WHERE text IS NULL"
                                  ).fetchone() == (0,)
    with Archive(db_path) as archive:
        db = archive.db
        assert db.execute("PRAGMA user_version").fetchone() == (schema.SCHEMA_VERSION,)
        own = dict(db.execute("SELECT report_id || ',' || version, text IS NOT NULL "
                              "FROM report_versions").fetchall())
        assert [v.text for v in list_versions(db, "r000")] == [
            texts["r000", v] for v in (1, 2, 3)]
    # Only texts the report no longer holds stay in report_versions.
    assert own == {f"{rid},{v}": int((rid, v + 1) in texts) for rid, v in texts}
    assert read_texts(db_path) == texts
    with Archive(db_path) as archive:  # a second open changes nothing
        assert archive.db.execute("PRAGMA user_version").fetchone() == (schema.SCHEMA_VERSION,)
        archive.db.execute("VACUUM")
    assert read_texts(db_path) == texts
    # 40 reports of ~4,600 characters (~13 KB each): one copy of the text less.
    assert db_path.stat().st_size < control.stat().st_size - 30 * 13_000


def test_a_migration_that_fails_midway_leaves_the_old_archive(
        db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = old_archive(db_path, reports=8)

    def broken(db: object) -> None:
        raise RuntimeError("killed here")

    monkeypatch.setattr(schema, "ensure_version_triggers", broken)
    with pytest.raises(RuntimeError, match="killed here"):
        Archive(db_path)
    conn = pysqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone() == (2,)
    assert conn.execute("SELECT count(*) FROM report_versions WHERE text IS NULL").fetchone() == (0,)
    conn.close()
    monkeypatch.undo()
    with Archive(db_path) as archive:
        assert archive.db.execute("SELECT count(*) FROM report_versions WHERE text IS NULL"
                                  ).fetchone() == (8,)
    assert read_texts(db_path) == texts
