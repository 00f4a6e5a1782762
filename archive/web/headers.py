"""Datasette plugin: security headers on every response (pages, JSON, CSV, static files).

The archive shows text from portals hijacked by spam; everything is escaped, and the
Content-Security-Policy is the second wall should an escape ever be missed: scripts only
from this site, plus Datasette's own few inline scripts, allowed by their SHA-256 (read
from Datasette's installed templates, so an upgrade keeps its pages working); no plugins,
no framing, no <base>, forms only to this site. Inline styles are allowed (our templates
and Datasette's use `style` blocks and attributes; a style cannot run code).
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

import datasette
from datasette import hookimpl

DATASETTE_TEMPLATES = Path(datasette.__file__).resolve().parent / "templates"
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
# Datasette's inline scripts that carry a template value, with the values they can take
SCRIPT_VALUES = {"{{ datasette_allow_facet }}": ("true", "false")}


def inline_script_hashes(directory: Path = DATASETTE_TEMPLATES) -> list[str]:
    """CSP sources for the inline <script>s of Datasette's templates, sorted."""
    hashes: set[str] = set()
    for template in sorted(directory.glob("*.html")):
        for body in INLINE_SCRIPT.findall(template.read_text(encoding="utf-8")):
            for text in script_variants(body):
                digest = hashlib.sha256(text.encode("utf-8")).digest()
                hashes.add(f"'sha256-{base64.b64encode(digest).decode('ascii')}'")
    return sorted(hashes)


def script_variants(body: str) -> list[str]:
    """The texts a template's script can render to; none when it holds other template code."""
    for placeholder, values in SCRIPT_VALUES.items():
        if placeholder in body:
            return [body.replace(placeholder, value) for value in values]
    return [] if "{{" in body or "{%" in body else [body]


CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self' " + " ".join(inline_script_hashes()),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
])
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}
# An archived page (archived_copy.py, `/-/capture/<id>/page`) is shown as it was captured,
# inside our own `<iframe sandbox>`: it may be framed by this site only, and nothing in it
# may run or fetch. `sandbox` (no allow-scripts) holds even when the URL is opened directly;
# images only as data: URLs, inline styles only; no form, no base, no plugin.
ARCHIVED_PAGE = re.compile(r"^/-/capture/\d+/page$")
ARCHIVED_PAGE_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'; "
    "base-uri 'none'; form-action 'none'; sandbox"
)
ARCHIVED_PAGE_HEADERS = {
    **SECURITY_HEADERS,
    "content-security-policy": ARCHIVED_PAGE_POLICY,
    "x-frame-options": "SAMEORIGIN",
}


def encoded(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]


_ENCODED = encoded(SECURITY_HEADERS)
_ARCHIVED_ENCODED = encoded(ARCHIVED_PAGE_HEADERS)


@hookimpl
def asgi_wrapper() -> Any:
    return with_security_headers


def with_security_headers(app: Any) -> Any:
    """Wrap an ASGI app: our headers replace any of the same name on every HTTP response."""

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await app(scope, receive, send)
            return

        ours = _ARCHIVED_ENCODED if ARCHIVED_PAGE.match(scope.get("path") or "") else _ENCODED

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message.get("type") == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers") or []
                        if k.lower().decode("latin-1") not in SECURITY_HEADERS]
                message = {**message, "headers": kept + ours}
            await send(message)

        await app(scope, receive, send_with_headers)

    return wrapped
