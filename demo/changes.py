"""The demo portals over time, and the HTTP caching headers real portals send.

State 0 is every portal as generated (demo/content/*.json). Later states are what a
nightly crawler meets weeks later:

- state 1: two reports edited (a figure corrected, a sentence added), one deleted (404),
  one taken off its list but still served, one replaced by a "信息已删除" page answering
  200 (a soft-404), one new report published, one report page answering 500;
- state 2: state 1, and 石花镇's portal redesigned so that its lists link no report (the
  silent breakage a health check must flag).

In every state, pages carry validators the way each portal's server would: TRS (nginx,
static pages) sends ETag and Last-Modified and gzips HTML for clients that accept it;
Hanweb sends Last-Modified; the 集约化 platform a weak ETag; the old ASP site and the
mirror send none. If-None-Match / If-Modified-Since are honoured with 304.

Switch states with `DemoPortals(state=N)`, `DemoPortals.set_state(N)`,
`nianbao demo-portal --state N`, or `GET /admin/state?set=N` on any portal (robots.txt
disallows /admin/, so no polite crawler reaches it).
"""

from __future__ import annotations

import copy
import gzip
import hashlib
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import parse_qsl, urlencode

from demo.content import Doc, PortalContent
from demo.render import site_for
from demo.render.common import Request, Response, Site

STATES = {
    0: "as generated",
    1: "weeks later: 2 reports edited, 1 deleted (404), 1 off its list, 1 soft-404, "
       "1 new report, 1 page answering 500",
    2: "state 1, and shihua's lists no longer link any report (portal redesign)",
}
EDITED = ("fusong/sjhz/松江河镇/2022", "qujiang/1229/高家镇/2020")
REMOVED = "zhalantun/cjshz/成吉思汗镇/2023"
UNLISTED = "qujiang/1229/湖南镇/2015"
SOFT_404 = "shihua/3/石花镇/2012"
FAILING = "shihua/3/石花镇/2014"
ADDED_FROM = "zhalantun/wnhz/卧牛河镇/2020"
ADDED = "zhalantun/wnhz/卧牛河镇/2025"
ADDED_PATH = "/zlt/2026-01/23/article_20260123101500123.html"
BROKEN_PORTAL = "shihua"
# When each state's changes were made (Last-Modified of what changed, and of list pages).
STATE_TIMES = {0: datetime(2026, 2, 1, tzinfo=UTC),
               1: datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
               2: datetime(2026, 3, 20, 8, 0, tzinfo=UTC)}
VALIDATORS = {"trs": ("etag", "last-modified"), "hanweb": ("last-modified",), "jyh": ("weak-etag",)}
GZIP_STYLES = ("trs",)
NUMBER = re.compile(r"\d+(?=条|件|个|次)")
ADMIN_PATH = "/admin/state"

SOFT_404_PAGE = """<!DOCTYPE html>
<html><head><meta charset="gb2312"><title>信息提示</title></head>
<body><div style="text-align:center;padding:60px 0"><p>该信息已删除或不存在！</p>
<p><a href="/">返回首页</a></p></div></body></html>"""
ERROR_PAGE = b"<html><body><h1>500 Internal Server Error</h1></body></html>"


def path_key(path: str, query: Mapping[str, list[str]]) -> str:
    """A path with its query sorted: `/show.asp?classid=3&id=6` and `?id=6&classid=3` agree."""
    pairs = sorted((k, v) for k, values in query.items() for v in values)
    return path + ("?" + urlencode(pairs) if pairs else "")


def key_of_path(path: str) -> str:
    base, _, query = path.partition("?")
    pairs = sorted(parse_qsl(query, keep_blank_values=True))
    return base + ("?" + urlencode(pairs) if pairs else "")


def doc_path_keys(doc: Doc) -> list[str]:
    return [key_of_path(path) for path in doc["paths"]]


def edit_doc(doc: Doc) -> None:
    """A correction: the first count in the text changes, and a note is appended."""
    for block in doc["blocks"]:
        if block["t"] == "p" and NUMBER.search(block["x"]):
            number = NUMBER.search(block["x"])
            assert number is not None
            block["x"] = (block["x"][: number.start()] + str(int(number.group()) + 7)
                          + block["x"][number.end():])
            break
    paragraphs = [b for b in doc["blocks"] if b["t"] == "p"]
    paragraphs[-1]["x"] += "（本报告数据已于2026年3月核对更正。）"


def added_doc(source: Doc) -> Doc:
    """A new report for the next year, built from an older one of the same town."""
    doc = copy.deepcopy(source)
    old, new = str(source["report_year"]), "2025"
    doc.update(id=ADDED, report_year=2025, published="2026-01-23", time="10:15:00",
               signed="2026-01-20", paths=[ADDED_PATH],
               title=source["title"].replace(old, new),
               title_raw=source["title_raw"].replace(old, new))
    for block in doc["blocks"]:
        if block["t"] in ("p", "h"):
            block["x"] = block["x"].replace(f"{old}年", f"{new}年")
        elif block["t"] == "sign":
            block["lines"] = [*block["lines"][:-1], "2026年1月20日"]
    return doc


@dataclass
class StateOfPortal:
    """One portal in one state: its renderer and what the state does to single pages."""

    site: Site
    overrides: dict[str, str]  # path key -> "soft-404" / "error"
    changed_at: dict[str, datetime]  # path key -> when that page last changed


def build_state(original: PortalContent, state: int) -> StateOfPortal:
    content = copy.deepcopy(original)
    docs = {d["id"]: d for d in content.docs}
    changed: dict[str, datetime] = {}
    hidden: set[str] = set()
    overrides: dict[str, str] = {}
    if state >= 1:
        for doc_id in EDITED:
            if doc_id in docs:
                edit_doc(docs[doc_id])
                changed.update(dict.fromkeys(doc_path_keys(docs[doc_id]), STATE_TIMES[1]))
        if ADDED_FROM in docs:
            content.docs.append(added_doc(docs[ADDED_FROM]))
            changed[ADDED_PATH] = STATE_TIMES[1]
        content.docs = [d for d in content.docs if d["id"] != REMOVED]
        hidden |= {UNLISTED, SOFT_404}
        for doc_id, kind in ((SOFT_404, "soft-404"), (FAILING, "error")):
            if doc_id in docs:
                overrides.update(dict.fromkeys(doc_path_keys(docs[doc_id]), kind))
    if state >= 2 and content.id == BROKEN_PORTAL:
        hidden |= {d["id"] for d in content.docs if d["kind"] == "report"}
    site = site_for(content)  # detail pages are routed before the lists lose them
    content.docs = [d for d in content.docs if d["id"] not in hidden]
    return StateOfPortal(site, overrides, changed)


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def published_at(doc: Doc) -> datetime:
    return datetime.fromisoformat(f"{doc['published']}T{doc.get('time') or '00:00:00'}+00:00")


class LivePortal:
    """A portal whose state can change while it is being served (thread-safe)."""

    def __init__(self, content: PortalContent, state: int = 0):
        self.content = content
        self.lock = threading.Lock()
        self.state = -1
        self.current: StateOfPortal | None = None
        self.dates = {key: published_at(d) for d in content.docs for key in doc_path_keys(d)}
        self.dates.update({key_of_path(a["path"]): published_at(d) for d in content.docs
                           for a in d.get("attachments", [])})
        self.set_state(state)

    def set_state(self, state: int) -> None:
        if state not in STATES:
            raise ValueError(f"no demo state {state}; states: {sorted(STATES)}")
        with self.lock:
            if state != self.state:
                self.current, self.state = build_state(self.content, state), state

    def respond(self, request: Request, headers: Mapping[str, str]) -> Response:
        with self.lock:
            current, state = self.current, self.state
        assert current is not None
        key = path_key(request.path, request.query)
        kind = current.overrides.get(key)
        if kind == "error":
            return Response(500, ERROR_PAGE)
        if kind == "soft-404":
            return Response(200, SOFT_404_PAGE.encode("gb18030"), "text/html")
        response = current.site.respond(request)
        if response.status != 200 or request.method not in ("GET", "HEAD"):
            return response
        modified = current.changed_at.get(key) or self.dates.get(key) or STATE_TIMES[state]
        return with_validators(response, self.content.style, modified, headers)


def with_validators(response: Response, style: str, modified: datetime,
                    headers: Mapping[str, str]) -> Response:
    """Add this server's validators; 304 when the client's copy is current; gzip HTML."""
    kinds = VALIDATORS.get(style, ())
    extra = dict(response.headers)
    digest = hashlib.sha1(response.body).hexdigest()[:16]
    if "etag" in kinds:
        extra["ETag"] = f'"{digest}"'
    if "weak-etag" in kinds:
        extra["ETag"] = f'W/"{digest}"'
    if "last-modified" in kinds:
        extra["Last-Modified"] = http_date(modified)
    if is_current(extra, headers):
        return Response(304, b"", response.content_type, extra)
    body = response.body
    accepts = headers.get("Accept-Encoding", "")
    if style in GZIP_STYLES and "gzip" in accepts and response.content_type.startswith("text/html"):
        body = gzip.compress(body, mtime=0)
        extra.update({"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
    return Response(200, body, response.content_type, extra)


def is_current(sent: Mapping[str, str], asked: Mapping[str, str]) -> bool:
    """RFC 9110: If-None-Match wins over If-Modified-Since; weak comparison for ETags."""
    etag, none_match = sent.get("ETag"), asked.get("If-None-Match")
    if none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in none_match.split(",")}
        return etag is not None and (etag.removeprefix("W/") in tags or "*" in tags)
    modified, since = sent.get("Last-Modified"), asked.get("If-Modified-Since")
    if modified is None or since is None:
        return False
    try:
        return parsedate_to_datetime(modified) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


def changed_urls(contents: list[PortalContent], bases: Mapping[str, str]) -> dict[str, list[str]]:
    """The absolute URLs each kind of change touches (for tests and the README)."""
    where = {d["id"]: (p.id, d) for p in contents for d in p.docs}
    urls: dict[str, list[str]] = {}
    for kind, ids in (("edited", EDITED), ("removed", (REMOVED,)), ("unlisted", (UNLISTED,)),
                      ("soft_404", (SOFT_404,)), ("failing", (FAILING,))):
        urls[kind] = [bases[where[i][0]].rstrip("/") + path
                      for i in ids if i in where for path in where[i][1]["paths"]]
    added_base = bases[where[ADDED_FROM][0]] if ADDED_FROM in where else ""
    urls["added"] = [added_base.rstrip("/") + ADDED_PATH] if added_base else []
    return urls
