"""The clock behind every timestamp and validity check, swappable so tests can fix time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Anything with :meth:`now`; a static interface only.

    Not ``runtime_checkable``: an ``isinstance`` check against a protocol walks its members on
    every call, and handlers get the clock injected on every request
    (:data:`registry.dependencies.AppClock` skips the check).
    """

    def now(self) -> datetime:
        """The current moment, timezone-aware (UTC)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved; for tests and reproducible demo data."""

    def __init__(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware moment")
        self.moment = moment

    def now(self) -> datetime:
        return self.moment
