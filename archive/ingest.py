"""From a stored capture to a stored report: the one path for the crawl and for a rebuild.

`read_capture` runs the pure parser and turns every way it can fail into a `Reading`
with a note for the capture: the page is not a report, its bytes cannot be decoded, or
the parser itself failed (a bug must cost one page, never a crawl or a rebuild).
`save_reading` stores a report read from a capture, seen when the capture was fetched.
The spider reads as pages arrive and its pipeline saves; `nianbao build` calls `ingest`
on every stored capture. Both get the same reports and the same notes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass

from archive.db import Archive
from archive.db.archive import Prepared, prepare_report
from archive.db.captures import StoredBody
from archive.db.versions import text_sha256
from archive.errors import DecodeError, NotAReportError
from archive.parse import parse_report
from archive.parse.charset import looks_like_html
from archive.pool import worker_pool
from archive.records import Report

log = logging.getLogger(__name__)

REPORT, NOT_A_REPORT, CANNOT_DECODE, PARSER_FAILED = (
    "report", "not a report", "cannot decode", "parser failed")


@dataclass
class Reading:
    """What the parser made of one capture."""

    kind: str  # REPORT, NOT_A_REPORT, CANNOT_DECODE or PARSER_FAILED
    report: Report | None = None
    reason: str | None = None
    # Computed where the page was parsed (a worker process), so the one writer does not:
    # the report as the archive stores it (masked, its version hash) and the SHA-256 of
    # the parsed text as read (the crawl's change fingerprint).
    prepared: Prepared | None = None
    text_sha256: str | None = None

    @property
    def note(self) -> str | None:
        """The capture's note (`not a report: no report body`), None for a report."""
        return None if self.kind == REPORT else f"{self.kind}: {self.reason}"


def read_capture(url: str, body: bytes, headers: Mapping[str, str], *,
                 decoded: tuple[str, str] | None = None) -> Reading:
    """Parse one capture's body (`decoded`: its `decode_html` when the caller has it);
    never raises."""
    try:
        report = parse_report(url, body, dict(headers), decoded=decoded)
        return Reading(REPORT, report, prepared=prepare_report(report),
                       text_sha256=text_sha256(report.text))
    except NotAReportError as error:
        return Reading(NOT_A_REPORT, reason=error.reason)
    except DecodeError as error:
        return Reading(CANNOT_DECODE, reason=error.reason)
    except Exception as error:  # a parser bug must not end the crawl or the rebuild
        log.exception("parser failed on %s", url)
        return Reading(PARSER_FAILED, reason=f"{type(error).__name__}: {error}")


def save_reading(archive: Archive, report: Report, *, capture_id: int | None,
                 site_id: str | None, prepared: Prepared | None = None,
                 fetched_at: str | None = None) -> str:
    """Store a report read from a capture, seen when the capture was fetched (so a
    rebuild gives the same times); "new", "updated" or "unchanged". `prepared`: the
    report already masked and hashed by `prepare_report` (in a worker). `fetched_at`:
    the capture's `fetched_at` when the caller has it (the crawl, a rebuild), else it is
    read back from the capture."""
    seen_at = fetched_at if fetched_at is not None else archive.capture_time(capture_id)
    return archive.save_report(report, capture_id=capture_id, site_id=site_id,
                               seen_at=seen_at, prepared=prepared)


def is_page(stored: StoredBody) -> bool:
    """Does the capture hold an HTML page (the parser's input)?"""
    return bool(stored.body) and looks_like_html(stored.body or b"", stored.headers)


def ingest(archive: Archive, stored: StoredBody,
           reading: Reading | None = None) -> tuple[Reading, str | None] | None:
    """Read one stored capture (unless `reading` says what it holds) and save its report;
    (reading, outcome), or None when the capture holds no HTML page. A parser failure
    becomes a note on the capture."""
    if not is_page(stored):
        return None
    reading = reading or read_capture(stored.url, stored.body or b"", stored.headers)
    if reading.kind == PARSER_FAILED and reading.note:
        archive.note_capture(stored.capture_id, reading.note)
    if reading.report is None:
        return reading, None
    return reading, save_reading(archive, reading.report, capture_id=stored.capture_id,
                                 site_id=stored.site_id, prepared=reading.prepared,
                                 fetched_at=stored.fetched_at)


def _read_stored(stored: StoredBody) -> Reading | None:
    return read_capture(stored.url, stored.body or b"", stored.headers) if is_page(stored) else None


def _warm_up() -> None:
    read_capture("http://127.0.0.1/", b"<html><body>x</body></html>", {})


def read_in_order(captures: Iterable[StoredBody], pool: Executor | None,
                  window: int = 128) -> Iterator[tuple[StoredBody, Reading | None]]:
    """Each capture with what the parser made of it, in order; the parsing done by the
    pool's workers `window` captures at a time (memory stays bounded), or in line."""
    batch: list[StoredBody] = []
    for stored in captures:
        batch.append(stored)
        if len(batch) >= window:
            yield from _read_batch(batch, pool)
            batch = []
    yield from _read_batch(batch, pool)


def _read_batch(batch: list[StoredBody],
                pool: Executor | None) -> Iterator[tuple[StoredBody, Reading | None]]:
    if pool is None:
        readings: Iterable[Reading | None] = map(_read_stored, batch)
    else:
        readings = pool.map(_read_stored, batch, chunksize=8)
    yield from zip(batch, readings, strict=True)


def reading_pool(workers: int | None = None) -> Executor | None:
    """Worker processes for `read_in_order` (archive.pool), warmed up; None for 0."""
    return worker_pool(workers, warm_up=_warm_up)
