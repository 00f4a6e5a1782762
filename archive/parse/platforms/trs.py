"""TRS WCM and TRS-like portals: /…/{YYYYMM}/t{YYYYMMDD}_{id}.html, body in .TRS_Editor."""

from __future__ import annotations

import re

from archive.parse.platforms.layout import Layout, has_class

LAYOUT = Layout(
    name="trs",
    url_patterns=(re.compile(r"/t\d{8}_\d+\.s?html?(?:$|[?#])"),),
    markers=("TRS_Editor", "TRS_UEDITOR", "trs_editor_view", "Custom_UnionStyle", "TRS_PreAppend"),
    content_xpaths=(
        "//div[contains(@class, 'TRS_Editor')]",
        "//div[contains(@class, 'TRS_UEDITOR')]",
        "//div[contains(@class, 'trs_editor_view')]",
        f"//div[{has_class('view')}]",
    ),
)
