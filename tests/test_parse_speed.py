"""Parser throughput on a 30 KB report page (slow: run with `make test-slow`)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from archive.parse import parse_report

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "trs" / "zhangtan_2019_post2019.html"
URL = "http://www.qjq.gov.cn/zwgk/zfxxgknb/jd/zt/202001/t20200115_4567890.shtml"
FLOOR_PAGES_PER_SECOND = 50  # one process; measured about 100 on the reference machine


def thirty_kb_page() -> bytes:
    html = FIXTURE.read_text(encoding="utf-8")
    sidebar = (
        "<div class='sidebar'><ul>"
        + "".join(
            f"<li><a href='/a/{i}.html'>关于印发某县2019年第{i}批重点项目建设计划的通知</a><span>2019-01-1{i % 9}</span></li>"
            for i in range(60)
        )
        + "</ul></div>"
    )
    extra = "".join(
        f"<p>（{i}）全年共开展政务公开专项检查{i}次，发现并整改问题{i * 2}个，进一步规范了信息发布审核流程。</p>"
        for i in range(80)
    )
    html = html.replace('<div class="main">', '<div class="main">' + sidebar)
    html = html.replace("<p><strong>二、主动公开", extra + "<p><strong>二、主动公开")
    return html.encode("utf-8")


@pytest.mark.slow
def test_parse_speed() -> None:
    body = thirty_kb_page()
    assert 28_000 <= len(body) <= 34_000
    parse_report(URL, body)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < 3:
        parse_report(URL, body)
        count += 1
    rate = count / (time.perf_counter() - start)
    print(f"{rate:.0f} pages/s on {len(body)} bytes")
    assert rate >= FLOOR_PAGES_PER_SECOND
