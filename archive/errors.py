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


class SearchQueryError(NianbaoError):
    """A search query that cannot be run: empty, too long, or only punctuation."""

    def __init__(self, query: str, reason: str):
        self.query = query
        self.reason = reason
        super().__init__(f"cannot search for {query[:40]!r}: {reason}")


class VersionNotFoundError(NianbaoError):
    """A report or a version of it that the archive does not hold."""

    def __init__(self, report_id: str, version: int | None, reason: str | None = None):
        self.report_id = report_id
        self.version = version
        if reason is None:
            reason = (f"has no version {version}" if version is not None
                      else "is not in the archive (or has no versions yet)")
        super().__init__(f"report {report_id} {reason}")


class NightlyLockedError(NianbaoError):
    """Another `nianbao nightly` holds the lock on this archive."""

    def __init__(self, lock_path: str, holder: str):
        self.lock_path = lock_path
        self.holder = holder
        super().__init__(f"another nightly run is in progress ({holder}); lock: {lock_path}")
