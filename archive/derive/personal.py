"""The personal-data step of `derive_all` (issue #15): what a report printed about a person.

For every report whose text changed since it was last scanned (`personal_scans` keeps
the SHA-256 of the text scanned), `archive.parse.personal.find_personal_data` runs and

- `personal_data` gets one row per finding: kind, offsets in `reports.text`, the value
  masked, a masked context of 20 characters either side, and the SHA-256 of the raw value
  (identity across reports without the value itself). The raw value is never stored;
- `reports_masked` gets the masked text of reports with an ID number, a mobile or a name
  (office landlines alone leave a report unmasked). docs/journalism.md says how the web
  layer serves it in place of `reports.text`.

Masking keeps lengths, so offsets hold in the masked text too. Rows of reports that are
gone are dropped. Running it twice gives the same rows.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import Counter
from datetime import date

from archive.clock import now_iso
from archive.db import Archive
from archive.db.reports import drop_rows_of_missing_reports, report_texts
from archive.derive.scope import Scope, everything
from archive.parse.personal import KINDS, PERSONAL_KINDS, Finding, find_personal_data, mask

log = logging.getLogger(__name__)

TABLES = ("personal_data", "reports_masked", "personal_scans")
CONTEXT = 20


def derive_personal(archive: Archive, today: date, scope: Scope | None = None
                    ) -> dict[str, int]:
    """Scan changed report texts (of every report, or of those the run touched) for
    personal data; rewrite their rows."""
    began = time.monotonic()
    scope = scope or everything(archive.db)
    only = None if scope.full else scope.reports()
    scanned = dict(archive.db.execute(
        "SELECT report_id, text_sha256 FROM personal_scans" if only is None else
        "SELECT report_id, text_sha256 FROM personal_scans WHERE report_id IN "
        "(SELECT value FROM json_each(?))", [] if only is None else [json.dumps(sorted(only))]))
    kinds: Counter[str] = Counter()
    rescanned = 0
    for report in report_texts(archive.db, only):
        text = report["text"] or ""
        sha = sha256(text)
        if scanned.get(report["id"]) == sha:
            continue
        findings = find_personal_data(text)
        write_report(archive, report["id"], text, sha, findings)
        kinds.update(f.kind for f in findings)
        rescanned += 1
    drop_rows_of_missing_reports(archive.db, TABLES, only)
    log.info("personal: %d texts scanned, findings %s, %.1f s", rescanned, dict(kinds),
             time.monotonic() - began)
    return {"personal data found": sum(kinds[k] for k in PERSONAL_KINDS)}


def write_report(archive: Archive, rid: str, text: str, sha: str,
                 findings: list[Finding]) -> None:
    db = archive.db
    for table in TABLES:
        db.execute(f"DELETE FROM [{table}] WHERE report_id = ?", [rid])
    masked_all = mask(text, frozenset(KINDS))
    # Plain statements: sqlite-utils' insert reads the table's schema on every call.
    db.conn.executemany(
        'INSERT INTO personal_data (report_id, start, "end", kind, masked, context, '
        "value_sha256) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(rid, f.start, f.end, f.kind, masked_all[f.start:f.end],
          masked_all[max(0, f.start - CONTEXT):f.end + CONTEXT], sha256(f.raw))
         for f in findings])
    personal = sorted({f.kind for f in findings if f.kind in PERSONAL_KINDS})
    if personal:
        db.execute("INSERT INTO reports_masked (report_id, text, findings, kinds) "
                   "VALUES (?, ?, ?, ?)",
                   [rid, mask(text), sum(f.kind in PERSONAL_KINDS for f in findings),
                    json.dumps(personal)])
    db.execute("INSERT INTO personal_scans (report_id, text_sha256, findings, scanned_at) "
               "VALUES (?, ?, ?, ?)", [rid, sha, len(findings), now_iso()])


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()
