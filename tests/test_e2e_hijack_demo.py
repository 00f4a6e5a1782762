"""Hijack evidence on the demo portals, crawled over real HTTP on loopback (issue #15):
every planted hijack found with the right kinds, no clean page flagged, the seed's
substitution inferred, and the /-/hijacked page listing the portal."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from helpers.demo_archive import DemoArchive, demo_archive
from w3lib.url import canonicalize_url

from archive.web.app import make_datasette


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoArchive:
    return demo_archive(tmp_path_factory.mktemp("demo-hijack"))


def evidence(db: Path) -> dict[str, set[str]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT url_key, kind FROM hijack_evidence").fetchall()
    found: dict[str, set[str]] = {}
    for key, kind in rows:
        found.setdefault(key, set()).add(kind)
    return found


def test_every_planted_hijack_is_found_with_its_kinds(demo: DemoArchive) -> None:
    """Each page shows exactly the evidence kinds the ground truth plants (demo/truth.py),
    cloaking included (the crawler's second fetch as Baiduspider)."""
    found = evidence(demo.db)
    planted = [e for e in demo.truth if e["evidence"]]
    assert {"cloaking", "hidden_links", "meta_spam", "js_redirect", "js_write",
            "site_meta"} <= {k for e in planted for k in e["evidence"]}
    for entry in planted:
        kinds = set().union(*(found.get(canonicalize_url(u), set()) for u in entry["urls"]))
        assert kinds == set(entry["evidence"]), (entry["urls"], entry["tamper"])


def test_both_captures_of_a_cloaked_page_are_kept(demo: DemoArchive) -> None:
    [cloaked] = [e for e in demo.truth if e["tamper"] == "cloaked"]
    with sqlite3.connect(demo.db) as conn:
        kinds = [k for (k,) in conn.execute(
            "SELECT kind FROM captures WHERE url = ? ORDER BY id", [cloaked["urls"][0]])]
        probes = conn.execute("SELECT count(*) FROM captures WHERE kind = 'cloak'").fetchone()[0]
        sites = conn.execute("SELECT count(DISTINCT site_id) FROM captures "
                             "WHERE kind = 'cloak'").fetchone()[0]
    assert kinds[0] == "candidate" and "cloak" in kinds
    assert sites == len({e["portal"] for e in demo.truth})  # each site probed at least once
    assert probes < len(demo.truth)  # not every page of every site


def test_no_clean_page_is_flagged(demo: DemoArchive) -> None:
    """Precision 1.00: evidence only on the hijacked portal's pages."""
    with sqlite3.connect(demo.db) as conn:
        sites = {s for (s,) in conn.execute("SELECT DISTINCT site_id FROM hijack_evidence")}
        scanned = conn.execute("SELECT count(*) FROM hijack_scans").fetchone()[0]
        captures = conn.execute("SELECT count(*) FROM captures "
                                "WHERE status BETWEEN 200 AND 299").fetchone()[0]
    clean_urls = {canonicalize_url(u) for e in demo.truth if not e["evidence"] for u in e["urls"]}
    assert sites == {"mirror"}
    assert not clean_urls & set(evidence(demo.db))
    assert scanned == captures  # every successful capture was read


def test_every_planted_substitution_is_inferred(demo: DemoArchive) -> None:
    """The seed's `UedBet体育` for 政务公开, the county name replaced by a brand: each
    inferred for its report, with the restored text beside the stored one."""
    planted = [e for e in demo.truth if e["substituted"]]
    assert {e["substituted"]["phrase"] for e in planted} >= {"政务公开"}
    with sqlite3.connect(demo.db) as conn:
        rows = {(rid, token): (phrase, confidence, restored) for rid, token, phrase,
                confidence, restored in conn.execute(
                    "SELECT report_id, token, phrase, confidence, restored_text "
                    "FROM report_substitutions")}
    for entry in planted:
        token, phrase = entry["substituted"]["token"], entry["substituted"]["phrase"]
        found = rows.get((entry["rid"], token))
        assert found is not None and found[0] == phrase, (entry["id"], found)
        assert found[1] >= 0.5 and token not in found[2] and phrase in found[2]
    assert len(rows) == len(planted)  # nothing inferred where nothing was substituted


async def test_the_hijacked_portals_page(demo: DemoArchive) -> None:
    ds = make_datasette(demo.db, public=True)
    response = await ds.client.get("/-/hijacked")
    assert response.status_code == 200
    html = response.text
    assert "被劫持的网站" in html and "隐藏链接" in html and "脚本跳转" in html
    assert "<script>var r" not in html  # snippets are escaped, never markup
    with sqlite3.connect(demo.db) as conn:
        [(affected, genuine)] = conn.execute(
            "SELECT reports_affected, genuine_copies FROM hijacked_portals").fetchall()
    mirror = [e for e in demo.truth if e["portal"] == "mirror" and e["rid"]]
    assert affected >= len(mirror)
    # a genuine copy is never a page with evidence; the clone's original is one
    hijacked = {canonicalize_url(u) for e in demo.truth if e["evidence"] for u in e["urls"]}
    assert genuine and not {canonicalize_url(u) for u in genuine.split()} & hijacked
    query = await ds.client.get("/nianbao/hijacked_portals.json")
    assert query.status_code == 200 and query.json()["rows"]
