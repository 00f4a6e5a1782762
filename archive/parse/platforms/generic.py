"""The fallback for portals nobody has seen: common content ids/classes as hints, then
the prose-density search in archive.parse.html decides."""

from __future__ import annotations

import re

from lxml.etree import _Element as Element

from archive.parse.platforms.layout import Layout

CONTENT_HINT_RE = re.compile(
    r"(?:^|\s)(?:zoom|fontzoom|UCAP-CONTENT|BodyLabel|textBox|conN)(?:\s|$)|"
    r"article[-_]?(?:content|text|body|con)|news[-_]?(?:content|text|body)|detail[-_]?(?:content|text|con)|"
    r"content[-_]?(?:text|body)|pages_content|xl_content|xxgk_content|art_con|nr_content|wzcon|zwnr|"
    r"TRS_Editor|v_news_content",
    re.IGNORECASE,
)

LAYOUT = Layout(
    name="generic",
    title_xpaths=(
        "//meta[@name='ArticleTitle']/@content",
        "//meta[@property='og:title']/@content",
    ),
)


def content_hints(tagged: list[tuple[Element, str]]) -> list[Element]:
    """Elements whose class or id names them as an article body."""
    return [el for el, attrs in tagged if CONTENT_HINT_RE.search(attrs)]
