"""The copy-paste step on a generated archive with known copy clusters and a self-copier.

Every report carries the genre's skeleton (headings, table labels, template sentences and
a sentence every report of the archive has); only the free text differs. Towns 甲乙丙
share one text (乙 and 丙 copied 甲, changing names and numbers), 丁 and 戊 another, and
己 copied its own 2020 report in 2021. No other pair may be found.
"""

from __future__ import annotations

import dataclasses
import json
import random
from datetime import date
from pathlib import Path

import pytest

from archive.db import Archive, report_id
from archive.derive import derive_all, steps
from archive.derive.similar import derive_similar
from archive.records import POST2019, Report

TODAY = date(2026, 2, 15)
HAN = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
SKELETON = (
    "一、总体情况\n"
    "根据《中华人民共和国政府信息公开条例》规定,现公布{town}{year}年政府信息公开工作年度报告。\n"
    "(一)主动公开\n{free1}\n"
    "进一步健全政府信息公开工作机制,明确专人负责,做到信息发布及时、准确、规范。\n"
    "二、主动公开政府信息情况\n"
    "信息内容 本年制发件数 本年废止件数 现行有效件数\n规章 0 0 0\n行政规范性文件 {n} 0 {n}\n"
    "三、收到和处理政府信息公开申请情况\n"
    "(一)予以公开 {n} 0 0 0 0 0 {n}\n"
    "四、政府信息公开行政复议、行政诉讼情况\n"
    "五、存在的主要问题及改进情况\n{free2}\n"
    "六、其他需要报告的事项\n"
    "本报告中所列数据统计期限自{year}年1月1日起至{year}年12月31日止。\n"
)


def prose(rng: random.Random, sentences: int) -> str:
    return "".join("".join(rng.choices(HAN, k=rng.randint(18, 30))) + "。"
                   for _ in range(sentences))


def report(town: str, year: int, free1: str, free2: str, n: int = 3) -> Report:
    title = f"{town}{year}年政府信息公开工作年度报告"
    text = SKELETON.format(town=town, year=year, free1=free1, free2=free2, n=n)
    return Report(url=f"http://127.0.0.1:1/{town}/{year}.html", title=title, title_raw=title,
                  text=text, town=town, county="测试县", report_year=year, format=POST2019)


def corpus() -> dict[str, Report]:
    """name -> report; names are town + year."""
    rng = random.Random(15)
    reports: dict[str, Report] = {}
    for town in ("庚", "辛", "壬", "癸", "子", "丑", "寅", "卯", "辰", "巳", "午", "未"):
        for year in (2020, 2021):
            reports[f"{town}{year}"] = report(f"{town}镇", year, prose(rng, 20), prose(rng, 10))
    original, second = prose(rng, 20), prose(rng, 10)
    reports["甲2021"] = report("甲镇", 2021, original, second, n=5)
    reports["乙2021"] = report("乙镇", 2021, original, second[:-60] + prose(rng, 2), n=7)
    reports["丙2021"] = report("丙乡", 2021, prose(rng, 3) + original, second, n=1)
    shared = prose(rng, 25)
    reports["丁2020"] = report("丁镇", 2020, shared, prose(rng, 2))
    reports["戊2021"] = report("戊镇", 2021, shared, prose(rng, 2), n=9)
    own, own2 = prose(rng, 20), prose(rng, 10)
    reports["己2020"] = report("己镇", 2020, own, own2, n=2)
    reports["己2021"] = report("己镇", 2021, own + prose(rng, 2), own2, n=12)
    return reports


CORPUS = corpus()
IDS = {name: report_id(item) for name, item in CORPUS.items()}
NAMES = {rid: name for name, rid in IDS.items()}


@pytest.fixture
def archive(db_path: Path) -> Archive:
    archive = Archive(db_path)
    for item in CORPUS.values():
        archive.save_report(item, capture_id=None, site_id=None)
    return archive


def pairs(archive: Archive) -> dict[frozenset[str], float]:
    return {frozenset((NAMES[a], NAMES[b])): j for a, b, j in archive.db.execute(
        "SELECT report_a, report_b, jaccard FROM similar_reports")}


def clusters(archive: Archive) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for cluster, rid in archive.db.execute("SELECT cluster_id, report_id FROM copy_clusters"):
        groups.setdefault(cluster, set()).add(NAMES.get(rid, rid))
    return {frozenset(g) for g in groups.values()}


def test_the_step_is_registered() -> None:
    assert derive_similar in steps()


def test_clusters_are_exact_and_no_false_pair(archive: Archive) -> None:
    with archive.transaction():
        counts = derive_similar(archive, TODAY)
    assert counts["reports hashed"] == len(CORPUS)
    found = pairs(archive)
    assert set(found) == {frozenset(p) for p in (
        ("甲2021", "乙2021"), ("甲2021", "丙2021"), ("乙2021", "丙2021"),
        ("丁2020", "戊2021"), ("己2020", "己2021"))}
    assert all(j >= 0.6 for j in found.values())
    assert clusters(archive) == {frozenset({"甲2021", "乙2021", "丙2021"}),
                                 frozenset({"丁2020", "戊2021"})}
    [(same_body,)] = archive.db.execute(
        "SELECT same_body FROM similar_reports WHERE report_a IN (?, ?) AND report_b IN (?, ?)",
        [IDS["己2020"], IDS["己2021"], IDS["己2020"], IDS["己2021"]]).fetchall()
    assert same_body == 1


def test_shared_passages_are_the_copied_text(archive: Archive) -> None:
    derive_all(archive, today=TODAY)
    a, b = sorted((IDS["丁2020"], IDS["戊2021"]))
    [(shared,)] = archive.db.execute("SELECT shared FROM similar_reports WHERE report_a = ? "
                                     "AND report_b = ?", [a, b]).fetchall()
    passages = json.loads(shared)
    assert 1 <= len(passages) <= 3 and all(len(p) >= 12 for p in passages)
    assert all(p in CORPUS["丁2020"].text.replace("\n", "").replace("。", "") for p in passages)
    # the skeleton is not a shared passage
    assert not any("政府信息公开" in p for p in passages)


def test_self_copy_ratio_per_town(archive: Archive) -> None:
    derive_all(archive, today=TODAY)
    ratios = {town: (pairs_, ratio) for town, pairs_, ratio in archive.db.execute(
        "SELECT town, year_pairs, self_copy_ratio FROM town_self_copy")}
    assert ratios["己镇"] == (1, 1.0)
    assert all(ratio == 0.0 for town, (_, ratio) in ratios.items() if town != "己镇")
    assert len(ratios) == 13  # the twelve two-year towns and 己
    [(jaccard,)] = archive.db.execute("SELECT jaccard FROM self_copies WHERE report_id = ?",
                                      [IDS["己2021"]]).fetchall()
    assert jaccard > 0.8


def test_incremental_only_new_and_changed_reports_are_hashed(archive: Archive) -> None:
    derive_all(archive, today=TODAY)
    signatures = archive.db.execute("SELECT report_id, hashed_at FROM minhashes").fetchall()
    with archive.transaction():
        assert derive_similar(archive, TODAY)["reports hashed"] == 0
    assert archive.db.execute("SELECT report_id, hashed_at FROM minhashes").fetchall() \
        == signatures
    # a new town copies 甲; 乙 rewrites its report: one cluster gains, one loses a member
    copier = dataclasses.replace(CORPUS["甲2021"], town="寅镇", title="寅镇2022年报",
                                 report_year=2022, url="http://127.0.0.1:1/new.html")
    archive.save_report(copier, capture_id=None, site_id=None)
    rng = random.Random(99)
    archive.save_report(dataclasses.replace(CORPUS["乙2021"], text=SKELETON.format(
        town="乙镇", year=2021, free1=prose(rng, 20), free2=prose(rng, 10), n=1)),
        capture_id=None, site_id=None)
    with archive.transaction():
        assert derive_similar(archive, TODAY)["reports hashed"] == 2
    NAMES[report_id(copier)] = "寅2022"
    assert clusters(archive) == {frozenset({"甲2021", "丙2021", "寅2022"}),
                                 frozenset({"丁2020", "戊2021"})}
    assert not [p for p in pairs(archive) if "乙2021" in p]


def test_rows_of_deleted_reports_go(archive: Archive) -> None:
    derive_all(archive, today=TODAY)
    with archive.transaction():
        archive.db.execute("DELETE FROM reports WHERE id = ?", [IDS["甲2021"]])
        derive_similar(archive, TODAY)
    assert clusters(archive) == {frozenset({"乙2021", "丙2021"}), frozenset({"丁2020", "戊2021"})}
    for table, column in (("minhashes", "report_id"), ("minhash_bands", "report_id"),
                          ("similar_reports", "report_a"), ("similar_reports", "report_b")):
        assert archive.db.execute(f"SELECT count(*) FROM {table} WHERE {column} = ?",
                                  [IDS["甲2021"]]).fetchone() == (0,)
