"""MASH RAG clocks: working hours for Amber, plain elapsed hours for Red."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.school_days import LONDON
from workflows.working_hours import WorkingHours, add_elapsed


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


OFFICE = WorkingHours()  # 09:00-17:00, Monday to Friday
LONG_DAY = WorkingHours(opens=time(8, 30), closes=time(17, 30))
SIX_DAYS = WorkingHours(weekdays=frozenset(range(6)))  # Monday to Saturday
EVERY_DAY = WorkingHours(weekdays=frozenset(range(7)))
AMBER = 24

ADDITIONS: list[tuple[str, WorkingHours, datetime, float, datetime]] = [
    # (story, hours, start, working hours to add, due in UTC)
    # Friday 1h + Monday 8 + Tuesday 8 + Wednesday 7.
    ("amber from friday 16:00", OFFICE, london(2026, 6, 12, 16), AMBER, utc(2026, 6, 17, 15)),
    # Counting starts at Monday's opening; 24 hours run out at Wednesday's closing.
    ("amber from saturday", OFFICE, london(2026, 6, 13, 10), AMBER, utc(2026, 6, 17, 16)),
    ("one hour from saturday", OFFICE, london(2026, 6, 13, 10), 1, utc(2026, 6, 15, 9)),
    ("before opening", OFFICE, london(2026, 6, 16, 7), 2, utc(2026, 6, 16, 10)),
    ("a full day from opening", OFFICE, london(2026, 6, 16, 9), 8, utc(2026, 6, 16, 16)),
    ("at closing", OFFICE, london(2026, 6, 16, 17), 1, utc(2026, 6, 17, 9)),
    ("half an hour", OFFICE, london(2026, 6, 16, 16, 45), 0.5, utc(2026, 6, 17, 8, 15)),
    # Thursday 5h; Friday 25th and Monday 28th (Boxing Day substitute) closed; Tue 8,
    # Wed 8, Thursday 31st 3h. GMT.
    ("amber over christmas", OFFICE, london(2026, 12, 24, 12), AMBER, utc(2026, 12, 31, 12)),
    # ... then Friday 1 January closed: Thu 31st 5h more, Monday 4th 8h, Tuesday 5th 3h.
    ("over new year", OFFICE, london(2026, 12, 24, 12), 40, utc(2027, 1, 5, 12)),
    # Friday 4h to 17:00 BST; clocks go back on Sunday; Monday 4h to 13:00 GMT.
    ("across clocks going back", OFFICE, london(2026, 10, 23, 13), 8, utc(2026, 10, 26, 13)),
    # Friday 4h to 17:00 GMT; clocks go forward on Sunday; Monday 4h to 13:00 BST.
    ("across clocks going forward", OFFICE, london(2026, 3, 27, 13), 8, utc(2026, 3, 30, 12)),
    # Friday 1h + Monday 9 + Tuesday 9 + Wednesday 5: 13:30 BST.
    ("08:30-17:30 day", LONG_DAY, london(2026, 6, 12, 16, 30), AMBER, utc(2026, 6, 17, 12, 30)),
    # Friday 1h + Saturday 8 + Monday 8 + Tuesday 7.
    ("six-day week", SIX_DAYS, london(2026, 6, 12, 16), AMBER, utc(2026, 6, 16, 15)),
    # The Sunday the clocks go back is still an eight-hour working day.
    ("seven days, clock change", EVERY_DAY, london(2026, 10, 25, 9), 8, utc(2026, 10, 25, 17)),
    (
        "extra closure",
        WorkingHours(extra_closures=frozenset({date(2026, 6, 15)})),
        london(2026, 6, 12, 16),
        AMBER,
        utc(2026, 6, 18, 15),
    ),
]


@pytest.mark.parametrize(
    ("hours", "start", "amount", "due"),
    [case[1:] for case in ADDITIONS],
    ids=[case[0] for case in ADDITIONS],
)
def test_add(hours: WorkingHours, start: datetime, amount: float, due: datetime) -> None:
    result = hours.add(start, amount)
    assert result == due
    assert result.tzinfo is UTC
    assert hours.elapsed(start, result) == timedelta(hours=amount)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (london(2026, 6, 16, 11), london(2026, 6, 16, 11)),  # during working hours: now
        (london(2026, 6, 16, 17), london(2026, 6, 17, 9)),  # at closing: next opening
        (london(2026, 6, 13, 11), london(2026, 6, 15, 9)),  # Saturday: Monday's opening
    ],
)
def test_adding_nothing_gives_the_first_working_instant(
    start: datetime, expected: datetime
) -> None:
    assert OFFICE.add(start, 0) == expected


@pytest.mark.parametrize(
    ("hours", "start", "end", "expected"),
    [
        (OFFICE, london(2026, 6, 12, 16), london(2026, 6, 15, 10), timedelta(hours=2)),
        (OFFICE, london(2026, 6, 13, 0), london(2026, 6, 14, 23), timedelta(0)),  # weekend
        (OFFICE, london(2026, 6, 16, 12), london(2026, 6, 16, 11), timedelta(0)),  # backwards
        (OFFICE, london(2026, 6, 16, 12), london(2026, 6, 16, 12), timedelta(0)),
        # Friday 09:00 BST to Monday 17:00 GMT across the clock change: two eight-hour days.
        (OFFICE, london(2026, 10, 23, 9), london(2026, 10, 26, 17), timedelta(hours=16)),
        # The Sundays the clocks change, counted by a seven-day service: eight hours each.
        (EVERY_DAY, london(2026, 3, 29, 0), london(2026, 3, 30, 0), timedelta(hours=8)),
        (EVERY_DAY, london(2026, 10, 25, 0), london(2026, 10, 26, 0), timedelta(hours=8)),
        # Christmas week 2026: only Tuesday 29th to Thursday 31st are working days.
        (OFFICE, london(2026, 12, 24, 17), london(2027, 1, 4, 9), timedelta(hours=24)),
        (LONG_DAY, london(2026, 6, 15, 0), london(2026, 6, 22, 0), timedelta(hours=45)),
        (SIX_DAYS, london(2026, 6, 15, 0), london(2026, 6, 22, 0), timedelta(hours=48)),
    ],
)
def test_elapsed(hours: WorkingHours, start: datetime, end: datetime, expected: timedelta) -> None:
    assert hours.elapsed(start, end) == expected


@pytest.mark.parametrize(
    ("hours", "day", "expected"),
    [
        (OFFICE, date(2026, 6, 15), True),
        (OFFICE, date(2026, 6, 13), False),  # Saturday
        (OFFICE, date(2026, 12, 28), False),  # Boxing Day substitute
        (SIX_DAYS, date(2026, 6, 13), True),  # Saturday
        # The holidays library lists Boxing Day on Saturday 26th as well as its Monday
        # substitute, so a Saturday service is closed on both.
        (SIX_DAYS, date(2026, 12, 26), False),
        (SIX_DAYS, date(2026, 12, 28), False),
        (SIX_DAYS, date(2026, 6, 14), False),  # Sunday
    ],
)
def test_is_working_day(hours: WorkingHours, day: date, expected: bool) -> None:
    assert hours.is_working_day(day) is expected


@pytest.mark.parametrize(
    ("start", "due"),
    [
        # A Tuesday night: 22:00 BST is 21:00 UTC; due at 02:00 BST, 01:00 UTC.
        (london(2026, 6, 16, 22), utc(2026, 6, 17, 1)),
        (london(2026, 1, 13, 22), utc(2026, 1, 14, 2)),  # GMT
        # Clocks go back overnight: four real hours later the wall clock shows 01:00 GMT.
        (london(2026, 10, 24, 22), utc(2026, 10, 25, 1)),
        # Clocks go forward overnight: four real hours later it shows 03:00 BST.
        (london(2026, 3, 28, 22), utc(2026, 3, 29, 2)),
    ],
)
def test_red_runs_in_plain_elapsed_hours(start: datetime, due: datetime) -> None:
    # given a Red referral at 22:00, when four hours are added, then working hours are ignored
    result = add_elapsed(start, 4)
    assert result == due
    assert result.tzinfo is UTC
    assert result - start == timedelta(hours=4)


def test_red_local_clock_over_the_autumn_change() -> None:
    result = add_elapsed(london(2026, 10, 24, 22), 4)
    assert result.astimezone(LONDON).time() == time(1, 0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"opens": time(17), "closes": time(9)},
        {"opens": time(9), "closes": time(9)},
        {"weekdays": frozenset()},
        {"weekdays": frozenset({7})},
        {"opens": time(9, tzinfo=UTC)},
    ],
)
def test_invalid_hours_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"opens|weekdays"):
        WorkingHours(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("amount", [-1.0, float("nan"), float("inf")])
def test_invalid_amounts_are_refused(amount: float) -> None:
    with pytest.raises(ValueError, match="hours"):
        OFFICE.add(london(2026, 6, 16, 9), amount)
    with pytest.raises(ValueError, match="hours"):
        add_elapsed(london(2026, 6, 16, 9), amount)


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 6, 16, 9)  # noqa: DTZ001
    aware = london(2026, 6, 16, 9)
    with pytest.raises(ValueError, match="timezone-aware"):
        OFFICE.add(naive, 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        OFFICE.elapsed(naive, aware)
    with pytest.raises(ValueError, match="timezone-aware"):
        OFFICE.elapsed(aware, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        add_elapsed(naive, 1)


# Properties ---------------------------------------------------------------------------

starts = st.datetimes(
    min_value=datetime(2026, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
    max_value=datetime(2027, 12, 31, 23, 59, 59),  # noqa: DTZ001
    timezones=st.sampled_from([UTC, LONDON]),
)
amounts = st.floats(min_value=0, max_value=200, allow_nan=False, allow_infinity=False)
services = st.sampled_from([OFFICE, LONG_DAY, SIX_DAYS, EVERY_DAY])


@settings(deadline=None)
@given(hours=services, start=starts, amount=amounts)
def test_elapsed_undoes_add(hours: WorkingHours, start: datetime, amount: float) -> None:
    due = hours.add(start, amount)
    assert due >= start
    assert hours.elapsed(start, due) == timedelta(hours=amount)


@settings(deadline=None)
@given(hours=services, start=starts, gaps=st.lists(amounts, min_size=2, max_size=2))
def test_elapsed_is_additive(hours: WorkingHours, start: datetime, gaps: list[float]) -> None:
    middle = start + timedelta(hours=gaps[0])
    end = middle + timedelta(hours=gaps[1])
    assert hours.elapsed(start, end) == hours.elapsed(start, middle) + hours.elapsed(middle, end)
