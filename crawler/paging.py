"""Generic pagination: other pages of a list, from its pager links.

Handles static `index_N.html` pagers and query paging (`?page=N`, `&pageNo=N`): the
pager's own links (下一页, 尾页, numbers) plus every page up to the last one named.
Platform pagers drawn by scripts live in `crawler/platforms/`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from archive.db.keys import url_key
from crawler.discovery import LINK, PAGE, Link, page_number_in_query

PAGER_TEXT = re.compile(
    r"^(下一页|上一页|下页|上页|后页|前页|尾页|末页|最后一页|第?\d{1,4}页?|>|>>|<|<<|»|«|›|‹|next|prev)$",
    re.IGNORECASE,
)
LAST_PAGE_TEXT = re.compile(r"^(尾页|末页|最后一页|>>|»|last)$", re.IGNORECASE)
STATIC_PAGE_NAME = re.compile(r"^(?P<stem>[a-z]+)_(?P<n>\d{1,4})\.(?P<ext>s?html?)$", re.IGNORECASE)
MAX_LIST_PAGES = 300  # pages generated for one list, whatever a pager claims


def with_query_value(url: str, key: str, value: str) -> str:
    parts = urlsplit(url)
    query = [(k, value if k == key else v) for k, v in parse_qsl(parts.query, True)]
    if key not in {k for k, _ in query}:
        query.append((key, value))
    return urlunsplit(parts._replace(query=urlencode(query), fragment=""))


def same_directory(url: str, other: str) -> bool:
    a, b = urlsplit(url), urlsplit(other)
    return a.netloc == b.netloc and a.path.rsplit("/", 1)[0] == b.path.rsplit("/", 1)[0]


def is_pager_link(page_url: str, link: Link) -> bool:
    """A 下一页 / 尾页 / number link to another page of the same list: the same path with
    another query, or a page in the same directory."""
    if link.kind != LINK or not PAGER_TEXT.match(link.text):
        return False
    here, there = urlsplit(page_url), urlsplit(link.url)
    if there.path == here.path:
        return there.query != here.query
    return not page_number_in_query(link.url) and same_directory(page_url, link.url)


def pages_between(link_url: str, last: int) -> list[str]:
    """Every page URL up to `last` in the paging scheme of one pager link."""
    last = min(last, MAX_LIST_PAGES)
    by_query = page_number_in_query(link_url)
    if by_query:
        key, _ = by_query
        return [with_query_value(link_url, key, str(n)) for n in range(1, last + 1)]
    name = urlsplit(link_url).path.rsplit("/", 1)[-1]
    match = STATIC_PAGE_NAME.match(name)
    if not match:
        return []
    stem, ext = match["stem"], match["ext"]
    return [urljoin(link_url, f"{stem}_{n}.{ext}") for n in range(1, last + 1)]


def last_page_number(link: Link) -> int | None:
    by_query = page_number_in_query(link.url)
    if by_query:
        return by_query[1]
    match = STATIC_PAGE_NAME.match(urlsplit(link.url).path.rsplit("/", 1)[-1])
    return int(match["n"]) if match else None


def pager_links(page_url: str, links: Iterable[Link]) -> list[Link]:
    """Other pages of the list on this page: the pager's own links, filled in up to 尾页."""
    pager = [link for link in links if is_pager_link(page_url, link)]
    found = {url_key(link.url): link.text for link in pager}
    for link in pager:
        if LAST_PAGE_TEXT.match(link.text) or link.text.isdigit():
            last = last_page_number(link)
            for url in pages_between(link.url, last or 0):
                found.setdefault(url_key(url), "")
    found.pop(url_key(page_url), None)
    # A page filled in between the pager's links is a guess: nobody linked it.
    return [Link(url=url, text=text, kind=PAGE, guess=not text) for url, text in found.items()]


