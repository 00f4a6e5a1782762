"""Flattening and main-content detection on small hand-written DOMs."""

from __future__ import annotations

from archive.parse import parse_report
from archive.parse.html import choose_content, flatten, parse_document, text_of

BODY = "根据《中华人民共和国政府信息公开条例》规定，现公布本镇政府信息公开工作年度报告，请查阅。"


def lines_of(markup: str) -> list[str]:
    return [line.text for line in flatten(parse_document(markup).find("body"))]


def test_paragraphs_breaks_and_inline_markup() -> None:
    markup = "<body><p>第一段<b>加粗</b>文字</p><div>第二段<br>第三段&nbsp;&nbsp;</div>尾巴</body>"
    assert lines_of(markup) == ["第一段加粗文字", "第二段", "第三段", "尾巴"]


def test_data_table_rows_become_tab_separated_lines() -> None:
    markup = "<body><table><tr><td>信息内容</td><td>本年新<br>制作数量</td></tr><tr><td>规章</td><td>0</td></tr></table></body>"
    assert lines_of(markup) == ["信息内容\t本年新制作数量", "规章\t0"]


def test_layout_table_is_read_as_blocks() -> None:
    long_cell = "正文" * 120
    markup = f"<body><table><tr><td>菜单</td><td>{long_cell}</td></tr><tr><td>a</td><td>b</td></tr></table></body>"
    assert lines_of(markup)[:2] == ["菜单", long_cell]


def test_bold_section_number_ends_its_line() -> None:
    markup = "<body><p><strong>一、概述</strong>2016年，我镇扎实推进公开工作。</p></body>"
    assert lines_of(markup) == ["一、概述", "2016年，我镇扎实推进公开工作。"]


def test_preformatted_text_keeps_its_lines() -> None:
    assert lines_of("<body><pre>一、概述\n2016年，我镇扎实推进。\n二、主动公开</pre></body>") == [
        "一、概述",
        "2016年，我镇扎实推进。",
        "二、主动公开",
    ]


def test_content_keeps_tables_held_in_a_sibling_block() -> None:
    markup = (
        "<body><div id='wrap'><div id='text'>" + f"<p>{BODY}</p>" * 8 + "</div>"
        "<div id='tables'><table><tr><td>信息内容</td><td>本年制发件数</td></tr>"
        "<tr><td>行政规范性文件</td><td>0</td></tr></table></div></div></body>"
    )
    body = parse_document(markup).find("body")
    lines = flatten(body)
    content = choose_content(lines, body, keep=[line for line in lines if line.table])
    assert content is not None and content.get("id") == "wrap"
    assert choose_content(lines, body).get("id") == "text"  # without the table rule


def test_title_broken_by_br_is_not_body_text() -> None:
    markup = (
        "<html><head><meta charset='utf-8'><title>x</title></head><body><div class='article'>"
        "<h1>成吉思汗镇2016年<br>政府信息公开工作年度报告</h1><p>发布时间：2017-02-10</p>"
        + f"<p>{BODY}</p>" * 4
        + "</div></body></html>"
    )
    report = parse_report("http://x.gov.cn/a.html", markup.encode("utf-8"))
    assert report.title == "成吉思汗镇2016年政府信息公开工作年度报告"
    assert report.text.startswith("根据")
    assert report.published == "2017-02-10"


def test_text_of_joins_all_descendant_text() -> None:
    el = parse_document("<body><div>a<span>b</span>c</div></body>").find(".//div")
    assert text_of(el) == "abc"
