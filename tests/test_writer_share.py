"""The one writer's per-page work cut further (issue #10, docs/scale.md "The writer's
share per page"): link-label verdicts come back from the parser workers, links are judged
once per crawl process, and a report's `seen_at` travels with it from the capture instead
of being read back. What must not change: the verdicts, the roles and the stored rows."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from archive.db import Archive
from archive.ingest import read_capture, save_reading
from archive.records import Report
from crawler import analysis
from crawler.analysis import Analyser, analyse, classify_label, judge_label
from crawler.discovery import Link
from crawler.items import ReportItem
from crawler.middlewares import CAPTURE_TIME
from crawler.pipelines import fetched_at
from crawler.sites import site_from_url
from crawler.spiders.portal import judge_link, judge_link_on_report

ROOT = Path(__file__).resolve().parent.parent
LIST_PAGE = """<html><head><title>年度报告_高家镇人民政府</title></head><body>
<ul class="nav"><li><a href="/xxgk/">政府信息公开</a></li><li><a href="/gkzn/">政府信息公开指南</a></li>
<li><a href="/news/">新闻动态</a></li></ul>
<ul class="list">
<li><a href="/ndbg/2023.html">高家镇2023年政府信息公开工作年度报告</a></li>
<li><a href="/ndbg/2022.html" title="高家镇2022年政府信息公开工作年度报告">高家镇2022年政府信息...</a></li>
<li><a href="/ndbg/x.html">栏目：高家镇2021年政府信息公开工作年度报告</a></li>
</ul></body></html>"""


@pytest.fixture(autouse=True)
def empty_label_cache() -> Any:
    analysis.KNOWN_LABELS.clear()
    yield
    analysis.KNOWN_LABELS.clear()


def test_the_scan_carries_a_verdict_for_every_link_label() -> None:
    found = analyse("http://127.0.0.1:9/ndbg/", LIST_PAGE.encode(), {}, LIST_PAGE, 2026, False)
    labels = {link.label for link in found.scan.links}
    assert labels and set(found.labels) == labels
    analysis.KNOWN_LABELS.clear()  # the verdicts are judge_label's, computed afresh
    assert all(found.labels[label] == judge_label(label) for label in labels)
    assert found.labels["高家镇2022年政府信息公开工作年度报告"] == analysis.REPORT
    assert found.labels["栏目：高家镇2021年政府信息公开工作年度报告"] == analysis.REPORT
    assert found.labels["政府信息公开指南"] == analysis.DECOY
    assert found.labels["新闻动态"] is None


def test_the_writer_remembers_the_workers_verdicts() -> None:
    analyser = Analyser(workers=1)
    try:
        assert analyser.pool is not None
        found = asyncio.run(analyser.analyse(
            "http://127.0.0.1:9/ndbg/", LIST_PAGE.encode(), {"Content-Type": "text/html"},
            lambda: LIST_PAGE, 2026, False))
    finally:
        analyser.close()
    # Judged in the worker process: this process has them without judging again.
    assert found.labels and analysis.KNOWN_LABELS == found.labels


def test_a_remembered_verdict_is_the_verdict() -> None:
    analysis.remember_labels({"新闻动态": analysis.REPORT})  # what a look-up returns
    assert classify_label("新闻动态") == analysis.REPORT
    analysis.KNOWN_LABELS.clear()
    assert classify_label("新闻动态") is None
    assert analysis.KNOWN_LABELS == {"新闻动态": None}


def test_the_label_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analysis, "KNOWN_LABELS_MAX", 3)
    for label in ("甲", "乙", "丙", "丁"):
        classify_label(label)
    assert len(analysis.KNOWN_LABELS) <= 3 and "丁" in analysis.KNOWN_LABELS


def test_a_judged_link_is_judged_the_same_the_second_time() -> None:
    links = [Link("http://h/ndbg/2023.html", text="高家镇2023年政府信息公开工作年度报告"),
             Link("http://h/gkzn/", text="政府信息公开指南"),
             Link("http://h/xxgk/gkml/", text="政府信息公开目录"),
             Link("http://h/files/a.pdf", text="附件")]
    first = [(judge_link(k, False), judge_link(k, True), judge_link_on_report(k)) for k in links]
    judge_link.cache_clear()
    judge_link_on_report.cache_clear()
    again = [(judge_link(k, False), judge_link(k, True), judge_link_on_report(k)) for k in links]
    assert first == again
    assert first[0][0] == "candidate" and first[2][0] == "nav"


def capture_and_report(archive: Archive) -> tuple[int, Report]:
    page = next((ROOT / "tests" / "fixtures" / "generic").glob("*.html"))
    capture_id = archive.add_capture("http://127.0.0.1:9/r.html", status=200, headers={},
                                     body=page.read_bytes(), fetched_at="2026-03-04T05:06:07")
    reading = read_capture("http://127.0.0.1:9/r.html", page.read_bytes(), {})
    assert reading.report is not None
    return capture_id, reading.report


def test_a_report_is_seen_when_its_capture_was_fetched(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        capture_id, report = capture_and_report(archive)
        # read back from the capture, as a caller without the time gets it
        assert save_reading(archive, report, capture_id=capture_id, site_id=None) == "new"
    with Archive(tmp_path / "b.db") as archive:
        capture_id, report = capture_and_report(archive)
        assert save_reading(archive, report, capture_id=capture_id, site_id=None,
                            fetched_at="2026-03-04T05:06:07") == "new"
    for name in ("a.db", "b.db"):
        with Archive(tmp_path / name) as archive:
            assert archive.db.execute(
                "SELECT first_seen, last_seen FROM reports").fetchall() == [
                ("2026-03-04T05:06:07", "2026-03-04T05:06:07")]
            assert archive.db.execute(
                "SELECT first_seen FROM report_versions").fetchall() == [("2026-03-04T05:06:07",)]


def test_the_pipeline_takes_the_time_only_of_the_items_own_capture() -> None:
    site = site_from_url("http://127.0.0.1:9/ndbg/")
    report = Report(url="http://127.0.0.1:9/r.html", title="t", title_raw="t", text="x")

    def item(meta: dict[str, Any], capture_id: int | None) -> ReportItem:
        return ReportItem(report=report, capture_id=capture_id, site=site,
                          response=SimpleNamespace(meta=meta))

    assert fetched_at(item({CAPTURE_TIME: (7, "2026-03-04T05:06:07")}, 7)) == "2026-03-04T05:06:07"
    assert fetched_at(item({CAPTURE_TIME: (6, "2026-03-04T05:06:07")}, 7)) is None  # another
    assert fetched_at(item({}, 7)) is None
    assert fetched_at(item({CAPTURE_TIME: (None, "2026-03-04T05:06:07")}, None)) is None
    assert fetched_at(ReportItem(report=report, capture_id=7, site=site)) is None
