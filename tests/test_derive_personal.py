"""The personal-data derive step: findings stored masked, masked texts, rescans on change."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import date
from pathlib import Path

from archive.db import Archive, report_id
from archive.derive import derive_all, steps
from archive.derive.personal import derive_personal
from archive.records import Report

TODAY = date(2026, 2, 15)
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def with_check(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


ID_NUMBER = with_check("15062719850615123")
LEAKY = (f"2021年,我镇收到政府信息公开申请1件。申请人张三丰(身份证号{ID_NUMBER},"
         "手机13812345678)申请公开征地补偿资料,已按期答复。联系电话:0477-8512345。")
CLEAN = "2021年,我镇未收到政府信息公开申请。联系电话:0477-8512345。"


def report(town: str, text: str, year: int = 2021) -> Report:
    title = f"{town}{year}年政府信息公开工作年度报告"
    return Report(url=f"http://127.0.0.1:1/{town}/{year}.html", title=title, title_raw=title,
                  text=text, town=town, county="伊金霍洛旗", report_year=year)


def save(archive: Archive, item: Report) -> str:
    archive.save_report(item, capture_id=None, site_id=None)
    return report_id(item)


def rows(archive: Archive, sql: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in archive.db.execute(sql).fetchall()]


def test_the_step_is_registered() -> None:
    assert derive_personal in steps()


def test_findings_are_stored_masked_never_raw(db_path: Path) -> None:
    with Archive(db_path) as archive:
        leaky, clean = save(archive, report("成吉思汗镇", LEAKY)), save(archive, report("红庆河镇", CLEAN))
        with archive.transaction():
            counts = derive_personal(archive, TODAY)
        assert counts == {"personal data found": 3}
        found = rows(archive, "SELECT report_id, kind, masked FROM personal_data "
                     "ORDER BY report_id, start")
        masked_id = ID_NUMBER[:3] + "*" * 11 + ID_NUMBER[-4:]
        expected = {clean: [(clean, "landline", "0477-***2345")],
                    leaky: [(leaky, "name", "张**"), (leaky, "id_number", masked_id),
                            (leaky, "mobile", "138****5678"), (leaky, "landline", "0477-***2345")]}
        assert found == expected[min(clean, leaky)] + expected[max(clean, leaky)]
        served = "\n".join(str(v) for row in rows(archive, "SELECT * FROM personal_data")
                           for v in row)
        served += "\n".join(str(v) for row in rows(archive, "SELECT * FROM reports_masked")
                            for v in row)
        for raw in (ID_NUMBER, "13812345678", "张三丰"):
            assert raw not in served
        digest = hashlib.sha256(ID_NUMBER.encode()).hexdigest()
        assert rows(archive, "SELECT kind FROM personal_data WHERE value_sha256 = "
                    f"'{digest}'") == [("id_number",)]
        [(rid, text, n)] = rows(archive, "SELECT report_id, text, findings FROM reports_masked")
        assert (rid, n) == (leaky, 3)
        assert len(str(text)) == len(LEAKY) and "申请人张**(" in str(text)
        assert "0477-8512345" in str(text)  # the office's number stays readable
        [(context,)] = rows(archive, "SELECT context FROM personal_data WHERE kind = 'mobile'")
        assert "138****5678" in str(context) and "13812345678" not in str(context)


def test_only_changed_texts_are_scanned_again(db_path: Path) -> None:
    with Archive(db_path) as archive:
        item = report("成吉思汗镇", LEAKY)
        rid = save(archive, item)
        derive_all(archive, today=TODAY)
        first = rows(archive, "SELECT scanned_at FROM personal_scans")
        derive_all(archive, today=TODAY)
        assert rows(archive, "SELECT scanned_at FROM personal_scans") == first
        save(archive, dataclasses.replace(item, text=CLEAN))
        derive_all(archive, today=TODAY)
        assert rows(archive, "SELECT kind FROM personal_data WHERE report_id = "
                    f"'{rid}'") == [("landline",)]
        assert rows(archive, "SELECT count(*) FROM reports_masked") == [(0,)]
        with archive.transaction():
            archive.db.execute("DELETE FROM reports")
        derive_all(archive, today=TODAY)
        for table in ("personal_data", "reports_masked", "personal_scans"):
            assert rows(archive, f"SELECT count(*) FROM {table}") == [(0,)]
