"""Derived data: everything computed from stored captures and reports, with no network.

`derive_all` runs each step in order, in one transaction, after a crawl and at the end
of `nianbao build`. Steps may create reports (attachments read into reports), so later
steps see them. A step is a function `(archive, today, scope=None) -> counts`; the scope
(`scope.py`) says whether it redoes everything (`nianbao build`, new derive code, an
archive never derived with marks; also a step called without one) or only what the
marks of archive/db/dirty.py say a run touched. `derive_all` clears the marks in its own
transaction. Each step lives in its own module and owns the tables it writes:

- `frame_reports.py`: reports shown in a frame, read under their page's title and dates;
- `attachments.py` (+ `files.py`, `file_reports.py`, `attachment_scope.py`):
  `attachments`, `attachment_links`, `attachment_retries`, `extractions`, and reports
  read from files;
- `withdrawals.py`: `reports.withdrawn_at` from `url_state`;
- `figures.py` (+ `figure_inputs.py`, `ledger.py`, `views.py`): `figures`, `checks`,
  `figure_sources`, `coverage` and the wide views;
- `personal.py`: `personal_data`, `reports_masked`, `personal_scans` (issue #15);
- `similar.py`: `skeleton_units`, `minhashes`, `minhash_bands`, `similar_reports`,
  `self_copies`, `copy_clusters` and the `town_self_copy` view (issue #15);
- `hijack.py`: `hijack_evidence`, `hijack_scans`, `report_substitutions` and the
  `hijacked_pages`, `hijacked_portals` views (issue #15).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date

from archive.db import Archive
from archive.db.dirty import clear_dirty, count_dirty, set_state
from archive.derive.ahead import Ahead
from archive.derive.attachments import derive_attachments
from archive.derive.figures import derive_figures
from archive.derive.frame_reports import derive_frames
from archive.derive.hijack import derive_hijack
from archive.derive.personal import derive_personal
from archive.derive.scope import Scope, code_fingerprint, scope_for
from archive.derive.similar import derive_similar
from archive.derive.withdrawals import derive_withdrawals

log = logging.getLogger(__name__)
__all__ = ["Ahead", "DeriveSummary", "Scope", "derive_all", "steps"]

Step = Callable[..., dict[str, int]]  # (archive, today, scope=None) -> counts


@dataclass
class DeriveSummary:
    today: date
    counts: dict[str, int] = field(default_factory=dict)
    full: bool = True  # every row derived again (else only what the run touched)

    def line(self) -> str:
        parts = [f"{n} {name}" for name, n in self.counts.items()]
        return "derived " + (", ".join(parts) if parts else "nothing")


def steps() -> list[Step]:
    """The derivation steps, in the order they must run."""
    return [derive_frames, derive_attachments, derive_withdrawals, derive_figures, derive_personal,
            derive_similar, derive_hijack]


def derive_all(archive: Archive, *, today: date | None = None,
               full: bool = False, ahead: Ahead | None = None,
               in_callers_transaction: bool = False) -> DeriveSummary:
    """Run every derivation step in one transaction, on what changed since the last
    derive (archive/derive/scope.py), or on everything when `full` (`nianbao build`;
    `ahead`: what its parser workers already computed, archive/derive/ahead.py).

    `in_callers_transaction`: the caller holds the transaction open and rolls all of it
    back on error (`nianbao build`), so no savepoint of its own: while a savepoint is
    open SQLite journals every page written under it, and truncates that journal at the
    end of every statement by walking it — quadratic over a derive of many reports."""
    summary = DeriveSummary(today=today or date.today())
    block = nullcontext() if in_callers_transaction else archive.transaction()
    with block:
        scope = scope_for(archive.db, full=full)
        scope.ahead = ahead
        marks = count_dirty(archive.db)
        log.info("derive: %s", "everything" if scope.full else f"marked {marks or 'nothing'}")
        for step in steps():
            summary.counts.update(step(archive, summary.today, scope=scope))
        clear_dirty(archive.db)
        set_state(archive.db, "today", summary.today.isoformat())
        set_state(archive.db, "code", code_fingerprint())
    summary.full = scope.full
    return summary
