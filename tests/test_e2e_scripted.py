"""Report columns drawn by JavaScript, crawled over real HTTP on loopback (issue #11).

The scripted demo portal (demo/scripted.py) has a JSON-API column of its own shape
(`data.rows[].{wjbt, fbdz}` paged by `pageNum`, the endpoint only in a linked script), a
column only a browser can list (addresses assembled by script from base64 data), and a
column behind a 412 JavaScript cookie challenge. Without a browser the crawler reads the
JSON column through its endpoint and says the other may need the browser; with the
browser layer (real Chromium, `/usr/bin/chromium`) it lists the drawn column from the
rendered DOM, keeps the raw and the rendered capture, never lets the browser off the site,
and gets through the challenge once.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from archive.errors import SitesFileError
from crawler.browser import browser_available
from crawler.middlewares import RENDERED_HEADER
from crawler.settings import site_settings
from crawler.sites import Site, load_sites
from demo.scripted import BROWSER_COLUMN, CHALLENGE_COLUMN, JSON_COLUMN, ScriptedPortal
from tests.helpers.crawl import Crawl, run_crawl
from tests.helpers.loopback import Loopback, serve_routes

ROOT = Path(__file__).resolve().parent.parent
needs_browser = pytest.mark.skipif(not browser_available(),
                                   reason="no /usr/bin/chromium (or scrapy-playwright)")


@pytest.fixture(scope="module")
def beacon() -> Iterator[Loopback]:
    """Another site on loopback: the browser-only page tries to load and call it."""
    with serve_routes({}) as other:
        yield other


@pytest.fixture(scope="module")
def portal(beacon: Loopback) -> Iterator[ScriptedPortal]:
    with ScriptedPortal(beacon=beacon.url.rstrip("/")) as running:
        yield running


def report_urls(crawl: Crawl) -> list[str]:
    return sorted(url for (url,) in crawl.rows(
        "SELECT u.url FROM report_urls u JOIN reports r ON r.id = u.report_id"))


def truth_urls(portal: ScriptedPortal, column: str) -> list[str]:
    return sorted(url for e in portal.ground_truth(column) if e["kind"] == "report"
                  for url in e["urls"])


def site_status(crawl: Crawl) -> tuple[str, str]:
    rows = crawl.rows("SELECT status, coalesce(detail, '') FROM site_status")
    assert len(rows) == 1
    return rows[0]


def test_json_column_read_through_its_endpoint_every_page(portal: ScriptedPortal,
                                                          tmp_path: Path) -> None:
    crawl = run_crawl(tmp_path / "json.db", "--url", portal.url(JSON_COLUMN))
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    expected = truth_urls(portal, "sjlb")
    assert len(expected) == 4
    found = report_urls(crawl)
    assert found == expected  # every report, once (one report_urls row per report URL)
    assert crawl.rows("SELECT count(*) FROM reports")[0][0] == len(expected)
    pages = sorted(int(parse_qs(urlsplit(url).query)["pageNum"][0]) for (url,) in crawl.rows(
        "SELECT url FROM captures WHERE url LIKE '%/api/gkml/wjlb.do%'"))
    rows = len(portal.ground_truth("sjlb"))
    assert pages == list(range(1, -(-rows // 2) + 2))  # every page once, then one empty page
    # no decoy was fetched, nothing went through a browser, the status is ok
    decoys = {u for e in portal.ground_truth("sjlb") if e["kind"] == "decoy" for u in e["urls"]}
    fetched = {url for (url,) in crawl.rows("SELECT url FROM captures")}
    assert not decoys & fetched
    assert crawl.rows("SELECT count(*) FROM captures WHERE kind = 'rendered'")[0][0] == 0
    assert site_status(crawl)[0] == "ok"


def test_shell_column_without_browser_is_empty_and_says_it_may_need_one(
        portal: ScriptedPortal, tmp_path: Path) -> None:
    crawl = run_crawl(tmp_path / "shell.db", "--url", portal.url(BROWSER_COLUMN))
    status, detail = site_status(crawl)
    assert status == "empty"
    assert "浏览器" in detail and "browser: auto" in detail
    assert portal.url(BROWSER_COLUMN) in detail
    assert "may need the browser" in crawl.summary["line"]
    assert crawl.rows("SELECT count(*) FROM captures WHERE kind = 'rendered'")[0][0] == 0
    assert report_urls(crawl) == []


@needs_browser
def test_browser_lists_the_drawn_column_and_keeps_both_captures(
        portal: ScriptedPortal, beacon: Loopback, tmp_path: Path) -> None:
    # two sites with `browser: auto`: only the column layer 1 cannot read is rendered
    sites = tmp_path / "sites.yml"
    sites.write_text(f"- id: drawn\n  start_urls: [{portal.url(BROWSER_COLUMN)}]\n"
                     f"  browser: auto\n- id: json\n  start_urls: [{portal.url(JSON_COLUMN)}]\n"
                     f"  browser: auto\n", encoding="utf-8")
    crawl = run_crawl(tmp_path / "browser.db", "--sites", str(sites), timeout=300)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    expected = truth_urls(portal, "xrlb")
    assert len(expected) == 3
    assert report_urls(crawl) == sorted(expected + truth_urls(portal, "sjlb"))
    column = portal.url(BROWSER_COLUMN)
    captures = crawl.rows("SELECT c.kind, c.headers, b.body FROM captures c "
                          "JOIN blobs b ON b.sha256 = c.sha256 WHERE c.url = ? ORDER BY c.id",
                          column)
    assert [kind for kind, _, _ in captures] == ["start", "rendered"]
    raw, rendered = zlib.decompress(captures[0][2]), zlib.decompress(captures[1][2])
    assert b'id="list"></ul>' in raw  # the raw shell is kept as it came
    assert all(url.split("/", 3)[3].encode() in rendered for url in expected)
    assert RENDERED_HEADER in json.loads(captures[1][1])
    assert crawl.rows("SELECT site_id, count(*) FROM captures WHERE kind = 'rendered' "
                      "GROUP BY site_id") == [("drawn", 1)]  # never where not needed
    assert beacon.paths == []  # the page's image and fetch to another host were aborted
    assert crawl.rows("SELECT site_id, status FROM site_status ORDER BY site_id") == [
        ("drawn", "ok"), ("json", "ok")]
    assert "1 pages rendered by the browser" in crawl.summary["line"]


@needs_browser
def test_challenge_wall_passed_once_through_the_browser(portal: ScriptedPortal,
                                                        tmp_path: Path) -> None:
    crawl = run_crawl(tmp_path / "wall.db", "--browser", "auto", "--url",
                      portal.url(CHALLENGE_COLUMN), timeout=300)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    assert report_urls(crawl) == truth_urls(portal, "sjlb")
    kinds = crawl.rows("SELECT kind, status, coalesce(note, '') FROM captures WHERE url = ? "
                       "ORDER BY id", portal.url(CHALLENGE_COLUMN))
    assert kinds[0] == ("start", 412, "challenge: jiasule")
    assert [k for k, _, _ in kinds] == ["start", "rendered"]  # one try through the browser
    assert site_status(crawl)[0] == "ok"


def test_without_the_browser_the_challenge_is_a_wall(portal: ScriptedPortal,
                                                     tmp_path: Path) -> None:
    crawl = run_crawl(tmp_path / "wall-off.db", "--url", portal.url(CHALLENGE_COLUMN))
    assert site_status(crawl)[0] == "blocked"
    assert crawl.rows("SELECT count(*) FROM captures WHERE kind = 'rendered'")[0][0] == 0


def test_browser_switch_in_sites_yml(tmp_path: Path) -> None:
    sites = tmp_path / "sites.yml"
    sites.write_text("- id: a\n  start_urls: [http://127.0.0.1:9/]\n  browser: auto\n"
                     "- id: b\n  start_urls: [http://127.0.0.1:9/]\n", encoding="utf-8")
    a, b = load_sites(sites)
    assert (a.browser, b.browser) == ("auto", "off")
    assert "DOWNLOAD_HANDLERS" not in site_settings(b)
    sites.write_text("- id: a\n  start_urls: [http://127.0.0.1:9/]\n  browser: always\n",
                     encoding="utf-8")
    with pytest.raises(SitesFileError, match="`browser` must be one of off, auto, not .always."):
        load_sites(sites)


@needs_browser
def test_browser_settings_only_for_sites_that_ask() -> None:
    on = site_settings(Site("a", ["http://127.0.0.1:9/"], browser="auto"))
    assert on["DOWNLOAD_HANDLERS"]["http"] == "crawler.browser.BrowserDownloadHandler"
    assert on["PLAYWRIGHT_LAUNCH_OPTIONS"]["executable_path"].endswith("chromium")
    assert "--no-sandbox" in on["PLAYWRIGHT_LAUNCH_OPTIONS"]["args"]


def test_a_crawl_without_the_browser_imports_no_playwright() -> None:
    code = ("import sys; import crawler.run, crawler.spiders.portal, crawler.browser, "
            "crawler.settings; from crawler.sites import Site; "
            "crawler.settings.site_settings(Site('a', ['http://127.0.0.1:9/'])); "
            "print(sorted(m for m in sys.modules if 'playwright' in m))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == "[]"
