"""The chrome of every scale-portal page: inline CSS, scripts, menus, footer, built once.

Real county portals inline several KiB of styles and scripts and repeat their menus and
link boxes on every page; this is what brings a detail page to the 25-30 KiB of the
portals the crawl benchmark imitates.
"""

from __future__ import annotations

import posixpath
from html import escape
from typing import Any

from demo.render.common import block_html
from tools.scale.plan import CITY, COUNTY, HEADS, PROVINCE, SITE_NAME, TAILS, Entry

XXGK_COLUMNS = (("jgzn", "机构职能"), ("zcwj", "政策文件"), ("ghjh", "规划计划"),
                ("czzj", "财政资金"), ("rsxx", "人事信息"), ("zdxm", "重点项目"),
                ("shjz", "社会救助"), ("xzzf", "行政执法"), ("xxgkzn", "政府信息公开指南"),
                ("xxgkzd", "政府信息公开制度"), ("ndbg", "政府信息公开年报"))
NAV = (("/", "首页"), ("/zwdt/", "政务动态"), ("/xxgk/", "政府信息公开"),
       ("/zwfw/", "政务服务"), ("/hdjl/", "互动交流"), ("/zjql/", "走进青岚"))
DEPARTMENTS = ("发展和改革局", "教育局", "科学技术和工业信息化局", "公安局", "民政局", "司法局",
               "财政局", "人力资源和社会保障局", "自然资源局", "生态环境分局", "住房和城乡建设局",
               "交通运输局", "水利局", "农业农村局", "商务局", "文化广播电视和旅游局",
               "卫生健康局", "退役军人事务局", "应急管理局", "审计局", "市场监督管理局",
               "统计局", "医疗保障局", "林业局", "信访局", "政务服务和数字化建设管理局")
STYLE = """
*{margin:0;padding:0}body{font:14px/1.8 'Microsoft YaHei',SimSun,sans-serif;color:#333}
a{color:#333;text-decoration:none}a:hover{color:#c00;text-decoration:underline}
ul,li{list-style:none}.w1200{width:1200px;margin:0 auto}
.header{height:160px;background:#1a5fb4 url(/images/banner.jpg) no-repeat center top}
.header .logo{float:left;margin-top:40px;font-size:34px;color:#fff;font-weight:bold}
.header .search{float:right;margin-top:60px}
.header .search input{width:220px;height:30px;border:1px solid #ddd;padding:0 8px}
.header .search button{width:60px;height:32px;background:#e60;color:#fff;border:0;cursor:pointer}
.topbar{height:32px;line-height:32px;background:#f5f5f5;border-bottom:1px solid #e5e5e5}
.topbar .date{float:left}.topbar .links{float:right}.topbar .links a{margin-left:12px}
.nav{height:48px;background:#0d4a96}.nav li{float:left;position:relative}
.nav li a{display:block;padding:0 34px;line-height:48px;color:#fff;font-size:17px}
.nav li:hover .sub{display:block}
.nav .sub{display:none;position:absolute;top:48px;left:0;width:180px;background:#fff;box-shadow:0 2px 6px rgba(0,0,0,.2);z-index:99}
.nav .sub a{color:#333;font-size:14px;line-height:36px;padding:0 16px}
.position{height:40px;line-height:40px;border-bottom:1px solid #ddd;color:#666}
.main{overflow:hidden;padding:20px 0 40px}.left-menu{float:left;width:240px}
.left-menu .menu-title{height:50px;line-height:50px;background:#0d4a96;color:#fff;font-size:20px;text-align:center}
.left-menu li{border-bottom:1px dashed #ccc}
.left-menu li a{display:block;padding-left:30px;line-height:42px}
.right-box{float:right;width:920px}
.column-title{height:42px;line-height:42px;border-bottom:2px solid #0d4a96;font-size:18px;font-weight:bold;color:#0d4a96}
.sub-column{padding:10px 0;line-height:30px}
.sub-column a{display:inline-block;margin-right:14px;padding:0 10px;border:1px solid #dbe4f0;background:#f4f8fd}
.list li{height:40px;line-height:40px;border-bottom:1px dashed #e1e1e1;overflow:hidden}
.list li a{float:left;width:780px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;padding-left:12px;background:url(/images/dot.png) no-repeat left}
.list li span{float:right;color:#999}.page{padding:24px 0;text-align:center}
.page a{display:inline-block;padding:0 10px;margin:0 3px;border:1px solid #ddd}
.article{padding:20px 40px}
.article .title{font-size:24px;line-height:40px;text-align:center;color:#0d4a96;padding:10px 0}
.article .info{text-align:center;color:#888;border-bottom:1px solid #ddd;padding-bottom:10px;margin-bottom:20px}
.TRS_Editor p{font-size:16px;line-height:2;margin:8px 0}
.TRS_Editor table{margin:10px auto;border-collapse:collapse}
.TRS_Editor td{border:1px solid #000;padding:4px 6px;font-size:14px}
.tools{text-align:right;padding:20px 0;border-top:1px solid #eee}
.prev-next{padding:14px 0;line-height:30px;border-top:1px dashed #ccc}.related{margin-top:20px}
.related .hd{height:36px;line-height:36px;font-weight:bold;border-bottom:1px solid #0d4a96}
.footer{background:#0d4a96;color:#dfe8f5;padding:24px 0;text-align:center;line-height:30px}
.footer a{color:#dfe8f5}.friend-links{padding:14px 0;background:#f0f3f8}
.friend-links select{width:220px;height:30px;margin:0 8px}
.home .box{float:left;width:580px;margin:0 10px 20px}
.box-title{height:40px;line-height:40px;border-bottom:2px solid #0d4a96;font-size:18px}
.box-title .more{float:right;font-size:13px;color:#999}
"""
PAGE_SCRIPT = """<script type="text/javascript">
function doZoom(size){var el=document.getElementById('zoom');if(!el){return;}
el.style.fontSize=size+'px';var ps=el.getElementsByTagName('p');
for(var i=0;i<ps.length;i++){ps[i].style.fontSize=size+'px';}}
function showDate(){var d=new Date(),w=['日','一','二','三','四','五','六'];
document.getElementById('today').innerHTML=d.getFullYear()+'年'+(d.getMonth()+1)+'月'
+d.getDate()+'日 星期'+w[d.getDay()];}
function goLink(sel){var v=sel.options[sel.selectedIndex].value;if(v){window.open(v);}}
var _hmt=_hmt||[];(function(){var hm=document.createElement('script');
hm.src='/js/stat.js?sid=qinglan';var s=document.getElementsByTagName('script')[0];
s.parentNode.insertBefore(hm,s);})();
</script>"""
# The share bar and 适老化 toolbar config every detail page of such sites inlines.
SHARE_SCRIPT = """<script type="text/javascript">
var shareConfig={title:document.title,url:window.location.href,pic:'',summary:'',
sites:['weixin','weibo','qzone','qq'],labels:{weixin:'微信',weibo:'微博',qzone:'QQ空间',qq:'QQ好友'}};
function shareTo(site){var u=encodeURIComponent(shareConfig.url),t=encodeURIComponent(shareConfig.title);
var targets={weibo:'/share/weibo?url='+u+'&title='+t,qzone:'/share/qzone?url='+u+'&title='+t,
qq:'/share/qq?url='+u+'&title='+t};if(site==='weixin'){document.getElementById('qrbox').style.display='block';return;}
window.open(targets[site],'_blank','width=620,height=460');}
var ariaConfig={speech:true,zoom:[1,1.2,1.5,2],cursor:['default','big','bigger'],guide:true,
colors:[{name:'默认',bg:'',fg:''},{name:'黑底黄字',bg:'#000',fg:'#ff0'},{name:'蓝底白字',bg:'#00f',fg:'#fff'},
{name:'黄底黑字',bg:'#ff0',fg:'#000'}],reading:{mode:'point',rate:1.0,volume:0.8},
hotkeys:{open:'Alt+Shift+A',close:'Alt+Shift+C',read:'Alt+Shift+R',zoomIn:'Alt+Shift+=',zoomOut:'Alt+Shift+-'}};
function ariaOpen(){var s=document.createElement('script');s.src='/aria/aria.js?appid='+
'a0b1c2d3e4f5&config='+encodeURIComponent(JSON.stringify(ariaConfig));document.body.appendChild(s);}
function printArticle(){var w=window.open('','_blank');w.document.write('<html><head><title>'+
document.title+'</title></head><body>'+document.getElementById('zoom').innerHTML+'</body></html>');
w.document.close();w.print();}
</script>"""
NAV_SUBS = {"/xxgk/": [(f"/xxgk/{slug}/", name) for slug, name in XXGK_COLUMNS],
            "/zwdt/": [("/zwdt/", "政务要闻"), ("/zwdt/", "乡镇动态")]}


def nav_item(href: str, name: str) -> str:
    """A top menu entry with its drop-down of sub-columns."""
    subs = "".join(f'<a href="{h}">{n}</a>' for h, n in NAV_SUBS.get(href, []))
    drop = f'<div class="sub">{subs}</div>' if subs else ""
    return f'<li><a href="{href}">{name}</a>{drop}</li>'


def chrome_parts() -> tuple[str, str]:
    """(header up to the main box, footer from it): the same on every page, built once."""
    site = escape(SITE_NAME)
    nav = "".join(nav_item(href, name) for href, name in NAV)
    options = "".join(f'<option value="">{COUNTY}{d}</option>' for d in DEPARTMENTS)
    towns = "".join(f'<option value="">{COUNTY}{HEADS[k]}{TAILS[k]}镇人民政府</option>'
                    for k in range(len(TAILS)))
    media = "".join(f'<li><img src="/images/qr_{k}.png" alt="{name}"><p>{name}</p></li>'
                    for k, name in enumerate(("“青岚发布”微信公众号", "“青岚发布”政务微博",
                                              "青岚县人民政府客户端", "“青岚融媒”抖音号")))
    header = f"""<link rel="stylesheet" href="/css/style.css">
<style type="text/css">
{STYLE}
</style>
{PAGE_SCRIPT}
</head>
<body onload="showDate()">
<div class="topbar"><div class="w1200"><span class="date" id="today"></span>
<span class="links"><a href="javascript:void(0)" onclick="SetHome(this,window.location)">设为首页</a><a href="javascript:void(0)" onclick="AddFavorite(window.location,document.title)">加入收藏</a><a href="/zjql/">网站地图</a></span></div></div>
<div class="header"><div class="w1200"><div class="logo">{site}</div>
<div class="search"><form action="/search/" method="get" target="_blank"><input name="searchword" placeholder="请输入关键词"><button type="submit">搜索</button></form></div></div></div>
<div class="nav"><ul class="w1200">{nav}</ul></div>
<div class="main w1200">
"""
    footer = f"""</div>
<div class="friend-links"><div class="w1200">友情链接：
<select onchange="goLink(this)"><option value="">---- 县直部门 ----</option>{options}</select>
<select onchange="goLink(this)"><option value="">---- 乡镇街道 ----</option>{towns}</select>
<select onchange="goLink(this)"><option value="">---- 上级政府 ----</option><option value="">{PROVINCE}人民政府</option><option value="">{CITY}人民政府</option></select>
</div></div>
<div class="media w1200"><div class="hd">政务新媒体</div><ul>{media}</ul></div>
<div class="footer"><div class="w1200">
<p><a href="/zjql/">关于本站</a> | <a href="/zjql/">网站地图</a> | <a href="/hdjl/">联系我们</a> | <a href="/zjql/">隐私声明</a></p>
<p>主办单位：{site}办公室&nbsp;&nbsp;&nbsp;&nbsp;承办单位：{COUNTY}政务服务和数字化建设管理局&nbsp;&nbsp;&nbsp;&nbsp;联系电话：0435-5212345</p>
<p>ICP备案号：吉ICP备05001234号-1&nbsp;&nbsp;&nbsp;&nbsp;网站标识码：2205230001&nbsp;&nbsp;&nbsp;&nbsp;吉公网安备 22052302000123号</p>
<p>建议使用1366×768分辨率、IE10以上版本浏览器浏览本网站</p>
</div></div>
</body>
</html>
"""
    return header, footer


HEADER, FOOTER = chrome_parts()


def frame(title: str, crumb: list[tuple[str, str]], body: str, heads: str = "") -> bytes:
    full_title = f"{escape(title)}_{escape(SITE_NAME)}" if title else escape(SITE_NAME)
    position = ""
    if crumb:
        links = " &gt; ".join(f'<a href="{h}">{escape(n)}</a>' for h, n in crumb)
        position = f'<div class="position">当前位置：{links}</div>\n'
    return (f'<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>{full_title}'
            f'</title>\n<meta name="SiteName" content="{escape(SITE_NAME)}">\n{heads}{HEADER}'
            f"{position}{body}\n{FOOTER}").encode()


def list_item(directory: str, entry: Entry) -> str:
    href = "./" + posixpath.relpath(entry.path, directory)
    title = escape(entry.title)
    return (f'<li><a href="{href}" target="_blank" title="{title}">{title}</a>'
            f"<span>{entry.published.isoformat()}</span></li>")


def blocks_html(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(block_html(b, "indent") for b in blocks)


XXGK_CRUMB = [("/", "首页"), ("/xxgk/", "政府信息公开")]
NDBG_CRUMB = [*XXGK_CRUMB, ("/xxgk/ndbg/", "政府信息公开年报")]
