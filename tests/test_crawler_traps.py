"""crawler/traps.py: recognising URL spaces that never end, without a network."""

from __future__ import annotations

from crawler.traps import (
    BARREN_PAGES,
    DEAD_LINKS,
    DEAD_PAGES,
    MAX_DATES,
    Traps,
    dates_in,
    list_pattern,
    repeated_run,
    strip_session,
)


def test_session_ids_are_stripped_but_a_site_id_is_kept() -> None:
    assert strip_session("http://a/x;jsessionid=AB12?b=1&PHPSESSID=zz") == "http://a/x?b=1"
    assert strip_session("http://a/gkmlpt/api/all/5?page=1&sid=441523") == \
        "http://a/gkmlpt/api/all/5?page=1&sid=441523"
    assert strip_session("http://a/x?sid=0123456789abcdef0123") == "http://a/x"


def test_dates_in_query_and_path() -> None:
    assert dates_in("http://a/cal?date=2031-05&x=1") == ("http://a/cal?date={date}&x=1", [2031])
    assert dates_in("http://a/cal/2024-05/") == ("http://a/cal/{date}/", [2024])
    assert dates_in("http://a/list?page=2") == ("http://a/list?page=2", [])
    assert dates_in("http://a/c/123456/") == ("http://a/c/123456/", [])


def test_repeated_path_runs() -> None:
    assert repeated_run("/x/a/b/a/b/a/b/") == "a/b"
    assert repeated_run("/x/a/b/a/b/") is None
    assert repeated_run("/art/2020/01/01/art_1.html") is None


def test_list_pattern_names_one_list() -> None:
    assert list_pattern("http://a/l.jsp?cat=3&page=2") == "http://a/l.jsp?cat=3&page={n}"
    assert list_pattern("http://a/col/index_7.html") == "http://a/col/index_{n}.html"
    assert list_pattern("http://a/dp.jsp?startrecord=1", "columnid=9") == \
        "http://a/dp.jsp?startrecord={n} [columnid=9]"


def test_a_list_that_shows_nothing_new_is_stopped_after_barren_pages() -> None:
    traps = Traps(this_year=2025)
    pattern = "http://a/l?page={n}"
    assert traps.list_page(pattern, "http://a/l?page=2", ["x", "y"]) is None
    for n in range(BARREN_PAGES - 1):
        assert traps.list_page(pattern, f"http://a/l?page={n + 3}", ["x"]) is None
    stop = traps.list_page(pattern, "http://a/l?page=9", ["y"])
    assert stop is not None and stop.kind == "paging"
    assert pattern in traps.stopped and not traps.count(pattern)


def test_a_page_with_something_new_resets_the_count() -> None:
    traps = Traps(this_year=2025)
    for n in range(20):
        links = ["nav", f"art{n // 2}"]  # every other page repeats the one before
        assert traps.list_page("p", f"u{n}", links) is None


def test_calendars_are_stopped_beyond_the_sane_range_and_after_many_dates() -> None:
    traps = Traps(this_year=2025)
    assert traps.admit("http://a/cal?date=2027-01") == ("http://a/cal?date=2027-01", "")
    traps = Traps(this_year=2025)
    admitted = [traps.admit(f"http://a/cal?month=2020-{m:02d}-{d:02d}")[1]
                for m in range(1, 4) for d in range(1, 29)]
    assert admitted.count("") == len(admitted) - MAX_DATES
    (stop,) = traps.stops.values()
    assert stop.kind == "calendar" and "dates under one pattern" in stop.reason


def test_report_years_of_a_module_are_no_calendar() -> None:
    traps = Traps(this_year=2025)
    urls = [f"http://a/module/xxgk/xxgkAnnualReport.jsp?area=1&fbtime={y}"
            for y in range(2008, 2026)]
    assert all(traps.admit(url)[1] for url in urls)
    assert not traps.stops


def test_a_list_whose_new_report_links_all_fail_is_stopped() -> None:
    traps = Traps(this_year=2025)
    pattern = "http://a/l?page={n}"
    for n in range(1, max(DEAD_PAGES, DEAD_LINKS) + 1):
        assert traps.list_page(pattern, f"http://a/l?page={n}", [f"dead{n}", "nav"]) is None
        traps.count(pattern)
        stop = traps.report_link_answered(pattern, False, f"http://a/dead{n}.html")
    assert stop is not None and stop.kind == "dead links"
    assert stop.reason.endswith("new report links all failed")
    assert stop.requests == 2 * max(DEAD_PAGES, DEAD_LINKS)  # pages and links
    assert pattern in traps.stopped and not traps.count(pattern)


def test_one_report_link_that_answers_keeps_the_list_going() -> None:
    traps = Traps(this_year=2025)
    pattern = "http://a/l?page={n}"
    for n in range(1, 40):
        traps.list_page(pattern, f"http://a/l?page={n}", [f"r{n}"])
        ok = n % (DEAD_LINKS - 1) == 0  # one in four answers: a list with some dead links
        assert traps.report_link_answered(pattern, ok, f"http://a/r{n}.html") is None
    assert pattern not in traps.stopped


def test_a_bound_is_recorded_but_blocks_nothing() -> None:
    traps = Traps(this_year=2025)
    stop = traps.note_bound("http://a/wide.html", "links", "50,000 links", "http://a/wide.html")
    assert stop.row()["kind"] == "links" and stop.requests == 1
    assert "http://a/wide.html" not in traps.stopped
