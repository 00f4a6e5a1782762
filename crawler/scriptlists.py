"""Lists drawn by JavaScript, without a browser: list endpoints in scripts, and their JSON.

A report column is often an empty shell whose list a script fetches from a JSON endpoint
(`$.ajax({url: '/api/list', data: {pageNo: 1, channelId: '12'}})`, `fetch('/x/list.json?'
+ 'page=' + p)`, `axios.get(url, {params: {...}})`, `xhr.open('GET', ...)`), or whose
endpoint is a plain URL string in the script. This module reads the page's inline scripts
and the same-site scripts it links (fetched by the spider), and finds:

- `Feed`s: endpoints whose URL or nearby text speaks of lists or reports (年报, ndbg, gknb,
  list, channel, column, 栏目 ...), with the page parameter (`page`, `pageNo`, `pageIndex`,
  `curPage`, `start`/`limit`, `offset`/`size`, a `${page}` in the path ...) recognised by
  name, other parameters filled from the script's own variables;
- in an endpoint's answer (JSON, or JSONP), the records at any depth that carry a title and
  a URL, whatever their keys are called: known names first (title/name/bt/标题/docTitle,
  url/link/href/docpuburl/path ...), else by their values (a string that reads as a page
  address; a Chinese text that is no address and no date).

Relative record URLs resolve against the document the script runs in (where the list is
drawn), not the endpoint. Analytics, statistics, login and search calls and libraries
(jQuery itself, Vue, layui ...) are not followed. Pure: text in, records out; the spider
(`crawler/spiders/portal.py`) fetches, pages and scopes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urljoin, urlsplit

from crawler.discovery import LINK, PAGE, RECORD, SKIP_EXTENSIONS, Link, clean_text, extract_links

MARK = "\x00"  # around a placeholder (a script variable) inside a URL template
PAGE_MARK = "\x00@page\x00"
# A page number or an offset, by the name of its parameter (lower case, no _ or -).
PAGE_NAMES = {"page", "pageno", "pagenum", "pagenumber", "pageindex", "pageidx", "curpage",
              "currpage", "currentpage", "current", "pn", "p", "pg", "pagecurrent", "nowpage",
              "cpage", "pagenow", "pagecur", "currentpageno"}
OFFSET_NAMES = {"start", "offset", "skip", "begin", "startrow", "firstresult", "from"}
SIZE_NAMES = {"size", "pagesize", "limit", "rows", "perpage", "length", "num", "pagecount",
              "count", "ps", "pagelimit", "rowcount", "numperpage", "pagerows"}
DEFAULT_SIZE = 20
MAX_FEED_PAGES = 300  # pages read from one endpoint, whatever it keeps answering
MAX_SCRIPT_CHARS = 2_000_000  # of a script read for endpoints (bundles can be huge)
# Words near a call or in its URL that make it a list endpoint.
RELEVANT = re.compile(
    r"年报|年度报告|信息公开|ndbg|gknb|xxgk|zwgk|list|channel|column|lanmu|栏目|catalog|"
    r"category|cate|article|doc|info|news|record|data",
    re.IGNORECASE,
)
REPORT_WORDS = re.compile(r"年报|年度报告|ndbg|gknb|xxgknb", re.IGNORECASE)
# Endpoints that never list documents: analytics, statistics, counters, login, search.
NOT_A_LIST = re.compile(
    r"(?<![a-z])(stat|stats|statistic|statistics|tongji|count|counter|visit|visitor|pv|uv|log|"
    r"logs|track|tracker|tracking|analytics|beacon|collect|hits?|click|monitor|report_?error|"
    r"login|logout|user|captcha|verify|search|weather|share|comment|vote|like|"
    r"favorite|token|session|config|i18n|lang)(?![a-z])|hm\.baidu|cnzz|51\.la|google|"
    r"\.(css|png|jpe?g|gif|svg|ico|woff2?|ttf|js)(\?|$)",
    re.IGNORECASE,
)
# Scripts that are libraries, not a page's own code: never fetched, never read.
LIBRARY = re.compile(
    r"jquery|vue|react|angular|bootstrap|layui|layer|echarts|swiper|lodash|underscore|"
    r"moment|axios(\.min)?\.js|polyfill|html5shiv|respond|modernizr|require|sea|zepto|"
    r"hm\.js|cnzz|stat|tongji|analytics|gtag|share|aria|wza|jiathis|baidu|"
    r"\.min\.js$",
    re.IGNORECASE,
)
LIBRARY_TEXT = re.compile(r"jQuery JavaScript Library|jquery\.org/license|\* Vue\.js v|"
                          r"@license React|Sizzle CSS Selector|layui\.define", re.IGNORECASE)
TRIGGER = re.compile(r"ajax|fetch\s*\(|axios|XMLHttpRequest|getJSON|\$\.(get|post)\b|"
                     r"\.json\b|/api/|\.do\b|\.action\b", re.IGNORECASE)
DRAWS = re.compile(r"innerHTML|insertAdjacentHTML|\.html\s*\(|\.append\s*\(|document\.write|"
                   r"appendChild|createElement\s*\(\s*[\"'](?!script)|\$\{|template|render",
                   re.IGNORECASE)
LIST_WORDS = re.compile(r"\b(list|rows|items|records|atob)\b|年报|栏目|列表",
                        re.IGNORECASE)
# Substrings the regexes above need (checked first: Python's alternations are slow).
TRIGGER_WORDS = ("ajax", "fetch", "axios", "xmlhttprequest", "getjson", "$.get", "$.post",
                 ".json", "/api/", ".do", ".action")
DRAW_WORDS = ("innerhtml", "insertadjacenthtml", ".html", ".append", "document.write",
              "appendchild", "createelement", "${", "template", "render")
LIST_HINTS = ("list", "rows", "items", "records", "atob", "年报", "栏目", "列表")
CALL = re.compile(
    r"(?:\$|jQuery)\s*\.\s*(?P<jq>ajax|getJSON|get|post)\s*\(|"
    r"(?<![\w.])fetch\s*\(|"
    r"(?<![\w.])axios\s*(?:\.\s*(?P<ax>get|post|request))?\s*\(|"
    r"\.\s*open\s*\(\s*(?P<q>['\"])(?P<xm>GET|POST)(?P=q)\s*,",
    re.IGNORECASE,
)
STRING = r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`"""
STRING_RE = re.compile(STRING)
VAR = re.compile(r"""\b(?:var|let|const)\s+([A-Za-z_$][\w$]*)\s*=\s*(""" + STRING
                 + r"""|-?\d+(?:\.\d+)?)\s*[;,\n]""")
PROP = re.compile(r"""["']?([A-Za-z_$][\w$]*)["']?\s*[:=]\s*(""" + STRING
                  + r"""|-?\d+(?:\.\d+)?)\s*[;,}\n]""")
KEY_OF = re.compile(r"""^\s*["']?([\w$\u4e00-\u9fff-]+)["']?\s*:\s*(.*)$""", re.DOTALL)
IDENT = re.compile(r"^[A-Za-z_$][\w$.]*$")
NUMBER = re.compile(r"^-?\d+$")
URL_LIKE = re.compile(r"^(?:https?://|/|\./|\.\./)[^\s<>\"']*$|^[\w./-]+\.(?:s?html?|jsp|"
                      r"aspx?|php|do|action|json)(?:\?[^\s<>\"']*)?$", re.IGNORECASE)
ENDPOINT_SHAPE = re.compile(r"\.(json|jsonp|do|action|ashx|jsp|php|aspx)(\?|$)|/api/|/rest/|"
                            r"/data/|/interface/|/service/|/ajax|/front/|/list", re.IGNORECASE)
# Record keys, by the names platforms use (lower case, no _ or -).
# Other names are found by their values (see records_in).
TITLE_KEYS = ("title", "doctitle", "name", "bt", "标题", "subject", "topic", "caption",
              "headline", "articletitle", "infotitle", "filename", "maintitle", "text", "label")
URL_KEYS = ("url", "link", "href", "docpuburl", "puburl", "posturl", "pageurl", "detailurl",
            "htmlurl", "linkurl", "articleurl", "infourl", "path", "fileurl", "src", "address",
            "uri", "链接", "地址", "网址")
PAGE_ADDRESS = re.compile(r"\.(s?html?|jsp|aspx?|php|do|pdf|docx?|wps|xlsx?|ofd)(\?|#|$)|"
                          r"\?(.*&)?(id|aid|docid|infoid|articleid)=", re.IGNORECASE)
DATE_VALUE = re.compile(r"^\s*\d{4}[-/.年]\d{1,2}([-/.月]\d{1,2}日?)?([ T]\d.*)?$")
CJK = re.compile(r"[\u4e00-\u9fff]")
JSONP = re.compile(r"^\s*[\w$.]+\s*\(\s*(?P<body>[\[{].*[\]}])\s*\)\s*;?\s*$", re.DOTALL)


@dataclass(frozen=True)
class Feed:
    """A list endpoint: a URL template (and form) with the page parameter marked."""

    template: str  # absolute URL; PAGE_MARK where the page value goes
    method: str = "GET"
    form: tuple[tuple[str, str], ...] = ()  # POST parameters (PAGE_MARK allowed in values)
    json_body: bool = False  # POST a JSON object rather than a form
    first: int = 1  # the first page's value
    step: int = 1  # 1 for page numbers, the page size for offsets
    base: str = ""  # the document the list is drawn in: record URLs resolve against it
    reports: bool = False  # the endpoint or its call speaks of reports (年报, ndbg)

    @property
    def paged(self) -> bool:
        return PAGE_MARK in self.template or any(PAGE_MARK in v for _, v in self.form)

    def value(self, number: int) -> int:
        """The page parameter's value for page `number` (1-based)."""
        return self.first + (number - 1) * self.step

    def link(self, number: int = 1) -> Link:
        """The request for page `number` of this feed."""
        value = str(self.value(number))
        url = self.template.replace(PAGE_MARK, value)
        form = tuple((k, v.replace(PAGE_MARK, value)) for k, v in self.form)
        text = "年报" if self.reports else ""
        if self.method == "GET":
            return Link(url, text=text, kind=PAGE)
        return Link(url, text=text, kind=PAGE, method="POST", formdata=form)

    def body(self, link: Link) -> tuple[bytes, str]:
        """(body, content type) of a POST page of this feed."""
        if self.json_body:
            data = {k: int(v) if NUMBER.match(v) else v for k, v in link.formdata}
            return json.dumps(data, ensure_ascii=False).encode(), "application/json"
        return urlencode(link.formdata).encode(), "application/x-www-form-urlencoded"

    def to_meta(self) -> dict[str, Any]:
        return {"template": self.template, "method": self.method, "form": list(self.form),
                "json_body": self.json_body, "first": self.first, "step": self.step,
                "base": self.base, "reports": self.reports}

    @classmethod
    def from_meta(cls, data: dict[str, Any]) -> Feed:
        return cls(data["template"], data["method"], tuple(tuple(x) for x in data["form"]),
                   data["json_body"], data["first"], data["step"], data["base"],
                   data["reports"])


def norm(key: str) -> str:
    return key.replace("_", "").replace("-", "").lower()


# -- scripts of a page ---------------------------------------------------------------------


def inline_scripts(html: str) -> list[str]:
    """The text of every inline `<script>` of a page (not JSON-LD, not templates)."""
    found = []
    for match in re.finditer(r"<script\b([^>]*)>(.*?)</script\s*>", html, re.IGNORECASE | re.DOTALL):
        attrs, body = match.group(1), match.group(2)
        if re.search(r"\bsrc\s*=", attrs, re.IGNORECASE):
            continue
        kind = re.search(r"""\btype\s*=\s*["']?([^"'\s>]+)""", attrs, re.IGNORECASE)
        if kind and "javascript" not in kind.group(1).lower() and kind.group(1).lower() != "module":
            continue
        if body.strip():
            found.append(body)
    return found


def linked_scripts(page_url: str, html: str) -> list[str]:
    """Same-host `<script src>` URLs of a page worth reading: not libraries, not analytics."""
    host = urlsplit(page_url).netloc.lower()
    urls: list[str] = []
    for match in re.finditer(r"""<script\b[^>]*\bsrc\s*=\s*["']?([^"'\s>]+)""", html,
                             re.IGNORECASE):
        url = urljoin(page_url, match.group(1).strip()).split("#", 1)[0]
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc.lower() != host:
            continue
        name = parts.path.rsplit("/", 1)[-1]
        if LIBRARY.search(name) or NOT_A_LIST.search(parts.path.rsplit(".", 1)[0]):
            continue
        if url not in urls:
            urls.append(url)
    return urls[:8]


def draws_lists(page_url: str, html: str) -> bool:
    """Could a script draw this page's list? A same-site script of its own, or an inline
    script that writes into the page (not only an analytics loader)."""
    if linked_scripts(page_url, html):
        return True
    return any(mentions(s, DRAW_WORDS) and mentions(s, LIST_HINTS) and DRAWS.search(s)
               and LIST_WORDS.search(s) for s in inline_scripts(html))


def feeds_in_page(page_url: str, html: str) -> list[Feed]:
    """Endpoints called by a page's inline scripts."""
    if "<script" not in html and "<SCRIPT" not in html:
        return []
    feeds: list[Feed] = []
    for script in inline_scripts(html):
        feeds += feeds_in_script(script, page_url)
    return unique(feeds)


def mentions(text: str, words: tuple[str, ...]) -> bool:
    """A fast test before a slow regex: does the lower-cased text hold one of the words?"""
    low = text.lower()
    return any(word in low for word in words)


def feeds_in_script(script: str, base: str) -> list[Feed]:
    """Endpoints in one script; `base` is the URL of the document it runs in."""
    script = script[:MAX_SCRIPT_CHARS]
    if not mentions(script, TRIGGER_WORDS) or not TRIGGER.search(script):
        return []
    if LIBRARY_TEXT.search(script[:3000]):
        return []
    names = variables(script)
    feeds: list[Feed] = []
    for match in CALL.finditer(script):
        feed = feed_of_call(script, match, names, base)
        if feed is not None:
            feeds.append(feed)
    if not feeds:
        feeds = bare_feeds(script, names, base)
    return unique(feeds)


def unique(feeds: list[Feed]) -> list[Feed]:
    seen: set[tuple[str, str, tuple[tuple[str, str], ...]]] = set()
    out = []
    for feed in feeds:
        key = (feed.template, feed.method, feed.form)
        if key not in seen:
            seen.add(key)
            out.append(feed)
    return out


def variables(script: str) -> dict[str, str]:
    """String and number values a script gives its variables and config properties."""
    names: dict[str, str] = {}
    for pattern in (VAR, PROP):
        for name, value in pattern.findall(script):
            names.setdefault(name, literal(value))
    return names


def literal(token: str) -> str:
    token = token.strip()
    if token[:1] in "'\"`" and token[-1:] == token[:1]:
        return token[1:-1].replace("\\/", "/").replace("\\'", "'").replace('\\"', '"')
    return token


def code_chars(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, str]]:
    """(position, character) of script code from `start` to `end`, string literals skipped."""
    at, end = start, len(text) if end is None else end
    while at < end:
        char = text[at]
        if char in "'\"`":
            match = STRING_RE.match(text, at)
            at = match.end() if match else at + 1
            continue
        yield at, char
        at += 1


def balanced(text: str, start: int, limit: int = 3000) -> str:
    """The text from `start` (just after an opening bracket) to its closing bracket."""
    depth, end = 1, min(len(text), start + limit)
    for at, char in code_chars(text, start, end):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return text[start:at]
    return text[start:end]


def split_top(text: str, sep: str) -> list[str]:
    """Split on `sep` outside strings and brackets."""
    parts, depth, last = [], 0, 0
    for at, char in code_chars(text):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == sep and depth == 0:
            parts.append(text[last:at])
            last = at + 1
    parts.append(text[last:])
    return [p.strip() for p in parts if p.strip()]


def expression(expr: str, names: dict[str, str]) -> str:
    """A string expression (`'/a?p=' + page + '&c=' + cid`, a template literal, a variable)
    as text, known variables filled in and unknown ones as MARK-delimited placeholders."""
    out = []
    for part in split_top(expr, "+"):
        part = part.strip().strip("()")
        if part[:1] == "`":
            body = part[1:-1]
            out.append(re.sub(r"\$\{\s*([^}]*?)\s*\}", lambda m: fill(m.group(1), names), body))
        elif part[:1] in "'\"":
            out.append(literal(part))
        elif NUMBER.match(part):
            out.append(part)
        else:
            out.append(fill(part, names))
    return "".join(out)


def fill(token: str, names: dict[str, str]) -> str:
    name = re.split(r"\s*(?:\|\||\?\?|[-+*])\s*", token.strip())[0].strip()
    tail = name.rsplit(".", 1)[-1]
    if name in names:
        return names[name]
    if tail in names:
        return names[tail]
    return f"{MARK}{tail}{MARK}"


def object_pairs(body: str, names: dict[str, str]) -> list[tuple[str, str]]:
    """`key: value` pairs of a flat object literal's body, values as `expression` text."""
    pairs = []
    for item in split_top(body, ","):
        match = KEY_OF.match(item)
        if match:
            key, value = match.group(1), match.group(2).strip()
            if value.startswith(("{", "[", "function", "(")) or "=>" in value:
                continue
            pairs.append((key, expression(value, names)))
        elif IDENT.match(item):  # shorthand `{page, size}`
            pairs.append((item, fill(item, names)))
    return pairs


def object_after(text: str, key: str) -> str | None:
    """The body of the object literal after `key:` (`data: {...}`, `params: {...}`)."""
    match = re.search(r"(?<![\w$])" + key + r"""["']?\s*:\s*(JSON\s*\.\s*stringify\s*\(\s*)?\{""",
                      text)
    if not match:
        return None
    return balanced(text, match.end())


def value_after(text: str, key: str) -> str | None:
    """The expression after `key:` in an object literal, up to the next top-level comma."""
    match = re.search(r"(?<![\w$])[\"']?" + key + r"""["']?\s*:\s*""", text)
    if not match:
        return None
    rest = text[match.end():]
    parts = split_top(rest + ",", ",")
    return parts[0] if parts else None


def feed_of_call(script: str, match: re.Match[str], names: dict[str, str],
                 base: str) -> Feed | None:
    """The endpoint a fetch/$.ajax/axios/xhr call asks, if it is a list endpoint."""
    args = balanced(script, match.end()) if not match.group("xm") else balanced(
        script, match.end(), 600)
    parts = split_top(args, ",")
    method = "GET"
    json_body = False
    params: list[tuple[str, str]] = []
    options = ""
    if match.group("xm"):  # xhr.open('GET', url)
        method = match.group("xm").upper()
        url_expr = parts[0] if parts else ""
        send = re.search(r"\.\s*send\s*\(", script[match.end():match.end() + 1500])
        if method == "POST" and send:
            sent = balanced(script, match.end() + send.end(), 600)
            params = query_pairs(expression(sent, names)) if sent.strip() else []
    elif parts and parts[0].startswith("{"):  # $.ajax({url: ...}), axios({url: ...})
        options = parts[0][1:]
        url_expr = value_after(options, "url") or ""
    else:
        url_expr = parts[0] if parts else ""
        options = parts[1][1:] if len(parts) > 1 and parts[1].startswith("{") else ""
        if match.group("jq") in ("get", "post", "getJSON") and options:
            params = object_pairs(balanced(parts[1], 1), names)  # $.get(url, {data})
            options = ""
    if not url_expr:
        return None
    if match.group("jq") == "post" or (match.group("ax") or "").lower() == "post":
        method = "POST"
    if options:
        kind = value_after(options, "type") or value_after(options, "method") or ""
        if "post" in kind.lower():
            method = "POST"
        for key in ("data", "params", "body"):
            obj = object_after(options, key)
            if obj is not None:
                params += object_pairs(obj, names)
                if re.search(key + r"""["']?\s*:\s*JSON\s*\.\s*stringify""", options):
                    json_body = True
                continue
            text = value_after(options, key)
            if text and not text.startswith("{"):
                params += query_pairs(expression(text, names))
        if "application/json" in options.lower() and method == "POST":
            json_body = True
    if match.group("ax") is not None and (match.group("ax") or "").lower() == "post" \
            and len(parts) > 1 and parts[1].startswith("{"):
        params = object_pairs(balanced(parts[1], 1), names)
        json_body = True
    url_text = expression(url_expr, names)
    window = script[max(0, match.start() - 400):match.end() + len(args)]
    return make_feed(url_text, method, params, json_body, base, window)


def query_pairs(text: str) -> list[tuple[str, str]]:
    return [tuple(p.split("=", 1)) if "=" in p else (p, "")  # type: ignore[misc]
            for p in text.lstrip("?").split("&") if p]


def bare_feeds(script: str, names: dict[str, str], base: str) -> list[Feed]:
    """Endpoint URL strings with no call we can read (`var api = '/x/list.do?page=1'`)."""
    feeds = []
    for match in STRING_RE.finditer(script):
        text = literal(match.group(0))
        if "\n" in text or len(text) > 400 or not URL_LIKE.match(text.split(MARK)[0] or "/"):
            continue
        if not ENDPOINT_SHAPE.search(text):
            continue
        window = script[max(0, match.start() - 300):match.end() + 300]
        feed = make_feed(expression(match.group(0), names), "GET", [], False, base, window,
                         need_page=True)
        if feed is not None:
            feeds.append(feed)
    return feeds


def make_feed(url_text: str, method: str, params: list[tuple[str, str]], json_body: bool,
              base: str, window: str, need_page: bool = False) -> Feed | None:
    """A Feed from a call's URL text and parameters, or None when it is no list endpoint."""
    url_text = url_text.strip()
    head = url_text.split("?", 1)[0]
    if not head or MARK in head.split("/")[0] and not head.startswith(MARK):
        return None
    if head.startswith(MARK):  # the whole URL is a variable we could not read
        return None
    path_part, _, query = url_text.partition("?")
    query_params = query_pairs(query)
    if method == "GET":
        query_params += params
        form: list[tuple[str, str]] = []
    else:
        form = list(params)
    path = mark_page_in_path(path_part)
    if path is None:
        return None
    absolute = urljoin(base, path.replace(PAGE_MARK, "__PAGE__"))
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https"):
        return None
    if NOT_A_LIST.search(parts.netloc + parts.path):
        return None
    context = absolute + " " + " ".join(k for k, _ in query_params + form) + " " + window
    if not RELEVANT.search(context):
        return None
    first, step = 1, 1
    query_params, paging = page_params(query_params)
    form, form_paging = page_params(form)
    paging = paging or form_paging
    if paging is not None:
        first, step = paging
    elif "__PAGE__" not in absolute and need_page:
        return None
    template = absolute.replace("__PAGE__", PAGE_MARK)
    if query_params:
        query_text = "&".join(f"{quote(k, safe='')}={v if PAGE_MARK in v else quote(v, safe='')}"
                              for k, v in query_params)
        template = urlsplit(template)._replace(query=query_text).geturl().replace(
            quote(PAGE_MARK, safe=""), PAGE_MARK)
    reports = bool(REPORT_WORDS.search(context))
    return Feed(template, method, tuple(form), json_body, first, step, base, reports)


def mark_page_in_path(path: str) -> str | None:
    """A path with a page variable (`/list/${page}.json`) marked; None when another
    unknown variable remains in it."""
    def swap(match: re.Match[str]) -> str:
        return PAGE_MARK if norm(match.group(1)) in PAGE_NAMES | {"i", "n", "num", "index",
                                                                  "pageid"} else "\x01"
    marked = re.sub(MARK + r"([^" + MARK + r"]*)" + MARK, swap, path)
    return None if "\x01" in marked else marked


def page_params(pairs: list[tuple[str, str]]) -> tuple[list[tuple[str, str]],
                                                        tuple[int, int] | None]:
    """Parameters with the page one marked (and unknown ones dropped); (first, step)."""
    names = {norm(k): k for k, _ in pairs}
    size_key = next((names[n] for n in names if n in SIZE_NAMES), None)
    page_key = next((names[n] for n in names if n in PAGE_NAMES), None)
    offset_key = None if page_key else next((names[n] for n in names if n in OFFSET_NAMES), None)
    size = DEFAULT_SIZE
    out: list[tuple[str, str]] = []
    paging = None
    for key, value in pairs:
        if key == size_key:
            number = value if NUMBER.match(value) else None
            size = int(number) if number and 0 < int(number) <= 1000 else DEFAULT_SIZE
            out.append((key, str(size)))
        elif key == page_key:
            start = int(value) if NUMBER.match(value) and int(value) in (0, 1) else 1
            paging = (start, 1)
            out.append((key, PAGE_MARK))
        elif key == offset_key:
            start = int(value) if NUMBER.match(value) and int(value) in (0, 1) else 0
            paging = (start, -1)  # step: the size, once it is known
            out.append((key, PAGE_MARK))
        elif MARK in value:
            continue  # a variable we could not read: the server's default is our best guess
        else:
            out.append((key, value))
    if paging is not None and paging[1] == -1:
        paging = (paging[0], size)
        if size_key is None:
            out.append(("limit", str(size)))
    return out, paging


# -- answers of an endpoint ----------------------------------------------------------------


def load_json(text: str) -> Any:
    """The JSON (or JSONP) value of an answer, or None."""
    text = text.strip().lstrip("\ufeff")
    if not text:
        return None
    if text[0] not in "[{":
        match = JSONP.match(text)
        if not match:
            return None
        text = match.group("body")
    try:
        return json.loads(text)
    except ValueError:
        return None


def flat(record: dict[str, Any], depth: int = 0) -> dict[str, Any]:
    """A record's scalar fields, nested objects' fields included (first name wins)."""
    out: dict[str, Any] = {}
    nested = []
    for key, value in record.items():
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            out.setdefault(str(key), value)
        elif isinstance(value, dict) and depth < 2:
            nested.append(value)
    for value in nested:
        for key, inner in flat(value, depth + 1).items():
            out.setdefault(key, inner)
    return out


def lists_in(data: Any, depth: int = 0) -> Iterator[list[dict[str, Any]]]:
    """Every list of objects in a JSON value, at any depth."""
    if depth > 8:
        return
    if isinstance(data, list):
        objects = [x for x in data if isinstance(x, dict)]
        if objects:
            yield objects
        for item in data:
            if isinstance(item, (dict, list)):
                yield from lists_in(item, depth + 1)
    elif isinstance(data, dict):
        for value in data.values():
            if isinstance(value, (dict, list)):
                yield from lists_in(value, depth + 1)


def is_address(value: Any) -> bool:
    """A string that reads as the address of a page or document (not an image, a style)."""
    if not isinstance(value, str):
        return False
    value = value.strip()
    return (0 < len(value) < 1000 and bool(URL_LIKE.match(value))
            and not value.lower().startswith(("javascript:", "data:", "mailto:"))
            and not SKIP_EXTENSIONS.search(urlsplit(value).path))


def is_title(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    value = clean_text(value)
    return (2 <= len(value) <= 300 and bool(CJK.search(value)) and not is_address(value)
            and not DATE_VALUE.match(value))


def pick_key(rows: list[dict[str, Any]], known: tuple[str, ...], test: Any,
             rank: Any) -> str | None:
    """The key whose values pass `test` in most rows: a known name first, else the best
    by `rank` among keys passing in at least half of the rows."""
    counts: dict[str, int] = {}
    for row in rows:
        for key, value in row.items():
            if test(value):
                counts[key] = counts.get(key, 0) + 1
    if not counts:
        return None
    by_norm = {norm(k): k for k in counts}
    for name in known:
        hit = by_norm.get(name)
        if hit is not None and counts[hit] * 2 >= len(rows):
            return hit
    good = [k for k, n in counts.items() if n * 2 >= len(rows)]
    return max(good, key=lambda k: (counts[k], rank(k, rows))) if good else None


def url_rank(key: str, rows: list[dict[str, Any]]) -> int:
    """Page addresses (`.html`, `?id=`) beat other paths (images, API links)."""
    return sum(1 for r in rows if PAGE_ADDRESS.search(str(r.get(key, ""))))


def title_rank(key: str, rows: list[dict[str, Any]]) -> int:
    """Longer Chinese texts are titles; short ones are columns, places, authors."""
    return sum(len(str(r.get(key, ""))) for r in rows)


def records_in(data: Any, base: str) -> list[Link]:
    """Links (kind RECORD, titled) of the records of a JSON answer that carry a title and
    a URL, at any depth; relative URLs resolve against `base`."""
    links: list[Link] = []
    seen: set[str] = set()
    for objects in lists_in(data):
        rows = [flat(x) for x in objects]
        url_key = pick_key(rows, URL_KEYS, is_address, url_rank)
        title_key = pick_key(rows, TITLE_KEYS, is_title, title_rank)
        if url_key is None or title_key is None or url_key == title_key:
            continue
        for row in rows:
            href, title = row.get(url_key), row.get(title_key)
            if not is_address(href) or not isinstance(title, str):
                continue
            url = urljoin(base, str(href).strip().replace("\\", "/")).split("#", 1)[0]
            if urlsplit(url).scheme not in ("http", "https"):
                continue
            link = Link(url, text=clean_text(title)[:300], kind=RECORD)
            if link.key not in seen:
                seen.add(link.key)
                links.append(link)
    return links


def fragments_in(data: Any, depth: int = 0) -> Iterator[str]:
    """HTML fragments carried as JSON strings (`{"html": "<li><a href=…>…</a></li>"}`)."""
    if depth > 8:
        return
    if isinstance(data, str):
        if "<a " in data and "href" in data:
            yield data
    elif isinstance(data, list):
        for item in data:
            yield from fragments_in(item, depth + 1)
    elif isinstance(data, dict):
        for value in data.values():
            yield from fragments_in(value, depth + 1)


def fragment_links(html: str, base: str) -> list[Link]:
    """The titled anchors of an HTML fragment, as records."""
    return [Link(link.url, text=link.text, title=link.title, kind=RECORD)
            for link in extract_links(base, html) if link.kind == LINK and link.label]


def read_answer(text: str, base: str) -> list[Link] | None:
    """The records of an endpoint's answer: JSON (or JSONP) records, else the anchors of
    HTML it carries (as a JSON string, or as the whole answer); None when it is neither."""
    data = load_json(text)
    if data is None:
        if "<a " in text[:200000] and "href" in text[:200000]:
            return fragment_links(text, base)
        return None
    records = records_in(data, base)
    if not records:
        for fragment in fragments_in(data):
            records += fragment_links(fragment, base)
    return records


@dataclass
class FeedProgress:
    """What the spider remembers of one feed while paging through it."""

    feed: Feed
    pages: int = 0
    records: int = 0
    keys: set[str] = field(default_factory=set)

    def take(self, links: list[Link]) -> tuple[list[Link], bool]:
        """A page's records: the new ones, and whether to ask the next page (not when the
        records stopped or only repeat, nor for a feed without a page parameter)."""
        self.pages += 1
        new = [link for link in links if link.key not in self.keys]
        self.keys.update(link.key for link in new)
        self.records += len(new)
        return new, bool(new) and self.feed.paged and self.pages < MAX_FEED_PAGES
