"""Generic link discovery: pure functions from (page URL, HTML text) to links.

Nothing here does I/O or knows about Scrapy. The spider decides what to fetch from the
`Link` records and the scores computed here; platform modules (`crawler/platforms/`) add
links that only a given CMS hides in scripts or data feeds.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import lxml.html
from lxml import etree

from archive.db.keys import url_key

log = logging.getLogger(__name__)

LINK = "link"  # an ordinary anchor or image-map area
PAGE = "page"  # another page of the same list
RECORD = "record"  # an entry of a list delivered as data (XML feed, CDATA records)
FRAME = "frame"  # an (i)frame: part of the page it sits in

SKIP_SCHEMES = ("mailto:", "javascript:", "tel:", "data:", "sms:", "ftp:", "file:", "#")
LINK_TAGS = {"a": "href", "area": "href", "iframe": "src", "frame": "src"}
# `javascript:openWin('/xxgk/a.html')`, `onclick="window.open('...')"`: the quoted target.
SCRIPT_TARGET = re.compile(
    r"""["']((?:https?://|/|\.\.?/)[^"'\s]*|[\w./-]+\.(?:s?html?|jsp|aspx?|php)(?:\?[^"'\s]*)?)["']""",
    re.IGNORECASE,
)
EDGE_DATE = re.compile(
    r"^[\[【(（]?\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?[\]】)）]?\s*|"
    r"\s*[\[【(（]?\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?[\]】)）]?$"
)
MORE_TEXT = re.compile(r"^(更多|more|查看更多|更多\W*|>>|»|\+)$", re.IGNORECASE)
PAGE_QUERY_KEYS = ("page", "pageno", "pagenum", "pageindex", "curpage", "currentpage", "p", "pn")
# Anchor text / title words that lead toward annual reports, with weights.
NAV_TEXT_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("信息公开年报", 10), ("信息公开年度报告", 10), ("年度报告", 8), ("年报", 8),
    ("政府信息公开", 6), ("信息公开", 5), ("政务公开", 5), ("公开目录", 4), ("公开专栏", 4),
    ("法定主动公开", 3), ("基层政务公开", 4), ("乡镇街道", 6), ("镇街", 5), ("街镇", 5),
    ("乡镇", 5), ("街道", 4), ("苏木", 4), ("网站地图", 1), ("政府信息", 2),
)
# A column named after a township-level body: 某某镇, 某某乡, 某某街道(办事处), 某某苏木.
TOWN_NAME = re.compile(
    r"^[\u4e00-\u9fff]{1,10}(镇|乡|街道|街道办事处|办事处|苏木|民族乡)(人民政府)?$"
)
YEAR_TEXT = re.compile(r"^(19|20)\d\d\s*年?度?$")
# Path words of disclosure and report columns (pinyin initials and common names), matched
# inside the last directory names of a URL: `/xxgk/gknb2025/`, `/zwgk/xzxxgk/`, `/2021ndbg/`.
REPORT_PATH_WORDS = ("ndbg", "gknb", "xxgknb", "annualreport")
REPORT_PATH_SEGMENT = re.compile(r"^(nb|\d{4}nb|nb\d{4})$", re.IGNORECASE)
NAV_PATH_WORDS = ("xxgk", "zwgk", "gkml", "jcgk", "xzjd", "jdxz", "zjgk", "xzgk", "jdgk",
                  "fdzdgknr")
PATH_SEGMENTS_READ = 2
# Columns and controls that never lead to annual reports.
SKIP_TEXT = re.compile(
    r"新闻|要闻|招聘|招考|视频|图片|信箱|留言|登录|登陆|注册|搜索|检索|无障碍|长者|关怀版|"
    r"English|繁體|繁体|在线访谈|网上调查|民意征集|投诉|举报|天气|招标|采购|"
    r"办事指南|网上办事|办事服务|便民|旅游|English",
    re.IGNORECASE,
)
SKIP_PATH = re.compile(
    r"(?<![a-z])(login|logout|register|search|video|mail|rss|english|en|wza|"
    r"guestbook|email|sitesearch|cas)(?![a-z])",
    re.IGNORECASE,
)
SKIP_EXTENSIONS = re.compile(
    r"\.(jpe?g|png|gif|bmp|svg|ico|webp|css|js|json|mp3|mp4|avi|flv|wmv|mov|swf|zip|rar|7z|"
    r"gz|tar|exe|apk|dmg|msi|iso|ppt|pptx|csv|txt|xml)$",
    re.IGNORECASE,
)
ATTACHMENT_EXTENSIONS = re.compile(r"\.(pdf|docx?|wps|ofd|rtf|xlsx?|et)$", re.IGNORECASE)
ATTACHMENT_QUERY = re.compile(r"=[^&]*\.(pdf|docx?|wps|ofd|rtf|xlsx?|et)(&|$)", re.IGNORECASE)
# URL shapes of article (detail) pages on the CMS families seen in the wild.
DETAIL_URL_PATTERNS: tuple[re.Pattern[str], ...] = tuple(re.compile(p, re.IGNORECASE) for p in (
    r"/t\d{8}_\d+\.s?html?$",  # TRS
    r"/art_\d+_\d+\.html$",  # Hanweb jcms
    r"/post_\d+\.html$",  # Guangdong gkmlpt
    r"/c\d+/\d{6}/[0-9a-f]{32}\.shtml$",  # 开普云-like
    r"/c01_\d+\.shtml$",
    r"/article_\d{10,}\.html$",  # Inner Mongolia
    r"/content_\d+\.html$",  # Hunan
    r"/c\d+/content\.html$",  # Shandong (older)
    r"/info/\d+/\d+\.htm$",  # VSB
    r"xxgk-show-\d+",
    r"/single/\d+/\d+\.html$",
    r"/detail/cid/\d+/aid/\d+",
    r"/html/\w+/\d+\.html$",
    r"/doc/\d{4}/\d{2}/\d{2}/\d+\.shtml$",
    r"/i\d+\.html$",
    r"details?\.aspx\?",
    r"/new/detail/\d+",
    r"/\d{15,}\.html$",
    r"article\.html\?infoid=",
    r"xxgkannualreport",
    r"/public/\d+/\d+\.html$",
    r"/\d{4}-\d{2}/\d{2}/",
    r"/\d{6,8}/[\w-]+\.s?html?$",  # /202101/abc123.html
    r"/\d{6,}\.s?html?$",
    r"/(show|view|detail|article|content|info|news)\w*\.(asp|aspx|jsp|php|do|action)\?",
    r"\?(.*&)?(id|aid|articleid|infoid|newsid|contentid|docid)=\w+",
))
# URL shapes that only ever serve annual reports (platform report modules).
REPORT_URL_PATTERNS: tuple[re.Pattern[str], ...] = tuple(re.compile(p, re.IGNORECASE) for p in (
    r"/xxgkannualreport\.jsp\?",
    r"/xxgkannualreport/show/\d+",
))
COLUMN_NAME = re.compile(r"^(index|default|list|more|column)(_\d+)?\.\w+$", re.IGNORECASE)
COLUMN_PATH = re.compile(r"/col/col\d+/|/(list|column|lanmu)[/_-]", re.IGNORECASE)
HEADING_BEFORE = (
    "preceding::*[self::h1 or self::h2 or self::h3 or self::h4 or self::h5"
    " or contains(@class,'tit') or contains(@class,'hd') or contains(@class,'head')][1]"
)
DATE_TEXT = re.compile(r"^[\d\s:./年月日-]+$")
TITLE_SEPARATORS = re.compile(r"\s*(?:[_|｜]|--|—|\s-\s)\s*")
# Link labels also carry prefixes after a colon or an at-sign (`栏目:标题`, injected spam).
LABEL_SEPARATORS = re.compile(r"\s*(?:[_|｜:：@]+|--|—|\s-\s)\s*")
WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Link:
    """A fetchable target found on a page."""

    url: str
    text: str = ""
    title: str = ""
    kind: str = LINK
    method: str = "GET"
    formdata: tuple[tuple[str, str], ...] = ()
    guess: bool = False  # made up by the crawler (a page number, a year), linked by nobody

    @property
    def label(self) -> str:
        """The best human label: the title attribute when the text is a truncated prefix."""
        if self.title and len(self.title) > len(self.text.rstrip(".…")):
            return self.title
        return self.text

    @property
    def key(self) -> str:
        """Identity for de-duplication: canonical URL, plus the form body for POSTs."""
        body = "|" + urlencode(sorted(self.formdata)) if self.method != "GET" else ""
        return url_key(self.url) + body


def clean_text(text: str | None) -> str:
    return WHITESPACE.sub(" ", text or "").strip()


def parse_html(html: str) -> etree._Element | None:
    """An lxml tree for the page, or None for empty or hopeless markup."""
    if not html or not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        try:  # a declared encoding inside a str upsets lxml: parse bytes instead
            return lxml.html.document_fromstring(html.encode("utf-8", "replace"))
        except (etree.ParserError, ValueError):
            return None


def base_of(url: str, doc: etree._Element) -> str:
    for href in doc.xpath("//base/@href")[:1]:
        href = str(href).strip()
        if href and not href.lower().startswith(SKIP_SCHEMES):
            return urljoin(url, href)
    return url


def absolute_url(base: str, href: str | None) -> str | None:
    """The absolute http(s) URL an href points to, or None for mailto:, javascript: etc."""
    href = (href or "").strip().replace("\\", "/")
    if not href or href.lower().startswith(SKIP_SCHEMES):
        return None
    url = urljoin(base, href).split("#", 1)[0]
    return url if urlsplit(url).scheme in ("http", "https") else None


def script_target(base: str, script: str | None) -> str | None:
    """The page a `javascript:` href or an onclick handler opens, when it names one."""
    match = SCRIPT_TARGET.search(script or "")
    return absolute_url(base, match.group(1)) if match else None


def element_url(base: str, element: etree._Element) -> str | None:
    href = element.get(LINK_TAGS[element.tag])
    url = absolute_url(base, href)
    if url is None and element.tag == "a":
        if (href or "").strip().lower().startswith("javascript:"):
            url = script_target(base, href)
        url = url or script_target(base, element.get("onclick"))
    return url


def link_from_element(base: str, element: etree._Element) -> Link | None:
    url = element_url(base, element)
    if url is None:
        return None
    if element.tag in ("iframe", "frame"):
        return Link(url=url, title=clean_text(element.get("title")), kind=FRAME)
    text = strip_edge_dates(clean_text(element.text_content()))
    if not text:
        text = clean_text(element.get("alt") or " ".join(element.xpath(".//img/@alt")))
    title = clean_text(element.get("title"))
    if MORE_TEXT.match(text):
        text = clean_text(context_heading(element)) or text
    return Link(url=url, text=text, title=title)


def strip_edge_dates(text: str) -> str:
    """`某镇2019年年报 2020-01-15` -> `某镇2019年年报`: list dates are not part of titles."""
    return EDGE_DATE.sub("", text).strip() or text


def context_heading(element: etree._Element) -> str:
    """For a bare "更多>>" link: the heading of the block it sits in.

    Either the text around it in its own heading (`<h3>年报 <a>更多</a></h3>`) or the
    nearest heading-like element before it.
    """
    parent = element.getparent()
    if parent is not None:
        own = clean_text(parent.text_content()).replace(clean_text(element.text_content()), "")
        if is_heading_text(own):
            return own.strip()
    for head in element.xpath(HEADING_BEFORE)[:1]:
        text = clean_text(head.text_content())
        if is_heading_text(text):
            return text
    return ""


def is_heading_text(text: str) -> bool:
    text = text.strip()
    return 0 < len(text) <= 20 and not DATE_TEXT.match(text) and not MORE_TEXT.match(text)


MAX_LINKS = 3000  # links read per page; a page with more is cut (and the cut recorded)
LINK_XPATH = etree.XPath("//a | //area | //iframe | //frame")
# On a page over MAX_LINKS, links that are read whatever their position: report titles,
# report columns, the pager, frames.
TELLING = re.compile("年报|年度报告|下一页|下页|尾页|末页|ndbg|gknb", re.IGNORECASE)


def links_in_tree(url: str, doc: etree._Element,
                  elements: Iterable[etree._Element] | None = None) -> list[Link]:
    """The page's links in document order (of `elements` only, when given: see
    `link_elements`)."""
    base = base_of(url, doc)
    links: list[Link] = []
    for element in doc.iter(*LINK_TAGS) if elements is None else elements:
        if element.tag not in LINK_TAGS:
            continue
        link = link_from_element(base, element)
        if link is not None:
            links.append(link)
    return links


def link_elements(doc: etree._Element, limit: int,
                  markup: str | None = None) -> tuple[list[etree._Element], int]:
    """(at most `limit` link elements to read, how many the page has). Over the limit:
    the first `limit // 2` in document order, then report titles, columns, pager links
    and frames from further down, up to the limit: a link farm cannot push the report
    links out of reach, and the work per page stays bounded (`markup`, the page's text,
    lets a page with no telling word anywhere skip the search)."""
    elements = LINK_XPATH(doc)
    total = len(elements)
    if total <= limit:
        return elements, total
    head = elements[:limit // 2]
    if markup is not None and not TELLING.search(markup) and "frame" not in markup.lower():
        return head, total
    telling = [el for el in elements[limit // 2:] if el.tag in ("iframe", "frame") or TELLING.search(
        "".join(el.itertext()) + (el.get("title") or "") + (el.get("href") or ""))]
    return head + telling[:limit - len(head)], total


def extract_links(url: str, html: str) -> list[Link]:
    """Every anchor, image-map area and (i)frame of a page as absolute links."""
    doc = parse_html(html)
    return links_in_tree(url, doc) if doc is not None else []


def title_parts(title: str) -> list[str]:
    """`报告标题_某某县人民政府` -> [`报告标题`, `某某县人民政府`]; longest first."""
    parts = [p for p in TITLE_SEPARATORS.split(title) if p]
    return sorted(parts, key=len, reverse=True)


def label_parts(label: str) -> list[str]:
    """The pieces of a link label between separators, longest first (without the label)."""
    parts = [p for p in LABEL_SEPARATORS.split(label) if p and p != label]
    return sorted(parts, key=len, reverse=True)


# -- judging links ---------------------------------------------------------------------------


def skip_reason(link: Link) -> str | None:
    """Why a link is not worth following (irrelevant column, control, media), or None."""
    path = urlsplit(link.url).path
    if SKIP_EXTENSIONS.search(path):
        return "not a page"
    if nav_score(link) > 0:
        return None
    if SKIP_TEXT.search(link.label):
        return "irrelevant column"
    if SKIP_PATH.search(path):
        return "irrelevant path"
    if ATTACHMENT_EXTENSIONS.search(path):
        return "unrelated attachment"
    return None


def text_score(text: str) -> int:
    score = max((w for word, w in NAV_TEXT_WEIGHTS if word in text), default=0)
    if TOWN_NAME.match(text):
        score = max(score, 4)
    if YEAR_TEXT.match(text):
        score = max(score, 2)
    return score


def column_segments(url: str) -> list[str]:
    """The last directory names of a URL's path, lower-cased (the column it names)."""
    directories = urlsplit(url).path.lower().split("/")[:-1]
    return [d for d in directories if d][-PATH_SEGMENTS_READ:]


def path_names_reports(url: str) -> bool:
    return any(REPORT_PATH_SEGMENT.match(seg) or any(w in seg for w in REPORT_PATH_WORDS)
               for seg in column_segments(url))


def path_score(url: str) -> int:
    """Score of a column URL's own directory names; article URLs are judged by text only."""
    if looks_like_detail(url):
        return 0
    if path_names_reports(url):
        return 6
    segments = column_segments(url)
    return 3 if any(w in seg for seg in segments for w in NAV_PATH_WORDS) else 0


def nav_score(link: Link) -> int:
    """How strongly a link leads toward annual-report columns (0 = not at all)."""
    return max(text_score(link.text), text_score(link.title), path_score(link.url))


def leads_to_reports(link: Link) -> bool:
    """Does the link name a report column itself (年报, 年度报告, ndbg...)?"""
    words = ("年报", "年度报告")
    return any(w in link.text or w in link.title for w in words) or path_names_reports(link.url)


def looks_like_detail(url: str) -> bool:
    """Is this URL shaped like an article page of a known CMS (or an attachment)?"""
    parts = urlsplit(url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    if is_attachment(url):
        return True
    return any(p.search(target) for p in DETAIL_URL_PATTERNS)


def looks_like_column(url: str) -> bool:
    """Is this URL shaped like a column or list (directory, index page, jcms col)?"""
    parts = urlsplit(url)
    name = parts.path.rsplit("/", 1)[-1].lower()
    return (not name or bool(COLUMN_NAME.match(name)) or bool(COLUMN_PATH.search(parts.path))
            or bool(page_number_in_query(url)))


def is_report_url(url: str) -> bool:
    """A URL of a platform module that serves nothing but annual reports."""
    return any(p.search(url) for p in REPORT_URL_PATTERNS)


def is_attachment(url: str) -> bool:
    """A document file: by extension, or a download script naming one (`downfile.jsp?filename=a.doc`)."""
    parts = urlsplit(url)
    return bool(ATTACHMENT_EXTENSIONS.search(parts.path) or ATTACHMENT_QUERY.search(parts.query))


def mentions_reports(text: str) -> bool:
    """Page text (title, breadcrumb) naming a report column."""
    return "年报" in text or "年度报告" in text


# -- URL shapes ----------------------------------------------------------------------------


def page_number_in_query(url: str) -> tuple[str, int] | None:
    """(parameter name, page number) when the URL pages by query (`?page=3`)."""
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if key.lower() in PAGE_QUERY_KEYS and value.isdigit():
            return key, int(value)
    return None


def is_below(url: str, page_url: str) -> bool:
    """Is `url` inside the directory of `page_url` (a sub-column or an item of it)?"""
    a, b = urlsplit(url), urlsplit(page_url)
    directory = b.path.rsplit("/", 1)[0] + "/"
    return a.netloc == b.netloc and a.path.startswith(directory) and a.path != b.path \
        and directory != "/"


def dedupe(links: Iterable[Link]) -> list[Link]:
    """Drop repeated links (same key), keeping the first position and the most telling
    label (the one scoring highest for navigation, then the longest)."""
    best: dict[str, Link] = {}
    for link in links:
        old = best.get(link.key)
        if old is None:
            best[link.key] = link
            continue
        kept = link if link.kind == old.kind and label_rank(link) > label_rank(old) else old
        guess = old.guess and link.guess  # linked once, it is no guess
        best[link.key] = kept if kept.guess == guess else dataclasses.replace(kept, guess=guess)
    return list(best.values())


def label_rank(link: Link) -> tuple[int, int]:
    return (max(text_score(link.text), text_score(link.title)), len(link.label))
