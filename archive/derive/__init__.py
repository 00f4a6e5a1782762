"""Derived data: everything computed from stored captures and reports, with no network.

`derive_all` runs each step in order, in one transaction, after a crawl and at the end
of `nianbao build`. Steps may create reports (attachments read into reports), so later
steps see them. A step is a function `(archive, today) -> counts`; each lives in its own
module and owns the tables it writes:

- `frame_reports.py`: reports shown in a frame, read under their page's title and dates;
- `attachments.py` (+ `files.py`, `file_reports.py`): `attachments`, `extractions`, and
  reports read from files;
- `withdrawals.py`: `reports.withdrawn_at` from `url_state`;
- `figures.py` (+ `figure_inputs.py`, `ledger.py`, `views.py`): `figures`, `checks`,
  `figure_sources`, `coverage` and the wide views;
- `personal.py`: `personal_data`, `reports_masked`, `personal_scans` (issue #15);
- `similar.py`: `skeleton_units`, `minhashes`, `minhash_bands`, `similar_reports`,
  `self_copies`, `copy_clusters` and the `town_self_copy` view (issue #15).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from archive.db import Archive
from archive.derive.attachments import derive_attachments
from archive.derive.figures import derive_figures
from archive.derive.frame_reports import derive_frames
from archive.derive.personal import derive_personal
from archive.derive.similar import derive_similar
from archive.derive.withdrawals import derive_withdrawals

Step = Callable[[Archive, date], dict[str, int]]


@dataclass
class DeriveSummary:
    today: date
    counts: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        parts = [f"{n} {name}" for name, n in self.counts.items()]
        return "derived " + (", ".join(parts) if parts else "nothing")


def steps() -> list[Step]:
    """The derivation steps, in the order they must run."""
    return [derive_frames, derive_attachments, derive_withdrawals, derive_figures, derive_personal,
            derive_similar]


def derive_all(archive: Archive, *, today: date | None = None) -> DeriveSummary:
    """Run every derivation step in one transaction."""
    summary = DeriveSummary(today=today or date.today())
    with archive.transaction():
        for step in steps():
            summary.counts.update(step(archive, summary.today))
    return summary
