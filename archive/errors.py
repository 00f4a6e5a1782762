"""Named errors. The CLI turns each into `Error: ...` and exit status 1."""

from __future__ import annotations


class NianbaoError(Exception):
    """Base class for errors a user may see."""


class NotAReportError(NianbaoError):
    """A page that is not a township/county annual report (a list page, a decoy, a guide...)."""

    def __init__(self, url: str, reason: str):
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: not a report: {reason}")


class DecodeError(NianbaoError):
    """Bytes that could not be decoded as text in any plausible charset."""

    def __init__(self, url: str, reason: str):
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: cannot decode: {reason}")


class SitesFileError(NianbaoError):
    """A sites.yml that is missing, malformed or lacks required keys."""

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class CrawlFailedError(NianbaoError):
    """A portal that could not be crawled at all (nothing fetched successfully)."""

    def __init__(self, target: str, reason: str):
        self.target = target
        self.reason = reason
        super().__init__(f"{target}: crawl failed: {reason}")
