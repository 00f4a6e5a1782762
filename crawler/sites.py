"""Which portals to crawl: the `Site` record and the sites.yml reader.

A sites.yml is either a YAML list of site mappings or a mapping with a `sites:` key:

    sites:
      - id: hengshan
        name: 横山区人民政府
        province: 陕西省
        county: 横山区
        start_urls: [http://www.hengshan.gov.cn/]
        max_pages: 5000
        time_budget: 1800
        overrides: {max_depth: 8, DOWNLOAD_DELAY: 3}

`scope`: the path the site is (default: the folder of its start URLs, `/` for a home page):
navigation never leaves it, so several columns of one portal are several sites.
`time_budget`: seconds the site's crawl may take (default 1800); when spent, the crawl
stops and the run is partial.
`browser`: `off` (default) or `auto`: render in headless Chromium a report column that is
an empty shell once its scripts' endpoints found nothing, and a page behind a JavaScript
challenge (`crawler/browser.py`); `nianbao crawl --browser` sets it for every site.
`overrides`: lower-case keys tune the spider (`max_depth`: navigation hops from a start
URL, default 6); UPPER_CASE keys are Scrapy settings for this site only, from a short list
of politeness settings (SCRAPY_OVERRIDES): a sites.yml cannot install middlewares or
pipelines, i.e. run code.

A sites.yml is checked whole before anything is crawled: known keys only, each of its type
and within its range (SITE_RULES, SPIDER_OVERRIDES, SCRAPY_OVERRIDES), names and URLs of
bounded length, at most MAX_FILE_BYTES, and no YAML aliases (`*name`: a few lines of
aliases can expand to gigabytes). `allowed_hosts` may not name a private, link-local or
reserved IP address (169.254.169.254 is a cloud's metadata service), loopback excepted;
a start URL may not be link-local, multicast, reserved or unspecified. The first problem
is raised as SitesFileError naming the file, the site and the key.
"""

from __future__ import annotations

import ipaddress
import math
import re
import socket
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from archive.errors import SitesFileError

DEFAULT_PORTS = {"http": 80, "https": 443}
SITE_KEYS = ("id", "name", "province", "city", "county", "town", "start_urls",
             "allowed_hosts", "max_pages", "time_budget", "overrides", "scope", "browser")
BROWSER_MODES = ("off", "auto")  # the browser layer: never, or for empty shells and challenges
DEFAULT_TIME_BUDGET = 1800  # seconds per site and crawl
ID_UNSAFE = re.compile(r"[^0-9A-Za-z_.-]+")
MAX_FILE_BYTES = 1024 * 1024
MAX_URL_CHARS = 2048
MAX_LIST = 100  # start URLs or allowed hosts of one site
ID_PATTERN = re.compile(r"[\w.\-]{1,64}")
TEXT_KEYS = ("name", "province", "city", "county", "town")
MAX_TEXT_CHARS = 200


@dataclass(frozen=True)
class Rule:
    """What a setting may be: a bool, or an int or any number within [low, high]."""

    kind: str  # "bool", "int" or "number"
    low: float = 0
    high: float = 0

    def expected(self, value: Any) -> str | None:
        """None when `value` is fine, else what it should have been."""
        if self.kind == "bool":
            return None if isinstance(value, bool) else "true or false"
        kinds = (int,) if self.kind == "int" else (int, float)
        if (isinstance(value, kinds) and not isinstance(value, bool) and math.isfinite(value)
                and self.low <= value <= self.high):
            return None
        noun = "an integer" if self.kind == "int" else "a number"
        return f"{noun} from {plain(self.low)} to {plain(self.high)}"


def plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


SITE_RULES = {"max_pages": Rule("int", 1, 1_000_000), "time_budget": Rule("number", 1, 86_400)}
SPIDER_OVERRIDES = {"max_depth": Rule("int", 1, 30)}
SCRAPY_OVERRIDES = {  # polite-crawling settings only: no middleware, pipeline or module path
    "DOWNLOAD_DELAY": Rule("number", 0, 600),
    "RANDOMIZE_DOWNLOAD_DELAY": Rule("bool"),
    "CONCURRENT_REQUESTS_PER_DOMAIN": Rule("int", 1, 8),
    "AUTOTHROTTLE_ENABLED": Rule("bool"),
    "AUTOTHROTTLE_START_DELAY": Rule("number", 0, 600),
    "AUTOTHROTTLE_MAX_DELAY": Rule("number", 0, 3600),
    "AUTOTHROTTLE_TARGET_CONCURRENCY": Rule("number", 0.1, 8),
    "DOWNLOAD_TIMEOUT": Rule("number", 1, 600),
    "RETRY_TIMES": Rule("int", 0, 10),
    "ROBOTSTXT_OBEY": Rule("bool"),
}


@dataclass
class Site:
    """One portal: where to start, which hosts belong to it, and what place it speaks for."""

    id: str
    start_urls: list[str]
    name: str | None = None
    province: str | None = None
    city: str | None = None
    county: str | None = None
    town: str | None = None
    allowed_hosts: list[str] = field(default_factory=list)
    max_pages: int | None = None
    time_budget: float = DEFAULT_TIME_BUDGET
    overrides: dict[str, Any] = field(default_factory=dict)
    scope: str | None = None  # the path the site is: "/" for a portal, "/xxgk/ndbg/" for a column
    browser: str = "off"  # BROWSER_MODES: render empty-shell columns in Chromium ("auto")

    def __post_init__(self) -> None:
        if not self.allowed_hosts:
            self.allowed_hosts = hosts_of(self.start_urls)
        if self.scope is None:
            self.scope = scope_of(self.start_urls)

    def in_scope(self, url: str) -> bool:
        """Is the URL inside the site's path? (Navigation does not leave a column.)"""
        return (self.scope or "/") == "/" or (urlsplit(url).path or "/").startswith(
            self.scope or "/")

    def to_row(self) -> dict[str, Any]:
        """The mapping `Archive.register_site` expects."""
        return asdict(self)


def netloc_of(url: str) -> str | None:
    """`host:port` of a URL with the scheme's default port filled in; None if not http(s)
    (or not a URL at all: `http://[::1`, a port out of range)."""
    try:
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            return None
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{port}"


def hosts_of(urls: list[str]) -> list[str]:
    """The distinct `host:port` pairs of some URLs, in first-seen order."""
    hosts: list[str] = []
    for url in urls:
        netloc = netloc_of(url)
        if netloc and netloc not in hosts:
            hosts.append(netloc)
    return hosts


def is_loopback_url(url: str) -> bool:
    """True for http(s) URLs on 127.0.0.0/8, ::1 or localhost."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def column_path(url: str) -> str:
    """The folder a start URL names: `/xxgk/ndbg/` for `/xxgk/ndbg/index.html`, `/` for a
    home page."""
    path = urlsplit(url).path or "/"
    return path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"


def scope_of(urls: list[str]) -> str:
    """The folder every start URL lies in (`/` when they share none)."""
    paths = [column_path(url) for url in urls] or ["/"]
    common = paths[0]
    while not all(p.startswith(common) for p in paths):
        common = common.rstrip("/").rsplit("/", 1)[0] + "/"
    return common


def site_id_from_url(url: str) -> str:
    """A readable id for a site given only by URL: the host (and port), and the column's
    path when it is not the home page: `127.0.0.1_8100`, `www.x.gov.cn_xxgk_ndbg`. Several
    columns of one portal are several sites."""
    parts = urlsplit(url)
    host = parts.hostname or "site"
    label = f"{host}_{parts.port}" if parts.port else host
    folder = column_path(url).strip("/")
    if folder:
        label += "_" + folder
    return ID_UNSAFE.sub("_", label).strip("_") or "site"


def site_from_url(url: str) -> Site:
    """A Site for one `--url`: its own host and port are the portal."""
    url = url.strip()
    if not netloc_of(url) or len(url) > MAX_URL_CHARS:
        raise SitesFileError(url[:200], "not an http(s) URL with a host")
    problem = start_url_problem(url)
    if problem:
        raise SitesFileError(url, problem)
    return Site(id=site_id_from_url(url), start_urls=[url])


def load_sites(path: str | Path) -> list[Site]:
    """Read sites.yml; raise SitesFileError naming the file and the problem."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise SitesFileError(str(path), f"larger than {MAX_FILE_BYTES:,} bytes")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SitesFileError(str(path), "file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SitesFileError(str(path), f"cannot read: {error}") from None
    try:
        refuse_aliases(text, str(path))
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise SitesFileError(str(path), f"not valid YAML: {error}") from None
    entries = site_entries(data, str(path))
    sites = [site_from_entry(entry, index, str(path)) for index, entry in enumerate(entries, 1)]
    check_unique_ids(sites, str(path))
    return sites


def refuse_aliases(text: str, path: str) -> None:
    """No `*alias` (nor `<<: *merge`): a few lines of them can expand to gigabytes."""
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            line = event.start_mark.line + 1 if event.start_mark else "?"
            raise SitesFileError(path, f"line {line}: YAML aliases (*{event.anchor}) "
                                       "are not allowed; write the values out")


def site_entries(data: Any, path: str) -> list[Any]:
    if isinstance(data, dict) and "sites" in data:
        extra = sorted(map(str, set(data) - {"sites"}))
        if extra:
            raise SitesFileError(path, f"unknown top-level key(s) {', '.join(extra)[:200]}")
        data = data["sites"]
    if not isinstance(data, list):
        raise SitesFileError(path, "expected a list of sites (or a mapping with a `sites:` key)")
    if not data:
        raise SitesFileError(path, "no sites listed")
    return data


def site_from_entry(entry: Any, index: int, path: str) -> Site:
    if not isinstance(entry, dict):
        raise SitesFileError(path, f"site #{index} is not a mapping")
    where = f"site {site_label(entry.get('id'), index, path)!r}"
    unknown = sorted(map(str, set(entry) - set(SITE_KEYS)))
    if unknown:
        raise SitesFileError(path, f"{where}: unknown key(s) {', '.join(unknown)[:200]}")
    values = {k: entry[k] for k in SITE_KEYS if entry.get(k) is not None}
    values["id"] = str(entry["id"])
    values["start_urls"] = start_urls(entry.get("start_urls"), path, where)
    values["allowed_hosts"] = normalise_hosts(entry.get("allowed_hosts"), path, where)
    for key in TEXT_KEYS:
        check_text(values.get(key), f"`{key}`", path, where)
    for key, rule in SITE_RULES.items():
        check_rule(values.get(key), rule, f"`{key}`", path, where)
    values["overrides"] = check_overrides(values.get("overrides", {}), path, where)
    scope = values.get("scope")
    if scope is not None and not (isinstance(scope, str) and scope.startswith("/")
                                  and len(scope) <= MAX_URL_CHARS):
        raise SitesFileError(path, f"{where}: `scope` must be a path starting with /, "
                                   f"not {shown(scope)}")
    browser = values.get("browser")
    if browser is not None and browser not in BROWSER_MODES:
        raise SitesFileError(path, f"{where}: `browser` must be one of "
                                   f"{', '.join(BROWSER_MODES)}, not {shown(browser)}")
    return Site(**values)


def site_label(site_id: Any, index: int, path: str) -> str:
    """The site's id, checked: a word of letters, digits, `_`, `.` or `-`, 64 at most."""
    if site_id is None or site_id == "" or isinstance(site_id, bool) \
            or not isinstance(site_id, (str, int)):
        raise SitesFileError(path, f"site #{index} has no `id`")
    if not ID_PATTERN.fullmatch(str(site_id)):
        raise SitesFileError(path, f"site #{index}: `id` must be 1-64 letters, digits, "
                                   f"`_`, `.` or `-`, not {shown(site_id)}")
    return str(site_id)


def start_urls(value: Any, path: str, where: str) -> list[str]:
    urls = [value] if isinstance(value, str) else value
    if not urls or not isinstance(urls, list):
        raise SitesFileError(path, f"{where} has no `start_urls`")
    if len(urls) > MAX_LIST:
        raise SitesFileError(path, f"{where}: `start_urls` lists more than {MAX_LIST} URLs")
    for url in urls:
        if not isinstance(url, str) or len(url) > MAX_URL_CHARS or not netloc_of(url.strip()):
            raise SitesFileError(path, f"{where}: not an http(s) URL: {shown(url)}")
        problem = start_url_problem(url.strip())
        if problem:
            raise SitesFileError(path, f"{where}: `start_urls`: {problem}")
    return [u.strip() for u in urls]


def check_text(value: Any, key: str, path: str, where: str) -> None:
    if value is not None and (not isinstance(value, str) or len(value) > MAX_TEXT_CHARS):
        raise SitesFileError(path, f"{where}: {key} must be text of at most {MAX_TEXT_CHARS} "
                                   f"characters, not {shown(value)}")


def check_rule(value: Any, rule: Rule, key: str, path: str, where: str) -> None:
    expected = None if value is None else rule.expected(value)
    if expected:
        raise SitesFileError(path, f"{where}: {key} must be {expected}, not {shown(value)}")


def check_overrides(value: Any, path: str, where: str) -> dict[str, Any]:
    """Spider settings (lower case) and polite Scrapy settings (UPPER_CASE), checked."""
    if not isinstance(value, dict):
        raise SitesFileError(path, f"{where}: `overrides` must be a mapping")
    for key, setting in value.items():
        rule = SPIDER_OVERRIDES.get(key) or SCRAPY_OVERRIDES.get(key)
        if rule is None:
            allowed = ", ".join([*SPIDER_OVERRIDES, *SCRAPY_OVERRIDES])
            raise SitesFileError(path, f"{where}: `overrides` may not set {shown(key)}; "
                                       f"allowed: {allowed}")
        check_rule(setting, rule, f"`overrides.{key}`", path, where)
    return dict(value)


def shown(value: Any) -> str:
    """A value for an error message, cut short."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host name spells, if it is an IP literal in any form the resolver takes
    (`169.254.169.254`, `[::ffff:a9fe:a9fe]`, `2852039166`, `0xa9.0376.43518`); else None."""
    text = host.strip("[]").lower()
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        if not re.fullmatch(r"[0-9a-fx.]+", text) or not re.search(r"[0-9]", text):
            return None
        try:
            address = ipaddress.IPv4Address(socket.inet_aton(text))
        except OSError:
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def start_url_problem(url: str) -> str | None:
    """Why a start URL's host is not a portal: a link-local, multicast, reserved or
    unspecified IP address (a private one is the operator's own choice)."""
    address = ip_literal(urlsplit(url).hostname or "")
    if address is None or address.is_loopback:
        return None
    if (address.is_link_local or address.is_multicast or address.is_reserved
            or address.is_unspecified):
        return f"{address} is a link-local, multicast or reserved address, not a portal"
    return None


def host_problem(host: str) -> str | None:
    """Why an `allowed_hosts` entry may not be crawled: an IP address that is not public
    (private, link-local, reserved...), loopback excepted (test and demo portals)."""
    address = ip_literal(host)
    if address is None or address.is_loopback or (address.is_global
                                                   and not address.is_multicast):
        return None
    return f"{address} is a private, link-local or reserved address"


def normalise_hosts(value: Any, path: str, where: str) -> list[str]:
    """allowed_hosts entries as `host:port`; a bare host means its http and https ports."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise SitesFileError(path, f"{where}: `allowed_hosts` must be a list")
    if len(value) > MAX_LIST:
        raise SitesFileError(path, f"{where}: `allowed_hosts` lists more than {MAX_LIST} hosts")
    hosts: list[str] = []
    for entry in value:
        host, port = host_and_port(entry)
        if host is None:
            raise SitesFileError(path, f"{where}: `allowed_hosts`: not a host name: "
                                       f"{shown(entry)}")
        problem = host_problem(host)
        if problem:
            raise SitesFileError(path, f"{where}: `allowed_hosts`: {problem}")
        host = f"[{host}]" if ":" in host else host
        hosts += [f"{host}:{port}"] if port else [f"{host}:80", f"{host}:443"]
    return hosts


def host_and_port(entry: Any) -> tuple[str | None, int | None]:
    """(host, port or None) of `host`, `host:port` or an http(s) URL; (None, None) if none."""
    if not isinstance(entry, str) or len(entry) > MAX_URL_CHARS:
        return None, None
    text = entry.strip().lower()
    if "://" in text:
        netloc = netloc_of(text)
        if netloc is None:
            return None, None
        named, _, number = netloc.rpartition(":")
        return named.strip("[]"), int(number)
    try:
        parts = urlsplit("//" + text)
        port = parts.port
    except ValueError:
        return None, None
    host = parts.hostname
    if not host or parts.path or parts.query or parts.fragment or "@" in text \
            or not re.fullmatch(r"[\w.\-:]+", host):
        return None, None
    return host, port


def check_unique_ids(sites: list[Site], path: str) -> None:
    seen: set[str] = set()
    for site in sites:
        if site.id in seen:
            raise SitesFileError(path, f"site id {site.id!r} is listed twice")
        seen.add(site.id)
