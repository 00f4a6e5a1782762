"""Scrapy settings: polite defaults for real portals, full speed for loopback test portals."""

from __future__ import annotations

from typing import Any

from crawler.sites import Site, is_loopback_url

ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
USER_AGENT = "nianbao/0.1 (archive of government information-disclosure annual reports; see README)"
DEFAULT_MAX_PAGES = 5000  # per site, unless the site or the caller says otherwise
LOOPBACK_CONCURRENCY = 8

BASE_SETTINGS: dict[str, Any] = {
    "BOT_NAME": "nianbao",
    "USER_AGENT": USER_AGENT,
    "TWISTED_REACTOR": ASYNCIO_REACTOR,
    "ROBOTSTXT_OBEY": True,
    "AUTOTHROTTLE_ENABLED": True,
    "AUTOTHROTTLE_START_DELAY": 1.0,
    "AUTOTHROTTLE_MAX_DELAY": 30.0,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
    "DOWNLOAD_DELAY": 1.0,
    "DOWNLOAD_TIMEOUT": 30,
    "DOWNLOAD_MAXSIZE": 64 * 1024 * 1024,  # files; pages: NIANBAO_HTML_MAXSIZE
    "NIANBAO_HTML_MAXSIZE": 5 * 1024 * 1024,
    "DOWNLOAD_WARNSIZE": 0,
    "RETRY_ENABLED": True,
    "RETRY_TIMES": 2,
    "RETRY_GIVE_UP_LOG_LEVEL": "INFO",  # the failure is recorded in captures and crawl_runs
    "REDIRECT_MAX_TIMES": 10,
    "CLOSESPIDER_ERRORCOUNT": 50,  # spider exceptions, not HTTP errors: a runaway guard
    "COOKIES_ENABLED": True,
    "TELNETCONSOLE_ENABLED": False,
    "LOG_LEVEL": "WARNING",
    "DOWNLOADER_MIDDLEWARES": {
        "crawler.middlewares.TrapMiddleware": 50,
        "crawler.middlewares.PortalHostsMiddleware": 60,
        "crawler.middlewares.CaptureMiddleware": 585,
        # Scrapy's decompression, with a body that fails to decode recorded as a capture
        "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
        "crawler.middlewares.DecodingMiddleware": 590,
        "crawler.wire.WireMiddleware": 595,  # bytes as received, before decompression (590)
        "crawler.middlewares.RedirectCaptureMiddleware": 650,
        "crawler.guard.AddressGuardMiddleware": 700,  # next to the download: SSRF guard
        # Scrapy's cookies, with the jar bounded (a Set-Cookie storm: crawler/cookies.py)
        "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
        "crawler.cookies.BoundedCookiesMiddleware": 700,
    },
    # Checks every resolved address (crawler/guard.py); read from the process's settings.
    "TWISTED_DNS_RESOLVER": "crawler.guard.GuardedResolver",
    "ITEM_PIPELINES": {"crawler.pipelines.ArchivePipeline": 300},
}

# Per-site values when every start URL is on this machine (the demo portal, test servers).
LOOPBACK_SETTINGS: dict[str, Any] = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": LOOPBACK_CONCURRENCY,
    "CONCURRENT_REQUESTS_PER_DOMAIN": LOOPBACK_CONCURRENCY,
    "DOWNLOAD_TIMEOUT": 15,
}


def is_loopback_site(site: Site) -> bool:
    return bool(site.start_urls) and all(is_loopback_url(u) for u in site.start_urls)


def site_settings(site: Site, *, concurrency: int | None = None, delay: float | None = None,
                  max_pages: int | None = None) -> dict[str, Any]:
    """Settings for one site's crawler, on top of BASE_SETTINGS.

    Later wins: loopback speed-ups, then the site's UPPER_CASE `overrides` (Scrapy
    settings such as DOWNLOAD_DELAY), then the caller's concurrency/delay/max_pages.
    """
    settings: dict[str, Any] = {}
    if is_loopback_site(site):
        settings.update(LOOPBACK_SETTINGS)
    settings.update({k: v for k, v in site.overrides.items() if k.isupper()})
    if concurrency is not None:
        settings["CONCURRENT_REQUESTS_PER_DOMAIN"] = concurrency
        settings["CONCURRENT_REQUESTS"] = max(concurrency, 1)
    if delay is not None:
        settings["DOWNLOAD_DELAY"] = delay
        if delay == 0:
            settings["AUTOTHROTTLE_ENABLED"] = False
    settings["CLOSESPIDER_PAGECOUNT"] = max_pages or site.max_pages or DEFAULT_MAX_PAGES
    settings.setdefault("CLOSESPIDER_TIMEOUT", site.time_budget)
    return settings
