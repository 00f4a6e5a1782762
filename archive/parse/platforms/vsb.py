"""博达 VSB sites: /info/{col}/{id}.htm, body in #vsb_content, 【下载Word】【下载PDF】 buttons."""

from __future__ import annotations

import re

from archive.parse.platforms.layout import Layout, has_class

LAYOUT = Layout(
    name="vsb",
    url_patterns=(re.compile(r"/info/\d+/\d+\.htm"),),
    markers=("vsb_content", "v_news_content", "vsbscreen", "_vsb_"),
    content_xpaths=(
        "//*[starts-with(@id, 'vsb_content')]",
        f"//div[{has_class('v_news_content')}]",
    ),
)
