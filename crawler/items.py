"""What the spider hands the pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from archive.db.archive import Prepared
from archive.records import Report
from crawler.sites import Site


@dataclass
class ReportItem:
    """A parsed report, the capture it was parsed from, and the portal it was found on."""

    report: Report
    capture_id: int | None
    site: Site
    response: Any = None  # the Scrapy response, for the spider's after-save bookkeeping
    prepared: Prepared | None = None  # masked and hashed by the parser worker
    text_sha256: str | None = None  # of the parsed text (the page's change fingerprint)
