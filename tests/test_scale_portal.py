"""The generated scale portal (tools/scale/): what it serves, and a crawl finding every report."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest

from archive.parse import parse_report
from tools.scale import ScalePortal

ROOT = Path(__file__).resolve().parent.parent
REPORTS = 50
CREATE_PAGE = re.compile(r'createPageHTML\((\d+), (\d+), "index", "html"\)')


@pytest.fixture(scope="module")
def portal() -> Iterator[ScalePortal]:
    with ScalePortal(reports=REPORTS) as running:
        yield running


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def page_links(url: str, body: bytes) -> set[str]:
    """Same-host links of a page, plus the list pages its createPageHTML call draws."""
    doc = lxml.html.fromstring(body)
    links = {urljoin(url, href).split("#")[0] for href in doc.xpath("//a/@href")
             if not href.startswith("javascript:")}
    for match in CREATE_PAGE.finditer(body.decode("utf-8")):
        links |= {urljoin(url, f"index_{n}.html") for n in range(1, int(match[1]))}
    return {link for link in links if urlsplit(link).netloc == urlsplit(url).netloc}


def test_list_pages_are_paged_by_create_page_html(portal: ScalePortal) -> None:
    status, body = fetch(portal.base_url + "xxgk/ndbg/")
    assert status == 200
    match = CREATE_PAGE.search(body.decode("utf-8"))
    assert match is not None
    count, current = int(match[1]), int(match[2])
    assert (count, current) == (-(-(REPORTS + len(portal.decoys)) // 20), 0)
    last = fetch(portal.base_url + f"xxgk/ndbg/index_{count - 1}.html")
    assert last[0] == 200 and f"createPageHTML({count}, {count - 1}," in last[1].decode()
    assert fetch(portal.base_url + f"xxgk/ndbg/index_{count}.html")[0] == 404


def test_every_town_has_a_sub_column_holding_its_reports(portal: ScalePortal) -> None:
    text = fetch(portal.base_url + "xxgk/ndbg/")[1].decode("utf-8")
    for town in portal.towns:
        assert f'href="./{town.code}/">{town.name}</a>' in text
    first = portal.towns[0]  # 18 reports and 3 decoys: two list pages
    column = portal.base_url + first.column.lstrip("/")
    pages = {column} | {u for u in page_links(column, fetch(column)[1]) if "index_" in u}
    listed = set().union(*(page_links(page, fetch(page)[1]) for page in pages))
    own = {u for u in portal.report_urls() if f"/{first.code}/" in u}
    assert len(pages) == 2 and len(own) == 18 and own <= listed

def test_detail_page_is_a_full_size_report_the_parser_reads(portal: ScalePortal) -> None:
    url = portal.report_urls()[12]  # town 0, year 2020: the six-part format with tables
    status, body = fetch(url)
    assert status == 200 and 25_000 < len(body) < 40_000
    assert fetch(url)[1] == body  # generated from the index: the same bytes every time
    report = parse_report(url, body, {"Content-Type": "text/html; charset=utf-8"})
    assert (report.town, report.report_year) == (portal.towns[0].name, 2020)


def test_unknown_detail_paths_are_not_found(portal: ScalePortal) -> None:
    good = urlsplit(portal.report_urls()[3]).path
    wrong_month = re.sub(r"/(\d{6})/", "/199901/", good)
    past_end = re.sub(r"_\d+\.html$", f"_{100000 + REPORTS}.html", good)
    for path in (wrong_month, past_end, "/xxgk/ndbg/nosuchtown/"):
        assert fetch(portal.base_url.rstrip("/") + path)[0] == 404


def test_page_count_matches_what_link_following_reaches(portal: ScalePortal) -> None:
    seen, queue = {portal.start_url}, [portal.start_url]
    while queue:
        url = queue.pop()
        status, body = fetch(url)
        assert status == 200, url
        for link in page_links(url, body) - seen:
            if not urlsplit(link).path.startswith(("/css/", "/images/")):
                seen.add(link)
                queue.append(link)
    assert len(seen) == portal.page_count()
    assert set(portal.report_urls()) <= seen


def test_crawler_finds_every_report(portal: ScalePortal, tmp_path: Path) -> None:
    db = tmp_path / "scale.db"
    proc = subprocess.run(
        [sys.executable, "-m", "archive.app.crawl", "--db", str(db), "--url", portal.start_url,
         "--json"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["reports_found"] == REPORTS
    with sqlite3.connect(db) as conn:
        urls = {row[0] for row in conn.execute("SELECT url FROM reports")}
        decoys = conn.execute("SELECT count(*) FROM reports WHERE title LIKE '%指南%' "
                              "OR title LIKE '%解读%' OR title LIKE '%要点%'").fetchone()[0]
    assert urls == set(portal.report_urls())
    assert decoys == 0
