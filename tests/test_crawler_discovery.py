"""Link discovery on small HTML snippets: generic, TRS and Hanweb."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from archive.db.keys import url_key
from crawler import discovery, paging
from crawler.discovery import PAGE, RECORD, Link
from crawler.platforms import hanweb, trs
from crawler.scan import scan_page

LIST = "http://gov.example:8080/xxgk/ndbg/index.html"


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def urls(links: list[Link]) -> list[str]:
    return [link.url for link in links]


# -- extracting links ----------------------------------------------------------------------------


def test_extract_links_resolves_relative_and_skips_non_http() -> None:
    html = """<html><body>
      <a href="a.html">甲</a> <a href="/b/">乙</a> <a href="//other.example/c">丙</a>
      <a href="mailto:x@y.cn">信</a> <a href="javascript:void(0)">js</a> <a href="#top">顶</a>
      <a href="tel:123">电话</a> <a>无链接</a>
      <iframe src="frame.html"></iframe>
    </body></html>"""
    assert urls(discovery.extract_links(LIST, html)) == [
        "http://gov.example:8080/xxgk/ndbg/a.html",
        "http://gov.example:8080/b/",
        "http://other.example/c",
        "http://gov.example:8080/xxgk/ndbg/frame.html",
    ]


def test_extract_links_honours_base_href_and_drops_fragment() -> None:
    html = '<html><head><base href="http://gov.example/root/"></head>' \
           '<body><a href="x.html#part2">x</a></body></html>'
    assert urls(discovery.extract_links(LIST, html)) == ["http://gov.example/root/x.html"]


def test_label_prefers_full_title_attribute_over_truncated_text() -> None:
    html = '<a href="t.html" title="某某镇2019年政府信息公开工作年度报告">某某镇2019年政府信息...</a>'
    (link,) = discovery.extract_links(LIST, html)
    assert link.label == "某某镇2019年政府信息公开工作年度报告"
    assert link.text == "某某镇2019年政府信息..."


def test_more_link_takes_the_heading_of_its_block() -> None:
    html = """<div class="box"><div class="hd"><h3>政府信息公开年报</h3>
              <a href="/col/col123/index.html">更多&gt;&gt;</a></div></div>"""
    (link,) = discovery.extract_links(LIST, html)
    assert link.text == "政府信息公开年报"
    assert discovery.nav_score(link) >= 8


def test_extract_links_survives_empty_and_declared_encoding() -> None:
    assert discovery.extract_links(LIST, "") == []
    html = '<?xml version="1.0" encoding="gb2312"?><html><body><a href="z.html">z</a></body></html>'
    assert urls(discovery.extract_links(LIST, html)) == ["http://gov.example:8080/xxgk/ndbg/z.html"]


# -- canonical URLs ------------------------------------------------------------------------------


def test_url_key_sorts_query_and_drops_fragment_and_default_port() -> None:
    a = url_key("http://gov.example:80/list?b=2&a=1#top")
    b = url_key("http://gov.example/list?a=1&b=2")
    assert a == b == "http://gov.example/list?a=1&b=2"
    assert url_key("http://gov.example:8080/x") == "http://gov.example:8080/x"


def test_post_links_differ_by_form_body() -> None:
    one = Link("http://h/p.jsp", method="POST", formdata=(("page", "1"),))
    two = Link("http://h/p.jsp", method="POST", formdata=(("page", "2"),))
    assert one.key != two.key


# -- judging links -------------------------------------------------------------------------------


@pytest.mark.parametrize("text,href", [
    ("政府信息公开年报", "/col/col1/index.html"),
    ("政府信息公开", "/a/"),
    ("乡镇街道", "/b/"),
    ("成吉思汗镇", "/c/"),
    ("北京街道办事处", "/d/"),
    ("某某苏木", "/e/"),
    ("", "/zwgk/xxgk/"),
    ("栏目", "/xxgk/gknb2025/"),
    ("2021年", "/f/"),
])
def test_navigation_links_score_above_zero(text: str, href: str) -> None:
    link = Link("http://h" + href, text=text)
    assert discovery.nav_score(link) > 0
    assert discovery.skip_reason(link) is None


@pytest.mark.parametrize("text,href", [
    ("新闻中心", "/news/"),
    ("招聘公告", "/zp/"),
    ("视频点播", "/v/"),
    ("领导信箱", "/mail/"),
    ("用户登录", "/user/"),
    ("站内搜索", "/s/"),
    ("", "/login.jsp"),
    ("某镇风光", "/img/photo.jpg"),
    ("下载表格", "/files/form.xls"),
    ("某通知附件", "/files/notice.pdf"),
])
def test_irrelevant_links_are_skipped(text: str, href: str) -> None:
    assert discovery.skip_reason(Link("http://h" + href, text=text)) is not None


def test_plain_unrelated_link_scores_zero() -> None:
    assert discovery.nav_score(Link("http://h/about/", text="机构概况")) == 0


def test_report_column_words_lead_to_reports() -> None:
    assert discovery.leads_to_reports(Link("http://h/x/", text="信息公开年报"))
    assert discovery.leads_to_reports(Link("http://h/xxgk/ndbg/", text="栏目"))
    assert not discovery.leads_to_reports(Link("http://h/xxgk/", text="信息公开"))


@pytest.mark.parametrize("url,expected", [
    ("http://h/xxgk/202101/t20210115_123456.html", True),
    ("http://h/art/2021/1/15/art_1229_456.html", True),
    ("http://h/gkmlpt/content/1/2/post_345.html", True),
    ("http://h/files/report.pdf", True),
    ("http://h/xxgk/ndbg/index.html", False),
    ("http://h/xxgk/ndbg/", False),
])
def test_detail_url_shapes(url: str, expected: bool) -> None:
    assert discovery.looks_like_detail(url) is expected


def test_report_module_urls() -> None:
    assert discovery.is_report_url("http://h/module/xxgk/xxgkAnnualReport.jsp?area=1&fbtime=2020")
    assert not discovery.is_report_url("http://h/module/xxgk/index.jsp?area=1")


def test_title_parts_split_site_suffix() -> None:
    parts = discovery.title_parts("某镇2020年政府信息公开工作年度报告_某县人民政府")
    assert parts[0] == "某镇2020年政府信息公开工作年度报告"


# -- pagination ----------------------------------------------------------------------------------


def test_static_pager_is_filled_up_to_the_last_page() -> None:
    html = """<div class="page"><a href="index.html">首页</a><a href="index_1.html">下一页</a>
              <a href="index_4.html">尾页</a></div>"""
    links = discovery.extract_links(LIST, html)
    pages = paging.pager_links(LIST, links)
    assert sorted(urls(pages)) == [f"http://gov.example:8080/xxgk/ndbg/index_{n}.html"
                                   for n in range(1, 5)]
    assert all(p.kind == PAGE for p in pages)


def test_query_pager_is_filled_and_excludes_the_current_page() -> None:
    page = "http://h/list.jsp?cat=7&page=1"
    html = """<a href="list.jsp?cat=7&page=2">下一页</a> <a href="list.jsp?page=3&cat=7">3</a>
              <a href="list.jsp?cat=7&page=5">末页</a> <a href="other.jsp?page=2">下一页</a>"""
    pages = paging.pager_links(page, discovery.extract_links(page, html))
    keys = {url_key(u) for u in urls(pages)}
    assert keys == {url_key(f"http://h/list.jsp?cat=7&page={n}")
                    for n in (2, 3, 4, 5)}


def test_numbers_that_are_not_pager_links_are_ignored() -> None:
    html = '<a href="/xxgk/ndbg/2021/">2021</a> <a href="/art/2.html">2</a>'
    assert paging.pager_links(LIST, discovery.extract_links(LIST, html)) == []


# -- TRS -----------------------------------------------------------------------------------------


def test_trs_create_page_html_generates_the_other_pages() -> None:
    html = '<script>createPageHTML(4, 0, "index", "html");</script>'
    assert urls(trs.pages_from_create_page_html(LIST, html)) == [
        "http://gov.example:8080/xxgk/ndbg/index_1.html",
        "http://gov.example:8080/xxgk/ndbg/index_2.html",
        "http://gov.example:8080/xxgk/ndbg/index_3.html",
    ]


def test_trs_pages_are_relative_to_a_directory_url_and_any_extension() -> None:
    html = "<script>createPageHTML('page_div', 3, 1, 'index', 'shtml');</script>"
    assert urls(trs.pages_from_create_page_html("http://h/col/", html)) == [
        "http://h/col/index_1.shtml", "http://h/col/index_2.shtml"]


def test_trs_page_count_from_a_variable() -> None:
    html = """<script>var countPage = 3//共多少页
              createPageHTML(countPage, currentPage, "index", "html");</script>"""
    assert len(trs.pages_from_create_page_html(LIST, html)) == 2


def test_trs_single_page_and_function_definition_give_nothing() -> None:
    html = """<script>function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){}
              createPageHTML(1, 0, "index", "html");</script>"""
    assert trs.pages_from_create_page_html(LIST, html) == []


# -- Hanweb --------------------------------------------------------------------------------------

HANWEB_PAGE = """<html><body><div id="4361927"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=26&columnid=1229&unitid=4361927"></a>]]></nextgroup>
<recordset>
<record><![CDATA[<li><a href="/art/2021/1/20/art_1229_11.html" title="甲镇2020年政府信息公开工作年度报告">甲镇2020年…</a></li>]]></record>
<record><![CDATA[<li><a href="/art/2021/1/21/art_1229_12.html">乙镇2020年政府信息公开工作年度报告</a></li>]]></record>
</recordset></datastore></script></div>
<script>$('#4361927').jpage({proxyUrl:'/module/web/jpage/dataproxy.jsp', perPage:15,
 totalRecord:100, ajaxParam:{col:1, appid:1, webid:26, path:'/', columnid:1229, unitid:4361927}});
</script></body></html>"""


def test_hanweb_records_in_cdata_become_links() -> None:
    links = hanweb.record_links("http://h/col/col1229/index.html", HANWEB_PAGE)
    assert urls(links) == ["http://h/art/2021/1/20/art_1229_11.html",
                           "http://h/art/2021/1/21/art_1229_12.html"]
    assert links[0].label == "甲镇2020年政府信息公开工作年度报告"
    assert {link.kind for link in links} == {RECORD}


def test_hanweb_dataproxy_requests_cover_every_record_after_the_page() -> None:
    links = hanweb.dataproxy_links("http://h/col/col1229/index.html", HANWEB_PAGE)
    starts = [query_of(link.url)["startrecord"] for link in links]
    assert starts == ["3", "48", "93"]
    first = links[0]
    assert first.url.startswith("http://h/module/web/jpage/dataproxy.jsp?")
    query = query_of(first.url)
    assert (query["endrecord"], query["perpage"]) == ("47", "15")
    assert dict(first.formdata)["columnid"] == "1229"
    assert dict(first.formdata)["unitid"] == "4361927"
    assert dict(first.formdata)["webid"] == "26"


def test_hanweb_dataproxy_response_yields_records_and_more_groups() -> None:
    proxy = ("http://h/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15"
             "&columnid=1229&unitid=9&webid=26")
    xml = """<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>50</totalrecord>
    <recordset><record><![CDATA[<a href="/art/2019/1/2/art_1229_3.html">丙镇2018年年报</a>]]></record>
    </recordset></datastore>"""
    assert urls(hanweb.record_links(proxy, xml)) == ["http://h/art/2019/1/2/art_1229_3.html"]
    more = hanweb.dataproxy_links(proxy, xml)
    assert [query_of(m.url)["startrecord"] for m in more] == ["46"]


def test_hanweb_without_column_id_gives_no_proxy_requests() -> None:
    assert hanweb.dataproxy_links(LIST, "<html><body>plain</body></html>") == []


def test_hanweb_annual_report_module_enumerates_years() -> None:
    url = "http://h/module/xxgk/xxgkAnnualReport.jsp?area=11330&fbtime=2020"
    years = hanweb.annual_report_years(url, this_year=2024)
    assert len(years) == 2024 - hanweb.FIRST_YEAR + 1
    assert years[0].url.endswith("fbtime=2008") and "area=11330" in years[0].url
    assert hanweb.annual_report_years("http://h/x.jsp?fbtime=2020", 2024) == []


# -- one pass over a page ------------------------------------------------------------------------


def test_scan_page_separates_list_pages_from_links() -> None:
    html = """<html><head><title>政府信息公开年报_某县人民政府</title></head><body>
      <div class="crumb">当前位置: 首页 &gt; 政务公开 &gt; 政府信息公开年报</div>
      <ul><li><a href="./202101/t20210110_1.html">甲镇2020年政府信息公开工作年度报告</a></li></ul>
      <a href="index_1.html">下一页</a>
      <script>createPageHTML(3, 0, "index", "html");</script></body></html>"""
    scan = scan_page(LIST, html, this_year=2024)
    assert scan.title == "政府信息公开年报_某县人民政府"
    assert "政府信息公开年报" in scan.breadcrumb
    assert urls(scan.links) == ["http://gov.example:8080/xxgk/ndbg/202101/t20210110_1.html"]
    assert sorted(urls(scan.pages)) == ["http://gov.example:8080/xxgk/ndbg/index_1.html",
                                        "http://gov.example:8080/xxgk/ndbg/index_2.html"]


@pytest.mark.parametrize("url,expected", [
    ("http://h/xxgk/", True), ("http://h/xxgk/index.html", True), ("http://h/xxgk/index_3.shtml", True),
    ("http://h/col/col123/index.html", True), ("http://h/list.jsp?page=2", True),
    ("http://h/xxgk/202101/t20210101_1.html", False), ("http://h/zwgk/znan.html", False),
])
def test_column_url_shapes(url: str, expected: bool) -> None:
    assert discovery.looks_like_column(url) is expected


def test_more_link_inside_its_heading_and_duplicate_keeps_the_telling_label() -> None:
    html = """<ul class="nav"><li><a href="/col/col10/index.html">政务公开</a></li></ul>
      <div class="box"><h3>要闻 <a href="/col/col1/index.html">更多</a></h3>
        <ul><li><a href="/art/1.html">某事</a><span>2026-01-16</span></li></ul></div>
      <div class="box"><h3>政务公开 <a href="/col/col10/index.html">更多</a></h3></div>"""
    links = discovery.dedupe(discovery.extract_links("http://h/", html))
    labels = {link.url: link.text for link in links}
    assert labels["http://h/col/col1/index.html"] == "要闻"
    assert labels["http://h/col/col10/index.html"] == "政务公开"


@pytest.mark.parametrize("url,score", [
    ("http://h/zwgk/xxgk/", 3), ("http://h/zlt/zwgk/xzxxgk/", 3), ("http://h/xxgk/2021ndbg/", 6),
    ("http://h/xxgk/nb/index.html", 6), ("http://h/zwgk/xzxxgk/hdhz/jgzn/index.html", 0),
    ("http://h/zwgk/xxgk/202101/t20210101_5.html", 0), ("http://h/about/nbsp/", 0),
])
def test_path_score_reads_the_column_names_only(url: str, score: int) -> None:
    assert discovery.path_score(url) == score


def test_label_parts_split_prefixes() -> None:
    assert discovery.label_parts("栏目：某镇2019年年报") == ["某镇2019年年报", "栏目"]
    assert discovery.label_parts("某镇2019年年报") == []


def test_frames_are_part_of_the_page() -> None:
    html = '<frameset><frame src="top.html"><frame src="main/index.html"></frameset>'
    links = discovery.extract_links("http://h/", html)
    assert [(link.url, link.kind) for link in links] == [
        ("http://h/top.html", discovery.FRAME), ("http://h/main/index.html", discovery.FRAME)]


def test_script_links_name_their_target() -> None:
    html = """<a href="javascript:openWin('/xxgk/ndbg/index.html')">年报</a>
              <a href="javascript:void(0)" onclick="window.open('show.asp?id=5')">某镇年报</a>
              <a href="javascript:void(0)">无目标</a>"""
    assert urls(discovery.extract_links("http://h/a/", html)) == [
        "http://h/xxgk/ndbg/index.html", "http://h/a/show.asp?id=5"]


def test_list_dates_are_not_part_of_the_label() -> None:
    html = '<a href="t.html">某镇2019年政府信息公开工作年度报告<span>2020-01-15</span></a>' \
           '<a href="u.html">[2020-01-16] 某镇2018年年报</a>'
    assert [link.text for link in discovery.extract_links(LIST, html)] == [
        "某镇2019年政府信息公开工作年度报告", "某镇2018年年报"]


def test_pager_links_with_other_file_names_in_the_same_directory() -> None:
    page = "http://h/xxgk/nb/list.html"
    html = '<a href="list2.html">下一页</a><a href="/other/list2.html">下一页</a>'
    assert urls(paging.pager_links(page, discovery.extract_links(page, html))) == [
        "http://h/xxgk/nb/list2.html"]


def test_is_below() -> None:
    assert discovery.is_below("http://h/xxgk/ndbg/zj/index.html", "http://h/xxgk/ndbg/index.html")
    assert not discovery.is_below("http://h/xxgk/", "http://h/xxgk/ndbg/index.html")
    assert not discovery.is_below("http://h/xxgk/a.html", "http://h/index.html")
