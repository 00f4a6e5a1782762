"""A hijacked copy of a township site on a junk domain (成吉思汗镇).

The farm keeps the original path shape (/zlt/...article_*.html), swaps the site
name for a gambling brand, hides casino link blocks in `display:none` divs, sprinkles
random-id nonsense tags, and carries a Traditional clone with pinyin glosses. Pages
with a `technique` (one hijacking technique each, for issue #15) are drawn by
`demo/render/techniques.py` instead.
"""

from __future__ import annotations

import random
import string
from html import escape

from demo.content import Doc
from demo.render import techniques
from demo.render.common import FONT_SIZE, Request, Response, Site, body_html

SPAM_SITE = "UedBet体育"
SPAM_TITLE = "UedBet体育_UedBet官网_欧洲杯买球平台-线上app官网"
CASINO_LINKS = [
    ("http://www.ued7788.com/", "UedBet体育"),
    ("http://www.xpj0851.com/", "澳门新葡京"),
    ("http://www.wnsr3329.com/", "威尼斯人娱乐场"),
    ("http://www.hg6697.com/", "皇冠体育投注"),
    ("http://www.bc2208.com/", "菠菜导航网"),
]
REFERRER_JS = """<script type="text/javascript">
var r = document.referrer;
if (r.indexOf("baidu.com") > -1 || r.indexOf("sogou.com") > -1) { window.location.href = "http://www.ued7788.com/"; }
</script>"""
NAV = [("/", "网站首页"), ("/zwgk/index.html", "政府信息公开"), ("/news/index.html", "新闻中心")]


def junk_tags(key: str, count: int = 4) -> str:
    """Site-farm signature markup: nested empty tags sharing one random id."""
    rng = random.Random(f"junk/{key}")
    out = []
    for i in range(count):
        tag_id = (
            "zdbdv" if i == 0 else "".join(rng.choices(string.ascii_lowercase + string.digits, k=5))
        )
        if i % 2 == 0:
            out.append(
                f'<noframes id="{tag_id}"><address id="{tag_id}"><listing id="{tag_id}">'
                f"</listing></address></noframes>"
            )
        else:
            out.append(
                f'<ins id="{tag_id}"><cite id="{tag_id}"><track id="{tag_id}"></track></cite></ins>'
            )
    return "".join(out)


def hidden_links() -> str:
    links = " ".join(f'<a href="{h}" target="_blank">{n}</a>' for h, n in CASINO_LINKS)
    return f'<div style="display:none">{links}</div>'


class MirrorSite(Site):
    def route(self, request: Request) -> Response | None:
        path = request.path
        if path in self.by_path:
            doc = self.by_path[path]
            if doc["meta"].get("technique"):
                return self.html(techniques.page(doc, request))
            return self.html(self.detail(doc))
        if path in ("/", "/index.html"):
            return self.html(self.listing("", self.all_docs()))
        if path == "/zwgk/index.html":
            return self.html(self.listing("政府信息公开", self.portal.in_column("nb")))
        if path == "/news/index.html":
            return self.html(self.listing("新闻中心", self.portal.in_column("news")))
        return None

    def all_docs(self) -> list[Doc]:
        return sorted(self.portal.docs, key=lambda d: d["published"], reverse=True)

    def listing(self, title: str, docs: list[Doc]) -> str:
        rows = "".join(
            f'<li><a href="{d["paths"][0]}">{escape(d["title_raw"])}</a>'
            f"<span>{d['published']}</span></li>{junk_tags(d['id'], 1)}"
            for d in docs
        )
        return self.frame(
            title or SPAM_TITLE, f'<div class="list"><ul>{rows}</ul></div>', key=title
        )

    def detail(self, doc: Doc) -> str:
        crumb = (
            doc["meta"].get("crumb") or "网站首页 > 政府信息公开 > 成吉思汗镇 > 政府信息公开年报"
        )
        body = f"""<div class="position">{escape(crumb)}</div>
{junk_tags(doc["id"] + "/top")}
<div class="article">
<h1>{escape(doc["title_raw"])}</h1>
<div class="info">发布时间：{doc["published"]} 来源：{escape(doc["source"] or "")} {FONT_SIZE}</div>
<div class="content">
{body_html(doc, "nbsp")}
</div>
</div>
{junk_tags(doc["id"] + "/bottom", 2)}"""
        return self.frame(doc["title_raw"], body, key=doc["id"])

    def frame(self, title: str, body: str, key: str) -> str:
        nav = "".join(f'<a href="{h}">{n}</a> ' for h, n in NAV)
        return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{escape(title)}</title>
<meta name="keywords" content="UedBet体育,UedBet官网,体育投注,买球平台">
<meta name="description" content="{SPAM_TITLE}">
{REFERRER_JS}
</head>
<body>
{hidden_links()}
<div class="header"><div class="sitename">{SPAM_SITE}</div><div class="nav">{nav}</div></div>
{junk_tags(key + "/frame", 2)}
<div class="main">
{body}
</div>
<div class="footer">Copyright &copy; {SPAM_SITE} 版权所有　技术支持：UedBet官网</div>
{hidden_links()}
</body>
</html>
"""
