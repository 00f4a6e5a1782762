"""The archive's keys: one key per page URL, one id per report.

`url_key` is the only URL canonicaliser in the project: the crawler de-duplicates links
with it and the archive keys `captures`, `report_urls` and `url_state` with it.
"""

from __future__ import annotations

import functools
import hashlib
import re
from urllib.parse import urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from archive.records import Report

DEFAULT_PORTS = {"http": ":80", "https": ":443"}


@functools.lru_cache(maxsize=65536)  # the crawler asks ~130 times a page for the same strings
def url_key(url: str) -> str:
    """One spelling per page: sorted query, no fragment, no default port."""
    canonical = canonicalize_url(url, keep_fragments=False)
    parts = urlsplit(canonical)
    default = DEFAULT_PORTS.get(parts.scheme)
    if default and parts.netloc.endswith(default):
        canonical = urlunsplit(parts._replace(netloc=parts.netloc[: -len(default)]))
    return canonical


def report_id(report: Report) -> str:
    """A stable identity for a report, independent of the URL it was found under.

    The same report served under a column path and a catalogue path, or mirrored on a
    hijacked host, has the same body, year and clean title, so it gets one id.
    """
    title = re.sub(r"[\s\W_]+", "", report.title or "")
    parts = [report.town or "", str(report.report_year or ""), title]
    if not report.town and not report.report_year:
        parts.append(url_key(report.url))
    return hashlib.sha1("|".join(parts).encode("utf-8")).hexdigest()[:16]
