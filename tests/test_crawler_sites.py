"""sites.yml reading, --url sites, and per-site crawl settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.errors import SitesFileError
from crawler.settings import BASE_SETTINGS, DEFAULT_MAX_PAGES, USER_AGENT, site_settings
from crawler.sites import Site, is_loopback_url, load_sites, site_from_url


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sites.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_sites_from_a_list(tmp_path: Path) -> None:
    path = write(tmp_path, """
- id: hengshan
  name: 横山区人民政府
  province: 陕西省
  county: 横山区
  start_urls: [http://www.hengshan.gov.cn/]
  max_pages: 200
- id: town
  town: 某某镇
  start_urls: http://10.0.0.5:8080/xxgk/
""")
    first, second = load_sites(path)
    assert (first.id, first.province, first.county, first.max_pages) == (
        "hengshan", "陕西省", "横山区", 200)
    assert first.allowed_hosts == ["www.hengshan.gov.cn:80"]
    assert second.start_urls == ["http://10.0.0.5:8080/xxgk/"]
    assert second.allowed_hosts == ["10.0.0.5:8080"]


def test_load_sites_from_a_mapping_with_sites_key_and_extra_hosts(tmp_path: Path) -> None:
    path = write(tmp_path, """
sites:
  - id: a
    start_urls: [https://a.gov.cn/]
    allowed_hosts: [b.gov.cn, "c.gov.cn:8443", "http://d.gov.cn:81/"]
    overrides: {max_depth: 3}
""")
    (site,) = load_sites(path)
    assert site.allowed_hosts == ["b.gov.cn:80", "b.gov.cn:443", "c.gov.cn:8443", "d.gov.cn:81"]
    assert site.overrides == {"max_depth": 3}


@pytest.mark.parametrize("text,reason", [
    ("- id: a\n  start_urls: [http://a/\n", "not valid YAML"),
    ("- name: x\n  start_urls: [http://a/]\n", "has no `id`"),
    ("- id: a\n", "has no `start_urls`"),
    ("- id: a\n  start_urls: [ftp://a/]\n", "not an http(s) URL"),
    ("just text\n", "expected a list"),
    ("[]\n", "no sites"),
    ("- id: a\n  start_urls: [http://a/]\n  colour: red\n", "unknown key"),
    ("- id: a\n  start_urls: [http://a/]\n- id: a\n  start_urls: [http://b/]\n", "twice"),
    ("- id: a\n  start_urls: [http://a/]\n  max_pages: -3\n", "max_pages"),
])
def test_bad_sites_files_name_the_problem(tmp_path: Path, text: str, reason: str) -> None:
    with pytest.raises(SitesFileError) as caught:
        load_sites(write(tmp_path, text))
    assert reason in caught.value.reason
    assert str(tmp_path) in str(caught.value)


def test_missing_sites_file(tmp_path: Path) -> None:
    with pytest.raises(SitesFileError, match="file not found"):
        load_sites(tmp_path / "nope.yml")


def test_site_from_url_keeps_host_and_port() -> None:
    site = site_from_url("http://127.0.0.1:8100/index.html")
    assert site.id == "127.0.0.1_8100"
    assert site.allowed_hosts == ["127.0.0.1:8100"]
    with pytest.raises(SitesFileError):
        site_from_url("not a url")


@pytest.mark.parametrize("url,expected", [
    ("http://127.0.0.1:8100/", True), ("http://127.8.9.1/", True), ("http://localhost:1/", True),
    ("http://[::1]:8000/", True), ("http://10.0.0.1/", False), ("http://www.gov.cn/", False),
])
def test_loopback_urls(url: str, expected: bool) -> None:
    assert is_loopback_url(url) is expected


def test_real_portals_get_polite_settings() -> None:
    settings = {**BASE_SETTINGS, **site_settings(Site("x", ["http://www.x.gov.cn/"]))}
    assert settings["ROBOTSTXT_OBEY"] is True
    assert settings["AUTOTHROTTLE_ENABLED"] is True
    assert settings["CONCURRENT_REQUESTS_PER_DOMAIN"] == 1
    assert settings["DOWNLOAD_DELAY"] >= 1
    assert settings["USER_AGENT"] == USER_AGENT and "nianbao" in USER_AGENT
    assert settings["CLOSESPIDER_PAGECOUNT"] == DEFAULT_MAX_PAGES


def test_loopback_portals_run_at_full_speed_and_overrides_win() -> None:
    fast = site_settings(Site("l", ["http://127.0.0.1:9/"]))
    assert fast["DOWNLOAD_DELAY"] == 0 and fast["AUTOTHROTTLE_ENABLED"] is False
    assert fast["CONCURRENT_REQUESTS_PER_DOMAIN"] > 1
    tuned = site_settings(Site("x", ["http://www.x.gov.cn/"], max_pages=50),
                          concurrency=2, delay=0.5)
    assert (tuned["CONCURRENT_REQUESTS_PER_DOMAIN"], tuned["DOWNLOAD_DELAY"]) == (2, 0.5)
    assert tuned["CLOSESPIDER_PAGECOUNT"] == 50
    assert site_settings(Site("x", ["http://x/"], max_pages=50), max_pages=7)[
        "CLOSESPIDER_PAGECOUNT"] == 7


def test_site_overrides_reach_the_settings_but_the_caller_wins() -> None:
    site = Site("x", ["http://www.x.gov.cn/"], overrides={"DOWNLOAD_DELAY": 3, "max_depth": 2})
    assert site_settings(site)["DOWNLOAD_DELAY"] == 3
    assert "max_depth" not in site_settings(site)
    assert site_settings(site, delay=0.5)["DOWNLOAD_DELAY"] == 0.5


def test_a_site_has_a_time_budget_that_becomes_the_close_timeout(tmp_path: Path) -> None:
    path = write(tmp_path, """
- id: a
  start_urls: [http://a.gov.cn/]
  time_budget: 600
- id: b
  start_urls: [http://b.gov.cn/]
""")
    a, b = load_sites(path)
    assert (a.time_budget, b.time_budget) == (600, 1800)
    assert site_settings(a)["CLOSESPIDER_TIMEOUT"] == 600
    with pytest.raises(SitesFileError, match="time_budget"):
        load_sites(write(tmp_path, "- {id: c, start_urls: [http://c.gov.cn/], time_budget: 0}"))
