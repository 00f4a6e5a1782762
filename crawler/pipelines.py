"""Item pipeline: save parsed reports in the archive and count what changed."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler

from archive.ingest import save_reading
from crawler.items import ReportItem
from crawler.middlewares import CAPTURE_TIME

log = logging.getLogger(__name__)


def fetched_at(item: ReportItem) -> str | None:
    """When the item's capture was fetched, as the capture middleware stored it (None:
    not known here; `save_reading` then reads it from the capture)."""
    meta = getattr(item.response, "meta", None) or {}
    known = meta.get(CAPTURE_TIME)
    if isinstance(known, tuple) and known[0] == item.capture_id and item.capture_id is not None:
        return str(known[1])
    return None


class ArchivePipeline:
    """Saves each ReportItem (`archive.ingest.save_reading`, as `nianbao build` does);
    tallies new/updated/unchanged.

    The archive fills town/county from the site where the page did not say.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        spider = self.crawler.spider
        archive = getattr(spider, "archive", None)
        if not isinstance(item, ReportItem) or archive is None:
            return item
        outcome = save_reading(archive, item.report, capture_id=item.capture_id,
                               site_id=item.site.id, prepared=item.prepared,
                               fetched_at=fetched_at(item))
        spider.tally.add_outcome(outcome)  # type: ignore[union-attr]
        saved = getattr(spider, "report_saved", None)
        if saved is not None:
            saved(item)  # only now is the page "checked": a kill before this refetches it
        log.debug("%s report %s", outcome, item.report.url)
        return item
