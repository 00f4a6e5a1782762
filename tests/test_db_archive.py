"""The archive file: captures, idempotent report upserts, preferred copies."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from archive.db import Archive, report_id, url_key
from archive.records import Report, Section


def make_report(url: str = "http://127.0.0.1/xxgk/t1.html", **overrides: object) -> Report:
    fields: dict = {
        "url": url, "title": "抚松镇2019年政府信息公开工作年度报告",
        "title_raw": "抚松镇2019年政府信息公开工作年度报告", "text": "一、总体情况\n本年度……",
        "town": "抚松镇", "report_year": 2019, "published": "2020-01-15", "format": "post2019",
        "sections": [Section(1, "一、总体情况", "本年度……"), Section(2, "(一)主动公开", "……")],
    }
    fields.update(overrides)
    return Report(**fields)  # type: ignore[arg-type]


def test_url_key_ignores_query_order_and_fragment() -> None:
    assert url_key("http://h/show.asp?id=12&classid=3#top") == url_key(
        "http://h/show.asp?classid=3&id=12")


def test_capture_body_roundtrip_and_dedup(db_path: Path) -> None:
    with Archive(db_path) as archive:
        body = "<html>政府信息公开</html>".encode("gb18030")
        first = archive.add_capture("http://h/a", status=200, headers={}, body=body)
        second = archive.add_capture("http://h/a", status=200, headers={}, body=body)
        assert archive.capture_body(first) == body == archive.capture_body(second)
        assert archive.db["blobs"].count == 1
        assert archive.db["captures"].count == 2


def test_failed_fetch_is_recorded_with_reason(db_path: Path) -> None:
    with Archive(db_path) as archive:
        cid = archive.add_capture("http://h/x", status=None, headers=None, body=None,
                                  error="TimeoutError: took longer than 30 s")
        row = archive.db["captures"].get(cid)
        assert row["error"].startswith("TimeoutError") and row["sha256"] is None


def test_saving_twice_never_duplicates(db_path: Path) -> None:
    with Archive(db_path) as archive:
        report = make_report()
        assert archive.save_report(report, capture_id=None) == "new"
        assert archive.save_report(report, capture_id=None) == "unchanged"
        assert archive.db["reports"].count == 1
        assert archive.db["sections"].count == 2


def test_same_report_under_two_urls_is_one_report(db_path: Path) -> None:
    with Archive(db_path) as archive:
        archive.save_report(make_report("http://h/xxgk/ndbg/t1.html"), capture_id=None)
        archive.save_report(make_report("http://h/zfxxgkml/t1.html"), capture_id=None)
        assert archive.db["reports"].count == 1
        assert archive.db["report_urls"].count == 2


def test_changed_text_is_an_update(db_path: Path) -> None:
    with Archive(db_path) as archive:
        archive.save_report(make_report(), capture_id=None, seen_at="2026-01-01T00:00:00Z")
        edited = make_report(text="一、总体情况\n改过的文字")
        assert archive.save_report(edited, capture_id=None,
                                   seen_at="2026-02-01T00:00:00Z") == "updated"
        row = archive.db["reports"].get(report_id(edited))
        assert row["text"].endswith("改过的文字")
        assert row["first_seen"] == "2026-01-01T00:00:00Z"
        assert row["last_seen"] == "2026-02-01T00:00:00Z"


def test_genuine_copy_wins_over_tampered_mirror(db_path: Path) -> None:
    with Archive(db_path) as archive:
        mirror = make_report("http://junk.example/xxgk/t1.html", tampered=True,
                             spam_terms=["UedBet体育"])
        genuine = make_report("http://z.gov.cn/xxgk/t1.html")
        archive.save_report(mirror, capture_id=None)
        assert archive.save_report(genuine, capture_id=None) == "updated"
        assert archive.save_report(mirror, capture_id=None) == "unchanged"
        row = archive.db["reports"].get(report_id(genuine))
        assert row["url"] == genuine.url and row["tampered"] == 0


def test_site_fills_missing_place_fields(db_path: Path) -> None:
    with Archive(db_path) as archive:
        archive.register_site({"id": "fs", "name": "抚松县人民政府", "province": "吉林省",
                               "county": "抚松县", "start_urls": ["http://h/"]})
        archive.save_report(make_report(), capture_id=None, site_id="fs")
        row = next(archive.db["reports"].rows)
        assert (row["province"], row["county"]) == ("吉林省", "抚松县")


def test_failed_write_rolls_back(db_path: Path) -> None:
    with Archive(db_path) as archive:
        archive.save_report(make_report(), capture_id=None)
        try:
            with archive.transaction():
                archive.clear_reports()
                raise RuntimeError("killed mid-build")
        except RuntimeError:
            pass
        assert archive.db["reports"].count == 1
    # a plain sqlite3 reader sees a consistent file
    conn = sqlite3.connect(db_path)
    assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert json.loads(conn.execute("select spam_terms from reports").fetchone()[0]) == []
    conn.close()


def test_report_id_is_the_same_whoever_fills_the_town(db_path: Path) -> None:
    with Archive(db_path) as archive:
        archive.register_site({"id": "own", "name": "成吉思汗镇", "town": "成吉思汗镇",
                               "start_urls": ["http://h/"]})
        archive.save_report(make_report(town=None), capture_id=None, site_id="own")
        filled = make_report(town="成吉思汗镇")
        assert archive.save_report(filled, capture_id=None, site_id="own") == "unchanged"
        assert archive.db["reports"].count == 1


def test_site_fills_places_only_where_the_page_was_silent(db_path: Path) -> None:
    with Archive(db_path) as archive:
        archive.register_site({"id": "s", "county": "扎兰屯市", "town": "成吉思汗镇",
                               "start_urls": ["http://h/"]})
        silent = archive.with_site_place(Report(url="http://h/a", title="t", title_raw="t",
                                                text="x"), "s")
        assert (silent.county, silent.town) == ("扎兰屯市", "成吉思汗镇")
        spoken = archive.with_site_place(Report(url="http://h/b", title="t", title_raw="t",
                                                text="x", town="浩饶山镇", county="某县"), "s")
        assert (spoken.county, spoken.town) == ("某县", "浩饶山镇")


def test_a_print_page_of_a_report_never_becomes_its_main_copy(db_path: Path) -> None:
    page = make_report("http://127.0.0.1/xxgk/t20200115_3.html")
    printed = make_report("http://127.0.0.1/xxgk/print.jsp?id=3", published=None, source=None)
    for first, second in ((page, printed), (printed, page)):
        with Archive(db_path, recreate=True) as archive:
            archive.save_report(first, capture_id=None)
            archive.save_report(second, capture_id=None)
            ((url, published),) = archive.db.execute("SELECT url, published FROM reports")
            assert (url, published) == (page.url, "2020-01-15")
            assert archive.db["report_urls"].count == 2
