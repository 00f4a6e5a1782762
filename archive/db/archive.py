"""The archive's SQLite file: open it, and the `Archive` handle the rest of the code uses.

`Archive` opens the file (WAL, the schema and the search index brought up to date), owns
the transaction and the `sites` table, and offers the common writes of the other tables'
modules (`captures.py`, `reports.py`, `runs.py`) as methods. Everything it stores is
rebuilt from `captures` except what the crawler observed (`captures`, `url_state`, runs).
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import sqlite_utils

from archive.clock import now_iso
from archive.db import captures, reports, runs, versions
from archive.db.captures import StoredBody
from archive.db.schema import TABLES, ensure_schema
from archive.parse.personal import mask_report
from archive.records import Report
from archive.search import enable_search, sync_index
from archive.search.tokenizer import segment

DEFAULT_DB = "data/nianbao.db"

__all__ = ["DEFAULT_DB", "Archive", "StoredBody", "open_database"]


@dataclass(frozen=True)
class Prepared:
    """A parsed report as the archive stores it, computed off the writer (in the parser
    workers): masked (`mask_report`), its findings, and the SHA-256 of its normalised
    masked text (`versions.text_sha256`, the version hash). `source` is the unmasked
    report it was made from: `save_report` uses it only for that very report."""

    source: Report
    report: Report
    findings: list[dict[str, Any]]
    text_sha256: str
    segmented: dict[str, str] = field(default_factory=dict)  # title, text -> index tokens


def prepare_report(report: Report) -> Prepared:
    """Mask a parsed report, hash its text and segment its title and text for the
    full-text index (pure; runs in the parser workers)."""
    masked, findings = mask_report(report)
    segmented = {value: segment(value) or "" for value in (masked.title, masked.text)
                 if value}
    return Prepared(report, masked, findings, versions.text_sha256(masked.text), segmented)


@dataclass
class GroupCommit:
    """Commit every `every` writes or `seconds`, whichever comes first."""

    every: int
    seconds: float
    writes: int = 0
    since: float = field(default_factory=time.monotonic)
    commits: int = 0

    def due(self) -> bool:
        return self.writes >= self.every or (
            self.writes > 0 and time.monotonic() - self.since >= self.seconds)


class Archive:
    """The SQLite archive. Open it, write captures and reports, read them back."""

    def __init__(self, path: str | Path = DEFAULT_DB, *, recreate: bool = False):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = open_database(self.path, recreate=recreate)
        self._sites: dict[str, dict[str, Any] | None] = {}
        self._depth = 0  # open transaction() blocks
        self._group: GroupCommit | None = None
        self._segmented: dict[str, str] = {}  # the open group's index tokens (workers')
        self._closed = False
        with self.transaction():
            ensure_schema(self.db)
        # FTS table and triggers; indexes what tools without nianbao changed; commits.
        enable_search(self.db)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Commit on leaving the outermost block, roll back on error; blocks nest.

        Inside `group_commits` a block is all or nothing as ever, but its commit waits
        for the group."""
        self._depth += 1
        try:
            with self.db.atomic():
                yield
        finally:
            self._depth -= 1
        if self._group is not None and self._depth == 0:
            self._group.writes += 1
            self.commit_if_due()

    @contextmanager
    def group_commits(self, every: int = 500, seconds: float = 0.5) -> Iterator[GroupCommit]:
        """Hold one transaction open and commit it every `every` writes or `seconds`.

        A commit per fetched page costs the crawl more than the page's parsing; grouped,
        a SIGKILL loses at most the last group, which the next run fetches again (those
        URLs' `url_state` was not committed either, so they are still due). The file is
        never left half-written: SQLite's journal rolls the open group back."""
        if self._group is not None:
            yield self._group
            return
        if self.db.conn.in_transaction:
            self.db.conn.commit()
        self._group = GroupCommit(every, seconds)
        self.db.execute("BEGIN")
        try:
            yield self._group
        finally:
            group, self._group = self._group, None
            if self.db.conn.in_transaction:
                self._commit_group(group)

    def _commit_group(self, group: GroupCommit) -> None:
        """Index the group's reports (one `sync_index` for the group, not one per report),
        then commit: index and reports land in the same transaction."""
        segmented, self._segmented = self._segmented, {}
        sync_index(self.db, segmented=segmented)
        self.db.conn.commit()
        group.commits += 1

    def commit_if_due(self) -> None:
        """Commit the open group when it is due (called after writes and by a timer)."""
        group = self._group
        if group is None or self._depth or not group.due():
            return
        if self.db.conn.in_transaction:
            self._commit_group(group)
        group.writes, group.since = 0, time.monotonic()
        self.db.execute("BEGIN")

    def close(self) -> None:
        if self._closed:
            return
        if not self.db.conn.in_transaction:  # what other writers left for the index
            with self.transaction():
                sync_index(self.db)
        self._closed = True
        self.db.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sites and runs -------------------------------------------------------------------

    def register_site(self, site: Mapping[str, Any]) -> None:
        row = {k: site.get(k) for k in ("id", "name", "province", "city", "county", "town")}
        row["start_urls"] = json.dumps(list(site.get("start_urls") or []), ensure_ascii=False)
        row["registered"] = now_iso()
        with self.transaction():
            self.db.table("sites").upsert(row, pk="id")
        self._sites.pop(str(row["id"]), None)

    def site(self, site_id: str | None) -> dict[str, Any] | None:
        """The registered site (cached: every saved report asks for it)."""
        if not site_id:
            return None
        if site_id not in self._sites:
            rows = list(self.db.table("sites").rows_where("id = ?", [site_id]))
            self._sites[site_id] = rows[0] if rows else None
        return self._sites[site_id]

    def with_site_place(self, report: Report, site_id: str | None) -> Report:
        """The report with its site's town and county where the page did not say.

        Applied before the report id is computed, so the id does not depend on whether
        the crawl, a rebuild or the attachments step saved the report.
        """
        site = self.site(site_id) or {}
        town = report.town or site.get("town") or None
        county = report.county or site.get("county") or None
        if (town, county) == (report.town, report.county):
            return report
        return dataclasses.replace(report, town=town, county=county)

    def start_run(self, site_id: str | None, start_urls: list[str]) -> int:
        with self.transaction():
            return runs.start_run(self.db, site_id, start_urls, now_iso())

    def finish_run(self, run_id: int, **counts: Any) -> None:
        counts.setdefault("ended", now_iso())
        with self.transaction():
            runs.finish_run(self.db, run_id, counts)

    # -- captures ------------------------------------------------------------------------

    def add_capture(self, url: str, *, status: int | None, headers: Mapping[str, str] | None,
                    body: bytes | None, **columns: Any) -> int:
        """Store one fetch (or failed fetch) and return its capture id. Commits at once.

        `referrer` is the page that linked the URL and `link_text` the link's label
        (attachments are tied to their report page through them). The crawl's extra
        columns: `kind` (the request's role), `conditional`, `raw_sha256` and `raw_size`
        (bytes as received, before content decoding) and the `warc_*` location."""
        with self.transaction():
            return captures.add_capture(self.db, url, status=status, headers=headers,
                                        body=body, **columns)

    def note_capture(self, capture_id: int, note: str) -> None:
        with self.transaction():
            captures.note_capture(self.db, capture_id, note)

    def capture_time(self, capture_id: int | None) -> str | None:
        """When a capture was fetched (None for an unknown id)."""
        return captures.capture_time(self.db, capture_id)

    def capture_body(self, capture_id: int) -> bytes | None:
        return captures.capture_body(self.db, capture_id)

    def iter_bodies(self, *, ok_only: bool = True, after_id: int = 0,
                    probes: bool = False) -> Iterator[StoredBody]:
        """Every stored capture with its body (id above `after_id`), oldest first;
        cloaking probes only with `probes`."""
        return captures.iter_bodies(self.db, ok_only=ok_only, after_id=after_id,
                                    probes=probes)

    # -- reports -------------------------------------------------------------------------

    def save_report(self, report: Report, *, capture_id: int | None, site_id: str | None = None,
                    seen_at: str | None = None, prepared: Prepared | None = None) -> str:
        """Upsert one parsed report; returns "new", "updated" or "unchanged".

        The report is stored masked (`archive.parse.personal.mask_report`): its text,
        sections, title, versions and so the full-text index hold ID numbers, mobiles and
        applicants' names masked, the findings go in `personal_findings`; the raw capture
        keeps the bytes (docs/journalism.md). `prepared` (from `prepare_report`, made in a
        parser worker) spares the writer that work; it is used only when it was made from
        this very report object. Inside `group_commits` the full-text index is brought up
        to date once per group, just before its commit."""
        prepared, masked, row = self.report_to_store(report, site_id, prepared)
        if self._group is not None:
            self._segmented.update(prepared.segmented)
        with self.transaction():
            return reports.save_report(self.db, masked, row, capture_id=capture_id,
                                       seen_at=seen_at or now_iso(),
                                       text_sha256=prepared.text_sha256,
                                       index=self._group is None)

    def report_to_store(self, report: Report, site_id: str | None,
                        prepared: Prepared | None = None) -> tuple[Prepared, Report, dict]:
        """(the prepared report, the masked report with its site's place, its `reports`
        row): what `save_report` writes, and `nianbao build` writes without a savepoint."""
        if prepared is None or prepared.source is not report:
            prepared = prepare_report(report)
        # The site's town/county only fill fields masking never touches: order is free.
        masked = self.with_site_place(prepared.report, site_id)
        findings = prepared.findings
        row = reports.report_row(masked, self.site(site_id) or {}, site_id)
        row["personal_findings"] = json.dumps(findings, ensure_ascii=False) if findings else None
        return prepared, masked, row

    def add_report_url(self, rid: str, url: str, *, capture_id: int | None,
                       seen_at: str | None = None) -> None:
        """Record one more URL of a stored report without touching the report row."""
        with self.transaction():
            reports.touch_url(self.db, rid, url, capture_id, seen_at or now_iso())

    def clear_reports(self) -> None:
        """Drop every derived row (reports, sections, report_urls, report_versions: all
        rebuilt from the captures, oldest first); captures and url_state stay."""
        reports.clear_reports(self.db)

    def counts(self) -> dict[str, int]:
        return {name: self.db[name].count for name in TABLES}


def open_database(path: str | Path, *, recreate: bool = False) -> sqlite_utils.Database:
    """Open the archive with WAL journaling."""
    db = sqlite_utils.Database(path, recreate=recreate)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA busy_timeout=30000")
    return db
