"""Evidence that a page was hijacked, by kind (issue #15). Pure: HTML text in, evidence out.

The spam lexicon (`spam.py`) says a page *prints* gambling words; this module says *how*
they got there, each finding an `Evidence(kind, snippet)` a reporter can quote:

| kind | what is on the page |
| --- | --- |
| `hidden_links` | a block a browser does not show (display:none, visibility:hidden, off-screen position, zero size, font-size:0, inline or through a `<style>` rule) holding gambling words or >= 3 links to other non-government hosts |
| `meta_spam` | gambling words in `<title>` or `<meta keywords/description>` and nowhere in the page's visible text |
| `js_redirect` | a script that sends the visitor to another host, keyed on `document.referrer` or `navigator.userAgent` (search-engine visitors or crawlers only) or unconditionally |
| `js_write` | a script that `document.write`s markup keyed on the referrer or the user agent, or writes gambling words or a link to another host |
| `site_meta` | `SiteName`/`SiteDomain`/`ColumnName` meta naming a gambling brand or a non-government domain other than the page's own |
| `lexicon` | gambling/porn brand words in the visible text or title (the lexicon of `spam.py`) |
| `junk_markup` | runs of random-id nonsense tags of site-farm templates |
| `clone` | a Traditional-character or pinyin-glossed copy of a mainland page |
| `domain_rewrite` | the page's own non-government host named as the government portal |
| `cloaking` | the page's main text differs when fetched as `Baiduspider` (`cloaking_evidence`, fed by the crawler's second fetch) |

Precision over recall: a government page may hide its menus, redirect its old home page,
load statistics scripts keyed on nothing, or name its own domain; none of that is evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from urllib.parse import urlsplit

from lxml import etree
from lxml.etree import _Element as Element

from archive.parse import spam
from archive.parse.html import parse_document
from archive.parse.normalize import fold

HIDDEN_LINKS, META_SPAM, JS_REDIRECT, JS_WRITE, SITE_META = (
    "hidden_links", "meta_spam", "js_redirect", "js_write", "site_meta")
LEXICON, JUNK_MARKUP, CLONE, DOMAIN_REWRITE, CLOAKING = (
    "lexicon", "junk_markup", "clone", "domain_rewrite", "cloaking")
KINDS = (HIDDEN_LINKS, META_SPAM, JS_REDIRECT, JS_WRITE, SITE_META, LEXICON, JUNK_MARKUP,
         CLONE, DOMAIN_REWRITE, CLOAKING)
# Chinese labels for pages (Chinese first).
LABELS = {
    HIDDEN_LINKS: "隐藏链接（暗链）", META_SPAM: "标题/关键词被篡改", JS_REDIRECT: "脚本跳转",
    JS_WRITE: "脚本注入（document.write）", SITE_META: "站点元数据被改", LEXICON: "博彩/色情词",
    JUNK_MARKUP: "站群垃圾标签", CLONE: "繁体/拼音克隆", DOMAIN_REWRITE: "域名被替换",
    CLOAKING: "对搜索引擎爬虫显示不同内容（cloaking）",
}

SNIPPET = 160
UNSHOWN = frozenset({"script", "style", "noscript", "noframes", "template"})
MAX_HIDING_RULES = 50  # stylesheet rules that hide something, read per page
# Elements that may be hidden by their own attributes (document order, the root included).
HIDDEN_OR_STYLED = etree.XPath("descendant-or-self::*[@hidden or @style]")
HIDE_RE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|"
    r"(?:top|left|right|text-indent|margin-left|margin-top)\s*:\s*-\s*\d{3,}\s*(?:px|em|pt)?|"
    r"font-size\s*:\s*0(?:px|pt|em)?\s*(?:;|$|!)|"
    r"(?:^|;)\s*(?:height|width|max-height)\s*:\s*[01](?:px)?\s*(?:;|$|!)|"
    r"clip\s*:\s*rect\(\s*0", re.IGNORECASE)
CSS_RULE_RE = re.compile(r"([^{}]+)\{([^}]*)\}")
SIMPLE_SELECTOR_RE = re.compile(r"^(?:[a-z0-9]+)?([.#])([A-Za-z][\w-]*)$")
KEYED_RE = re.compile(r"document\.referrer|navigator\.userAgent|navigator\.appVersion", re.IGNORECASE)
ENGINE_RE = re.compile(r"baidu|sogou|so\.com|360|sm\.cn|google|bing|spider|bot|haosou|soso",
                       re.IGNORECASE)
LOCATION_RE = re.compile(
    r"(?:window\.|top\.|self\.|parent\.|document\.)?location(?:\.href)?\s*=(?!=)|"
    r"location\.(?:replace|assign)\s*\(|window\.open\s*\(", re.IGNORECASE)
WRITE_RE = re.compile(r"document\.write(?:ln)?\s*\(", re.IGNORECASE)
URL_IN_JS_RE = re.compile(r"""["'](?:https?:)?//([A-Za-z0-9.-]+\.[A-Za-z]{2,})""")
SITE_METAS = ("sitename", "sitedomain", "columnname")
DOMAIN_RE = re.compile(r"^(?:https?://)?((?:[a-z0-9-]+\.)+[a-z]{2,})(?:[:/]|$)", re.IGNORECASE)
MIN_FOREIGN_LINKS = 3
CLOAK_MIN_CHARS = 40
CLOAK_MAX_SIMILARITY = 0.8


@dataclass(frozen=True)
class Evidence:
    kind: str
    snippet: str  # text as found (plain text; escape it when rendering)


def evidence_in(markup: str, url: str, visible_text: str | None = None) -> list[Evidence]:
    """Every kind of hijack evidence in one decoded HTML page, each with one snippet.

    `visible_text`: the page's text as the parser read it (defaults to the body's text);
    it decides whether title/meta spam is also in the page."""
    root = parse_document(markup)
    host = (urlsplit(url).hostname or "").lower()
    found: list[Evidence] = []
    hidden = hidden_blocks(root)
    found += hidden_link_farms(hidden, host)
    body_text = visible_text if visible_text is not None else visible(root, hidden)
    terms = spam.spam_terms_in(fold(body_text))
    found += meta_spam(root, terms)
    found += script_evidence(root, host)
    found += site_meta(root, host)
    if terms:
        found.append(Evidence(LEXICON, "、".join(terms)[:SNIPPET]))
    if spam.junk_tag_runs(markup):
        match = spam.JUNK_TAG_RE.search(markup)
        found.append(Evidence(JUNK_MARKUP, markup[match.start():match.start() + SNIPPET]
                              if match else "junk tags"))
    if spam.is_traditional(body_text) or spam.has_glosses(body_text):
        kind = "繁体" if spam.is_traditional(body_text) else "拼音注音"
        found.append(Evidence(CLONE, f"{kind}: {snippet_of(body_text)}"))
    if spam.self_domain_mentions(body_text, url):
        found.append(Evidence(DOMAIN_REWRITE, host))
    return dedupe(found)


def dedupe(found: list[Evidence]) -> list[Evidence]:
    seen: set[str] = set()
    out = []
    for ev in found:
        if ev.kind not in seen:
            seen.add(ev.kind)
            out.append(ev)
    return out


def snippet_of(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()[:SNIPPET]


def hidden_blocks(root: Element) -> list[Element]:
    """Elements a browser would not show, by inline style, `hidden` or a simple CSS rule."""
    found = [el for el in HIDDEN_OR_STYLED(root) if isinstance(el.tag, str) and (
        el.get("hidden") is not None or HIDE_RE.search(el.get("style") or ""))]
    css = " ".join(s.text or "" for s in root.iter("style"))
    hiding = [(sel, decl) for sel, decl in CSS_RULE_RE.findall(css) if HIDE_RE.search(decl)]
    for selectors, _ in hiding[:MAX_HIDING_RULES]:
        for selector in selectors.split(","):
            m = SIMPLE_SELECTOR_RE.match(selector.strip())
            if not m:
                continue
            attr = "class" if m.group(1) == "." else "id"
            found += [el for el in root.iter("*") if isinstance(el.tag, str)
                      and m.group(2) in (el.get(attr) or "").split()]
    unique = list(dict.fromkeys(found))
    return [el for el in unique if el.tag not in ("html", "body", "head", "style", "script")]


def hidden_link_farms(hidden: list[Element], host: str) -> list[Evidence]:
    for el in hidden:
        text = " ".join(t.strip() for t in el.itertext() if t.strip())
        terms = spam.spam_terms_in(fold(text))
        links = [h for h in el.xpath(".//a/@href") if spam.is_foreign_link(h, host)]
        if terms or len(links) >= MIN_FOREIGN_LINKS:
            shown = " | ".join(link_text(a) for a in el.xpath(".//a[@href]")[:5])
            return [Evidence(HIDDEN_LINKS, f"{style_of(el)} {shown or text}"[:SNIPPET * 2])]
    return []


def link_text(a: Element) -> str:
    return f"{''.join(a.itertext()).strip()} <{a.get('href')}>"


def style_of(el: Element) -> str:
    style = (el.get("style") or "").strip()
    return f"<{el.tag} style=\"{style}\">" if style else f"<{el.tag} class=\"{el.get('class') or ''}\">"


def visible(root: Element, hidden: list[Element]) -> str:
    """The body's text a browser shows: hidden blocks, scripts and styles left out."""
    body = root.find(".//body")
    if body is None:
        return ""
    skip = set(hidden)
    parts: list[str] = []

    def walk(el: Element) -> None:
        shown = isinstance(el.tag, str) and el not in skip and el.tag not in UNSHOWN
        if shown:
            if el.text:
                parts.append(el.text)
            for child in el:
                walk(child)
        if el.tail and el is not body:
            parts.append(el.tail)

    walk(body)
    return "\n".join(p.strip() for p in parts if p.strip())


def head_texts(root: Element) -> list[tuple[str, str]]:
    out = []
    title = root.find(".//title")
    if title is not None and title.text:
        out.append(("title", title.text))
    for meta in root.iter("meta"):
        name = (meta.get("name") or "").lower()
        if name in ("keywords", "description"):
            out.append((name, meta.get("content") or ""))
    return out


def meta_spam(root: Element, body_terms: list[str]) -> list[Evidence]:
    """Spam in the title or the keywords/description that the visible page does not print
    (`body_terms`: the lexicon terms of the visible text)."""
    in_body = set(body_terms)
    for where, value in head_texts(root):
        terms = [t for t in spam.spam_terms_in(fold(value)) if t not in in_body]
        if terms:
            return [Evidence(META_SPAM, f"<{where}> {snippet_of(value)}")]
    return []


def foreign_hosts(script: str, host: str) -> list[str]:
    return [h for h in URL_IN_JS_RE.findall(script)
            if spam.is_foreign_link(f"http://{h}/", host)]


def script_evidence(root: Element, host: str) -> list[Evidence]:
    found = []
    for script in root.iter("script"):
        code = script.text or ""
        if not code.strip():
            continue
        keyed = bool(KEYED_RE.search(code)) and bool(ENGINE_RE.search(code))
        foreign = foreign_hosts(code, host)
        if LOCATION_RE.search(code) and foreign and (keyed or not KEYED_RE.search(code)):
            found.append(Evidence(JS_REDIRECT, snippet_of(code)))
        if WRITE_RE.search(code) and (
                (keyed and (foreign or "<" in code))
                or (foreign and spam.spam_terms_in(fold(code)))):
            found.append(Evidence(JS_WRITE, snippet_of(code)))
    return found


def site_meta(root: Element, host: str) -> list[Evidence]:
    """SiteName/ColumnName naming a brand; SiteDomain naming a non-government host that is
    not the page's own."""
    found = []
    for meta in root.iter("meta"):
        name = (meta.get("name") or "").lower()
        value = (meta.get("content") or "").strip()
        if name not in SITE_METAS or not value:
            continue
        if spam.spam_terms_in(fold(value)):
            found.append(Evidence(SITE_META, f"{meta.get('name')}={value}"[:SNIPPET]))
            continue
        if name == "sitedomain":
            m = DOMAIN_RE.match(value)
            domain = m.group(1).lower() if m else ""
            if domain and domain.removeprefix("www.") != host.removeprefix("www.") \
                    and spam.is_foreign_link(f"http://{domain}/", host):
                found.append(Evidence(SITE_META, f"{meta.get('name')}={value}"[:SNIPPET]))
    return found


def genuine_host(markup: str, url: str) -> str | None:
    """The government host a copy names as its own (SiteDomain meta) when the page is served
    from another host: where the genuine copy lives."""
    root = parse_document(markup)
    host = (urlsplit(url).hostname or "").lower()
    for meta in root.iter("meta"):
        if (meta.get("name") or "").lower() == "sitedomain":
            m = DOMAIN_RE.match((meta.get("content") or "").strip())
            domain = m.group(1).lower() if m else ""
            if domain and spam.GOV_HOST_RE.search(domain) and domain != host:
                return domain
    return None


def page_text(markup: str) -> str:
    """What a reader sees of a page: its title and visible body text (for cloaking)."""
    root = parse_document(markup)
    title = root.find(".//title")
    head = title.text or "" if title is not None else ""
    return head + "\n" + visible(root, hidden_blocks(root))


def cloaking_evidence(browser_text: str, spider_text: str) -> Evidence | None:
    """Two readings of one URL, as a browser and as Baiduspider: a different main text is
    evidence (whitespace and digits folded; a few changed characters are not)."""
    a, b = squash(browser_text), squash(spider_text)
    if a == b or max(len(a), len(b)) < CLOAK_MIN_CHARS:
        return None
    ratio = SequenceMatcher(None, a[:4000], b[:4000], autojunk=False).ratio()
    if ratio >= CLOAK_MAX_SIMILARITY:
        return None
    terms = spam.spam_terms_in(fold(spider_text))
    shown = "、".join(terms) if terms else snippet_of(spider_text)
    return Evidence(CLOAKING, f"相似度 {ratio:.2f}; 爬虫看到: {shown}"[:SNIPPET * 2])


def squash(text: str) -> str:
    return re.sub(r"\s+|\d+", "", fold(text))


