"""The coverage ledger: one row per site and year, published / late / missing / withdrawn."""

from __future__ import annotations

from datetime import date

from archive.figures.coverage import SeenReport, coverage_rows


def ledger(reports: list[SeenReport], today: date, **kw: object) -> dict[int, tuple]:
    rows = coverage_rows("zhalantun", reports, today=today, **kw)  # type: ignore[arg-type]
    return {r.year: (r.report_id, r.status) for r in rows}


def test_years_from_first_report_to_last_due_year() -> None:
    reports = [
        SeenReport("a2019", 2019, "2020-01-20"),
        SeenReport("a2020", 2020, "2021-03-05"),  # township after 31 Jan: late
        SeenReport("a2022", 2022, None),
        SeenReport("a2023", 2023, "2024-01-10", withdrawn=True),
    ]
    assert ledger(reports, date(2025, 6, 1)) == {
        2019: ("a2019", "published"),
        2020: ("a2020", "late"),
        2021: (None, "missing"),
        2022: ("a2022", "published"),
        2023: ("a2023", "withdrawn"),
        2024: (None, "missing"),
    }


def test_year_not_yet_due_has_no_row() -> None:
    reports = [SeenReport("a2024", 2024, "2025-01-15")]
    assert ledger(reports, date(2026, 1, 10)) == {2024: ("a2024", "published")}
    assert ledger(reports, date(2026, 2, 2)) == {
        2024: ("a2024", "published"),
        2025: (None, "missing"),
    }


def test_old_rule_before_2019() -> None:
    reports = [SeenReport("a2016", 2016, "2017-03-20"), SeenReport("a2017", 2017, "2018-04-02")]
    result = ledger(reports, date(2018, 12, 1))
    assert result == {2016: ("a2016", "published"), 2017: ("a2017", "late")}


def test_earliest_live_copy_decides() -> None:
    reports = [SeenReport("late", 2020, "2021-05-01"), SeenReport("early", 2020, "2021-01-05")]
    assert ledger(reports, date(2021, 6, 1)) == {2020: ("early", "published")}


def test_first_year_given_without_reports() -> None:
    result = ledger([], date(2021, 2, 15), first_year=2019)
    assert result == {2019: (None, "missing"), 2020: (None, "missing")}


def test_county_government_due_end_of_march() -> None:
    result = ledger([], date(2021, 3, 15), first_year=2020, kind="county")
    assert result == {}
