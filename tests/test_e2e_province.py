"""One `--sites` crawl of a generated province: many hosts, several columns per county host.

`tools.province` serves small TRS-style portals, each on its own loopback address; every
fourth is a county portal whose four township columns are four sites on one host. The
crawl runs fewer sites at once than there are hosts, so sites wait their turn. Checks:
every report of every site is found, under its own site (a column, not its host); every
site has its crawl_runs row and its site_status; and the server's request log, whose
answers each wait a little (so requests in flight together overlap), never shows two
requests on one host at the same time, columns of one county host included.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

import pytest
import yaml
from helpers.nightly import query, run

from tools.province import Province


def crawl_province(tmp_path: Path, portals: int, county_every: int, parallel: int,
                   latency: float) -> tuple[Province, Path, list[dict[str, object]]]:
    with Province(portals, county_every=county_every, log_requests=True,
                  latency=latency) as province:
        sites = province.sites(delay=0)
        sites_file = tmp_path / "province.yml"
        sites_file.write_text(yaml.safe_dump(sites, allow_unicode=True), encoding="utf-8")
        db = tmp_path / "province.db"
        ran = run([sys.executable, "-m", "archive.app.crawl", "--db", str(db), "--sites",
                   str(sites_file), "--parallel", str(parallel)], timeout=1200)
        assert ran.returncode == 0, ran.stderr[-3000:]
        assert f"crawled {len(sites)} sites:" in ran.stdout
    return province, db, sites


def overlaps(requests: list[tuple[str, str, float, float, int]]) -> list[str]:
    """Requests on one host whose [head received, answer written] intervals overlap."""
    by_host: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
    for host, path, began, ended, _ in requests:
        by_host[host].append((began, ended, path))
    found = []
    for host, spans in by_host.items():
        spans.sort()
        for (_, end, path), (start, _, later) in pairwise(spans):
            if start < end:
                found.append(f"{host}: {later} began before {path} was answered")
    return found


def check_province(tmp_path: Path, portals: int, county_every: int, parallel: int) -> None:
    province, db, sites = crawl_province(tmp_path, portals, county_every, parallel,
                                         latency=0.01)
    expected = province.report_urls()
    assert len(expected) == len(sites) > portals  # county hosts carry several sites
    found = {url: site for url, site in query(
        db, "SELECT u.url, r.site_id FROM report_urls u JOIN reports r ON r.id = u.report_id")}
    for site_id, urls in expected.items():
        assert urls, site_id
        missing = [url for url in urls if url not in found]
        assert not missing, f"{site_id}: {len(missing)} reports not found, e.g. {missing[0]}"
        assert {found[url] for url in urls} == {site_id}
    statuses = dict(query(db, "SELECT site_id, status FROM site_status"))
    assert statuses == {site["id"]: "ok" for site in sites}
    runs = query(db, "SELECT site_id, status, reports_found FROM crawl_runs")
    assert sorted(r[0] for r in runs) == sorted(expected)
    assert all(r[1] == "ok" and r[2] == len(expected[r[0]]) for r in runs)
    hosts = {host for host, *_ in province.requests}
    assert hosts == set(province.hosts())
    assert overlaps(province.requests) == []


def test_overlaps_finds_two_requests_in_flight_on_one_host() -> None:
    log = [("127.77.0.1", "/a", 1.0, 2.0, 200), ("127.77.0.1", "/b", 1.5, 2.5, 200),
           ("127.77.0.2", "/c", 1.5, 2.5, 200), ("127.77.0.2", "/d", 2.5, 3.0, 200)]
    assert overlaps(log) == ["127.77.0.1: /b began before /a was answered"]


def test_province_crawl_finds_every_report_one_request_per_host(tmp_path: Path) -> None:
    check_province(tmp_path, portals=12, county_every=4, parallel=5)


@pytest.mark.slow
def test_province_of_300_portals(tmp_path: Path) -> None:
    check_province(tmp_path, portals=300, county_every=10, parallel=64)
