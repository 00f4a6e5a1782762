"""The cloaking probe policy (crawler/cloak.py)."""

from __future__ import annotations

from archive.records import Report
from crawler.cloak import BAIDUSPIDER_UA, CloakProbes


def report(tampered: bool) -> Report:
    return Report(url="", title="t", title_raw="t", text="", tampered=tampered)


def nothing(*_: object) -> None:
    return None


def test_first_page_then_every_page_once_the_site_is_suspect() -> None:
    probes = CloakProbes(max_probes=4)
    assert probes.targets("a", report(False)) == ["a"]
    assert probes.targets("b", report(False)) == []
    assert probes.targets("c", report(False)) == []
    # a spam signal: every page read so far not yet probed, then every page after
    assert probes.targets("d", report(True)) == ["b", "c", "d"]
    assert probes.targets("e", report(False)) == []  # the cap of 4 is reached
    assert probes.targets("a", report(True)) == []  # never twice


def test_probe_requests_say_who_they_are() -> None:
    [request] = CloakProbes().requests("http://127.0.0.1:1/a.html", report(False), nothing,
                                       nothing)
    assert request.headers[b"User-Agent"].decode() == BAIDUSPIDER_UA
    assert request.meta["role"] == "cloak" and request.dont_filter
