"""The report page in Datasette lists the report's attachments."""

from __future__ import annotations

from pathlib import Path

import pytest
from datasette.app import Datasette

from archive.build import build_archive
from archive.db import Archive
from archive.web.app import make_datasette

FILES = Path(__file__).resolve().parent / "fixtures" / "attachments"
HOST = "http://127.0.0.1:9"
TITLE = "柳河镇2021年政府信息公开工作年度报告"
SCAN_TITLE = "英额布镇2016年政府信息公开工作年度报告"


def page(title: str, href: str) -> bytes:
    return (f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f'<h1>{title}</h1><div class="info">发布日期：2022-01-20</div>'
            f'<div id="zoom"><p>附件：<a href="{href}">{title}.pdf</a></p></div></body></html>'
            ).encode()


@pytest.fixture
def datasette(tmp_path: Path) -> Datasette:
    db_path = tmp_path / "archive.db"
    html = {"Content-Type": "text/html; charset=utf-8"}
    pdf = {"Content-Type": "application/pdf"}
    with Archive(db_path) as archive:
        for n, (title, fixture) in enumerate([(TITLE, "post2021.pdf"),
                                              (SCAN_TITLE, "scanned.pdf")]):
            url = f"{HOST}/ndbg/t{n}.html"
            archive.add_capture(url, status=200, headers=html, body=page(title, f"f{n}.pdf"))
            archive.add_capture(f"{HOST}/ndbg/f{n}.pdf", status=200, headers=pdf,
                                body=(FILES / fixture).read_bytes(), referrer=url,
                                link_text=f"{title}.pdf")
        build_archive(archive)
    return make_datasette(db_path)


async def report_page(datasette: Datasette, title: str) -> str:
    db = datasette.get_database("nianbao")
    rid = (await db.execute("select id from reports where title = ?", [title])).rows[0][0]
    response = await datasette.client.get(f"/nianbao/reports/{rid}")
    assert response.status_code == 200
    return response.text


async def test_report_page_lists_its_file(datasette: Datasette) -> None:
    html = await report_page(datasette, TITLE)
    assert f'<a href="{HOST}/ndbg/f0.pdf" rel="nofollow noopener">{TITLE}.pdf</a>' in html
    assert "<td>pdf</td>" in html and '<td class="status-ok">ok</td>' in html
    assert "/nianbao/captures/2" in html  # the stored file


async def test_unreadable_file_says_why(datasette: Datasette) -> None:
    html = await report_page(datasette, SCAN_TITLE)
    assert "needs_ocr: no text layer" in html
    assert "no text could be read" in html


async def test_attachments_table_is_browsable(datasette: Datasette) -> None:
    response = await datasette.client.get("/nianbao/attachments.json?_shape=array")
    assert response.status_code == 200
    assert {row["status"] for row in response.json()} == {"ok", "needs_ocr"}
