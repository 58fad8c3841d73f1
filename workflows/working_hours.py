"""MASH RAG clocks: Red within 4 hours, Amber within 24 working hours, Green within 72.

Amber (and Green, where a partnership counts it in working hours) runs only while the
MASH is open: configured opening hours, Europe/London wall clock, on configured weekdays,
except England-and-Wales bank holidays and any extra closure days. Red runs outside
working hours too, so it is plain elapsed time (``add_elapsed``).

Each working day is the real time between that day's opening and closing instants, so an
09:00-17:00 day is 8 hours even on the Sundays the clocks change. Results are in UTC.
"""

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from workflows.school_days import LONDON, bank_holidays, london_instant, require_aware

ZERO = timedelta(0)
_WEEKDAYS = frozenset(range(7))


def _duration(hours: float) -> timedelta:
    """``hours`` as a ``timedelta`` (to the microsecond); refuses negative and non-finite."""
    if not math.isfinite(hours) or hours < 0:
        raise ValueError("hours must be a finite, non-negative number")
    return timedelta(hours=hours)


def add_elapsed(start: datetime, hours: float) -> datetime:
    """``start`` plus ``hours`` of plain clock time (Red runs outside working hours), in UTC."""
    require_aware(start, "start")
    return start.astimezone(UTC) + _duration(hours)


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """When a MASH counts working time."""

    #: Opening and closing times, Europe/London wall clock (naive ``time``s).
    opens: time = time(9, 0)
    closes: time = time(17, 0)
    #: Working weekdays, Monday=0 ... Sunday=6.
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    #: Closure days besides the bank holidays.
    extra_closures: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise ValueError("opens and closes must be wall-clock times without tzinfo")
        if not self.opens < self.closes:
            raise ValueError("opens must be before closes")
        if not self.weekdays or not self.weekdays <= _WEEKDAYS:
            raise ValueError("weekdays must be a non-empty set of 0 (Monday) to 6 (Sunday)")

    def is_working_day(self, day: date) -> bool:
        """A configured weekday that is neither a bank holiday nor an extra closure."""
        return (
            day.weekday() in self.weekdays
            and day not in bank_holidays(day.year)
            and day not in self.extra_closures
        )

    def add(self, start: datetime, hours: float) -> datetime:
        """The instant, in UTC, at which ``hours`` of working time have elapsed after ``start``.

        A start outside working hours starts counting at the next opening. Time that runs
        out exactly at closing time ends at closing time, not at the next opening; zero
        hours gives ``start`` itself during working hours, otherwise the next opening.
        """
        require_aware(start, "start")
        remaining = _duration(hours)
        cursor = start.astimezone(UTC)
        for opening, closing in self._windows(cursor.astimezone(LONDON).date()):
            if closing <= cursor:
                continue
            begin = max(opening, cursor)
            available = closing - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        raise AssertionError("unreachable: _windows never ends")  # pragma: no cover

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Working time between two instants; zero when ``end`` is not after ``start``."""
        require_aware(start, "start")
        require_aware(end, "end")
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        total = ZERO
        for opening, closing in self._windows(start.astimezone(LONDON).date()):
            if opening >= end:
                break
            total += max(ZERO, min(closing, end) - max(opening, start))
        return total

    def _windows(self, first_day: date) -> Iterator[tuple[datetime, datetime]]:
        """Opening and closing instants (UTC) of each working day from ``first_day`` on.

        Endless: ``weekdays`` is never empty and closures are finite. A day whose opening
        and closing fall either side of a clock change in the wrong order (only possible
        with hours set inside 01:00-02:00) yields an empty window.
        """
        day = first_day
        while True:
            if self.is_working_day(day):
                opening = london_instant(day, self.opens)
                yield opening, max(opening, london_instant(day, self.closes))
            day += timedelta(days=1)
