"""crawler/window.py: how many sites are crawled at once, and never two on one host."""

from __future__ import annotations

from dataclasses import dataclass

from twisted.internet import defer

from crawler.settings import MIN_DELAY, site_settings
from crawler.sites import Site
from crawler.tally import SiteTally
from crawler.window import INTERRUPTED, ProvinceProgress, SiteWindow, hosts_of


@dataclass
class FakeSite:
    start_urls: list[str]


@dataclass
class FakeJob:
    site: FakeSite
    tally: SiteTally
    name: str = ""


def job(name: str, url: str) -> FakeJob:
    return FakeJob(FakeSite([url]), SiteTally(name), name)


class Launcher:
    def __init__(self) -> None:
        self.running: dict[str, defer.Deferred[None]] = {}
        self.order: list[str] = []

    def __call__(self, job: FakeJob) -> defer.Deferred[None]:
        deferred: defer.Deferred[None] = defer.Deferred()
        self.running[job.name] = deferred
        self.order.append(job.name)
        return deferred

    def end(self, name: str, reason: str = "finished", jobs: list[FakeJob] | None = None) -> None:
        for j in jobs or []:
            if j.name == name:
                j.tally.finish_reason = reason
        self.running.pop(name).callback(None)


def test_hosts_are_host_and_port() -> None:
    assert hosts_of(["http://A.example:8100/x/", "http://a.example:8100/y/"]) == {
        "a.example:8100"}
    assert hosts_of(["http://a.example/"]) != hosts_of(["http://a.example:8101/"])


def test_window_keeps_size_and_one_site_per_host() -> None:
    jobs = [job("c1", "http://10.0.0.1/a/"), job("c2", "http://10.0.0.1/b/"),
            job("t1", "http://10.0.0.2/"), job("t2", "http://10.0.0.3/"),
            job("c3", "http://10.0.0.1/c/")]
    launch = Launcher()
    window = SiteWindow(jobs, 2, launch)
    window.start()
    assert set(launch.running) == {"c1", "t1"}  # c2 waits for its host, not for the window
    launch.end("t1", jobs=jobs)
    assert set(launch.running) == {"c1", "t2"}
    launch.end("t2", jobs=jobs)
    assert set(launch.running) == {"c1"}  # only columns of the busy host are left
    launch.end("c1", jobs=jobs)
    assert set(launch.running) == {"c2"}
    launch.end("c2", jobs=jobs)
    launch.end("c3", jobs=jobs)
    assert launch.order == ["c1", "t1", "t2", "c2", "c3"]
    assert (window.running, window.finished, window.waiting) == (0, 5, [])


def test_an_interrupted_run_starts_nothing_more() -> None:
    jobs = [job("a", "http://10.0.0.1/"), job("b", "http://10.0.0.2/"),
            job("c", "http://10.0.0.3/")]
    launch = Launcher()
    window = SiteWindow(jobs, 1, launch)
    window.start()
    launch.end("a", reason="shutdown", jobs=jobs)
    assert launch.running == {}
    window.abandon()
    assert [j.tally.crash for j in jobs] == [None, INTERRUPTED, INTERRUPTED]


def test_province_progress_is_one_line() -> None:
    tallies = [SiteTally(f"s{n}") for n in range(20)]
    tallies[3].pages, tallies[3].reports_found, tallies[3].reports_new = 1200, 14, 3
    line = ProvinceProgress(tallies, None).line()
    assert line == ("[0/20 sites done, 20 running] fetched 1,200 pages, 14 reports (3 new), "
                    "0 errors")


def test_no_delay_still_means_one_request_per_host() -> None:
    site = Site(id="x", start_urls=["http://127.0.0.1:8100/"],
                overrides={"CONCURRENT_REQUESTS_PER_DOMAIN": 1, "DOWNLOAD_DELAY": 0})
    assert site_settings(site)["DOWNLOAD_DELAY"] == MIN_DELAY
    fast = Site(id="y", start_urls=["http://127.0.0.1:8100/"])
    assert site_settings(fast)["DOWNLOAD_DELAY"] == 0  # 8 per host = 8 in all: no burst
    polite = Site(id="z", start_urls=["http://portal.example/"])
    assert site_settings(polite).get("DOWNLOAD_DELAY") is None  # BASE_SETTINGS' 1 s
