"""Operation Encompass deadlines: the start of the school's next school day."""

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.school_days import (
    DEFAULT_START,
    LONDON,
    MAX_SEARCH_DAYS,
    SchoolCalendar,
    bank_holidays,
    london_instant,
)


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


PLAIN = SchoolCalendar()

# 2026-27 at an imagined school: autumn term with October half term, spring term unknown.
AUTUMN_1 = (date(2026, 9, 2), date(2026, 10, 23))
AUTUMN_2 = (date(2026, 11, 2), date(2026, 12, 18))
TERMS = SchoolCalendar(terms=(AUTUMN_2, AUTUMN_1))  # any order

DEADLINES: list[tuple[str, SchoolCalendar, datetime, datetime]] = [
    # (story, calendar, incident, deadline in UTC)
    ("friday night -> monday", PLAIN, london(2026, 6, 12, 22), utc(2026, 6, 15, 7, 45)),
    ("saturday -> monday", PLAIN, london(2026, 6, 13, 11), utc(2026, 6, 15, 7, 45)),
    ("sunday 23:59 -> monday", PLAIN, london(2026, 6, 14, 23, 59), utc(2026, 6, 15, 7, 45)),
    # Late Summer bank holiday, Monday 31 August 2026: due Tuesday 08:45 BST.
    ("friday before bank holiday", PLAIN, london(2026, 8, 28, 17), utc(2026, 9, 1, 7, 45)),
    ("on the bank holiday", PLAIN, london(2026, 8, 31, 10), utc(2026, 9, 1, 7, 45)),
    # Good Friday 3 April and Easter Monday 6 April 2026.
    ("easter", PLAIN, london(2026, 4, 2, 15), utc(2026, 4, 7, 7, 45)),
    # Christmas Day Friday 25 December; Boxing Day Saturday, substitute Monday 28th. GMT.
    ("christmas", PLAIN, london(2026, 12, 24, 12), utc(2026, 12, 29, 8, 45)),
    # New Year's Day Friday 1 January 2027.
    ("new year", PLAIN, london(2026, 12, 31, 9), utc(2027, 1, 4, 8, 45)),
    # Clocks go back at 02:00 BST on Sunday 25 October 2026: Monday's 08:45 is GMT.
    ("clocks go back", PLAIN, london(2026, 10, 24, 23), utc(2026, 10, 26, 8, 45)),
    ("friday before clocks go back", PLAIN, london(2026, 10, 23, 9), utc(2026, 10, 26, 8, 45)),
    # Clocks go forward at 01:00 GMT on Sunday 29 March 2026: Monday's 08:45 is BST.
    ("clocks go forward", PLAIN, london(2026, 3, 28, 20), utc(2026, 3, 30, 7, 45)),
    ("before the start", PLAIN, london(2026, 6, 16, 7), utc(2026, 6, 16, 7, 45)),
    ("exactly at the start", PLAIN, london(2026, 6, 16, 8, 45), utc(2026, 6, 17, 7, 45)),
    ("during the school day", PLAIN, london(2026, 6, 16, 13), utc(2026, 6, 17, 7, 45)),
    ("start given in UTC", PLAIN, utc(2026, 6, 16, 7, 45), utc(2026, 6, 17, 7, 45)),
    (
        "incident reported with another offset",
        PLAIN,
        datetime(2026, 6, 16, 2, 0, tzinfo=timezone(timedelta(hours=-5))),  # 08:00 BST
        utc(2026, 6, 16, 7, 45),
    ),
    (
        "custom start 08:30, after it",
        SchoolCalendar(start=time(8, 30)),
        london(2026, 6, 16, 8, 40),
        utc(2026, 6, 17, 7, 30),
    ),
    (
        "custom start 09:00, before it",
        SchoolCalendar(start=time(9, 0)),
        london(2026, 6, 16, 8, 50),
        utc(2026, 6, 16, 8, 0),
    ),
    (
        "INSET day monday",
        SchoolCalendar(closures=frozenset({date(2026, 9, 7)})),
        london(2026, 9, 4, 16),
        utc(2026, 9, 8, 7, 45),
    ),
    # Last day of the first half term -> first day after half term, in GMT by then.
    ("last day of term", TERMS, london(2026, 10, 23, 14), utc(2026, 11, 2, 8, 45)),
    ("during half term", TERMS, london(2026, 10, 28, 10), utc(2026, 11, 2, 8, 45)),
    # After the last known term: the Christmas holiday is not known, weekdays decide.
    ("after the last known term", TERMS, london(2026, 12, 18, 15), utc(2026, 12, 21, 8, 45)),
    # Before the first known term: Tuesday 1 September is an unknown day, so a school day.
    ("before the first known term", TERMS, london(2026, 8, 31, 10), utc(2026, 9, 1, 7, 45)),
]


@pytest.mark.parametrize(
    ("calendar", "incident", "deadline"),
    [case[1:] for case in DEADLINES],
    ids=[case[0] for case in DEADLINES],
)
def test_next_school_day_start(
    calendar: SchoolCalendar, incident: datetime, deadline: datetime
) -> None:
    result = calendar.next_school_day_start(incident)
    assert result == deadline
    assert result.tzinfo is UTC


def test_a_microsecond_before_the_start_is_due_that_morning() -> None:
    # given an incident notified a moment before the school opens
    incident = london(2026, 6, 16, 8, 45) - timedelta(microseconds=1)
    # when the deadline is worked out
    deadline = PLAIN.next_school_day_start(incident)
    # then it is that same morning's start, moments later
    assert deadline == utc(2026, 6, 16, 7, 45)


@pytest.mark.parametrize(
    ("calendar", "day", "expected"),
    [
        (PLAIN, date(2026, 6, 15), True),  # a Monday
        (PLAIN, date(2026, 6, 13), False),  # a Saturday
        (PLAIN, date(2026, 12, 28), False),  # Boxing Day substitute
        (TERMS, date(2026, 10, 26), False),  # half term
        (TERMS, date(2026, 11, 2), True),  # first day back
        (TERMS, date(2026, 9, 1), True),  # before the first known term: unknown
        (TERMS, date(2027, 1, 4), True),  # after the last known term: unknown
        (SchoolCalendar(closures=frozenset({date(2026, 6, 15)})), date(2026, 6, 15), False),
    ],
)
def test_is_school_day(calendar: SchoolCalendar, day: date, expected: bool) -> None:
    assert calendar.is_school_day(day) is expected


def test_bank_holidays_include_substitute_days_and_the_weekend_dates() -> None:
    days = bank_holidays(2026)
    assert {date(2026, 12, 25), date(2026, 12, 26), date(2026, 12, 28)} <= days
    assert {date(2026, 4, 3), date(2026, 4, 6), date(2026, 8, 31)} <= days
    assert date(2026, 12, 29) not in days
    assert bank_holidays(2026) is days  # cached


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        PLAIN.next_school_day_start(datetime(2026, 6, 16, 7, 0))  # noqa: DTZ001


def test_a_school_closed_for_longer_than_the_search_raises() -> None:
    # given a school known to be closed for over MAX_SEARCH_DAYS days
    first = date(2026, 6, 1)
    closed = frozenset(first + timedelta(days=n) for n in range(MAX_SEARCH_DAYS + 2))
    calendar = SchoolCalendar(closures=closed)
    # when a deadline is asked for, then no school day is found
    with pytest.raises(ValueError, match="no school day"):
        calendar.next_school_day_start(london(2026, 6, 1, 7))


def test_a_long_closure_inside_the_search_is_skipped() -> None:
    # given a school closed from 1 June 2026 to Saturday 27 March 2027
    first = date(2026, 6, 1)
    closed = frozenset(first + timedelta(days=n) for n in range(300))
    calendar = SchoolCalendar(closures=closed)
    # when a deadline is asked for on the first closed day
    deadline = calendar.next_school_day_start(london(2026, 6, 1, 7))
    # then it is Tuesday 30 March 2027 (Monday 29th is Easter Monday), 08:45 BST
    assert deadline == utc(2027, 3, 30, 7, 45)


def test_a_term_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="term"):
        SchoolCalendar(terms=((date(2026, 9, 2), date(2026, 7, 22)),))


def test_an_aware_start_time_is_refused() -> None:
    with pytest.raises(ValueError, match="start"):
        SchoolCalendar(start=time(8, 45, tzinfo=UTC))


def test_a_start_in_the_spring_forward_gap_uses_the_offset_before_the_change() -> None:
    # 01:30 on Sunday 29 March 2026 never shows on London clocks; it is read as 01:30 GMT.
    assert london_instant(date(2026, 3, 29), time(1, 30)) == utc(2026, 3, 29, 1, 30)
    # 01:30 on Sunday 25 October 2026 shows twice; the first (BST) is meant.
    assert london_instant(date(2026, 10, 25), time(1, 30)) == utc(2026, 10, 25, 0, 30)


# Properties ---------------------------------------------------------------------------

_DAYS = st.dates(min_value=date(2025, 9, 1), max_value=date(2027, 8, 31))
# Terms start within one academic year, so a holiday between known terms rarely outlasts
# the search; when it does, the property checks the ValueError is right.
_TERM = st.tuples(
    st.dates(min_value=date(2025, 9, 1), max_value=date(2026, 5, 31)),
    st.integers(min_value=0, max_value=90),
).map(lambda pair: (pair[0], pair[0] + timedelta(days=pair[1])))
calendars = st.builds(
    SchoolCalendar,
    start=st.sampled_from([DEFAULT_START, time(8, 30), time(9, 0), time(7, 50)]),
    terms=st.lists(_TERM, max_size=4).map(tuple),
    closures=st.frozensets(_DAYS, max_size=40),
)
incidents = st.datetimes(
    min_value=datetime(2025, 9, 1),  # noqa: DTZ001 - hypothesis bounds are naive
    max_value=datetime(2027, 8, 31),  # noqa: DTZ001
    timezones=st.sampled_from([UTC, LONDON, timezone(timedelta(hours=5, minutes=30))]),
)


@settings(deadline=None)
@given(calendar=calendars, after=incidents)
def test_deadline_is_the_first_school_day_start_after_the_incident(
    calendar: SchoolCalendar, after: datetime
) -> None:
    today = after.astimezone(LONDON).date()
    try:
        result = calendar.next_school_day_start(after)
    except ValueError:
        # then no school day starts after the incident within the search
        for offset in range(MAX_SEARCH_DAYS + 1):
            day = today + timedelta(days=offset)
            assert not (calendar.is_school_day(day) and london_instant(day, calendar.start) > after)
        return

    assert result > after
    assert result.tzinfo is UTC
    local = result.astimezone(LONDON)
    assert local.time() == calendar.start
    assert calendar.is_school_day(local.date())
    day = today - timedelta(days=1)
    while day <= local.date():
        if calendar.is_school_day(day):
            assert not after < london_instant(day, calendar.start) < result
        day += timedelta(days=1)
