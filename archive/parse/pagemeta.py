"""What a page says about a report without needing its body: the attachment-only case.

    parse_page_meta(url, body, headers=None) -> PageMeta      (DecodeError only)
    title_facts(url, label) -> PageMeta | None                 (a bare link label)
    date_near_link(url, body, target_url, headers=None) -> str | None

A detail page that says little more than "附件：XX镇2020年政府信息公开工作年度报告.pdf" still
names the report (title, town, year) and carries the meta line (published, source,
索引号); `parse_report` rejects it for want of a body, `parse_page_meta` reads it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from lxml import etree
from w3lib.url import canonicalize_url

from archive.errors import DecodeError
from archive.parse import (
    LIST_LINK_LINES,
    SOURCE_LABELS,
    clone_signs,
    dates,
    early_region,
    edge_lines,
    fields_in,
    locate_report,
    published_date,
    report_year,
    spam_terms,
    title_candidates,
)
from archive.parse.charset import decode_html
from archive.parse.frames import report_frame
from archive.parse.html import text_of
from archive.parse.meta import INDEX_LABELS, first_field
from archive.parse.normalize import compact, fold, squash
from archive.parse.page import PageView, build_page, find_title_line, lead_and_body, meta_region
from archive.parse.places import locate
from archive.parse.titles import (
    REPORT,
    choose_title,
    classify_title,
    clean_title,
    org_part,
    title_key,
)

log = logging.getLogger(__name__)

FILE_EXTENSION_RE = re.compile(r"\.(?:pdf|docx?|wps|xlsx?|et|ofd|rtf|zip|rar)$", re.IGNORECASE)
ENTRY_XPATH = etree.XPath("ancestor::*[self::li or self::tr or self::dd or self::p][1]")
MAX_ENTRY_CHARS = 300
MAX_DETAIL_REPORT_LINKS = 3


@dataclass
class PageMeta:
    """The report a page names (title None when it names none) and its meta fields."""

    url: str
    title: str | None = None  # clean title, when the page names a report
    title_raw: str | None = None
    verdict: str | None = None  # classify_title of the best title: report | decoy | None
    town: str | None = None
    county: str | None = None
    report_year: int | None = None
    published: str | None = None
    source: str | None = None
    index_no: str | None = None
    platform: str = "generic"
    is_list: bool = False  # the content is mostly links: a list, not a detail page
    spam_terms: list[str] = field(default_factory=list)
    report_frame: str | None = None  # the URL of the frame showing the report, if any
    frame_title: str = ""  # that frame's title attribute

    @property
    def names_report(self) -> bool:
        return self.verdict == REPORT and not self.is_list


def parse_page_meta(url: str, body: bytes, headers: Mapping[str, Any] | None = None) -> PageMeta:
    """The report a detail page names and its meta line, whether or not it has a body."""
    markup, _ = decode_html(body, headers, url)
    page = build_page(url, markup)
    traditional, _ = clone_signs(page)
    title = choose_title(title_candidates(page, fields_in(page, early_region(page))), traditional)
    named = title is not None and title.verdict == REPORT
    keys: set[str] = set()
    if named and title is not None:
        keys = {compact(title.raw), compact(title.clean), compact(fold(title.raw))} - {""}
    title_line = find_title_line(page, keys) if keys else None
    _, body_idx = lead_and_body(page, keys, title_line)
    meta = PageMeta(
        url,
        verdict=title.verdict if title else None,
        platform=page.layout.name,
        is_list=is_list_body(page, body_idx),
    )
    frame = report_frame(page.frames, url)
    if frame is not None:
        meta.report_frame, meta.frame_title = frame.url, frame.title
    if not named or title is None:
        log.debug("page %s names no report (%s)", url, meta.verdict)
        return meta
    region, tail = meta_region(page, title_line, body_idx)
    fields = fields_in(page, region)
    if not dates.published_from_fields(fields):
        fields = {**fields_in(page, tail), **fields}
    plain = edge_lines([page.lines[i].text for i in body_idx if not page.lines[i].table])
    meta.title, meta.title_raw = title.clean, squash(title.shown)
    meta.published = published_date(page, fields, region, title.raw)
    meta.town, meta.county = locate_report(page, title, fields, plain)
    meta.report_year = report_year(title.clean, plain, meta.published)
    meta.source = (
        first_field(fields, SOURCE_LABELS) or page.metas.get("contentsource", "").strip() or None
    )
    meta.index_no = first_field(fields, INDEX_LABELS)
    meta.spam_terms = spam_terms(page, traditional, False)
    return meta


def is_list_body(page: PageView, body_idx: list[int]) -> bool:
    """A list page, whatever its title says: the body is mostly link lines, or the page
    links several report titles that are not files (a detail page links at most its
    neighbours, 上一篇/下一篇)."""
    links = sum(1 for i in body_idx if page.lines[i].link_cjk * 2 > page.lines[i].cjk > 0)
    if links >= LIST_LINK_LINES:
        return True
    targets = set()
    for anchor in page.root.iter("a"):
        href = (anchor.get("href") or "").split("?")[0].split("#")[0]
        is_file = FILE_EXTENSION_RE.search(href) or "download" in href.lower()
        if href and not is_file and classify_title(squash(text_of(anchor))) == REPORT:
            targets.add(href)
    return len(targets) >= MAX_DETAIL_REPORT_LINKS


def label_title(label: str | None) -> str | None:
    """A link label or file name as a title: the extension and 附件 prefix dropped."""
    if not label:
        return None
    text = FILE_EXTENSION_RE.sub("", squash(label)).strip()
    text = re.sub(r"^附件\s*\d*\s*[:：]?\s*", "", text)
    return text or None


def title_facts(url: str, label: str | None) -> PageMeta | None:
    """Title, town, county and year from a bare label (a link text or a file name);
    None unless the label reads like a report title."""
    text = label_title(label)
    if not text or classify_title(text) != REPORT:
        return None
    clean = clean_title(text)
    town, county = locate(org_part(title_key(clean)), [], [], [], [])
    years = dates.years_in(fold(clean))
    return PageMeta(
        url,
        title=clean,
        title_raw=text,
        verdict=REPORT,
        town=town,
        county=county,
        report_year=years[0] if years else None,
    )


def date_near_link(
    url: str, body: bytes, target_url: str, headers: Mapping[str, Any] | None = None
) -> str | None:
    """The date a list shows beside its entry linking `target_url` (`<li><span>2022-01-18`)."""
    try:
        markup, _ = decode_html(body, headers, url)
        root = etree.HTML(markup)
    except (DecodeError, ValueError, etree.ParserError):
        return None
    if root is None:
        return None
    wanted = canonicalize_url(target_url, keep_fragments=False)
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or canonicalize_url(urljoin(url, href), keep_fragments=False) != wanted:
            continue
        entries = ENTRY_XPATH(anchor)
        text = text_of(entries[0]) if entries else ""
        if text and len(text) <= MAX_ENTRY_CHARS:
            found = dates.first_date(fold(text))
            if found:
                return found
    return None
