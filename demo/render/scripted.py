"""A county portal whose report columns are drawn by JavaScript (issue #11).

Built on 扎兰屯市's content, on paths of its own (nothing links the ordinary jyh lists):

- `/sjlb/ndbg/index.html` (成吉思汗镇, "数据列表"): an empty shell; its linked script
  `/static/js/wjlb.js` fetches `/api/gkml/wjlb.do?lmbm=…&pageNum=N&pageSize=2`, which answers
  `{"code": "0000", "data": {"pageNum", "pageSize", "total", "rows": [{"wjxh", "wjbt",
  "fbdz", "fbrq", "lmmc"}]}}`. `fbdz` is relative to the column page
  (`../nr/2024-01/18/a….html`), not to the API; a page past the end has no rows.
- `/xrlb/ndbg/index.html` (卧牛河镇, "渲染列表"): a shell whose list only a browser can see:
  the script decodes base64 data and assembles each address from pieces; no URL string,
  no endpoint. With `beacon` set, the page also tries to load an image and call an address
  on another host (a browser that leaves the site would hit it).
- `/ck/ndbg/index.html` (成吉思汗镇 again): behind a 加速乐-like 412 challenge whose script
  sets `__jsl_clearance` and reloads; with the cookie, an ordinary HTML list.

Detail pages: `/sjlb/nr/…`, `/xrlb/nr/…` (reports, one decoy) with the report body as the
jyh renderer writes it.
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from html import escape
from typing import Any

from demo.content import Doc, PortalContent
from demo.render.common import Request, Response, Site, body_html

JSON_COLUMN = "/sjlb/ndbg/index.html"
BROWSER_COLUMN = "/xrlb/ndbg/index.html"
CHALLENGE_COLUMN = "/ck/ndbg/index.html"
API = "/api/gkml/wjlb.do"
API_PAGE_SIZE = 2
COLUMNS = {"sjlb": "cjshz", "xrlb": "wnhz"}  # column slug -> the content's town column
CLEARANCE = "__jsl_clearance"


def number_of(doc: Doc) -> str:
    """The digits of the document's jyh address (`article_20240118122647949.html`)."""
    found = re.search(r"(\d{9})\.html$", doc["paths"][0])
    return found.group(1) if found else str(zlib.crc32(doc["id"].encode()))


def article_path(slug: str, doc: Doc) -> str:
    year, month, day = doc["published"].split("-")
    return f"/{slug}/nr/{year}-{month}/{day}/a{number_of(doc)}.html"


def column_docs(portal: PortalContent, slug: str) -> list[Doc]:
    """The reports and decoys a column lists (not attachment-only reports), newest first,
    with their paths on this portal."""
    docs = [d for d in portal.in_column(COLUMNS[slug], ("report", "decoy"))
            if "attach_detail" not in d["flags"] and not d.get("attachments")]
    return [{**d, "paths": [article_path(slug, d)]} for d in docs]


class ScriptedSite(Site):
    """Pages of the JavaScript-drawn columns; `beacon` is an off-site URL the browser-only
    page tries to reach (tests count its hits: there must be none)."""

    def __init__(self, portal: PortalContent, beacon: str = ""):
        super().__init__(portal)
        self.beacon = beacon
        self.columns = {slug: column_docs(portal, slug) for slug in COLUMNS}
        self.by_path = {d["paths"][0]: d for docs in self.columns.values() for d in docs}
        self.challenged: list[str] = []  # paths answered with the challenge

    def docs(self) -> list[Doc]:
        return [d for docs in self.columns.values() for d in docs]

    def respond_with_cookies(self, request: Request, cookies: str) -> Response:
        if request.path.startswith("/ck/") and CLEARANCE not in cookies:
            self.challenged.append(request.path)
            return Response(412, CHALLENGE_PAGE.encode(), "text/html; charset=utf-8")
        return self.respond(request)

    def route(self, request: Request) -> Response | None:
        path = request.path
        if path in self.by_path:
            return self.html(self.detail(self.by_path[path]))
        if path in ("/", "/index.html"):
            return self.html(self.home())
        if path == JSON_COLUMN:
            return self.html(self.shell("成吉思汗镇 政府信息公开年报",
                                        '<script src="/static/js/wjlb.js"></script>'))
        if path == "/static/js/wjlb.js":
            return Response(200, WJLB_JS.encode(), "application/javascript; charset=utf-8")
        if path == "/static/js/jquery.min.js":
            return Response(200, b"/*! jQuery v1.12.4 | (c) jQuery Foundation */",
                            "application/javascript")
        if path == API:
            return self.api(request)
        if path == BROWSER_COLUMN:
            return self.html(self.shell("卧牛河镇 政府信息公开年报", self.drawn_list()))
        if path == CHALLENGE_COLUMN:
            rows = "".join(f'<li><a href="{d["paths"][0]}">{escape(d["title_raw"])}</a>'
                           f'<span>{d["published"]}</span></li>' for d in self.columns["sjlb"])
            return self.html(self.frame("成吉思汗镇 政府信息公开年报",
                                        f'<ul class="article-list">{rows}</ul>'))
        return None

    def api(self, request: Request) -> Response:
        """The JSON list: `lmbm` picks the column, `pageNum` / `pageSize` the page."""
        if request.arg("lmbm") != "ndbg_cjshz":
            body: dict[str, Any] = {"code": "4004", "msg": "栏目不存在", "data": None}
        else:
            docs = self.columns["sjlb"]
            number = max(request.int_arg("pageNum", 1), 1)
            size = min(max(request.int_arg("pageSize", 10), 1), 50)
            chosen = docs[(number - 1) * size: number * size]
            rows = [{"wjxh": (number - 1) * size + i + 1, "wjbt": d["title_raw"],
                     "fbdz": ".." + d["paths"][0][len("/sjlb"):],  # relative to the column page
                     "fbrq": d["published"], "lmmc": "政府信息公开年报", "ydl": 37 + i}
                    for i, d in enumerate(chosen)]
            body = {"code": "0000", "msg": "成功",
                    "data": {"pageNum": number, "pageSize": size, "total": len(docs),
                             "rows": rows}}
        return Response(200, json.dumps(body, ensure_ascii=False).encode(),
                        "application/json;charset=UTF-8")

    def drawn_list(self) -> str:
        """A script that draws the list from base64 data and address pieces."""
        data = [[d["title_raw"], d["published"].split("-"), number_of(d)]
                for d in self.columns["xrlb"]]
        packed = base64.b64encode(json.dumps(data, ensure_ascii=False).encode()).decode()
        beacon = ""
        if self.beacon:
            beacon = (f'<img src="{self.beacon}/pixel.gif" alt="">'
                      f'<script>try{{fetch("{self.beacon}/leak?from=xrlb").catch(function(){{}})}}'
                      f'catch(e){{}}</script>')
        return f"""{beacon}<script>
(function () {{
  var raw = "{packed}";
  var rows = JSON.parse(decodeURIComponent(escape(window.atob(raw))));
  var seg = ["x", "r", "l", "b"].join("");
  var ul = document.getElementById("list");
  rows.forEach(function (r) {{
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.setAttribute("href", "/" + seg + "/" + ["n", "r"].join("") + "/" + r[1][0] + "-" + r[1][1]
                   + "/" + r[1][2] + "/a" + r[2] + ".ht" + "ml");
    a.textContent = r[0];
    li.appendChild(a);
    var span = document.createElement("span");
    span.textContent = r[1].join("-");
    li.appendChild(span);
    ul.appendChild(li);
  }});
}})();
</script>"""

    def shell(self, title: str, script: str) -> str:
        body = (f'<div class="position">当前位置：<a href="/">首页</a> &gt; 政务公开 &gt; '
                f'{escape(title)}</div><div class="list-title">{escape(title)}</div>'
                f'<ul class="article-list" id="list"></ul><div id="pager"></div>'
                f'<script src="/static/js/jquery.min.js"></script>{script}')
        return self.frame(title, body)

    def detail(self, doc: Doc) -> str:
        body = f"""<div class="article">
<h2 class="article-title">{escape(doc["title_raw"])}</h2>
<div class="article-info">发布时间：{doc["published"]} {doc["time"]}&nbsp;&nbsp;来源：{escape(doc["source"] or "")}</div>
<div class="article-content" id="zoom">
{body_html(doc, "indent")}
</div></div>"""
        return self.frame(doc["title_raw"], body)

    def home(self) -> str:
        links = [(JSON_COLUMN, "成吉思汗镇政府信息公开年报"), (BROWSER_COLUMN, "卧牛河镇政府信息公开年报")]
        items = "".join(f'<li><a href="{h}">{escape(n)}</a></li>' for h, n in links)
        return self.frame("", f'<div class="box"><h3>政府信息公开年报</h3><ul>{items}</ul></div>')

    def frame(self, title: str, body: str) -> str:
        site = escape(self.portal.name)
        return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="UTF-8">
<title>{escape(title) + "-" if title else ""}{site}</title>
<link rel="stylesheet" href="/css/style.css"></head>
<body><header class="header"><div class="site-name">{site}</div></header>
<main class="container">
{body}
</main>
<footer class="footer"><p>主办：扎兰屯市人民政府办公室</p></footer>
</body></html>
"""


WJLB_JS = """/* 信息公开年报 文件列表 */
var LIST_API = "/api/gkml/wjlb.do";
var LMBM = "ndbg_cjshz";
function showPage(pageNum) {
  fetch(LIST_API + "?lmbm=" + LMBM + "&pageNum=" + pageNum + "&pageSize=2", {
    headers: { "X-Requested-With": "XMLHttpRequest" }
  }).then(function (r) { return r.json(); }).then(function (res) {
    var ul = document.getElementById("list");
    ul.innerHTML = "";
    (res.data.rows || []).forEach(function (row) {
      var li = document.createElement("li");
      li.innerHTML = '<a target="_blank"></a><span class="date"></span>';
      li.firstChild.setAttribute("href", row.fbdz);
      li.firstChild.textContent = row.wjbt;
      li.lastChild.textContent = row.fbrq;
      ul.appendChild(li);
    });
    var pages = Math.ceil(res.data.total / res.data.pageSize);
    document.getElementById("pager").textContent = "第" + pageNum + "页/共" + pages + "页";
  });
}
showPage(1);
"""

CHALLENGE_PAGE = """<html><head><meta charset="utf-8"></head><body><script>
document.cookie = "__jsl_clearance=1735689600.123|0|Z3VhcmQ%3D; max-age=3600; path=/";
location.href = location.pathname + location.search;
</script></body></html>"""
