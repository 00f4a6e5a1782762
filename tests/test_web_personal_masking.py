"""Personal data is served masked on every page type and in exports; the raw capture keeps
the bytes (issue #15). A real report page goes through the parser, the archive, derive,
Datasette and `nianbao export`."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from datasette.app import Datasette

from archive.db import Archive
from archive.derive import derive_all
from archive.export import write_export
from archive.ingest import ingest
from archive.parse import parse_report
from archive.parse.personal import id_check_digit
from archive.web.app import make_datasette

TODAY = date(2026, 2, 15)
FIRST17 = "15078219860312043"
ID_NUMBER = FIRST17 + id_check_digit(FIRST17)
WRONG = "0" if id_check_digit(FIRST17) != "0" else "1"
DOC_NUMBER = FIRST17 + WRONG  # same shape, wrong check digit: a document number, not a person
MOBILE = "13904711234"
NAME = "王建国"
RAW = (ID_NUMBER, MOBILE, NAME)
URL = "http://127.0.0.1:1/zwgk/ndbg/2021/t20220120_1.html"


def page(extra: str = "") -> bytes:
    paragraphs = [
        "根据《中华人民共和国政府信息公开条例》规定，现公布成吉思汗镇2021年政府信息公开工作年度报告。",
        "一、总体情况", "2021年，我镇主动公开政府信息126条，进一步规范了政府信息公开工作流程。",
        "二、收到和处理政府信息公开申请情况",
        (f"2021年收到申请人{NAME}（身份证号{ID_NUMBER}，联系电话{MOBILE}）提出的政府信息公开申请1件，"
         f"已依法答复。相关文件编号{DOC_NUMBER}已归档。联系电话：0470-3212345。{extra}"),
        "三、存在的主要问题及改进情况", "对照条例要求，我镇政府信息公开工作仍存在公开内容不够全面等问题。",
    ]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        "<html><head><meta charset='utf-8'><title>成吉思汗镇2021年政府信息公开工作年度报告</title></head>"
        "<body><div class='article'><h1>成吉思汗镇2021年政府信息公开工作年度报告</h1>"
        "<div class='info'>发布时间：2022-01-20 来源：成吉思汗镇</div>"
        f"<div class='content'>{body}</div></div></body></html>").encode()


@pytest.fixture(scope="module")
def archive_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, int]:
    path = tmp_path_factory.mktemp("masking") / "archive.db"
    with Archive(path) as archive:
        captures = []
        for extra in ("", "本年度无收费。"):  # two versions of the report
            cid = archive.add_capture(URL, status=200, headers={"Content-Type": "text/html"},
                                      body=page(extra))
            [stored] = [s for s in archive.iter_bodies() if s.capture_id == cid]
            reading, _ = ingest(archive, stored) or (None, None)
            assert reading is not None and reading.report is not None, reading
            captures.append(cid)
        derive_all(archive, today=TODAY)
        rid = archive.db.execute("SELECT id FROM reports").fetchone()[0]
        archive.db.conn.commit()
    return path, rid, captures[-1]


def assert_masked(text: str) -> None:
    for raw in RAW:
        assert raw not in text, f"{raw} served"
    assert DOC_NUMBER in text or "文件编号" not in text  # an invalid checksum stays


async def get(ds: Datasette, path: str, **params: str) -> str:
    response = await ds.client.get(path, params=params)
    assert response.status_code == 200, (path, response.status_code)
    if path.endswith(".json"):  # read the JSON's strings, not its \u escapes
        return json.dumps(response.json(), ensure_ascii=False)
    return response.text


async def test_every_page_type_serves_masked_text(archive_file: tuple[Path, str, int]) -> None:
    path, rid, cid = archive_file
    ds = make_datasette(path)
    masked_id = ID_NUMBER[:3] + "*" * 11 + ID_NUMBER[-4:]
    report_page = await get(ds, f"/nianbao/reports/{rid}")
    assert masked_id in report_page and "139****1234" in report_page and "王**" in report_page
    assert DOC_NUMBER in report_page  # a document number is not a person's ID
    pages = [
        report_page,
        await get(ds, f"/nianbao/reports/{rid}.json"),
        await get(ds, "/nianbao/reports.json", _shape="array"),
        await get(ds, "/nianbao/reports.csv"),
        await get(ds, "/nianbao/sections.json", _shape="array"),
        await get(ds, "/nianbao/sections.csv"),
        await get(ds, "/nianbao/report_versions.json", _shape="array"),
        await get(ds, "/nianbao/report_versions.csv"),
        await get(ds, "/nianbao/reports_masked.json", _shape="array"),
        await get(ds, "/nianbao/personal_data.json", _shape="array"),
        await get(ds, "/-/search", q="政府信息公开申请"),
        await get(ds, "/-/search.json", q="身份证号"),
        await get(ds, f"/-/capture/{cid}/page"),
    ]
    for version in (1, 2):
        pages.append(await get(ds, f"/nianbao/report_versions/{rid},{version}"))
    for text in pages:
        assert_masked(text)
    assert "身份证号" in pages[11] and masked_id in pages[11]  # the snippet shows the mask


async def test_the_raw_number_finds_nothing(archive_file: tuple[Path, str, int]) -> None:
    path, _, _ = archive_file
    ds = make_datasette(path)
    for query in (ID_NUMBER, MOBILE, NAME):
        data = json.loads(await get(ds, "/-/search.json", q=query))
        assert data["total"] == 0, query
    assert json.loads(await get(ds, "/-/search.json", q=DOC_NUMBER))["total"] >= 1


async def test_raw_bytes_are_kept_and_refused_to_the_public(
        archive_file: tuple[Path, str, int]) -> None:
    path, _, cid = archive_file
    raw = await make_datasette(path).client.get(f"/-/capture/{cid}/raw")
    assert raw.status_code == 200 and ID_NUMBER.encode() in raw.content
    public = await make_datasette(path, public=True).client.get(f"/-/capture/{cid}/raw")
    assert public.status_code == 403 and ID_NUMBER.encode() not in public.content


def test_exports_are_masked(archive_file: tuple[Path, str, int]) -> None:
    path, _, _ = archive_file
    with Archive(path) as archive:
        for fmt in ("jsonl", "csv"):
            out = io.StringIO()
            assert write_export(archive, out, fmt) == 1
            assert_masked(out.getvalue())
            assert DOC_NUMBER in out.getvalue()


def test_an_archive_stored_raw_is_masked_by_derive(tmp_path: Path) -> None:
    """Reports saved before masking existed hold raw text: derive masks them in place."""
    path = tmp_path / "old.db"
    with Archive(path) as archive:
        cid = archive.add_capture(URL, status=200, headers={"Content-Type": "text/html"},
                                  body=page())
        [stored] = list(archive.iter_bodies())
        ingest(archive, stored)
        # The text as parsed, before the save masked it (masking keeps lengths, so the
        # section offsets hold for it too)
        raw_text = parse_report(URL, page(), {"Content-Type": "text/html"}).text
        with archive.transaction():  # what an older version stored
            archive.db.execute("UPDATE reports SET personal_findings = NULL, text = ?",
                               [raw_text])
            archive.db.execute("UPDATE report_versions SET text = ?", [raw_text])
        derive_all(archive, today=TODAY)
        for table, column in (("reports", "text"), ("report_versions", "text"),
                              ("sections", "text")):
            for (value,) in archive.db.execute(f"SELECT {column} FROM {table}"):
                assert_masked(value or "")
        kinds = {k for (k,) in archive.db.execute("SELECT kind FROM personal_data")}
        assert {"id_number", "mobile", "name", "landline"} <= kinds
        assert cid
