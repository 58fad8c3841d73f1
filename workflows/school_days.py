"""Operation Encompass deadlines: "the start of the school's next school day".

A school day is a Monday to Friday that is not an England-and-Wales bank holiday, not a
day the school is known to be closed (INSET days, snow days ...) and, when the school's
term dates are known, inside one of its terms. Days between two known terms are holidays.
Days before the first known term or after the last are *unknown*, and the weekday and
bank-holiday rule alone decides them: a missing term date can only make the deadline
earlier than it should be, never later.

Times are instants (aware datetimes); the school's start of day is Europe/London wall
clock, and results are returned in UTC.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")
DEFAULT_START = time(8, 45)
#: How many days ahead ``next_school_day_start`` looks before giving up.
MAX_SEARCH_DAYS = 400


@cache
def bank_holidays(year: int) -> frozenset[date]:
    """England and Wales bank holidays in ``year``, as the ``holidays`` library knows them.

    The set holds each holiday's calendar date *and* its substitute ("observed") day: for
    2026 both Boxing Day on Saturday 26 December and Monday 28 December. The weekend date
    matters only to a calendar that works weekends. One-off holidays (jubilees, state
    funerals) are included once the library has them. Outside the years the library covers
    (1872-2100 in holidays 0.109) the set is empty, so only the weekday rule applies.
    """
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def require_aware(moment: datetime, name: str) -> None:
    """Raise ``ValueError`` unless ``moment`` is an aware datetime (a definite instant)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def london_instant(day: date, wall_clock: time) -> datetime:
    """The instant, in UTC, when London's wall clock shows ``wall_clock`` on ``day``.

    A wall-clock time that happens twice (clocks going back, 01:00-02:00 on the last
    Sunday of October) means its first, BST, occurrence. One that never happens (clocks
    going forward, 01:00-02:00 on the last Sunday of March) is read with the offset in
    force before the change (PEP 495, ``fold=0``), so 01:30 becomes 01:30 GMT, which the
    clocks show as 02:30 BST. UK clocks change on Sundays, so neither case can fall on a
    Monday-to-Friday school day.
    """
    return datetime.combine(day, wall_clock, tzinfo=LONDON).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class SchoolCalendar:
    """One school's calendar, as far as the hub knows it."""

    #: The school's own start of day, Europe/London wall clock (a naive ``time``).
    start: time = DEFAULT_START
    #: Known term periods, first and last day inclusive, in any order.
    terms: tuple[tuple[date, date], ...] = ()
    #: Known closure days (INSET days, snow days ...).
    closures: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None:
            raise ValueError("start must be a wall-clock time without tzinfo")
        for first, last in self.terms:
            if first > last:
                raise ValueError("a term must not end before it starts")

    def is_school_day(self, day: date) -> bool:
        """Whether ``day`` is a school day (see the module docstring for the rules)."""
        if day.weekday() >= 5 or day in bank_holidays(day.year) or day in self.closures:
            return False
        if not self.terms:
            return True
        known_from = min(first for first, _ in self.terms)
        known_to = max(last for _, last in self.terms)
        if not known_from <= day <= known_to:
            return True  # outside the known term dates: unknown, the weekday rule decides
        return any(first <= day <= last for first, last in self.terms)

    def next_school_day_start(self, after: datetime) -> datetime:
        """The first start of a school day strictly after ``after``, in UTC.

        An incident before the start time on a school day is due that same morning; one at
        the start time exactly or later is due at the next school day's start. Raises
        ``ValueError`` for a naive ``after``, or when no school day starts within
        ``MAX_SEARCH_DAYS`` days.
        """
        require_aware(after, "after")
        instant = after.astimezone(UTC)
        today = instant.astimezone(LONDON).date()
        for offset in range(MAX_SEARCH_DAYS + 1):
            day = today + timedelta(days=offset)
            if self.is_school_day(day):
                start = london_instant(day, self.start)
                if start > instant:
                    return start
        raise ValueError(f"no school day within {MAX_SEARCH_DAYS} days")
