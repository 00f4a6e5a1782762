"""A tiny Guangdong gkmlpt-style county portal for tests: its 年报 column is drawn by a
script from `/gkmlpt/api/all/{catid}?page=N&sid=S` (two JSON pages), so the reports are
reachable only through the API. One row is a decoy (政府信息公开指南), one points off the
portal."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

from helpers.loopback import Loopback, Reply, Request, Route, serve_routes

SID, CATID = "441622", "2811"
COUNTY = "龙川县"
OFF_HOST = "http://www.gd.gov.cn/gkmlpt/content/5/5001/post_5001001.html"


def page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
            f'<body><div class="header">{COUNTY}人民政府</div>{body}</body></html>')


HOME = page(f"{COUNTY}人民政府门户网站", """
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/xwzx/">新闻中心</a></li>
<li><a href="/zwgk/">政府信息公开</a></li><li><a href="/hdjl/">互动交流</a></li></ul>""")

ZWGK = page(f"政府信息公开_{COUNTY}人民政府", """
<div class="pos">当前位置：<a href="/">首页</a> &gt; 政府信息公开</div>
<ul><li><a href="/zwgk/zcwj/">政策文件</a></li>
<li><a href="/zwgk/xxgknb/index.html">政府信息公开年报</a></li>
<li><a href="/hdjl/zxft/">在线访谈</a></li></ul>""")

# The column: a container and a script; the list itself comes from the JSON API.
COLUMN = page(f"政府信息公开年报_{COUNTY}人民政府", f"""
<div class="pos">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政府信息公开</a> &gt;
政府信息公开年报</div>
<div id="app" class="gkmlpt-list"></div>
<script>
  var GKMLPT_CONFIG = {{ SID: '{SID}', catId: {CATID}, pageSize: 3 }};
</script>
<script src="/gkmlpt/static/js/list.js"></script>""")

ZCWJ = page(f"政策文件_{COUNTY}人民政府", """
<div class="pos">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政府信息公开</a> &gt; 政策文件</div>
<p>暂无信息</p>""")

LIST_JS = "/* renders #app from /gkmlpt/api/all/ + GKMLPT_CONFIG.catId */"


def tables_2023() -> str:
    """The standard tables of the post-2019 format (labels as in the 2019 template)."""
    return """
<p><strong>二、主动公开政府信息情况</strong></p>
<table border="1"><tr><td colspan="4">第二十条第（一）项</td></tr>
<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>
<tr><td>规章</td><td>0</td><td>0</td><td>0</td></tr>
<tr><td>行政规范性文件</td><td>1</td><td>0</td><td>3</td></tr>
<tr><td colspan="4">第二十条第（五）项</td></tr>
<tr><td>信息内容</td><td colspan="3">本年处理决定数量</td></tr>
<tr><td>行政许可</td><td colspan="3">12</td></tr>
<tr><td colspan="4">第二十条第（六）项</td></tr>
<tr><td>行政处罚</td><td colspan="3">4</td></tr><tr><td>行政强制</td><td colspan="3">0</td></tr>
<tr><td colspan="4">第二十条第（八）项</td></tr>
<tr><td>行政事业性收费</td><td colspan="3">0</td></tr></table>
<p><strong>三、收到和处理政府信息公开申请情况</strong></p>
<table border="1"><tr><td colspan="2">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>
<td>自然人</td><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td>
<td>其他</td><td>总计</td></tr>
<tr><td colspan="2">一、本年新收政府信息公开申请数量</td><td>2</td><td>0</td><td>0</td><td>0</td>
<td>0</td><td>0</td><td>2</td></tr>
<tr><td colspan="2">二、上年结转政府信息公开申请数量</td><td>0</td><td>0</td><td>0</td><td>0</td>
<td>0</td><td>0</td><td>0</td></tr>
<tr><td rowspan="2">三、本年度办理结果</td><td>（一）予以公开</td><td>2</td><td>0</td><td>0</td>
<td>0</td><td>0</td><td>0</td><td>2</td></tr>
<tr><td>（七）总计</td><td>2</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>2</td></tr>
<tr><td colspan="2">四、结转下年度继续办理</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td>
<td>0</td><td>0</td></tr></table>
<p><strong>四、政府信息公开行政复议、行政诉讼情况</strong></p>
<table border="1"><tr><td colspan="5">行政复议</td><td colspan="5">行政诉讼</td></tr>
<tr><td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td>
<td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td></tr>
<tr><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td>
<td>0</td></tr></table>"""


def report_page(town: str, year: int, published: str, body: str) -> str:
    title = f"{town}{year}年政府信息公开工作年度报告"
    return page(f"{title}-{COUNTY}人民政府", f"""
<div class="pos">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政府信息公开</a> &gt;
<a href="/zwgk/xxgknb/index.html">政府信息公开年报</a></div>
<div class="article"><h1>{title}</h1>
<div class="info">发布日期：{published}&nbsp;&nbsp;来源：{town}人民政府</div>
<div class="article-content">
<p>本报告依据《中华人民共和国政府信息公开条例》要求编制，数据统计期限为{year}年1月1日至{year}年12月31日。</p>
{body}
</div></div>""")


def narrative(town: str, year: int) -> str:
    return f"""
<p><strong>一、概述</strong></p>
<p>{year}年，{town}认真贯彻落实《条例》，健全政府信息公开工作机制，明确党政办负责具体工作。</p>
<p><strong>二、主动公开政府信息情况</strong></p>
<p>全年通过县政府门户网站乡镇信息公开专栏主动公开政府信息46条，其中财政预决算信息4条。</p>
<p><strong>三、依申请公开政府信息情况</strong></p>
<p>全年未收到政府信息公开申请。</p>
<p><strong>四、政府信息公开的收费及减免情况</strong></p>
<p>未收取任何费用。</p>
<p><strong>五、因政府信息公开申请行政复议、提起行政诉讼的情况</strong></p>
<p>无。</p>
<p><strong>六、政府信息公开工作存在的主要问题及改进情况</strong></p>
<p>公开内容不够全面，下一步将加强业务培训。</p>"""


def post2019(town: str, year: int) -> str:
    return f"""
<p><strong>一、总体情况</strong></p>
<p>{year}年，{town}坚持以公开为常态、不公开为例外，主动公开政府信息128条。</p>
{tables_2023()}
<p><strong>五、存在的主要问题及改进情况</strong></p>
<p>信息更新不够及时。下一步将落实专人负责。</p>
<p><strong>六、其他需要报告的事项</strong></p>
<p>本年度未收取信息处理费。</p>"""


# post id -> (town, report year, published, create_time epoch, page body)
REPORTS = {
    "3001": ("老隆镇", 2023, "2024-01-19", 1705631400),
    "3002": ("佗城镇", 2022, "2023-01-30", 1675043400),
    "3003": ("鹤市镇", 2018, "2019-03-28", 1553742000),
    "3004": ("老隆镇", 2017, "2018-03-22", 1521684000),
}
DECOY_ID = "3005"


def detail_path(post_id: str) -> str:
    return f"/gkmlpt/content/2/{CATID}/post_{post_id}.html"


def report_html(post_id: str) -> str:
    town, year, published, _ = REPORTS[post_id]
    body = post2019(town, year) if year >= 2019 else narrative(town, year)
    return report_page(town, year, published, body)


def decoy_html() -> str:
    return page(f"{COUNTY}政府信息公开指南-{COUNTY}人民政府", """
<div class="article"><h1>龙川县人民政府信息公开指南</h1>
<p>为了更好地提供政府信息公开服务，根据《条例》编制本指南。</p></div>""")


def rows(base: str) -> list[dict[str, object]]:
    """The column's rows, newest first, as the API spells them."""
    out: list[dict[str, object]] = []
    for post_id, (town, year, _, epoch) in REPORTS.items():
        out.append({"id": int(post_id), "title": f"{town}{year}年政府信息公开工作年度报告",
                    "post_url": base + detail_path(post_id), "create_time": epoch,
                    "publisher": f"{town}人民政府"})
    out.insert(2, {"id": int(DECOY_ID), "title": f"{COUNTY}政府信息公开指南",
                   "post_url": base + detail_path(DECOY_ID), "create_time": 1546300800})
    out.append({"id": 5001001, "title": "广东省2023年政府信息公开工作年度报告",
                "post_url": OFF_HOST, "create_time": 1706000000})
    return out


PER_PAGE = 3


def api_page(base: str, number: int) -> dict[str, object]:
    everything = rows(base)
    chunk = everything[(number - 1) * PER_PAGE:number * PER_PAGE]
    return {"total": len(everything), "page": number, "articles": chunk}


def api(request: Request) -> Reply:
    """The column's JSON list, page by page; without the site id, a 404 like any stray path."""
    if request.query.get("sid") != [SID]:
        return NOT_FOUND_PAGE
    number = int((request.query.get("page") or ["1"])[0])
    body = json.dumps(api_page(request.origin, number), ensure_ascii=False)
    return 200, {"Content-Type": "application/json; charset=utf-8"}, body


NOT_FOUND_PAGE: Reply = (404, {}, page("404", "<p>页面不存在</p>"))
# HTML pages go out as text/html; charset=utf-8, the helper's default.
ROUTES: dict[str, Route] = {
    "/": (200, {}, HOME),
    "/zwgk/": (200, {}, ZWGK),
    "/zwgk/zcwj/": (200, {}, ZCWJ),
    "/zwgk/xxgknb/index.html": (200, {}, COLUMN),
    "/gkmlpt/static/js/list.js": (200, {"Content-Type": "application/javascript"}, LIST_JS),
    f"/gkmlpt/api/all/{CATID}": api,
    **{detail_path(p): (200, {}, report_html(p)) for p in REPORTS},
    detail_path(DECOY_ID): (200, {}, decoy_html()),
}


@contextmanager
def serve() -> Iterator[Loopback]:
    """Run the portal on an ephemeral loopback port; `.url` is its base URL (with `/`),
    `.paths` what was asked of it."""
    with serve_routes(ROUTES, not_found=NOT_FOUND_PAGE) as portal:
        yield portal
