"""The attachment files the derive step works on: a capture that holds a document, and
one `File` per attachment URL (its newest capture, the pages that linked it, its text).

Shared by `attachments.py` (which finds and reads them) and `file_reports.py` (which
ties them to reports).
"""

from __future__ import annotations

from dataclasses import dataclass

from archive.extract import ERROR, Extracted


@dataclass
class Capture:
    id: int
    url: str
    url_key: str
    fetched_at: str
    status: int | None
    headers: dict[str, str]
    content_type: str | None
    size: int | None
    sha256: str | None
    error: str | None
    referrer: str | None
    link_text: str | None
    site_id: str | None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300 and self.sha256 is not None


@dataclass
class File:
    """One attachment URL: its newest capture, the pages that linked it, what it holds."""

    capture: Capture
    referrers: list[str]
    link_text: str | None
    first_seen: str
    last_seen: str
    filename: str | None = None
    kind: str | None = None
    result: Extracted | None = None
    report_id: str | None = None
    main: bool = False
    referrer: str | None = None  # the page it was finally tied to

    @property
    def url(self) -> str:
        return self.capture.url

    @property
    def status(self) -> str:
        return self.result.status if self.result else ERROR

    @property
    def error(self) -> str | None:
        if self.result is not None:
            return self.result.error
        return f"download failed: {fetch_failure(self.capture)}"


def fetch_failure(capture: Capture) -> str:
    return capture.error or (f"HTTP {capture.status}" if capture.status else "no response")
