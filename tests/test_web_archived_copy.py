"""Archived copies (#14): a capture shown as captured, sandboxed; raw bytes as a download."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import unquote

import pytest
from datasette.app import Datasette

from archive.db import Archive
from archive.web.app import make_datasette
from archive.web.archived_copy import content_disposition, sanitise_name

PAGE = ('<html><head><meta charset="gb2312"><title>泉阳镇年报</title></head><body>'
        '<p id="s">脚本未运行</p><script>document.getElementById("s").textContent="ran"'
        '</script></body></html>').encode("gb18030")
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


@pytest.fixture(scope="module")
def archive_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    path = tmp_path_factory.mktemp("copies") / "archive.db"
    with Archive(path) as archive:
        ids = {
            "page": archive.add_capture("http://127.0.0.1:1/t.html", status=200,
                                        headers={"Content-Type": "text/html"}, body=PAGE),
            "pdf": archive.add_capture(
                "http://127.0.0.1:1/downfile.jsp?id=3", status=200,
                headers={"Content-Type": "application/pdf",
                         "Content-Disposition": "attachment; filename*=UTF-8''"
                                                "%E6%8A%A5%E5%91%8A.pdf"}, body=PDF),
            "bare": archive.add_capture("http://127.0.0.1:1/files/%E5%B9%B4%E6%8A%A5.doc",
                                        status=200, headers={}, body=b"\xd0\xcf\x11\xe0doc"),
            "failed": archive.add_capture("http://127.0.0.1:1/x.html", status=None,
                                          headers={}, body=None, error="timeout"),
        }
        archive.db.conn.commit()
    return path, ids


@pytest.fixture
def datasette(archive_file: tuple[Path, dict[str, int]]) -> Datasette:
    return make_datasette(archive_file[0])


async def test_view_frames_the_copy_in_a_sandbox(datasette: Datasette,
                                                 archive_file: tuple[Path, dict[str, int]]) -> None:
    cid = archive_file[1]["page"]
    response = await datasette.client.get(f"/-/capture/{cid}/view")
    assert response.status_code == 200
    html = response.text
    assert 'sandbox="" referrerpolicy="no-referrer"' in html
    assert f'src="/-/capture/{cid}/page"' in html and "allow-scripts" not in html
    assert "存档副本" in html and hashlib.sha256(PAGE).hexdigest() in html
    assert "http://127.0.0.1:1/t.html" in html
    assert response.headers["x-frame-options"] == "DENY"  # the outer page is ours, as always


async def test_the_archived_page_runs_nothing_and_fetches_nothing(
        datasette: Datasette, archive_file: tuple[Path, dict[str, int]]) -> None:
    response = await datasette.client.get(f"/-/capture/{archive_file[1]['page']}/page")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "脚本未运行" in response.text  # GB2312-declared bytes decoded
    policy = dict(d.strip().split(" ", 1) if " " in d.strip() else (d.strip(), "")
                  for d in response.headers["content-security-policy"].split(";"))
    assert policy["default-src"] == "'none'" and "sandbox" in policy
    assert policy["frame-ancestors"] == "'self'" and "script-src" not in policy
    assert policy["img-src"] == "data:" and policy["style-src"] == "'unsafe-inline'"
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(("which", "name", "kind"), [
    ("pdf", "报告.pdf", "application/pdf"),
    ("bare", "年报.doc", "application/octet-stream"),
    ("page", "t.html", "text/html"),
])
async def test_raw_download_is_the_stored_bytes(datasette: Datasette, which: str, name: str,
                                                kind: str,
                                                archive_file: tuple[Path, dict[str, int]]) -> None:
    response = await datasette.client.get(f"/-/capture/{archive_file[1][which]}/raw")
    assert response.status_code == 200
    body = {"pdf": PDF, "page": PAGE}.get(which)
    if body is not None:
        assert hashlib.sha256(response.content).hexdigest() == hashlib.sha256(body).hexdigest()
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; ")
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == name
    assert response.headers["content-type"] == kind
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", ["/-/capture/{failed}/raw", "/-/capture/{failed}/page",
                                  "/-/capture/999999/raw", "/-/capture/999999/view",
                                  "/-/capture/{pdf}/page"])
async def test_missing_bodies_are_404(datasette: Datasette, path: str,
                                      archive_file: tuple[Path, dict[str, int]]) -> None:
    response = await datasette.client.get(path.format(**archive_file[1]))
    assert response.status_code == 404


async def test_blobs_stay_hidden(datasette: Datasette) -> None:
    assert (await datasette.client.get("/nianbao/blobs.json")).status_code == 403


@pytest.mark.parametrize(("name", "expected"), [
    ("../../etc/passwd", "etc_passwd"), ('a"b\r\nSet-Cookie: x', "a_b_Set-Cookie_ x"),
    ("", "capture-7"), ("...", "capture-7"), ("报告 2021.pdf", "报告 2021.pdf"),
    ("x" * 300 + ".pdf", "x" * 146 + ".pdf"),
])
def test_file_names_are_sanitised(name: str, expected: str) -> None:
    assert sanitise_name(name, 7) == expected
    header = content_disposition(sanitise_name(name, 7))
    assert "\r" not in header and "\n" not in header and header.isascii()
