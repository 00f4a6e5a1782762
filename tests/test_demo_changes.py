"""The demo portals over time (demo/changes.py): states, validators, 304s, gzip, admin."""

from __future__ import annotations

import gzip
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from demo.changes import STATES
from demo.server import DemoPortals


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoPortals]:
    with DemoPortals() as portals:
        yield portals


@pytest.fixture(autouse=True)
def state_zero(demo: DemoPortals) -> Iterator[None]:
    demo.set_state(0)
    yield
    demo.set_state(0)


def fetch(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_every_kind_of_change_names_urls(demo: DemoPortals) -> None:
    changes = demo.changes()
    assert set(changes) == {"edited", "removed", "unlisted", "soft_404", "failing", "added"}
    assert all(changes.values()), changes


def test_state_one_changes_what_the_portals_serve(demo: DemoPortals) -> None:
    changes = demo.changes()
    before = {kind: [fetch(u)[0] for u in urls] for kind, urls in changes.items()}
    assert all(status == 200 for kind, statuses in before.items() if kind != "added"
               for status in statuses)
    assert before["added"] == [404]
    demo.set_state(1)
    assert [fetch(u)[0] for u in changes["removed"]] == [404]
    assert {fetch(u)[0] for u in changes["failing"]} == {500}
    status, _, body = fetch(changes["soft_404"][0])
    assert status == 200 and "已删除".encode("gb18030") in body
    assert fetch(changes["unlisted"][0])[0] == 200
    assert fetch(changes["added"][0])[0] == 200
    assert "核对更正" in fetch(changes["edited"][0])[2].decode("utf-8")


def column_1229(demo: DemoPortals) -> bytes:
    """The Hanweb column: the inlined records and the rest from its data proxy."""
    base = demo.portals["qujiang"]
    return fetch(base + "col/col1229/index.html")[2] + fetch(
        base + "module/web/jpage/dataproxy.jsp?startrecord=16&endrecord=45&perpage=15"
               "&columnid=1229")[2]


def test_unlisted_report_leaves_its_list(demo: DemoPortals) -> None:
    url = demo.changes()["unlisted"][0]
    path = url.split("/", 3)[3]
    assert path.encode() in column_1229(demo)
    demo.set_state(1)
    assert path.encode() not in column_1229(demo)
    assert fetch(url)[0] == 200


def test_validators_by_server_and_304s(demo: DemoPortals) -> None:
    trs, hanweb = demo.changes()["edited"][0], demo.changes()["edited"][-1]
    oldasp = demo.changes()["failing"][0]
    _, headers, _ = fetch(trs)
    assert headers["ETag"].startswith('"') and "Last-Modified" in headers
    assert fetch(trs, **{"If-None-Match": headers["ETag"]})[:1] == (304,)
    _, hanweb_headers, _ = fetch(hanweb)
    assert "ETag" not in hanweb_headers
    since = {"If-Modified-Since": hanweb_headers["Last-Modified"]}
    assert fetch(hanweb, **since)[0] == 304
    assert not {"ETag", "Last-Modified"} & set(fetch(oldasp)[1])
    demo.set_state(1)  # the edit changes both validators
    assert fetch(trs, **{"If-None-Match": headers["ETag"]})[0] == 200
    assert fetch(hanweb, **since)[0] == 200


def test_trs_pages_are_gzipped_for_clients_that_accept_it(demo: DemoPortals) -> None:
    url = demo.changes()["edited"][0]
    plain = fetch(url)[2]
    _, headers, body = fetch(url, **{"Accept-Encoding": "gzip"})
    assert headers.get("Content-Encoding") == "gzip" and gzip.decompress(body) == plain


def test_state_two_empties_one_portals_lists(demo: DemoPortals) -> None:
    base = demo.portals["shihua"]
    lists = [base + p for p in ("", "list.asp?classid=3", "list.asp?classid=3&page=2",
                                "list.asp?classid=3&page=3")]
    reports = {u.removeprefix(base) for e in demo.ground_truth()
               if e["portal"] == "shihua" and e["kind"] == "report" for u in e["urls"]}

    def linked() -> set[str]:
        pages = b"".join(fetch(u)[2] for u in lists).decode("gb18030")
        return {path for path in reports if f'"{path}"' in pages}

    assert linked()
    demo.set_state(2)
    assert linked() == set()


def test_admin_endpoint_switches_state_and_robots_disallows_it(demo: DemoPortals) -> None:
    base = demo.portals["fusong"]
    assert b"Disallow: /admin/" in fetch(base + "robots.txt")[2]
    assert fetch(base + "admin/state?set=1")[2] == b"state 1\n"
    assert demo.state == 1 and fetch(demo.changes()["removed"][0])[0] == 404
    assert fetch(base + f"admin/state?set={max(STATES) + 1}")[0] == 400
