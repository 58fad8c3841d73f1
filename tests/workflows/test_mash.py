"""The MASH front door's rules: RAG deadlines, time left on the clock, re-referrals, and
their configuration from ``HUB_MASH_*`` variables.

Every expected instant below was worked out by hand from the calendar (09:00-17:00
Europe/London, Monday to Friday, England-and-Wales bank holidays) and is written in UTC;
BST is UTC+1, GMT is UTC+0.
"""

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta

import pytest

from vocab.mash import Rag
from workflows.mash import DEFAULT_CLOCKS, MashRules, RagClock
from workflows.school_days import LONDON
from workflows.working_hours import WorkingHours


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def clocks(red: RagClock, amber: RagClock, green: RagClock) -> Mapping[Rag, RagClock]:
    return {Rag.RED: red, Rag.AMBER: amber, Rag.GREEN: green}


RULES = MashRules()
RED, AMBER, GREEN = Rag.RED, Rag.AMBER, Rag.GREEN


def test_the_default_rules() -> None:
    assert RULES.clocks == {
        RED: RagClock(4, elapsed=True),
        AMBER: RagClock(24, elapsed=False),
        GREEN: RagClock(72, elapsed=False),
    }
    assert RULES.hours == WorkingHours(time(9), time(17), frozenset(range(5)), frozenset())
    assert RULES.grace == timedelta(hours=24)
    assert RULES.rereferral_months == 12


# Deadlines with the default rules -----------------------------------------------------

DEADLINES: list[tuple[str, Rag, datetime, datetime]] = [
    # (story, rating, received, due in UTC)
    # given a contact on Tuesday 16 June 2026 at 16:00 BST (15:00 UTC) ...
    # ... Red runs on into the evening: 20:00 BST.
    ("evening: red", RED, london(2026, 6, 16, 16), utc(2026, 6, 16, 19)),
    # ... Amber: Tue 1h + Wed 8 + Thu 8 + Fri 7 = 24, the third working day after at 16:00.
    ("evening: amber", AMBER, london(2026, 6, 16, 16), utc(2026, 6, 19, 15)),
    # ... Green: Tue 1h + 8 full days (Wed 17 to Fri 26) + Mon 29 7h, the ninth working day
    # after at 16:00.
    ("evening: green", GREEN, london(2026, 6, 16, 16), utc(2026, 6, 29, 15)),
    # given a contact on Friday 12 June 2026 at 16:00 BST ...
    ("weekend: red", RED, london(2026, 6, 12, 16), utc(2026, 6, 12, 19)),
    # ... Amber: Fri 1h, the weekend does not count, Mon 8 + Tue 8 + Wed 7.
    ("weekend: amber", AMBER, london(2026, 6, 12, 16), utc(2026, 6, 17, 15)),
    # ... Green: Fri 1h + Mon 15 to Wed 24 (8 days) + Thu 25 7h.
    ("weekend: green", GREEN, london(2026, 6, 12, 16), utc(2026, 6, 25, 15)),
    # given a contact on Thursday 24 December 2026 at 16:00 GMT: Friday 25th (Christmas)
    # and Monday 28th (Boxing Day's substitute) are closed, as is Friday 1 January ...
    ("christmas: red", RED, utc(2026, 12, 24, 16), utc(2026, 12, 24, 20)),
    # ... Amber: Thu 1h + Tue 29 8 + Wed 30 8 + Thu 31 7.
    ("christmas: amber", AMBER, utc(2026, 12, 24, 16), utc(2026, 12, 31, 16)),
    # ... Green: Thu 1h + 29th-31st (24) + Mon 4 to Fri 8 January (40) + Mon 11 7h.
    ("christmas: green", GREEN, utc(2026, 12, 24, 16), utc(2027, 1, 11, 16)),
    # A contact on Christmas Day starts counting at Tuesday 29th's opening: 3 full days.
    ("christmas day: amber", AMBER, london(2026, 12, 25, 10), utc(2026, 12, 31, 17)),
    # given a contact on Thursday 25 March 2027 at 16:00 GMT: Good Friday 26th and Easter
    # Monday 29th are closed, and the clocks go forward on Sunday 28th ...
    ("easter: red", RED, london(2027, 3, 25, 16), utc(2027, 3, 25, 20)),
    # ... Amber: Thu 1h + Tue 30 8 + Wed 31 8 + Thu 1 April 7h to 16:00 BST.
    ("easter: amber", AMBER, london(2027, 3, 25, 16), utc(2027, 4, 1, 15)),
    # ... Green: Thu 1h + Tue 30 March to Fri 2 April (32) + Mon 5 to Thu 8 (32) + Fri 9 7h.
    ("easter: green", GREEN, london(2027, 3, 25, 16), utc(2027, 4, 9, 15)),
    # given a contact on Saturday 13 June 2026 at 22:00 BST (outside working hours) ...
    # ... Red runs through the night: 02:00 BST on Sunday.
    ("saturday night: red", RED, london(2026, 6, 13, 22), utc(2026, 6, 14, 1)),
    # ... Amber starts at Monday's opening: Mon, Tue, Wed in full, due at Wednesday's closing.
    ("saturday night: amber", AMBER, london(2026, 6, 13, 22), utc(2026, 6, 17, 16)),
    # ... Green: nine full days, Mon 15 to Thu 25, due at Thursday's closing.
    ("saturday night: green", GREEN, london(2026, 6, 13, 22), utc(2026, 6, 25, 16)),
    # given a contact on Tuesday 16 June 2026 at 07:00 BST, before opening ...
    ("07:00: red", RED, london(2026, 6, 16, 7), utc(2026, 6, 16, 10)),
    # ... Amber starts at 09:00: Tue, Wed, Thu in full.
    ("07:00: amber", AMBER, london(2026, 6, 16, 7), utc(2026, 6, 18, 16)),
    # ... Green: Tue 16 to Fri 19 (4 days) + Mon 22 to Fri 26 (5 days).
    ("07:00: green", GREEN, london(2026, 6, 16, 7), utc(2026, 6, 26, 16)),
    # A contact at closing time counts from the next opening: Wed, Thu, Fri in full.
    ("at closing: amber", AMBER, london(2026, 6, 16, 17), utc(2026, 6, 19, 16)),
    # Red at Friday 22:00 (GMT, so UTC) is due on Saturday at 02:00.
    ("friday night: red", RED, utc(2027, 1, 8, 22), utc(2027, 1, 9, 2)),
    # ... and in summer, Friday 22:00 BST is 21:00 UTC: due Saturday 01:00 UTC.
    ("friday night bst: red", RED, london(2026, 6, 12, 22), utc(2026, 6, 13, 1)),
    # given a contact on Friday 23 October 2026 at 15:00 BST (14:00 UTC); the clocks go
    # back on Sunday 25th ...
    # ... Red: four real hours, 19:00 BST.
    ("clocks back: red", RED, london(2026, 10, 23, 15), utc(2026, 10, 23, 18)),
    # ... Amber: Fri 2h (to 17:00 BST) + Mon 26 8 + Tue 27 8 + Wed 28 6h to 15:00 GMT.
    ("clocks back: amber", AMBER, london(2026, 10, 23, 15), utc(2026, 10, 28, 15)),
    # ... Green: Fri 2h + Mon 26 October to Wed 4 November (8 days) + Thu 5 6h.
    ("clocks back: green", GREEN, london(2026, 10, 23, 15), utc(2026, 11, 5, 15)),
    # Red over the change itself: Saturday 23:00 BST (22:00 UTC) + 4 real hours is 02:00
    # UTC, which London's clocks show as 02:00 GMT, three wall-clock hours later.
    ("clocks back overnight: red", RED, london(2026, 10, 24, 23), utc(2026, 10, 25, 2)),
]


@pytest.mark.parametrize(
    ("rag", "received", "due"),
    [case[1:] for case in DEADLINES],
    ids=[case[0] for case in DEADLINES],
)
def test_deadline(rag: Rag, received: datetime, due: datetime) -> None:
    result = RULES.deadline(rag, received)
    assert result == due
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # From Monday's opening: Mon 15 to Fri 19 and Mon 22 to Thu 25 June 2026, nine
        # eight-hour days, due at the ninth day's closing (17:00 BST).
        (london(2026, 6, 15, 9), utc(2026, 6, 25, 16)),
        # From Wednesday 12:00 BST: the ninth working day after, at 12:00 BST.
        (london(2026, 6, 17, 12), utc(2026, 6, 30, 11)),
    ],
)
def test_green_is_nine_working_days_of_eight_hours(received: datetime, due: datetime) -> None:
    # given a Green contact, when its deadline is set, then 72 working hours are nine
    # working days, not three calendar days
    deadline = RULES.deadline(GREEN, received)
    assert deadline == due
    assert RULES.time_left(GREEN, deadline, received) == timedelta(hours=72)
    assert deadline - received > timedelta(days=9)


@pytest.mark.parametrize("rag", list(Rag))
def test_a_naive_receipt_is_refused(rag: Rag) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        RULES.deadline(rag, datetime(2026, 6, 16, 9))  # noqa: DTZ001


# Configured clocks -------------------------------------------------------------------

CHRISTMAS_CLOSED = MashRules(
    hours=WorkingHours(extra_closures=frozenset({date(2026, 12, 29), date(2026, 12, 30)}))
)
SIX_LONG_DAYS = MashRules(
    hours=WorkingHours(opens=time(8, 30), closes=time(18), weekdays=frozenset(range(6)))
)
SHORT_CLOCKS = MashRules(
    clocks=clocks(RagClock(2, elapsed=True), RagClock(16), RagClock(40)),
)
AMBER_ELAPSED = MashRules(
    clocks=clocks(RagClock(4, elapsed=True), RagClock(24, elapsed=True), RagClock(72)),
)
NOTHING_ELAPSED = MashRules(clocks=clocks(RagClock(4), RagClock(24), RagClock(72)))

CONFIGURED: list[tuple[str, MashRules, Rag, datetime, datetime]] = [
    # (story, rules, rating, received, due in UTC)
    # given 29 and 30 December 2026 closed as well, a contact on Thursday 24th 16:00 GMT:
    # Amber is Thu 1h + Thu 31 8 + (Fri 1 January a bank holiday) Mon 4 8 + Tue 5 7.
    ("closures: amber", CHRISTMAS_CLOSED, AMBER, utc(2026, 12, 24, 16), utc(2027, 1, 5, 16)),
    # ... Green: Thu 1h + Thu 31 8 + Mon 4 to Fri 8 (40) + Mon 11 8 + Tue 12 8 + Wed 13 7.
    ("closures: green", CHRISTMAS_CLOSED, GREEN, utc(2026, 12, 24, 16), utc(2027, 1, 13, 16)),
    # ... and Red is unaffected.
    ("closures: red", CHRISTMAS_CLOSED, RED, utc(2026, 12, 24, 16), utc(2026, 12, 24, 20)),
    # given 08:30-18:00 Monday to Saturday, a contact on Friday 12 June 2026 at 16:00 BST:
    # Fri 2h + Sat 9.5 + Mon 9.5 + Tue 3h from 08:30, so 11:30 BST.
    (
        "six long days: amber",
        SIX_LONG_DAYS,
        AMBER,
        london(2026, 6, 12, 16),
        utc(2026, 6, 16, 10, 30),
    ),
    # ... a contact at 08:00 on Tuesday 16th starts at 08:30: Tue 9.5 + Wed 9.5 + Thu 5h.
    (
        "six long days: before opening",
        SIX_LONG_DAYS,
        AMBER,
        london(2026, 6, 16, 8),
        utc(2026, 6, 18, 12, 30),
    ),
    # given Red 2, Amber 16, Green 40 hours, a contact on Tuesday 16 June 2026 at 16:00 BST:
    ("short clocks: red", SHORT_CLOCKS, RED, london(2026, 6, 16, 16), utc(2026, 6, 16, 17)),
    # ... Amber: Tue 1h + Wed 8 + Thu 7.
    ("short clocks: amber", SHORT_CLOCKS, AMBER, london(2026, 6, 16, 16), utc(2026, 6, 18, 15)),
    # ... Green: Tue 1h + Wed 17 to Mon 22 (32) + Tue 23 7h.
    ("short clocks: green", SHORT_CLOCKS, GREEN, london(2026, 6, 16, 16), utc(2026, 6, 23, 15)),
    # given Amber configured to run elapsed, Friday 16:00 BST + 24 real hours is Saturday.
    ("amber elapsed", AMBER_ELAPSED, AMBER, london(2026, 6, 12, 16), utc(2026, 6, 13, 15)),
    # ... while Green still counts working hours.
    ("amber elapsed: green", AMBER_ELAPSED, GREEN, london(2026, 6, 12, 16), utc(2026, 6, 25, 15)),
    # given Red configured to count working hours, Friday 16:00 BST is Fri 1h + Mon 3h.
    ("red in working hours", NOTHING_ELAPSED, RED, london(2026, 6, 12, 16), utc(2026, 6, 15, 11)),
]


@pytest.mark.parametrize(
    ("rules", "rag", "received", "due"),
    [case[1:] for case in CONFIGURED],
    ids=[case[0] for case in CONFIGURED],
)
def test_deadline_with_configured_rules(
    rules: MashRules, rag: Rag, received: datetime, due: datetime
) -> None:
    result = rules.deadline(rag, received)
    assert result == due
    assert result.tzinfo is UTC


def test_red_in_six_long_days_is_still_elapsed() -> None:
    # given different opening hours, when a Red contact arrives on Saturday night, then its
    # clock still runs through the night (22:00 BST + 4h = 02:00 BST, 01:00 UTC)
    assert SIX_LONG_DAYS.deadline(RED, london(2026, 6, 13, 22)) == utc(2026, 6, 14, 1)


# Time left ------------------------------------------------------------------------------

TIME_LEFT: list[tuple[str, MashRules, Rag, datetime, datetime, timedelta]] = [
    # (story, rules, rating, deadline, now, time left)
    # Friday 17:00 BST, due Monday 10:00 BST: only Monday 09:00-10:00 counts.
    (
        "amber over the weekend",
        RULES,
        AMBER,
        london(2026, 6, 15, 10),
        london(2026, 6, 12, 17),
        timedelta(hours=1),
    ),
    # Amber received Friday 16:00 BST is due Wednesday 16:00 BST: all 24 hours are left.
    (
        "amber at receipt",
        RULES,
        AMBER,
        utc(2026, 6, 17, 15),
        london(2026, 6, 12, 16),
        timedelta(hours=24),
    ),
    (
        "amber at the deadline",
        RULES,
        AMBER,
        utc(2026, 6, 17, 15),
        utc(2026, 6, 17, 15),
        timedelta(0),
    ),
    # Overdue: due Friday 16:00 BST, now Monday 10:30 BST: Fri 1h + Mon 1.5h of working time
    # late (not the 66.5 hours on the wall clock).
    (
        "amber overdue",
        RULES,
        AMBER,
        london(2026, 6, 12, 16),
        london(2026, 6, 15, 10, 30),
        -timedelta(hours=2, minutes=30),
    ),
    # Due Friday 16:00 BST, now Sunday: one working hour late, however long the weekend.
    (
        "amber overdue at the weekend",
        RULES,
        AMBER,
        london(2026, 6, 12, 16),
        london(2026, 6, 14, 12),
        -timedelta(hours=1),
    ),
    # Green on Saturday, due Tuesday 11:00 BST: Monday 8h + Tuesday 2h.
    ("green", RULES, GREEN, london(2026, 6, 16, 11), london(2026, 6, 13, 12), timedelta(hours=10)),
    # Red on Friday 22:00 UTC, due Saturday 02:00 UTC: four plain hours, none of them working.
    ("red overnight", RULES, RED, utc(2027, 1, 9, 2), utc(2027, 1, 8, 22), timedelta(hours=4)),
    # Red due Saturday 02:00 UTC, now Monday 09:00 UTC: 2 days 7 hours late.
    (
        "red overdue",
        RULES,
        RED,
        utc(2027, 1, 9, 2),
        utc(2027, 1, 11, 9),
        -timedelta(days=2, hours=7),
    ),
    # Red in BST with a UTC deadline: 21:30 BST is 20:30 UTC; 30 minutes to 21:00 UTC.
    (
        "red mixed zones",
        RULES,
        RED,
        utc(2026, 6, 16, 21),
        london(2026, 6, 16, 21, 30),
        timedelta(minutes=30),
    ),
    # Configured elapsed Amber counts plain time: Friday 17:00 to Monday 10:00 BST.
    (
        "amber elapsed",
        AMBER_ELAPSED,
        AMBER,
        london(2026, 6, 15, 10),
        london(2026, 6, 12, 17),
        timedelta(hours=65),
    ),
    # Red counting working hours: Friday 17:00 to Monday 10:00 BST is one working hour.
    (
        "red in working hours",
        NOTHING_ELAPSED,
        RED,
        london(2026, 6, 15, 10),
        london(2026, 6, 12, 17),
        timedelta(hours=1),
    ),
]


@pytest.mark.parametrize(
    ("rules", "rag", "deadline", "now", "expected"),
    [case[1:] for case in TIME_LEFT],
    ids=[case[0] for case in TIME_LEFT],
)
def test_time_left(
    rules: MashRules, rag: Rag, deadline: datetime, now: datetime, expected: timedelta
) -> None:
    assert rules.time_left(rag, deadline, now) == expected


# Re-referrals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("months", "received", "since"),
    [
        (12, utc(2027, 6, 15, 10), utc(2026, 6, 15, 10)),
        # A leap day has no counterpart a year earlier: the month's last day is used.
        (12, utc(2028, 2, 29, 12), utc(2027, 2, 28, 12)),
        (12, utc(2027, 1, 1, 0, 30), utc(2026, 1, 1, 0, 30)),
        # Calendar months, London wall clock kept: 10:00 BST a year before.
        (12, london(2027, 6, 15, 10), utc(2026, 6, 15, 9)),
        (6, utc(2027, 8, 31, 10), utc(2027, 2, 28, 10)),
        (6, utc(2027, 6, 15, 10), utc(2026, 12, 15, 10)),
        (1, utc(2027, 3, 31, 10), utc(2027, 2, 28, 10)),
        (24, utc(2028, 2, 29, 12), utc(2026, 2, 28, 12)),
        (48, utc(2028, 2, 29, 12), utc(2024, 2, 29, 12)),
    ],
)
def test_rereferral_since(months: int, received: datetime, since: datetime) -> None:
    # given a contact at `received`, when looking for previous contacts, then those from
    # `since` on count
    rules = MashRules(rereferral_months=months)
    assert rules.rereferral_since(received) == since


def test_rereferral_default_is_twelve_months() -> None:
    assert RULES.rereferral_since(utc(2028, 2, 29, 12)) == utc(2027, 2, 28, 12)


# Configuration from the environment -------------------------------------------------------


def test_from_env_defaults() -> None:
    assert MashRules.from_env({}) == MashRules()
    assert MashRules.from_env({"UNRELATED": "x"}) == MashRules()


FROM_ENV: list[tuple[str, dict[str, str], MashRules]] = [
    # (story, environment, rules)
    (
        "rag hours",
        {"HUB_MASH_RAG_HOURS": "red=2,amber=16,green=40"},
        MashRules(clocks=clocks(RagClock(2, elapsed=True), RagClock(16), RagClock(40))),
    ),
    (
        "rag hours: one rating, any case, spaces and fractions",
        {"HUB_MASH_RAG_HOURS": " AMBER = 30.5 "},
        MashRules(clocks=clocks(RagClock(4, elapsed=True), RagClock(30.5), RagClock(72))),
    ),
    (
        "elapsed: red and amber",
        {"HUB_MASH_ELAPSED": "red,amber"},
        MashRules(
            clocks=clocks(RagClock(4, elapsed=True), RagClock(24, elapsed=True), RagClock(72))
        ),
    ),
    (
        "elapsed: empty means none",
        {"HUB_MASH_ELAPSED": ""},
        MashRules(clocks=clocks(RagClock(4), RagClock(24), RagClock(72))),
    ),
    (
        "elapsed: green only",
        {"HUB_MASH_ELAPSED": " Green "},
        MashRules(clocks=clocks(RagClock(4), RagClock(24), RagClock(72, elapsed=True))),
    ),
    (
        "rag hours and elapsed together",
        {"HUB_MASH_RAG_HOURS": "red=2", "HUB_MASH_ELAPSED": "amber"},
        MashRules(clocks=clocks(RagClock(2), RagClock(24, elapsed=True), RagClock(72))),
    ),
    (
        "opening hours",
        {"HUB_MASH_HOURS": "08:30-18:00"},
        MashRules(hours=WorkingHours(opens=time(8, 30), closes=time(18))),
    ),
    (
        "weekdays",
        {"HUB_MASH_WEEKDAYS": "0,1,2,3,4,5"},
        MashRules(hours=WorkingHours(weekdays=frozenset({0, 1, 2, 3, 4, 5}))),
    ),
    (
        "closures",
        {"HUB_MASH_CLOSURES": "2026-12-29, 2026-12-30"},
        MashRules(
            hours=WorkingHours(extra_closures=frozenset({date(2026, 12, 29), date(2026, 12, 30)}))
        ),
    ),
    (
        "hours, weekdays and closures together",
        {
            "HUB_MASH_HOURS": "08:30-18:00",
            "HUB_MASH_WEEKDAYS": "1,2,3",
            "HUB_MASH_CLOSURES": "2026-12-29",
        },
        MashRules(
            hours=WorkingHours(
                time(8, 30), time(18), frozenset({1, 2, 3}), frozenset({date(2026, 12, 29)})
            )
        ),
    ),
    ("grace of nothing", {"HUB_MASH_GRACE_HOURS": "0"}, MashRules(grace=timedelta(0))),
    ("grace in hours", {"HUB_MASH_GRACE_HOURS": "1.5"}, MashRules(grace=timedelta(minutes=90))),
    ("re-referral months", {"HUB_MASH_REREFERRAL_MONTHS": "6"}, MashRules(rereferral_months=6)),
    # An empty value keeps the default for these.
    ("empty rag hours", {"HUB_MASH_RAG_HOURS": ""}, MashRules()),
    ("empty opening hours", {"HUB_MASH_HOURS": ""}, MashRules()),
    ("empty weekdays", {"HUB_MASH_WEEKDAYS": ""}, MashRules()),
    ("empty closures", {"HUB_MASH_CLOSURES": ""}, MashRules()),
]


@pytest.mark.parametrize(
    ("env", "expected"),
    [case[1:] for case in FROM_ENV],
    ids=[case[0] for case in FROM_ENV],
)
def test_from_env(env: dict[str, str], expected: MashRules) -> None:
    rules = MashRules.from_env(env)
    assert rules == expected
    assert rules.hours == expected.hours
    assert dict(rules.clocks) == dict(expected.clocks)
    assert rules.grace == expected.grace
    assert rules.rereferral_months == expected.rereferral_months


def test_from_env_configures_the_deadlines() -> None:
    # given a MASH configured for 08:30-18:00 Monday to Saturday with Amber in 16 hours,
    # closed on Saturday 13 June 2026
    rules = MashRules.from_env(
        {
            "HUB_MASH_RAG_HOURS": "amber=16",
            "HUB_MASH_HOURS": "08:30-18:00",
            "HUB_MASH_WEEKDAYS": "0,1,2,3,4,5",
            "HUB_MASH_CLOSURES": "2026-06-13",
        }
    )
    # when an Amber contact arrives on Friday 12 June at 16:00 BST, then it is due after
    # Fri 2h + Mon 9.5 + Tue 4.5h from 08:30: Tuesday 13:00 BST
    assert rules.deadline(AMBER, london(2026, 6, 12, 16)) == utc(2026, 6, 16, 12)
    # and its clock is frozen outside working hours: at Friday's closing 14 hours are left
    assert rules.time_left(AMBER, utc(2026, 6, 16, 12), london(2026, 6, 12, 18)) == timedelta(
        hours=14
    )


MALFORMED: list[tuple[str, str]] = [
    # (variable, malformed value)
    ("HUB_MASH_RAG_HOURS", "purple=3"),
    ("HUB_MASH_RAG_HOURS", "red=soon"),
    ("HUB_MASH_RAG_HOURS", "red:4"),
    ("HUB_MASH_RAG_HOURS", "red=0"),
    ("HUB_MASH_RAG_HOURS", "amber=-8"),
    ("HUB_MASH_RAG_HOURS", "green=inf"),
    ("HUB_MASH_RAG_HOURS", "green=nan"),
    ("HUB_MASH_RAG_HOURS", "red=4,,green=72"),
    ("HUB_MASH_ELAPSED", "purple"),
    ("HUB_MASH_ELAPSED", "red;amber"),
    ("HUB_MASH_HOURS", "17:00-09:00"),
    ("HUB_MASH_HOURS", "12:00-12:00"),
    ("HUB_MASH_HOURS", "0900"),
    ("HUB_MASH_HOURS", "nine-five"),
    ("HUB_MASH_HOURS", "25:00-26:00"),
    ("HUB_MASH_HOURS", "08:00-17:00+01:00"),
    ("HUB_MASH_WEEKDAYS", "mon,tue"),
    ("HUB_MASH_WEEKDAYS", "7"),
    ("HUB_MASH_WEEKDAYS", "-1"),
    ("HUB_MASH_WEEKDAYS", "1.5"),
    ("HUB_MASH_WEEKDAYS", "1,,2"),
    ("HUB_MASH_CLOSURES", "29/12/2026"),
    ("HUB_MASH_CLOSURES", "2026-02-30"),
    ("HUB_MASH_CLOSURES", "tomorrow"),
    ("HUB_MASH_GRACE_HOURS", "-1"),
    ("HUB_MASH_GRACE_HOURS", "soon"),
    ("HUB_MASH_GRACE_HOURS", "nan"),
    ("HUB_MASH_GRACE_HOURS", "inf"),
    ("HUB_MASH_GRACE_HOURS", "1e20"),
    ("HUB_MASH_REREFERRAL_MONTHS", "0"),
    ("HUB_MASH_REREFERRAL_MONTHS", "-3"),
    ("HUB_MASH_REREFERRAL_MONTHS", "six"),
    ("HUB_MASH_REREFERRAL_MONTHS", "1.5"),
]


@pytest.mark.parametrize(("variable", "value"), MALFORMED)
def test_from_env_names_the_malformed_variable(variable: str, value: str) -> None:
    # given a malformed value, when the rules are read, then the error names the variable
    # but does not repeat the value (nor chain the exception that would)
    with pytest.raises(ValueError, match=variable) as raised:
        MashRules.from_env({variable: value})
    assert value not in str(raised.value)
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__


# Validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "hours", [0.0, -1.0, -0.5, 24 * 366 + 1, float("inf"), float("-inf"), float("nan")]
)
def test_rag_clock_refuses_impossible_hours(hours: float) -> None:
    with pytest.raises(ValueError, match="positive number of hours, at most"):
        RagClock(hours)


@pytest.mark.parametrize("hours", [0.5, 4.0, 72.0])
def test_rag_clock_accepts_positive_hours(hours: float) -> None:
    assert RagClock(hours).hours == hours


def test_rules_refuse_a_negative_grace() -> None:
    with pytest.raises(ValueError, match="grace"):
        MashRules(grace=-timedelta(seconds=1))
    assert MashRules(grace=timedelta(0)).grace == timedelta(0)


@pytest.mark.parametrize("months", [0, -1])
def test_rules_refuse_a_window_under_a_month(months: int) -> None:
    with pytest.raises(ValueError, match="re-referral"):
        MashRules(rereferral_months=months)


def test_rules_accept_a_one_month_window() -> None:
    assert MashRules(rereferral_months=1).rereferral_months == 1


@pytest.mark.parametrize("missing", list(Rag))
def test_rules_refuse_a_rating_without_a_clock(missing: Rag) -> None:
    partial = {rag: clock for rag, clock in DEFAULT_CLOCKS.items() if rag is not missing}
    with pytest.raises(ValueError, match="every RAG rating needs a clock"):
        MashRules(clocks=partial)


def test_a_rag_clock_longer_than_a_year_is_refused_at_start() -> None:
    # given a typo'd configuration: the server must refuse it, not overflow on a deadline
    with pytest.raises(ValueError, match="HUB_MASH_RAG_HOURS"):
        MashRules.from_env({"HUB_MASH_RAG_HOURS": "red=1e20"})
    assert RagClock(24 * 366).hours == 24 * 366


@pytest.mark.parametrize("name", ["HUB_MASH_GRACE_HOURS", "HUB_MASH_REREFERRAL_MONTHS"])
def test_an_empty_grace_or_window_means_the_default(name: str) -> None:
    assert MashRules.from_env({name: ""}) == MashRules()
