"""What a generated province holds: portals on their own loopback addresses, and their sites.

Portal j listens on its own address (`address_of(j)`: 127.77.0.1, 127.77.0.2, …, all on
one port) and is a small `tools.scale` TRS-style portal. Every `county_every`-th portal is
a county portal carrying `columns` township columns (`/xxgk/ndbg/{code}/`), each crawled
as a site of its own (several sites on one host); the others are township portals with one
town's 14-18 reports, crawled from their home page. Towns take consecutive names across
the province, so no two portals report for the same town. Everything is a function of j.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tools.scale.plan import HEADS, TAILS, YEARS, make_towns

PROVINCE, CITY = "吉林省", "通化市"
FIRST_OCTETS = (127, 77)
DEFAULT_PORTALS = 2000
COUNTY_EVERY = 10  # every tenth portal is a county portal with township columns
COLUMNS = 4  # township columns on a county portal
COLUMN_REPORTS = 6  # reports in each of them
COUNTY_UNITS = ("县", "区", "市", "县")


def address_of(j: int) -> str:
    """Portal j's loopback address: 127.77.0.1 … 127.77.0.250, 127.77.1.1, …"""
    third, fourth = divmod(j, 250)
    second, third = divmod(third, 250)
    return f"{FIRST_OCTETS[0]}.{FIRST_OCTETS[1] + second}.{third}.{fourth + 1}"


def county_name(c: int) -> str:
    head, tail = HEADS[(c * 7) % len(HEADS)], TAILS[(c // len(HEADS) + c * 3) % len(TAILS)]
    return head + tail + COUNTY_UNITS[c % len(COUNTY_UNITS)]


@dataclass(frozen=True)
class PortalPlan:
    index: int
    address: str
    county: str
    is_county: bool
    reports: int
    per_town: int
    first_town: int  # index of its first town in the province's run of names

    @property
    def towns(self) -> int:
        return -(-self.reports // self.per_town)


def plan_portals(count: int, county_every: int = COUNTY_EVERY,
                 columns: int = COLUMNS) -> list[PortalPlan]:
    portals, first_town = [], 0
    for j in range(count):
        is_county = county_every > 0 and j % county_every == 0
        reports = columns * COLUMN_REPORTS if is_county else 14 + j % 5
        per_town = COLUMN_REPORTS if is_county else YEARS
        plan = PortalPlan(j, address_of(j), county_name(j // 8), is_county, reports,
                          per_town, first_town)
        portals.append(plan)
        first_town += plan.towns
    return portals


def site_entries(plan: PortalPlan, port: int, delay: float) -> list[dict[str, Any]]:
    """The sites.yml entries of one portal: one per township column of a county portal,
    else the portal from its home page. Polite per host: one request at a time, a delay
    (loopback sites are otherwise crawled at full speed)."""
    base = f"http://{plan.address}:{port}"
    polite = {"CONCURRENT_REQUESTS_PER_DOMAIN": 1, "DOWNLOAD_DELAY": delay}
    place = {"province": PROVINCE, "city": CITY, "county": plan.county}
    towns = make_towns(plan.towns, plan.first_town)
    if not plan.is_county:
        town = towns[0]
        return [{"id": f"p{plan.index:05d}", "name": f"{town.name}人民政府", **place,
                 "town": town.name, "start_urls": [f"{base}/"], "overrides": dict(polite)}]
    return [{"id": f"p{plan.index:05d}-{town.code}", "name": f"{plan.county}{town.name}",
             **place, "town": town.name, "start_urls": [f"{base}{town.column}"],
             "overrides": dict(polite)} for town in towns]
