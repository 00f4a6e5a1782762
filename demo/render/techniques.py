"""Pages of the hijacked mirror altered by one technique each (issue #15).

Each page is the genuine report in a plain township frame with exactly one injection,
named by the document's `meta.technique` (tools/gen/hijack.py `apply_technique`):

| technique | what the page carries |
| --- | --- |
| hidden-class | casino links in a block hidden by a `<style>` class rule (display:none) |
| font-zero | casino links in a zero-size, font-size:0 paragraph |
| meta-only | gambling words only in `<title>` and `<meta keywords/description>` |
| ua-write | a script writing casino links when the user agent is a search-engine spider |
| js-redirect | a script sending visitors who come from a search engine to a betting host |
| site-meta | `SiteName`/`SiteDomain`/`ColumnName` meta naming the betting brand and its host |
| cloaked | a clean page for browsers, a gambling page for `Baiduspider` (by User-Agent) |

`EVIDENCE` (used by demo/truth.py) is the evidence kind each technique must produce.
"""

from __future__ import annotations

from html import escape

from demo.content import Doc
from demo.render.common import FONT_SIZE, Request, body_html

SITE = "成吉思汗镇人民政府"
LINKS = [
    ("http://www.xpj0851.com/", "澳门新葡京娱乐场"),
    ("http://www.wnsr3329.com/", "威尼斯人娱乐场"),
    ("http://www.hg6697.com/", "皇冠体育投注"),
    ("http://www.bc2208.com/", "菠菜导航网"),
]
EVIDENCE = {
    "hidden-class": {"hidden_links"},
    "font-zero": {"hidden_links"},
    "meta-only": {"meta_spam"},
    "ua-write": {"js_write"},
    "js-redirect": {"js_redirect"},
    "site-meta": {"site_meta"},
    "cloaked": {"cloaking"},
}
SPIDERS = ("baiduspider", "sogou", "360spider", "bytespider")


def anchors() -> str:
    return "".join(f'<a href="{h}" target="_blank">{n}</a>' for h, n in LINKS)


def is_spider(request: Request) -> bool:
    agent = next((v for k, v in request.headers.items() if k.lower() == "user-agent"), "")
    return any(name in agent.lower() for name in SPIDERS)


def page(doc: Doc, request: Request) -> str:
    """The page as this request gets it."""
    technique = doc["meta"]["technique"]
    if technique == "cloaked" and is_spider(request):
        return spider_page(doc)
    title, head, top, bottom = doc["title_raw"], "", "", ""
    if technique == "hidden-class":
        head = "<style>.gglink{display:none}</style>"
        bottom = f'<div class="gglink">{anchors()}</div>'
    elif technique == "font-zero":
        bottom = f'<p style="font-size:0;height:0;overflow:hidden;margin:0">{anchors()}</p>'
    elif technique == "meta-only":
        title = f"澳门新葡京娱乐场_体育投注平台_{doc['title_raw']}"
        head = ('<meta name="keywords" content="澳门新葡京,威尼斯人娱乐场,体育投注平台">'
                '<meta name="description" content="澳门新葡京娱乐场官网，体育投注平台">')
    elif technique == "ua-write":
        links = anchors().replace("'", "\\'")
        head = ("<script type=\"text/javascript\">\n"
                "if (/baiduspider|sogou|360spider/i.test(navigator.userAgent)) {\n"
                f"  document.write('<div>{links}</div>');\n}}\n</script>")
    elif technique == "js-redirect":
        head = ("<script>\nvar ref = document.referrer;\n"
                "if (ref.indexOf('baidu.com') > -1 || ref.indexOf('so.com') > -1 "
                "|| ref.indexOf('sogou.com') > -1) {\n"
                "  window.location.href = 'http://www.hg6697.com/?from=gov';\n}\n</script>")
    elif technique == "site-meta":
        head = ('<meta name="SiteName" content="UedBet体育官网">'
                '<meta name="SiteDomain" content="www.ued7788.com">'
                '<meta name="ColumnName" content="政府信息公开年报">')
    return frame(title, head, top, article(doc), bottom)


def article(doc: Doc) -> str:
    return f"""<div class="position">网站首页 &gt; 政府信息公开 &gt; 政府信息公开年报</div>
<div class="article">
<h1>{escape(doc["title_raw"])}</h1>
<div class="info">发布时间：{doc["published"]} 来源：{escape(doc["source"] or "")} {FONT_SIZE}</div>
<div class="content">
{body_html(doc, "nbsp")}
</div>
</div>"""


def spider_page(doc: Doc) -> str:
    """What the cloaker shows search-engine spiders: a betting landing page."""
    items = "".join(f"<li><a href=\"{h}\">{n}官网注册</a></li>" for h, n in LINKS)
    body = (f"<div class=\"article\"><h1>澳门新葡京娱乐场_体育投注平台</h1>"
            f"<p>澳门新葡京娱乐场为您提供体育投注、真人视讯、百家乐等游戏，注册即送彩金，"
            f"提款秒到账。</p><ul>{items}</ul></div>")
    return frame("澳门新葡京娱乐场_体育投注平台_威尼斯人娱乐场", "", "", body, "")


def frame(title: str, head: str, top: str, body: str, bottom: str) -> str:
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{escape(title)}</title>
{head}
</head>
<body>
<div class="header"><div class="sitename">{SITE}</div>
<div class="nav"><a href="/">网站首页</a> <a href="/zwgk/index.html">政府信息公开</a></div></div>
{top}
<div class="main">
{body}
</div>
<div class="footer">主办：{SITE}</div>
{bottom}
</body>
</html>
"""
