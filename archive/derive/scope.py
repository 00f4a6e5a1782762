"""Which rows a derive has to redo: everything (`nianbao build`, a new derive code
version, an archive never derived with marks) or only what the run touched.

The marks are written by triggers in the writes' own transaction (archive/db/dirty.py);
`derive_all` makes a `Scope` from them, passes it to every step and clears the marks at
the end of its transaction. A step asks the scope for its work: `reports()` reads the
marks live, so reports a step before it created or changed (attachments, withdrawals)
are seen by the steps after it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import sqlite_utils

from archive.db.dirty import dirty_keys, get_state

if TYPE_CHECKING:
    from archive.derive.ahead import Ahead

# Code whose change can change any derived row: a new version derives everything.
CODE_DIRS = ("derive", "figures", "similar", "extract")
CODE_FILES = ("parse/personal.py",)
ARCHIVE_DIR = Path(__file__).resolve().parent.parent


def code_fingerprint() -> str:
    digest = hashlib.sha1()
    paths = [p for d in CODE_DIRS for p in sorted((ARCHIVE_DIR / d).rglob("*.py"))]
    paths += [ARCHIVE_DIR / f for f in CODE_FILES]
    for path in paths:
        digest.update(path.relative_to(ARCHIVE_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@dataclass
class Scope:
    """What this derive covers. `full`: every row; else the marked URLs, reports, sites."""

    db: sqlite_utils.Database
    full: bool
    last_today: date | None = None  # the `today` of the previous derive
    ahead: Ahead | None = None  # per-capture work done by the build's workers (ahead.py)

    def urls(self) -> set[str]:
        return dirty_keys(self.db, "url")

    def sites(self) -> set[str]:
        return dirty_keys(self.db, "site")

    def reports(self) -> set[str]:
        """Reports marked so far (live: earlier steps' changes included)."""
        return dirty_keys(self.db, "report")


def scope_for(db: sqlite_utils.Database, *, full: bool) -> Scope:
    """Full when asked, when the archive has no derive state, or when the code changed."""
    fingerprint = get_state(db, "code")
    last = get_state(db, "today")
    full = full or fingerprint != code_fingerprint() or last is None
    return Scope(db, full, date.fromisoformat(last) if last else None)


def everything(db: sqlite_utils.Database) -> Scope:
    """The scope of a step called on its own (tests, benchmarks): every row."""
    return Scope(db, True)
