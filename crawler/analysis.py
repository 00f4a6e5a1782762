"""Reading a fetched page off the reactor: its links, and its report when it may hold one.

`analyse` is pure (URL, bytes, text in; a `PageScan` and an `archive.ingest.Reading` out):
the link scan (`crawler/scan.py`) and the report parser (`archive.ingest.read_capture`)
are most of what the crawl spends per page. `Analyser` runs it in worker processes
(`archive.pool`), one pool per crawl process sized to the cores, so the reactor thread
only schedules, fetches and stores; with no workers (or when the pool breaks) it runs in
line.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from w3lib.encoding import html_to_unicode

from archive.ingest import Reading, read_capture
from archive.parse.titles import classify_title
from archive.pool import worker_pool
from crawler import discovery
from crawler.scan import PageScan, scan_page

log = logging.getLogger(__name__)

REPORT = "report"
DECOY = "decoy"
# Verdicts on link labels, by label: the parser workers judge every label of a page and
# send the verdicts back with it (`Analysis.labels`), so the crawl process (the one writer,
# the crawl's limit) judges its links with dictionary look-ups. A label's verdict depends
# on the label alone; the same navigation labels recur on every page of a portal.
KNOWN_LABELS: dict[str, str | None] = {}
KNOWN_LABELS_MAX = 100_000  # emptied when full: a cache, never a record


def judge_label(label: str) -> str | None:
    """classify_title on a link label, or on one of its parts when a prefix (a column
    name, injected spam before a colon) hides a report title; None for empty labels."""
    if not label:
        return None
    verdict = classify_title(label)
    if verdict != REPORT and any(classify_title(p) == REPORT for p in discovery.label_parts(label)):
        return REPORT
    return verdict


def classify_label(label: str) -> str | None:
    """`judge_label`, remembered (`KNOWN_LABELS`)."""
    try:
        return KNOWN_LABELS[label]
    except KeyError:
        verdict = judge_label(label)
        remember_labels({label: verdict})
        return verdict


def remember_labels(verdicts: Mapping[str, str | None]) -> None:
    if len(KNOWN_LABELS) + len(verdicts) > KNOWN_LABELS_MAX:
        KNOWN_LABELS.clear()
    KNOWN_LABELS.update(verdicts)


def title_says_report(title: str) -> bool:
    """Does any part of `标题_站点名` read like a report title?"""
    return any(classify_label(part) == REPORT for part in discovery.title_parts(title))


@dataclass
class Analysis:
    scan: PageScan
    reading: Reading | None  # None: the page was not read as a report
    labels: dict[str, str | None] = field(default_factory=dict)  # classify_label per label


def page_text(body: bytes, encoding: str) -> str:
    """The body as text, decoded exactly as Scrapy's `TextResponse.text` does for a
    response whose `encoding` is known."""
    return html_to_unicode(f"charset={encoding}", body)[1]


def analyse(url: str, body: bytes, headers: Mapping[str, str], text: str | None,
            this_year: int, candidate: bool, encoding: str = "utf-8") -> Analysis:
    """Scan a page's links; read it as a report when it is a candidate or titled like one.
    `text`: the decoded body, or None to decode it here from `encoding` (a worker: the
    page then crosses the process boundary once, as bytes)."""
    if text is None:
        text = page_text(body, encoding)
    scan = scan_page(url, text, this_year)
    reading = None
    if candidate or title_says_report(scan.title):
        reading = read_capture(url, body, headers)
    return Analysis(scan, reading, {link.label: classify_label(link.label)
                                    for link in scan.links})


def warm_up() -> None:
    """Compile the parser's patterns once per worker, before the first page arrives."""
    analyse("http://127.0.0.1/", b"<html><title>x</title><body>x</body></html>",
            {"Content-Type": "text/html"}, "<html><title>x</title><body>x</body></html>",
            2000, True)


class Analyser:
    """`analyse` in a pool of worker processes (spawned: the reactor's threads are not
    forked), awaited from the spider's callbacks."""

    def __init__(self, workers: int | None = None):
        self.pool: ProcessPoolExecutor | None = worker_pool(workers, warm_up)

    async def analyse(self, url: str, body: bytes, headers: Mapping[str, str],
                      text: Callable[[], str], this_year: int, candidate: bool,
                      encoding: str = "utf-8") -> Analysis:
        """`text` gives the decoded body (`response.text`); a worker decodes the bytes
        itself from `encoding`, so the crawl process neither decodes nor sends the text."""
        if self.pool is not None:
            try:
                analysis: Analysis = await asyncio.wrap_future(self.pool.submit(
                    analyse, url, body, dict(headers), None, this_year, candidate, encoding))
                remember_labels(analysis.labels)  # the spider judges these links next
                return analysis
            except BrokenProcessPool:
                log.warning("parser workers died; parsing in the crawl process from now on")
                self.pool = None
        return analyse(url, body, dict(headers), text(), this_year, candidate)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
