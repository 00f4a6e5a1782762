"""`ScalePortal`: the generated county portal served on 127.0.0.1 (see `tools.scale`)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import urlsplit

from demo.render.common import FONT_SIZE, PRINT_CLOSE, ROBOTS, STYLESHEET, TINY_PNG
from demo.render.trs import CREATE_PAGE_JS
from tools.gen import decoys
from tools.gen.narrative import build_narrative
from tools.gen.standard import build_standard
from tools.scale.chrome import (
    NDBG_CRUMB,
    SHARE_SCRIPT,
    XXGK_COLUMNS,
    XXGK_CRUMB,
    blocks_html,
    frame,
    list_item,
)
from tools.scale.plan import (
    COUNTY,
    NEWS_PLACES,
    PER_PAGE,
    YEARS,
    Entry,
    decoy_blocks,
    decoy_entries,
    make_towns,
    newest_first,
    news_entries,
    report_entries,
    report_spec,
)

PLAIN_COLUMNS = {"/zwfw/": "政务服务", "/hdjl/": "互动交流", "/zjql/": "走进青岚"}
LIST_PATH = re.compile(r"^(?P<dir>/(?:[a-z0-9]+/)+)(?:index(?:_(?P<n>\d+))?\.html)?$")
DETAIL_PATH = re.compile(r"^/[a-z0-9/]+/\d{6}/t\d{8}_(?P<serial>\d+)\.html$")


@dataclass
class Column:
    """A list column: its name, breadcrumb and pages (newest first)."""

    name: str
    crumb: list[tuple[str, str]]
    docs: list[Entry]

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.docs) // PER_PAGE))


class ScalePortal:
    """A generated county portal with `reports` annual reports, served until stop()."""

    def __init__(self, reports: int = 2000, port: int = 0, host: str = "127.0.0.1", *,
                 per_town: int = YEARS, first_town: int = 0, county: str = COUNTY):
        self.reports = reports
        self.host, self.port = host, port
        self.county = county
        self.towns = make_towns(-(-reports // per_town), first_town)
        self.entries = report_entries(reports, self.towns, per_town, county)
        self.decoys = decoy_entries(self.towns)
        self.news = news_entries(max(20, reports // 100))
        self.by_serial = {e.serial: e for e in (*self.entries, *self.decoys, *self.news)}
        in_columns = newest_first([*self.entries, *self.decoys])
        self.columns: dict[str, Column] = {
            "/xxgk/ndbg/": Column("政府信息公开年报", NDBG_CRUMB, in_columns),
            "/zwdt/": Column("政务动态", [("/", "首页"), ("/zwdt/", "政务动态")], self.news),
        }
        by_town: dict[str, list[Entry]] = {town.column: [] for town in self.towns}
        for entry in in_columns:
            by_town[entry.town.column].append(entry)  # type: ignore[union-attr]
        for town in self.towns:
            self.columns[town.column] = Column(
                town.name, [*NDBG_CRUMB, (town.column, town.name)], by_town[town.column])
        for slug, name in XXGK_COLUMNS[:-1]:
            self.columns[f"/xxgk/{slug}/"] = Column(name, [*XXGK_CRUMB, (f"/xxgk/{slug}/", name)],
                                                    [])
        for path, name in PLAIN_COLUMNS.items():
            self.columns[path] = Column(name, [("/", "首页"), (path, name)], [])
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    # -- what a crawl should find ----------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    @property
    def start_url(self) -> str:
        return self.base_url

    def report_urls(self) -> list[str]:
        return [self.base_url.rstrip("/") + e.path for e in self.entries]

    def page_count(self) -> int:
        """Distinct HTML pages a link-following crawl can reach (home, lists, details)."""
        lists = sum(column.pages for column in self.columns.values())
        return 2 + lists + len(self.by_serial)  # home and the 政府信息公开 landing page

    # -- responses --------------------------------------------------------------------------

    def respond(self, path: str) -> tuple[int, bytes, str, dict[str, str]]:
        """(status, body, content type, extra headers) for a GET of `path`."""
        html = "text/html; charset=utf-8"
        if path == "/robots.txt":
            return 200, ROBOTS.encode(), "text/plain", {}
        if path.startswith("/css/"):
            return 200, STYLESHEET.encode(), "text/css", {}
        if path.startswith("/images/"):
            return 200, TINY_PNG, "image/png", {}
        if path in ("/", "/index.html"):
            return 200, self.home(), html, {}
        if path in ("/xxgk/", "/xxgk/index.html"):
            return 200, self.landing(), html, {}
        body = self.route(path)
        if body is not None:
            return 200, body, html, {}
        if path + "/" in self.columns:
            return 301, b"", html, {"Location": path + "/"}
        return 404, self.not_found(), html, {}

    def route(self, path: str) -> bytes | None:
        match = DETAIL_PATH.match(path)
        if match:
            entry = self.by_serial.get(int(match["serial"]))
            return self.detail(entry) if entry is not None and entry.path == path else None
        match = LIST_PATH.match(path)
        if match and match["dir"] in self.columns:
            return self.list_page(match["dir"], int(match["n"] or 0))
        return None

    def home(self) -> bytes:
        news = "".join(list_item("/", e) for e in self.news[:8])
        quick = "".join(f'<li><a href="/xxgk/{slug}/">{name}</a></li>'
                        for slug, name in XXGK_COLUMNS[-3:])
        body = (f'<div class="home"><div class="box"><div class="box-title">政务动态 '
                f'<a class="more" href="/zwdt/">更多&gt;&gt;</a></div><ul>{news}</ul></div>'
                f'<div class="box"><div class="box-title">政府信息公开</div><ul>{quick}</ul>'
                "</div></div>")
        return frame("", [], body)

    def landing(self) -> bytes:
        menu = "".join(f'<li><a href="/xxgk/{slug}/">{name}</a></li>' for slug, name in XXGK_COLUMNS)
        body = (f'<div class="left-menu"><div class="menu-title">政府信息公开</div><ul>{menu}</ul>'
                '</div><div class="right-box"><div class="column-title">政府信息公开</div>'
                f"<p>{COUNTY}人民政府依法主动公开政府信息，欢迎社会各界监督。</p></div>")
        return frame("政府信息公开", XXGK_CRUMB, body)

    def list_page(self, directory: str, number: int) -> bytes | None:
        column = self.columns[directory]
        pages, docs = column.pages, column.docs
        if number >= pages:
            return None
        rows = "\n".join(list_item(directory, e) for e in
                         docs[number * PER_PAGE:(number + 1) * PER_PAGE]) or "<li>暂无信息</li>"
        sub = ""
        if directory == "/xxgk/ndbg/" and number == 0:
            links = "".join(f'<a href="./{t.code}/">{t.name}</a>' for t in self.towns)
            sub = f'<div class="sub-column">{links}</div>'
        body = (f'<div class="right-box"><div class="column-title">{escape(column.name)}</div>'
                f"{sub}\n"
                f'<ul class="list">\n{rows}\n</ul>\n<div class="page">{CREATE_PAGE_JS}\n'
                '<script type="text/javascript">'
                f'createPageHTML({pages}, {number}, "index", "html");</script>\n</div></div>')
        return frame(column.name, column.crumb, body)

    def detail(self, entry: Entry) -> bytes:
        title, blocks, source, crumb, column = self.content(entry)
        stamp = f"{entry.published.isoformat()} {8 + entry.serial % 9:02d}:{entry.serial % 60:02d}"
        heads = (f'<meta name="ColumnName" content="{escape(column)}">\n'
                 f'<meta name="ArticleTitle" content="{escape(title)}">\n'
                 f'<meta name="PubDate" content="{stamp}">\n'
                 f'<meta name="ContentSource" content="{escape(source)}">\n')
        body = f"""<div class="article">
<h1 class="title">{escape(title)}</h1>
<div class="info">发布日期：{entry.published.isoformat()}&nbsp;&nbsp;&nbsp;&nbsp;来源：{escape(source)}&nbsp;&nbsp;&nbsp;&nbsp;点击数：<span id="clicks"></span>&nbsp;&nbsp;&nbsp;&nbsp;{FONT_SIZE}</div>
<div class="content" id="zoom"><div class="TRS_Editor">
{blocks_html(blocks)}
</div></div>
<div class="tools">分享到：<a href="javascript:shareTo('weixin')">微信</a> <a href="javascript:shareTo('weibo')">微博</a> <a href="javascript:shareTo('qzone')">QQ空间</a> {PRINT_CLOSE}</div>
<div id="qrbox" style="display:none"><img src="/images/qr.png" alt="用微信扫描二维码分享"></div>
{self.prev_next(entry)}
{self.related(entry)}
</div>
{SHARE_SCRIPT}"""
        return frame(title, crumb, body, heads)

    def content(self, entry: Entry) -> tuple[str, list[dict[str, Any]], str, list[Any], str]:
        """(title, body blocks, source, breadcrumb, column name) of a detail page."""
        town = entry.town
        if town is None:
            title, blocks = decoys.news(COUNTY + NEWS_PLACES[entry.arg % 4], entry.published.year,
                                        entry.arg)
            return title, blocks, f"{COUNTY}融媒体中心", self.columns["/zwdt/"].crumb, "政务动态"
        crumb = [*NDBG_CRUMB, (town.column, town.name)]
        if entry.kind == "report":
            spec = report_spec(entry.arg, town, self.county)
            blocks = (build_standard(spec)[0] if spec.is_post2019 else build_narrative(spec)[0])
            return entry.title, blocks, spec.body, crumb, town.name
        return entry.title, decoy_blocks(entry.arg, town), f"{town.name}人民政府", crumb, town.name

    def prev_next(self, entry: Entry) -> str:
        docs = self.column_of(entry).docs
        at = docs.index(entry)
        parts = []
        for label, other in (("上一篇", docs[at - 1] if at else None),
                             ("下一篇", docs[at + 1] if at + 1 < len(docs) else None)):
            link = (f'<a href="{other.path}" title="{escape(other.title)}">{escape(other.title)}'
                    "</a>" if other else "没有了")
            parts.append(f"<p>{label}：{link}</p>")
        return f'<div class="prev-next">{"".join(parts)}</div>'

    def related(self, entry: Entry) -> str:
        """The 相关信息 box: the newest other pages of the same column."""
        docs = self.column_of(entry).docs
        items = "".join(f'<li><a href="{e.path}" target="_blank" title="{escape(e.title)}">'
                        f"{escape(e.title)}</a><span>{e.published.isoformat()}</span></li>"
                        for e in docs[:12] if e is not entry)
        return f'<div class="related"><div class="hd">相关信息</div><ul class="list">{items}</ul></div>'

    def column_of(self, entry: Entry) -> Column:
        return self.columns[entry.town.column if entry.town else "/zwdt/"]

    def not_found(self) -> bytes:
        return frame("404 页面不存在", [("/", "首页")],
                     '<div class="right-box"><p>对不起，您访问的页面不存在或已被删除。</p></div>')

    # -- serving ------------------------------------------------------------------------------

    def start(self) -> Self:
        self.server = QuickServer((self.host, self.port), handler_for(self.respond))
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, name="scale-portal",
                                       daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)
        self.server = self.thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class QuickServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a burst of crawler connections must not be refused


def handler_for(respond: Callable[[str], tuple[int, bytes, str, dict[str, str]]]
                ) -> type[BaseHTTPRequestHandler]:
    class ScaleHandler(BaseHTTPRequestHandler):
        server_version = "nginx/1.20.1"
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # no 40 ms waits for delayed ACKs between writes
        wbufsize = 1 << 16  # headers and body leave in one write (flushed after each request)

        def version_string(self) -> str:
            return self.server_version

        def do_GET(self) -> None:
            self.answer(send_body=True)

        def do_HEAD(self) -> None:
            self.answer(send_body=False)

        def answer(self, send_body: bool) -> None:
            status, body, content_type, headers = respond(urlsplit(self.path).path or "/")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if send_body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return ScaleHandler
