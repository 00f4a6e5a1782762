"""The attachments derive step reads only what a run touched (#10, "flat with size").

An archive of detail pages, lists and an HTML report linking PDF, Word and Excel files is
built by hand (captures stored the way the crawler stores them, `nianbao build`). Then a
night's captures change it — a file's body, a new file on a detail page, a new file on a
list that makes a report another page already makes — and an incremental derive runs.
A copy of the archive with every derived row wiped and derived in full must hold the same
rows, table for table. Counting the files the step reads shows it reads none when nothing
it depends on changed, and only a few (not every stored file) when one did.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from archive.build import build_archive
from archive.db import Archive
from archive.derive import attachments, derive_all
from archive.derive.files import File
from archive.extract.model import failed

FILES = Path(__file__).resolve().parent / "fixtures" / "attachments"
HOST = "http://127.0.0.1:9"
HTML = {"Content-Type": "text/html; charset=utf-8"}
PDF = {"Content-Type": "application/pdf"}
DOCX = {"Content-Type": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
DOC = {"Content-Type": "application/msword"}
XLS = {"Content-Type": "application/vnd.ms-excel"}
LIUHE = "柳河镇2021年政府信息公开工作年度报告"
KUAIDAMAO = "快大茂镇2020年政府信息公开工作年度报告"
YINGEBU = "英额布镇2016年政府信息公开工作年度报告"
TODAY = date(2024, 3, 1)
REAL_EXTRACT = attachments.extract_attachment
# Tables the attachments step writes, and those after it that read its reports.
COMPARED = ("attachments", "attachment_pages", "attachment_links", "attachment_retries",
            "reports", "report_urls", "figures", "checks")
WIPED = ("attachments", "attachment_pages", "attachment_links", "attachment_retries",
         "figures", "checks", "figure_sources", "coverage", "coverage_bodies",
         "personal_data", "reports_masked", "personal_scans", "minhashes", "minhash_bands",
         "similar_reports", "self_copies", "copy_clusters")
NOT_COMPARED = {"figure_sources": ("derived_at",)}
REPORT_BODY = "".join(f"<p>{text}</p>" for text in (
    "本报告根据《中华人民共和国政府信息公开条例》要求编制，全文包括总体情况等部分。",
    "一、总体情况",
    "2021年，柳河镇认真贯彻落实政府信息公开各项工作要求，不断完善公开制度，扎实推进政务公开。",
    "二、主动公开政府信息情况",
    "全年主动公开政府信息一百二十条，其中规范性文件三件，均通过政府网站发布。",
))


def detail_page(title: str, links: list[tuple[str, str]], meta: str, body: str = "") -> bytes:
    anchors = "".join(f'<p>附件：<a href="{href}">{label}</a></p>' for href, label in links)
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_某县人民政府</title>'
        f'</head><body><div class="article"><h1>{title}</h1><div class="info">{meta}</div>'
        f'<div id="zoom">{body}{anchors}</div></div></body></html>').encode()


def list_page(entries: list[tuple[str, str, str]]) -> bytes:
    items = "".join(f'<li><span>{day}</span><a href="{href}">{label}</a></li>'
                    for href, label, day in entries)
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府信息公开年报</title>'
            f'</head><body><h2>政府信息公开年报</h2><ul class="list">{items}</ul></body></html>'
            ).encode()


class Portal:
    """Captures stored in the order and shape the crawler stores them."""

    def __init__(self, archive: Archive, night: int = 0):
        self.archive = archive
        self.clock = 0
        self.night = night

    def add(self, path: str, body: bytes | None, headers: dict[str, str], *,
            referrer: str | None = None, label: str | None = None) -> int:
        self.clock += 1
        return self.archive.add_capture(
            HOST + path, status=200, headers=headers, body=body,
            fetched_at=f"2024-0{1 + self.night}-01T00:{self.clock // 60:02d}:{self.clock % 60:02d}Z",
            referrer=HOST + referrer if referrer else None, link_text=label)

    def file(self, path: str, fixture: str, headers: dict[str, str], referrer: str,
             label: str | None) -> int:
        return self.add(path, (FILES / fixture).read_bytes(), headers, referrer=referrer,
                        label=label)


LIST = "/xxgk/ndbg/"
HTML_REPORT = "/xxgk/ndbg/lhz/t20220120_2.html"


def first_night(portal: Portal) -> None:
    """Twelve files: detail pages, a list, an HTML report, a copy of a detail page."""
    portal.add("/a/t1.html", detail_page(LIUHE, [("a.pdf", f"{LIUHE}.pdf")],
                                         "发布日期：2022-01-20　来源：柳河镇人民政府"), HTML)
    portal.file("/a/a.pdf", "post2021.pdf", PDF, "/a/t1.html", f"{LIUHE}.pdf")
    portal.add(LIST, list_page([("kdm/a.docx", KUAIDAMAO, "2021-01-22"),
                                ("x.pdf", "附件下载", "2022-01-20")]), HTML)
    portal.file("/xxgk/ndbg/kdm/a.docx", "post2020.docx", DOCX, LIST, KUAIDAMAO)
    portal.file("/xxgk/ndbg/x.pdf", "truncated.pdf", PDF, LIST, "附件下载")
    portal.add(HTML_REPORT, detail_page(LIUHE.replace("2021", "2020"), [
        ("t.xlsx", "附表.xlsx")], "发布日期：2021-01-20", REPORT_BODY.replace("2021", "2020")),
        HTML)
    portal.file("/xxgk/ndbg/lhz/t.xlsx", "tables2021.xlsx",
                {"Content-Type": "application/octet-stream"}, HTML_REPORT, "附表.xlsx")
    body = detail_page(YINGEBU, [("b.pdf", YINGEBU)], "发布日期：2017-02-08")
    portal.add("/d/t1.html", body, HTML)
    portal.file("/d/b.pdf", "pre2016.pdf", PDF, "/d/t1.html", YINGEBU)
    portal.add("/copy/d/t1.html", body, HTML)
    portal.add("/e/t1.html", detail_page(KUAIDAMAO, [("a.doc", KUAIDAMAO), ("t.xls", "附表")],
                                         "发布日期：2021-01-19"), HTML)
    portal.file("/e/a.doc", "post2020.doc", DOC, "/e/t1.html", KUAIDAMAO)
    portal.file("/e/t.xls", "tables2020.xls", XLS, "/e/t1.html", "附表")
    for n, (town, fixture) in enumerate([("三源浦镇", "owner_only.pdf"), ("样子哨镇", "post2020.wps"),
                                         ("兴华镇", "scanned.pdf"), ("大泉源乡", "pdf_named.doc")]):
        title = f"{town}2019年政府信息公开工作年度报告"
        ext = fixture.rsplit(".", 1)[1]
        portal.add(f"/f{n}/t1.html", detail_page(title, [(f"r.{ext}", title)],
                                                 "发布日期：2020-01-15"), HTML)
        portal.file(f"/f{n}/r.{ext}", fixture, {"Content-Type": "application/octet-stream"},
                    f"/f{n}/t1.html", title)


def second_night(portal: Portal) -> None:
    """A file's body changed, a detail page gained a file, a list a file that makes a
    report a detail page also makes (one report id, two candidates)."""
    portal.file("/a/a.pdf", "owner_only.pdf", PDF, "/a/t1.html", f"{LIUHE}.pdf")
    portal.file("/e/b.docx", "post2020.docx", DOCX, "/e/t1.html", KUAIDAMAO)
    portal.add(LIST, list_page([("kdm/a.docx", KUAIDAMAO, "2021-01-22"),
                                ("x.pdf", "附件下载", "2022-01-20"),
                                ("ye.pdf", YINGEBU, "2017-02-09")]), HTML)
    portal.file("/xxgk/ndbg/ye.pdf", "pre2016.pdf", PDF, LIST, YINGEBU)


class Reads:
    """How many stored files the attachments step read (text from the cache or a fresh
    extraction), counted at `extract_files`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.files: list[str] = []
        original = attachments.extract_files

        def counting(archive: Archive, files: list[File], limits: Any) -> tuple[int, int]:
            self.files += [f.url for f in files]
            return original(archive, files, limits)

        monkeypatch.setattr(attachments, "extract_files", counting)


def rows(archive: Archive, name: str) -> list[tuple[Any, ...]]:
    skip = NOT_COMPARED.get(name, ())
    columns = [r[1] for r in archive.db.execute(f"PRAGMA table_info([{name}])")
               if r[1] not in skip]
    found = archive.db.execute(f"SELECT {', '.join(f'[{c}]' for c in columns)} FROM [{name}]")
    return sorted(found.fetchall(), key=repr)


def snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with Archive(path) as archive:
        return {name: rows(archive, name) for name in COMPARED}


def derive_from_scratch(path: Path, copy: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{path}{suffix}").exists():
            shutil.copy(f"{path}{suffix}", f"{copy}{suffix}")
    with Archive(copy) as archive, archive.transaction():
        for name in WIPED:
            archive.db.execute(f"DELETE FROM [{name}]")
        archive.db.execute("DELETE FROM derive_state")
    with Archive(copy) as archive:
        assert derive_all(archive, today=TODAY).full


@pytest.fixture
def built(db_path: Path) -> Iterator[Path]:
    with Archive(db_path) as archive:
        first_night(Portal(archive))
        build_archive(archive, today=TODAY)
    yield db_path


def test_a_night_derived_incrementally_equals_a_full_derive(
        built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = Reads(monkeypatch)
    with Archive(built) as archive:
        stored = archive.db["attachments"].count
        second_night(Portal(archive, night=1))
        summary = derive_all(archive, today=TODAY)
        assert not summary.full
    assert reads.files, "the night's files were read"
    assert len(reads.files) < stored, "not every stored file"
    monkeypatch.undo()
    derive_from_scratch(built, tmp_path / "full.db")
    got, want = snapshot(built), snapshot(tmp_path / "full.db")
    for name in COMPARED:
        assert got[name] == want[name], f"{name} differs from a full derive"


def test_the_night_changed_the_attachment_rows(built: Path) -> None:
    """Not equal by doing nothing: the new files have rows, the list's new file joins the
    report its detail page makes, the changed file's new body is the one read."""
    with Archive(built) as archive:
        second_night(Portal(archive, night=1))
        derive_all(archive, today=TODAY)
        found = dict(archive.db.execute("SELECT url, report_id FROM attachments").fetchall())
        assert found[HOST + "/e/b.docx"] == found[HOST + "/e/a.doc"] is not None
        assert found[HOST + "/xxgk/ndbg/ye.pdf"] == found[HOST + "/d/b.pdf"] is not None
        newest = archive.db.execute("SELECT max(id) FROM captures WHERE url = ?",
                                    [HOST + "/a/a.pdf"]).fetchone()[0]
        row = archive.db.execute("SELECT capture_id FROM attachments WHERE url = ?",
                                 [HOST + "/a/a.pdf"]).fetchone()
        assert row == (newest,)
        pages = {k for (k,) in archive.db.execute("SELECT url_key FROM attachment_pages")}
        assert any(key.endswith("/e/b.docx") for key in pages)


def test_an_untouched_archive_reads_no_file(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = Reads(monkeypatch)
    with Archive(built) as archive:
        derive_all(archive, today=TODAY)
        assert reads.files == []
        # a night that fetched a page linking no file, and re-ingested nothing
        Portal(archive, night=1).add("/about.html", b"<html><body>about</body></html>", HTML)
        derive_all(archive, today=TODAY)
        assert reads.files == []
        # the list fetched again with the same body: its files depend on nothing new
        newest = archive.db.execute("SELECT max(id) FROM captures WHERE url = ?",
                                    [HOST + LIST]).fetchone()[0]
        Portal(archive, night=1).add(LIST, archive.capture_body(newest), HTML)
        derive_all(archive, today=TODAY)
        assert reads.files == []
        # one file captured again: it and the files decided with it, not all twelve
        Portal(archive, night=2).file("/d/b.pdf", "pre2016.pdf", PDF, "/d/t1.html", YINGEBU)
        derive_all(archive, today=TODAY)
        assert HOST + "/d/b.pdf" in reads.files
        assert len(reads.files) < archive.db["attachments"].count


def test_a_detail_page_fetched_again_reads_its_files(built: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    reads = Reads(monkeypatch)
    with Archive(built) as archive:
        newest = archive.db.execute("SELECT max(id) FROM captures WHERE url = ?",
                                    [HOST + "/e/t1.html"]).fetchone()[0]
        Portal(archive, night=1).add("/e/t1.html", archive.capture_body(newest), HTML)
        derive_all(archive, today=TODAY)
        # its files, and the list's file that makes the same report (one id, two candidates)
        assert sorted(reads.files) == [HOST + "/e/a.doc", HOST + "/e/t.xls",
                                       HOST + "/xxgk/ndbg/kdm/a.docx"]


def test_a_list_with_a_new_body_reads_its_files(built: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    reads = Reads(monkeypatch)
    with Archive(built) as archive:
        Portal(archive, night=1).add(LIST, list_page([
            ("kdm/a.docx", KUAIDAMAO, "2021-01-25"), ("x.pdf", "附件下载", "2022-01-20")]), HTML)
        derive_all(archive, today=TODAY)
        # the list's two files, and the detail page's files of the same report id
        assert sorted(reads.files) == [HOST + "/e/a.doc", HOST + "/e/t.xls",
                                       HOST + "/xxgk/ndbg/kdm/a.docx", HOST + "/xxgk/ndbg/x.pdf"]


def test_a_new_copy_of_a_detail_page_joins_its_report(built: Path) -> None:
    with Archive(built) as archive:
        newest = archive.db.execute("SELECT max(id) FROM captures WHERE url = ?",
                                    [HOST + "/d/t1.html"]).fetchone()[0]
        Portal(archive, night=1).add("/mirror/d/t1.html", archive.capture_body(newest), HTML)
        derive_all(archive, today=TODAY)
        found = archive.db.execute(
            "SELECT count(*) FROM report_urls u JOIN attachments a ON a.report_id = u.report_id "
            "WHERE u.url = ? AND a.url = ?", [HOST + "/mirror/d/t1.html", HOST + "/d/b.pdf"])
        assert found.fetchone() == (1,)


def test_transient_failures_are_retried_on_a_schedule(built: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    url = HOST + "/f0/r.pdf"
    body = (FILES / "post2021.pdf").read_bytes() + b"\n% a byte more: not in the cache\n"
    with Archive(built) as archive:
        # a night whose extraction of one new file timed out
        monkeypatch.setattr(attachments, "extract_attachment",
                            lambda *a, **k: failed("pdf", "timed out after 60 s"))
        Portal(archive, night=1).add("/f0/r.pdf", body, PDF, referrer="/f0/t1.html")
        derive_all(archive, today=TODAY)
        retry = "SELECT tries, due_on, error FROM attachment_retries"
        assert archive.db.execute(retry).fetchall() == [(1, "2024-03-01",
                                                         "timed out after 60 s")]
        # the next derive, same day: due at once; it times out again, next try a day later
        reads = Reads(monkeypatch)
        derive_all(archive, today=TODAY)
        assert reads.files == [url]
        assert archive.db.execute(retry).fetchall() == [(2, "2024-03-02",
                                                         "timed out after 60 s")]
        derive_all(archive, today=TODAY)
        assert reads.files == [url], "not due yet: not read"
        # the next day it is read again, and read well this time
        monkeypatch.setattr(attachments, "extract_attachment", REAL_EXTRACT)
        derive_all(archive, today=date(2024, 3, 2))
        assert reads.files == [url, url]
        assert archive.db.execute(retry).fetchall() == []
        row = archive.db.execute("SELECT status FROM attachments WHERE url = ?", [url])
        assert row.fetchone() == ("ok",)


def test_a_report_left_behind_by_its_page_equals_a_full_derive(
        db_path: Path, tmp_path: Path) -> None:
    """Two detail pages make one report; the one whose URL the report kept changes its
    title (a report of its own now), and a later night touches only the other: the report
    still counts as one made from files (not an HTML report's) as in a full derive."""
    title = "长岗乡2019年政府信息公开工作年度报告"
    with Archive(db_path) as archive:
        portal = Portal(archive)
        portal.add("/p/t1.html", detail_page(title, [("a.pdf", title)], "发布日期：2020-01-10"),
                   HTML)
        portal.file("/p/a.pdf", "post2021.pdf", PDF, "/p/t1.html", title)
        portal.add("/q/t1.html", detail_page(title, [("a.docx", title)], "发布日期：2020-01-11"),
                   HTML)
        portal.file("/q/a.docx", "post2020.docx", DOCX, "/q/t1.html", title)
        build_archive(archive, today=TODAY)
        kept = archive.db.execute("SELECT a.report_id FROM attachments a WHERE a.url = ?",
                                  [HOST + "/q/a.docx"]).fetchone()[0]
        assert archive.db.execute("SELECT url FROM reports WHERE id = ?",
                                  [kept]).fetchone() == (HOST + "/p/t1.html",)
        renamed = title.replace("2019", "2020")
        Portal(archive, night=1).add("/p/t1.html", detail_page(
            renamed, [("a.pdf", renamed)], "发布日期：2021-01-10"), HTML)
        assert not derive_all(archive, today=TODAY).full
        Portal(archive, night=2).file("/q/a.docx", "post2020.docx", DOCX, "/q/t1.html", title)
        assert not derive_all(archive, today=TODAY).full
    derive_from_scratch(db_path, tmp_path / "full.db")
    got, want = snapshot(db_path), snapshot(tmp_path / "full.db")
    for name in COMPARED:
        assert got[name] == want[name], f"{name} differs from a full derive"
