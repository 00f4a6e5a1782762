"""Reports shown in a frame (issue #11): one report from a detail page and its frame.

A detail page that holds only a title, a meta line and an `<iframe>`/`<frame>` with the
report is rejected by the parser ("report in a frame", archive/parse/frames.py); the
crawler fetches the frame with the page as its referrer (capture kind `report_frame`).
This step reads each such pair with no network, the way `file_reports.py` reads a
detail page and its file:

- the frame's document, under the page's title, through the report parser: text,
  sections, signature date;
- the page's URL, published date, source, 索引号 (`apply_page`): the page is where the
  report was published;
- the frame's URL is one more URL of the report (`report_urls`), and a report the frame
  made on its own (a frame with a title of its own, read by `nianbao build`) is dropped:
  one report, never two.

A frame that could not be fetched or read leaves the report with the page's title and
dates and no text, as for an unreadable file. Frames that are files (a PDF in an iframe,
through a pdf.js viewer or not) are attachments and go through `file_reports.py`.
"""

from __future__ import annotations

import logging

from archive.db import Archive, captures, report_id, url_key
from archive.db.reports import drop_report, report_of_url, urls_of
from archive.derive.file_reports import UTF8_HTML, Seen, apply_page, report_from_meta
from archive.errors import DecodeError, NotAReportError
from archive.parse import parse_report
from archive.parse.charset import decode_html, looks_like_html
from archive.parse.frames import framed_markup
from archive.parse.pagemeta import PageMeta, parse_page_meta
from archive.records import Report

log = logging.getLogger(__name__)


def derive_frames(archive: Archive, today: object = None) -> dict[str, int]:
    """Save one report per detail page whose report is in a frame; returns counts."""
    saved = 0
    for page_url in captures.framed_pages(archive.db):
        if save_framed(archive, page_url):
            saved += 1
    return {"frame reports": saved} if saved else {}


def save_framed(archive: Archive, page_url: str) -> bool:
    """The report of one framed page, saved; False when the page is no such page."""
    key = url_key(page_url)
    page = captures.newest_page(archive.db, key)
    if page is None:
        return False
    body = archive.capture_body(page.capture_id) or b""
    try:
        parse_report(page.url, body, page.headers)
        return False  # the page holds its report itself
    except NotAReportError:
        pass
    except Exception:  # a parser bug must not end the derive step
        log.exception("parser failed on %s", page.url)
        return False
    try:
        meta = parse_page_meta(page.url, body, page.headers)
    except DecodeError:
        return False
    if not meta.names_report or not meta.report_frame:
        return False
    frame = captures.newest_page(archive.db, url_key(meta.report_frame))
    frame_body = (archive.capture_body(frame.capture_id) or b"") if frame is not None else b""
    if frame is not None and not looks_like_html(frame_body, frame.headers):
        return False  # a file: the attachments step reads it
    report = read_frame(meta, frame.url if frame else meta.report_frame, frame_body,
                        frame.headers if frame else {})
    apply_page(report, meta, page.url)
    report = archive.with_site_place(report, page.site_id)
    rid = report_id(report)
    frame_keys = {url_key(meta.report_frame)} | ({url_key(frame.url)} if frame else set())
    for key_ in frame_keys:
        drop_frame_report(archive, key_, frame_keys)
    first, last = captures.seen_span(archive.db, key)
    for at in dict.fromkeys((first, last)):
        archive.save_report(report, capture_id=page.capture_id, site_id=page.site_id,
                            seen_at=at or None)
    if frame is not None:
        seen = Seen(frame.url, frame.capture_id, *captures.seen_span(archive.db,
                                                                     url_key(frame.url)))
        for at in dict.fromkeys((seen.first, seen.last)):
            archive.add_report_url(rid, seen.url, capture_id=seen.capture_id, seen_at=at or None)
    return True


def read_frame(meta: PageMeta, url: str, body: bytes, headers: dict[str, str]) -> Report:
    """The frame's document read as the report the page names; the page's facts alone
    when the frame holds nothing readable."""
    title = meta.title_raw or meta.title or ""
    if body:
        try:
            markup, _ = decode_html(body, headers, url)
            return parse_report(url, framed_markup(markup, title).encode("utf-8"), UTF8_HTML)
        except (NotAReportError, DecodeError) as error:
            log.debug("frame %s of %s is not readable: %s", url, meta.url, error)
    return report_from_meta(meta, meta.url)


def drop_frame_report(archive: Archive, key: str, frame_keys: set[str]) -> None:
    """A report made from the frame alone (by a rebuild, when the frame has a title of its
    own) goes: the frame is part of its page's report."""
    rid = report_of_url(archive.db, key)
    if rid is None:
        return
    urls = urls_of(archive.db, rid)
    if urls and all(url_key(url) in frame_keys for url in urls):
        log.debug("report %s was read from a frame alone; dropped", rid)
        drop_report(archive.db, rid)
