"""The attachments derive step on archives built by hand: no network, no crawler.

Each test stores captures the way the crawler does (page, then the file with its referrer
and link label), runs `nianbao build` (build_archive: HTML reports, then the derive
step) and reads the `reports` and `attachments` tables back.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from archive.build import build_archive
from archive.db import Archive
from archive.derive import DeriveSummary
from archive.derive.attachments import derive_attachments
from archive.extract import Limits

FILES = Path(__file__).resolve().parent / "fixtures" / "attachments"
EXPECTED = json.loads((FILES / "expected.json").read_text(encoding="utf-8"))
HOST = "http://127.0.0.1:9"
HTML = {"Content-Type": "text/html; charset=utf-8"}
PDF = {"Content-Type": "application/pdf"}
DOCX = {"Content-Type": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
LIUHE = "柳河镇2021年政府信息公开工作年度报告"  # the title inside post2021.pdf
KUAIDAMAO = "快大茂镇2020年政府信息公开工作年度报告"  # post2020.docx
YINGEBU = "英额布镇2016年政府信息公开工作年度报告"


def detail_page(title: str, links: list[tuple[str, str]], meta: str, body: str = "") -> bytes:
    anchors = "".join(f'<p>附件：<a href="{href}">{label}</a></p>' for href, label in links)
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_某县人民政府</title>'
        f'</head><body><div class="nav"><a href="/">首页</a> <a href="/xxgk/">政府信息公开</a></div>'
        f'<div class="article"><h1>{title}</h1><div class="info">{meta}</div>'
        f'<div id="zoom">{body}{anchors}</div></div>'
        f"<div class=\"footer\">某县人民政府主办</div></body></html>"
    ).encode()


def list_page(entries: list[tuple[str, str, str]]) -> bytes:
    items = "".join(f'<li><span>{date}</span><a href="{href}">{label}</a></li>'
                    for href, label, date in entries)
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府信息公开年报</title></head>'
        f'<body><h2>政府信息公开年报</h2><ul class="list">{items}</ul></body></html>'
    ).encode()


REPORT_BODY = "".join(
    f"<p>{text}</p>" for text in (
        "本报告根据《中华人民共和国政府信息公开条例》要求编制，全文包括总体情况等部分。",
        "一、总体情况",
        "2021年，柳河镇认真贯彻落实政府信息公开各项工作要求，不断完善公开制度，扎实推进政务公开。",
        "二、主动公开政府信息情况",
        "全年主动公开政府信息一百二十条，其中规范性文件三件，均通过政府网站发布。",
    )
)


class Portal:
    """Captures stored in the order and shape the crawler stores them."""

    def __init__(self, archive: Archive):
        self.archive = archive
        self.clock = 0

    def add(self, path: str, body: bytes | None, headers: dict[str, str], *,
            status: int | None = 200, referrer: str | None = None, label: str | None = None,
            error: str | None = None) -> int:
        self.clock += 1
        return self.archive.add_capture(
            HOST + path, status=status, headers=headers, body=body, error=error,
            fetched_at=f"2024-01-01T00:00:{self.clock:02d}Z",
            referrer=HOST + referrer if referrer else None, link_text=label)

    def file(self, path: str, fixture: str, headers: dict[str, str], referrer: str,
             label: str | None) -> int:
        return self.add(path, (FILES / fixture).read_bytes(), headers, referrer=referrer,
                        label=label)


@pytest.fixture
def portal(db_path: Path) -> Any:
    with Archive(db_path) as archive:
        yield Portal(archive)


def rows(archive: Archive, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cursor = archive.db.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def report_at(archive: Archive, path: str) -> dict[str, Any]:
    found = rows(archive, "SELECT r.* FROM reports r JOIN report_urls u ON u.report_id = r.id "
                          "WHERE u.url = ?", [HOST + path])
    assert len(found) == 1, f"no single report at {path}: {found}"
    return found[0]


def attachment(archive: Archive, path: str) -> dict[str, Any]:
    found = rows(archive, "SELECT * FROM attachments WHERE url = ?", [HOST + path])
    assert len(found) == 1, f"no attachment row for {path}"
    return found[0]


def headings(archive: Archive, rid: str) -> list[str]:
    return [r["heading"] for r in rows(archive, "SELECT heading FROM sections WHERE report_id = ? "
                                                "AND level = 1 ORDER BY ordinal", [rid])]


# -- a detail page that only links the file ---------------------------------------------------


@pytest.fixture
def detail(portal: Portal) -> Portal:
    page = "/xxgk/ndbg/lhz/202201/t20220120_1.html"
    portal.add(page, detail_page(LIUHE, [("./P020220120123456789012.pdf", f"{LIUHE}.pdf")],
                                 "发布日期：2022-01-20　来源：柳河镇人民政府"), HTML)
    portal.file("/xxgk/ndbg/lhz/202201/P020220120123456789012.pdf", "post2021.pdf", PDF,
                page, f"{LIUHE}.pdf")
    build_archive(portal.archive)
    return portal


def test_detail_page_file_gives_title_town_and_year(detail: Portal) -> None:
    report = report_at(detail.archive, "/xxgk/ndbg/lhz/202201/t20220120_1.html")
    assert (report["title"], report["town"], report["report_year"]) == (LIUHE, "柳河镇", 2021)


def test_detail_page_gives_published_and_source(detail: Portal) -> None:
    report = report_at(detail.archive, "/xxgk/ndbg/lhz/202201/t20220120_1.html")
    assert (report["published"], report["source"]) == ("2022-01-20", "柳河镇人民政府")


def test_detail_page_file_gives_sections_and_format(detail: Portal) -> None:
    report = report_at(detail.archive, "/xxgk/ndbg/lhz/202201/t20220120_1.html")
    assert headings(detail.archive, report["id"]) == EXPECTED["post2021.pdf"]["headings"]
    assert report["format"] == "post2019" and len(report["text"]) > 1000


def test_detail_page_file_row_links_the_report(detail: Portal) -> None:
    row = attachment(detail.archive, "/xxgk/ndbg/lhz/202201/P020220120123456789012.pdf")
    report = report_at(detail.archive, "/xxgk/ndbg/lhz/202201/t20220120_1.html")
    assert row["report_id"] == report["id"] and row["main"] == 1
    assert (row["status"], row["kind"], row["pages"]) == ("ok", "pdf", EXPECTED["post2021.pdf"]["pages"])
    assert row["filename"] == f"{LIUHE}.pdf" and row["text_chars"] > 1000
    assert row["referrer"] == HOST + "/xxgk/ndbg/lhz/202201/t20220120_1.html"


def test_report_url_is_the_detail_page_not_the_file(detail: Portal) -> None:
    urls = {r["url"] for r in rows(detail.archive, "SELECT url FROM report_urls")}
    assert urls == {HOST + "/xxgk/ndbg/lhz/202201/t20220120_1.html"}


# -- an HTML report that also links its file -------------------------------------------------


def test_html_report_with_its_file_is_one_report(portal: Portal) -> None:
    page = "/xxgk/ndbg/lhz/202201/t20220120_2.html"
    portal.add(page, detail_page(LIUHE, [("./a.pdf", f"{LIUHE}.pdf")],
                                 "发布日期：2022-01-20", REPORT_BODY), HTML)
    portal.file("/xxgk/ndbg/lhz/202201/a.pdf", "post2021.pdf", PDF, page, f"{LIUHE}.pdf")
    build_archive(portal.archive)
    assert portal.archive.db["reports"].count == 1
    report = report_at(portal.archive, page)
    assert "扎实推进政务公开" in report["text"]  # the HTML body stays the text
    row = attachment(portal.archive, "/xxgk/ndbg/lhz/202201/a.pdf")
    assert row["report_id"] == report["id"] and row["main"] == 0


# -- files linked straight from a list --------------------------------------------------------


def test_list_link_file_is_a_report_dated_by_the_list(portal: Portal) -> None:
    portal.add("/xxgk/ndbg/", list_page([("kdm/a.docx", KUAIDAMAO, "2021-01-22")]), HTML)
    portal.file("/xxgk/ndbg/kdm/a.docx", "post2020.docx", DOCX, "/xxgk/ndbg/", KUAIDAMAO)
    build_archive(portal.archive)
    report = report_at(portal.archive, "/xxgk/ndbg/kdm/a.docx")
    assert (report["title"], report["town"], report["report_year"]) == (KUAIDAMAO, "快大茂镇", 2020)
    assert report["published"] == "2021-01-22"
    assert headings(portal.archive, report["id"]) == EXPECTED["post2020.docx"]["headings"]


def test_scanned_file_still_names_its_report_without_text(portal: Portal) -> None:
    portal.add("/xxgk/ndbg/", list_page([("P020170208123456789012.pdf", YINGEBU, "")]), HTML)
    portal.file("/xxgk/ndbg/P020170208123456789012.pdf", "scanned.pdf", PDF, "/xxgk/ndbg/",
                YINGEBU)
    build_archive(portal.archive)
    report = report_at(portal.archive, "/xxgk/ndbg/P020170208123456789012.pdf")
    assert (report["title"], report["town"], report["report_year"]) == (YINGEBU, "英额布镇", 2016)
    assert report["text"] == "" and report["format"] is None
    assert report["published"] == "2017-02-08"  # no list date: the upload date in the name
    assert headings(portal.archive, report["id"]) == []
    row = attachment(portal.archive, "/xxgk/ndbg/P020170208123456789012.pdf")
    assert row["status"] == "needs_ocr" and row["error"] and row["report_id"] == report["id"]


# -- hostile and missing files ----------------------------------------------------------------

HOSTILE = [name for name, entry in EXPECTED.items() if entry["status"] == "error"]


@pytest.mark.parametrize("fixture", HOSTILE)
def test_hostile_file_ends_as_an_error_row_with_its_reason(portal: Portal, fixture: str) -> None:
    page = "/xxgk/ndbg/t20220120_9.html"
    ext = fixture.rsplit(".", 1)[1]
    portal.add(page, detail_page(LIUHE, [(f"f.{ext}", f"{LIUHE}.{ext}")], "发布日期：2022-01-20"),
               HTML)
    portal.file(f"/xxgk/ndbg/f.{ext}", fixture, {"Content-Type": "application/octet-stream"},
                page, f"{LIUHE}.{ext}")
    build_archive(portal.archive)
    row = attachment(portal.archive, f"/xxgk/ndbg/f.{ext}")
    assert row["status"] == "error" and row["error"]
    report = report_at(portal.archive, page)  # the page still names the report
    assert row["report_id"] == report["id"] and report["text"] == ""
    assert (report["town"], report["report_year"], report["published"]) == ("柳河镇", 2021,
                                                                             "2022-01-20")


def test_unreadable_file_without_a_report_label_has_no_report(portal: Portal) -> None:
    portal.add("/tzgg/", list_page([("x.pdf", "附件下载", "2022-01-20")]), HTML)
    portal.file("/tzgg/x.pdf", "truncated.pdf", PDF, "/tzgg/", "附件下载")
    build_archive(portal.archive)
    row = attachment(portal.archive, "/tzgg/x.pdf")
    assert row["status"] == "error" and row["report_id"] is None
    assert portal.archive.db["reports"].count == 0


@pytest.mark.parametrize("status,error,reason", [
    (404, None, "HTTP 404"),
    (None, "timed out", "timed out"),
])
def test_failed_download_is_an_error_row(portal: Portal, status: int | None, error: str | None,
                                         reason: str) -> None:
    page = "/xxgk/ndbg/t20220120_8.html"
    portal.add(page, detail_page(LIUHE, [("gone.pdf", LIUHE)], "发布日期：2022-01-20"), HTML)
    body = b"<html>404</html>" if status else None
    portal.add("/xxgk/ndbg/gone.pdf", body, HTML if status else {}, status=status,
               referrer=page, label=LIUHE, error=error)
    build_archive(portal.archive)
    row = attachment(portal.archive, "/xxgk/ndbg/gone.pdf")
    assert row["status"] == "error" and reason in row["error"]
    assert row["report_id"] == report_at(portal.archive, page)["id"]


def test_file_sent_as_text_html_is_still_read(portal: Portal) -> None:
    portal.add("/xxgk/ndbg/", list_page([("kdm/b.pdf", LIUHE, "2022-01-20")]), HTML)
    portal.file("/xxgk/ndbg/kdm/b.pdf", "post2021.pdf", HTML, "/xxgk/ndbg/", LIUHE)
    build_archive(portal.archive)
    row = attachment(portal.archive, "/xxgk/ndbg/kdm/b.pdf")
    assert (row["kind"], row["status"], row["mime"]) == ("pdf", "ok", "text/html")
    assert report_at(portal.archive, "/xxgk/ndbg/kdm/b.pdf")["report_year"] == 2021


def test_gbk_content_disposition_names_the_file(portal: Portal) -> None:
    page = "/art/2021/1/19/art_1229_1.html"
    url = "/module/download/downfile.jsp?classid=0&filename=b04e2e.doc"
    name = f"{KUAIDAMAO}.doc"
    raw = f'attachment; filename="{name}"'.encode("gb18030").decode("latin-1")
    portal.add(page, detail_page(KUAIDAMAO, [(url, name)], "公开日期：2021-01-19"), HTML)
    portal.file(url, "post2020.doc", {"Content-Type": "application/octet-stream",
                                      "Content-Disposition": raw}, page, name)
    build_archive(portal.archive)
    row = attachment(portal.archive, url)
    assert (row["filename"], row["kind"], row["status"]) == (name, "doc", "ok")
    assert report_at(portal.archive, page)["report_year"] == 2020


# -- copies, pages that are not files, rebuilds -----------------------------------------------


def test_identical_copy_of_a_detail_page_is_the_same_report(portal: Portal) -> None:
    body = detail_page(LIUHE, [("/files/a.pdf", LIUHE)], "发布日期：2022-01-20")
    portal.add("/xxgk/ndbg/t1.html", body, HTML)
    portal.file("/files/a.pdf", "post2021.pdf", PDF, "/xxgk/ndbg/t1.html", LIUHE)
    portal.add("/xxgk/xxgkml/ndbg/t1.html", body, HTML)
    build_archive(portal.archive)
    assert report_at(portal.archive, "/xxgk/ndbg/t1.html") == report_at(
        portal.archive, "/xxgk/xxgkml/ndbg/t1.html")
    assert portal.archive.db["reports"].count == 1


def test_copy_without_a_readable_file_does_not_replace_the_text(portal: Portal) -> None:
    portal.add("/b/t1.html", detail_page(LIUHE, [("gone.pdf", LIUHE)], "发布日期：2022-01-20"),
               HTML)
    portal.add("/b/gone.pdf", b"<html>404</html>", HTML, status=404, referrer="/b/t1.html",
               label=LIUHE)
    portal.add("/c/t1.html", detail_page(LIUHE, [("a.pdf", LIUHE)], "发布日期：2022-01-20"), HTML)
    portal.file("/c/a.pdf", "post2021.pdf", PDF, "/c/t1.html", LIUHE)
    build_archive(portal.archive)
    report = report_at(portal.archive, "/b/t1.html")
    assert report == report_at(portal.archive, "/c/t1.html")
    assert report["url"] == HOST + "/c/t1.html" and len(report["text"]) > 1000


def test_pages_and_text_files_are_not_attachments(portal: Portal) -> None:
    portal.add("/robots.txt", b"User-agent: *\n", {"Content-Type": "text/plain"})
    portal.add("/xxgk/", list_page([("a.html", "某通知", "2022-01-01")]), HTML)
    portal.add("/img/a.png", b"\x89PNG\r\n\x1a\n", {"Content-Type": "image/png"})
    build_archive(portal.archive)
    assert portal.archive.db["attachments"].count == 0


def test_rebuild_reuses_cached_extractions(detail: Portal) -> None:
    before = rows(detail.archive, "SELECT * FROM reports")
    summary = build_archive(detail.archive)
    assert summary.derived is not None
    assert summary.derived.counts["extracted"] == 0
    assert summary.derived.counts["extraction cache hits"] == 1
    assert rows(detail.archive, "SELECT * FROM reports") == before


def test_other_limits_extract_again(detail: Portal) -> None:
    summary = DeriveSummary(today=date(2024, 1, 1))
    summary.counts.update(derive_attachments(detail.archive, summary.today, Limits(max_pages=1)))
    assert summary.counts["extracted"] == 1 and summary.counts["extraction cache hits"] == 0


def test_old_archive_gains_the_new_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    old["captures"].create({"id": int, "url": str, "url_key": str, "status": int}, pk="id")
    old.conn.close()
    with Archive(path) as archive:
        assert {"referrer", "link_text"} <= set(archive.db["captures"].columns_dict)
        assert "attachments" in archive.db.table_names()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM attachments").fetchone() == (0,)


def test_timeouts_are_not_cached(portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    from archive.derive import attachments
    from archive.extract.model import failed

    portal.add("/x/", list_page([("a.pdf", LIUHE, "2022-01-20")]), HTML)
    portal.file("/x/a.pdf", "post2021.pdf", PDF, "/x/", LIUHE)
    monkeypatch.setattr(attachments, "extract_attachment",
                        lambda *a, **k: failed("pdf", "timed out after 60 s"))
    first = build_archive(portal.archive).derived
    assert first is not None and first.counts["extracted"] == 1
    assert attachment(portal.archive, "/x/a.pdf")["error"] == "timed out after 60 s"
    monkeypatch.undo()
    second = build_archive(portal.archive).derived
    assert second is not None and second.counts["extraction cache hits"] == 0
    assert attachment(portal.archive, "/x/a.pdf")["status"] == "ok"
