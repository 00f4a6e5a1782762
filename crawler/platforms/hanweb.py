"""Hanweb / 大汉 jcms list pages and modules.

A jcms column page (`/col/col{id}/index.html`) carries its records inside
`<script type="text/xml"><datastore>...<record><![CDATA[<li><a ...>]]></record>` and a
jQuery pager (`jpage`) that loads further records from
`/module/web/jpage/dataproxy.jsp?startrecord=..&endrecord=..&perpage=..`, posting the
column, unit and web ids found in the page's script. The dataproxy answers with the same
`<datastore>` XML. The 信息公开 annual-report module serves one page per unit and year at
`/module/xxgk/xxgkAnnualReport.jsp?area=..&fbtime=YYYY`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from crawler.discovery import PAGE, RECORD, Link, extract_links
from crawler.paging import with_query_value

DATAPROXY = "/module/web/jpage/dataproxy.jsp"
XML_SCRIPT = re.compile(r"<script[^>]*type\s*=\s*[\"']?text/xml[^>]*>(.*?)</script>", re.IGNORECASE | re.DOTALL)
RECORD_CDATA = re.compile(r"<record[^>]*>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.IGNORECASE | re.DOTALL)
TOTAL_RECORD = re.compile(r"(?:<totalrecord>\s*|\btotalRecord\b[\"']?\s*[:=]\s*[\"']?)(\d+)",
                          re.IGNORECASE)
PROXY_URL = re.compile(r"\bproxyUrl\b[\"']?\s*[:=]\s*[\"']([^\"']+)[\"']", re.IGNORECASE)
ID_PARAMS = ("columnid", "unitid", "webid")
DATAPROXY_METHOD = "POST"  # what jpage sends; see proxy_link
DEFAULT_PER_PAGE = 15
PAGES_PER_GROUP = 3  # jpage asks for three pages of records per request
FIRST_YEAR = 2008  # first year covered by annual reports (regulation in force 2008-05-01)
ANNUAL_REPORT_MODULE = re.compile(r"/xxgkannualreport\.jsp$", re.IGNORECASE)


def param_value(text: str, name: str) -> str | None:
    """`name: 123`, `name=123`, `"name":"123"` in a script or URL: the number."""
    match = re.search(rf"""\b{name}\b["']?\s*[:=]\s*["']?(\d+)""", text, re.IGNORECASE)
    return match.group(1) if match else None


def datastores(html: str) -> list[str]:
    """The XML datastores of a page: its text/xml scripts, or the page itself if it is one."""
    blobs = XML_SCRIPT.findall(html)
    if not blobs and "<datastore" in html[:2000].lower():
        blobs = [html]
    return blobs


def record_html(html: str) -> list[str]:
    return [rec for blob in datastores(html) for rec in RECORD_CDATA.findall(blob)]


def record_links(url: str, html: str) -> list[Link]:
    """Links inside the CDATA records of a jcms datastore (page script or dataproxy XML)."""
    records = record_html(html)
    if not records:
        return []
    fragment = "<html><body>" + "\n".join(records) + "</body></html>"
    return [replace(link, kind=RECORD) for link in extract_links(url, fragment)]


def is_dataproxy(url: str) -> bool:
    return urlsplit(url).path.lower().endswith("/dataproxy.jsp")


def proxy_params(url: str, html: str) -> dict[str, str]:
    """Column, unit and web ids plus paging size, from the script or the proxy URL itself."""
    query = {k.lower(): v for k, v in parse_qsl(urlsplit(url).query)} if is_dataproxy(url) else {}
    params: dict[str, str] = {}
    lowered = html.lower()  # the regex scans the whole page; skip it when it cannot match
    for name in (*ID_PARAMS, "perpage"):
        value = query.get(name) or (param_value(html, name) if name in lowered else None)
        if value:
            params[name] = value
    return params


def total_records(html: str) -> int | None:
    match = TOTAL_RECORD.search(html)
    return int(match.group(1)) if match else None


def proxy_link(page_url: str, proxy: str, ids: dict[str, str], start: int, end: int,
               per_page: int) -> Link:
    """One dataproxy request. The ids go in the query as well as in the POSTed form (a
    JSP reads both), so a later page of records can be requested from a dataproxy URL."""
    form = (("col", "1"), ("appid", "1"), ("webid", ids.get("webid", "1")), ("path", "/"),
            ("columnid", ids["columnid"]), ("sourceContentType", "1"),
            ("unitid", ids.get("unitid", "")), ("permissiontype", "0"))
    paging = (("startrecord", str(start)), ("endrecord", str(end)), ("perpage", str(per_page)))
    url = urljoin(page_url, f"{proxy}?{urlencode(paging + form)}")
    return Link(url, method=DATAPROXY_METHOD, formdata=form, kind=PAGE)


def first_missing_record(url: str, html: str) -> int:
    """The first record number not yet in hand: after the page's own records, or after the
    range a dataproxy response answered."""
    if is_dataproxy(url):
        end = {k.lower(): v for k, v in parse_qsl(urlsplit(url).query)}.get("endrecord", "")
        return int(end) + 1 if end.isdigit() else 1
    return len(record_html(html)) + 1


def dataproxy_links(url: str, html: str) -> list[Link]:
    """Requests for the records of a jcms column beyond those already in the page."""
    ids = proxy_params(url, html)
    if "columnid" not in ids:
        return []
    proxy_match = PROXY_URL.search(html)
    proxy = proxy_match.group(1) if proxy_match else DATAPROXY
    if is_dataproxy(url):
        proxy = urlsplit(url).path
    per_page = int(ids.get("perpage") or DEFAULT_PER_PAGE)
    group = per_page * PAGES_PER_GROUP
    total = total_records(html)
    first = first_missing_record(url, html)
    if total is None:
        return [] if is_dataproxy(url) else [proxy_link(url, proxy, ids, 1, group, per_page)]
    return [proxy_link(url, proxy, ids, start, start + group - 1, per_page)
            for start in range(first, total + 1, group)]


def annual_report_years(url: str, this_year: int) -> list[Link]:
    """Every year's page of the annual-report module, given one of its URLs."""
    parts = urlsplit(url)
    if not ANNUAL_REPORT_MODULE.search(parts.path):
        return []
    if "fbtime" not in {k.lower() for k, _ in parse_qsl(parts.query)}:
        return []
    key = next(k for k, _ in parse_qsl(parts.query) if k.lower() == "fbtime")
    return [Link(with_query_value(url, key, str(year)), guess=True)
            for year in range(FIRST_YEAR, this_year + 1)]
