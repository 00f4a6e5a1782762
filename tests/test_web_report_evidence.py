"""The report page shows a report's hijack evidence, the substitution inferred, and its
nearest copy neighbours with the shared passages marked side by side (issue #15).

The hijack half reads the demo archive (the five demo portals crawled over loopback, with
the real seed page's `UedBet体育` written for 政务公开); the copy half the generated corpus of
test_derive_similar.py (known clusters: 甲乙丙, 丁戊, and 己 copying its own 2020)."""

from __future__ import annotations

import re
import sqlite3
from datetime import date
from html import unescape
from pathlib import Path

import pytest
from datasette.app import Datasette
from helpers.demo_archive import DemoArchive, demo_archive
from test_derive_similar import CORPUS, IDS

from archive.db import Archive
from archive.derive.similar import derive_similar
from archive.parse.hijack import LABELS
from archive.web.app import make_datasette


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoArchive:
    return demo_archive(tmp_path_factory.mktemp("demo-evidence"))


def section(html: str, ident: str) -> str:
    """The `<section … id="ident">` element's markup ('' when the page has none)."""
    found = re.search(rf'<section[^>]*id="{ident}".*?</section>', html, re.DOTALL)
    return found.group(0) if found else ""


async def test_the_seed_report_shows_the_phrase_and_its_evidence(demo: DemoArchive) -> None:
    [seed] = [e for e in demo.truth
              if e["substituted"] and e["substituted"]["phrase"] == "政务公开" and e["rid"]]
    with sqlite3.connect(demo.db) as conn:
        kinds = {k for (k,) in conn.execute(
            "SELECT DISTINCT e.kind FROM hijack_evidence e JOIN report_urls u "
            "ON u.url_key = e.url_key WHERE u.report_id = ?", [seed["rid"]])}
        [(site, restored)] = conn.execute(
            "SELECT r.site_id, s.restored_title FROM reports r JOIN report_substitutions s "
            "ON s.report_id = r.id WHERE r.id = ?", [seed["rid"]]).fetchall()
    assert kinds  # the seed page carries evidence (its title at least)
    ds = make_datasette(demo.db, public=True)
    response = await ds.client.get(f"/nianbao/reports/{seed['rid']}")
    assert response.status_code == 200
    box = section(response.text, "hijack-evidence")
    assert box, "no evidence box on the seed report's page"
    phrase = re.search(r'<td class="phrase"><strong>(.*?)</strong>', box)
    assert phrase and unescape(phrase.group(1)) == "政务公开"
    assert seed["substituted"]["token"] in unescape(box)
    assert restored and "政务公开" in restored and unescape(box).count(restored) == 1
    shown = set(re.findall(r'<tr data-kind="([a-z_]+)">', box))
    assert shown == kinds
    for kind in kinds:
        assert LABELS[kind] in unescape(box)
    captures = re.findall(r'href="/-/capture/(\d+)/view"', box)
    assert len(captures) == len(kinds)
    for capture in set(captures):
        assert (await ds.client.get(f"/-/capture/{capture}/view")).status_code == 200
    link = re.search(r'id="hijacked-site" href="([^"]+)"', box)
    assert link and unescape(link.group(1)) == f"/-/hijacked?site={site}"
    # the filtered hijacked page keeps that site, and an unknown one keeps nothing
    only = (await ds.client.get(unescape(link.group(1)))).text
    assert 'id="site-filter"' in only and 'id="hijacked-portals"' in only
    assert "政务公开" in only  # its substitution listed
    none = (await ds.client.get("/-/hijacked?site=no-such-site")).text
    assert 'id="no-hijacks"' in none


async def test_a_clean_report_has_no_evidence_box(demo: DemoArchive) -> None:
    clean = next(e for e in demo.truth if not e["evidence"] and not e["substituted"]
                 and e["rid"] and e["portal"] != "mirror")
    ds = make_datasette(demo.db, public=True)
    page = (await ds.client.get(f"/nianbao/reports/{clean['rid']}")).text
    assert 'id="hijack-evidence"' not in page and "<h1>" in page


@pytest.fixture
def copies(tmp_path: Path) -> Datasette:
    path = tmp_path / "copies.db"
    with Archive(path) as archive:
        for item in CORPUS.values():
            archive.save_report(item, capture_id=None, site_id=None)
        with archive.db.atomic():
            derive_similar(archive, date(2026, 2, 15))
    return make_datasette(path)


async def test_nearest_copies_are_listed_with_passages_side_by_side(copies: Datasette) -> None:
    page = (await copies.client.get(f"/nianbao/reports/{IDS['甲2021']}")).text
    box = section(page, "similar")
    assert box
    linked = set(re.findall(r'<a href="/nianbao/reports/([^"]+)">', box))
    assert linked == {IDS["乙2021"], IDS["丙2021"]}
    pairs = re.findall(r'<div class="mine">(.*?)</div>\s*<div class="theirs">(.*?)</div>', box, re.DOTALL)
    assert pairs
    own, other = CORPUS["甲2021"].text, CORPUS["乙2021"].text
    for mine, theirs in pairs:
        [a] = re.findall(r"<mark>(.*?)</mark>", mine)
        [b] = re.findall(r"<mark>(.*?)</mark>", theirs)
        a, b = unescape(a), unescape(b)
        assert len(a) >= 12 and (a in own or " … " in a)
        assert b in other or b in CORPUS["丙2021"].text or " … " in b
        han_a, han_b = re.sub(r"[^\u3400-\u9fff]", "", a), re.sub(r"[^\u3400-\u9fff]", "", b)
        assert len(han_b) >= 12 and (han_a.startswith(han_b) or han_b.startswith(han_a))
    # the self-copier's page shows its own previous year, a unique report none
    self_page = (await copies.client.get(f"/nianbao/reports/{IDS['己2021']}")).text
    assert set(re.findall(r'<a href="/nianbao/reports/([^"]+)">',
                          section(self_page, "similar"))) == {IDS["己2020"]}
    alone = (await copies.client.get(f"/nianbao/reports/{IDS['庚2020']}")).text
    assert 'id="similar"' not in alone
