"""A loopback portal that misbehaves in every way we know: the fault suite's server.

`serve_faults()` listens on 127.0.0.1 with a raw socket, so a case can do what an HTTP
server library will not: send a Content-Length longer than the body, reset the connection
mid-body, drip bytes, send headers with invalid bytes or no end, lie about encodings.

    with serve_faults() as portal:
        crawl(portal.url)
        portal.hits        # every request as received: method, path, headers, time

The portal's home page links the report column `/ndbg/`, which links every case in
`CASES` under `/case/<name>/`, with a report's title (a candidate) or a column's name (a
list the crawler pages through). Each `Case` says which outcomes are acceptable once the
crawl is done: a capture with an `error`, a `note`, a `report` read from it, a trap `stop`
(crawl_stops), or `unasked` (never requested: robots.txt forbade it). `robots.txt` changes
between requests: the first answer forbids `/case/robots-private/`, later ones forbid all.
"""

from __future__ import annotations

import gzip
import os
import random
import socket
import threading
import time
import traceback
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import brotli
from backports import zstd

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "seed" / "chengjisihan_2016.html"
TITLE = "成吉思汗镇2016年政府信息公开工作年度报告"
MIB = 1024 * 1024
READ_LIMIT = 4 * MIB  # a request head; the crawler's cookie jar is capped at 16 KiB


@dataclass(frozen=True)
class Hit:
    """One request as the server received it."""

    method: str
    path: str  # path and query as sent
    headers: dict[str, str]
    at: float

    @property
    def route(self) -> str:
        return urlsplit(self.path).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query)


class Conn:
    """One accepted connection and its request: what a case handler writes to."""

    def __init__(self, sock: socket.socket, hit: Hit, portal: FaultPortal):
        self.sock, self.hit, self.portal = sock, hit, portal

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def respond(self, status: int | str, headers: list[tuple[str, str | bytes]] | None = None,
                body: bytes | str = b"", *, length: int | None = None,
                content_type: str | None = "text/html; charset=utf-8") -> None:
        """A whole HTTP/1.1 answer; `length` overrides Content-Length (None: the truth)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        reason = {200: "OK", 301: "Moved", 302: "Found", 404: "Not Found"}.get(
            status if isinstance(status, int) else 0, "Whatever")
        head = [f"HTTP/1.1 {status} {reason}".encode()]
        names = {name.lower() for name, _ in headers or []}
        if content_type and "content-type" not in names:
            head.append(f"Content-Type: {content_type}".encode())
        if "content-length" not in names and "transfer-encoding" not in names:
            head.append(f"Content-Length: {len(data) if length is None else length}".encode())
        head.append(b"Connection: close")
        for name, value in headers or []:
            head.append(name.encode("latin-1") + b": "
                        + (value if isinstance(value, bytes) else value.encode("latin-1")))
        self.send(b"\r\n".join(head) + b"\r\n\r\n" + data)

    def drip(self, data: bytes, every: float, chunk: int = 1) -> None:
        """Send `data` a few bytes at a time, `every` seconds apart (until the peer leaves)."""
        for start in range(0, len(data), chunk):
            if self.portal.stopping.is_set():
                return
            self.send(data[start:start + chunk])
            time.sleep(every)

    def reset(self) -> None:
        """Close with a TCP RST instead of a FIN."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00" * 2)
        self.sock.close()


Handler = Callable[[Conn], None]


@dataclass(frozen=True)
class Case:
    name: str
    handler: Handler
    expect: frozenset[str]  # error, note, report, stop, unasked
    list_page: bool = False  # linked as a column (paged) rather than as a report
    query: str = ""  # added to the link: `?date=2024-05`
    text: str | None = None  # the link's text, if not the usual
    gap: str | None = None  # a known gap in the crawler: what goes unrecorded

    @property
    def path(self) -> str:
        """Lists live inside the report column (`/ndbg/paging/`), where the crawler pages."""
        return f"/ndbg/{self.name}/" if self.list_page else f"/case/{self.name}/"


@dataclass
class FaultPortal:
    port: int
    hits: list[Hit] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    robots_served: int = 0

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return self.origin + "/"

    def hits_of(self, case: Case) -> list[Hit]:
        return [hit for hit in list(self.hits) if hit.route.startswith(case.path)]


# -- pages --------------------------------------------------------------------------------------


def page(body: str, title: str = "某县人民政府") -> str:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>"


def report_text() -> str:
    """The seed report, without its own charset declaration."""
    text = SEED.read_text(encoding="utf-8")
    return text.replace('<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />',
                        "")


REPORT = report_text()
REPORT_UTF8 = REPORT.encode("utf-8")
REPORT_GBK = REPORT.encode("gbk")


def with_meta(charset: str, text: str = REPORT) -> str:
    return text.replace("<head>", f'<head><meta charset="{charset}">', 1)


def html(charset: str | None = "utf-8") -> str:
    return f"text/html; charset={charset}" if charset else "text/html"


def column(cases: list[Case]) -> str:
    links = []
    for case in cases:
        text = case.text or (("政府信息公开年报（" if case.list_page else f"{TITLE}（")
                             + case.name + "）")
        links.append(f'<li><a href="{case.path}{case.query}">{text}</a></li>')
    return page("<ul>" + "".join(links) + "</ul>", "政府信息公开年报")


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data, 9)


def deflate_bytes(data: bytes) -> bytes:
    return zlib.compress(data, 9)


SPACES = b" " * (16 * MIB)  # three times the page cap once decoded
BOMBS = {"gzip": gzip_bytes(SPACES), "deflate": deflate_bytes(SPACES),
         "br": brotli.compress(SPACES, quality=5), "zstd": zstd.compress(SPACES)}
del SPACES


# -- the cases ----------------------------------------------------------------------------------

ERROR, NOTE, REPORTED, STOP, UNASKED = "error", "note", "report", "stop", "unasked"
ANY = frozenset({ERROR, NOTE, REPORTED})


def answer(status: int | str, body: bytes | str = b"", content_type: str | None = html(),
           headers: list[tuple[str, str | bytes]] | None = None,
           length: int | None = None) -> Handler:
    def handle(conn: Conn) -> None:
        conn.respond(status, headers, body, length=length, content_type=content_type)
    return handle


def short_body(conn: Conn) -> None:
    conn.respond(200, None, REPORT_UTF8[:2000], length=len(REPORT_UTF8) + 10_000)


def reset_mid_body(conn: Conn) -> None:
    conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
              + f"Content-Length: {len(REPORT_UTF8)}\r\n\r\n".encode() + REPORT_UTF8[:3000])
    time.sleep(0.05)
    conn.reset()


def reset_at_once(conn: Conn) -> None:
    conn.reset()


def close_at_once(conn: Conn) -> None:
    conn.sock.close()


def headers_never_end(conn: Conn) -> None:
    conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Filler: ")
    conn.drip(b"a" * 40, 0.05, 10)
    conn.sock.close()


def garbage_status(conn: Conn) -> None:
    conn.send(b"HELLO WORLD\r\n\r\n" + REPORT_UTF8)


def http09(conn: Conn) -> None:
    conn.send(REPORT_UTF8)


def chunked(body: bytes) -> Handler:
    def handle(conn: Conn) -> None:
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                  b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + body)
    return handle


def slowloris(conn: Conn) -> None:
    """Bytes every 0.4 s, each under any idle timeout; the whole takes 30 s."""
    conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
              + f"Content-Length: {len(REPORT_UTF8)}\r\n\r\n".encode())
    conn.drip(REPORT_UTF8, 0.4, 100)


def slow_headers(conn: Conn) -> None:
    conn.drip(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Slow: " + b"s" * 100,
              0.4, 2)


def stall_after_headers(conn: Conn) -> None:
    conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n\r\n")
    conn.portal.stopping.wait(20)


def storm(conn: Conn) -> None:
    links = "".join(f'<a href="/case/storm/{n}.html">{TITLE}（风暴{n}）</a>' for n in range(12))
    if conn.hit.route == "/case/storm/":
        conn.respond(200, None, page(links, "政府信息公开年报"))
    else:
        conn.respond(503, [("Retry-After", "0")], page("服务器繁忙"))


def redirect_loop(conn: Conn) -> None:
    target = "/case/redirect-loop/b" if conn.hit.route.endswith("/") else "/case/redirect-loop/"
    conn.respond(302, [("Location", target)], b"")


def redirect_chain(conn: Conn) -> None:
    step = int(conn.hit.query.get("n", ["0"])[0])
    conn.respond(302, [("Location", f"/case/redirect-chain/?n={step + 1}")], b"")


def redirect_to(location: str | bytes, status: int = 302) -> Handler:
    return answer(status, b"", headers=[("Location", location)])


def meta_refresh_self(conn: Conn) -> None:
    conn.respond(200, None, page('<meta http-equiv="refresh" content="0;url=./">'))


def huge_streamed(conn: Conn) -> None:
    """8 MiB of HTML with no Content-Length: only the page cap stops it."""
    conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n")
    chunk = b"<p>" + "年报".encode() * 20000 + b"</p>"
    sent = 0
    with suppress(OSError):
        while sent < 8 * MIB and not conn.portal.stopping.is_set():
            conn.send(chunk)
            sent += len(chunk)


def encoded(encoding: str) -> Handler:
    def handle(conn: Conn) -> None:
        conn.respond(200, [("Content-Encoding", encoding)], BOMBS[encoding])
    return handle


def paging(conn: Conn) -> None:
    n = int(conn.hit.query.get("page", ["1"])[0])
    conn.respond(200, None, page(f'<a href="/ndbg/t20170210_1.html">{TITLE}</a>'
                                 f'<a href="?page={n + 1}">下一页</a>', "政府信息公开年报"))


CALENDAR = page("".join(f'<a href="cal.jsp?date={y}-{m:02d}">{y}年{m:02d}月</a>'
                        for y in range(2000, 2100) for m in range(1, 13)), "年报日历")


def dead_links(conn: Conn) -> None:
    """An endless list whose every page adds one new report link, and every link is dead."""
    if conn.hit.route.endswith(".html"):
        conn.respond(404, None, page("无此页面"))
        return
    n = int(conn.hit.query.get("page", ["1"])[0])
    conn.respond(200, None, page(f'<a href="/ndbg/dead-links/d{n}.html">{TITLE}（{n}）</a>'
                                 f'<a href="?page={n + 1}">下一页</a>', "政府信息公开年报"))


FLOOD_PAGES = 5


def cookie_flood(conn: Conn) -> None:
    """Report pages, each setting 1,500 new cookies and three of 6,000 bytes, and linking
    the next: a jar that keeps them all grows on every answer."""
    n = int(conn.hit.route.rstrip("/").rsplit("/", 1)[-1]) if conn.hit.route[-2].isdigit() else 0
    cookies = [("Set-Cookie", f"f{n}_{i}={'v' * 100}; Path=/") for i in range(1500)]
    cookies += [("Set-Cookie", f"big{n}_{i}={'b' * 6000}; Path=/") for i in range(3)]
    more = (f'<p><a href="/case/cookie-flood/{n + 1}/">{TITLE}（续{n + 1}）</a></p>'
            if n + 1 < FLOOD_PAGES else "")
    conn.respond(200, cookies, REPORT.replace("</body>", more + "</body>").encode("utf-8"))


def session(conn: Conn) -> None:
    n = int(conn.hit.query.get("PHPSESSID", ["0"])[0] or 0)
    conn.respond(200, None, page(f'<a href="?PHPSESSID={n + 1}">年报（会话）</a>'))


def deeper(conn: Conn) -> None:
    conn.respond(200, None, page('<a href="a/b/">年报（目录）</a>', "政府信息公开年报"))


RNG = random.Random(12)
JUNK = bytes(RNG.randrange(256) for _ in range(200_000))
DEEP = "<div>" * 200_000 + "年度报告" + "</div>" * 200_000
WIDE = page("".join(f'<a href="/x/p{n}.html">p{n}</a>' for n in range(50_000)))
MIXED = (REPORT[: len(REPORT) // 2].encode("utf-8") + REPORT[len(REPORT) // 2:].encode("gbk"))
INVALID = bytearray(REPORT_UTF8)
for _i in range(0, len(INVALID), 97):
    INVALID[_i] = 0xFF
FOUR_BYTE = with_meta("gb2312", REPORT.replace("成吉思汗镇", "成吉思汗镇𠀀𠀁")).encode("gb18030")


GAPS = {
    "meta-refresh-self": "a <meta refresh> to the page itself: Scrapy's MetaRefreshMiddleware "
                         "replaces the response before the spider reads it, and the refresh "
                         "is dropped as a duplicate; the 200 capture gets no note",
}


def case_list() -> list[Case]:
    """The hostile cases, in the order the column lists them."""
    a, e, n = ANY, frozenset({ERROR}), frozenset({NOTE, REPORTED})
    table: list[tuple[str, Handler, frozenset[str]]] = [
        # charsets
        ("gbk-declared-utf8", answer(200, REPORT_GBK), n),
        ("utf8-declared-gbk", answer(200, REPORT_UTF8, html("gbk")), n),
        ("header-gbk-meta-utf8", answer(200, with_meta("utf-8").encode(), html("gbk")), n),
        ("mixed-utf8-gbk", answer(200, MIXED), n),
        ("invalid-utf8-bytes", answer(200, bytes(INVALID)), n),
        ("utf16-no-bom", answer(200, REPORT.encode("utf-16-le"), html(None)), n),
        ("utf16-declared-utf8", answer(200, REPORT.encode("utf-16"), html("utf-8")), n),
        ("gb18030-four-byte", answer(200, FOUR_BYTE, html(None)), n),
        ("unknown-charset", answer(200, REPORT_GBK, html("x-nonsense")), n),
        ("bom-utf8-declared-gbk", answer(200, b"\xef\xbb\xbf" + REPORT_UTF8, html("gbk")), n),
        ("meta-latin1-body-gbk", answer(200, with_meta("iso-8859-1").encode("gbk"), html(None)),
         n),
        ("utf7-declared", answer(200, REPORT_UTF8, html("utf-7")), n),
        # bodies cut short, connections dropped
        ("short-body", short_body, e),
        ("reset-mid-body", reset_mid_body, e),
        ("reset-at-once", reset_at_once, e),
        ("close-at-once", close_at_once, e),
        ("headers-never-end", headers_never_end, e),
        ("garbage-status-line", garbage_status, e),
        ("http09-no-status", http09, e),
        ("chunked-bad-size", chunked(b"zz\r\nhello\r\n0\r\n\r\n"), e),
        ("chunked-no-end", chunked(b"400\r\n" + REPORT_UTF8[:1024] + b"\r\n"), e),
        ("length-and-chunked", answer(200, b"5\r\nhello\r\n0\r\n\r\n", headers=[
            ("Transfer-Encoding", "chunked"), ("Content-Length", "100")]), a),
        ("two-lengths", answer(200, REPORT_UTF8, headers=[
            ("Content-Length", str(len(REPORT_UTF8))), ("Content-Length", "7")]), a),
        ("negative-length", answer(200, REPORT_UTF8, headers=[("Content-Length", "-1")]), a),
        # slow
        ("slowloris", slowloris, e),
        ("slow-headers", slow_headers, e),
        ("stall-after-headers", stall_after_headers, e),
        # server errors
        ("http-500", answer(500, page("内部错误")), e),
        ("http-502", answer(502, page("网关错误")), e),
        ("http-503-retry-after", answer(503, page("忙"), headers=[("Retry-After", "86400")]),
         e),
        ("http-504", answer(504, page("超时")), e),
        ("status-999", answer(999, page("?")), e),
        ("status-not-a-number", answer("abc", page("?")), e),
        ("storm", storm, e),
        # redirects
        ("redirect-loop", redirect_loop, frozenset({STOP, ERROR})),
        ("redirect-chain", redirect_chain, frozenset({STOP, ERROR})),
        ("redirect-self", redirect_to("/case/redirect-self/"), frozenset({STOP, ERROR})),
        ("redirect-no-location", answer(302, page("moved")), a),
        ("redirect-bad-location", redirect_to(b"http://[::1/\xff"), a),
        ("redirect-file-scheme", redirect_to("file:///etc/passwd"), a),
        ("redirect-javascript", redirect_to("javascript:alert(1)"), a),
        ("redirect-metadata", redirect_to("http://169.254.169.254/latest/meta-data/"), a),
        ("meta-refresh-self", meta_refresh_self, a),
        # huge and compressed
        ("huge-streamed", huge_streamed, e),
        ("huge-declared", answer(200, REPORT_UTF8, headers=[("Content-Length", "100000000")]),
         e),
        ("gzip-bomb", encoded("gzip"), e),
        ("deflate-bomb", encoded("deflate"), e),
        ("brotli-bomb", encoded("br"), e),
        ("zstd-bomb", encoded("zstd"), e),
        ("gzip-not-gzip", answer(200, REPORT_UTF8, headers=[("Content-Encoding", "gzip")]), a),
        ("unknown-encoding", answer(200, REPORT_UTF8, headers=[("Content-Encoding", "x-evil")]),
         a),
        ("gzip-twice-declared", answer(200, gzip_bytes(REPORT_UTF8), headers=[
            ("Content-Encoding", "gzip, gzip")]), a),
        # junk
        ("binary-junk-as-html", answer(200, JUNK), n),
        ("all-nul", answer(200, b"\x00" * 100_000), n),
        ("empty-200", answer(200, b""), a),
        ("pdf-as-html", answer(200, b"%PDF-1.4\n" + JUNK[:5000]), n),
        ("report-as-png", answer(200, REPORT_UTF8, "image/png"), a),
        ("bogus-content-type", answer(200, REPORT_UTF8, ";;;; charset===; text/"), a),
        ("no-content-type", answer(200, REPORT_UTF8, None), n),
        ("deep-nesting", answer(200, DEEP), n),
        ("fifty-thousand-links", answer(200, WIDE), n),
        ("long-attribute", answer(200, page(f'<div title="{"x" * MIB}">年报</div>')), n),
        # headers
        ("header-invalid-bytes", answer(200, REPORT_UTF8, headers=[
            ("X-Junk", b"\xff\xfe\x00\x01\x7f"), ("Last-Modified", b"\xe4\xbd\xa0")]), a),
        ("header-without-colon", answer(200, REPORT_UTF8, headers=[
            ("Nonsense-without-colon", "")]), a),
        ("huge-header", answer(200, REPORT_UTF8, headers=[("X-Big", "h" * 200_000)]), a),
        ("many-headers", answer(200, REPORT_UTF8, headers=[
            (f"X-H{n}", str(n)) for n in range(5000)]), a),
        ("cookie-storm", answer(200, REPORT_UTF8, headers=[
            ("Set-Cookie", f"c{n}={'v' * 100}; Path=/") for n in range(1000)]), a),
        ("cookie-flood", cookie_flood, a),
        # robots.txt changes mid-crawl
        ("robots-private", answer(200, REPORT_UTF8), frozenset({UNASKED})),
    ]
    cases = [Case(name, handler, expect) for name, handler, expect in table]
    cases = [Case(c.name, c.handler, c.expect, gap=GAPS.get(c.name)) for c in cases]
    traps: list[tuple[str, Handler, str, str | None]] = [
        ("paging", paging, "", None),
        ("calendar", answer(200, CALENDAR), "cal.jsp?date=2024-05", "年报日历"),
        ("session", session, "?PHPSESSID=0", "年报（会话）"),
        ("deeper", deeper, "", None),
        ("dead-links", dead_links, "", None),
    ]
    cases += [Case(name, handler, frozenset({STOP}), list_page=True, query=query, text=text)
              for name, handler, query, text in traps]
    return cases


CASES = case_list()
BY_NAME = {case.name: case for case in CASES}


def robots(conn: Conn) -> None:
    conn.portal.robots_served += 1
    rule = "/case/robots-private/" if conn.portal.robots_served == 1 else "/"
    conn.respond(200, None, f"User-agent: *\nDisallow: {rule}\n", content_type="text/plain")


def route(conn: Conn) -> None:
    path = conn.hit.route
    if path == "/":
        conn.respond(200, None, page('<a href="/ndbg/">政府信息公开年报</a>'))
    elif path == "/ndbg/":
        conn.respond(200, None, column(CASES))
    elif path == "/ndbg/t20170210_1.html":
        conn.respond(200, None, SEED.read_bytes())
    elif path == "/robots.txt":
        robots(conn)
    elif path.startswith(("/case/", "/ndbg/")) and (case := BY_NAME.get(path.split("/")[2])):
        case.handler(conn)
    else:
        conn.respond(404, None, page("无此页面"))


# -- the server ---------------------------------------------------------------------------------


def read_request(sock: socket.socket) -> Hit | None:
    data = b""
    while b"\r\n\r\n" not in data and len(data) < READ_LIMIT:
        chunk = sock.recv(8192)
        if not chunk:
            return None
        data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    method, path, _version = (head[0].split(" ") + ["", ""])[:3]
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Hit(method, path, headers, time.monotonic())


def serve_connection(sock: socket.socket, portal: FaultPortal, lock: threading.Lock) -> None:
    try:
        sock.settimeout(30)
        hit = read_request(sock)
        if hit is None:
            return
        with lock:
            portal.hits.append(hit)
        route(Conn(sock, hit, portal))
    except OSError:
        pass  # the crawler hung up: that is its right
    except Exception:  # noqa: BLE001 - a broken case must not pass unnoticed
        with lock:
            portal.errors.append(traceback.format_exc())
    finally:
        with suppress(OSError):
            sock.close()


@contextmanager
def serve_faults() -> Iterator[FaultPortal]:
    """Serve the fault portal on 127.0.0.1 until the block ends."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.2)
    portal = FaultPortal(port=int(listener.getsockname()[1]))
    lock = threading.Lock()

    def accept() -> None:
        while not portal.stopping.is_set():
            try:
                sock, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=serve_connection, args=(sock, portal, lock),
                             daemon=True).start()

    thread = threading.Thread(target=accept, name=f"faults:{portal.port}", daemon=True)
    thread.start()
    try:
        yield portal
    finally:
        portal.stopping.set()
        thread.join(timeout=5)
        listener.close()
    if portal.errors:
        raise AssertionError("the fault portal failed:\n" + "\n".join(portal.errors))


def peak_rss_of(pid: int) -> tuple[int, int]:
    """Wait for a child; (exit code, its peak resident memory in bytes)."""
    _, status, usage = os.wait4(pid, 0)
    return os.waitstatus_to_exitcode(status), usage.ru_maxrss * 1024
