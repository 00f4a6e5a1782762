"""Inner Mongolia 集约化-style city portal (扎兰屯市): /zlt/... with ?page=N lists.

Detail pages are /zlt/{YYYY-MM}/{DD}/article_{17-digit timestamp}.html; the town
catalogue is three clicks deep (政务公开 > 乡镇信息公开 > town > 政府信息公开年报).
"""

from __future__ import annotations

from html import escape

from demo.content import Doc
from demo.render.common import FONT_SIZE, PRINT_CLOSE, Request, Response, Site, body_html, pages_of

PER_PAGE = 4
ROOT = "/zlt"
TOWN_ROOT = f"{ROOT}/zwgk/xzxxgk"
# every town of the city is listed; only some have content in this demo
TOWNS = {
    "cjshz": "成吉思汗镇",
    "wnhz": "卧牛河镇",
    "dhwz": "大河湾镇",
    "hrsz": "浩饶山镇",
    "chz": "柴河镇",
    "zhz": "中和镇",
    "hdhz": "哈多河镇",
    "mgqz": "蘑菇气镇",
}
NAV = [
    (f"{ROOT}/index.html", "首页"),
    (f"{ROOT}/xwdt/index.html", "新闻动态"),
    (f"{ROOT}/zwgk/index.html", "政务公开"),
    (f"{ROOT}/zwfw/index.html", "政务服务"),
]


class JyhSite(Site):
    def route(self, request: Request) -> Response | None:
        path = request.path
        if path in self.by_path:
            return self.html(self.detail(self.by_path[path]))
        if path == "/":
            return Response(302, b"", headers={"Location": f"{ROOT}/index.html"})
        if path in (f"{ROOT}/", f"{ROOT}/index.html"):
            return self.html(self.home())
        page = request.int_arg("page", 1)
        if path == f"{ROOT}/xwdt/index.html":
            return self.listing("新闻动态", self.portal.in_column("xwdt"), path, page)
        if path == f"{ROOT}/zwgk/index.html":
            return self.html(
                self.menu(
                    "政务公开",
                    [
                        (f"{TOWN_ROOT}/index.html", "乡镇（街道）信息公开"),
                        (f"{ROOT}/zwgk/zfxxgkzn/index.html", "政府信息公开指南"),
                    ],
                )
            )
        if path == f"{TOWN_ROOT}/index.html":
            return self.html(
                self.menu(
                    "乡镇（街道）信息公开",
                    [(f"{TOWN_ROOT}/{s}/index.html", n) for s, n in TOWNS.items()],
                )
            )
        return self.town_route(path, page)

    def town_route(self, path: str, page: int) -> Response | None:
        parts = path[len(TOWN_ROOT) + 1 :].split("/") if path.startswith(TOWN_ROOT + "/") else []
        if not parts or parts[0] not in TOWNS:
            return None
        slug, name = parts[0], TOWNS[parts[0]]
        if parts[1:] == ["index.html"]:
            return self.html(
                self.menu(
                    name,
                    [
                        (f"{TOWN_ROOT}/{slug}/ndbg/index.html", "政府信息公开年报"),
                        (f"{TOWN_ROOT}/{slug}/jgzn/index.html", "机构职能"),
                    ],
                )
            )
        if parts[1:] == ["ndbg", "index.html"]:
            return self.listing(f"{name} 政府信息公开年报", self.portal.in_column(slug), path, page)
        return None

    def listing(self, title: str, docs: list[Doc], path: str, page: int) -> Response | None:
        pages = pages_of(docs, PER_PAGE)
        if not 1 <= page <= len(pages):
            return None
        rows = "".join(
            f'<li><a href="{d["paths"][0]}" target="_blank">{escape(d["title_raw"])}</a>'
            f'<span class="date">{d["published"]}</span></li>'
            for d in pages[page - 1]
        )
        links = []
        if page > 1:
            links.append(f'<a href="{path}?page={page - 1}">上一页</a>')
        links.append(f"<span>第{page}页/共{len(pages)}页</span>")
        if page < len(pages):
            links.append(f'<a href="{path}?page={page + 1}">下一页</a>')
        body = (
            f'<div class="list-title">{escape(title)}</div><ul class="article-list">{rows}</ul>'
            f'<div class="pagination">{" ".join(links)}</div>'
        )
        return self.html(self.frame(title, body))

    def menu(self, title: str, links: list[tuple[str, str]]) -> str:
        items = "".join(f'<li><a href="{h}">{escape(n)}</a></li>' for h, n in links)
        return self.frame(
            title, f'<div class="list-title">{escape(title)}</div><ul class="menu">{items}</ul>'
        )

    def detail(self, doc: Doc) -> str:
        stamp = f"{doc['published']} {doc['time']}"
        body = f"""{self.crumb(doc)}
<div class="article">
<h2 class="article-title">{escape(doc["title_raw"])}</h2>
<div class="article-info">发布时间：{stamp}&nbsp;&nbsp;来源：{escape(doc["source"] or "")}&nbsp;&nbsp;浏览次数：<span id="views"></span>&nbsp;&nbsp;{FONT_SIZE}</div>
<div class="article-content" id="zoom">
{body_html(doc, "indent")}
</div>
<div class="article-tools">{PRINT_CLOSE}</div>
</div>"""
        return self.frame(doc["title_raw"], body)

    def crumb(self, doc: Doc) -> str:
        links = [(f"{ROOT}/index.html", "首页"), (f"{ROOT}/zwgk/index.html", "政务公开")]
        if doc["column"] in TOWNS:
            slug = doc["column"]
            links += [
                (f"{TOWN_ROOT}/index.html", "乡镇（街道）信息公开"),
                (f"{TOWN_ROOT}/{slug}/index.html", TOWNS[slug]),
                (f"{TOWN_ROOT}/{slug}/ndbg/index.html", "政府信息公开年报"),
            ]
        else:
            links = [links[0], (f"{ROOT}/xwdt/index.html", "新闻动态")]
        trail = " &gt; ".join(f'<a href="{h}">{escape(n)}</a>' for h, n in links)
        return f'<div class="position">当前位置：{trail}</div>'

    def home(self) -> str:
        news = "".join(
            f'<li><a href="{d["paths"][0]}">{escape(d["title_raw"])}</a></li>'
            for d in self.portal.in_column("xwdt")[:5]
        )
        return self.frame(
            "",
            f'<div class="box"><h3>扎兰屯要闻</h3><ul>{news}</ul></div>'
            f'<div class="box"><h3><a href="{ROOT}/zwgk/index.html">政务公开</a></h3></div>',
        )

    def frame(self, title: str, body: str) -> str:
        site = escape(self.portal.name)
        nav = "".join(f'<a href="{h}">{n}</a>' for h, n in NAV)
        return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{escape(title) + "-" if title else ""}{site}</title>
<link rel="stylesheet" href="/css/style.css">
</head>
<body>
<header class="header"><div class="site-name">{site}</div><nav class="nav">{nav}</nav></header>
<main class="container">
{body}
</main>
<footer class="footer">
<p>主办：扎兰屯市人民政府办公室　承办：扎兰屯市政务服务与数据管理局</p>
<p>网站标识码：1507830001　蒙ICP备05002691号-1　蒙公网安备 15078302000109号</p>
</footer>
</body>
</html>
"""
