"""Pure parsers: HTML bytes + URL in, `Report` out. No Scrapy, no network.

    parse_report(url, body, headers=None) -> Report     (NotAReportError, DecodeError)
    decode_html(body, headers=None) -> (text, encoding)
    titles.classify_title(text) -> "report" | "decoy" | None

How a page is read (each step is a small module):

1. charset: bytes -> text (BOM, valid UTF-8, declared charset, GB18030, Big5, detector).
2. page/html: lxml DOM; hidden blocks dropped (spam in them remembered); the page is
   flattened into lines; the body is the element holding nearly all prose and every
   statistics table (a platform's container from platforms/ is tried first).
3. spam: a Traditional or pinyin-glossed clone is folded back to plain Simplified.
4. titles: candidates (标题 row, h1, ArticleTitle, .title, h2/h3, lines, <title> parts) are
   cleaned and classified; a decoy or a missing report title raises NotAReportError.
5. meta/dates: label:value fields around the title (meta line, metadata table) give
   published, source and 索引号; the body gives the signature date and, failing the
   title, the report year.
6. places, sections, formats, spam: town/county, numbered sections, pre/post-2019 format,
   hijack signs.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from lxml import etree

from archive.errors import NotAReportError
from archive.parse import dates, spam
from archive.parse.charset import decode_html
from archive.parse.formats import detect_format
from archive.parse.frames import report_frame
from archive.parse.html import text_of
from archive.parse.meta import (
    INDEX_LABELS,
    LABEL_SET,
    SOURCE_LABELS,
    TITLE_LABELS,
    Fields,
    collect_fields,
    fields_from_row,
    first_field,
)
from archive.parse.normalize import compact, fold, fold_cells, squash
from archive.parse.page import (
    LEAD_LINES,
    SITE_LINE_RE,
    PageView,
    build_page,
    find_title_line,
    lead_and_body,
    meta_region,
    unclone,
    unclone_glossed_lines,
)
from archive.parse.places import locate
from archive.parse.sections import BodyLine, split_sections
from archive.parse.titles import (
    REPORT,
    Candidate,
    choose_title,
    org_part,
    split_title_tag,
    title_key,
    trailing_date,
)
from archive.records import Report

__all__ = ["decode_html", "parse_report"]

log = logging.getLogger(__name__)

MIN_BODY_PROSE = 80
FRAMED_BODY_PROSE = 400  # less prose than this beside a report frame: the frame is the report
LIST_LINK_LINES = 5
ATTACHMENT_SUFFIXES = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".ofd", ".zip", ".rar")
# fmt: off
PUBDATE_METAS = (
    "pubdate", "publishdate", "firstpublishedtime", "article:published_time", "publishtime",
    "pubtime",
)
# fmt: on
SITE_METAS = ("sitename", "site_name", "og:site_name")
SPAM_METAS = ("sitename", "keywords", "description", "articletitle", "columnname")
TITLE_CLASS_RE = re.compile(
    r"title|biaoti|headline|(?:^|[\s_-])(?:bt|tit)(?:$|[\s_-])", re.IGNORECASE
)
IN_LIST_XPATH = etree.XPath("boolean(ancestor-or-self::a or ancestor::li)")
MAX_TITLE_CHARS = 150
# A sentence (a full stop inside, or a lead-in ending with a colon) is body prose, never a
# title: the opening line of a report quotes 《…年度报告格式的通知》 and would read as a decoy.
PROSE_LINE_RE = re.compile(r"[。；;]|[:：]\s*$")
MAX_SITE_LINE = 60
MAX_SPLIT_VALUE = 40  # a field value on the line after its label
EDGE_LINES = 8


def parse_report(url: str, body: bytes, headers: Mapping[str, Any] | None = None, *,
                 decoded: tuple[str, str] | None = None) -> Report:
    """Parse one captured page into a Report, or raise NotAReportError / DecodeError.

    `decoded`: `decode_html(body, headers, url)` when the caller has it already."""
    markup, encoding = decoded if decoded is not None else decode_html(body, headers, url)
    page = build_page(url, markup)
    traditional, glossed = clone_signs(page)
    title = pick_title(page, fields_in(page, early_region(page)), traditional)
    keys = {compact(title.raw), compact(title.clean), compact(fold(title.raw))} - {""}
    title_line = find_title_line(page, keys)
    _, body_idx = lead_and_body(page, keys, title_line)
    reject_framed(page, body_idx)
    reject_without_body(page, body_idx)
    region, tail = meta_region(page, title_line, body_idx)
    fields = fields_in(page, region)
    if not dates.published_from_fields(fields):
        fields = {**fields_in(page, tail), **fields}
    lines = [BodyLine(page.lines[i].text, page.lines[i].table) for i in body_idx]
    text = "\n".join(line.text for line in lines)
    plain = edge_lines([line.text for line in lines if not line.table])
    published = published_date(page, fields, region, title.raw)
    town, county = locate_report(page, title, fields, plain)
    terms = spam_terms(page, traditional, glossed)
    return Report(
        url=url,
        title=title.clean,
        title_raw=squash(title.shown),
        text=text,
        town=town,
        county=county,
        report_year=report_year(title.clean, plain, published),
        published=published,
        signed=dates.signed_from_lines(plain),
        source=first_field(fields, SOURCE_LABELS)
        or page.metas.get("contentsource", "").strip()
        or None,
        format=detect_format(text),
        tampered=bool(terms),
        spam_terms=terms,
        sections=split_sections(lines),
        platform=page.layout.name,
        index_no=first_field(fields, INDEX_LABELS),
        encoding=encoding,
    )


def clone_signs(page: PageView) -> tuple[bool, bool]:
    """(Traditional clone, pinyin glosses) judged on the body; fold the page back if so."""
    body_text = "\n".join(page.text_of(page.content))
    traditional, glossed = spam.is_traditional(body_text), spam.has_glosses(body_text)
    if traditional or glossed:
        unclone(page, traditional, glossed)
    elif unclone_glossed_lines(page):
        glossed = True
    return traditional, glossed


def locate_report(
    page: PageView, title: Candidate, fields: Fields, plain: list[str]
) -> tuple[str | None, str | None]:
    """(town, county) from the title, breadcrumb, source fields, body and site name."""
    sources = [value for value in (fields.get(label) for label in SOURCE_LABELS) if value]
    return locate(
        org_part(title_key(title.clean)),
        [spam.strip_spam(crumb, "|") for crumb in page.crumbs],
        [spam.strip_spam(value, "|") for value in sources],
        [spam.strip_spam(line, "|") for line in plain],
        site_names(page, title),
    )


def edge_lines(texts: list[str]) -> list[str]:
    """The opening and closing lines in matching form: all that year, place and signature
    rules look at."""
    if len(texts) > 2 * EDGE_LINES:
        texts = texts[:EDGE_LINES] + texts[-EDGE_LINES:]
    return [fold(text) for text in texts]


def early_region(page: PageView) -> list[int]:
    start = page.content[0] if page.content else 0
    return list(range(max(0, start - 14), min(len(page.lines), start + LEAD_LINES)))


def fields_in(page: PageView, indexes: list[int]) -> Fields:
    pairs = []
    wanted = set(indexes)
    taken: set[int] = set()
    for i in indexes:
        if i in taken:
            continue
        text = fold_cells(page.lines[i].text)
        label = text.rstrip(":").strip()
        if label in LABEL_SET and i + 1 in wanted:
            # `<dt>发布机构:</dt><dd>…</dd>`, label and value blocks side by side: the value
            # is the next line, when that line is a short value and not a field itself.
            value = fold(page.lines[i + 1].text)
            if (
                len(value) <= MAX_SPLIT_VALUE
                and not fields_from_row(value)
                and (not PROSE_LINE_RE.search(value))
            ):
                pairs.append((label, value))
                taken.add(i + 1)
                continue
        pairs.extend(fields_from_row(text))
    return collect_fields(pairs)


def title_candidates(page: PageView, fields: Fields) -> list[Candidate]:
    cands = [Candidate(value, 9) for label in TITLE_LABELS if (value := fields.get(label))]
    cands += [Candidate(text, 8, visible=False) for text in page.layout.title_texts(page.root)]
    elements = [(8, el) for el in page.root.iter("h1")]
    elements += [(7, el) for el, attrs in page.tagged if TITLE_CLASS_RE.search(attrs)]
    elements += [(6, el) for el in page.root.iter("h2", "h3")]
    for priority, el in elements:
        text = squash(text_of(el))
        if 4 <= len(text) <= MAX_TITLE_CHARS and not IN_LIST_XPATH(el):
            cands.append(Candidate(text, priority))
    start = page.content[0] if page.content else 0
    for i in range(max(0, start - 3), min(len(page.lines), start + 3)):
        line = page.lines[i]
        if (
            len(line.text) <= MAX_TITLE_CHARS
            and line.link_cjk * 2 <= line.cjk
            and not PROSE_LINE_RE.search(line.text)
        ):
            cands.append(Candidate(page.lines[i].text, 5))
    cands += [Candidate(part, 4) for part in split_title_tag(page.head_title)]
    for order, cand in enumerate(cands):
        cand.order = order
    return cands


def pick_title(page: PageView, fields: Fields, traditional: bool) -> Candidate:
    title = choose_title(title_candidates(page, fields), traditional)
    if title is None:
        raise NotAReportError(page.url, "no report title")
    if title.verdict != REPORT:
        raise NotAReportError(page.url, f"{title.verdict}: {title.clean}")
    log.debug("title %r (priority %d)", title.clean, title.priority)
    return title


def reject_framed(page: PageView, body_idx: list[int]) -> None:
    """A page showing its report in a frame (HTML or PDF) is not the report itself: the
    frame's text under this page's title and dates is (archive/derive/frame_reports.py,
    and the attachments step for files)."""
    frame = report_frame(page.frames, page.url)
    if frame is None:
        return
    if sum(page.lines[i].prose for i in body_idx) < FRAMED_BODY_PROSE:
        raise NotAReportError(page.url, f"report in a frame: {frame.url}")


def reject_without_body(page: PageView, body_idx: list[int]) -> None:
    prose = sum(page.lines[i].prose for i in body_idx)
    if prose >= MIN_BODY_PROSE:
        return
    link_lines = sum(1 for i in body_idx if page.lines[i].link_cjk * 2 > page.lines[i].cjk > 0)
    if link_lines >= LIST_LINK_LINES:
        raise NotAReportError(page.url, "list page")
    hrefs = [h.lower().split("?")[0] for h in page.root.xpath("//a/@href")]
    if any(h.endswith(ATTACHMENT_SUFFIXES) for h in hrefs):
        raise NotAReportError(page.url, "no report body (attachment only)")
    raise NotAReportError(page.url, "no report body")


def published_date(
    page: PageView, fields: Fields, region: list[int], title_raw: str = ""
) -> str | None:
    found = dates.published_from_fields(fields)
    found = found or dates.published_from_unlabelled(fold(page.lines[i].text) for i in region)
    found = found or dates.first_date(trailing_date(title_raw) or "")
    for name in PUBDATE_METAS:
        found = found or dates.first_date(fold(page.metas.get(name, "")))
    return found or dates.date_from_url(page.url)


def report_year(title: str, body: list[str], published: str | None) -> int | None:
    years = dates.years_in(title)
    if years:
        return years[0]
    year = dates.year_from_body(body)
    if year:
        return year
    return int(published[:4]) - 1 if published else None


def site_names(page: PageView, title: Candidate) -> list[str]:
    """The portal's own name (SiteName, <title> suffix, header/footer lines): the county, often."""
    names = [page.metas[name] for name in SITE_METAS if page.metas.get(name)]
    names += [
        part for part in split_title_tag(page.head_title) if compact(part) != compact(title.raw)
    ]
    content = set(page.content)
    names += [
        line.text
        for i, line in enumerate(page.lines)
        if i not in content and len(line.text) < MAX_SITE_LINE and SITE_LINE_RE.search(line.text)
    ]
    return [spam.strip_spam(fold(name), "|") for name in names]


def spam_terms(page: PageView, traditional: bool, glossed: bool) -> list[str]:
    texts = [page.head_title, *(page.metas.get(name, "") for name in SPAM_METAS)]
    blob = fold("\n".join(texts + [line.text for line in page.lines]))
    terms = spam.spam_terms_in(blob) + page.hidden_terms
    if spam.junk_tag_runs(page.markup):
        terms.append("junk-tags")
    if glossed:
        terms.append("pinyin-gloss")
    if traditional:
        terms.append("traditional-clone")
    terms += spam.self_domain_mentions(blob, page.url)
    return list(dict.fromkeys(terms))
