"""Derived data: everything computed from stored captures and reports, with no network.

`derive_all` runs each step in order, after a crawl and at the end of `nianbao build`:
steps may create reports (attachments read into reports), so later steps see them.
A step is a function `(archive, summary) -> None` that records what it did in
`summary.counts[name]`; each lives in the module that owns its tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from archive.db.archive import Archive
from archive.db.url_state import derive_withdrawals
from archive.derive.attachments import derive_attachments
from archive.derive.figures import derive_figures


@dataclass
class DeriveSummary:
    today: date
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        parts = [f"{n} {name}" for name, n in self.counts.items()]
        return "derived " + (", ".join(parts) if parts else "nothing")


Step = Callable[[Archive, DeriveSummary], None]


def steps() -> list[Step]:
    """The derivation steps, in the order they must run."""
    return [derive_attachments, derive_withdrawals, derive_figures]


def derive_all(archive: Archive, *, today: date | None = None) -> DeriveSummary:
    """Run every derivation step in one transaction."""
    summary = DeriveSummary(today=today or date.today())
    with archive.transaction():
        for step in steps():
            step(archive, summary)
    return summary
