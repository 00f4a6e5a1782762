"""The revisit schedule, url_state bookkeeping, withdrawals and site health (no network)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archive import clock
from archive.db import Archive, report_id, url_key
from archive.db import url_state as freshness
from archive.db.reports import apply_withdrawals
from archive.db.url_state import record_check, record_listed
from archive.records import Report
from crawler.health import SiteHealth, update_site_status
from crawler.incremental import looks_soft_404
from crawler.schedule import (
    MAX_REVISIT,
    MAX_REVISIT_VALIDATED,
    MIN_REVISIT,
    Visit,
    next_visit_after,
    plan_visit,
    revisit_interval,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
URL = "http://127.0.0.1:1/art/2021/1/18/art_1229_4886.html"


def at(days: float) -> str:
    return clock.format_time(T0 + timedelta(days=days))


@pytest.mark.parametrize("unchanged_days, validated, expected", [
    (0, False, MIN_REVISIT),  # new or just changed: every night
    (2, False, MIN_REVISIT),
    (40, False, timedelta(days=10)),  # backs off with age
    (400, False, MAX_REVISIT),  # capped
    (400, True, MAX_REVISIT_VALIDATED),  # a 304 is cheap: capped lower
])
def test_revisit_interval_backs_off_with_age_and_is_capped(unchanged_days: int, validated: bool,
                                                           expected: timedelta) -> None:
    assert revisit_interval(timedelta(days=unchanged_days), validated) == expected


def test_intervals_never_shrink_as_a_page_ages() -> None:
    gaps = [next_visit_after(T0 + timedelta(days=d), T0, False) - (T0 + timedelta(days=d))
            for d in range(0, 400, 7)]
    assert gaps == sorted(gaps) and gaps[0] < gaps[-1]


def state(**values: object) -> freshness.UrlState:
    fields = dict.fromkeys(freshness.STATE_COLUMNS)
    fields.update(url_key=url_key(URL), url=URL, site_id="s")
    fields.update(values)
    return freshness.UrlState(**fields)  # type: ignore[arg-type]


def test_plan_fetches_new_and_due_pages_conditionally_and_skips_the_rest() -> None:
    assert plan_visit(None, T0) == Visit(True, {}, "new")
    known = state(etag='"ab"', last_modified="Mon, 18 Jan 2021 08:00:00 GMT", next_visit=at(3))
    assert not plan_visit(known, T0 + timedelta(days=1)).fetch
    due = plan_visit(known, T0 + timedelta(days=4))
    assert due.fetch and due.headers == {"If-None-Match": '"ab"',
                                         "If-Modified-Since": "Mon, 18 Jan 2021 08:00:00 GMT"}
    no_validators = plan_visit(state(next_visit=at(3)), T0 + timedelta(days=4))
    assert no_validators.fetch and no_validators.headers == {}
    gone = state(next_visit=at(30), gone_at=at(0), gone_reason="unlisted")
    assert plan_visit(gone, T0 + timedelta(days=1), listed=True).fetch  # back on its list


def test_unchanged_checks_push_the_next_visit_further(db_path: Path) -> None:
    with Archive(db_path) as archive:
        visits = []
        for day in (0, 1, 5, 20, 60):
            status = 200 if day == 0 else 304
            record_check(archive.db, url_key(URL), URL, site_id="s", status=status,
                         headers={"ETag": '"x"'}, fingerprint="text:a" if day == 0 else None,
                         capture_id=None, at=at(day),
                     schedule=next_visit_after)
            row = archive.db["url_state"].get(url_key(URL))
            visits.append(clock.parse_time(row["next_visit"]) - clock.parse_time(at(day)))
        assert row["checks"] == 5 and row["changes"] == 0 and row["last_changed"] == at(0)
    assert visits == sorted(visits) and visits[-1] == MAX_REVISIT_VALIDATED


def test_a_change_resets_the_schedule(db_path: Path) -> None:
    with Archive(db_path) as archive:
        for day, print_ in ((0, "text:a"), (60, "text:a"), (61, "text:b")):
            outcome = record_check(archive.db, url_key(URL), URL, site_id="s", status=200,
                                   headers={}, fingerprint=print_, capture_id=None, at=at(day),
                     schedule=next_visit_after)
        row = archive.db["url_state"].get(url_key(URL))
    assert outcome == "changed" and row["last_changed"] == at(61) and row["changes"] == 1
    assert clock.parse_time(row["next_visit"]) - clock.parse_time(at(61)) == MIN_REVISIT


def test_a_404_marks_the_page_gone_and_a_200_brings_it_back(db_path: Path) -> None:
    with Archive(db_path) as archive:
        record_check(archive.db, url_key(URL), URL, site_id="s", status=200, headers={},
                     fingerprint="text:a", capture_id=None, at=at(0),
                     schedule=next_visit_after)
        record_check(archive.db, url_key(URL), URL, site_id="s", status=404, headers={},
                     fingerprint="gone:404", capture_id=None, at=at(9),
                     schedule=next_visit_after)
        gone = archive.db["url_state"].get(url_key(URL))
        record_check(archive.db, url_key(URL), URL, site_id="s", status=200, headers={},
                     fingerprint="text:a", capture_id=None, at=at(12),
                     schedule=next_visit_after)
        back = archive.db["url_state"].get(url_key(URL))
    assert (gone["gone_at"], gone["gone_reason"]) == (at(9), "HTTP 404")
    assert back["gone_at"] is None


def save(archive: Archive, url: str, title: str = "高家镇2020年政府信息公开工作年度报告") -> str:
    report = Report(url=url, title=title, title_raw=title, text="一、总体情况\n……",
                    town="高家镇", report_year=2020)
    archive.save_report(report, capture_id=None)
    return report_id(report)


def track(archive: Archive, url: str, **values: object) -> None:
    row = {"url_key": url_key(url), "url": url, "site_id": "s", "listed_at": at(0), **values}
    archive.db["url_state"].upsert(row, pk="url_key")


def test_a_report_is_withdrawn_only_when_every_url_is_gone(db_path: Path) -> None:
    column, catalogue = URL, URL.replace("/art/", "/xxgk/art/")
    with Archive(db_path) as archive:
        rid = save(archive, column)
        save(archive, catalogue)
        track(archive, column, gone_at=at(3), gone_reason="HTTP 404")
        track(archive, catalogue)
        assert apply_withdrawals(archive.db) == {"withdrawn": 0, "returned": 0}
        track(archive, catalogue, gone_at=at(4), gone_reason="unlisted")
        assert apply_withdrawals(archive.db)["withdrawn"] == 1
        row = archive.db["reports"].get(rid)
        assert (row["withdrawn_at"], row["withdrawn_reason"]) == (at(4), "unlisted")
        record_listed(archive.db, [url_key(catalogue)], at(5))  # back on its list
        assert apply_withdrawals(archive.db)["returned"] == 1
        assert archive.db["reports"].get(rid)["withdrawn_at"] is None
        assert archive.db["reports"].count == 1  # never deleted


def test_untracked_urls_say_nothing(db_path: Path) -> None:
    with Archive(db_path) as archive:
        rid = save(archive, URL)
        assert apply_withdrawals(archive.db)["withdrawn"] == 0
        assert archive.db["reports"].get(rid)["withdrawn_at"] is None


@pytest.mark.parametrize("page, gone", [
    ("<p>该信息已删除或不存在！</p>", True),
    ("<title>404 页面不存在</title>", True),
    ("抱歉，您访问的页面不存在或已被删除", True),
    ("Page Not Found", True),
    ("高家镇2020年政府信息公开工作年度报告 本年度主动公开信息120条", False),
    ("政府信息公开指南 依申请公开 删除个人信息的申请", False),
])
def test_soft_404_pages_are_recognised(page: str, gone: bool) -> None:
    assert looks_soft_404(page) is gone


def health(site: str, run: int, status: str, found: int, lost: str | None = None) -> SiteHealth:
    return SiteHealth(site, run, status, found, 0, None, lost)


def test_site_health_ok_failing_broken(db_path: Path) -> None:
    with Archive(db_path) as archive:
        db = archive.db
        db["crawl_runs"].insert_all([{"id": i, "site_id": "s", "reports_found": n}
                                     for i, n in ((1, 0), (2, 12), (3, 0))])
        assert update_site_status(db, health("s", 1, "ok", 0), at(0)) == "empty"  # never any
        assert update_site_status(db, health("s", 2, "ok", 12), at(1)) == "ok"
        assert update_site_status(db, health("s", 3, "ok", 0), at(2)) == "broken"
        row = db["site_status"].get("s")
        assert row["last_success"] == at(1) and "earlier runs found up to 12" in row["detail"]
        assert update_site_status(db, health("s", 4, "failed", 0), at(3)) == "failing"
        assert update_site_status(db, health("s", 5, "ok", 9, "lists no longer link 9 of 12"),
                                  at(4)) == "broken"
