"""The SSRF guard in a real crawl, on loopback only (issue #12).

One crawl (a subprocess, from a sites.yml) of three sites, with the resolver told by
NIANBAO_RESOLVE_OVERRIDES that `portal.example.test` is 127.0.0.2 (no real name is ever
resolved; every connection stays in 127.0.0.0/8):

- `named`: http://portal.example.test:P/ — not loopback by name, so it is guarded, and its
  address is loopback: refused, recorded, an error; the server behind it is never asked;
- `lan`: the same server by its literal http://127.0.0.2:P/ — a loopback site: crawled;
- `local`: a loopback portal whose column redirects to another port of its host: refused
  and noted on the redirect's capture; the other port is never asked.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.crawl import Crawl, run_crawl
from helpers.loopback import serve_routes

ROOT = Path(__file__).resolve().parent.parent
SEED = Path(__file__).resolve().parent / "fixtures" / "seed" / "chengjisihan_2016.html"
HTML = {"Content-Type": "text/html; charset=utf-8"}
NAME = "portal.example.test"


def page(body: str) -> str:
    return f"<html><head><title>某镇人民政府</title></head><body>{body}</body></html>"


def portal(other_port: int | None = None) -> dict:
    column = '<a href="/ndbg/t20170210_1.html">成吉思汗镇2016年政府信息公开工作年度报告</a>'
    moved = '<a href="/moved/">政府信息公开年度报告</a>' if other_port else ""
    routes: dict = {
        "/": (200, HTML, page(f'<a href="/ndbg/">政府信息公开年报</a>{moved}')),
        "/ndbg/": (200, HTML, page(column)),
        "/ndbg/t20170210_1.html": (200, HTML, SEED.read_bytes()),
    }
    if other_port:
        routes["/moved/"] = (302, {"Location": f"http://127.0.0.1:{other_port}/admin/"}, "")
    return routes


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    folder = tmp_path_factory.mktemp("guard")
    with (serve_routes(portal(), host="127.0.0.2") as second,
          serve_routes({}) as other, serve_routes(portal(other.port)) as local):
        sites = [
            {"id": "named", "start_urls": [f"http://{NAME}:{second.port}/"]},
            {"id": "lan", "start_urls": [second.url]},
            {"id": "local", "start_urls": [local.url]},
        ]
        (folder / "sites.yml").write_text(json.dumps({"sites": sites}), encoding="utf-8")
        db = folder / "a.db"
        env = {**os.environ, "NIANBAO_RESOLVE_OVERRIDES": json.dumps({NAME: "127.0.0.2"})}
        crawled = run_crawl(db, "--sites", str(folder / "sites.yml"), env=env)
        crawled.portals = {"second": second, "other": other, "local": local}
        yield crawled


def test_a_name_resolving_to_loopback_is_refused_recorded_and_an_error(crawl: Crawl) -> None:
    rows = crawl.rows("SELECT status, error FROM captures WHERE site_id = 'named' "
                      "AND url = ?", f"http://{NAME}:{crawl.portals['second'].port}/")
    assert rows == [(None, "refused: resolves to a loopback address 127.0.0.2")]
    ((status, errors, detail),) = crawl.rows(
        "SELECT status, errors, error_detail FROM crawl_runs WHERE site_id = 'named'")
    assert status == "failed" and errors >= 1 and "refused: resolves to" in detail
    assert "named" in crawl.summary["failed_sites"]


def test_the_server_behind_the_refused_name_was_never_asked(crawl: Crawl) -> None:
    hosts = {request.headers.get("Host") for request in crawl.portals["second"].requests}
    assert hosts and not any(NAME in str(host) for host in hosts)


def test_an_explicit_loopback_site_is_crawled(crawl: Crawl) -> None:
    assert crawl.rows("SELECT status, errors FROM crawl_runs WHERE site_id = 'lan'") == \
        [("ok", 0)]
    assert crawl.rows("SELECT count(*) FROM report_urls WHERE url LIKE 'http://127.0.0.2:%'") \
        == [(1,)]


def test_a_redirect_to_another_port_of_the_same_host_is_refused_and_noted(crawl: Crawl) -> None:
    assert crawl.portals["other"].paths == []
    url = crawl.portals["local"].origin + "/moved/"
    ((status, note),) = crawl.rows("SELECT status, note FROM captures WHERE url = ?", url)
    other = crawl.portals["other"].port
    assert status == 302
    assert note == (f"redirect to http://127.0.0.1:{other}/admin/ not followed: "
                    f"off the portal (127.0.0.1:{other})")
    assert crawl.rows("SELECT count(*) FROM report_urls WHERE url LIKE ?",
                      crawl.portals["local"].origin + "/%") == [(1,)]
