"""The withdrawals step: `reports.withdrawn_at` from what the crawler saw of each URL.

The rule itself (a report is withdrawn when one of its URLs is gone and none is alive)
is `archive.db.reports.apply_withdrawals`. It runs after the attachments step, so
reports read from files are judged too, and before figures, whose coverage ledger
marks withdrawn reports.
"""

from __future__ import annotations

from datetime import date

from archive.db import Archive
from archive.db.reports import apply_withdrawals


def derive_withdrawals(archive: Archive, today: date) -> dict[str, int]:
    counts = apply_withdrawals(archive.db)
    return {f"reports {k}": n for k, n in counts.items() if n}
