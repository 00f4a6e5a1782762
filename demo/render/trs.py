"""TRS WCM-like county portal (抚松县): static index_N.html pages written by createPageHTML."""

from __future__ import annotations

import posixpath
import re
from html import escape

from demo.content import Doc
from demo.render.common import FONT_SIZE, PRINT_CLOSE, Request, Response, Site, body_html, pages_of

LIST_PAGE = re.compile(r"^(?P<dir>/(?:[a-z]+/)*)(?:index(?:_(?P<n>\d+))?\.html)?$")
MAIN_PER_PAGE = 10
SUB_PER_PAGE = 6

CREATE_PAGE_JS = """<script type="text/javascript">
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
  if(_nPageCount == null || _nPageCount<=1){ return; }
  var nCurrIndex = _nCurrIndex || 0;
  var first = _sPageName + "." + _sPageExt;
  if(nCurrIndex == 0){ document.write("首页&nbsp;上一页&nbsp;"); }
  else {
    var prev = (nCurrIndex == 1) ? first : _sPageName + "_" + (nCurrIndex-1) + "." + _sPageExt;
    document.write("<a href=\\"" + first + "\\">首页</a>&nbsp;<a href=\\"" + prev + "\\">上一页</a>&nbsp;");
  }
  if(nCurrIndex + 1 >= _nPageCount){ document.write("下一页&nbsp;尾页"); }
  else {
    document.write("<a href=\\"" + _sPageName + "_" + (nCurrIndex+1) + "." + _sPageExt + "\\">下一页</a>&nbsp;");
    document.write("<a href=\\"" + _sPageName + "_" + (_nPageCount-1) + "." + _sPageExt + "\\">尾页</a>");
  }
  document.write("&nbsp;共" + _nPageCount + "页");
}
</script>"""

NAV = [
    ("/", "首页"),
    ("/xwdt/", "新闻动态"),
    ("/xxgk/", "政府信息公开"),
    ("/tzgg/", "通知公告"),
    ("/hdjl/index.html", "互动交流"),
]
XXGK_MENU = [
    ("/xxgk/ndbg/", "政府信息公开年报"),
    ("/xxgk/xxgkml/", "政府信息公开目录"),
    ("/xxgk/ndbg/xzf/", "县政府年报"),
]


class TrsSite(Site):
    """Routes: /, /xwdt/, /tzgg/, /xxgk/, /xxgk/ndbg/[col/], /xxgk/xxgkml/ and t-pages."""

    server_name = "nginx/1.18.0"

    def route(self, request: Request) -> Response | None:
        if request.path in self.by_path:
            return self.detail(self.by_path[request.path])
        if request.path in ("/", "/index.html"):
            return self.html(self.home())
        if self.is_bare_directory(request.path):
            return Response(301, b"", headers={"Location": request.path + "/"})
        match = LIST_PAGE.match(request.path)
        if not match:
            return None
        if match["dir"] == "/xxgk/" and not match["n"]:
            return self.html(self.xxgk_landing())
        spec = self.list_spec(match["dir"])
        if spec is None:
            return None
        return self.list_page(match["dir"], int(match["n"] or 0), *spec)

    def is_bare_directory(self, path: str) -> bool:
        """A list directory asked for without its trailing slash (answered with 301)."""
        if not re.fullmatch(r"/[a-z]+(?:/[a-z]+)*", path):
            return False
        return path == "/xxgk" or self.list_spec(path + "/") is not None

    def list_spec(self, directory: str) -> tuple[str, list[tuple[str, str]], list[Doc], int] | None:
        """(column name, breadcrumb, documents, page size) of a list directory."""
        columns = self.portal.columns
        crumb = [("/", "首页"), ("/xxgk/", "政府信息公开"), ("/xxgk/ndbg/", "政府信息公开年报")]
        if directory == "/xxgk/ndbg/":
            docs = [d for c in columns for d in self.portal.in_column(c)]
            docs.sort(key=lambda d: (d["published"], d["time"]), reverse=True)
            return "政府信息公开年报", crumb, docs, MAIN_PER_PAGE
        if directory.startswith("/xxgk/ndbg/") and directory.split("/")[3] in columns:
            col = directory.split("/")[3]
            return (
                columns[col],
                crumb + [(directory, columns[col])],
                self.portal.in_column(col),
                SUB_PER_PAGE,
            )
        if directory == "/xxgk/xxgkml/":
            docs = [d for d in self.portal.docs if len(d["paths"]) > 1]
            docs.sort(key=lambda d: (d["published"], d["time"]), reverse=True)
            return "政府信息公开目录", crumb[:2] + [(directory, "政府信息公开目录")], docs, 15
        names = {"/xwdt/": "新闻动态", "/tzgg/": "通知公告"}
        if directory in names:
            return (
                names[directory],
                [("/", "首页"), (directory, names[directory])],
                self.portal.in_column(directory.strip("/")),
                MAIN_PER_PAGE,
            )
        return None

    def list_page(
        self,
        directory: str,
        number: int,
        name: str,
        crumb: list[tuple[str, str]],
        docs: list[Doc],
        size: int,
    ) -> Response | None:
        pages = pages_of(docs, size)
        if number >= len(pages):
            return None
        alias = directory == "/xxgk/xxgkml/"
        rows = "\n".join(self.list_item(directory, d, alias) for d in pages[number])
        sub = ""
        if directory == "/xxgk/ndbg/":
            sub = "".join(
                f'<a href="./{c}/">{escape(n)}</a> ' for c, n in self.portal.columns.items()
            )
            sub = f'<div class="sub-column">{sub}</div>'
        body = f"""<div class="column-title">{escape(name)}</div>{sub}
<ul class="list">
{rows}
</ul>
<div class="page">{CREATE_PAGE_JS}
<script type="text/javascript">createPageHTML({len(pages)}, {number}, "index", "html");</script>
</div>"""
        return self.html(self.frame(name, crumb, body))

    def list_item(self, directory: str, doc: Doc, alias: bool) -> str:
        target = doc["paths"][1] if alias else doc["paths"][0]
        href = "./" + posixpath.relpath(target, directory)
        return (
            f'<li><span>{doc["published"]}</span><a href="{href}" target="_blank" '
            f'title="{escape(doc["title_raw"])}">{escape(doc["title_raw"])}</a></li>'
        )

    def detail(self, doc: Doc) -> Response:
        name = self.portal.columns.get(doc["column"]) or {
            "xwdt": "新闻动态",
            "tzgg": "通知公告",
        }.get(doc["column"], "")
        if doc["column"] in self.portal.columns:
            crumb = [
                ("/", "首页"),
                ("/xxgk/", "政府信息公开"),
                ("/xxgk/ndbg/", "政府信息公开年报"),
                (f"/xxgk/ndbg/{doc['column']}/", name),
            ]
        else:
            crumb = [("/", "首页"), (f"/{doc['column']}/", name)]
        stamp = f"{doc['published']} {doc['time'][:5]}"
        heads = (
            f'<meta name="ColumnName" content="{escape(name)}">\n'
            f'<meta name="ArticleTitle" content="{escape(doc["title_raw"])}">\n'
            f'<meta name="PubDate" content="{stamp}">\n'
            f'<meta name="ContentSource" content="{escape(doc["source"] or "")}">'
        )
        body = f"""<div class="article">
<h1 class="title">{escape(doc["title_raw"])}</h1>
<div class="info">发布日期：{doc["published"]}&nbsp;&nbsp;&nbsp;&nbsp;点击数：<span id="clicks"></span>&nbsp;&nbsp;&nbsp;&nbsp;{FONT_SIZE}</div>
<div class="content" id="zoom"><div class="TRS_Editor">
{body_html(doc, "indent")}
</div></div>
<div class="tools">{PRINT_CLOSE}</div>
</div>"""
        return self.html(self.frame(doc["title_raw"], crumb, body, heads, doc), doc=doc)

    def html(self, text: str, status: int = 200, doc: Doc | None = None) -> Response:
        if doc and doc.get("declared"):
            return Response(status, text.encode(doc["encoding"]), "text/html")
        return super().html(text, status)

    def home(self) -> str:
        news = "".join(self.list_item("/", d, False) for d in self.portal.in_column("xwdt")[:5])
        notices = "".join(self.list_item("/", d, False) for d in self.portal.in_column("tzgg")[:5])
        quick = "".join(f'<li><a href="{href}">{name}</a></li>' for href, name in XXGK_MENU)
        body = f"""<div class="home">
<div class="box"><div class="box-title">要闻动态 <a class="more" href="/xwdt/">更多&gt;&gt;</a></div><ul>{news}</ul></div>
<div class="box"><div class="box-title">通知公告 <a class="more" href="/tzgg/">更多&gt;&gt;</a></div><ul>{notices}</ul></div>
<div class="box"><div class="box-title">政务公开</div><ul>{quick}</ul></div>
</div>"""
        return self.frame("", [], body)

    def xxgk_landing(self) -> str:
        menu = "".join(f'<li><a href="{href}">{name}</a></li>' for href, name in XXGK_MENU)
        guide = next((d for d in self.portal.docs if d["title"].endswith("政府信息公开指南")), None)
        if guide:
            menu = f'<li><a href="{guide["paths"][0]}">政府信息公开指南</a></li>' + menu
        body = f'<div class="left-menu"><div class="menu-title">政府信息公开</div><ul>{menu}</ul></div>'
        return self.frame("政府信息公开", [("/", "首页"), ("/xxgk/", "政府信息公开")], body)

    def frame(
        self,
        title: str,
        crumb: list[tuple[str, str]],
        body: str,
        heads: str = "",
        doc: Doc | None = None,
    ) -> str:
        site = escape(self.portal.name)
        charset = '<meta charset="utf-8">'
        if doc and doc.get("declared"):
            charset = (
                f'<meta http-equiv="Content-Type" content="text/html; charset={doc["declared"]}">'
            )
        full_title = f"{escape(title)}_{site}" if title else site
        nav = "".join(f'<li><a href="{h}">{n}</a></li>' for h, n in NAV)
        position = ""
        if crumb:
            links = " &gt; ".join(f'<a href="{h}">{escape(n)}</a>' for h, n in crumb)
            position = f'<div class="position">当前位置：{links}</div>'
        return f"""<!DOCTYPE html>
<html>
<head>
{charset}
<title>{full_title}</title>
<meta name="SiteName" content="{site}">
{heads}
<link rel="stylesheet" href="/css/style.css">
</head>
<body>
<div class="header"><div class="logo">{site}</div>
<div class="search"><form action="/search/" method="get"><input name="q"><button>搜索</button></form></div></div>
<div class="nav"><ul>{nav}</ul></div>
<div class="main">
{position}
{body}
</div>
<div class="footer">
<p>主办单位：{site}办公室&nbsp;&nbsp;承办单位：{escape(self.portal.county)}政务服务和数字化建设管理局</p>
<p>ICP备案号：吉ICP备05003172号-1&nbsp;&nbsp;网站标识码：2206210001&nbsp;&nbsp;吉公网安备 22062102000147号</p>
</div>
</body>
</html>
"""
