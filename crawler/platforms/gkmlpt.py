"""Guangdong 政府信息公开目录平台 (gkmlpt) columns and their JSON lists.

A gkmlpt column page holds no list: a script draws it from
`/gkmlpt/api/all/{catid}?page={n}&sid={siteid}`, which answers JSON
(`{"total": 123, "articles": [{"title", "post_url" | "url", "create_time", ...}]}`;
100 per page on the sites public scrapers read). The site id and the column id sit in the
page: inline script variables (`SID: '441523'`, `var catid = 2811`), data attributes
(`data-sid`, `data-catid`), an API URL already written out, or the `TREE` of columns in
`window._CONFIG` (then only columns named like report columns are asked for). Detail pages
are `/gkmlpt/content/{a}/{b}/post_{id}.html`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

from crawler.discovery import PAGE, RECORD, Link, clean_text, mentions_reports
from crawler.paging import MAX_LIST_PAGES

API_PATH = re.compile(r"/gkmlpt/api/all/(\d+)$", re.IGNORECASE)
API_IN_TEXT = re.compile(r"""/gkmlpt/api/all/(\d+)\?[^"'\s<>]*?\bsid=(\d+)""", re.IGNORECASE)
ID_VALUE = r"""\s*["']?\s*[:=]\s*["']?(\d+)"""
SID = re.compile(r"""(?:\bdata-sid|\b(?:site_?id|sid))\b""" + ID_VALUE, re.IGNORECASE)
CATID = re.compile(r"""(?:\bdata-(?:catid|cat-id|classify-id)|"""
                   r"""\b(?:cat_?id|classify_?id|category_?id))\b""" + ID_VALUE, re.IGNORECASE)
TREE_NODE = re.compile(
    r""""?\bid"?\s*:\s*["']?(\d+)["']?\s*,\s*"?\bname"?\s*:\s*["']([^"']{1,60})["']|"""
    r""""?\bname"?\s*:\s*["']([^"']{1,60})["']\s*,\s*"?\bid"?\s*:\s*["']?(\d+)""",
)
LIST_KEYS = ("articles", "data", "list", "rows", "records")
TOTAL_KEYS = ("total", "count", "totalCount", "total_count", "totalRecord")
SIZE_KEYS = ("size", "page_size", "pageSize", "per_page", "perPage", "limit")
URL_KEYS = ("post_url", "url", "link", "href")
TIME_KEYS = ("create_time", "publish_time", "first_publish_time", "display_publish_time",
             "created_at", "date")
CHINA = timezone(timedelta(hours=8))  # epochs are read as Beijing time


@dataclass(frozen=True)
class Entry:
    """One row of a JSON list: the link to its detail page and the date the list shows."""

    link: Link
    date: str | None  # ISO date from create_time, when given


def is_api(url: str) -> bool:
    return bool(API_PATH.search(urlsplit(url).path))


def looks_like_gkmlpt(url: str, html: str) -> bool:
    """A gkmlpt page: the platform's path, or the platform named in the page (its scripts,
    styles and API live under `/gkmlpt/`)."""
    return "/gkmlpt/" in urlsplit(url).path.lower() or "gkmlpt" in html[:200000].lower()


def api_prefix(url: str) -> str:
    """The path before `/gkmlpt/` (sub-sites live at `/{dept}/gkmlpt/...`), else ""."""
    path = urlsplit(url).path
    at = path.lower().find("/gkmlpt/")
    return path[:at] if at > 0 else ""


def api_url(page_url: str, catid: str, sid: str, page: int = 1) -> str:
    return urljoin(page_url, f"{api_prefix(page_url)}/gkmlpt/api/all/{catid}?page={page}&sid={sid}")


def report_columns(html: str) -> list[tuple[str, str]]:
    """(id, name) of the `TREE` columns whose names read like report columns (年报, 年度报告)."""
    columns: list[tuple[str, str]] = []
    for match in TREE_NODE.finditer(html):
        cid, name = (match.group(1), match.group(2)) if match.group(1) else (
            match.group(4), match.group(3))
        if mentions_reports(name) and cid not in {c for c, _ in columns}:
            columns.append((cid, clean_text(name)))
    return columns


def api_links(url: str, html: str) -> list[Link]:
    """First-page API requests for the column(s) of a gkmlpt page (none for an API URL).
    A column picked from the TREE carries its name as the link text."""
    if is_api(url) or not looks_like_gkmlpt(url, html):
        return []
    found = [(m.group(1), m.group(2), "") for m in API_IN_TEXT.finditer(html)]
    sid = SID.search(html)
    if sid:
        catids = [(m.group(1), "") for m in CATID.finditer(html)] or report_columns(html)
        found += [(catid, sid.group(1), name) for catid, name in catids]
    seen: set[tuple[str, str]] = set()
    links = []
    for catid, site, name in found:
        if (catid, site) not in seen:
            seen.add((catid, site))
            links.append(Link(api_url(url, catid, site), text=name, kind=PAGE))
    return links


def load(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if isinstance(data, list):
        return {"articles": data}
    return data if isinstance(data, dict) else None


def first_value(data: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = data.get(key)
        if value not in (None, ""):
            return value
    return None


def rows_of(data: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The article rows and the object that carries their counts (`data` may wrap both)."""
    for key in LIST_KEYS:
        value = data.get(key)
        if isinstance(value, list):
            return [r for r in value if isinstance(r, dict)], data
        if isinstance(value, dict):
            inner, holder = rows_of(value)
            if inner:
                return inner, {**data, **holder}
    return [], data


def as_int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def list_date(value: Any) -> str | None:
    """create_time as an ISO date: an epoch (seconds or milliseconds) or a date string."""
    number = as_int(value)
    if number is not None and number > 10**8:
        seconds = number / 1000 if number > 10**11 else number
        try:
            return datetime.fromtimestamp(seconds, CHINA).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    match = re.match(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})", str(value or ""))
    if match:
        return f"{int(match[1]):04d}-{int(match[2]):02d}-{int(match[3]):02d}"
    return None


def entry_of(api: str, row: dict[str, Any]) -> Entry | None:
    href = first_value(row, URL_KEYS)
    if not isinstance(href, str) or not href.strip():
        return None
    url = urljoin(api, href.strip())
    if urlsplit(url).scheme not in ("http", "https"):
        return None
    if urlsplit(url).netloc.lower() != urlsplit(api).netloc.lower():
        return None  # a list never sends the crawl off the portal
    title = clean_text(str(row.get("title") or row.get("name") or ""))
    return Entry(Link(url, text=title, kind=RECORD), list_date(first_value(row, TIME_KEYS)))


def page_of(url: str) -> int:
    for key, value in parse_qsl(urlsplit(url).query):
        if key.lower() == "page" and value.isdigit():
            return int(value)
    return 1


def with_page(url: str, number: int) -> str:
    query = [(k, str(number) if k.lower() == "page" else v)
             for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)]
    if not any(k.lower() == "page" for k, _ in query):
        query.append(("page", str(number)))
    return urlsplit(url)._replace(query="&".join(f"{k}={v}" for k, v in query)).geturl()


def later_pages(url: str, data: dict[str, Any], rows: int) -> list[Link]:
    """The API pages after this one while the total says rows remain. The page size is
    the JSON's own when it gives one; else the first page's row count, and then only the
    first page asks (a short last page says nothing about the size)."""
    total = as_int(first_value(data, TOTAL_KEYS))
    size = as_int(first_value(data, SIZE_KEYS))
    page = page_of(url)
    if size is None and page == 1:
        size = rows
    if not rows or not total or not size or size < 1:
        return []
    last = min(-(-total // size), MAX_LIST_PAGES)
    return [Link(with_page(url, n), kind=PAGE) for n in range(page + 1, last + 1)]


def parse_api(url: str, text: str) -> tuple[list[Entry], list[Link]]:
    """The rows of one JSON list page and the requests for the pages after it."""
    data = load(text)
    if data is None:
        return [], []
    rows, holder = rows_of(data)
    entries = [e for e in (entry_of(url, r) for r in rows) if e is not None]
    return entries, later_pages(url, holder, len(rows))
