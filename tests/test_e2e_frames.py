"""Crawl a portal built here whose reports live in frames, with print pages and exports
(issue #11): each report is found once, with its detail page's title, dates and source; a
print page or an export never becomes a second report; a rebuild gives the same reports."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers.crawl import Crawl, run_crawl
from helpers.loopback import Reply, serve_routes

ROOT = Path(__file__).resolve().parent.parent
FILES = Path(__file__).resolve().parent / "fixtures" / "attachments"
HTML = "text/html; charset=utf-8"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

LIUHE = "柳河镇2021年政府信息公开工作年度报告"  # HTML in an iframe, no title of its own
HUANGNIHE = "黄泥河镇2021年政府信息公开工作年度报告"  # HTML frame titled differently
KUAIDAMAO = "快大茂镇2020年政府信息公开工作年度报告"  # PDF through a pdf.js viewer iframe
FUSONG = "抚松镇2019年政府信息公开工作年度报告"  # HTML report with print page and exports
XINGCHENG = "兴城镇2019年政府信息公开工作年度报告"  # a frameset page

FRAMED = "/ndbg/202201/t20220120_1.html"
FRAME_DOC = "/module/content/body_1.html"
ANNEX = "/upload/2022/liuhe_fb.docx"
RETITLED = "/ndbg/202201/t20220125_5.html"
RETITLED_DOC = "/module/content/body_5.html"
VIEWER = "/ndbg/202101/t20210122_2.html"
VIEWER_PDF = "/upload/2021/P020210122123456789012.pdf"
REPORT = "/ndbg/202001/t20200115_3.html"
PRINT = "/xxgk/print.jsp?id=3"
EXPORT_PDF = "/system/export/exportPdf.jsp?id=3"
EXPORT_WORD = "/system/export/content.jsp?id=3&type=word"
FRAMESET = "/ndbg/202001/t20200118_4.html"
FRAMESET_MAIN = "/ndbg/202001/t20200118_4_main.html"
LIST_PRINT = "/ndbg/202001/t20200115_3_print.html"


def page(title: str, inner: str) -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_某县人民政府</title>'
            f'</head><body><div class="nav"><a href="/">首页</a> <a href="/ndbg/">政府信息公开年报</a>'
            f"</div>{inner}<div class=\"footer\">某县人民政府主办</div></body></html>")


def detail(title: str, date: str, inner: str) -> str:
    return page(title, f'<div class="article"><h1>{title}</h1><div class="info">发布日期：{date}'
                       f'　来源：{title[:3]}人民政府</div>{inner}</div>')


def narrative(town: str, year: int) -> str:
    return "".join(f"<p>{p}</p>" for p in (
        "一、政府信息公开工作的基本概况",
        (f"{year}年，{town}认真贯彻落实《中华人民共和国政府信息公开条例》，完善工作机制，主动公开"
         "各类政府信息，保障人民群众的知情权、参与权和监督权，全年未发生泄密事件。"),
        "二、主动公开政府信息情况",
        f"全年主动公开政府信息八十六条，其中政策文件十二条，均在{town}政府网站公开栏目发布，方便群众查阅。",
        "三、收到和处理政府信息公开申请情况",
        "全年收到政府信息公开申请三件，均已按期答复，无行政复议和行政诉讼案件。",
        f"{town}人民政府", f"{year + 1}年1月10日",
    ))


SHARE = ('<iframe src="/share/bar.html" width="300" height="32" scrolling="no"></iframe>'
         '<iframe src="https://map.example.invalid/?pos=1" width="400" height="300"></iframe>')
ROUTES: dict[str, Reply] = {
    "/": (200, {"Content-Type": HTML}, page("某县人民政府", '<a href="/ndbg/">政府信息公开年报</a>')),
    "/ndbg/": (200, {"Content-Type": HTML}, page("政府信息公开年报", "<ul>" + "".join(
        f'<li><span>{d}</span><a href="{u}">{t}</a></li>' for u, t, d in (
            (FRAMED, LIUHE, "2022-01-20"), (RETITLED, HUANGNIHE, "2022-01-25"),
            (VIEWER, KUAIDAMAO, "2021-01-22"), (REPORT, FUSONG, "2020-01-15"),
            (LIST_PRINT, FUSONG + "（打印版）", "2020-01-15"),
            (FRAMESET, XINGCHENG, "2020-01-18"))) + "</ul>")),
    FRAMED: (200, {"Content-Type": HTML}, detail(
        LIUHE, "2022-01-20", SHARE + f'<iframe id="contentFrame" src="{FRAME_DOC}" width="100%" '
                                     'height="1200" frameborder="0"></iframe>'
                                     f'<p>附件：<a href="{ANNEX}">附表</a></p>')),
    ANNEX: (200, {"Content-Type": DOCX}, (FILES / "post2020.docx").read_bytes()),
    FRAME_DOC: (200, {"Content-Type": HTML},
                f"<html><body><div>{narrative('柳河镇', 2021)}</div></body></html>"),
    RETITLED: (200, {"Content-Type": HTML}, detail(
        HUANGNIHE, "2022-01-25", f'<iframe src="{RETITLED_DOC}" width="100%" height="900">'
                                 "</iframe>")),
    RETITLED_DOC: (200, {"Content-Type": HTML}, (
        "<html><head><title>黄泥河镇2021年度信息公开年报正文</title></head><body>"
        f"<h2>黄泥河镇2021年度信息公开年报正文</h2>{narrative('黄泥河镇', 2021)}</body></html>")),
    VIEWER: (200, {"Content-Type": HTML}, detail(
        KUAIDAMAO, "2021-01-22", SHARE + '<iframe src="/pdfjs/web/viewer.html?file='
                                         + VIEWER_PDF.replace("/", "%2F")
                                         + '" width="100%" height="1000"></iframe>')),
    VIEWER_PDF: (200, {"Content-Type": PDF}, (FILES / "post2021.pdf").read_bytes()),
    REPORT: (200, {"Content-Type": HTML}, detail(
        FUSONG, "2020-01-15", narrative("抚松镇", 2019)
        + f'<div class="tools"><a href="{PRINT}">【打印】</a> <a href="{EXPORT_PDF}">【下载PDF】</a>'
          f' <a href="{EXPORT_WORD}">【下载Word】</a></div>')),
    # the print page: another <title>, no meta line, the same text
    PRINT: (200, {"Content-Type": HTML}, (
        "<html><head><title>打印页面</title></head><body><h2>抚松镇2019年度政府信息公开年报</h2>"
        f"{narrative('抚松镇', 2019)}</body></html>")),
    LIST_PRINT: (200, {"Content-Type": HTML}, (
        f"<html><head><title>{FUSONG}</title></head><body><h1>{FUSONG}（打印版）</h1>"
        f"{narrative('抚松镇', 2019)}</body></html>")),
    # the export: a Word file with no title page
    EXPORT_PDF: (200, {"Content-Type": DOCX}, (FILES / "post2020.docx").read_bytes()),
    EXPORT_WORD: (200, {"Content-Type": DOCX}, (FILES / "post2020.docx").read_bytes()),
    FRAMESET: (200, {"Content-Type": HTML}, (
        f"<html><head><title>{XINGCHENG}</title></head><frameset rows='80,*'>"
        "<frame name='top' src='/top.html'>"
        f"<frame name='main' src='{FRAMESET_MAIN}'></frameset></html>")),
    FRAMESET_MAIN: (200, {"Content-Type": HTML}, (
        f"<html><body><h1>{XINGCHENG}</h1><p>发布日期：2020-01-18</p>{narrative('兴城镇', 2019)}"
        "</body></html>")),
    "/top.html": (200, {"Content-Type": HTML}, "<html><body>某县人民政府</body></html>"),
}
NOT_FOUND: Reply = (404, {"Content-Type": HTML}, "<h1>404</h1>")


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Crawl, str, list[str]]]:
    db = tmp_path_factory.mktemp("frames") / "a.db"
    with serve_routes(ROUTES, not_found=NOT_FOUND) as portal:
        result = run_crawl(db, "--url", portal.origin + "/")
        yield result, portal.origin, list(portal.paths)


def reports(crawl: Crawl) -> dict[str, dict[str, Any]]:
    with __import__("sqlite3").connect(crawl.db) as conn:
        cursor = conn.execute("SELECT * FROM reports")
        names = [d[0] for d in cursor.description]
        return {row[names.index("title")]: dict(zip(names, row, strict=True))
                for row in cursor.fetchall()}


def urls_of(crawl: Crawl, rid: str, origin: str) -> set[str]:
    return {url.removeprefix(origin) for (url,) in crawl.rows(
        "SELECT url FROM report_urls WHERE report_id = ?", rid)}


def test_crawl_succeeds(crawl: tuple[Crawl, str, list[str]]) -> None:
    result, _, _ = crawl
    assert result.returncode == 0, result.stderr[-3000:]


def test_every_report_is_found_once(crawl: tuple[Crawl, str, list[str]]) -> None:
    result, _, _ = crawl
    titles = sorted(title for (title,) in result.rows("SELECT title FROM reports"))
    assert titles == sorted([LIUHE, HUANGNIHE, KUAIDAMAO, FUSONG, XINGCHENG])


def test_html_frame_is_read_under_the_pages_title_and_dates(
        crawl: tuple[Crawl, str, list[str]]) -> None:
    result, origin, _ = crawl
    report = reports(result)[LIUHE]
    assert report["url"] == origin + FRAMED
    assert (report["published"], report["source"], report["town"]) == (
        "2022-01-20", "柳河镇人民政府", "柳河镇")
    assert "主动公开政府信息八十六条" in report["text"] and report["format"] == "post2019"
    assert urls_of(result, report["id"], origin) == {FRAMED, FRAME_DOC}


def test_a_file_beside_the_frame_joins_the_frames_report(
        crawl: tuple[Crawl, str, list[str]]) -> None:
    result, origin, _ = crawl
    report = reports(result)[LIUHE]
    ((rid, main),) = result.rows("SELECT report_id, main FROM attachments WHERE url = ?",
                                 origin + ANNEX)
    assert (rid, main) == (report["id"], 0)
    assert "主动公开政府信息八十六条" in report["text"]  # the frame's text, not the file's
    assert result.rows("SELECT count(*) FROM report_versions WHERE report_id = ?",
                       report["id"]) == [(1,)]


def test_a_frame_with_its_own_title_makes_no_second_report(
        crawl: tuple[Crawl, str, list[str]]) -> None:
    result, origin, _ = crawl
    report = reports(result)[HUANGNIHE]
    assert report["url"] == origin + RETITLED and report["published"] == "2022-01-25"
    assert urls_of(result, report["id"], origin) == {RETITLED, RETITLED_DOC}


def test_pdf_in_a_viewer_frame_is_the_pages_report(crawl: tuple[Crawl, str, list[str]]) -> None:
    result, origin, paths = crawl
    report = reports(result)[KUAIDAMAO]
    assert report["url"] == origin + VIEWER and report["published"] == "2021-01-22"
    assert report["text"], "the PDF's text"
    ((rid, main),) = result.rows("SELECT report_id, main FROM attachments WHERE url = ?",
                                 origin + VIEWER_PDF)
    assert (rid, main) == (report["id"], 1)
    assert not any(p.startswith(("/pdfjs/", "/share/")) for p in paths), "no widget fetched"


def test_print_pages_and_exports_are_not_reports(crawl: tuple[Crawl, str, list[str]]) -> None:
    result, origin, paths = crawl
    report = reports(result)[FUSONG]
    assert report["url"] == origin + REPORT and report["published"] == "2020-01-15"
    assert PRINT not in paths and LIST_PRINT not in paths
    assert EXPORT_PDF not in paths and EXPORT_WORD not in paths
    assert result.summary["sites"][0]["alternates"] >= 3


def test_frameset_page_is_one_report(crawl: tuple[Crawl, str, list[str]]) -> None:
    result, origin, _ = crawl
    report = reports(result)[XINGCHENG]
    assert report["url"] == origin + FRAMESET and report["published"] == "2020-01-18"
    assert "/top.html" not in crawl[2]


def test_a_rebuild_makes_the_same_reports(crawl: tuple[Crawl, str, list[str]]) -> None:
    result, _, _ = crawl
    before = {t: (r["id"], r["url"], r["published"], r["text"]) for t, r in reports(result).items()}
    built = subprocess.run([str(Path(sys.executable).parent / "nianbao"), "build", "--db",
                            str(result.db)], cwd=ROOT, capture_output=True, text=True,
                           timeout=300, check=False)
    assert built.returncode == 0, built.stderr[-2000:]
    after = {t: (r["id"], r["url"], r["published"], r["text"]) for t, r in reports(result).items()}
    assert after == before
