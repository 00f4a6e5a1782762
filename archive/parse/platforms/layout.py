"""A CMS layout as data: URL shapes, markers, XPaths for content and title."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from lxml import etree
from lxml.etree import _Element as Element

MARKER_SCAN_CHARS = 200_000


@dataclass(frozen=True)
class Layout:
    name: str
    url_patterns: tuple[re.Pattern[str], ...] = ()
    markers: tuple[str, ...] = ()  # substrings of the raw markup
    content_xpaths: tuple[str, ...] = ()
    title_xpaths: tuple[str, ...] = ("//meta[@name='ArticleTitle']/@content",)

    def claims(self, url: str, markup: str) -> bool:
        if any(pattern.search(url) for pattern in self.url_patterns):
            return True
        head = markup[:MARKER_SCAN_CHARS]
        return any(marker in head for marker in self.markers)

    def content_elements(self, root: Element) -> list[Element]:
        found: list[Element] = []
        for xpath in self.content_xpaths:
            found.extend(el for el in compiled(xpath)(root) if isinstance(el, Element))
        return found

    def title_texts(self, root: Element) -> list[str]:
        texts = []
        for xpath in self.title_xpaths:
            for hit in compiled(xpath)(root):
                texts.append(str(hit) if isinstance(hit, str) else "".join(hit.itertext()))
        return [text for text in texts if text.strip()]


@functools.cache
def compiled(xpath: str) -> etree.XPath:
    return etree.XPath(xpath)


def has_class(name: str) -> str:
    """XPath predicate: the element's class list contains `name`."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"
