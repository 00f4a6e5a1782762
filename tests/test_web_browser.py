"""The archive as a person sees it: a real headless Chromium against `nianbao serve`.

Skipped only where Chromium is not installed; `.ci/run` installs it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from helpers.chromium import CHROMIUM, chromium
from helpers.serve import served

from archive.db import Archive, report_id
from archive.records import Report, Section

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")

HOSTILE = Report(
    url="http://127.0.0.1:9/t.html", title="泉阳镇2019年政府信息公开工作年度报告",
    title_raw="泉阳镇2019年政府信息公开工作年度报告",
    text="一、总体情况\n2019年，我镇<script>alert(1)</script>做好扶贫信息公开。",
    town="泉阳镇", county="抚松县", report_year=2019, published="2020-01-10", format="post2019",
    sections=[Section(1, "一、总体情况", "2019年，我镇<script>alert(1)</script>做好扶贫信息公开。")],
)
PLAIN = Report(
    url="http://127.0.0.1:9/u.html", title="抚松镇2012年政府信息公开工作年度报告",
    title_raw="抚松镇2012年政府信息公开工作年度报告", text="一、概述\n本年度主动公开政府信息46条。",
    town="抚松镇", county="抚松县", report_year=2012, published="2013-03-11",
    sections=[Section(1, "一、概述", "本年度主动公开政府信息46条。")],
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("browser") / "archive.db"
    with Archive(db) as archive:
        for report in (HOSTILE, PLAIN):
            archive.save_report(report, capture_id=None)
    with served(db) as base:
        yield base


def rendered_dom(url: str, profile: Path) -> str:
    """The DOM after Chromium loaded the page and ran its scripts."""
    return chromium(url, profile, "--dump-dom")


def test_search_page_shows_highlighted_escaped_hits(server: str, tmp_path: Path) -> None:
    dom = rendered_dom(f"{server}/-/search?q={quote('扶贫')}", tmp_path)
    assert "泉阳镇2019年政府信息公开工作年度报告" in dom
    assert "<mark>扶贫</mark>" in dom
    assert "抚松镇2012年" not in dom  # does not contain the word
    # the archived <script> is shown as text, never run or parsed as markup
    assert "<script>alert(1)</script>" not in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom


def test_report_page_reads_like_a_report(server: str, tmp_path: Path) -> None:
    dom = rendered_dom(f"{server}/nianbao/reports/{report_id(PLAIN)}", tmp_path)
    assert "<h1>抚松镇2012年政府信息公开工作年度报告</h1>" in dom
    assert '<h2 class="l1">一、概述</h2>' in dom
    assert "本年度主动公开政府信息46条。" in dom


def test_hostile_query_is_a_message_not_a_crash(server: str, tmp_path: Path) -> None:
    query = quote('NEAR("政府')
    dom = rendered_dom(f"{server}/-/search?q={query}", tmp_path)
    assert "search-error" in dom or "search-summary" in dom
    assert "Internal Server Error" not in dom
