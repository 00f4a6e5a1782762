"""What time it is for a run.

Every command takes the real clock unless told otherwise: `nianbao nightly --now` and
`nianbao build --today` move it, and the moved clock goes everywhere a run asks the time
(the revisit schedule, url_state stamps, derive's deadlines and lateness). A moved clock
keeps ticking from the moment it was given, so stamps within one run stay in order.
Capture times (`captures.fetched_at`, WARC dates) are facts and always use the real clock.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def now_iso() -> str:
    """The real UTC time as stored in the archive: `2026-12-03T11:53:20Z`."""
    return datetime.now(UTC).strftime(TIME_FORMAT)


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=UTC)


def parse_now(text: str) -> datetime:
    """An ISO 8601 time from the command line, UTC unless it says otherwise."""
    moment = datetime.fromisoformat(text)  # Python 3.11 reads a trailing Z
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Clock:
    """The real clock, or one set to `start` that moves on with the real time."""

    start: datetime | None = None
    began: float = field(default_factory=time.monotonic, compare=False)

    @classmethod
    def at(cls, moment: datetime | date | None) -> Clock:
        if isinstance(moment, datetime):
            return cls(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
        if isinstance(moment, date):
            return cls(datetime(moment.year, moment.month, moment.day, 12, tzinfo=UTC))
        return cls()

    def now(self) -> datetime:
        if self.start is None:
            return datetime.now(UTC)
        return self.start + timedelta(seconds=time.monotonic() - self.began)

    def iso(self) -> str:
        return format_time(self.now())

    def today(self) -> date:
        """Today's date where the reports are published (derive compares deadlines)."""
        if self.start is None:
            return date.today()
        return self.now().date()

