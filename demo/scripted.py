"""The JavaScript-drawn demo portal on 127.0.0.1 (demo/render/scripted.py), with its truth.

    with ScriptedPortal() as portal:
        portal.url(JSON_COLUMN)              # the JSON-API column
        portal.ground_truth()                # expected reports and decoys, by column

Kept apart from `DemoPortals` (the five CMS portals every demo crawl reads) so that their
ground truth and counts stay as they are; its truth comes from the same content file.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from demo.content import load_portals
from demo.render.common import Request, parse_form
from demo.render.scripted import (  # noqa: F401  (re-exported for tests)
    BROWSER_COLUMN,
    CHALLENGE_COLUMN,
    JSON_COLUMN,
    ScriptedSite,
)
from demo.server import PortalServer
from demo.truth import truth_entry

BASE_PORTAL = "zhalantun"


class ScriptedPortal:
    """Serve the scripted portal from a background thread until stop(); `hits` lists the
    paths asked (method, path)."""

    def __init__(self, port: int = 0, beacon: str = ""):
        portal = next(p for p in load_portals() if p.id == BASE_PORTAL)
        self.content = portal
        self.site = ScriptedSite(portal, beacon)
        self.port = port
        self.hits: list[tuple[str, str]] = []
        self.server: PortalServer | None = None
        self.thread: threading.Thread | None = None
        self.base = ""

    def start(self) -> Self:
        site, hits = self.site, self.hits

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self.answer({})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                self.answer(parse_form(body, self.headers.get("Content-Type", "")))

            def answer(self, form: dict[str, list[str]]) -> None:
                parts = urlsplit(self.path)
                hits.append((self.command, self.path))
                request = Request(self.command, parts.path or "/",
                                  parse_qs(parts.query, keep_blank_values=True), form)
                response = site.respond_with_cookies(request, self.headers.get("Cookie", ""))
                self.send_response(response.status)
                self.send_header("Content-Type", response.content_type)
                self.send_header("Content-Length", str(len(response.body)))
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(response.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = PortalServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, name="demo-scripted",
                                       daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self

    def url(self, path: str) -> str:
        return self.base + path

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def ground_truth(self, column: str | None = None) -> list[dict[str, Any]]:
        """Expected reports and decoys (demo.truth entries), of one column slug
        (`sjlb`, `xrlb`) or of all."""
        return [truth_entry(self.content, doc, self.base)
                for slug, docs in self.site.columns.items() if column in (None, slug)
                for doc in docs]
