"""archive/parse/frames.py on saved page shapes: which frame shows the report, and which
links are print pages or exports of the page they sit on."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.errors import NotAReportError
from archive.parse import parse_report
from archive.parse.frames import (
    EXPORT,
    PRINT,
    FrameRef,
    alternate_kind,
    frame_refs_in,
    framed_markup,
    report_frame,
    viewer_target,
    widget_reason,
)
from archive.parse.pagemeta import parse_page_meta

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "frames"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_the_content_frame_is_chosen_over_weather_share_map_and_hidden_video() -> None:
    url = "http://www.example.gov.cn/xxgk/ndbg/202301/t20230118_5.html"
    refs = frame_refs_in(url, fixture("trs_iframe.html"))
    assert [r.url for r in refs] == [  # the hidden video player is not a frame a reader sees
        "http://www.example.gov.cn/include/top_weather.html",
        "http://www.example.gov.cn/xxgk/ndbg/202301/W020230118_content.html",  # <base> applies
        "http://service.weibo.com/share/button.php?url=x",
        "https://api.map.baidu.com/staticimage?center=1,2",
    ]
    assert [widget_reason(r) for r in refs] == ["widget", None, "widget", "widget"]
    chosen = report_frame(refs, url)
    assert chosen is not None and chosen.url.endswith("/W020230118_content.html")


def test_a_pdfjs_viewer_frame_is_its_pdf_and_a_zero_size_counter_is_not() -> None:
    url = "http://www.example.gov.cn/xxgk/ndbg/t20220125_1.html"
    refs = frame_refs_in(url, fixture("pdfjs_iframe.html"))
    chosen = report_frame(refs, url)
    assert chosen is not None and chosen.is_file
    assert chosen.url == "http://www.example.gov.cn/uploadfiles/2022/01/20220125093011.pdf"
    assert widget_reason(refs[-1]) is not None  # /count/visit.jsp, 0 x 0


def test_frameset_main_frame_not_top_left_or_bottom() -> None:
    url = "http://old.example.gov.cn/xxgk/nb.asp"
    refs = frame_refs_in(url, fixture("frameset.html"))
    assert len(refs) == 4
    chosen = report_frame(refs, url)
    assert chosen is not None and chosen.url == "http://old.example.gov.cn/xxgk/news_show.asp?id=1024"


@pytest.mark.parametrize(("src", "target"), [
    ("http://a.gov.cn/pdfjs/web/viewer.html?file=%2Fu%2Fa.pdf", "http://a.gov.cn/u/a.pdf"),
    ("http://a.gov.cn/pdfjs/web/viewer.html?file=../../u/a.pdf", "http://a.gov.cn/u/a.pdf"),
    ("http://a.gov.cn/js/pdf/web/viewer.html#file=/u/b.pdf", "http://a.gov.cn/u/b.pdf"),
    ("http://a.gov.cn/view.jsp?url=http://a.gov.cn/f/c.docx", "http://a.gov.cn/f/c.docx"),
    ("http://a.gov.cn/view.jsp?file=javascript:alert(1).pdf", "http://a.gov.cn/view.jsp?file=javascript:alert(1).pdf"),
    ("http://a.gov.cn/u/d.pdf", "http://a.gov.cn/u/d.pdf"),
    ("http://a.gov.cn/x/content.html?id=3", "http://a.gov.cn/x/content.html?id=3"),
])
def test_viewer_targets(src: str, target: str) -> None:
    assert viewer_target(src) == target


def test_no_frame_on_a_page_without_one_or_with_only_widgets() -> None:
    assert report_frame([]) is None
    widgets = [FrameRef("http://a.gov.cn/share.html", "iframe"),
               FrameRef("http://a.gov.cn/c.html", "iframe", width=100, height=30),
               FrameRef("http://a.gov.cn/p.html", "iframe", hint="tianqi weather")]
    assert report_frame(widgets) is None
    assert report_frame([FrameRef("http://a.gov.cn/p.html", "iframe")], "http://a.gov.cn/p.html") \
        is None  # the page framing itself


def test_outer_page_is_no_report_but_names_one_with_its_frame() -> None:
    url = "http://www.example.gov.cn/xxgk/ndbg/202301/t20230118_5.html"
    body = fixture("trs_iframe.html").encode("utf-8")
    with pytest.raises(NotAReportError, match="report in a frame: .*W020230118_content.html"):
        parse_report(url, body)
    meta = parse_page_meta(url, body)
    assert meta.names_report and meta.title == "长白镇2022年政府信息公开工作年度报告"
    assert (meta.published, meta.source) == ("2023-01-18", "长白镇人民政府")
    assert meta.report_frame is not None and meta.report_frame.endswith("W020230118_content.html")


def test_a_report_with_its_own_body_keeps_it_beside_a_frame() -> None:
    text = "".join(f"<p>第{n}段：全年主动公开政府信息八十六条，其中政策文件十二条，均在政府网站公开。</p>"
                   for n in range(20))
    html = (f"<html><head><title>长白镇2022年政府信息公开工作年度报告</title></head><body>"
            f"<h1>长白镇2022年政府信息公开工作年度报告</h1><p>发布日期：2023-01-18</p>{text}"
            f'<iframe src="/u/nb.pdf" width="100%" height="800"></iframe></body></html>')
    report = parse_report("http://a.gov.cn/t1.html", html.encode("utf-8"))
    assert "第19段" in report.text


def test_framed_markup_titles_the_frames_body_and_escapes() -> None:
    markup = framed_markup("<html><head><title>正文</title></head><body>开头<p>一、概况</p>尾"
                           "<script>x()</script></body></html>", "某镇<2021>年报")
    assert "<title>某镇&lt;2021&gt;年报</title>" in markup and "<h1>某镇&lt;2021&gt;年报</h1>" in markup
    assert "开头<p>一、概况</p>尾" in markup and "<title>正文</title>" not in markup


@pytest.mark.parametrize(("url", "label", "kind"), [
    ("http://a.gov.cn/info/1053/3321_print.htm", "[ 打印本页 ]", PRINT),
    ("http://a.gov.cn/printContent.jsp?wbnewsid=3321", "打印", PRINT),
    ("http://a.gov.cn/content.jsp?wbnewsid=3321&mode=print", "打印预览", PRINT),
    ("http://a.gov.cn/xxgk/print.jsp?id=3", "", PRINT),
    ("http://a.gov.cn/art/2021/1/20/art_1_2.html?print=1", "", PRINT),
    ("http://a.gov.cn/doPrint.do?id=9", "", PRINT),
    ("http://a.gov.cn/x.html", "【打印】", PRINT),
    ("http://a.gov.cn/export.jsp?wbnewsid=3321&type=word", "下载Word", EXPORT),
    ("http://a.gov.cn/export.jsp?wbnewsid=3321&type=pdf", "", EXPORT),
    ("http://a.gov.cn/system/exportPdf.jsp?id=3", "", EXPORT),
    ("http://a.gov.cn/a.jsp?id=3", "【下载PDF】", EXPORT),
    ("http://a.gov.cn/a.jsp?id=3", "PDF下载", EXPORT),
    ("http://a.gov.cn/html2pdf?u=/a.html", "", EXPORT),
    ("http://a.gov.cn/info/1053/3001.htm", "新民街道2019年政府信息公开工作年度报告", None),
    ("http://a.gov.cn/upload/2021/xmjd2020.pdf", "新民街道2020年政府信息公开工作年度报告.pdf", None),
    ("http://a.gov.cn/fingerprint/intro.htm", "指纹采集点介绍", None),
    ("http://a.gov.cn/blueprint/2021.htm", "发展蓝图", None),
    ("http://a.gov.cn/module/download/downfile.jsp?classid=0&filename=9f8e.doc", "附件1", None),
    ("http://a.gov.cn/photo/pdf/a.html", "", None),
    ("http://a.gov.cn/xxgk/ndbg/index.html?page=2", "打印机采购公告", None),
])
def test_alternates(url: str, label: str, kind: str | None) -> None:
    assert alternate_kind(url, label) == kind


def test_every_print_and_export_control_of_a_vsb_page_is_an_alternate() -> None:
    from crawler.discovery import extract_links
    links = extract_links("http://a.gov.cn/info/1053/3321.htm", fixture("vsb_tools.html"))
    kinds = {link.url.rsplit("/", 1)[-1]: alternate_kind(link.url, link.label) for link in links}
    assert sorted(k for k, v in kinds.items() if v == PRINT) == [
        "3321_print.htm", "content.jsp?urltype=news.NewsContentUrl&wbnewsid=3321&mode=print",
        "printContent.jsp?wbnewsid=3321"]
    assert sorted(k for k, v in kinds.items() if v == EXPORT) == [
        "export.jsp?wbnewsid=3321&type=pdf", "export.jsp?wbnewsid=3321&type=word"]
    assert kinds["3001.htm"] is None and kinds["xmjd2020.pdf"] is None
