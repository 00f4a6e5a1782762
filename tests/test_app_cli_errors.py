"""Every CLI error is one line, and reading commands never write to a file not ours (#12)."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archive.app.cli import cli
from archive.db import Archive
from archive.records import Report, Section

READING = [["search", "扶贫"], ["export"], ["versions", "abc"], ["diff", "abc"], ["serve"]]


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def one_line_error(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1, result.output
    return result.output


def snapshot(folder: Path) -> dict[str, str]:
    """Every file of a folder and the SHA-256 of its bytes."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


@pytest.fixture(autouse=True)
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    import archive.web.app

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("serve started on a file that is not an archive")

    monkeypatch.setattr(archive.web.app, "serve", refuse)


def unrelated_sqlite(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO notes (body) VALUES ('not an archive')")
    conn.commit()
    conn.close()
    return path


def half_archive(path: Path) -> Path:
    """A SQLite file with a `reports` table of its own and no `captures`."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE reports (id TEXT)")
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize("command", READING, ids=lambda c: c[0])
@pytest.mark.parametrize("make,expected", [
    (lambda p: unrelated_sqlite(p / "other.sqlite"), "is a SQLite file but not a nianbao archive"),
    (lambda p: half_archive(p / "half.db"), "not a nianbao archive (no captures table)"),
    (lambda p: (p / "notdb.txt").write_text("hello\n") and p / "notdb.txt",
     "is not a SQLite archive (file is not a database)"),
    (lambda p: (p / "empty.db").write_bytes(b"") or p / "empty.db", "not a nianbao archive"),
], ids=["unrelated-sqlite", "half-archive", "text-file", "empty-file"])
def test_reading_commands_refuse_a_file_that_is_not_an_archive_and_leave_it_alone(
        tmp_path: Path, command: list[str], make: object, expected: str) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    before = snapshot(tmp_path)
    message = one_line_error(run(*command, "--db", str(path)))
    assert expected in message and str(path) in message
    assert snapshot(tmp_path) == before  # byte-identical, no -wal, -shm or -journal beside it


@pytest.mark.parametrize("command", READING, ids=lambda c: c[0])
def test_an_empty_db_option_is_one_line(command: list[str]) -> None:
    assert "--db is empty" in one_line_error(run(*command, "--db", ""))


@pytest.mark.parametrize("command", [["build"], ["crawl", "--url", "http://127.0.0.1:1/"],
                                     ["nightly", "--sites", "sites.yml"]], ids=lambda c: c[0])
def test_writing_commands_refuse_an_empty_db_option_in_one_line(command: list[str]) -> None:
    assert "--db is empty" in one_line_error(run(*command, "--db", ""))


@pytest.mark.parametrize("command", READING, ids=lambda c: c[0])
def test_a_missing_archive_is_one_line(tmp_path: Path, command: list[str]) -> None:
    assert "no archive at" in one_line_error(run(*command, "--db", str(tmp_path / "no.db")))
    assert not (tmp_path / "no.db").exists()


@pytest.mark.parametrize("url,expected", [
    ("http://[::1", "not an http(s) URL with a host"),
    ("http://x.gov.cn:99999/", "not an http(s) URL with a host"),
    ("javascript:alert(1)", "not an http(s) URL with a host"),
    ("ftp://x.gov.cn/", "not an http(s) URL with a host"),
    ("http://169.254.169.254/latest/meta-data/", "not a portal"),
])
def test_crawl_url_is_checked_in_one_line(tmp_path: Path, url: str, expected: str) -> None:
    db = tmp_path / "archive.db"
    assert expected in one_line_error(run("crawl", "--url", url, "--db", str(db)))
    assert not db.exists()


def test_a_database_error_while_reading_is_one_line(db_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlite_utils.utils import sqlite3 as database_module

    import archive.search

    Archive(db_path).close()

    def locked(*args: object, **kwargs: object) -> None:
        raise database_module.OperationalError("database is locked")

    monkeypatch.setattr(archive.search, "search_reports", locked)
    message = one_line_error(run("search", "扶贫", "--db", str(db_path)))
    assert message == f"Error: cannot read {db_path}: database is locked\n"


def test_a_real_archive_still_reads(db_path: Path) -> None:
    with Archive(db_path) as archive:
        archive.save_report(Report(
            url="http://127.0.0.1:1/t.html", title="泉阳镇2019年政府信息公开工作年度报告",
            title_raw="泉阳镇2019年政府信息公开工作年度报告", text="一、概述\n扶贫", town="泉阳镇",
            report_year=2019, sections=[Section(1, "一、概述", "扶贫")]), capture_id=None)
    found = run("search", "扶贫", "--db", str(db_path))
    assert found.exit_code == 0 and "1 report" in found.output
    assert run("export", "--db", str(db_path)).exit_code == 0
    assert "is not in the archive" in one_line_error(run("versions", "nope", "--db",
                                                         str(db_path)))
