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

`time_budget`: seconds the site's crawl may take (default 1800); when spent, the crawl
stops and the run is partial. `overrides`: lower-case keys tune the spider (`max_depth`: navigation hops from a start
URL, default 6); UPPER_CASE keys are Scrapy settings for this site only.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from archive.errors import SitesFileError

DEFAULT_PORTS = {"http": 80, "https": 443}
SITE_KEYS = ("id", "name", "province", "city", "county", "town", "start_urls",
             "allowed_hosts", "max_pages", "time_budget", "overrides")
DEFAULT_TIME_BUDGET = 1800  # seconds per site and crawl
ID_UNSAFE = re.compile(r"[^0-9A-Za-z_.-]+")


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

    def __post_init__(self) -> None:
        if not self.allowed_hosts:
            self.allowed_hosts = hosts_of(self.start_urls)

    def to_row(self) -> dict[str, Any]:
        """The mapping `Archive.register_site` expects."""
        return asdict(self)


def netloc_of(url: str) -> str | None:
    """`host:port` of a URL with the scheme's default port filled in; None if not http(s)."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    try:
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


def site_id_from_url(url: str) -> str:
    """A readable id for a portal given only by URL: `127.0.0.1_8100`, `www.x.gov.cn`."""
    parts = urlsplit(url)
    host = parts.hostname or "site"
    label = f"{host}_{parts.port}" if parts.port else host
    return ID_UNSAFE.sub("_", label).strip("_") or "site"


def site_from_url(url: str) -> Site:
    """A Site for one `--url`: its own host and port are the portal."""
    url = url.strip()
    if not netloc_of(url):
        raise SitesFileError(url, "not an http(s) URL with a host")
    return Site(id=site_id_from_url(url), start_urls=[url])


def load_sites(path: str | Path) -> list[Site]:
    """Read sites.yml; raise SitesFileError naming the file and the problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SitesFileError(str(path), "file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SitesFileError(str(path), f"cannot read: {error}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise SitesFileError(str(path), f"not valid YAML: {error}") from None
    entries = site_entries(data, str(path))
    sites = [site_from_entry(entry, index, str(path)) for index, entry in enumerate(entries, 1)]
    check_unique_ids(sites, str(path))
    return sites


def site_entries(data: Any, path: str) -> list[Any]:
    if isinstance(data, dict) and "sites" in data:
        data = data["sites"]
    if not isinstance(data, list):
        raise SitesFileError(path, "expected a list of sites (or a mapping with a `sites:` key)")
    if not data:
        raise SitesFileError(path, "no sites listed")
    return data


def site_from_entry(entry: Any, index: int, path: str) -> Site:
    if not isinstance(entry, dict):
        raise SitesFileError(path, f"site #{index} is not a mapping")
    site_id = entry.get("id")
    if not site_id or not isinstance(site_id, (str, int)):
        raise SitesFileError(path, f"site #{index} has no `id`")
    where = f"site {site_id!r}"
    urls = entry.get("start_urls")
    if isinstance(urls, str):
        urls = [urls]
    if not urls or not isinstance(urls, list):
        raise SitesFileError(path, f"{where} has no `start_urls`")
    bad = [u for u in urls if not isinstance(u, str) or not netloc_of(u)]
    if bad:
        raise SitesFileError(path, f"{where}: not an http(s) URL: {bad[0]!r}")
    unknown = sorted(set(entry) - set(SITE_KEYS))
    if unknown:
        raise SitesFileError(path, f"{where}: unknown key(s) {', '.join(map(str, unknown))}")
    values = {k: entry[k] for k in SITE_KEYS if entry.get(k) is not None}
    values["id"] = str(site_id)
    values["start_urls"] = [u.strip() for u in urls]
    values["allowed_hosts"] = normalise_hosts(entry.get("allowed_hosts"), path, where)
    check_max_pages(values.get("max_pages"), path, where)
    budget = values.get("time_budget")
    if budget is not None and (isinstance(budget, bool) or not isinstance(budget, (int, float))
                               or budget <= 0):
        raise SitesFileError(path, f"{where}: `time_budget` must be a positive number of seconds")
    if not isinstance(values.get("overrides", {}), dict):
        raise SitesFileError(path, f"{where}: `overrides` must be a mapping")
    return Site(**values)


def normalise_hosts(value: Any, path: str, where: str) -> list[str]:
    """allowed_hosts entries as `host:port`; a bare host means its http and https ports."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise SitesFileError(path, f"{where}: `allowed_hosts` must be a list")
    hosts: list[str] = []
    for entry in value:
        text = str(entry).strip().lower()
        if "://" in text:
            found = netloc_of(text)
            hosts += [found] if found else []
        elif re.search(r":\d+$", text):
            hosts.append(text)
        else:
            hosts += [f"{text}:80", f"{text}:443"]
    return hosts


def check_max_pages(value: Any, path: str, where: str) -> None:
    if value is not None and (not isinstance(value, int) or value < 1):
        raise SitesFileError(path, f"{where}: `max_pages` must be a positive integer")


def check_unique_ids(sites: list[Site], path: str) -> None:
    seen: set[str] = set()
    for site in sites:
        if site.id in seen:
            raise SitesFileError(path, f"site id {site.id!r} is listed twice")
        seen.add(site.id)
