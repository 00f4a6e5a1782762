"""DOM cleaning, flattening to lines, and main-content detection (lxml only).

The page is flattened once into `Line`s, each remembering the innermost block element
it came from. Content detection then works on line weights: the main body is the
deepest element holding most of the page's prose (CJK characters outside links),
after small boilerplate blocks (nav, footer, share bars...) are set aside.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lxml import etree
from lxml.etree import _Element as Element

from archive.parse.normalize import count_cjk, squash

# fmt: off
BLOCK_TAGS = frozenset(
    [
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
        "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1",
        "h2", "h3", "h4", "h5", "h6", "header", "hr", "html", "li", "main", "nav", "ol", "p",
        "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    ]
)
INVISIBLE_TAGS = (
    "script", "style", "noscript", "template", "iframe", "object", "embed", "select", "button",
    "input", "textarea", "noframes", "svg", "canvas", "map",
)
# fmt: on
BOILER_TAGS = frozenset({"nav", "header", "footer", "aside"})
BOILER_RE = re.compile(
    r"nav|menu|foot|header|^head|top|banner|sidebar|side|crumb|position|location|weizhi|dqwz|"
    r"share|bdshare|print|copyright|friend|related|xgwz|xgxx|xglj|search|login|logo|toolbar|"
    r"fontsize|font-size|zihao|pagination|pager|pagenav|bottom|qrcode|ewm|gotop|tool",
    re.IGNORECASE,
)
HIDDEN_STYLE_RE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|(?:top|left)\s*:\s*-\d{3,}px", re.IGNORECASE
)
SHEET_HIDDEN_RE = re.compile(
    r"(?:^|[}\s,])([.#][A-Za-z][\w-]*)\s*\{[^}]*?(?:display\s*:\s*none|visibility\s*:\s*hidden)",
    re.IGNORECASE,
)
XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
LAYOUT_CELL_CHARS = 200
BOLD_TAGS = frozenset({"strong", "b"})
# A bold run that opens a line with a section number ends that line: `<b>一、概述</b>2016年…`.
BOLD_HEADING_RE = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}\s*[、.．]|[(（]\s*[一二三四五六七八九十]{1,3}\s*[)）]|"
    r"\d{1,2}\s*[、．]|第[一二三四五六七八九十]{1,3}部分)"
)
MAX_BOLD_HEADING = 40
BOILER_SHARE = 0.3
HINT_SHARE = 0.5
MIN_HINT_PROSE = 60
CONTENT_SHARE = 0.75
KEEP_SLACK = 10
MIN_PROSE_CJK = 8


PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True)
HIDDEN_XPATH = etree.XPath("//*[@hidden or @style]")


@dataclass
class Line:
    """One visual line of the page: a paragraph, a heading or a flattened table row."""

    text: str
    block: Element
    table: bool = False
    cjk: int = 0
    link_cjk: int = 0

    @property
    def prose(self) -> int:
        """CJK characters this line contributes to the page's prose weight."""
        own = self.cjk - self.link_cjk
        if self.table:
            return own if own >= 2 else 0
        if own < MIN_PROSE_CJK or self.link_cjk * 2 > self.cjk:
            return 0
        return own


def parse_document(text: str) -> Element:
    text = XML_DECL_RE.sub("", text, count=1)
    root = etree.fromstring(text, PARSER) if text.strip() else None
    return root if root is not None else etree.fromstring("<html><body></body></html>", PARSER)


def text_of(el: Element) -> str:
    """All text inside the element (what lxml.html calls text_content)."""
    return "".join(el.itertext())


def tagged_elements(root: Element) -> list[tuple[Element, str]]:
    """Every element with a class or id, with "class id" as one string for pattern tests."""
    found = []
    for el in root.iter("*"):
        cls, ident = el.get("class"), el.get("id")
        if cls or ident:
            found.append((el, f"{cls or ''} {ident or ''}"))
    return found


def hidden_elements(root: Element, tagged: list[tuple[Element, str]]) -> list[Element]:
    """Elements a browser would not show: inline display:none, `hidden`, simple stylesheet rules."""
    found = [
        el
        for el in HIDDEN_XPATH(root)
        if el.get("hidden") is not None or HIDDEN_STYLE_RE.search(el.get("style") or "")
    ]
    for selector in stylesheet_hidden_selectors(root):
        attr, name = ("class", selector[1:]) if selector[0] == "." else ("id", selector[1:])
        found.extend(el for el, _ in tagged if name in (el.get(attr) or "").split())
    unique = list(dict.fromkeys(found))
    return [el for el in unique if el.tag not in ("html", "body", "head")]


def stylesheet_hidden_selectors(root: Element) -> list[str]:
    css = " ".join(style.text or "" for style in root.iter("style"))
    return sorted(set(SHEET_HIDDEN_RE.findall(css))) if css else []


def drop_elements(elements: Iterable[Element]) -> None:
    """Remove elements but keep their tail text in the document."""
    for el in elements:
        parent = el.getparent()
        if parent is None:
            continue
        if el.tail:
            previous = el.getprevious()
            if previous is not None:
                previous.tail = (previous.tail or "") + el.tail
            else:
                parent.text = (parent.text or "") + el.tail
        parent.remove(el)


def strip_invisible(root: Element) -> None:
    body = root.find("body")
    etree.strip_elements(body if body is not None else root, *INVISIBLE_TAGS, with_tail=False)


def flatten(root: Element) -> list[Line]:
    """The element's visible text as lines, tables as tab-separated rows."""
    return _Flattener(root).run(root)


class _Flattener:
    def __init__(self, root: Element) -> None:
        self.lines: list[Line] = []
        self.buf: list[str] = []
        self.stack = [root]  # open block elements; the innermost owns the current line
        self.link_cjk = 0
        self.in_link = 0
        self.in_pre = 0
        self.bold: Element | None = None

    def run(self, root: Element) -> list[Line]:
        walker = etree.iterwalk(root, events=("start", "end"))
        for event, el in walker:
            tag = el.tag if isinstance(el.tag, str) else ""
            if event == "start":
                self.open(el, tag, walker)
            else:
                self.close(el, tag)
        self.flush()
        return self.lines

    def open(self, el: Element, tag: str, walker: etree.iterwalk) -> None:
        if tag in BLOCK_TAGS or tag == "br":
            self.flush()
        if tag == "table" and is_data_table(el):
            self.lines.extend(table_lines(el))
            walker.skip_subtree()
            return
        if tag in BLOCK_TAGS:
            self.stack.append(el)
        self.in_link += tag == "a"
        self.in_pre += tag == "pre"
        if tag in BOLD_TAGS and not "".join(self.buf).strip():
            self.bold = el
        if el.text and tag != "br":
            self.add(el.text)

    def close(self, el: Element, tag: str) -> None:
        if self.stack[-1] is el:
            self.flush()
            self.stack.pop()
        self.in_link -= tag == "a"
        self.in_pre -= tag == "pre"
        if el is self.bold:
            self.bold = None
            text = squash("".join(self.buf))
            if len(text) <= MAX_BOLD_HEADING and BOLD_HEADING_RE.match(text):
                self.flush()
        if el.tail:
            self.add(el.tail)

    def add(self, text: str) -> None:
        if self.in_pre and "\n" in text:
            *complete, text = text.split("\n")
            for part in complete:
                self.buf.append(part)
                self.flush()
        self.buf.append(text)
        if self.in_link:
            self.link_cjk += count_cjk(text)

    def flush(self) -> None:
        text = squash("".join(self.buf)) if self.buf else ""
        if text:
            self.lines.append(Line(text, self.stack[-1], False, count_cjk(text), self.link_cjk))
        self.buf.clear()
        self.link_cjk = 0


def table_rows(table: Element) -> list[Element]:
    return table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")


def is_data_table(table: Element) -> bool:
    """A grid of short cells (statistics, metadata), as opposed to a page-layout table."""
    rows = table_rows(table)
    if len(rows) < 2 or table.find(".//table") is not None:
        return False
    widest = 0
    for row in rows:
        cells = row.xpath("./td|./th")
        widest = max(widest, len(cells))
        if any(len(text_of(cell)) > LAYOUT_CELL_CHARS for cell in cells):
            return False
    return widest >= 2


def cell_text(cell: Element) -> str:
    return squash(" ".join(cell.itertext()))


def table_lines(table: Element) -> list[Line]:
    lines = []
    for row in table_rows(table):
        cells = [cell_text(cell) for cell in row.xpath("./td|./th")]
        if any(cells):
            text = "\t".join(cells).strip("\t")
            cjk = count_cjk(text)
            lines.append(Line(text, row, True, cjk, 0))
    return lines


def boilerplate_elements(root: Element, tagged: list[tuple[Element, str]]) -> list[Element]:
    """Elements that look like navigation, headers, footers or widgets by tag, class or id."""
    found = [el for el, attrs in tagged if BOILER_RE.search(attrs)]
    return found + [el for el in root.iter(*BOILER_TAGS)]


def subtree_weights(lines: Sequence[Line]) -> dict[Element, int]:
    weights: dict[Element, int] = {}
    for line in lines:
        prose = line.prose
        el = line.block if prose else None
        while el is not None:
            weights[el] = weights.get(el, 0) + prose
            el = el.getparent()
    return weights


def boilerplate_lines(
    lines: Sequence[Line], root: Element, tagged: list[tuple[Element, str]]
) -> set[int]:
    """Indexes of lines inside small boilerplate blocks (large ones may be the content itself)."""
    weights = subtree_weights(lines)
    total = weights.get(root, 0)
    boiler = {
        el
        for el in boilerplate_elements(root, tagged)
        if weights.get(el, 0) <= BOILER_SHARE * total
    }
    if not boiler:
        return set()
    return {i for i, line in enumerate(lines) if any_ancestor_in(line.block, boiler)}


def any_ancestor_in(el: Element | None, elements: set) -> bool:
    while el is not None:
        if el in elements:
            return True
        el = el.getparent()
    return False


def choose_content(
    lines: Sequence[Line],
    root: Element,
    hints: Sequence[Element] = (),
    keep: Sequence[Line] = (),
) -> Element | None:
    """The element holding the report body.

    A platform/class hint wins if it holds most of the prose; otherwise descend from the
    root while one child holds nearly all of its parent's prose. Either way the element
    must hold every line of `keep` (the report's statistics tables), so a body split into a
    text block and a table block keeps both.
    """
    weights = subtree_weights(lines)
    kept = subtree_weights(keep)
    total = weights.get(root, 0)
    if not total:
        return None

    def holds_kept(el: Element, than: Element) -> bool:
        return kept.get(el, 0) + KEEP_SLACK >= kept.get(than, 0)

    for el in hints:
        if weights.get(el, 0) >= max(HINT_SHARE * total, MIN_HINT_PROSE) and holds_kept(el, root):
            return el
    el = root
    while True:
        here = weights.get(el, 0)
        heavy = [
            child
            for child in el
            if weights.get(child, 0) >= CONTENT_SHARE * here and holds_kept(child, el)
        ]
        if not heavy:
            return el
        el = heavy[0]


def is_inside(el: Element, container: Element) -> bool:
    while el is not None:
        if el is container:
            return True
        el = el.getparent()
    return False
