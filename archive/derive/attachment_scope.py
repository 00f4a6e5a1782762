"""Which attachment files an incremental derive reads again (issue #10, "flat with size").

A full derive (`nianbao build`, new derive code) reads every stored file. Otherwise the
attachments step reads only the files a run could have changed the rows of, found through
indexes (`archive/db/attachment_links.py`), never by walking the stored files:

- seeds: files captured (or gone, or back) in the run; files linked from a page captured
  in the run (its title, whether it is a report, its dates may have changed; a list
  fetched again with the body its files were read with is skipped); files held
  by a detail page whose bytes a newly captured URL also serves (a new copy of the page);
  files of reports the run changed or of sites whose place changed; and files whose last
  extraction failed transiently and whose retry is due (`RETRIES_PER_DERIVE` at most);
- then, to a fixed point, what a full walk would decide together with them: every file
  held by the same detail page (one report is read from the page's best file), and every
  file of the same report id, before or after (one report per id: the candidate with
  the most text wins, an HTML report keeps its own text).

The rows of the files outside that set are exactly what a full walk would write again;
`tests/test_derive_attachments_incremental.py` checks it table for table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from archive.db import Archive
from archive.db import attachment_links as links
from archive.derive.file_reports import (
    Candidate,
    Page,
    candidates_of,
    group_candidates,
    holder_key,
    place_file,
)
from archive.derive.files import File, attachment_ids, candidate_captures, collect_files
from archive.derive.scope import Scope

RETRIES_PER_DERIVE = 20  # transient failures read again per derive, the longest waiting first
# The newest body of each URL key (one indexed step per key, whatever its history).
NEWEST_BODIES_SQL = ("SELECT j.value, (SELECT sha256 FROM captures c WHERE c.url_key = j.value "
                     "AND c.sha256 IS NOT NULL AND c.status BETWEEN 200 AND 299 "
                     "ORDER BY c.id DESC LIMIT 1) FROM json_each(?) j")
FILES_OF_REPORTS_SQL = ("SELECT c.url_key FROM attachments a JOIN captures c "
                        "ON c.id = a.capture_id WHERE a.report_id IN "
                        "(SELECT value FROM json_each(?))")


@dataclass
class Work:
    """The files one incremental derive reads, placed on their pages, and the reports
    they make, grouped by report id."""

    keys: set[str]  # URL keys of every file read (some may no longer be files)
    files: list[File]
    pages: dict[str, Page | None] = field(default_factory=dict)
    groups: dict[str, list[Candidate]] = field(default_factory=dict)
    rids: set[str] = field(default_factory=set)  # report ids of their rows, before and after


def seed_files(archive: Archive, scope: Scope, today: date) -> set[str]:
    """The files the run touched directly (see the module docstring)."""
    db = archive.db
    keys: set[str] = set()
    urls = scope.urls()
    if urls:
        keys |= {capture.url_key for capture in candidate_captures(archive, urls)}
        keys |= links.files_at(db, urls)
        newest = dict(db.execute(NEWEST_BODIES_SQL, [links.listed(urls)]).fetchall())
        keys |= links.files_linked_from(db, newest)
        shas = {sha for sha in newest.values() if sha}
        if shas:
            keys |= links.files_of_page_bodies(db, shas)
    reports = scope.reports()
    if reports:
        keys |= files_of_reports(archive, reports)
    sites = scope.sites()
    if sites:
        keys |= links.files_of_sites(db, sites)
    keys |= links.due_retries(db, today, RETRIES_PER_DERIVE)
    return keys


def files_of_reports(archive: Archive, rids: set[str]) -> set[str]:
    return {key for (key,) in archive.db.execute(FILES_OF_REPORTS_SQL, [links.listed(rids)])}


def stored_rids(archive: Archive, keys: set[str]) -> set[str]:
    """Report ids of the stored attachment rows of these files."""
    ids = links.listed(attachment_ids(archive, keys))
    return {rid for (rid,) in archive.db.execute(
        "SELECT report_id FROM attachments WHERE id IN (SELECT value FROM json_each(?))", [ids])
        if rid}


def gather(archive: Archive, seeds: set[str],
           read: Callable[[list[File]], None]) -> Work:
    """Grow the seeds to the files whose rows a full walk would decide together with
    them; `read(files)` fills the files' texts (from the extraction cache)."""
    work = Work(set(), [])
    by_key: dict[str, File] = {}
    pending = set(seeds)
    holders: set[str] = set()
    while pending:
        work.keys |= pending
        fresh = collect_files(archive, pending)
        read(fresh)
        for file in fresh:
            by_key[file.key] = file
            place_file(archive, file, work.pages)
        new_holders = (links.holders_of(archive.db, pending)
                       | {key for f in fresh if (key := holder_key(f))}) - holders
        holders |= new_holders
        old_rids = stored_rids(archive, pending) - work.rids
        work.rids |= old_rids
        pending = set()
        if new_holders:
            pending |= links.files_held_by(archive.db, new_holders)
        if old_rids:
            pending |= files_of_reports(archive, old_rids)
        pending -= work.keys
        if pending:
            continue
        # every page's files are in: the reports they make, and the files of those ids
        work.files = sorted(by_key.values(), key=lambda f: f.key)
        work.groups = group_candidates(archive, candidates_of(archive, work.files, work.pages))
        new_rids = (work.groups.keys() | {f.report_id for f in work.files if f.report_id}) \
            - work.rids
        work.rids |= new_rids
        if new_rids:
            pending = files_of_reports(archive, new_rids) - work.keys
    return work


def derived_elsewhere(archive: Archive, work: Work) -> Callable[[str], bool]:
    """Is this URL key where a file not read this time made its report?"""
    def check(key: str) -> bool:
        return bool(links.derived_pages(archive.db, key) - work.keys)
    return check
