"""crawler/challenges.py and the health verdicts of issue #11: blocked, empty."""

from __future__ import annotations

from archive.app.nightly import NightlyResult
from crawler.challenges import challenge_in
from crawler.health import BLOCKED, EMPTY, FAILING, OK, SiteHealth, judge


def test_a_vendor_is_named_by_its_marker() -> None:
    page = b"<script>var x='__jsl_clearance=1;';document.cookie=x;</script>"
    found = challenge_in(521, page)
    assert found is not None and found.note() == "challenge: jiasule"
    assert challenge_in(412, b"<script>$_ts=window['$_ts'];</script>").vendor == "rivers-security"


def test_big_pages_and_ordinary_errors_are_no_challenge() -> None:
    assert challenge_in(200, b"<p>" + b"x" * 40000 + b"__jsl_clearance") is None
    assert challenge_in(404, b"__jsl_clearance") is None
    assert challenge_in(200, b"<html><p>no wall here</p></html>") is None


def health(**kw: object) -> SiteHealth:
    values: dict = {"site_id": "s", "run_id": 2, "run_status": "ok", "reports_found": 0,
                    "errors": 0}
    values.update(kw)
    return SiteHealth(**values)


def test_a_challenge_with_no_report_is_blocked_even_when_the_run_failed() -> None:
    status, detail = judge(health(run_status="failed", challenge="jiasule (__jsl_clearance)"), 0)
    assert status == BLOCKED and "jiasule" in (detail or "")


def test_no_report_ever_is_empty_and_no_report_now_is_broken() -> None:
    assert judge(health(), 0)[0] == EMPTY
    assert judge(health(), 3)[0] == "broken"
    assert judge(health(reports_found=1), 0) == (OK, None)
    assert judge(health(run_status="failed", detail="connection refused"), 0)[0] == FAILING


def test_nightly_exits_1_for_an_empty_or_blocked_site() -> None:
    assert NightlyResult(1, empty={"s": "column fetched, 0 reports"}).exit_code == 1
    assert NightlyResult(1, blocked={"s": "jiasule"}).exit_code == 1
    assert NightlyResult(1).exit_code == 0
