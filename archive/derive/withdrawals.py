"""The withdrawals step: `reports.withdrawn_at` from what the crawler saw of each URL.

The rule itself (a report is withdrawn when one of its URLs is gone and none is alive)
is `archive.db.reports.apply_withdrawals`. It runs after the attachments step, so
reports read from files are judged too, and before figures, whose coverage ledger
marks withdrawn reports.
"""

from __future__ import annotations

from datetime import date

from archive.db import Archive
from archive.db.reports import apply_withdrawals, reports_of_urls
from archive.derive.scope import Scope, everything


def derive_withdrawals(archive: Archive, today: date,
                       scope: Scope | None = None) -> dict[str, int]:
    """Judge every report (full scope), or the reports whose URLs or rows the run touched:
    the rule reads only their URLs' state and captures, so no other report can change."""
    scope = scope or everything(archive.db)
    ids = None if scope.full else scope.reports() | reports_of_urls(archive.db, scope.urls())
    counts = apply_withdrawals(archive.db, ids)
    return {f"reports {k}": n for k, n in counts.items() if n}
