"""The SSRF guard (crawler/guard.py), without a network: addresses, the resolver with its
test-only overrides, and the middleware per site. No real name is ever resolved."""

from __future__ import annotations

import ipaddress
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.http import HtmlResponse
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from crawler.guard import (
    GUARD,
    AddressGuardMiddleware,
    AddressRefused,
    GuardedResolver,
    forbidden_kind,
    parse_overrides,
)
from crawler.middlewares import PortalHostsMiddleware, describe_failure
from crawler.sites import Site


@pytest.mark.parametrize(("address", "kind"), [
    ("10.0.0.5", "private"), ("192.168.1.1", "private"), ("172.16.0.1", "private"),
    ("127.0.0.2", "loopback"), ("::1", "loopback"), ("169.254.169.254", "link-local"),
    ("fe80::1", "link-local"), ("224.0.0.1", "multicast"), ("ff02::1", "multicast"),
    ("240.0.0.1", "reserved"), ("0.0.0.0", "unspecified"), ("::", "unspecified"),
    ("::ffff:10.0.0.5", "private"), ("::ffff:127.0.0.1", "loopback"),
    ("::ffff:169.254.169.254", "link-local"), ("[::ffff:a9fe:a9fe]", "link-local"),
    ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
    ("100.64.0.1", "non-public"), ("fc00::1", "private"),
    ("93.184.216.34", None), ("2001:4860:4860::8888", None),
])
def test_addresses_not_on_the_internet_are_forbidden(address: str, kind: str | None) -> None:
    assert forbidden_kind(address) == kind


def resolver(overrides: dict[str, str]) -> GuardedResolver:
    return GuardedResolver(SimpleNamespace(), cache_size=0, timeout=1.0, overrides=overrides)


def outcome(deferred: Any) -> Any:
    results: list[Any] = []
    deferred.addBoth(results.append)
    (result,) = results
    return result


def test_the_resolver_refuses_a_name_that_resolves_to_a_private_address() -> None:
    found = outcome(resolver({"portal.example.test": "10.0.0.5"}).getHostByName(
        "portal.example.test"))
    assert isinstance(found, Failure) and found.check(DNSLookupError)
    assert "refused: resolves to a private address 10.0.0.5" in str(found.value)
    assert GUARD.refused["portal.example.test"] == \
        "refused: resolves to a private address 10.0.0.5"


def test_the_resolver_checks_every_answer_so_a_name_that_re_resolves_is_caught() -> None:
    names = {"moving.example.test": "93.184.216.34"}
    guarded = resolver(names)
    assert outcome(guarded.getHostByName("moving.example.test")) == "93.184.216.34"
    names["moving.example.test"] = "169.254.169.254"
    assert isinstance(outcome(guarded.getHostByName("moving.example.test")), Failure)
    names["moving.example.test"] = "93.184.216.35"
    assert outcome(guarded.getHostByName("moving.example.test")) == "93.184.216.35"
    assert "moving.example.test" not in GUARD.refused


def test_with_overrides_an_unknown_name_fails_and_literals_pass() -> None:
    guarded = resolver({})
    failed = outcome(guarded.getHostByName("unknown.example.test"))
    assert isinstance(failed, Failure) and failed.check(DNSLookupError)
    assert outcome(guarded.getHostByName("127.0.0.1")) == "127.0.0.1"


def test_a_loopback_sites_name_is_trusted() -> None:
    middleware = guard_for(Site("demo", ["http://demo.localhost:8100/"]))
    middleware.process_request(Request("http://demo.localhost:8100/"))
    assert outcome(resolver({"demo.localhost": "127.0.0.1"}).getHostByName(
        "demo.localhost")) == "127.0.0.1"


def test_overrides_are_a_json_object() -> None:
    assert parse_overrides('{"A.example.test": "127.0.0.2"}') == {"a.example.test": "127.0.0.2"}
    assert parse_overrides(None) is None and parse_overrides("") is None
    with pytest.raises(TypeError):
        parse_overrides("[1]")


def guard_for(site: Site) -> AddressGuardMiddleware:
    crawler = SimpleNamespace(spider=SimpleNamespace(site=site))
    return AddressGuardMiddleware(crawler)  # type: ignore[arg-type]


INTERNET = Site("x", ["http://www.x.gov.cn/"])


@pytest.mark.parametrize("url", [
    "http://10.0.0.5/", "http://127.0.0.1:8080/", "http://169.254.169.254/latest/meta-data/",
    "http://2852039166/", "http://0xa9fea9fe/", "http://[::ffff:169.254.169.254]/",
    "http://[fe80::1]/", "http://0.0.0.0:22/",
])
def test_an_internet_site_may_not_request_a_non_public_literal(url: str) -> None:
    with pytest.raises(AddressRefused, match="refused: the URL names a"):
        guard_for(INTERNET).process_request(Request(url))


def test_loopback_sites_and_the_operators_own_literals_are_not_refused() -> None:
    guard_for(Site("t", ["http://127.0.0.1:8100/"])).process_request(
        Request("http://127.0.0.1:8100/a"))
    intranet = Site("lan", ["http://10.1.2.3/"])
    guard_for(intranet).process_request(Request("http://10.1.2.3/a"))
    with pytest.raises(AddressRefused):
        guard_for(intranet).process_request(Request("http://10.1.2.4/a"))


def response_from(address: str) -> HtmlResponse:
    return HtmlResponse("http://www.x.gov.cn/", body=b"<p>secret</p>",
                        ip_address=ipaddress.ip_address(address))


def test_an_answer_from_a_private_address_is_refused_before_it_is_kept() -> None:
    request = Request("http://www.x.gov.cn/")
    with pytest.raises(AddressRefused) as refused:
        guard_for(INTERNET).process_response(request, response_from("10.0.0.5"))
    assert describe_failure(refused.value) == "refused: answered from a private address 10.0.0.5"
    public = response_from("93.184.216.34")
    assert guard_for(INTERNET).process_response(request, public) is public
    loopback = Site("t", ["http://127.0.0.1:8100/"])
    local = response_from("127.0.0.1")
    assert guard_for(loopback).process_response(request, local) is local


def test_a_refused_lookup_becomes_a_refusal_that_is_not_retried() -> None:
    assert isinstance(outcome(resolver({"evil.example.test": "127.0.0.2"}).getHostByName(
        "evil.example.test")), Failure)
    middleware = guard_for(INTERNET)
    with pytest.raises(AddressRefused, match="resolves to a loopback address 127.0.0.2"):
        middleware.process_exception(Request("http://evil.example.test/"),
                                     CannotResolveHostError("no results"))
    middleware.process_exception(Request("http://other.example.test/"),  # not refused: passes
                                 CannotResolveHostError("no results"))


def hosts_middleware(allowed: set[str]) -> PortalHostsMiddleware:
    crawler = SimpleNamespace(spider=SimpleNamespace(allowed_netlocs=allowed))
    return PortalHostsMiddleware(crawler)  # type: ignore[arg-type]


@pytest.mark.parametrize("target", [
    "http://x.gov.cn:8080/", "https://www.x.gov.cn:8443/", "http://x.gov.cn:6379/",
    "http://127.0.0.1:9000/",
])
def test_a_redirect_to_another_port_of_the_portals_host_is_not_a_move(target: str) -> None:
    allowed = {"x.gov.cn:80", "127.0.0.1:8100"}
    with pytest.raises(IgnoreRequest, match="off the portal"):
        hosts_middleware(allowed).process_request(
            Request(target, meta={"redirect_urls": ["http://x.gov.cn/"]}))
    assert len(allowed) == 2


def test_a_redirect_to_the_standard_ports_or_an_allowed_alias_is_followed() -> None:
    allowed = {"x.gov.cn:80", "old.x.gov.cn:8080"}
    for target in ("https://x.gov.cn/", "http://www.x.gov.cn/", "http://old.x.gov.cn:8080/"):
        hosts_middleware(allowed).process_request(
            Request(target, meta={"redirect_urls": ["http://x.gov.cn/"]}))
    assert {"x.gov.cn:443", "www.x.gov.cn:80"} <= allowed
