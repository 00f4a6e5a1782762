"""The crawler's decisions and bookkeeping, without a network."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.discovery import FRAME as FRAME_LINK
from crawler.discovery import RECORD, Link
from crawler.middlewares import PortalHostsMiddleware, describe_failure, headers_dict
from crawler.run import CrawlSummary, ProgressReporter, SiteResult, outcome_of
from crawler.sites import Site
from crawler.spiders.portal import (
    CANDIDATE,
    FRAME,
    NAV,
    PortalSpider,
    judge_link,
    judge_link_on_report,
    priority_of,
)
from crawler.tally import SiteTally

REPORT_URL = "http://h/xxgk/ndbg/202101/t20210115_1.html"


def test_report_titled_links_are_candidates_anywhere() -> None:
    link = Link(REPORT_URL, text="成吉思汗镇2016年政府信息公开工作年度报告")
    assert judge_link(link, in_reports=False) == CANDIDATE


def test_truncated_report_title_with_full_title_attribute_is_a_candidate() -> None:
    link = Link(REPORT_URL, text="成吉思汗镇2016年政府信息...",
                title="成吉思汗镇2016年政府信息公开工作年度报告")
    assert judge_link(link, in_reports=False) == CANDIDATE


def test_report_title_behind_an_injected_prefix_is_a_candidate() -> None:
    link = Link(REPORT_URL, text="某某体育_某某官网@:成吉思汗镇2015年政府信息公开工作年度报告")
    assert judge_link(link, in_reports=False) == CANDIDATE


def test_decoy_documents_are_left_but_decoy_named_columns_are_entered() -> None:
    assert judge_link(Link(REPORT_URL, text="抚松镇政府信息公开指南"), True) is None
    assert judge_link(Link("http://h/xxgk/a.html", text="关于做好2019年度政府信息公开工作"
                                                      "年度报告编制工作的通知"), True) is None
    assert judge_link(Link("http://h/xxgk/gkml/", text="政府信息公开目录"), False) == NAV


def test_article_links_are_candidates_only_inside_report_columns() -> None:
    link = Link(REPORT_URL, text="详细")
    assert judge_link(link, in_reports=True) == CANDIDATE
    assert judge_link(link, in_reports=False) is None
    record = Link("http://h/x?a=1", text="记录", kind=RECORD)
    assert judge_link(record, in_reports=True) == CANDIDATE


def test_navigation_and_skips() -> None:
    assert judge_link(Link("http://h/zwgk/", text="政务公开"), False) == NAV
    assert judge_link(Link("http://h/news/", text="新闻中心"), False) is None
    assert judge_link(Link("http://h/main.html", kind=FRAME_LINK), False) == FRAME


def test_priorities_put_reports_first_and_news_lists_last() -> None:
    candidate = priority_of(CANDIDATE, Link(REPORT_URL), 3, True)
    to_reports = priority_of(NAV, Link("http://h/x/", text="政府信息公开年报"), 2, False)
    to_disclosure = priority_of(NAV, Link("http://h/y/", text="政务公开"), 1, False)
    assert candidate > to_reports > to_disclosure


def test_sub_columns_of_a_report_column_inherit_it() -> None:
    page = "http://h/col/col9/index.html"
    below = Link("http://h/col/col9/zj/index.html", text="镇街")
    elsewhere = Link("http://h/zwgk/", text="政务公开")
    assert PortalSpider.child_in_reports(below, NAV, page, in_reports=True)
    assert not PortalSpider.child_in_reports(below, NAV, page, in_reports=False)
    assert not PortalSpider.child_in_reports(elsewhere, NAV, page, in_reports=True)


def test_failures_read_plainly() -> None:
    assert describe_failure(DownloadConnectionRefusedError("111")) == "connection refused"
    assert describe_failure(CannotResolveHostError("x")) == "DNS lookup failed"
    assert describe_failure(DownloadTimeoutError("30 s")) == "timed out"
    response = Response("http://h/", status=404)
    assert describe_failure(HttpError(response)) == "HTTP 404"


def test_headers_become_plain_strings() -> None:
    response = Response("http://h/", headers={"Content-Type": "text/html; charset=gbk",
                                              "Set-Cookie": ["a=1", "b=2"]})
    headers = headers_dict(response.headers)
    assert headers["Content-Type"] == "text/html; charset=gbk"
    assert headers["Set-Cookie"] == "a=1, b=2"


def test_site_outcomes() -> None:
    dead = SiteTally("a", start_errors=["http://h/: connection refused"])
    assert outcome_of(dead) == ("failed", "http://h/: connection refused")
    fine = SiteTally("b", start_ok=True, finish_reason="finished")
    assert outcome_of(fine) == ("ok", None)
    hurt = SiteTally("c", start_ok=True, finish_reason="closespider_pagecount")
    hurt.add_error("http://h/x", "HTTP 500")
    status, detail = outcome_of(hurt)
    assert status == "partial"
    assert detail is not None and "page limit reached" in detail and "HTTP 500" in detail


def result(site_id: str, status: str, pages: int, new: int) -> SiteResult:
    return SiteResult(site_id, 1, status, pages, new, new, 0, 0, 1 if status == "failed" else 0,
                      "connection refused" if status == "failed" else None)


def test_summary_line_and_failure_detail() -> None:
    summary = CrawlSummary.of([result("a", "ok", 400, 50), result("b", "partial", 12, 8),
                               result("c", "failed", 0, 0)], seconds=4.0)
    assert summary.line() == ("crawled 3 sites: 412 pages fetched, 58 reports (58 new, 0 updated),"
                              " 1 errors; failed: c")
    assert summary.failure_detail() == "c: connection refused"
    assert summary.pages_per_second() == 103.0


def test_progress_lines_only_when_counts_move() -> None:
    lines: list[str] = []
    tally = SiteTally("demo")
    reporter = ProgressReporter([tally], lines.append)
    tally.pages, tally.reports_found, tally.reports_new = 120, 14, 3
    reporter.tick()
    reporter.tick()
    assert lines == ["[demo] fetched 120 pages, 14 reports (3 new), 0 errors"]


def test_site_overrides_set_the_spider_depth() -> None:
    site = Site("x", ["http://h/"], overrides={"max_depth": 2})
    spider = PortalSpider(site=site, run_id=None, archive=None, tally=SiteTally("x"))
    assert spider.max_depth == 2
    assert spider.allowed_netlocs == {"h:80"}


def hosts_middleware(allowed: set[str]) -> PortalHostsMiddleware:
    crawler = SimpleNamespace(spider=SimpleNamespace(allowed_netlocs=allowed))
    return PortalHostsMiddleware(crawler)  # type: ignore[arg-type]


def test_requests_off_the_portal_are_dropped_even_on_another_port() -> None:
    middleware = hosts_middleware({"127.0.0.1:8100"})
    middleware.process_request(Request("http://127.0.0.1:8100/a"))
    with pytest.raises(IgnoreRequest):
        middleware.process_request(Request("http://127.0.0.1:8101/a"))


def test_a_redirect_to_the_portals_https_or_www_twin_is_followed() -> None:
    allowed = {"x.gov.cn:80"}
    middleware = hosts_middleware(allowed)
    moved = Request("https://www.x.gov.cn/", meta={"redirect_urls": ["http://x.gov.cn/"]})
    middleware.process_request(moved)
    assert "www.x.gov.cn:443" in allowed
    hijacked = Request("http://spam.example/", meta={"redirect_urls": ["http://x.gov.cn/"]})
    with pytest.raises(IgnoreRequest):
        middleware.process_request(hijacked)
    with pytest.raises(IgnoreRequest):  # a plain link to the twin is not a move
        hosts_middleware({"x.gov.cn:80"}).process_request(Request("http://www.x.gov.cn/"))


def test_a_report_page_leads_only_to_reports_and_its_files() -> None:
    assert judge_link_on_report(Link("http://h/files/a.pdf", text="附件下载")) == CANDIDATE
    assert judge_link_on_report(Link("http://h/module/download/downfile.jsp?classid=0"
                                     "&filename=1a2b.doc", text="下载")) == CANDIDATE
    assert judge_link_on_report(Link(REPORT_URL, text="某镇召开防汛工作部署会")) is None
    assert judge_link_on_report(Link("http://h/zwgk/", text="政务公开")) is None
    other = Link(REPORT_URL, text="成吉思汗镇2015年政府信息公开工作年度报告")
    assert judge_link_on_report(other) == CANDIDATE


def test_alternates_are_left_and_an_export_is_a_bodiless_pages_file() -> None:
    from crawler.scan import PageScan
    from crawler.spiders.portal import alternate_links

    links = [Link("http://a/xxgk/print.jsp?id=3", "【打印】"),
             Link("http://a/export.jsp?id=3&type=pdf", "【下载PDF】"),
             Link("http://a/u/P0201.pdf", "下载PDF"),
             Link("http://a/ndbg/t20200101_2.html", "某镇2019年政府信息公开工作年度报告"),
             Link("http://a/share.html", kind=FRAME_LINK)]
    scan = PageScan(links=links, report_frame=Link("http://a/zw.html", kind=FRAME_LINK))
    on_report = alternate_links(scan, report_known=True, bodiless=False)
    assert [x.url for x in on_report.scan.links] == ["http://a/u/P0201.pdf",
                                                      "http://a/ndbg/t20200101_2.html"]
    assert on_report.fetch == [] and len(on_report.skipped) == 2
    bodiless = alternate_links(PageScan(links=links), report_known=False, bodiless=True)
    assert [x.url for x in bodiless.fetch] == ["http://a/export.jsp?id=3&type=pdf",
                                               "http://a/u/P0201.pdf"]
    assert [x.url for x in bodiless.skipped] == ["http://a/xxgk/print.jsp?id=3"]
    assert "http://a/share.html" in [x.url for x in bodiless.scan.links]  # no report frame


def test_a_link_farm_is_cut_but_its_report_links_and_pager_are_read() -> None:
    from crawler import discovery
    from crawler.scan import scan_page

    farm = "".join(f'<a href="/x/p{n}.html">p{n}</a>' for n in range(20_000))
    html = (f"<html><body>{farm}<a href='/ndbg/t20200101_2.html'>某镇2019年政府信息公开工作年度报告</a>"
            "<a href='index_1.html'>下一页</a></body></html>")
    scan = scan_page("http://a/ndbg/index.html", html, 2026)
    assert scan.links_cut == 20_002 and len(scan.links) <= discovery.MAX_LINKS
    assert "http://a/ndbg/t20200101_2.html" in [x.url for x in scan.links]
    assert "http://a/ndbg/index_1.html" in [x.url for x in scan.pages]
    small = scan_page("http://a/ndbg/index.html", "<a href='/a.html'>a</a>", 2026)
    assert small.links_cut == 0
