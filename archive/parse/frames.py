"""Reports inside frames, and other copies of a report (print pages, PDF/Word exports).

    frame_refs(page_url, root) -> [FrameRef]        every (i)frame, and PDFs in embed/object
    report_frame(refs) -> FrameRef | None           the frame that shows the report, if any
    framed_markup(markup, title) -> str             a frame's body under the outer page's title
    alternate_kind(url, label="") -> "print" | "export" | None

Many detail pages hold only a title, a meta line and an `<iframe>` (or a `<frameset>`)
whose document is the report: an HTML page with no title or dates of its own, or a PDF
(often through a pdf.js viewer, `viewer.html?file=/upload/x.pdf`). A page also carries
iframes that are no report: share bars, maps, video players, counters, ads. A frame is the
report when nothing marks it as one of those (its URL, id/class/name/title, a size too small
to read a report in); among several, hints (`content`, `zhengwen`, a PDF, a large size)
decide.

A print page (打印, `print.jsp?id=`, `_print.html`, `?print=1`, `printContent`) and a
generated export (【下载PDF】【下载Word】, `exportPdf.jsp`, `?type=pdf`) are the same report
again: the crawler does not follow them as reports, and the archive never prefers their
URL to the page's.

Pure: an lxml tree or strings in, records out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

from lxml import etree

from archive.parse.html import Element, parse_document

FILE_RE = re.compile(r"\.(pdf|docx?|wps|ofd|rtf|xlsx?|et)$", re.IGNORECASE)
# pdf.js and its kin take the document in a query parameter: viewer.html?file=/a/b.pdf
VIEWER_KEYS = ("file", "url", "src", "path", "pdf", "filepath", "fileurl", "doc")
# Frames that are never the report: what their URL or their id/class/name/title says.
WIDGET_WORDS = re.compile(
    r"map|ditu|amap|video|player|flash|\.swf|youku|bilibili|share|bdshare|jiathis|weibo|"
    r"wechat|weixin|qrcode|ewm|erweima|advert|(?<![a-z])ads?(?![a-z])|banner|guanggao|"
    r"tianqi|weather|count(?:er)?(?![a-z])|tongji|cnzz|stat(?:s|istic)?(?![a-z])|visit|"
    r"comment|pinglun|liuyan|login|search|sousuo|menu|(?<![a-z])nav|(?<![a-z])top(?![a-z])|"
    r"(?<![a-z])left(?![a-z])|foot|header|(?<![a-z])head(?![a-z])|bottom|chat|kefu|"
    r"float|piao|zhibo|live|music|audio|captcha|(?<![a-z])gg(?![a-z])",
    re.IGNORECASE,
)
CONTENT_WORDS = re.compile(
    r"content|main|zhengwen|(?<![a-z])zw(?![a-z])|article|detail|report|ndbg|gknb|"
    r"nianbao|(?<![a-z])nb(?![a-z])|pdf|viewer|wenzhang|neirong|text|body|right|zoom|info",
    re.IGNORECASE,
)
REPORT_WORDS = ("年报", "年度报告", "正文", "全文")
CAMEL_RE = re.compile(r"(?<=[a-z])(?=[A-Z])")
HIDDEN_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
MIN_SIDE = 150  # px: a frame narrower or lower than this holds no readable report
BIG_SIDE = 400


@dataclass(frozen=True)
class FrameRef:
    """One frame of a page: the document it shows and what the markup says about it."""

    url: str  # absolute; a viewer's document resolved (`viewer.html?file=a.pdf` -> a.pdf)
    tag: str  # iframe, frame, embed or object
    hint: str = ""  # id, class, name and title, joined
    title: str = ""  # the title attribute (a label for the file)
    width: int | None = None
    height: int | None = None
    order: int = 0

    @property
    def is_file(self) -> bool:
        return is_file_url(self.url)


def is_file_url(url: str) -> bool:
    parts = urlsplit(url)
    return bool(FILE_RE.search(parts.path)) or any(
        FILE_RE.search(value) for _, value in parse_qsl(parts.query))


def size_of(value: str | None) -> int | None:
    """A declared width/height in pixels (None: not given or relative, `100%`)."""
    match = re.match(r"^\s*(\d{1,5})\s*(px)?\s*$", value or "")
    return int(match.group(1)) if match else None


def style_size(style: str, name: str) -> int | None:
    match = re.search(rf"(?<![-\w]){name}\s*:\s*(\d{{1,5}})\s*px", style or "", re.IGNORECASE)
    return int(match.group(1)) if match else None


def viewer_target(url: str) -> str:
    """The document a viewer URL shows (`/pdfjs/web/viewer.html?file=%2Fa.pdf`), else url."""
    parts = urlsplit(url)
    if FILE_RE.search(parts.path):
        return url
    for source in (parts.query, parts.fragment):
        for key, value in parse_qsl(source):
            value = unquote(value).strip()
            if key.lower() in VIEWER_KEYS and FILE_RE.search(value.split("?", 1)[0]):
                target = urljoin(url, value).split("#", 1)[0]
                if urlsplit(target).scheme in ("http", "https"):
                    return target
    return url


def frame_refs(page_url: str, root: Element) -> list[FrameRef]:
    """Every frame of the page with a fetchable document (http/https), in document order;
    `<embed>`/`<object>` only when they show a document file (a PDF), never Flash."""
    base = page_url
    for href in root.xpath("//base/@href")[:1]:
        if str(href).strip().lower().startswith(("http://", "https://", "/")):
            base = urljoin(page_url, str(href).strip())
    refs: list[FrameRef] = []
    for el in root.iter("iframe", "frame", "embed", "object"):
        raw = el.get("data") if el.tag == "object" else el.get("src")
        raw = (raw or "").strip().replace("\\", "/")
        if not raw or raw.lower().startswith(("javascript:", "about:", "data:", "#")):
            continue
        url = urljoin(base, raw).split("#", 1)[0] if "#file=" not in raw else urljoin(base, raw)
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        url = viewer_target(url)
        if el.tag in ("embed", "object") and not is_file_url(url):
            continue
        style = el.get("style") or ""
        if is_hidden(el):
            continue
        hint = " ".join(v for v in (el.get("id"), el.get("class"), el.get("name"),
                                    el.get("title")) if v)
        hint = CAMEL_RE.sub(" ", hint)  # `topFrame` -> `top Frame`
        refs.append(FrameRef(
            url=url.split("#", 1)[0], tag=str(el.tag), hint=hint,
            title=" ".join((el.get("title") or "").split()),
            width=size_of(el.get("width")) or style_size(style, "width"),
            height=size_of(el.get("height")) or style_size(style, "height"),
            order=len(refs)))
    return refs


def is_hidden(el: Element) -> bool:
    """Hidden by its own or an ancestor's `hidden` or inline display:none."""
    node: Element | None = el
    while node is not None:
        if node.get("hidden") is not None or HIDDEN_RE.search(node.get("style") or ""):
            return True
        node = node.getparent()
    return False


def frame_refs_in(page_url: str, markup: str) -> list[FrameRef]:
    return frame_refs(page_url, parse_document(markup))


def widget_reason(ref: FrameRef, page_url: str = "") -> str | None:
    """Why a frame cannot be the report (a share bar, a map, a tiny box), or None."""
    parts = urlsplit(ref.url)
    if page_url and ref.url.split("#")[0] == page_url.split("#")[0]:
        return "the page itself"
    if not ref.is_file and WIDGET_WORDS.search(parts.netloc + parts.path + " " + ref.hint):
        return "widget"
    if any(side is not None and side < MIN_SIDE for side in (ref.width, ref.height)):
        return "too small"
    return None


def frame_score(ref: FrameRef) -> int:
    score = 0
    if ref.is_file:
        score += 4
    if CONTENT_WORDS.search(urlsplit(ref.url).path + " " + ref.hint):
        score += 2
    if any(word in ref.title for word in REPORT_WORDS):
        score += 3
    if any(side is not None and side >= BIG_SIDE for side in (ref.width, ref.height)):
        score += 1
    return score


def report_frame(refs: list[FrameRef], page_url: str = "") -> FrameRef | None:
    """The frame that shows the page's report: the best-scored frame that is no widget."""
    usable = [ref for ref in refs if widget_reason(ref, page_url) is None]
    if not usable:
        return None
    return max(usable, key=lambda ref: (frame_score(ref), -ref.order))


def framed_markup(markup: str, title: str) -> str:
    """The frame document's body under the outer page's title: what the report parser
    reads for a report whose text is in a frame (the frame's own <title> is dropped)."""
    root = parse_document(markup)
    body = root.find("body")
    parts = []
    if body is not None:
        parts.append(escape(body.text or ""))
        parts += [etree.tostring(child, encoding="unicode", method="html") for child in body]
    else:  # a frameset or a bare fragment: whatever the root holds
        parts += [etree.tostring(child, encoding="unicode", method="html") for child in root
                  if child.tag != "head"]
    head = escape(title)
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{head}</title></head>\n'
            f'<body>\n<h1>{head}</h1>\n<div class="framed" id="zoom">\n{"".join(parts)}\n</div>\n'
            "</body></html>\n")


# -- alternates: print pages and generated exports ------------------------------------------

PRINT, EXPORT = "print", "export"
BRACKETS = "[]【】()（）<>《》"
PRINT_LABEL = re.compile(r"^(?:打印(?:本页|此页|本文|文章|正文|页面|预览|版)?|打印本稿|print(?:\s+this)?"
                         r"(?:\s+page)?|printer[- ]friendly)$", re.IGNORECASE)
EXPORT_LABEL = re.compile(
    r"^(?:(?:下载|导出|生成|保存|另存)(?:为|成)?(?:pdf|word|doc|docx|wps)(?:文档|文件|版|格式)?|"
    r"(?:pdf|word)(?:版|格式|文档)?(?:下载|导出)|(?:download|export|save)(?:as)?(?:pdf|word))$",
    re.IGNORECASE,
)
PRINT_PATH = re.compile(r"(?:^|[/_.\-])(?:do|to|show|view)?(?:print|dayin)[a-z]*(?:[_.\-/]|$)",
                        re.IGNORECASE)
PRINT_QUERY_KEYS = ("print", "isprint", "printable", "printflag", "doprint")
MODE_KEYS = ("mode", "view", "type", "format", "fmt", "style", "template", "action", "act",
             "method", "op", "exporttype", "filetype", "output", "outtype")
EXPORT_PATH = re.compile(
    r"(?:export|download|down|(?<![a-z])to|gen|create|make|save|html2)[_\-]?(?:pdf|word|doc)(?![a-z])|"
    r"(?:pdf|word|doc)[_\-]?(?:export|download|down|out)",
    re.IGNORECASE,
)
EXPORT_VALUES = ("pdf", "word", "doc", "docx", "wps")


def alternate_kind(url: str, label: str = "") -> str | None:
    """PRINT or EXPORT when the link is another rendering of the page it is on (by its
    label: 打印, 下载PDF, 【下载Word】; or by its URL shape), None otherwise."""
    text = re.sub(r"[\s:：]+", "", label.strip(BRACKETS + " \u3000").strip())
    text = text.strip(BRACKETS)
    if text and PRINT_LABEL.match(text):
        return PRINT
    if text and EXPORT_LABEL.match(text):
        return EXPORT
    parts = urlsplit(url)
    query = [(k.lower(), v.lower()) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    if PRINT_PATH.search(parts.path) or any(
            k in PRINT_QUERY_KEYS and v in ("", "1", "true", "yes", "y") for k, v in query):
        return PRINT
    if any(k in MODE_KEYS and v in ("print", "printable", "dayin") for k, v in query):
        return PRINT
    if EXPORT_PATH.search(parts.path) or any(
            k in MODE_KEYS and v in EXPORT_VALUES for k, v in query):
        return EXPORT
    return None
