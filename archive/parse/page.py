"""A parsed page: cleaned DOM, its lines, the main-content span and the meta region.

`build_page` does the DOM work once; the field extractors in archive.parse read
from the resulting `PageView`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from archive.parse import spam
from archive.parse.frames import FrameRef, frame_refs
from archive.parse.html import (
    Element,
    Line,
    boilerplate_lines,
    choose_content,
    drop_elements,
    flatten,
    hidden_elements,
    is_inside,
    parse_document,
    strip_invisible,
    tagged_elements,
    text_of,
)
from archive.parse.meta import fields_from_row, is_meta_line
from archive.parse.normalize import compact, count_cjk, fold, fold_cells
from archive.parse.platforms import Layout, detect_layout
from archive.parse.platforms.generic import content_hints

WIDGET_RE = re.compile(
    r"^(?:[【\[]?\s*(?:打印(?:本页|此页|文章|正文)?|关闭(?:本页|窗口)?|返回(?:顶部|列表)?|收藏|"
    r"加入收藏|分享(?:到|至)?|字体|字号|大|中|小|默认|超大|标准|保存|下载Word|下载PDF|纠错|"
    r"视力保护色|繁体|简体|无障碍)\s*[】\]]?\s*[:|/]?\s*)+$",
    re.IGNORECASE,
)
WIDGET_START_RE = re.compile(
    r"^[【\[]?\s*(?:上一篇|下一篇|扫一扫|分享到|分享至|【字体|字体[:大]|字号[:大]|打印本页)"
)
CRUMB_LINE_RE = re.compile(r"^(?:您?(?:当前|现在)?(?:所在)?的?位置|当前位置|所在位置)\s*:?")
CRUMB_CLASS_RE = re.compile(
    r"crumb|position|location|weizhi|dqwz|bread|local|path|where|mbx", re.IGNORECASE
)
CRUMB_SPLIT_RE = re.compile(r"\s*(?:>>|>|»|›|→|＞|/|\\)\s*")
SITE_LINE_RE = re.compile(r"人民政府|门户网站|主办|承办|版权所有")
HIDDEN_PROSE_CJK = 200
MAX_CRUMB_CHARS = 300
LEAD_LINES = 12
MAX_TITLE_SUFFIX = 6
MIN_TITLE_PART = 4
WIDGET_MAX_CHARS = 60
META_REGION_BEFORE = 14
META_REGION_AFTER = 8
TAIL_REGION = 3
MAX_META_ROW = 200
MAX_TITLE_LINE = 200
MAX_TRAILING_META = 80
META_HINT_RE = re.compile("索引|发布|日期|文号|标题|名称|分类|公开方式|发文")
# fmt: off
META_TABLE_LABELS = frozenset(
    [
        "索引号", "发布机构", "公开日期", "成文日期", "发文日期", "文号", "发布日期", "主题分类",
        "分类", "公开方式", "发文机关", "标题", "名称", "发文字号",
    ]
)
# fmt: on


@dataclass
class PageView:
    url: str
    markup: str
    layout: Layout
    head_title: str
    metas: dict[str, str]
    lines: list[Line]
    boiler: set[int]
    content: list[int]  # indexes of body lines, in order
    root: Element
    tagged: list[tuple[Element, str]]
    hidden_terms: list[str] = field(default_factory=list)
    crumbs: list[str] = field(default_factory=list)
    frames: list[FrameRef] = field(default_factory=list)  # (i)frames, PDFs in embed/object

    def text_of(self, indexes: list[int]) -> list[str]:
        return [self.lines[i].text for i in indexes]


def build_page(url: str, markup: str) -> PageView:
    root = parse_document(markup)
    layout = detect_layout(url, markup)
    head_title, metas = read_head(root)
    body = root.find("body")
    body = body if body is not None else root
    hidden_terms = drop_hidden(root, url, tagged_elements(body))
    frames = frame_refs(url, root)  # before the frames go with the other invisible tags
    strip_invisible(root)
    tagged = tagged_elements(body)
    crumbs = crumbs_from_dom(tagged)
    lines = flatten(body)
    boiler = boilerplate_lines(lines, body, tagged)
    clean = [line for i, line in enumerate(lines) if i not in boiler]
    hints = layout.content_elements(root) + content_hints(tagged)
    tables = [line for line in clean if line.table and not is_meta_row(line)]
    content = choose_content(clean, body, hints, tables)
    indexes = [
        i
        for i, line in enumerate(lines)
        if i not in boiler and content is not None and is_inside(line.block, content)
    ]
    return PageView(
        url=url,
        markup=markup,
        layout=layout,
        head_title=head_title,
        metas=metas,
        lines=lines,
        boiler=boiler,
        content=drop_widgets(lines, indexes),
        root=root,
        tagged=tagged,
        hidden_terms=hidden_terms,
        crumbs=crumbs or crumbs_from_lines(lines),
        frames=frames,
    )


def unclone(page: PageView, traditional: bool, glossed: bool) -> None:
    """Fold a Traditional/pinyin-gloss clone back to plain Simplified text, in place."""
    texts = [line.text for line in page.lines] + page.crumbs
    if glossed:
        texts = [spam.strip_glosses(text) for text in texts]
    if traditional:
        texts = spam.to_simplified("\n".join(texts)).split("\n")
    for line, text in zip(page.lines, texts, strict=False):
        line.text = text
    page.crumbs = texts[len(page.lines) :]


def unclone_glossed_lines(page: PageView) -> bool:
    """A clone whose body is plain but whose chrome (header, breadcrumb, meta line) is a
    pinyin-glossed Traditional copy: fold just those lines. True when the page has them."""
    texts = [line.text for line in page.lines] + page.crumbs
    if not spam.has_glosses("\n".join(texts)):
        return False
    folded = [
        spam.to_simplified(spam.strip_glosses(text)) if spam.count_glosses(text) else text
        for text in texts
    ]
    for line, text in zip(page.lines, folded, strict=False):
        line.text = text
    page.crumbs = folded[len(page.lines) :]
    return True


def read_head(root: Element) -> tuple[str, dict[str, str]]:
    title_el = root.find(".//title")
    title = text_of(title_el) if title_el is not None else ""
    metas: dict[str, str] = {}
    for meta in root.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").strip().lower()
        if name and meta.get("content") and name not in metas:
            metas[name] = meta.get("content", "")
    return title, metas


def drop_hidden(root: Element, url: str, tagged: list[tuple[Element, str]]) -> list[str]:
    """Remove invisible blocks; return spam terms found in them."""
    hidden = hidden_elements(root, tagged)
    terms, offending = spam.hidden_spam(hidden, url)
    drop_elements(offending)
    drop_elements(el for el in hidden if el not in offending and not is_hidden_prose(el))
    return terms


def is_hidden_prose(el: Element) -> bool:
    """A big prose block shown later by script (keep it) rather than a hidden menu."""
    text = text_of(el)
    links = sum(count_cjk(text_of(a)) for a in el.iter("a"))
    cjk = count_cjk(text)
    return cjk >= HIDDEN_PROSE_CJK and links * 10 < cjk


def drop_widgets(lines: list[Line], indexes: list[int]) -> list[int]:
    return [i for i in indexes if lines[i].table or not is_widget_line(lines[i].text)]


def is_widget_line(text: str) -> bool:
    if len(text) > WIDGET_MAX_CHARS or "。" in text or "，" in text:
        return False
    text = fold(text)
    return bool(WIDGET_RE.match(text) or WIDGET_START_RE.match(text))


def crumbs_from_dom(tagged: list[tuple[Element, str]]) -> list[str]:
    for el, attrs in tagged:
        if not CRUMB_CLASS_RE.search(attrs):
            continue
        text = fold(" ".join(el.itertext()))
        if len(text) > MAX_CRUMB_CHARS or not ("首页" in text or "位置" in text or ">" in text):
            continue
        anchors = [fold(text_of(a)) for a in el.iter("a")]
        anchors = [a for a in anchors if a]
        if len(anchors) >= 2:
            tail = CRUMB_SPLIT_RE.split(text)[-1]
            return anchors + ([tail] if tail and tail not in anchors else [])
        return split_crumbs(text)
    return []


def crumbs_from_lines(lines: list[Line]) -> list[str]:
    for line in lines:
        if len(line.text) > MAX_CRUMB_CHARS or not ("位置" in line.text or "首页" in line.text):
            continue
        text = fold(line.text)
        if CRUMB_LINE_RE.match(text) or ("首页" in text and ">" in text):
            return split_crumbs(text)
    return []


def split_crumbs(text: str) -> list[str]:
    text = CRUMB_LINE_RE.sub("", text)
    return [part.strip() for part in CRUMB_SPLIT_RE.split(text) if part.strip()]


def lead_and_body(
    page: PageView, title_keys: set[str], title_line: int | None
) -> tuple[list[int], list[int]]:
    """Split content lines into the leading title/meta/crumb lines (plus metadata-table rows
    and trailing widgets) and the report body. A report never starts before its own title:
    content lines above a title line found in the first half of the content are dropped."""
    content = page.content
    if title_line in content[: len(content) // 2]:
        content = content[content.index(title_line) :]
    body: list[int] = []
    lead: list[int] = []
    for pos, i in enumerate(content):
        line = page.lines[i]
        opening = pos < LEAD_LINES and not body
        if (opening and is_lead_line(fold(line.text), title_keys)) or is_meta_row(line):
            lead.append(i)
        else:
            body.append(i)
    while body and is_trailing_noise(page.lines[body[-1]].text):
        lead.append(body.pop())
    return lead, body


def is_meta_row(line: Line) -> bool:
    """A metadata-table row (索引号, 发布机构...) that sits inside the content container."""
    if not line.table or len(line.text) > MAX_META_ROW or not META_HINT_RE.search(line.text):
        return False
    labels = {label for label, _ in fields_from_row(fold_cells(line.text))}
    return bool(labels & META_TABLE_LABELS)


def is_lead_line(text: str, title_keys: set[str]) -> bool:
    """The title again (whole, with a short suffix, or one half of a title broken by <br>),
    a meta line, a breadcrumb or a widget."""
    key = compact(text)
    for title in title_keys:
        if key.startswith(title) and len(key) - len(title) <= MAX_TITLE_SUFFIX:
            return True
        if len(key) >= MIN_TITLE_PART and (title.startswith(key) or title.endswith(key)):
            return True
    return bool(is_meta_line(text) or CRUMB_LINE_RE.match(text) or is_widget_line(text))


def is_trailing_noise(text: str) -> bool:
    return is_widget_line(text) or (len(text) < MAX_TRAILING_META and is_meta_line(fold(text)))


def meta_region(
    page: PageView, title_line: int | None, body: list[int]
) -> tuple[list[int], list[int]]:
    """Lines that may carry the meta line and metadata table: around the title, and (less
    trusted) just after the content. Never body lines."""
    start = page.content[0] if page.content else len(page.lines)
    end = page.content[-1] + 1 if page.content else len(page.lines)
    anchor = title_line if title_line is not None else start
    low = max(0, min(anchor, start) - META_REGION_BEFORE)
    high = max(anchor + META_REGION_AFTER, start)
    in_body = set(body)
    head = [i for i in range(low, min(high, len(page.lines))) if i not in in_body]
    lead = [i for i in page.content if i not in in_body]
    tail = list(range(end, min(end + TAIL_REGION, len(page.lines))))
    return list(dict.fromkeys(head + lead)), tail


def find_title_line(page: PageView, title_keys: set[str]) -> int | None:
    for i, line in enumerate(page.lines):
        if len(line.text) <= MAX_TITLE_LINE and compact(line.text) in title_keys:
            return i
    return None
