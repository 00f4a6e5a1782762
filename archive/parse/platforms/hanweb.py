"""Hanweb / 大汉 jcms portals: /art/{Y}/{M}/{D}/art_{col}_{id}.html and the
xxgkAnnualReport.jsp module. The body sits between <meta name="ContentStart"> and
<meta name="ContentEnd"> inside #zoom; 信息公开 pages add a 索引号/发布机构/公开日期 table."""

from __future__ import annotations

import re

from archive.parse.platforms.layout import Layout

LAYOUT = Layout(
    name="hanweb",
    url_patterns=(
        re.compile(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html"),
        re.compile(r"xxgkAnnualReport", re.IGNORECASE),
    ),
    markers=("ZJEG_RSS.content", 'name="ContentStart"', "/module/web/jpage/", "hanweb"),
    content_xpaths=(
        "//meta[@name='ContentStart']/parent::*",
        "//*[@id='zoom']",
    ),
)
