"""Serve the demo portals on 127.0.0.1, one portal per port.

    with DemoPortals() as demo:          # each portal on its own ephemeral port
        demo.start_urls["fusong"]         # 'http://127.0.0.1:41234/'
        demo.ground_truth()               # expected reports and decoys

`serve_forever(8100, "data/demo-sites.yml")` is what `nianbao demo-portal` runs.
`DemoPortals(state=1)` / `.set_state(2)` move the portals forward in time (demo/changes.py).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from demo.changes import ADMIN_PATH, LivePortal, changed_urls
from demo.content import PortalContent, load_portals
from demo.render.common import Request, Response, parse_form
from demo.truth import coverage_truth, ground_truth, sites_yaml


def handler_for(live: LivePortal, admin: Callable[[Request], Response]) -> type[
        BaseHTTPRequestHandler]:
    """A request handler class bound to one portal (`admin` answers /admin/state)."""
    server_name = live.current.site.server_name if live.current else "nginx"

    class PortalHandler(BaseHTTPRequestHandler):
        server_version = server_name
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go in separate writes

        def version_string(self) -> str:
            return self.server_version

        def do_GET(self) -> None:
            self.answer(send_body=True)

        def do_HEAD(self) -> None:
            self.answer(send_body=False)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            self.answer(send_body=True, form=parse_form(body, self.headers.get("Content-Type", "")))

        def answer(self, send_body: bool, form: dict[str, list[str]] | None = None) -> None:
            parts = urlsplit(self.path)
            request = Request(
                self.command,
                parts.path or "/",
                parse_qs(parts.query, keep_blank_values=True),
                form or {},
                dict(self.headers.items()),
            )
            if request.path == ADMIN_PATH:
                response = admin(request)
            else:
                response = live.respond(request, dict(self.headers.items()))
            self.send_response(response.status)
            if response.status != 304:
                self.send_header("Content-Type", response.content_type)
                self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if send_body and response.status != 304:
                self.wfile.write(response.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: the crawler logs what it fetches

    return PortalHandler


class PortalServer(ThreadingHTTPServer):
    """A portal's server; a client hanging up mid-answer (a killed crawler) is not news."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class DemoPortals:
    """Every demo portal served from background threads until stop()."""

    def __init__(self, base_port: int = 0, host: str = "127.0.0.1", state: int = 0):
        self.host = host
        self.base_port = base_port
        self.state = state
        self.contents: list[PortalContent] = load_portals()
        self.live: list[LivePortal] = []
        self.servers: list[ThreadingHTTPServer] = []
        self.threads: list[threading.Thread] = []
        self.portals: dict[str, str] = {}
        self.start_urls: dict[str, str] = {}

    def start(self) -> Self:
        for offset, content in enumerate(self.contents):
            port = self.base_port + offset if self.base_port else 0
            live = LivePortal(content, self.state)
            self.live.append(live)
            server = PortalServer((self.host, port), handler_for(live, self.admin))
            server.daemon_threads = True
            thread = threading.Thread(
                target=server.serve_forever, name=f"demo-{content.id}", daemon=True
            )
            thread.start()
            self.servers.append(server)
            self.threads.append(thread)
            base = f"http://{self.host}:{server.server_address[1]}/"
            self.portals[content.id] = base
            self.start_urls[content.id] = base
        return self

    def set_state(self, state: int) -> None:
        """Move every portal to another state (demo/changes.py) while they are served."""
        for live in self.live:
            live.set_state(state)
        self.state = state

    def admin(self, request: Request) -> Response:
        """`/admin/state` says the state; `/admin/state?set=N` switches every portal."""
        wanted = request.arg("set")
        if wanted:
            try:
                self.set_state(int(wanted))
            except ValueError as error:
                return Response(400, f"{error}\n".encode(), "text/plain; charset=utf-8")
        return Response(200, f"state {self.state}\n".encode(), "text/plain; charset=utf-8")

    def changes(self) -> dict[str, list[str]]:
        """Absolute URLs of what the later states change: edited, removed, unlisted,
        soft_404, failing, added."""
        return changed_urls(self.contents, self.portals)

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()
        for thread in self.threads:
            thread.join(timeout=5)
        self.servers, self.threads = [], []

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def ground_truth(self, attachment_only: bool = True) -> list[dict[str, Any]]:
        """Expected reports and decoys with absolute URLs on the running ports.

        Reports published only as attachments (PDF/DOCX/DOC, issue #5) are included
        (the crawl reads attachments); attachment_only=False leaves them out. Each
        entry's `attachments` lists its files."""
        return ground_truth(self.contents, self.portals, attachment_only)

    def coverage_truth(self, today: date) -> list[dict[str, Any]]:
        """The coverage ledger the demo was built to have on `today` (issue #6): one row
        per portal, reporting body and due year, with status published, late or missing."""
        return coverage_truth(self.contents, today)

    def sites_yaml(self) -> str:
        """A sites.yml text listing these portals with their start URLs."""
        return sites_yaml(self.contents, self.start_urls)


def write_atomically(path: Path, text: str) -> None:
    """Write then rename, so a reader polling for the file never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def serve_forever(base_port: int, write_sites: str | None = None, state: int = 0) -> None:
    """Serve every portal on base_port, base_port+1, ... until Ctrl-C."""
    with DemoPortals(base_port, state=state) as demo:
        for content in demo.contents:
            print(
                f"{content.id:<10} {content.style:<7} {demo.start_urls[content.id]}  "
                f"{content.name}",
                flush=True,
            )
        if write_sites:
            write_atomically(Path(write_sites), demo.sites_yaml())
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
