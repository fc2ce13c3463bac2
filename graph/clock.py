"""The one clock: instants in UTC, and the date in China, which is what decisions are dated in.

China Standard Time is UTC+8 all year (no daylight saving), so "today" for a regulator in
Nanjing is the UTC+8 date, which differs from the server's UTC date for eight hours a day.
Everything that needs the time asks a :class:`Clock`; tests pass a :class:`FixedClock`.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta, timezone

CHINA_TIME = timezone(timedelta(hours=8), "CST")


class Clock:
    """Wall-clock time."""

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        return datetime.now(UTC)

    def today(self) -> date:
        """The current date in China (UTC+8)."""
        return china_date(self.now())

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin, never going back: for measuring intervals."""
        return time.monotonic()


class FixedClock(Clock):
    """A clock that always says ``at`` (a timezone-aware instant) until moved on with
    :meth:`advance`: for tests and replays."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("a fixed clock needs a timezone-aware instant")
        self.at = at
        self._elapsed = 0.0

    def now(self) -> datetime:
        return self.at.astimezone(UTC)

    def monotonic(self) -> float:
        return self._elapsed

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)
        self._elapsed += seconds


def china_date(moment: datetime) -> date:
    """The date in China at ``moment`` (timezone-aware)."""
    return moment.astimezone(CHINA_TIME).date()
