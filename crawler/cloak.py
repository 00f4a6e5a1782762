"""The cloaking probe (issue #15): a report page fetched a second time as `Baiduspider`.

Cloaked hijacks serve search-engine spiders a gambling page and browsers the genuine one,
so a crawler that only fetches as itself never sees them. The cheapest sound policy: per
site and run, probe the first report page read; once a report page of the site shows any
spam signal (the parser's `tampered`), probe every report page of the run (a compromised
site is worth the second fetch; a cloaked page itself shows browsers nothing), up to
`MAX_PROBES` per site and run. The probe's answer is stored like
any fetch, as a capture of kind `cloak` (its `url_key` is set apart, so the URL's history,
revisit schedule and withdrawals never see it, and `nianbao build` does not read it as a
report); `archive/derive/hijack.py` compares its main text with the browser's copy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scrapy.http import Request

from archive.db.captures import PROBE_KIND
from archive.records import Report

BAIDUSPIDER_UA = ("Mozilla/5.0 (compatible; Baiduspider/2.0; "
                  "+http://www.baidu.com/search/spider.html)")
MAX_PROBES = 50
PRIORITY = 10  # after candidates (100), before navigation


class CloakProbes:
    """Which report pages of one site's run get a second fetch as Baiduspider: the first
    one read; once any report page of the site shows a spam signal (the site is
    compromised), every report page read in the run, the earlier ones included."""

    def __init__(self, max_probes: int = MAX_PROBES):
        self.max_probes = max_probes
        self.read: list[str] = []
        self.probed: set[str] = set()
        self.suspect = False

    def targets(self, url: str, report: Report) -> list[str]:
        """The URLs to probe now that `url` was read as `report`."""
        if url not in self.read and len(self.read) < self.max_probes * 10:
            self.read.append(url)
        if report.tampered and not self.suspect:
            self.suspect = True
            wanted = list(self.read)
        elif self.suspect or not self.probed:
            wanted = [url]
        else:
            wanted = []
        room = self.max_probes - len(self.probed)
        chosen = [u for u in dict.fromkeys(wanted) if u not in self.probed][:max(room, 0)]
        self.probed.update(chosen)
        return chosen

    def requests(self, url: str, report: Report, callback: Callable[..., Any],
                 errback: Callable[..., Any]) -> list[Request]:
        return [Request(target, headers={"User-Agent": BAIDUSPIDER_UA}, callback=callback,
                        errback=errback, dont_filter=True, priority=PRIORITY,
                        meta={"role": PROBE_KIND, "dont_redirect": True})
                for target in self.targets(url, report)]
