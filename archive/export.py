"""Export reports as JSON Lines or CSV: one stable record per report.

Researchers script against the JSONL keys; change them only with a changelog entry.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import IO, Any

from archive.db import Archive

EXPORT_KEYS = (
    "id", "url", "title", "title_raw", "town", "county", "report_year", "published", "signed",
    "source", "format", "tampered", "spam_terms", "sections", "text", "first_seen",
)
FORMATS = ("jsonl", "csv")


def iter_export_records(archive: Archive) -> Iterator[dict[str, Any]]:
    """Every report with its sections, ordered by town, year and id."""
    sections: dict[str, list[dict[str, Any]]] = {}
    for row in archive.db.execute(
        "SELECT report_id, level, heading, text FROM sections ORDER BY report_id, ordinal"
    ):
        sections.setdefault(row[0], []).append(
            {"level": row[1], "heading": row[2], "text": row[3]}
        )
    for row in archive.db["reports"].rows_where(order_by="town, report_year, id"):
        record = {key: row.get(key) for key in EXPORT_KEYS if key != "sections"}
        record["tampered"] = bool(row["tampered"])
        record["spam_terms"] = json.loads(row["spam_terms"] or "[]")
        record["sections"] = sections.get(row["id"], [])
        yield {key: record[key] for key in EXPORT_KEYS}


def write_export(archive: Archive, out: IO[str], fmt: str = "jsonl") -> int:
    """Write every report to `out`; returns the number of records written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    count = 0
    writer = csv.DictWriter(out, fieldnames=list(EXPORT_KEYS)) if fmt == "csv" else None
    if writer:
        writer.writeheader()
    for record in iter_export_records(archive):
        if writer:
            record["spam_terms"] = "|".join(record["spam_terms"])
            record["sections"] = json.dumps(record["sections"], ensure_ascii=False)
            writer.writerow(record)
        else:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count
