"""List endpoints found in scripts, and the records of their JSON (crawler/scriptlists.py).

Fixture scripts in tests/fixtures/scripts/ are shaped like the ones county portals run:
jQuery `$.ajax` POSTs with a data object, `fetch` with a template literal, `axios.get`
with params and an offset, a bare XMLHttpRequest, a page number in the path, an endpoint
in a config string. Analytics calls, jQuery's own source and images are never endpoints.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler import scriptlists
from crawler.discovery import RECORD
from crawler.scan import scan_page
from crawler.scriptlists import PAGE_MARK, Feed, FeedProgress

FIXTURES = Path(__file__).parent / "fixtures" / "scripts"
PAGE = "http://www.zjx.gov.cn/xxgk/ndbg/index.html"


def script(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def only_feed(feeds: list[Feed]) -> Feed:
    assert len(feeds) == 1, feeds
    return feeds[0]


def test_jquery_ajax_post_with_a_data_object_and_variables() -> None:
    html = script("jquery_ajax_column.html")
    feed = only_feed(scriptlists.feeds_in_page(PAGE, html))
    assert feed.method == "POST"
    assert feed.template == "http://www.zjx.gov.cn/irs/front/list"
    assert dict(feed.form) == {"channelId": "1024", "pageNo": PAGE_MARK, "pageSize": "15",
                               "sort": "desc"}  # channelId and pageSize from `var`s
    second = feed.link(2)
    assert second.method == "POST" and dict(second.formdata)["pageNo"] == "2"
    body, kind = feed.body(second)
    assert kind == "application/x-www-form-urlencoded" and b"pageNo=2" in body
    # the statistics call (/stat/visit.do) and the analytics loader are not endpoints
    assert all("stat" not in f.template for f in scriptlists.feeds_in_page(PAGE, html))


def test_linked_scripts_are_same_site_and_not_libraries_or_analytics() -> None:
    html = script("jquery_ajax_column.html")
    assert scriptlists.linked_scripts(PAGE, html) == ["http://www.zjx.gov.cn/js/common.js"]
    other = ('<script src="http://other.example.cn/js/list.js"></script>'
             '<script src="/js/tongji.js"></script><script src="/js/vue.min.js"></script>'
             '<script src="/js/gknb-list.js?v=3"></script>')
    assert scriptlists.linked_scripts(PAGE, other) == ["http://www.zjx.gov.cn/js/gknb-list.js?v=3"]


def test_fetch_with_a_template_literal_and_a_constant_base() -> None:
    feed = only_feed(scriptlists.feeds_in_page(PAGE, script("fetch_template.html")))
    assert feed.method == "GET" and feed.reports  # ndbg / gknb in the endpoint
    assert feed.link(1).url == ("http://www.zjx.gov.cn/api/v2/ndbg/articles"
                                "?column=gknb&pageIndex=1&limit=10")
    assert feed.link(3).url.endswith("pageIndex=3&limit=10")


def test_axios_params_with_an_offset_page_by_the_size() -> None:
    feed = only_feed(scriptlists.feeds_in_script(script("axios_params.js"), PAGE))
    assert (feed.first, feed.step) == (0, 12)
    assert feed.link(1).url == ("http://www.zjx.gov.cn/gkml/catalog/list.json"
                                "?catalogId=77&start=0&size=12")  # cfg.catalogId resolved
    assert "start=24" in feed.link(3).url


def test_xhr_open_resolves_against_the_document_not_the_script() -> None:
    feed = only_feed(scriptlists.feeds_in_script(script("xhr_offset.js"), PAGE))
    # `../data/…` in a script linked from /xxgk/ndbg/index.html is /xxgk/data/…
    assert feed.link(1).url == ("http://www.zjx.gov.cn/xxgk/data/channel_list.do"
                                "?channel=nb&offset=0&rows=20")
    assert "offset=20" in feed.link(2).url


def test_a_page_number_in_the_path() -> None:
    feed = only_feed(scriptlists.feeds_in_script(script("path_page.js"), PAGE))
    assert [feed.link(n).url for n in (1, 2)] == [
        "http://www.zjx.gov.cn/xxgk/ndbg/data/list_1.json",
        "http://www.zjx.gov.cn/xxgk/ndbg/data/list_2.json"]


def test_an_endpoint_written_as_a_config_string() -> None:
    feed = only_feed(scriptlists.feeds_in_script(script("bare_string.js"), PAGE))
    assert feed.link(2).url == "http://www.zjx.gov.cn/cms/column/list.do?columnId=31&curPage=2"


@pytest.mark.parametrize("name", ["jquery_like.js", "analytics.js"])
def test_libraries_and_analytics_are_not_followed(name: str) -> None:
    assert scriptlists.feeds_in_script(script(name), PAGE) == []


def test_a_page_without_scripts_costs_nothing() -> None:
    assert scriptlists.feeds_in_page(PAGE, "<html><body><a href='/a.html'>a</a></body></html>") == []


def test_scan_page_leaves_a_platforms_own_endpoint_to_the_platform() -> None:
    html = ("<html><head><title>年报</title></head><body><script src='/gkmlpt/x.js'></script>"
            "<script>var SID='441523'; var catid=2811; $.ajax({url: '/gkmlpt/api/all/2811', "
            "data: {page: 1, sid: SID}});</script></body></html>")
    scan = scan_page("http://www.x.gov.cn/gkmlpt/index", html, 2026)
    assert [p.url for p in scan.pages] == ["http://www.x.gov.cn/gkmlpt/api/all/2811?page=1&sid=441523"]
    assert scan.feeds == []


# -- answers ------------------------------------------------------------------------------

BASE = "http://www.zjx.gov.cn/xxgk/ndbg/index.html"


def test_records_with_known_key_names_at_depth() -> None:
    answer = json.dumps({"code": 0, "data": {"list": [
        {"doctitle": "某镇2020年政府信息公开工作年度报告", "docpuburl": "./202101/t20210115_1.html",
         "docreltime": "2021-01-15"}], "total": 31}}, ensure_ascii=False)
    links = scriptlists.read_answer(answer, BASE)
    assert links is not None
    assert [(x.url, x.text, x.kind) for x in links] == [
        ("http://www.zjx.gov.cn/xxgk/ndbg/202101/t20210115_1.html",
         "某镇2020年政府信息公开工作年度报告", RECORD)]


def test_records_found_by_their_values_whatever_the_keys() -> None:
    answer = ('jQuery1124_99({"result": {"page": {"items": [{"xh": 1, "wjbt": '
              '"甲乡2021年政府信息公开工作年度报告", "fbdz": "/a/2022/b.html", "fbrq": "2022-01-10", '
              '"lmmc": "年报", "tp": "/img/1.png"}]}}});')
    links = scriptlists.read_answer(answer, BASE)
    assert links is not None
    assert [(x.url, x.text) for x in links] == [
        ("http://www.zjx.gov.cn/a/2022/b.html", "甲乡2021年政府信息公开工作年度报告")]


def test_nested_attributes_and_chinese_keys() -> None:
    answer = json.dumps({"rows": [{"id": 3, "attributes": {"标题": "乙街道2019年度报告",
                                                            "链接": "/x/3.shtml"}}]},
                        ensure_ascii=False)
    links = scriptlists.read_answer(answer, BASE)
    assert links is not None and [x.url for x in links] == ["http://www.zjx.gov.cn/x/3.shtml"]


def test_lists_of_images_or_menus_are_no_records() -> None:
    menu = json.dumps({"data": [{"name": "首页", "icon": "/img/a.png"},
                                {"name": "年报", "icon": "/img/b.png"}]}, ensure_ascii=False)
    assert scriptlists.read_answer(menu, BASE) == []
    assert scriptlists.read_answer("<html>not json</html>", BASE) is None


def test_paging_stops_when_records_stop_or_repeat() -> None:
    feed = Feed("http://h/api/list?page=" + PAGE_MARK, base=BASE)
    progress = FeedProgress(feed)
    first = [scriptlists.Link(f"http://h/a/{n}.html", kind=RECORD) for n in range(3)]
    assert progress.take(first) == (first, True)
    assert progress.take(first) == ([], False)  # page 2 answers page 1 again: stop
    fresh = FeedProgress(feed)
    fresh.take(first)
    assert fresh.take([]) == ([], False)  # no rows: stop
    unpaged = FeedProgress(Feed("http://h/api/all.json", base=BASE))
    assert unpaged.take(first) == (first, False)


def test_a_list_a_script_may_draw_and_chrome_scripts_that_draw_none() -> None:
    from demo.content import load_portals
    from demo.render.scripted import ScriptedSite
    from tools.scale import chrome

    site = ScriptedSite(next(p for p in load_portals() if p.id == "zhalantun"))
    assert scriptlists.draws_lists(PAGE, site.shell("年报", site.drawn_list()))
    assert scriptlists.draws_lists(PAGE, '<script src="/js/list.js"></script>')
    # font zoom, share buttons and an analytics loader write no list
    assert not scriptlists.draws_lists(PAGE, chrome.PAGE_SCRIPT + chrome.SHARE_SCRIPT)
    assert not scriptlists.draws_lists(PAGE, "<ul class='list'></ul>")


def test_html_fragments_in_an_answer_are_records_too() -> None:
    answer = json.dumps({"status": 1, "html": '<li><a href="../2021/t1.html">丙镇2021年政府信息'
                                              '公开工作年度报告</a><span>2022-01-10</span></li>'},
                        ensure_ascii=False)
    links = scriptlists.read_answer(answer, BASE)
    assert links is not None
    assert [(x.url, x.text, x.kind) for x in links] == [
        ("http://www.zjx.gov.cn/xxgk/2021/t1.html", "丙镇2021年政府信息公开工作年度报告", RECORD)]
    plain = scriptlists.read_answer('<ul><li><a href="/a/1.html">丁镇2020年年报</a></li></ul>', BASE)
    assert plain is not None and [x.url for x in plain] == ["http://www.zjx.gov.cn/a/1.html"]


def test_feeds_resolve_against_the_pages_base_href() -> None:
    html = ('<html><head><base href="http://www.zjx.gov.cn/col/"><title>年报</title></head>'
            '<body><script>$.getJSON("data/ndbg_list.json", {pageNo: 1}, draw);</script></body></html>')
    scan = scan_page(PAGE, html, 2026)
    assert [f.link(1).url for f in scan.feeds] == [
        "http://www.zjx.gov.cn/col/data/ndbg_list.json?pageNo=1"]
