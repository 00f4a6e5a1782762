"""An old table-layout township site (石花镇) from the ASP era, served as GBK.

The server sends `text/html` without a charset; pages declare gb2312 but contain a
character that only GBK has, so strict gb2312 decoding fails. Lists page with
`list.asp?classid=3&page=2`; details are `show.asp?id=12&classid=3`, and reports are
linked from the home page with the parameters swapped.
"""

from __future__ import annotations

from datetime import date
from html import escape

from demo.content import Doc
from demo.render.common import Request, Response, Site, body_html, pages_of

PER_PAGE = 5
CLASSES = {"1": "镇务动态", "3": "政务公开", "5": "招商引资"}
NAV = [
    ("index.asp", "网站首页"),
    ("list.asp?classid=1", "镇务动态"),
    ("list.asp?classid=3", "政务公开"),
    ("list.asp?classid=5", "招商引资"),
    ("guestbook.asp", "留言板"),
]
CONTACT = "地址：谷城县石花镇人民政府院内　联系人：王喆　电话：0710-7381126"


def chinese_date(iso: str) -> str:
    """2010-03-15 -> 2010年3月15日, as the site shows its dates."""
    day = date.fromisoformat(iso)
    return f"{day.year}年{day.month}月{day.day}日"


class OldAspSite(Site):
    server_name = "Microsoft-IIS/6.0"

    def route(self, request: Request) -> Response | None:
        path = request.path.lower()
        if path in ("/", "/index.asp", "/default.asp"):
            return self.html(self.home())
        if path == "/list.asp":
            return self.list_page(request)
        if path == "/show.asp":
            return self.show(request)
        return None

    def html(self, text: str, status: int = 200, doc: Doc | None = None) -> Response:
        headers = {
            "X-Powered-By": "ASP.NET",
            "Set-Cookie": "ASPSESSIONIDQSTCRBDA=KFLNPGBDHOMJ; path=/",
        }
        return Response(status, text.encode("gbk"), "text/html", headers)

    def not_found(self) -> Response:
        page = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>无法找到该页</title></head>
<body><h2>无法找到该页</h2><p>您正在搜索的页面可能已经删除、更名或暂时不可用。</p>
<p>请尝试以下操作：确保浏览器的地址栏中显示的网站地址的拼写和格式正确；
单击<a href="/">石花镇人民政府首页</a>。</p><p>HTTP 错误 404 - 文件或目录未找到。<br>
Internet 信息服务 (IIS)</p></body></html>"""
        return self.html(page, 404)

    def show(self, request: Request) -> Response | None:
        wanted = request.arg("id")
        doc = next((d for d in self.portal.docs if str(d["meta"].get("serial")) == wanted), None)
        if doc is None or request.arg("classid", doc["column"]) != doc["column"]:
            return None
        return self.html(self.detail(doc))

    def list_page(self, request: Request) -> Response | None:
        cls = request.arg("classid")
        if cls not in CLASSES:
            return None
        pages = pages_of(self.portal.in_column(cls), PER_PAGE)
        number = request.int_arg("page", 1)
        if not 1 <= number <= len(pages):
            number = 1  # an old ASP list shows page 1 for a bad page number
        rows = "\n".join(
            f'<tr><td width="5%" align="center"><img src="images/dot.gif"></td>'
            f'<td><a href="{d["paths"][0].lstrip("/")}" target="_blank">'
            f'<font color="#0033CC">{escape(d["title_raw"])}</font></a></td>'
            f'<td width="22%" align="right"><font color="#999999">{chinese_date(d["published"])}</font></td></tr>'
            for d in pages[number - 1]
        )
        if not rows:
            rows = '<tr><td colspan="3" align="center">暂无信息</td></tr>'
        body = f"""<table width="100%" border="0" cellspacing="0" cellpadding="4">
<tr><td colspan="3" class="title"><b>{CLASSES[cls]}</b></td></tr>
{rows}
<tr><td colspan="3" align="center">{self.pager(cls, number, len(pages))}</td></tr>
</table>"""
        return self.html(self.frame(CLASSES[cls], body))

    def pager(self, cls: str, number: int, count: int) -> str:
        def link(n: int, label: str) -> str:
            return f'<a href="list.asp?classid={cls}&page={n}">{label}</a>'

        first = link(1, "首页") if number > 1 else "首页"
        prev = link(number - 1, "上一页") if number > 1 else "上一页"
        nxt = link(number + 1, "下一页") if number < count else "下一页"
        last = link(count, "尾页") if number < count else "尾页"
        return f"共{count}页&nbsp;第{number}页&nbsp;{first}&nbsp;{prev}&nbsp;{nxt}&nbsp;{last}"

    def detail(self, doc: Doc) -> str:
        info = (
            f"来源：{escape(doc['source'] or '')}&nbsp;&nbsp;发布时间：{chinese_date(doc['published'])}"
            f'&nbsp;&nbsp;点击：<font color="red">{37 + len(doc["id"]) * 7}</font>次'
        )
        body = f"""<table width="100%" border="0" cellspacing="0" cellpadding="6">
<tr><td align="center" height="40"><font size="4" color="#CC0000"><b>{escape(doc["title_raw"])}</b></font></td></tr>
<tr><td align="center" bgcolor="#F2F2F2"><font color="#666666">{info}</font></td></tr>
<tr><td class="content">
{body_html(doc, "font")}
</td></tr>
<tr><td align="right"><a href="javascript:window.print()">【打印】</a> <a href="javascript:window.close()">【关闭】</a></td></tr>
</table>"""
        return self.frame(doc["title_raw"], body)

    def home(self) -> str:
        def rows(docs: list[Doc], swapped: bool) -> str:
            return "".join(
                f'<tr><td>·<a href="{(d["paths"][-1] if swapped else d["paths"][0]).lstrip("/")}">'
                f"{escape(d['title_raw'])}</a></td></tr>"
                for d in docs
            )

        reports = [d for d in self.portal.in_column("3") if d["kind"] == "report"]
        body = f"""<table width="100%" border="0" cellspacing="0" cellpadding="0"><tr>
<td width="60%" valign="top"><table width="100%"><tr><td class="title"><b>镇务动态</b>
<a href="list.asp?classid=1">更多&gt;&gt;</a></td></tr>{rows(self.portal.in_column("1")[:5], False)}</table></td>
<td width="40%" valign="top"><table width="100%"><tr><td class="title"><b>政府信息公开年报</b></td></tr>
{rows(reports, True)}</table></td></tr></table>"""
        return self.frame("", body)

    def frame(self, title: str, body: str) -> str:
        site = escape(self.portal.name)
        nav = " | ".join(f'<a href="{h}"><font color="#FFFFFF">{n}</font></a>' for h, n in NAV)
        return f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{escape(title) + "-" if title else ""}{site}</title>
<link href="css/style.css" rel="stylesheet" type="text/css">
</head>
<body leftmargin="0" topmargin="0">
<table width="778" border="0" align="center" cellpadding="0" cellspacing="0">
<tr><td height="90" background="images/top.jpg"><font size="5" color="#FFFFFF"><b>{site}</b></font></td></tr>
<tr><td height="28" bgcolor="#1C5EA0" align="center">{nav}</td></tr>
<tr><td valign="top">
{body}
</td></tr>
<tr><td align="center" bgcolor="#EEEEEE"><font size="2">版权所有：谷城县石花镇人民政府　{CONTACT}<br>
鄂ICP备09012337号　技术支持：石花镇党政办</font></td></tr>
</table>
</body>
</html>
"""
