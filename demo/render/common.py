"""Pieces shared by every style: responses, body blocks to HTML, the Site base class."""

from __future__ import annotations

import base64
import posixpath
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import parse_qs, quote

from demo.content import CONTENT_DIR, Doc, PortalContent

Query = dict[str, list[str]]
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
ROBOTS = "User-agent: *\nDisallow: /admin/\n"
STYLESHEET = "body{margin:0;font:14px/1.8 'Microsoft YaHei',SimSun,sans-serif;color:#333}\n"


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    method: str
    path: str
    query: Query
    form: Query

    def arg(self, name: str, default: str = "") -> str:
        """A query or form value (form wins, like a servlet's getParameter on POST)."""
        values = self.form.get(name) or self.query.get(name)
        return values[0] if values else default

    def int_arg(self, name: str, default: int) -> int:
        value = self.arg(name)
        return int(value) if value.isdigit() else default


def parse_form(body: bytes, content_type: str) -> Query:
    if "application/x-www-form-urlencoded" not in content_type:
        return {}
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)


def para_html(text: str, style: str, indent: int = 0) -> str:
    """One paragraph in the chosen house style of the CMS editor."""
    text = escape(text, quote=False)
    if style == "nbsp":
        return f"<p>{'&nbsp;' * (indent or 4)}{text}</p>"
    if style == "span":
        return (
            '<p style="text-indent: 2em; line-height: 2em;"><span style="font-family: '
            f'仿宋_GB2312; font-size: 16pt;">{text}</span></p>'
        )
    if style == "font":
        return f'<p><font size="3" face="宋体">&nbsp;&nbsp;&nbsp;&nbsp;{text}</font></p>'
    return f'<p style="text-indent:2em">{text}</p>'


def heading_html(block: Doc, style: str) -> str:
    text = escape(block["x"], quote=False)
    if style == "nbsp":
        return f"<p>{'&nbsp;' * (block.get('indent') or 4)}<strong>{text}</strong></p>"
    if style == "font":
        return f'<p><font size="3" face="黑体"><b>&nbsp;&nbsp;&nbsp;&nbsp;{text}</b></font></p>'
    tag = "strong" if block["l"] == 1 else "b"
    return f'<p style="text-indent:2em"><{tag}>{text}</{tag}></p>'


def cell_text_html(text: str) -> str:
    """A cell's text; a line break an editor typed inside a label becomes <br>."""
    return escape(text).replace("\n", "<br>") or "&nbsp;"


def cell_html(cell: Any) -> str:
    if isinstance(cell, str):
        return f'<td><p style="text-align:center">{cell_text_html(cell)}</p></td>'
    spans = ""
    if cell.get("r", 1) > 1:
        spans += f' rowspan="{cell["r"]}"'
    if cell.get("c", 1) > 1:
        spans += f' colspan="{cell["c"]}"'
    return f'<td{spans}><p style="text-align:center">{cell_text_html(cell["x"])}</p></td>'


def table_html(block: Doc) -> str:
    rows = "\n".join("<tr>" + "".join(cell_html(c) for c in row) + "</tr>" for row in block["rows"])
    return (
        '<table border="1" cellspacing="0" cellpadding="0" width="100%" '
        f'style="border-collapse:collapse">\n<tbody>\n{rows}\n</tbody>\n</table>'
    )


def sign_html(block: Doc, style: str) -> str:
    if style == "font":
        return "".join(
            f'<p align="right"><font size="3">{escape(line)}</font></p>' for line in block["lines"]
        )
    return "".join(f'<p style="text-align:right">{escape(line)}</p>' for line in block["lines"])


def block_html(block: Doc, style: str) -> str:
    kind = block["t"]
    if kind == "p":
        return para_html(block["x"], style, block.get("indent", 0))
    if kind == "h":
        return heading_html(block, style)
    if kind == "table":
        return table_html(block)
    if kind == "img":
        return (
            f'<p style="text-align:center"><img src="{block["src"]}" alt="{escape(block["alt"])}"'
            ' border="0"></p>'
        )
    return sign_html(block, style)


def body_html(doc: Doc, style: str = "indent") -> str:
    """A document's body. `br` documents put paragraphs in one <p> separated by <br>.

    A report published as an attachment shows only its attachment links; one with the
    report both as text and as a file shows the links under the text."""
    links = attachments_html(doc)
    if "attach_detail" in doc["flags"]:
        return links
    if "frame_html" in doc["flags"]:  # the text is in a frame (issue #11)
        return (SHARE_FRAME + f'\n<iframe id="contentFrame" name="contentFrame" src="'
                f'{escape(frame_path(doc))}" width="100%" height="1600" frameborder="0" '
                'scrolling="auto"></iframe>')
    if "frame_pdf" in doc["flags"]:  # the PDF through a pdf.js viewer
        item = doc["attachments"][0]
        target = quote(item["path"], safe="")
        return (SHARE_FRAME + f'\n<iframe src="{PDF_VIEWER}?file={target}" title="'
                f'{escape(item["name"])}" width="100%" height="1000" frameborder="0"></iframe>')
    if "alternates" in doc["flags"]:  # print page and exports under the text
        tools = (f'<p class="tools"><a href="{escape(print_path(doc))}" target="_blank">【打印】'
                 f'</a> <a href="{EXPORT}?id={export_id(doc)}&amp;type=word">【下载Word】</a> '
                 f'<a href="{EXPORT}?id={export_id(doc)}&amp;type=pdf">【下载PDF】</a></p>')
        return "\n".join([*(block_html(b, style) for b in doc["blocks"]), links, tools])
    if "br" in doc["flags"]:
        return br_body_html(doc) + links
    return "\n".join([*(block_html(b, style) for b in doc["blocks"]), links]).rstrip("\n")


SHARE_FRAME = ('<iframe src="/share/share.html" width="300" height="32" frameborder="0" '
               'scrolling="no"></iframe>')
PDF_VIEWER = "/pdfjs/web/viewer.html"
EXPORT = "/system/export/export.jsp"


def frame_path(doc: Doc) -> str:
    """Where a framed report's text is served: `zw_` + the detail page's file name."""
    folder, name = posixpath.split(doc["paths"][0])
    return f"{folder}/zw_{name}"


def print_path(doc: Doc) -> str:
    return doc["paths"][0].rsplit(".", 1)[0] + "_print.html"


def export_id(doc: Doc) -> str:
    return posixpath.basename(doc["paths"][0]).rsplit(".", 1)[0]


def blocks_html(doc: Doc, style: str = "indent") -> str:
    return "\n".join(block_html(b, style) for b in doc["blocks"])


def attachments_html(doc: Doc) -> str:
    """'附件：' followed by one link per attached file, as CMS editors insert them."""
    items = doc.get("attachments") or []
    lines = []
    for number, item in enumerate(items):
        lead = "附件：" if number == 0 else "&nbsp;" * 6
        href = escape(link_to(doc["paths"][0], item["path"]))
        lines.append(
            f'<p class="attachment">{lead}<a href="{href}" target="_blank" '
            f'title="{escape(item["name"])}">{escape(item["name"])}</a></p>'
        )
    return "\n".join(lines)


def link_to(page: str, target: str) -> str:
    """A file in the page's own directory is linked relatively (./P0….pdf), as TRS does."""
    if "?" not in target and posixpath.dirname(page) == posixpath.dirname(target):
        return "./" + posixpath.basename(target)
    return target


def disposition_header(item: Doc) -> dict[str, str]:
    """Content-Disposition as the portal's server writes it (GBK bytes or RFC 5987)."""
    if item["disposition"] == "gbk":  # raw GBK bytes; http.server writes headers as latin-1
        raw = item["name"].encode("gbk").decode("latin-1")
        return {"Content-Disposition": f"attachment; filename={raw}"}
    if item["disposition"] == "rfc5987":
        name = quote(item["name"], safe="")
        return {"Content-Disposition": f"attachment; filename*=UTF-8''{name}"}
    return {}


def br_body_html(doc: Doc) -> str:
    parts = []
    for block in doc["blocks"]:
        if block["t"] == "sign":
            parts.append(sign_html(block, "font"))
        elif block["t"] == "table":
            parts.append(table_html(block))
        else:
            parts.append("&nbsp;&nbsp;&nbsp;&nbsp;" + escape(block["x"], quote=False) + "<br>")
    return '<p><font size="3">' + "\n".join(parts) + "</font></p>"


FONT_SIZE = (
    '字体：[<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> '
    '<a href="javascript:doZoom(14)">小</a>]'
)
PRINT_CLOSE = (
    '<a href="javascript:window.print()">【打印本页】</a> '
    '<a href="javascript:window.close()">【关闭窗口】</a>'
)


def pages_of(items: list[Doc], size: int) -> list[list[Doc]]:
    """Split a list into pages of `size` (at least one, possibly empty, page)."""
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


class Site:
    """A portal as an HTTP responder. Subclasses add routes for their CMS style."""

    server_name = "nginx"  # the Server header this kind of site sends

    def __init__(self, portal: PortalContent):
        self.portal = portal
        self.by_path: dict[str, Doc] = {p: d for d in portal.docs for p in d["paths"]}
        items = [a for d in portal.docs for a in d.get("attachments", [])]
        self.files: dict[str, Doc] = {a["path"]: a for a in items}
        self.downloads: dict[str, Doc] = {posixpath.basename(a["file"]): a for a in items}
        self.special = [d for d in portal.docs
                        if {"frame_html", "frame_pdf", "alternates"} & set(d["flags"])]

    def attachment(self, request: Request) -> Response | None:
        """An attached file, by its path or through Hanweb's downfile.jsp?filename=."""
        item = self.files.get(request.path)
        if item is None and request.path.endswith("/module/download/downfile.jsp"):
            item = self.downloads.get(request.arg("filename"))
        if item is None:
            return None
        path = CONTENT_DIR / "files" / item["file"]
        if not path.is_file():
            return None
        headers = disposition_header(item)
        return Response(200, path.read_bytes(), item["content_type"], headers)

    def respond(self, request: Request) -> Response:
        served = self.attachment(request) or self.framed(request)
        if served is not None:
            return served
        if request.path == "/robots.txt":
            return Response(200, ROBOTS.encode(), "text/plain")
        if request.path.startswith("/css/"):
            return Response(200, STYLESHEET.encode(), "text/css")
        if request.path.startswith("/images/"):
            return Response(200, TINY_PNG, "image/png")
        return self.route(request) or self.not_found()

    def framed(self, request: Request) -> Response | None:
        """Frames, print pages and exports of the reports that have them (issue #11): a
        frame's document has no title and no dates; the print page another <title> and
        no meta line; the Word export is HTML served as application/msword (as many CMSs
        do), the PDF export the report's text with no title page."""
        path = request.path
        for doc in self.special:
            if path == frame_path(doc) and "frame_html" in doc["flags"]:
                return self.html(f'<html><head><meta charset="utf-8"></head><body>'
                                 f'<div class="zw">{blocks_html(doc)}</div></body></html>')
            if path == print_path(doc) and "alternates" in doc["flags"]:
                return self.html(f'<html><head><meta charset="utf-8"><title>打印页面</title></head>'
                                 f'<body onload="window.print()">{blocks_html(doc)}</body></html>')
            if path == EXPORT and request.arg("id") == export_id(doc):
                markup = f"<html><body><h1>{escape(doc['title_raw'])}</h1>{blocks_html(doc)}</body></html>"
                if request.arg("type") == "pdf" and doc.get("exports"):
                    pdf = CONTENT_DIR / "files" / doc["exports"][0]["file"]
                    return Response(200, pdf.read_bytes(), "application/pdf")
                return Response(200, markup.encode("utf-8"), "application/msword")
        if path == "/share/share.html":
            return self.html('<html><body><a href="javascript:void(0)">分享到微信</a></body></html>')
        if path == PDF_VIEWER:
            return self.html('<html><head><title>PDF.js viewer</title></head><body>'
                             '<div id="viewerContainer"></div></body></html>')
        return None

    def route(self, request: Request) -> Response | None:
        raise NotImplementedError

    def html(self, text: str, status: int = 200, doc: Doc | None = None) -> Response:
        """Encode a page the way this portal serves it."""
        return Response(status, text.encode("utf-8"), "text/html; charset=utf-8")

    def not_found(self) -> Response:
        page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>404 页面不存在 - {escape(self.portal.name)}</title>
<link rel="stylesheet" href="/css/style.css"></head>
<body><div class="error-page" style="text-align:center;padding:80px 0">
<h2>抱歉，您访问的页面不存在或已被删除！</h2>
<p>请检查您输入的网址是否正确，或<a href="/">返回{escape(self.portal.name)}首页</a>。</p>
<p>Error 404 - Not Found</p></div></body></html>"""
        return self.html(page, 404)
