"""Challenge walls: a WAF's JavaScript cookie challenge is not the portal's content.

Chinese portals often sit behind a WAF that answers a crawler (and any first visit) with a
tiny page whose script sets a cookie and reloads: Rivers Security (瑞数) with HTTP 412,
Jiasule (加速乐) with 521, others with 403 or even 200. The page names its vendor in a
cookie or script name; `SIGNATURES` is that table, kept as data. A challenge is read only
on small answers (`MAX_CHALLENGE_BYTES`), so ordinary pages pay almost nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

CHALLENGE_STATUSES = (403, 412, 418, 429, 503, 521)
MAX_CHALLENGE_BYTES = 32 * 1024  # challenge pages are tiny; reports are not
# (vendor, marker in the page's script): names only a challenge uses, not the cookies a
# vendor also sets on ordinary pages (__jsluid, acw_tc).
SIGNATURES: tuple[tuple[str, str], ...] = (
    ("jiasule", "__jsl_clearance"),
    ("jiasule", "jsl_clearance_s"),
    ("rivers-security", "FSSBBIl1UgzbN7N"),
    ("rivers-security", "$_ts"),
    ("yunsuo", "_yd_cookie"),
    ("yunsuo", "yunsuo_session_verify"),
    ("yunsuo", "security_session_verify"),
    ("aliyun-waf", "acw_sc__v2"),
    ("wzws", "wzwschallenge"),
    ("wzws", "wzwstemplate"),
    ("wzws", "wzwsconfirm"),
    ("safedog", "safedog-flow-item"),
)

NEEDLES = tuple((vendor, marker, marker.encode("ascii")) for vendor, marker in SIGNATURES)


@dataclass(frozen=True)
class Challenge:
    vendor: str
    marker: str

    def note(self) -> str:
        return f"challenge: {self.vendor}"

    def signature(self) -> str:
        return f"{self.vendor} ({self.marker})"


def challenge_in(status: int, body: bytes) -> Challenge | None:
    """The challenge an answer carries, if it is a small page with a vendor's marker."""
    if len(body) > MAX_CHALLENGE_BYTES:
        return None
    if status >= 300 and status not in CHALLENGE_STATUSES:
        return None
    for vendor, marker, needle in NEEDLES:
        if needle in body:
            return Challenge(vendor, marker)
    return None
