"""Report versions: a new row when the normalised text changes, a diff between two."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.app.cli import cli
from archive.build import build_archive
from archive.db import Archive, report_id, url_key
from archive.db.versions import (
    confirm_unchanged,
    diff_versions,
    list_versions,
    normalise_text,
    text_sha256,
)
from archive.errors import VersionNotFoundError
from archive.records import Report, Section

TEXT = "一、总体情况\n本年度主动公开信息120条。\n二、其他\n无。"
EDITED = "一、总体情况\n本年度主动公开信息127条。\n二、其他\n无。\n（数据已更正。）"


def make_report(text: str = TEXT, url: str = "http://127.0.0.1:1/a.html", **extra: object) -> Report:
    fields: dict = {"url": url, "title": "高家镇2020年政府信息公开工作年度报告",
                    "title_raw": "高家镇2020年政府信息公开工作年度报告", "text": text,
                    "town": "高家镇", "report_year": 2020,
                    "sections": [Section(1, "一、总体情况", text)]}
    fields.update(extra)
    return Report(**fields)  # type: ignore[arg-type]


def test_normalising_ignores_layout_but_not_words() -> None:
    assert text_sha256("一、总体情况\n\n  本年度　公开\n") == text_sha256("一、总体情况\n本年度 公开")
    assert normalise_text("（一）１２条") == "(一)12条"
    assert text_sha256(TEXT) != text_sha256(EDITED)


def test_same_text_twice_is_one_version_with_both_captures(db_path: Path) -> None:
    with Archive(db_path) as archive:
        archive.save_report(make_report(), capture_id=1, seen_at="2026-01-01T00:00:00Z")
        archive.save_report(make_report(TEXT + "\n"), capture_id=2, seen_at="2026-02-01T00:00:00Z")
        [version] = list_versions(archive.db, report_id(make_report()))
    assert (version.version, version.capture_ids) == (1, [1, 2])
    assert (version.first_seen, version.last_seen) == ("2026-01-01T00:00:00Z",
                                                       "2026-02-01T00:00:00Z")


def test_an_edit_is_a_new_version_and_the_diff_shows_it(db_path: Path) -> None:
    rid = report_id(make_report())
    with Archive(db_path) as archive:
        archive.save_report(make_report(), capture_id=1, seen_at="2026-01-01T00:00:00Z")
        assert archive.save_report(make_report(EDITED), capture_id=2,
                                   seen_at="2026-03-01T00:00:00Z") == "updated"
        older, newer, lines = diff_versions(archive.db, rid)
    assert (older.version, newer.version) == (1, 2)
    assert "-本年度主动公开信息120条。" in lines and "+本年度主动公开信息127条。" in lines
    assert "+（数据已更正。）" in lines


def test_a_reverted_text_is_a_third_version_not_a_rewrite(db_path: Path) -> None:
    with Archive(db_path) as archive:
        for day, text in enumerate((TEXT, EDITED, TEXT), start=1):
            archive.save_report(make_report(text), capture_id=day, seen_at=f"2026-01-0{day}T00:00:00Z")
        versions = list_versions(archive.db, report_id(make_report()))
    assert [v.version for v in versions] == [1, 2, 3]
    assert versions[0].text_sha256 == versions[2].text_sha256


def test_a_mirror_copy_adds_no_version_once_the_genuine_page_is_known(db_path: Path) -> None:
    rid = report_id(make_report())
    with Archive(db_path) as archive:
        archive.save_report(make_report(), capture_id=1)
        archive.save_report(make_report(TEXT + "\n博彩", url="http://junk.example/a.html",
                                        tampered=True), capture_id=2)
        assert len(list_versions(archive.db, rid)) == 1


def test_a_304_confirms_the_latest_version(db_path: Path) -> None:
    rid = report_id(make_report())
    with Archive(db_path) as archive:
        archive.save_report(make_report(), capture_id=1, seen_at="2026-01-01T00:00:00Z")
        with archive.transaction():
            assert confirm_unchanged(archive.db, url_key(make_report().url), 9,
                                     "2026-04-01T00:00:00Z") == [rid]
        [version] = list_versions(archive.db, rid)
        last_seen = archive.db["reports"].get(rid)["last_seen"]
    assert version.capture_ids == [1, 9] and version.last_seen == "2026-04-01T00:00:00Z"
    assert last_seen == "2026-04-01T00:00:00Z"


FILLER = "我镇认真贯彻落实政府信息公开条例，扎实推进政务公开工作，依法办理依申请公开。" * 3


def test_rebuild_replays_versions_from_the_captures(db_path: Path) -> None:
    page = "<html><head><title>{t}</title></head><body><h1>{t}</h1>{body}</body></html>"
    with Archive(db_path) as archive:
        for day, text in ((1, TEXT), (2, EDITED)):
            lines = ["一、总体情况", FILLER, *text.splitlines(), "三、存在的主要问题", FILLER]
            paras = "".join(f"<p>{line}</p>" for line in lines)
            body = page.format(t=make_report().title, body=paras).encode()
            archive.add_capture("http://127.0.0.1:1/a.html", status=200, body=body,
                                headers={"Content-Type": "text/html; charset=utf-8"},
                                fetched_at=f"2026-0{day}-01T00:00:00Z")
        build_archive(archive)
        first = [(v.version, v.capture_ids) for v in list_versions(archive.db, *ids(archive))]
        build_archive(archive)
        again = [(v.version, v.capture_ids) for v in list_versions(archive.db, *ids(archive))]
    assert first == again == [(1, [1]), (2, [2])]


def ids(archive: Archive) -> list[str]:
    return [r for (r,) in archive.db.execute("SELECT id FROM reports")]


def test_cli_lists_versions_and_diffs(db_path: Path) -> None:
    rid = report_id(make_report())
    with Archive(db_path) as archive:
        archive.save_report(make_report(), capture_id=None, seen_at="2026-01-01T00:00:00Z")
        archive.save_report(make_report(EDITED), capture_id=None, seen_at="2026-03-01T00:00:00Z")
    runner = CliRunner()
    listed = runner.invoke(cli, ["versions", rid, "--db", str(db_path)])
    assert listed.exit_code == 0 and listed.output.count("\nv") + listed.output.startswith("v") == 2
    shown = runner.invoke(cli, ["diff", rid, "1", "2", "--db", str(db_path)])
    assert shown.exit_code == 0 and "+本年度主动公开信息127条。" in shown.output
    missing = runner.invoke(cli, ["diff", rid, "1", "7", "--db", str(db_path)])
    assert missing.exit_code == 1 and "has no version 7" in missing.output
    assert "Traceback" not in missing.output


def test_unknown_report_is_a_named_error(db_path: Path) -> None:
    with Archive(db_path) as archive, pytest.raises(VersionNotFoundError):
        diff_versions(archive.db, "nope")


def test_readers_see_the_old_archive_while_a_build_runs(db_path: Path) -> None:
    page = "<html><head><title>{t}</title></head><body><h1>{t}</h1>{body}</body></html>"
    with Archive(db_path) as archive:
        for town in ("高家镇", "湖南镇", "樟潭街道"):
            title = f"{town}2020年政府信息公开工作年度报告"
            paras = "".join(f"<p>{x}</p>" for x in ("一、总体情况", FILLER, "二、其他", FILLER))
            archive.add_capture(f"http://127.0.0.1:1/{len(town)}{town}.html", status=200,
                                headers={"Content-Type": "text/html; charset=utf-8"},
                                body=page.format(t=title, body=paras).encode())
        build_archive(archive)
        seen: list[tuple[int, int]] = []

        def read_meanwhile(_: object) -> None:
            reader = sqlite3.connect(db_path, timeout=1)  # WAL: a reader never waits
            seen.append(reader.execute("SELECT (SELECT count(*) FROM reports), "
                                       "(SELECT count(*) FROM report_versions)").fetchone())
            reader.close()

        build_archive(archive, progress=read_meanwhile, every=1)
    assert seen == [(3, 3)] * 3  # the old archive, whole, until the build commits
