"""The browser layer: headless Chromium through scrapy-playwright, for pages only a browser
can list.

Used by a site whose sites.yml says `browser: auto` (or `nianbao crawl --browser auto`), and
then only for a report column that is an empty shell after the script endpoints
(`crawler/scriptlists.py`) found nothing, and once for a page behind a JavaScript cookie
challenge (`crawler/challenges.py`). The spider asks for it with `meta["playwright"]`; the
rendered DOM comes back as the response and is stored as a capture of kind `rendered`,
beside the raw capture of the same URL.

- Debian's `/usr/bin/chromium` (or NIANBAO_CHROMIUM) is the browser: nothing is downloaded
  at run time. Without it the layer is off and the site says so.
- Nothing of Playwright is imported, started or launched for a crawl that does not need it:
  the download handler is only configured for sites with the layer on, and
  `BrowserDownloadHandler` starts Playwright and the browser at the first page that asks,
  not when the engine starts (scrapy-playwright's default).
- The browser never leaves the site: every request the page makes (scripts, XHR,
  sub-frames, redirects) passes `SiteScope`, which aborts any other host, any scheme but
  http(s)/data/blob, images, media and fonts, and — for sites not on loopback — any host
  that resolves to an address the SSRF guard refuses (`crawler/guard.py`). The answer's
  own address is checked again by AddressGuardMiddleware (`response.ip_address`).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from typing import Any
from urllib.parse import urlsplit

from crawler.sites import Site

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]
ABORTED_TYPES = {"image", "media", "font", "websocket", "eventsource", "manifest"}
RENDER_TIMEOUT_MS = 20_000


def chromium_path() -> str | None:
    """The Chromium executable to drive, or None when this machine has none."""
    chosen = os.environ.get("NIANBAO_CHROMIUM")
    for path in ((chosen,) if chosen else CHROMIUM_PATHS):
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    found = None if chosen else shutil.which("chromium")
    return found


def browser_available() -> bool:
    """Chromium present and scrapy-playwright installed (without importing it)."""
    from importlib.util import find_spec

    return chromium_path() is not None and find_spec("scrapy_playwright") is not None


def netloc(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme, 0)
    return f"{(parts.hostname or '').lower()}:{port}"


class SiteScope:
    """PLAYWRIGHT_ABORT_REQUEST: True (abort) for a request that leaves the site."""

    def __init__(self, hosts: list[str], guarded: bool):
        self.hosts = {h.lower() for h in hosts}
        self.guarded = guarded
        self.aborted: list[str] = []  # URLs refused, for the tests and the log

    async def __call__(self, request: Any) -> bool:
        url = str(request.url)
        scheme = urlsplit(url).scheme
        if scheme in ("data", "blob"):
            return False
        refuse = (scheme not in ("http", "https") or netloc(url) not in self.hosts
                  or request.resource_type in ABORTED_TYPES
                  or (self.guarded and await self.forbidden(url)))
        if refuse:
            self.aborted.append(url)
        return refuse

    async def forbidden(self, url: str) -> bool:
        """Does the host resolve to an address the SSRF guard refuses?"""
        from crawler.guard import GUARD, forbidden_kind, is_literal

        host = (urlsplit(url).hostname or "").lower()
        if is_literal(host):
            return forbidden_kind(host) is not None
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, None)
        except OSError:
            return True
        return any(GUARD.judge(host, str(info[4][0])) is not None for info in infos)


def browser_settings(site: Site, guarded: bool) -> dict[str, Any]:
    """Scrapy settings that put scrapy-playwright under a site's crawler."""
    handler = "crawler.browser.BrowserDownloadHandler"
    return {
        "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": chromium_path(), "headless": True,
                                      "args": CHROMIUM_ARGS},
        "PLAYWRIGHT_ABORT_REQUEST": SiteScope(list(site.allowed_hosts), guarded),
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": RENDER_TIMEOUT_MS,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 2,
        "NIANBAO_BROWSER": True,
    }


def render_meta() -> dict[str, Any]:
    """Request meta for a page to render: wait until the page's own requests are done (a
    challenge's script reloads the page: wait for that load too). The status is the first
    answer's (a challenge's 412), so those reach the callback, which reads the DOM."""
    from scrapy_playwright.page import PageMethod

    from crawler.challenges import CHALLENGE_STATUSES

    return {"playwright": True, "rendered": True,
            "handle_httpstatus_list": list(CHALLENGE_STATUSES),
            "playwright_page_goto_kwargs": {"wait_until": "networkidle",
                                            "timeout": RENDER_TIMEOUT_MS},
            "playwright_page_methods": [PageMethod("wait_for_load_state", "networkidle")]}


def _handler_class() -> type:
    from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

    class Handler(ScrapyPlaywrightDownloadHandler):  # type: ignore[misc]
        """scrapy-playwright's handler, with Playwright started at the first page that
        asks for the browser instead of when the engine starts."""

        started: asyncio.Lock | None = None

        async def _maybe_launch_in_thread(self) -> None:
            return None

        def _engine_started(self) -> Any:
            from twisted.internet import defer

            return defer.succeed(None)

        async def _download_request(self, request: Any, spider: Any = None) -> Any:
            if self.started is None:
                self.started = asyncio.Lock()
            async with self.started:
                if getattr(self, "browser_provider", None) is None:
                    await self._launch()
            return await super()._download_request(request, spider)

    return Handler


def __getattr__(name: str) -> Any:
    """`BrowserDownloadHandler`, built on first use so that importing this module does not
    import Playwright."""
    if name == "BrowserDownloadHandler":
        handler = _handler_class()
        globals()[name] = handler
        return handler
    raise AttributeError(name)
