"""Small portals served on loopback for the tests that need a real HTTP server.

    def listing(request: Request) -> Reply:
        return 200, {}, f"page {request.query['p'][0]}"

    routes = {"/": (200, {}, "<a href='/a'>a</a>"), "/a": (301, {"Location": "/b"}, ""),
              "/list": listing, "/f.pdf": (200, {"Content-Type": "application/pdf"}, pdf)}
    with serve_routes(routes) as portal:
        crawl(portal.url)                   # "http://127.0.0.1:PORT/"
        assert "/list?p=2" in portal.paths  # every request, in order, path and query as sent

A route is `(status, headers, body)` or a callable taking the `Request` and returning one.
A request is looked up by its path and query as sent, then by its path alone, else it gets
`not_found`. A `str` body is sent as UTF-8 and, without a Content-Type header, as
`text/html; charset=utf-8`; Content-Length is added unless given. Anything else a test
needs (gzip, odd headers, a slow answer) is a callable returning the bytes and headers.

The server listens on 127.0.0.1, port 0, answers each request in its own thread (HTTP/1.0,
one request per connection) and is shut down when the block ends. A route that raises is
answered with a 500 and the error is raised again when the block ends, so a broken test
portal cannot pass unnoticed. The demo portals (`demo.server.DemoPortals`) are another,
bigger thing.
"""

from __future__ import annotations

import socket
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

Reply = tuple[int, Mapping[str, str], bytes | str]


@dataclass(frozen=True)
class Request:
    """One request as the server received it."""

    method: str
    path: str  # path and query, as sent
    headers: Message
    body: bytes = b""

    @property
    def route(self) -> str:
        """The path without its query."""
        return urlsplit(self.path).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query)

    @property
    def form(self) -> dict[str, list[str]]:
        """A form-encoded body (POST), parsed."""
        return parse_qs(self.body.decode("utf-8", "replace"))

    @property
    def origin(self) -> str:
        """`http://` and the Host header the client sent."""
        return f"http://{self.headers.get('Host')}"


Route = Reply | Callable[[Request], Reply]
NOT_FOUND: Reply = (404, {}, "not found")


@dataclass
class Loopback:
    """A running server: where it listens and what it was asked."""

    port: int
    requests: list[Request] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    host: str = "127.0.0.1"

    @property
    def origin(self) -> str:
        """`http://127.0.0.1:PORT`, no slash: `portal.origin + "/a.html"`."""
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """The home page, `http://127.0.0.1:PORT/`."""
        return self.origin + "/"

    @property
    def paths(self) -> list[str]:
        """Path and query of every request so far, in order of arrival."""
        return [request.path for request in list(self.requests)]


def _handler(routes: Mapping[str, Route], not_found: Route, portal: Loopback,
             lock: threading.Lock) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.answer()

        def do_HEAD(self) -> None:
            self.answer(send_body=False)

        def do_POST(self) -> None:
            self.answer()

        def answer(self, send_body: bool = True) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(self.command, self.path, self.headers,
                              self.rfile.read(length) if length else b"")
            with lock:
                portal.requests.append(request)
            route = routes.get(request.path, routes.get(request.route, not_found))
            try:
                status, headers, body = route(request) if callable(route) else route
            except Exception:  # noqa: BLE001 - any failure: a 500 now, raised at the end
                with lock:
                    portal.errors.append(f"{request.method} {request.path}\n"
                                         + traceback.format_exc())
                status, headers, body = 500, {}, "the test portal failed"
            data = body.encode("utf-8") if isinstance(body, str) else body
            names = {name.lower() for name in headers}
            self.send_response(status)
            if "content-type" not in names:
                self.send_header("Content-Type", "text/html; charset=utf-8")
            if "content-length" not in names:
                self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if send_body:
                self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def serve_routes(routes: Mapping[str, Route], *, not_found: Route = NOT_FOUND,
                 host: str = "127.0.0.1") -> Iterator[Loopback]:
    """Serve `routes` on `host` (127.0.0.1, or another loopback address such as 127.0.0.2)
    until the block ends; yields the running `Loopback`."""
    if not host.startswith("127."):
        raise ValueError(f"tests serve on 127.0.0.0/8 only, not {host}")
    lock = threading.Lock()
    server = ThreadingHTTPServer((host, 0), BaseHTTPRequestHandler)
    portal = Loopback(port=int(server.server_address[1]), host=host)
    server.RequestHandlerClass = _handler(dict(routes), not_found, portal, lock)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=f"loopback:{portal.port}",
                              daemon=True)
    thread.start()
    try:
        yield portal
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    if portal.errors:
        raise AssertionError("the test portal failed:\n" + "\n".join(portal.errors))


def unused_port() -> int:
    """A loopback port nothing listens on: a dead portal's, or one to start a server on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
