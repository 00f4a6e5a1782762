"""`attachment_links` and `attachment_retries`: what an incremental attachments derive
looks up instead of walking every stored file (issue #10, "flat with size").

Written only by the attachments derive step (archive/derive/attachments.py), which
rewrites the rows of the files it read:

- `attachment_links`: one row per (file, page that linked it), plus the file's own row.
  `role` says what the page is to the file: `holder` (the detail page whose report the
  file is read into), `report` (an HTML report the file is attached to), `link` (any other
  page, e.g. a list), `direct` (the file's own row when the file is a report of its own),
  `self` (its own row otherwise). Holder and direct rows carry the site whose place the
  report takes (`site_id`); page rows the SHA-256 of the page's newest body when the
  file was read (`page_sha`): a list fetched again with the same body needs no file read
  again, and a new URL serving a holder's bytes (a copy of the page) finds the files.
  `attachment_pages` is `SELECT DISTINCT page_key` of this table.
- `attachment_retries`: files whose last extraction failed for a reason a quieter moment
  may not repeat (a timeout, a killed worker), with the day they are next read again
  (`due_on`, indexed) and how many tries they had.

Every lookup here goes through an index: its cost is per key asked, not per stored file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import sqlite_utils

HOLDER, REPORT, LINK, DIRECT, SELF = "holder", "report", "link", "direct", "self"
# Days until the next try after the n-th transient failure (n = 1, 2, ...): the first
# retry is due at the next derive, then 1, 2, 4 … days later, at most a month apart.
RETRY_DAYS = (0, 1, 2, 4, 8, 16, 30)

SCHEMA = """
CREATE TABLE IF NOT EXISTS attachment_links (
  file_key TEXT NOT NULL, page_key TEXT NOT NULL, role TEXT NOT NULL, site_id TEXT,
  page_sha TEXT, PRIMARY KEY (file_key, page_key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS attachment_links_page ON attachment_links (page_key, role);
CREATE INDEX IF NOT EXISTS attachment_links_sha ON attachment_links (page_sha)
  WHERE page_sha IS NOT NULL;
CREATE INDEX IF NOT EXISTS attachment_links_site ON attachment_links (site_id)
  WHERE site_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS attachment_retries (
  file_key TEXT PRIMARY KEY, tries INTEGER NOT NULL, due_on TEXT NOT NULL, error TEXT
);
CREATE INDEX IF NOT EXISTS attachment_retries_due ON attachment_retries (due_on, file_key);
"""


@dataclass(frozen=True)
class Link:
    file_key: str
    page_key: str
    role: str
    site_id: str | None = None
    page_sha: str | None = None


NAMES = ("attachment_links", "attachment_links_page", "attachment_links_sha",
         "attachment_links_site", "attachment_retries", "attachment_retries_due")


def ensure_attachment_links(db: sqlite_utils.Database) -> None:
    """The two tables and their indexes (safe on every open: one read when present)."""
    present = db.execute(f"SELECT count(*) FROM sqlite_master WHERE name IN "
                         f"({', '.join('?' * len(NAMES))})", list(NAMES)).fetchone()[0]
    if present == len(NAMES):
        return
    for statement in SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)


def listed(keys: Iterable[str]) -> str:
    return json.dumps(sorted(set(keys)), ensure_ascii=False)


def column(db: sqlite_utils.Database, sql: str, params: list[object]) -> set[str]:
    return {row[0] for row in db.execute(sql, params) if row[0] is not None}


def files_at(db: sqlite_utils.Database, keys: Iterable[str]) -> set[str]:
    """Files stored under these URL keys."""
    return column(db, "SELECT file_key FROM attachment_links WHERE file_key IN "
                      "(SELECT value FROM json_each(?))", [listed(keys)])


def files_linked_from(db: sqlite_utils.Database, newest: dict[str, str | None]) -> set[str]:
    """Files linked from the pages keyed in `newest` (page key -> SHA-256 of its newest
    body), except those a page only lists (`link`) when the page is not a report and its
    body is the one they were last read with: nothing they depend on changed."""
    values = listed(newest)
    reports = column(db, "SELECT DISTINCT url_key FROM report_urls WHERE url_key IN "
                         "(SELECT value FROM json_each(?))", [values])
    found = db.execute("SELECT file_key, page_key, role, page_sha FROM attachment_links WHERE "
                       "page_key IN (SELECT value FROM json_each(?))", [values])
    return {file_key for file_key, page_key, role, page_sha in found
            if role != LINK or page_key in reports or page_sha is None
            or page_sha != newest.get(page_key)}


def files_held_by(db: sqlite_utils.Database, pages: Iterable[str]) -> set[str]:
    """Files read into the reports of these detail pages."""
    return column(db, f"SELECT file_key FROM attachment_links WHERE role = '{HOLDER}' AND "
                      "page_key IN (SELECT value FROM json_each(?))", [listed(pages)])


def holders_of(db: sqlite_utils.Database, files: Iterable[str]) -> set[str]:
    """The detail pages these files were last read into."""
    return column(db, f"SELECT page_key FROM attachment_links WHERE role = '{HOLDER}' AND "
                      "file_key IN (SELECT value FROM json_each(?))", [listed(files)])


def files_of_page_bodies(db: sqlite_utils.Database, shas: Iterable[str]) -> set[str]:
    """Files held by a detail page whose newest body has one of these SHA-256s."""
    return column(db, f"SELECT file_key FROM attachment_links WHERE page_sha IN "
                      f"(SELECT value FROM json_each(?)) AND role = '{HOLDER}'", [listed(shas)])


def files_of_sites(db: sqlite_utils.Database, sites: Iterable[str]) -> set[str]:
    """Files whose reports take their place from these sites."""
    return column(db, "SELECT file_key FROM attachment_links WHERE site_id IN "
                      "(SELECT value FROM json_each(?))", [listed(sites)])


def derived_pages(db: sqlite_utils.Database, key: str) -> set[str]:
    """The files whose report was read at the URL keyed `key` (as its detail page, or as
    the file itself)."""
    return column(db, f"SELECT file_key FROM attachment_links WHERE page_key = ? AND role IN "
                      f"('{HOLDER}', '{DIRECT}')", [key])


def page_keys_of(db: sqlite_utils.Database, files: Iterable[str]) -> set[str]:
    return column(db, "SELECT page_key FROM attachment_links WHERE file_key IN "
                      "(SELECT value FROM json_each(?))", [listed(files)])


def replace_links(db: sqlite_utils.Database, files: Iterable[str], links: list[Link]) -> None:
    """The links of these files (all of them: stale ones go) and `attachment_pages`."""
    files = set(files)
    pages = page_keys_of(db, files) | {link.page_key for link in links}
    db.execute("DELETE FROM attachment_links WHERE file_key IN "
               "(SELECT value FROM json_each(?))", [listed(files)])
    insert_links(db, links)
    values = listed(pages)
    db.execute("DELETE FROM attachment_pages WHERE url_key IN (SELECT value FROM json_each(?)) "
               "AND NOT EXISTS (SELECT 1 FROM attachment_links l "
               "WHERE l.page_key = attachment_pages.url_key)", [values])
    db.execute("INSERT OR IGNORE INTO attachment_pages (url_key) SELECT value FROM json_each(?) "
               "WHERE EXISTS (SELECT 1 FROM attachment_links l WHERE l.page_key = value)",
               [values])


def rewrite_links(db: sqlite_utils.Database, links: list[Link]) -> None:
    """Every link (a full derive) and `attachment_pages` from them."""
    db.execute("DELETE FROM attachment_links")
    insert_links(db, links)
    db.execute("DELETE FROM attachment_pages")
    db.execute("INSERT INTO attachment_pages (url_key) SELECT DISTINCT page_key "
               "FROM attachment_links")


def insert_links(db: sqlite_utils.Database, links: list[Link]) -> None:
    db.conn.executemany(
        "INSERT OR REPLACE INTO attachment_links (file_key, page_key, role, site_id, page_sha) "
        "VALUES (?, ?, ?, ?, ?)",
        [(k.file_key, k.page_key, k.role, k.site_id, k.page_sha) for k in links])


# -- transient failures ------------------------------------------------------------------------


def due_retries(db: sqlite_utils.Database, today: date, limit: int) -> set[str]:
    """Files whose retry is due (the longest waiting first), at most `limit`."""
    return column(db, "SELECT file_key FROM attachment_retries WHERE due_on <= ? "
                      "ORDER BY due_on, file_key LIMIT ?", [today.isoformat(), limit])


def schedule_retries(db: sqlite_utils.Database, today: date, read: Iterable[str] | None,
                     failed: dict[str, str]) -> None:
    """After reading the files `read` (None: every file): those in `failed` (key ->
    reason) are tried again later, one more try counted; the others need no retry."""
    tries = dict(db.execute("SELECT file_key, tries FROM attachment_retries WHERE file_key IN "
                            "(SELECT value FROM json_each(?))", [listed(failed)]).fetchall())
    if read is None:
        db.execute("DELETE FROM attachment_retries")
    else:
        db.execute("DELETE FROM attachment_retries WHERE file_key IN "
                   "(SELECT value FROM json_each(?))", [listed(set(read) - failed.keys())])
    rows = []
    for key, reason in sorted(failed.items()):
        count = int(tries.get(key) or 0) + 1
        wait = RETRY_DAYS[min(count, len(RETRY_DAYS)) - 1]
        rows.append((key, count, (today + timedelta(days=wait)).isoformat(), reason))
    db.conn.executemany("INSERT OR REPLACE INTO attachment_retries (file_key, tries, due_on, "
                        "error) VALUES (?, ?, ?, ?)", rows)
