"""Tie stored attachment files to reports: the page that linked them decides (issue #5).

Called by `archive.derive.attachments.derive_attachments` once the files' text is known
(`place_file`, `candidates_of`, `group_candidates`, `save_groups`). See
that module's docstring for the rules; in short, an HTML report page keeps its text and
gains the files, a detail page naming a report takes its text from its best readable
file, and a file linked straight from a list is a report page of its own.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from archive.db import Archive, captures, report_id, url_key
from archive.db.reports import report_of_url, report_url
from archive.derive.files import File
from archive.errors import DecodeError, NotAReportError
from archive.extract import KINDS, OK, extracted_html
from archive.parse import parse_report
from archive.parse.dates import iso_date
from archive.parse.frames import is_file_url
from archive.parse.pagemeta import (
    PageMeta,
    date_near_link,
    label_title,
    parse_page_meta,
    title_facts,
)
from archive.parse.titles import REPORT, classify_title
from archive.records import Report

log = logging.getLogger(__name__)

UTF8_HTML = {"Content-Type": "text/html; charset=utf-8"}
# Upload time stamps in file names: TRS `P020180206508939060484.pdf`, `20160318160947230.pdf`.
FILE_DATE_RES = (
    re.compile(r"^P0((?:19|20)\d{2})(\d{2})(\d{2})\d{6,}"),
    re.compile(r"^((?:19|20)\d{2})(\d{2})(\d{2})\d{6,}"),
)


@dataclass
class Seen:
    """One URL of a report: its newest capture and when it was first and last fetched."""

    url: str
    capture_id: int
    first: str
    last: str


@dataclass
class Page:
    """A page that linked files, read from its newest successful capture."""

    seen: Seen
    sha256: str
    site_id: str | None
    html_report: str | None = None  # id of the HTML report this page is
    meta: PageMeta | None = None  # what it says when it has no report body
    body: bytes = b""

    @property
    def names_report(self) -> bool:
        return self.meta is not None and self.meta.names_report


@dataclass
class Candidate:
    """A report to save, where it was seen, and the files behind it."""

    report: Report
    seen: Seen
    site_id: str | None
    files: list[File]
    main: File | None = None  # the file the text came from
    copies: list[Seen] = field(default_factory=list)  # byte-identical pages elsewhere


def place_file(archive: Archive, file: File, pages: dict[str, Page | None]) -> None:
    """Find the page that holds the file (`file.holder`, `file.referrer`); a file attached
    to an HTML report gets that report's id."""
    page = holder_of(archive, file, pages)
    file.holder = page
    file.referrer = page.seen.url if page else None
    file.report_id = page.html_report if page else None
    file.main = False


def holder_key(file: File) -> str | None:
    """The URL key of the detail page a placed file is read into (None: none, or an HTML
    report holds it)."""
    page = cast(Page | None, file.holder)
    return url_key(page.seen.url) if page is not None and not page.html_report else None


def candidates_of(archive: Archive, files: list[File],
                  pages: dict[str, Page | None]) -> list[Candidate]:
    """The reports the placed files make: one per detail page holding files, one per file
    linked straight from a list that names a report."""
    holders: dict[str, tuple[Page, list[File]]] = {}
    direct: list[File] = []
    for file in files:
        page = cast(Page | None, file.holder)
        if page is None:
            direct.append(file)
        elif not page.html_report:
            holders.setdefault(url_key(page.seen.url), (page, []))[1].append(file)
    candidates = [from_detail(archive, page, group) for page, group in holders.values()]
    candidates += [c for f in direct if (c := from_direct(archive, f, pages)) is not None]
    return candidates


# -- pages -------------------------------------------------------------------------------------


def holder_of(archive: Archive, file: File, pages: dict[str, Page | None]) -> Page | None:
    """The page a file belongs to: an HTML report linking it, else a detail page naming a
    report; None when only lists (or nothing stored) link it."""
    linked = [load_page(archive, ref, pages) for ref in file.referrers]
    found = [page for page in linked if page is not None]
    return (next((p for p in found if p.html_report), None)
            or next((p for p in found if p.names_report), None))


def load_page(archive: Archive, url: str, pages: dict[str, Page | None]) -> Page | None:
    key = url_key(url)
    if key not in pages:
        pages[key] = read_page(archive, key)
    return pages[key]


def read_page(archive: Archive, key: str) -> Page | None:
    newest = captures.newest_page(archive.db, key)
    if newest is None:
        return None
    first, last = captures.seen_span(archive.db, key)
    body = archive.capture_body(newest.capture_id) or b""
    url, headers = newest.url, newest.headers
    page = Page(Seen(url, newest.capture_id, first, last), newest.sha256, newest.site_id,
                body=body)
    try:
        parse_report(url, body, headers)
        page.html_report = report_of_url(archive.db, key)
    except NotAReportError:
        page.meta = parse_page_meta(url, body, headers)
        if page.meta.report_frame and not is_file_url(page.meta.report_frame):
            # its report is its HTML frame's (frame_reports.py, run before): files join it
            page.html_report = report_of_url(archive.db, key)
    except DecodeError:
        return page
    except Exception:  # a parser bug must not end the derive step
        log.exception("parser failed on %s", url)
    return page


def copies_of(archive: Archive, page: Page) -> list[Seen]:
    """Other URLs serving the same bytes (a column path and a catalogue path)."""
    rows = captures.copies(archive.db, page.sha256, url_key(page.seen.url))
    return [Seen(url, cid, first, last) for url, cid, first, last in rows]


# -- reports -----------------------------------------------------------------------------------


def from_detail(archive: Archive, page: Page, files: list[File]) -> Candidate:
    """The report a detail page names, with its text from the best readable file."""
    meta = cast(PageMeta, page.meta)
    parsed = [(f, r) for f in files if is_readable(f) and (r := read_file(f, meta.title))]
    if parsed:
        main, report = max(parsed, key=lambda pair: (len(pair[1].text), pair[0].url))
        apply_page(report, meta, page.seen.url)
    else:
        main, report = None, report_from_meta(meta, page.seen.url)
    return Candidate(report, page.seen, page.site_id, files, main, copies_of(archive, page))


def from_direct(archive: Archive, file: File, pages: dict[str, Page | None]) -> Candidate | None:
    """A file linked straight from a list: a report when its text or its label says so."""
    label = label_of(file)
    title = label if label and classify_title(label) == REPORT else None
    report = read_file(file, title) if is_readable(file) else None
    main = file if report else None
    if report is None:
        facts = title_facts(file.url, label)
        if facts is None:
            return None
        report = report_from_meta(facts, file.url)
    report.published = list_date(file, pages) or date_from_file_name(file) or report.published
    seen = Seen(file.url, file.capture.id, file.first_seen, file.last_seen)
    return Candidate(report, seen, file.capture.site_id, [file], main)


def read_file(file: File, title: str | None) -> Report | None:
    """The file's text through the HTML report parser, titled by the page or label."""
    assert file.result is not None
    markup = extracted_html(file.result, title)
    try:
        return parse_report(file.url, markup.encode("utf-8"), UTF8_HTML)
    except (NotAReportError, DecodeError) as error:
        log.debug("attachment %s is not a report: %s", file.url, error)
        return None


def apply_page(report: Report, meta: PageMeta, url: str) -> None:
    """The detail page is where the report was published: its URL, dates and source win."""
    report.url = url
    report.published = meta.published or report.published
    report.source = meta.source or report.source
    report.index_no = meta.index_no or report.index_no
    report.town = report.town or meta.town
    report.county = report.county or meta.county
    report.report_year = report.report_year or meta.report_year
    report.platform = meta.platform
    report.spam_terms = list(dict.fromkeys(report.spam_terms + meta.spam_terms))
    report.tampered = bool(report.spam_terms)


def report_from_meta(meta: PageMeta, url: str) -> Report:
    """A report known only by its page or label: no text, no sections, format unknown."""
    return Report(
        url=url, title=meta.title or "", title_raw=meta.title_raw or meta.title or "", text="",
        town=meta.town, county=meta.county, report_year=meta.report_year,
        published=meta.published, source=meta.source,
        format=cast(str, None),  # judged from text only; there is none
        tampered=bool(meta.spam_terms), spam_terms=list(meta.spam_terms),
        platform=meta.platform, index_no=meta.index_no,
    )


def list_date(file: File, pages: dict[str, Page | None]) -> str | None:
    """The date a list shows beside the link to the file."""
    for ref in file.referrers:
        page = pages.get(url_key(ref))
        if page is not None and page.body:
            found = date_near_link(page.seen.url, page.body, file.url)
            if found:
                return found
    return None


def date_from_file_name(file: File) -> str | None:
    """The upload date a CMS writes into stored file names (a fallback for `published`)."""
    name = (file.filename or "").rsplit("/", 1)[-1]
    path_name = file.url.split("?")[0].rsplit("/", 1)[-1]
    for text in (path_name, name):
        for pattern in FILE_DATE_RES:
            match = pattern.match(text)
            if match:
                return iso_date(*(int(g) for g in match.groups()))
    return None


def label_of(file: File) -> str | None:
    """The link label, else the file name, as a title (extension dropped)."""
    return label_title(file.link_text) or label_title(file.filename)


def is_readable(file: File) -> bool:
    return file.result is not None and file.result.status == OK and file.result.kind in KINDS


# -- saving ------------------------------------------------------------------------------------


def group_candidates(archive: Archive, candidates: list[Candidate]) -> dict[str, list[Candidate]]:
    """Candidates by the id of the report they make (the site's place filled in first)."""
    groups: dict[str, list[Candidate]] = {}
    for cand in candidates:
        cand.report = archive.with_site_place(cand.report, cand.site_id)
        groups.setdefault(report_id(cand.report), []).append(cand)
    return groups


def save_groups(archive: Archive, groups: dict[str, list[Candidate]],
                derived_elsewhere: Callable[[str], bool] | None = None) -> int:
    """One report per id: the candidate with the most text is saved (unless an HTML report
    already holds the id: then it keeps its text); every other URL is recorded.

    Whether a report's stored URL is one a file made (not an HTML report's) is judged from
    these candidates and, in an incremental derive, `derived_elsewhere(url_key)`: the
    reports of files not read this time."""
    derived = {url_key(c.seen.url) for g in groups.values() for c in g}
    derived |= {url_key(s.url) for g in groups.values() for c in g for s in c.copies}
    saved = 0
    for rid, group in groups.items():
        group.sort(key=lambda c: (-len(c.report.text), url_key(c.seen.url)))
        existing = report_url(archive.db, rid)
        html_owned = existing is not None and url_key(existing) not in derived and not (
            derived_elsewhere is not None and derived_elsewhere(url_key(existing)))
        if not html_owned:
            save_seen(archive, group[0])
            saved += 1
        others = group if html_owned else group[1:]
        for seen in [c.seen for c in others] + [s for c in group for s in c.copies]:
            touch_url(archive, rid, seen)
        for cand in group:
            for file in cand.files:
                file.report_id = rid
                file.main = file is cand.main and cand is group[0] and not html_owned
    return saved


def save_seen(archive: Archive, cand: Candidate) -> None:
    seen = cand.seen
    for at in dict.fromkeys((seen.first, seen.last)):
        archive.save_report(cand.report, capture_id=seen.capture_id, site_id=cand.site_id,
                            seen_at=at)


def touch_url(archive: Archive, rid: str, seen: Seen) -> None:
    for at in dict.fromkeys((seen.first, seen.last)):
        archive.add_report_url(rid, seen.url, capture_id=seen.capture_id, seen_at=at)
