"""The crawler's SSRF guard: a portal on the internet may not lead it into the local network.

A hijacked portal, or a host name whose DNS an attacker controls, can point the crawler at
addresses that are not the internet: loopback (the crawler's own machine, the archive's web
server), private networks, link-local (169.254.169.254, a cloud's metadata service),
multicast, reserved or unspecified addresses, or IPv4-mapped IPv6 spellings of those. For
every site whose start URLs are not all on loopback (`crawler.settings.is_loopback_site`),
such a request is refused, at fetch time:

- `GuardedResolver` (the reactor's resolver, `TWISTED_DNS_RESOLVER`) checks every answer,
  cached or fresh, so a public name that re-resolves to 10.0.0.5 between two requests is
  caught on the second. A refused answer fails the lookup and is remembered by host name.
- `AddressGuardMiddleware` (downloader middleware at 700, next to the download) refuses an
  IP literal that is not public before it is requested, turns a refused lookup into
  `AddressRefused`, and checks the address a response came from (`response.ip_address`)
  before anything of it is kept.

`AddressRefused` reaches the spider's errback: a capture row with the error
(`refused: resolves to a private address 10.0.0.5`) and an error of the run. No body is
stored. The resolver is one per process; loopback sites (tests, the demo portal) register
their host names (`localhost`) as trusted. An IP literal the operator wrote into a site's
start URLs or `allowed_hosts` (a portal on a private network is the operator's own choice;
sites.yml refuses link-local, multicast and reserved ones) is not refused.

Tests never resolve real names: the setting or environment variable
NIANBAO_RESOLVE_OVERRIDES (a JSON object of host name -> IPv4 address) makes the resolver
answer from that map only, and fail every other name.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.http import Response
from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer
from twisted.internet.error import DNSLookupError

from crawler.sites import Site, ip_literal, is_loopback_url

log = logging.getLogger(__name__)

OVERRIDES = "NIANBAO_RESOLVE_OVERRIDES"
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(IgnoreRequest):
    """A request refused because its address is not on the internet."""


def forbidden_kind(address: str | IPAddress) -> str | None:
    """Why an address may not be crawled for an internet site (`loopback`, `private`,
    `link-local`, `multicast`, `reserved`, `unspecified`, `non-public`), or None if public.
    IPv4-mapped (`::ffff:10.0.0.5`) and IPv4-compatible spellings are judged as IPv4."""
    try:
        ip = ipaddress.ip_address(str(address).strip("[]").split("%", 1)[0])
    except ValueError:
        return "unparsable"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None and forbidden_kind(ip.sixtofour):
            return forbidden_kind(ip.sixtofour)
    checks = (("unspecified", ip.is_unspecified), ("loopback", ip.is_loopback),
              ("link-local", ip.is_link_local), ("multicast", ip.is_multicast),
              ("reserved", ip.is_reserved), ("private", ip.is_private),
              ("non-public", not ip.is_global))
    return next((kind for kind, hit in checks if hit), None)


def parse_overrides(value: Any) -> dict[str, str] | None:
    """NIANBAO_RESOLVE_OVERRIDES as a mapping (it may come as JSON text); None if unset."""
    if value is None or value == "":
        return None
    data = json.loads(value) if isinstance(value, str) else value
    if not isinstance(data, Mapping):
        raise TypeError(f"{OVERRIDES} must be a JSON object of host name -> address")
    return {str(k).lower(): str(v) for k, v in data.items()}


@dataclass
class Guard:
    """What the process-wide resolver and the per-site middlewares share."""

    trusted_names: set[str] = field(default_factory=set)  # host names of loopback sites
    refused: dict[str, str] = field(default_factory=dict)  # host -> reason of its refusal

    def judge(self, name: str, address: str) -> str | None:
        """The refusal of `name` resolving to `address`, or None (and forget an old one)."""
        kind = None if name in self.trusted_names else forbidden_kind(address)
        if kind is None:
            self.refused.pop(name, None)
            return None
        reason = f"refused: resolves to a {kind} address {address}"
        self.refused[name] = reason
        return reason


GUARD = Guard()


def is_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, with every answer checked by `GUARD` (names only: an IP
    literal is judged per site by AddressGuardMiddleware, which knows the site)."""

    def __init__(self, reactor: Any, cache_size: int, timeout: float,
                 overrides: dict[str, str] | None = None):
        super().__init__(reactor, cache_size, timeout)
        self.overrides = overrides

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> GuardedResolver:
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool(
            "DNSCACHE_ENABLED") else 0
        overrides = parse_overrides(settings.get(OVERRIDES) or os.environ.get(OVERRIDES))
        return cls(reactor, cache_size, settings.getfloat("DNS_TIMEOUT"), overrides)

    def getHostByName(self, name: str, timeout: Any = ()) -> defer.Deferred[str]:
        if is_literal(name):
            return defer.succeed(name.strip("[]"))
        if self.overrides is not None:
            address = self.overrides.get(name.lower())
            if address is None:
                return defer.fail(DNSLookupError(f"{name} is not in {OVERRIDES}"))
            found: defer.Deferred[str] = defer.succeed(address)
        else:
            found = super().getHostByName(name, timeout)
        return found.addCallback(self.checked, name.lower())

    @staticmethod
    def checked(address: str, name: str) -> str:
        reason = GUARD.judge(name, address)
        if reason is not None:
            log.warning("%s: %s", name, reason)
            raise DNSLookupError(reason)
        return address


def site_of(crawler: Crawler) -> Site | None:
    site = getattr(crawler.spider, "site", None)
    return site if isinstance(site, Site) else None


def is_guarded(site: Site) -> bool:
    """Every site but one whose start URLs are all on loopback (tests, the demo portal)."""
    return not (site.start_urls and all(is_loopback_url(u) for u in site.start_urls))


def chosen_addresses(site: Site) -> set[IPAddress]:
    """IP literals the operator wrote into the site's start URLs and allowed_hosts."""
    hosts = [urlsplit(url).hostname or "" for url in site.start_urls]
    hosts += [netloc.rsplit(":", 1)[0] for netloc in site.allowed_hosts]
    return {address for host in hosts if (address := ip_literal(host)) is not None}


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


class AddressGuardMiddleware:
    """Refuse, for an internet site, requests to or answers from a non-public address."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.site: Site | None = None
        self.guarded = False
        self.chosen: set[IPAddress] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        return cls(crawler)

    def learn_site(self) -> Site | None:
        site = site_of(self.crawler)
        if site is not None and site is not self.site:
            self.site, self.guarded = site, is_guarded(site)
            self.chosen = chosen_addresses(site)
            if not self.guarded:
                GUARD.trusted_names.update(
                    host for url in site.start_urls
                    if (host := host_of(url)) and ip_literal(host) is None)
        return self.site

    def refusal(self, address: IPAddress | str, how: str) -> str | None:
        literal = ip_literal(str(address))
        if literal is None or literal in self.chosen:
            return None
        kind = forbidden_kind(literal)
        return f"refused: {how} a {kind} address {literal}" if kind else None

    def process_request(self, request: Request) -> None:
        if self.learn_site() is None or not self.guarded:
            return
        host = host_of(request.url)
        if ip_literal(host) is not None and (reason := self.refusal(host, "the URL names")):
            raise AddressRefused(reason)

    def process_response(self, request: Request, response: Response) -> Response:
        if self.learn_site() is None or not self.guarded:
            return response
        address = getattr(response, "ip_address", None)
        if address is not None and (reason := self.refusal(address, "answered from")):
            raise AddressRefused(reason)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, (CannotResolveHostError, DNSLookupError)):
            reason = GUARD.refused.get(host_of(request.url))
            if reason is not None:
                raise AddressRefused(reason)  # not retried, recorded by the spider's errback
