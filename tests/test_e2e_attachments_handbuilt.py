"""Crawl a small portal built here, not the demo: files behind generic labels
(附件1, 点击下载), a download script with an RFC 5987 file name, a spreadsheet annex, and
an HTML report whose PDF is broken."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from helpers.loopback import Reply, serve_routes

ROOT = Path(__file__).resolve().parent.parent
FILES = Path(__file__).resolve().parent / "fixtures" / "attachments"
LIUHE = "柳河镇2021年政府信息公开工作年度报告"
KUAIDAMAO = "快大茂镇2020年政府信息公开工作年度报告"
FUSONG = "抚松镇2019年政府信息公开工作年度报告"
HTML = "text/html; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DETAIL = "/ndbg/202201/t20220120_1.html"
HTML_REPORT = "/ndbg/202001/t20200115_2.html"
PDF_URL = "/ndbg/202201/P020220120123456789012.pdf"
ANNEX_URL = "/module/download/downfile.jsp?classid=0&filename=9f8e.xlsx"
DIRECT_URL = "/ndbg/202101/P020210122123456789012.docx"
BROKEN_URL = "/ndbg/202001/P020200115123456789012.pdf"


def page(title: str, inner: str) -> bytes:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_某县人民政府</title>'
            f'</head><body><div class="nav"><a href="/">首页</a> <a href="/ndbg/">政府信息公开年报</a>'
            f"</div>{inner}<div class=\"footer\">某县人民政府主办</div></body></html>").encode()


def article(title: str, date: str, body: str) -> bytes:
    return page(title, f'<div class="article"><h1>{title}</h1><div class="info">发布日期：{date}'
                       f'　来源：{title[:3]}人民政府</div><div id="zoom">{body}</div></div>')


NARRATIVE = "".join(f"<p>{p}</p>" for p in (
    "一、政府信息公开工作的基本概况",
    ("2019年，抚松镇认真贯彻落实《中华人民共和国政府信息公开条例》，完善工作机制，主动公开各类"
     "政府信息，保障人民群众的知情权、参与权和监督权。"),
    "二、主动公开政府信息情况",
    "全年主动公开政府信息八十六条，其中政策文件十二条，均在政府网站公开栏目发布，方便群众查阅。",
))

ROUTES: dict[str, Reply] = {
    "/": (200, {"Content-Type": HTML}, page("某县人民政府", '<a href="/ndbg/">政府信息公开年报</a>')),
    "/ndbg/": (200, {"Content-Type": HTML}, page("政府信息公开年报", "<ul>" + "".join(
        f'<li><span>{d}</span><a href="{u}">{t}</a></li>' for u, t, d in (
            (DETAIL, LIUHE, "2022-01-20"), (DIRECT_URL, KUAIDAMAO, "2021-01-22"),
            (HTML_REPORT, FUSONG, "2020-01-15"))) + "</ul>")),
    DETAIL: (200, {"Content-Type": HTML}, article(
        LIUHE, "2022-01-20", f'<p>附件：<a href="./{PDF_URL.rsplit("/", 1)[1]}">附件1</a></p>'
                             f'<p><a href="{ANNEX_URL}">点击下载</a></p>')),
    HTML_REPORT: (200, {"Content-Type": HTML}, article(
        FUSONG, "2020-01-15", NARRATIVE + f'<p><a href="{BROKEN_URL}">下载PDF</a></p>')),
    PDF_URL: (200, {"Content-Type": "application/pdf"}, (FILES / "post2021.pdf").read_bytes()),
    ANNEX_URL: (200, {"Content-Type": "application/octet-stream",
                      "Content-Disposition": "attachment; filename*=UTF-8''"
                                             + quote(f"{LIUHE}附表.xlsx")},
                (FILES / "tables2021.xlsx").read_bytes()),
    DIRECT_URL: (200, {"Content-Type": "application/vnd.openxmlformats-officedocument"
                                       ".wordprocessingml.document"},
                 (FILES / "post2020.docx").read_bytes()),
    BROKEN_URL: (200, {"Content-Type": "application/pdf"}, (FILES / "truncated.pdf").read_bytes()),
}
NOT_FOUND: Reply = (404, {"Content-Type": HTML}, b"<h1>404</h1>")


@dataclass
class Crawled:
    db: Path
    base: str
    returncode: int
    stderr: str
    summary: dict[str, Any]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    db = tmp_path_factory.mktemp("portal") / "portal.db"
    with serve_routes(ROUTES, not_found=NOT_FOUND) as portal:
        base = portal.origin
        proc = subprocess.run([sys.executable, "-m", "archive.app.crawl", "--db", str(db), "--url",
                               base + "/", "--json"], cwd=ROOT, capture_output=True, text=True,
                              timeout=300, check=False)
        lines = proc.stdout.strip().splitlines()
        yield Crawled(db, base, proc.returncode, proc.stderr,
                      json.loads(lines[-1]) if lines else {})


def one(crawled: Crawled, sql: str, params: tuple = ()) -> dict[str, Any]:
    with sqlite3.connect(crawled.db) as conn:
        cursor = conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    assert len(rows) == 1, (sql, params, rows)
    return dict(zip(names, rows[0], strict=True))


def file_row(crawled: Crawled, path: str) -> dict[str, Any]:
    return one(crawled, "SELECT * FROM attachments WHERE url = ?", (crawled.base + path,))


def report_at(crawled: Crawled, path: str) -> dict[str, Any]:
    return one(crawled, "SELECT r.* FROM reports r JOIN report_urls u ON u.report_id = r.id "
                        "WHERE u.url = ?", (crawled.base + path,))


def test_crawl_succeeds(crawled: Crawled) -> None:
    assert crawled.returncode == 0, crawled.stderr[-2000:]


def test_file_behind_a_generic_label_is_fetched_and_read(crawled: Crawled) -> None:
    report = report_at(crawled, DETAIL)
    assert (report["title"], report["town"], report["report_year"]) == (LIUHE, "柳河镇", 2021)
    assert report["published"] == "2022-01-20" and report["format"] == "post2019"
    pdf = file_row(crawled, PDF_URL)
    assert (pdf["status"], pdf["report_id"], pdf["main"]) == ("ok", report["id"], 1)
    assert pdf["link_text"] == "附件1"


def test_spreadsheet_annex_joins_the_same_report(crawled: Crawled) -> None:
    annex = file_row(crawled, ANNEX_URL)
    assert (annex["kind"], annex["status"]) == ("xlsx", "ok")
    assert annex["filename"] == f"{LIUHE}附表.xlsx"
    assert annex["report_id"] == report_at(crawled, DETAIL)["id"] and annex["main"] == 0


def test_file_linked_from_the_list_is_a_report(crawled: Crawled) -> None:
    report = report_at(crawled, DIRECT_URL)
    assert (report["title"], report["report_year"], report["published"]) == (
        KUAIDAMAO, 2020, "2021-01-22")


def test_broken_pdf_of_an_html_report_is_recorded_not_a_second_report(crawled: Crawled) -> None:
    report = report_at(crawled, HTML_REPORT)
    assert "主动公开政府信息八十六条" in report["text"]
    broken = file_row(crawled, BROKEN_URL)
    assert broken["status"] == "error" and "truncated" in broken["error"]
    assert broken["report_id"] == report["id"]
    assert one(crawled, "SELECT count(*) AS n FROM reports WHERE title = ?", (FUSONG,))["n"] == 1


def test_summary_counts_derived_attachments(crawled: Crawled) -> None:
    derived = crawled.summary["derived"]
    assert (derived["attachments"], derived["attachment reports"]) == (4, 2)
    assert derived["extracted"] == 4 and "derived 4 attachments" in crawled.stderr
