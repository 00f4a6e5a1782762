"""What a page or a link label says about a report published as a file (archive.parse.pagemeta)."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.derive.file_reports import date_from_file_name
from archive.parse.pagemeta import (
    PageMeta,
    date_near_link,
    label_title,
    parse_page_meta,
    title_facts,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ATTACHMENT_ONLY = FIXTURES / "decoy" / "attachment_only.html"
ATTACHMENT_ONLY_URL = "http://www.zlt.gov.cn/zwgk/zfxxgknb/wnh/202001/t20200115_9999.html"


@pytest.fixture(scope="module")
def attachment_only() -> PageMeta:
    return parse_page_meta(ATTACHMENT_ONLY_URL, ATTACHMENT_ONLY.read_bytes())


def test_attachment_only_page_names_its_report(attachment_only: PageMeta) -> None:
    assert attachment_only.names_report
    assert attachment_only.title == "卧牛河镇2019年政府信息公开工作年度报告"


def test_attachment_only_page_gives_town_and_year(attachment_only: PageMeta) -> None:
    meta = attachment_only
    assert (meta.town, meta.report_year) == ("卧牛河镇", 2019)


def test_attachment_only_page_gives_published_and_source(attachment_only: PageMeta) -> None:
    meta = attachment_only
    assert (meta.published, meta.source) == ("2020-01-15", "卧牛河镇")


def test_decoy_page_names_no_report() -> None:
    meta = parse_page_meta("http://h/a.html", (FIXTURES / "decoy" / "guide.html").read_bytes())
    assert not meta.names_report and meta.title is None


def test_list_of_reports_is_not_a_detail_page() -> None:
    items = "".join(f'<li><a href="/t{y}.html">某镇{y}年政府信息公开工作年度报告</a></li>'
                    for y in range(2016, 2022))
    body = ('<html><head><meta charset="utf-8"><title>2021年政府信息公开年度报告</title></head>'
            f"<body><h1>2021年政府信息公开年度报告</h1><ul>{items}</ul></body></html>")
    assert not parse_page_meta("http://h/ndbg/", body.encode()).names_report


@pytest.mark.parametrize("label,expected", [
    ("石花镇2015年政府信息公开工作年度报告.pdf", "石花镇2015年政府信息公开工作年度报告"),
    ("附件1：石花镇2015年政府信息公开工作年度报告.DOCX", "石花镇2015年政府信息公开工作年度报告"),
    ("  石花镇2015年报  ", "石花镇2015年报"),
    ("", None),
    (None, None),
])
def test_label_title_drops_extension_and_prefix(label: str | None, expected: str | None) -> None:
    assert label_title(label) == expected


def test_title_facts_from_a_label() -> None:
    facts = title_facts("http://h/a.pdf", "衢州市衢江区人民政府樟潭街道办事处2021年政府信息公开工作年度报告.pdf")
    assert facts is not None
    assert (facts.town, facts.county, facts.report_year) == ("樟潭街道", "衢江区", 2021)
    assert facts.title == "衢州市衢江区人民政府樟潭街道办事处2021年政府信息公开工作年度报告"


@pytest.mark.parametrize("label", ["附件下载", "政府信息公开指南.pdf", "P020220118914196401015.docx",
                                   "抚松县自然资源局2019年政府信息公开工作年度报告.pdf"])
def test_title_facts_need_a_report_title(label: str) -> None:
    assert title_facts("http://h/a.pdf", label) is None


LIST = """<html><head><meta charset="gbk"></head><body><table>
<tr><td><a href="show.asp?id=1">石花镇2016年政府信息公开工作年度报告</a></td><td>2017年3月2日</td></tr>
<tr><td><a href="UploadFile/201603/1.pdf">石花镇2015年政府信息公开工作年度报告</a></td>
<td>2016年3月18日</td></tr></table>
<ul><li><span>2022-01-18</span><a href="./202201/P0.docx">松江河镇2021年年报</a></li>
<li><a href="./202201/P1.docx">松江河镇2020年年报</a></li></ul></body></html>"""


@pytest.mark.parametrize("target,expected", [
    ("http://h/UploadFile/201603/1.pdf", "2016-03-18"),
    ("http://h/202201/P0.docx", "2022-01-18"),
    ("http://h/202201/P1.docx", None),  # its entry shows no date
    ("http://h/elsewhere.pdf", None),
])
def test_date_near_link(target: str, expected: str | None) -> None:
    assert date_near_link("http://h/list.asp", LIST.encode("gb18030"), target) == expected


class Named:
    def __init__(self, url: str, filename: str | None = None):
        self.url, self.filename = url, filename


@pytest.mark.parametrize("url,filename,expected", [
    ("http://h/ndbg/fsz/201802/P020180206508939060484.pdf", None, "2018-02-06"),
    ("http://h/UploadFile/201603/20160318160947230.pdf", None, "2016-03-18"),
    ("http://h/downfile.jsp?filename=b04e2e.doc", "P020210119123456789012.doc", "2021-01-19"),
    ("http://h/files/report.pdf", "report.pdf", None),
    ("http://h/files/P020181399123456789012.pdf", None, None),  # month 13: not a date
])
def test_upload_date_in_file_names(url: str, filename: str | None, expected: str | None) -> None:
    assert date_from_file_name(Named(url, filename)) == expected  # type: ignore[arg-type]
