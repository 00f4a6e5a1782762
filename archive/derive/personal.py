"""The personal-data step of `derive_all` (issue #15): what a report printed about a person.

Reports are stored masked (`Archive.save_report` runs `archive.parse.personal.mask_report`:
text, sections, title, versions and the full-text index hold `110***********1234`), with
the findings of the raw text in `reports.personal_findings`. For every report whose
(masked) text changed since it was last scanned (`personal_scans` keeps its SHA-256):

- `personal_data` gets one row per finding: kind, offsets in `reports.text`, the value
  masked, a masked context of 20 characters either side, and the SHA-256 of the raw value
  (identity across reports without the value itself). The raw value is never stored;
- `reports_masked` lists reports with an ID number, a mobile or a name (office landlines
  alone do not count) with their (masked) text, as `reports.text` now is.

A row saved before masking existed (no `personal_findings`) is scanned here: when it holds
personal data, its text, sections and versions are masked in place. Masking keeps
lengths, so offsets hold. Rows of reports that are gone are dropped. Running it twice
gives the same rows.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import Counter
from datetime import date
from typing import Any

from archive.clock import now_iso
from archive.db import Archive
from archive.db.reports import drop_rows_of_missing_reports, mask_stored_report, report_findings
from archive.derive.scope import Scope, everything
from archive.parse.personal import PERSONAL_KINDS, find_personal_data, finding_records, mask

log = logging.getLogger(__name__)

TABLES = ("personal_data", "reports_masked", "personal_scans")
CONTEXT = 20


def derive_personal(archive: Archive, today: date, scope: Scope | None = None
                    ) -> dict[str, int]:
    """Record the personal data of changed report texts (of every report, or of those the
    run touched); mask rows stored raw."""
    began = time.monotonic()
    scope = scope or everything(archive.db)
    only = None if scope.full else scope.reports()
    scanned = dict(archive.db.execute(
        "SELECT report_id, text_sha256 FROM personal_scans" if only is None else
        "SELECT report_id, text_sha256 FROM personal_scans WHERE report_id IN "
        "(SELECT value FROM json_each(?))", [] if only is None else [json.dumps(sorted(only))]))
    kinds: Counter[str] = Counter()
    rescanned = masked_now = 0
    for report in report_findings(archive.db, only):
        text = report["text"] or ""
        if report["personal_findings"] is not None:
            findings = json.loads(report["personal_findings"])
        else:
            found = find_personal_data(text)
            findings = finding_records(text, found, CONTEXT)
            if any(f.kind in PERSONAL_KINDS for f in found):
                mask_stored_report(archive.db, report["id"], mask,
                                   json.dumps(findings, ensure_ascii=False))
                text = mask(text)
                masked_now += 1
        sha = sha256(text)
        if scanned.get(report["id"]) == sha:
            continue
        write_report(archive, report["id"], text, sha, findings)
        kinds.update(f["kind"] for f in findings)
        rescanned += 1
    drop_rows_of_missing_reports(archive.db, TABLES, only)
    log.info("personal: %d texts scanned, %d masked in place, findings %s, %.1f s",
             rescanned, masked_now, dict(kinds), time.monotonic() - began)
    return {"personal data found": sum(kinds[k] for k in PERSONAL_KINDS)}


def write_report(archive: Archive, rid: str, text: str, sha: str,
                 findings: list[dict[str, Any]]) -> None:
    db = archive.db
    for table in TABLES:
        db.execute(f"DELETE FROM [{table}] WHERE report_id = ?", [rid])
    # Plain statements: sqlite-utils' insert reads the table's schema on every call.
    db.conn.executemany(
        'INSERT INTO personal_data (report_id, start, "end", kind, masked, context, '
        "value_sha256) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(rid, f["start"], f["end"], f["kind"], f["masked"], f["context"], f["value_sha256"])
         for f in findings])
    personal = sorted({f["kind"] for f in findings if f["kind"] in PERSONAL_KINDS})
    if personal:
        db.execute("INSERT INTO reports_masked (report_id, text, findings, kinds) "
                   "VALUES (?, ?, ?, ?)",
                   [rid, text, sum(f["kind"] in PERSONAL_KINDS for f in findings),
                    json.dumps(personal)])
    db.execute("INSERT INTO personal_scans (report_id, text_sha256, findings, scanned_at) "
               "VALUES (?, ?, ?, ?)", [rid, sha, len(findings), now_iso()])


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()
