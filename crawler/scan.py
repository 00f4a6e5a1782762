"""One pass over a fetched page: its title and every link worth judging.

Combines the generic discovery with the platform modules; still pure (URL + text in,
records out), so the spider only decides what to fetch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archive.parse.frames import frame_refs, report_frame
from crawler import discovery, paging
from crawler.discovery import Link
from crawler.platforms import gkmlpt, hanweb, trs


@dataclass
class PageScan:
    title: str = ""
    breadcrumb: str = ""
    links: list[Link] = field(default_factory=list)  # anchors, frames, data-feed records
    pages: list[Link] = field(default_factory=list)  # other pages of the same list
    report_frame: Link | None = None  # the (i)frame showing the page's report, if one may
    links_cut: int = 0  # links on a page over discovery.MAX_LINKS (only some were read)


BREADCRUMB_MARKERS = ("当前位置", "所在位置", "您的位置", "现在的位置", "当前的位置")


def breadcrumb_text(text: str) -> str:
    """The `当前位置: 首页 > ...` line of a page, if it has one."""
    for marker in BREADCRUMB_MARKERS:
        at = text.find(marker)
        if at >= 0:
            return discovery.clean_text(text[at:at + 120])
    return ""


def scan_page(url: str, html: str, this_year: int) -> PageScan:
    """Title, breadcrumb, links and list pages of one HTML (or jcms XML, or gkmlpt JSON) page."""
    if gkmlpt.is_api(url):
        entries, more = gkmlpt.parse_api(url, html)
        return PageScan(links=discovery.dedupe(e.link for e in entries), pages=more)
    doc = discovery.parse_html(html)
    scan = PageScan()
    if doc is not None:
        scan.title = first_text(doc, ("//title", "//h1"))
        scan.breadcrumb = breadcrumb_text(doc.text_content()[:20000])
        elements, total = discovery.link_elements(doc, discovery.MAX_LINKS, html)
        if total > discovery.MAX_LINKS:
            scan.links_cut = total
        scan.links = discovery.links_in_tree(url, doc, elements)
        frame = report_frame(frame_refs(url, doc), url)
        if frame is not None:
            scan.report_frame = Link(url=frame.url, title=frame.title, kind=discovery.FRAME)
    scan.links += hanweb.record_links(url, html)
    if len(scan.links) > discovery.MAX_LINKS:  # data records beyond the cap, too
        scan.links_cut = max(scan.links_cut, len(scan.links))
        scan.links = scan.links[:discovery.MAX_LINKS]
    scan.links += [y for link in scan.links for y in hanweb.annual_report_years(link.url,
                                                                                 this_year)]
    scan.links = discovery.dedupe(scan.links)
    scan.pages = discovery.dedupe(
        paging.pager_links(url, scan.links)
        + trs.pages_from_create_page_html(url, html)
        + hanweb.dataproxy_links(url, html)
        + gkmlpt.api_links(url, html)
    )
    page_keys = {p.key for p in scan.pages}
    scan.links = [link for link in scan.links if link.key not in page_keys]
    return scan


def first_text(doc: object, paths: tuple[str, ...]) -> str:
    for path in paths:
        for node in doc.xpath(path)[:1]:  # type: ignore[attr-defined]
            text = discovery.clean_text(node.text_content())
            if text:
                return text
    return ""
