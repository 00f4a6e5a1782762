"""The command line: help, docs, export format, errors without tracebacks."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.loopback import unused_port

from archive.app.cli import cli
from archive.db import Archive
from archive.export import EXPORT_KEYS
from archive.records import Report, Section

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_command_is_documented_in_readme(name: str) -> None:
    assert f"nianbao {name}" in README


@pytest.mark.parametrize("name", COMMANDS)
def test_command_help_has_an_example(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Example: nianbao " + name in result.output


def test_readme_starts_with_the_two_commands() -> None:
    head = "\n".join(README.splitlines()[:10])
    assert "make run" in head and "make test" in head


def seeded_archive(path: Path) -> None:
    with Archive(path) as archive:
        archive.save_report(Report(
            url="http://127.0.0.1:1/t.html", title="成吉思汗镇2016年政府信息公开工作年度报告",
            title_raw="UedBet体育成吉思汗镇2016年政府信息公开工作年度报告", text="一、概述\n正文",
            town="成吉思汗镇", county="扎兰屯市", report_year=2016, published="2017-02-10",
            source="成吉思汗镇", tampered=True, spam_terms=["UedBet体育"],
            sections=[Section(1, "一、概述", "正文")]), capture_id=None)


def test_export_jsonl_has_exactly_the_stable_keys(db_path: Path) -> None:
    seeded_archive(db_path)
    result = CliRunner().invoke(cli, ["export", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    record = json.loads(lines[0])
    assert list(record) == list(EXPORT_KEYS)
    assert record["tampered"] is True and record["spam_terms"] == ["UedBet体育"]
    assert record["sections"] == [{"level": 1, "heading": "一、概述", "text": "正文"}]
    assert record["report_year"] == 2016


def test_export_csv_round_trips(db_path: Path) -> None:
    seeded_archive(db_path)
    result = CliRunner().invoke(cli, ["export", "--db", str(db_path), "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 1 and rows[0]["town"] == "成吉思汗镇"
    assert json.loads(rows[0]["sections"])[0]["heading"] == "一、概述"


def test_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["export", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1
    assert "Error: no archive at" in result.output
    assert "Traceback" not in result.output


def test_crawl_without_target_is_a_usage_error(db_path: Path) -> None:
    result = CliRunner().invoke(cli, ["crawl", "--db", str(db_path)])
    assert result.exit_code == 2 and "--url" in result.output


def test_crawl_of_a_dead_portal_fails_loudly_and_records_why(db_path: Path) -> None:
    import subprocess
    import sys

    url = f"http://127.0.0.1:{unused_port()}/"
    result = subprocess.run(
        [sys.executable, "-m", "archive.app.cli", "crawl", "--url", url, "--db", str(db_path)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 1
    assert "Error: no portal could be crawled" in result.stderr
    assert "Traceback" not in result.stderr
    assert "0 reports" in result.stdout  # the one-line summary still comes
    with Archive(db_path) as archive:
        run = next(archive.db["crawl_runs"].rows)
        assert run["status"] == "failed" and run["error_detail"]
