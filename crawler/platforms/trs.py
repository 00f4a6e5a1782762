"""TRS WCM (and look-alike) list pages.

TRS lists live at `.../index.html`, `index_1.html`, `index_2.html`...; the pager is drawn
by an inline `createPageHTML(countPage, currentPage, "index", "html")` call whose first
integer is the total page count. Some templates pass variables (`var countPage = 6`) or
put a container id first, so read the first integer (or the variable's value).
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from crawler.discovery import PAGE, Link
from crawler.paging import MAX_LIST_PAGES

CREATE_PAGE_HTML = re.compile(r"createPageHTML\s*\(([^()]*)\)", re.IGNORECASE)
QUOTED = re.compile(r"""^["']([\w.-]*)["']$""")
IDENTIFIER = re.compile(r"^[A-Za-z_$][\w$]*$")
PAGE_STEM = re.compile(r"^[A-Za-z][\w-]*$")


def variable_value(html: str, name: str) -> int | None:
    """The integer a script assigns to `name` (`var countPage = 6`), if any."""
    match = re.search(rf"\b{re.escape(name)}\s*=\s*['\"]?(\d+)", html)
    return int(match.group(1)) if match else None


def page_count_from_args(args: list[str], html: str) -> int | None:
    """The first integer argument, or the value of the first variable argument."""
    for arg in args:
        if arg.isdigit():
            return int(arg)
        if IDENTIFIER.match(arg):
            value = variable_value(html, arg)
            if value is not None:
                return value
    return None


def stem_and_ext(args: list[str]) -> tuple[str, str]:
    """File stem and extension of the list pages: ("index", "html") unless given."""
    strings = [m.group(1) for a in args if (m := QUOTED.match(a))]
    names = [s for s in strings if PAGE_STEM.match(s)]
    if len(names) >= 2:
        return names[-2], names[-1]
    return "index", "html"


def split_args(text: str) -> list[str]:
    return [a.strip() for a in text.split(",") if a.strip()]


def pages_from_create_page_html(url: str, html: str) -> list[Link]:
    """`index_1..index_{n-1}` of the list, relative to the list page, from createPageHTML."""
    links: list[Link] = []
    for match in CREATE_PAGE_HTML.finditer(html):
        args = split_args(match.group(1))
        count = page_count_from_args(args, html)
        if not count or count < 2:
            continue
        stem, ext = stem_and_ext(args)
        last = min(count - 1, MAX_LIST_PAGES)
        links += [Link(urljoin(url, f"{stem}_{n}.{ext}"), kind=PAGE, guess=True)
                  for n in range(1, last + 1)]
    return links
