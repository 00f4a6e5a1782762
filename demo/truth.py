"""Ground truth and sites.yml, computed from the same content files the pages come from."""

from __future__ import annotations

from datetime import date
from typing import Any

import yaml

from demo.content import Doc, PortalContent
from demo.render.common import frame_path

TOWNSHIP_ENDS = ("镇", "乡", "街道", "苏木")
TRUTH_FIELDS = [
    "title",
    "title_raw",
    "town",
    "county",
    "province",
    "report_year",
    "published",
    "signed",
    "source",
    "format",
    "tampered",
    "headings",
    "encoding",
    "declared",
    "tables",
    "duplicate_of",
]


ATTACHMENT_ONLY_FLAGS = ("attach_detail", "attach_direct", "frame_pdf")


def absolute(base: str, path: str) -> str:
    return base.rstrip("/") + path


def truth_entry(portal: PortalContent, doc: Doc, base: str) -> dict[str, Any]:
    """What a perfect crawler + parser would record for one page."""
    entry: dict[str, Any] = {
        "kind": doc["kind"],
        "portal": portal.id,
        "id": doc["id"],
        "style": portal.style,
        "urls": [absolute(base, p) for p in doc["paths"]],
    }
    entry.update({name: doc.get(name) for name in TRUTH_FIELDS})
    entry["index_no"] = doc["meta"].get("index_no")
    entry["spam_terms"] = list(doc["meta"].get("spam", []))
    entry["tamper"] = doc["meta"].get("tamper")  # how a tampered page was altered
    entry["attachments"] = [
        {
            "url": absolute(base, a["path"]),
            "name": a["name"],
            "kind": a["kind"],
            "status": a["status"],
        }
        for a in doc.get("attachments", [])
    ]
    entry["attachment_only"] = any(f in doc["flags"] for f in ATTACHMENT_ONLY_FLAGS)
    # the document of a detail page's frame: one more URL of the report, without its title
    entry["frames"] = ([absolute(base, frame_path(doc))] if "frame_html" in doc["flags"]
                       else [entry["attachments"][0]["url"]] if "frame_pdf" in doc["flags"]
                       else [])
    entry["expect"] = doc.get("expect")  # figures and checks (`deadline` below)
    return entry


def ground_truth(
    contents: list[PortalContent], bases: dict[str, str], attachment_only: bool = True
) -> list[dict[str, Any]]:
    """Every report and decoy of every portal, with absolute URLs on the running ports.

    `title` is the clean title (spam removed; a Traditional clone folded back to the
    original Simplified title); `title_raw` is the H1 exactly as the page shows it.
    `signed` is the date under the signature (None when the page has none).
    `duplicate_of` names the genuine report a mirror page copies.
    `attachments` lists the files attached to a report ({url, name, kind, status}:
    the extraction status a correct extractor reaches: ok, needs_ocr or error);
    `attachment_only` is True when the report's text is only in those files (its
    `urls` are then the detail page, or the file itself when the list links to it).
    `frames` lists the document of the detail page's frame when the report is shown in
    one (issue #11): an HTML page with no title of its own, or the PDF in a viewer.
    With attachment_only=False those reports are left out (for a crawler that does not
    read attachments yet).
    """
    entries = [
        truth_entry(portal, doc, bases[portal.id])
        for portal in contents
        for doc in portal.docs
        if doc["kind"] in ("report", "decoy")
    ]
    return [e for e in entries if attachment_only or not e["attachment_only"]]


def coverage_truth(contents: list[PortalContent], today: date) -> list[dict[str, Any]]:
    """The coverage ledger the demo was built to have on `today`.

    One row per portal (site), reporting body and year, from the body's first report on
    that portal to the last year whose deadline (`deadline` below) has passed: status
    `published`, `late` or `missing`. A year not yet due has a row only if a report
    exists. Copies of another portal's report (`duplicate_of`) do not count.
    """
    rows = []
    for portal in contents:
        bodies: dict[str, dict[int, Doc]] = {}
        for doc in portal.docs:
            if doc["kind"] != "report" or not doc["town"] or doc.get("duplicate_of"):
                continue
            years = bodies.setdefault(doc["town"], {})
            known = years.get(doc["report_year"])
            if known is None or doc["published"] < known["published"]:
                years[doc["report_year"]] = doc
        for town, years in sorted(bodies.items()):
            rows += body_coverage(portal.id, town, years, today)
    return rows


def body_coverage(site: str, town: str, years: dict[int, Doc], today: date) -> list[dict[str, Any]]:
    rows = []
    for year in range(min(years), today.year + 1):
        due, _ = deadline(town, year)
        doc = years.get(year)
        if doc is not None:
            late = date.fromisoformat(doc["published"]) > due
            status = "late" if late else "published"
        elif due < today:
            status = "missing"
        else:
            continue
        rows.append({"site_id": site, "town": town, "year": year, "status": status,
                     "id": doc["id"] if doc else None})
    return rows


def deadline(unit: str, year: int) -> tuple[date, str]:
    """(due date, status when late) of the report of `unit` (a body's name) for `year`.

    The genre's rules, written out independently of archive/figures/deadlines.py: 2007
    regulation art. 31, 31 March for every body; 2019 regulation art. 49, 31 January for
    departments and 31 March for the county government; townships follow the departments'
    January by county practice (late is a warn). The generator (tools/gen/expect.py) holds
    each report to it.
    """
    if year <= 2018:
        return date(year + 1, 3, 31), "fail"
    if unit.endswith(TOWNSHIP_ENDS):
        return date(year + 1, 1, 31), "warn"
    if unit.endswith(("县", "区", "市", "旗")):
        return date(year + 1, 3, 31), "fail"
    return date(year + 1, 1, 31), "fail"


def sites_yaml(contents: list[PortalContent], start_urls: dict[str, str]) -> str:
    """sites.yml text: a list of {id, name, province, city, county, [town], start_urls}."""
    sites = []
    for portal in contents:
        site: dict[str, Any] = {
            "id": portal.id,
            "name": portal.name,
            "province": portal.province,
            "city": portal.city,
            "county": portal.county,
        }
        if portal.town:
            site["town"] = portal.town
        site["start_urls"] = [start_urls[portal.id]]
        sites.append(site)
    header = "# Demo portals served by `nianbao demo-portal` (generated; do not edit).\n"
    return header + yaml.safe_dump(sites, allow_unicode=True, sort_keys=False)
