"""The clock given on the command line reaches derive and the crawl's bookkeeping."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from archive.app.cli import cli
from archive.clock import Clock
from archive.db import Archive
from crawler.incremental import Revisits

TRS = Path(__file__).resolve().parent / "fixtures" / "trs"
URL = "http://www.fusong.gov.cn/zwgk/zfxxgknb/201703/t20170321_345678.html"
HTML = {"Content-Type": "text/html; charset=utf-8"}


def coverage_years(db: Path) -> list[int]:
    with Archive(db) as archive:
        return [y for (y,) in archive.db.execute(
            "SELECT year FROM coverage WHERE town = '抚松县' ORDER BY year")]


def test_build_today_decides_which_years_are_due(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    page = next(TRS.glob("*.html")).read_bytes()
    with Archive(db) as archive:
        archive.register_site({"id": "fusong", "name": "抚松县人民政府", "province": "吉林省",
                               "county": "抚松县", "start_urls": [URL]})
        archive.add_capture(URL, status=200, headers=HTML, body=page, site_id="fusong")
    runner = CliRunner()
    early = runner.invoke(cli, ["build", "--db", str(db), "--today", "2017-06-01"])
    assert early.exit_code == 0, early.output
    assert coverage_years(db) == [2016]  # the 2017 report is not due before 2018
    late = runner.invoke(cli, ["build", "--db", str(db), "--today", "2020-06-01"])
    assert late.exit_code == 0, late.output
    assert coverage_years(db) == [2016, 2017, 2018, 2019]


def test_revisits_stamp_url_state_with_the_run_clock(tmp_path: Path) -> None:
    with Archive(tmp_path / "b.db") as archive:
        revisits = Revisits(archive, "s", Clock.at(datetime(2030, 1, 2, 3, 4, tzinfo=UTC)))
        revisits.record(URL, 200, {}, "text:a", None)
        revisits.finish()
        row = archive.db["url_state"].get(next(iter(
            k for (k,) in archive.db.execute("SELECT url_key FROM url_state"))))
    assert row["last_checked"].startswith("2030-01-02T03:04")
    assert row["next_visit"].startswith("2030-01-02T23:04")  # MIN_REVISIT: 20 h later

