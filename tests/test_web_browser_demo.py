"""The research pages in a real headless Chromium, on the crawled demo archive (#14).

Chromium is driven the way tests/test_web_browser.py does it (`--dump-dom`, plus
`--screenshot`): each test loads a page as a person would, follows a link the rendered page
shows, and saves a screenshot under its tmp dir. The archived-copy test stores a page whose
script would rewrite the DOM, reach into the framing page and request a URL on a loopback
server, with an image and a stylesheet on that server too: none of it may happen.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from helpers.chromium import CHROMIUM, chromium
from helpers.demo_archive import ROOT, DemoArchive, demo_archive
from helpers.loopback import serve_routes
from helpers.serve import served

from archive.db import Archive
from archive.web.standard_tables import APPLICATION_COLUMNS

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
PDF = ROOT / "demo" / "content" / "files" / "fusong" / "P020210115953754754075.pdf"


@dataclass
class Site:
    base: str
    demo: DemoArchive
    hostile_capture: int
    beacon_server: Any  # helpers.loopback's server: `.paths` is every request so far
    beacon: str


def hostile_page(beacon: str) -> bytes:
    return (f'<html><head><meta charset="utf-8"><title>被劫持的页面</title>'
            f'<link rel="stylesheet" href="{beacon}/style.css"></head><body>'
            f'<p id="marker">原样保存</p><img src="{beacon}/pixel.png">'
            f'<script>document.getElementById("marker").textContent = "SCRIPT " + "RAN";'
            f'fetch("{beacon}/fetch"); new Image().src = "{beacon}/js-image";'
            f'try {{ parent.document.body.innerHTML = "PARENT " + "HIJACKED"; }} catch (e) {{}}'
            f'</script><script src="{beacon}/external.js"></script></body></html>').encode()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    demo = demo_archive(tmp_path_factory.getbasetemp() / "web-demo")
    copy = tmp_path_factory.mktemp("browser-demo") / "demo.db"
    shutil.copy(demo.db, copy)
    # the control: the same page served live, without the archive's policy
    routes = {"/hijacked.html": lambda request: (200, {}, hostile_page(
        "http://" + request.headers["Host"]))}
    with serve_routes(routes) as beacon:
        with Archive(copy) as archive:
            capture = archive.add_capture(
                beacon.url.rstrip("/") + "/hijacked.html", status=200,
                headers={"Content-Type": "text/html; charset=utf-8"},
                body=hostile_page(beacon.url.rstrip("/")))
            archive.db.conn.commit()
        with served(copy) as base:
            yield Site(base, DemoArchive(copy, demo.truth), capture, beacon,
                       beacon.url.rstrip("/"))


def browse(url: str, tmp_path: Path, shot: str, height: int = 1600) -> str:
    """The rendered DOM; a screenshot of the page is saved as tmp_path/<shot>.png."""
    chromium(url, tmp_path / "profile", f"--window-size=1280,{height}",
             f"--screenshot={tmp_path / (shot + '.png')}")
    assert (tmp_path / f"{shot}.png").stat().st_size > 10_000
    return chromium(url, tmp_path / "profile", "--dump-dom")


def test_search_in_chinese_and_open_a_facet(site: Site, tmp_path: Path) -> None:
    dom = browse(f"{site.base}/-/search?q={quote('依申请公开')}", tmp_path, "search")
    assert "<mark>依申请公开</mark>" in dom and "搜索年报" in dom
    total = int(re.search(r'class="search-summary">\s*共\s*([\d,]+)\s*份', dom)[1]
                .replace(",", ""))
    facet = re.search(r'<h3>单位 Town.*?<a href="([^"]+)">([^<]+)</a> (\d+)', dom, re.DOTALL)
    assert facet, "a town facet"
    href, town, count = unescape(facet[1]), facet[2], int(facet[3])
    assert count < total
    filtered = browse(site.base + href, tmp_path, "search-facet")
    assert re.search(rf'共\s*{count}\s*份', filtered)
    hits = re.findall(r'<div class="where">(.*?)</div>', filtered, re.DOTALL)
    assert len(hits) == min(count, 20) and all(town in h for h in hits)


def test_report_tables_are_table_cells_with_the_published_numbers(site: Site,
                                                                  tmp_path: Path) -> None:
    entry = site.demo.report("樟潭街道", 2023)
    dom = browse(f"{site.base}/nianbao/reports/{entry['rid']}", tmp_path, "report", 3200)
    cells = dict(re.findall(r'<td data-key="([\w.]+)"[^>]*>([^<]*)</td>', dom))
    columns = [c for c, _ in APPLICATION_COLUMNS]
    for row, values in entry["expect"]["cells"]["applications"].items():
        for column, raw in zip(columns, values.split("|"), strict=True):
            assert cells[f"applications.{row}.{column}"] == raw, (row, column)
    for group, values in entry["expect"]["cells"]["reviews"].items():
        for column, raw in zip(("upheld", "corrected", "other", "pending", "total"),
                               values.split("|"), strict=True):
            assert cells[f"reviews.{group}.{column}"] == raw
    assert dom.count('<table class="std') == 3
    assert 'class="value flagged"' in dom  # the demo's broken balance, on its cells
    assert "发布日期 Published</dt><dd>2024年1月22日" in dom


def test_archived_copy_runs_no_script_and_requests_nothing(site: Site, tmp_path: Path) -> None:
    before = len(site.beacon_server.paths)
    view = browse(f"{site.base}/-/capture/{site.hostile_capture}/view", tmp_path, "archived")
    assert "存档副本 Archived copy" in view and "PARENT HIJACKED" not in view
    assert re.search(r'<iframe class="archived" sandbox=""', view)
    # the framed page itself, even opened directly: its own policy sandboxes it
    inner = chromium(f"{site.base}/-/capture/{site.hostile_capture}/page",
                     tmp_path / "profile", "--dump-dom")
    assert '<p id="marker">原样保存</p>' in inner and "SCRIPT RAN" not in inner
    time.sleep(0.5)
    assert site.beacon_server.paths[before:] == []  # no script, image, stylesheet or fetch
    # the control: served live, the same page does run and fetch
    live = chromium(f"{site.beacon}/hijacked.html", tmp_path / "profile", "--dump-dom")
    assert "PARENT HIJACKED" in live  # at the top level, parent is the page itself
    assert {"/fetch", "/pixel.png", "/external.js"} <= set(site.beacon_server.paths[before:])


def test_archived_pdf_downloads_byte_for_byte(site: Site, tmp_path: Path) -> None:
    entry = site.demo.report("泉阳镇", 2020)
    dom = browse(f"{site.base}/nianbao/reports/{entry['rid']}", tmp_path, "report-pdf", 2400)
    links = re.findall(r'<a class="download" href="(/-/capture/\d+/raw)">', dom)
    assert links
    downloads = []
    for link in links:
        with urllib.request.urlopen(site.base + link, timeout=10) as response:
            downloads.append((response.read(), response.headers))
    body, headers = next((b, h) for b, h in downloads if b.startswith(b"%PDF"))
    assert hashlib.sha256(body).hexdigest() == hashlib.sha256(PDF.read_bytes()).hexdigest()
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"].startswith("attachment;")
    assert "P020210115953754754075.pdf" in headers["Content-Disposition"]


def test_coverage_grid_cell_leads_to_the_report(site: Site, tmp_path: Path) -> None:
    dom = browse(f"{site.base}/-/coverage?county={quote('抚松县')}", tmp_path, "coverage")
    cells = re.findall(r'<td class="cov-(\w+)"><a href="([^"]+)" data-year="(\d+)"', dom)
    _, href, year = next(c for c in cells if c[0] == "late")
    report = browse(site.base + unescape(href), tmp_path, "coverage-report")
    assert re.search(rf"<h1>[^<]*{year}年[^<]*</h1>", report)
    missing = next(c for c in cells if c[0] == "missing")
    ledger = browse(site.base + unescape(missing[1]), tmp_path, "coverage-missing")
    assert "missing" in ledger and missing[2] in ledger


def test_seed_report_shows_its_evidence_and_leads_to_its_site(site: Site,
                                                              tmp_path: Path) -> None:
    """The seed page's report (issue #15): the inferred 政务公开 and the evidence kinds in
    the rendered page, and its link to /-/hijacked keeps that site."""
    [seed] = [e for e in site.demo.truth
              if e["substituted"] and e["substituted"]["phrase"] == "政务公开" and e["rid"]]
    dom = browse(f"{site.base}/nianbao/reports/{quote(seed['rid'])}", tmp_path, "seed-report",
                 height=2400)
    box = re.search(r'<section class="box evidence" id="hijack-evidence">.*?</section>', dom,
                    re.DOTALL)
    assert box, "no evidence box rendered"
    assert re.search(r'<td class="phrase"><strong>政务公开</strong>', box.group(0))
    assert "隐藏链接" in box.group(0) and 'href="/-/capture/' in box.group(0)
    link = re.search(r'id="hijacked-site" href="([^"]+)"', box.group(0))
    assert link
    hijacked = browse(site.base + unescape(link.group(1)), tmp_path, "seed-site")
    assert 'id="site-filter"' in hijacked and "政务公开" in hijacked
    assert 'id="hijacked-portals"' in hijacked
