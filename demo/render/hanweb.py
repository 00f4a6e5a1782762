"""Hanweb / 大汉 jcms-like district portal (衢江区): lists live in <datastore> XML.

The column page inlines the first `perpage` records in a `<script type="text/xml">`
datastore; the jpage script pages the rest through /module/web/jpage/dataproxy.jsp
(GET or POST, `startrecord`/`endrecord`/`perpage`/`columnid`).
"""

from __future__ import annotations

import re
from html import escape
from urllib.parse import quote

from demo.content import Doc
from demo.render.common import FONT_SIZE, PRINT_CLOSE, Request, Response, Site, body_html

PER_PAGE = 15
UNIT_ID = 5765
WEB_ID = 3
COLUMN_PAGE = re.compile(r"^/col/col(?P<col>\d+)/(?:index\.html)?$")
NEWS_COLUMN = "1201"
LANDING_COLUMN = "1210"
COLUMN_NAMES = {"1229": "政府信息公开年报", NEWS_COLUMN: "新闻中心", LANDING_COLUMN: "政务公开"}
NAV = [
    ("/", "首页"),
    (f"/col/col{NEWS_COLUMN}/index.html", "新闻中心"),
    (f"/col/col{LANDING_COLUMN}/index.html", "政务公开"),
    ("/col/col1250/index.html", "政务服务"),
    ("/col/col1260/index.html", "互动交流"),
]


class HanwebSite(Site):
    server_name = "Apache-Coyote/1.1"

    def route(self, request: Request) -> Response | None:
        if request.path in self.by_path:
            return self.html(self.detail(self.by_path[request.path]))
        if request.path in ("/", "/index.html"):
            return self.html(self.home())
        if request.path == "/module/web/jpage/dataproxy.jsp":
            return self.dataproxy(request)
        match = COLUMN_PAGE.match(request.path)
        if not match:
            return None
        col = match["col"]
        if col == LANDING_COLUMN:
            return self.html(self.landing())
        if col not in COLUMN_NAMES:
            return None
        page = request.int_arg("pageNum", 1)
        return self.html(self.column(col, max(page, 1)))

    def records(self, col: str) -> list[Doc]:
        return self.portal.in_column(col)

    def record(self, doc: Doc) -> str:
        """One <record>: an <li> as the jcms list template writes it."""
        label = doc["title_raw"]
        if "truncate_list" in doc["flags"]:
            label = label[: len(label) - 4] + "..."
        return (
            f'<record><![CDATA[\n<li><a href="{doc["paths"][0]}" title="{escape(doc["title_raw"])}"'
            f' target="_blank">{escape(label)}</a><span>{doc["published"]}</span></li>\n]]>'
            "</record>"
        )

    def datastore(self, col: str, start: int, end: int) -> str:
        """The <datastore> XML with records start..end (1-based, inclusive)."""
        docs = self.records(col)
        chunk = "\n".join(self.record(d) for d in docs[start - 1 : end])
        proxy = (
            f"/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid={WEB_ID}&path=/"
            f"&columnid={col}&unitid={UNIT_ID}&webname={quote(self.portal.name)}&permissiontype=0"
        )
        return (
            f'<datastore>\n<nextgroup><![CDATA[<a href="{proxy}"></a>]]></nextgroup>\n'
            f"<recordset>\n{chunk}\n</recordset>\n</datastore>"
        )

    def dataproxy(self, request: Request) -> Response:
        col = request.arg("columnid") or request.arg("col")
        docs = self.records(col) if col in COLUMN_NAMES else []
        per = request.int_arg("perpage", PER_PAGE)
        start = max(request.int_arg("startrecord", 1), 1)
        end = request.int_arg("endrecord", start + per - 1)
        records = "\n".join(self.record(d) for d in docs[start - 1 : end])
        xml = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n'
            f"<totalrecord>{len(docs)}</totalrecord>\n<totalpage>{-(-len(docs) // per)}</totalpage>\n"
            f"<recordset>\n{records}\n</recordset>\n</datastore>"
        )
        return Response(200, xml.encode("utf-8"), "text/xml;charset=UTF-8")

    def column(self, col: str, page: int) -> str:
        total = len(self.records(col))
        start = (page - 1) * PER_PAGE + 1
        store = self.datastore(col, start, start + PER_PAGE - 1)
        body = f"""<div class="column-title">{COLUMN_NAMES[col]}</div>
<div class="default_pgContainer" id="{UNIT_ID}">
<script type="text/xml">
{store}
</script>
</div>
<script type="text/javascript" src="/module/jslib/jquery/jpage/jquery.page.min.js"></script>
<script type="text/javascript">
$(document).ready(function(){{
  $("#{UNIT_ID}").jpage({{
    dataStore: dataStore, dataBefore: '<ul class="list">', dataAfter: '</ul>',
    perPage: {PER_PAGE}, totalRecord: {total}, groupSize: 3, barPosition: 'bottom',
    proxyUrl: '/module/web/jpage/dataproxy.jsp',
    ajaxParam: {{ col: 1, appid: 1, webid: {WEB_ID}, path: '/', columnid: {col},
      sourceContentType: 1, unitid: '{UNIT_ID}', webname: '衢州市衢江区人民政府', permissiontype: 0 }}
  }});
}});
</script>"""
        crumb = [
            ("/", "首页"),
            (f"/col/col{LANDING_COLUMN}/index.html", "政务公开"),
            (f"/col/col{col}/index.html", COLUMN_NAMES[col]),
        ]
        return self.frame(COLUMN_NAMES[col], crumb, body)

    def detail(self, doc: Doc) -> str:
        meta = doc["meta"]
        publisher = doc["source"] or self.portal.name
        rows = (
            f'<tr><td class="label">索引号：</td><td>{meta.get("index_no", "")}</td>'
            f'<td class="label">公开方式：</td><td>主动公开</td></tr>\n'
            f'<tr><td class="label">发布机构：</td><td>{escape(publisher)}</td>'
            f'<td class="label">组配分类：</td><td>{COLUMN_NAMES.get(doc["column"], "其他")}</td></tr>\n'
            f'<tr><td class="label">成文日期：</td><td>{meta.get("written", doc["published"])}</td>'
            f'<td class="label">公开日期：</td><td>{doc["published"]}</td></tr>'
        )
        body = f"""<div class="xxgk-meta"><table class="xxgk_table" width="100%">
{rows}
</table></div>
<div class="article">
<div class="title">{escape(doc["title_raw"])}</div>
<div class="info">{FONT_SIZE}</div>
<div id="zoom">
{body_html(doc, "span")}
</div>
<div class="tools">{PRINT_CLOSE}</div>
</div>"""
        col = doc["column"]
        crumb = [
            ("/", "首页"),
            (f"/col/col{LANDING_COLUMN}/index.html", "政务公开"),
            (f"/col/col{col}/index.html", COLUMN_NAMES.get(col, "")),
        ]
        heads = (
            f'<meta name="ArticleTitle" content="{escape(doc["title_raw"])}">\n'
            f'<meta name="PubDate" content="{doc["published"]} {doc["time"]}">\n'
            f'<meta name="ContentSource" content="{escape(publisher)}">'
        )
        return self.frame(doc["title_raw"], crumb, body, heads)

    def landing(self) -> str:
        links = [
            (f"/col/col{c}/index.html", n) for c, n in COLUMN_NAMES.items() if c != LANDING_COLUMN
        ]
        for doc in self.portal.docs:
            if doc["title"].endswith(("指南", "制度")):
                links.append((doc["paths"][0], doc["title_raw"]))
        items = "".join(f'<li><a href="{h}">{escape(n)}</a></li>' for h, n in links)
        crumb = [("/", "首页"), (f"/col/col{LANDING_COLUMN}/index.html", "政务公开")]
        return self.frame("政务公开", crumb, f'<div class="left-menu"><ul>{items}</ul></div>')

    def home(self) -> str:
        def items(col: str) -> str:
            return "".join(
                f'<li><a href="{d["paths"][0]}" target="_blank">{escape(d["title_raw"])}'
                f"</a><span>{d['published']}</span></li>"
                for d in self.records(col)[:6]
            )

        body = f"""<div class="home">
<div class="box"><h3>衢江要闻 <a href="/col/col{NEWS_COLUMN}/index.html">更多</a></h3><ul>{items(NEWS_COLUMN)}</ul></div>
<div class="box"><h3>政务公开 <a href="/col/col{LANDING_COLUMN}/index.html">更多</a></h3></div>
</div>"""
        return self.frame("", [], body)

    def frame(self, title: str, crumb: list[tuple[str, str]], body: str, heads: str = "") -> str:
        site = escape(self.portal.name)
        nav = "".join(f'<li><a href="{h}">{n}</a></li>' for h, n in NAV)
        position = ""
        if crumb:
            links = " &gt; ".join(f'<a href="{h}">{escape(n)}</a>' for h, n in crumb)
            position = f'<div class="bt-position">您当前的位置：{links}</div>'
        return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<title>{escape(title) + " " if title else ""}{site}</title>
<meta name="SiteName" content="{site}">
<meta name="SiteIDCode" content="3308030001">
{heads}
<link rel="stylesheet" href="/css/style.css" />
</head>
<body>
<div class="top"><div class="logo">{site}</div></div>
<div class="nav"><ul>{nav}</ul></div>
<div class="container">
{position}
{body}
</div>
<div class="footer">
<p>主办：{site}办公室&nbsp;&nbsp;承办：衢江区大数据发展中心</p>
<p>网站标识码：3308030001&nbsp;&nbsp;浙ICP备12031877号-2&nbsp;&nbsp;浙公网安备 33080302000118号</p>
</div>
</body>
</html>
"""
