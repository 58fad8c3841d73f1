"""The MASH front door's rules: RAG deadlines, the grace period after closing, re-referrals.

A contact's clock runs from its receipt. Red runs outside working hours too (plain elapsed
time); Amber and Green count working time only (``WorkingHours``: opening hours, working
weekdays, England-and-Wales bank holidays and extra closure days). Every figure is
configurable from the environment (``MashRules.from_env``):

- ``HUB_MASH_RAG_HOURS``: ``red=4,amber=24,green=72``;
- ``HUB_MASH_ELAPSED``: the ratings whose clock runs outside working hours (``red``);
- ``HUB_MASH_HOURS``: opening hours, Europe/London (``09:00-17:00``);
- ``HUB_MASH_WEEKDAYS``: working weekdays, 0 = Monday (``0,1,2,3,4``);
- ``HUB_MASH_CLOSURES``: extra closure days besides bank holidays (``2026-12-29,2026-12-30``);
- ``HUB_MASH_GRACE_HOURS``: how long after closing an enquiry its MASH team keeps access to
  the children (``24``; ``0`` ends it at closing);
- ``HUB_MASH_REREFERRAL_MONTHS``: a child in a previous enquiry whose contact came this many
  months before is a re-referral (``12``).
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import MappingProxyType

from dateutil.relativedelta import relativedelta

from vocab.mash import Rag
from workflows.working_hours import WorkingHours, add_elapsed

#: A year of hours: more is a mistake, not a front-door deadline.
MAX_HOURS = 24 * 366


@dataclass(frozen=True, slots=True)
class RagClock:
    hours: float
    #: Runs outside working hours too (Red).
    elapsed: bool = False

    def __post_init__(self) -> None:
        if not math.isfinite(self.hours) or not 0 < self.hours <= MAX_HOURS:
            raise ValueError(f"a RAG clock needs a positive number of hours, at most {MAX_HOURS}")


DEFAULT_CLOCKS: Mapping[Rag, RagClock] = MappingProxyType(
    {
        Rag.RED: RagClock(4, elapsed=True),
        Rag.AMBER: RagClock(24),
        Rag.GREEN: RagClock(72),
    }
)


@dataclass(frozen=True, slots=True)
class MashRules:
    hours: WorkingHours = field(default_factory=WorkingHours)
    clocks: Mapping[Rag, RagClock] = field(default_factory=lambda: DEFAULT_CLOCKS)
    grace: timedelta = timedelta(hours=24)
    rereferral_months: int = 12

    def __post_init__(self) -> None:
        if set(self.clocks) != set(Rag):
            raise ValueError("every RAG rating needs a clock")
        if self.grace < timedelta(0):
            raise ValueError("the grace period cannot be negative")
        if self.rereferral_months < 1:
            raise ValueError("the re-referral window must be at least a month")

    def deadline(self, rag: Rag, received_at: datetime) -> datetime:
        """When partners' information is due for a contact received at ``received_at``."""
        clock = self.clocks[rag]
        if clock.elapsed:
            return add_elapsed(received_at, clock.hours)
        return self.hours.add(received_at, clock.hours)

    def time_left(self, rag: Rag, deadline: datetime, now: datetime) -> timedelta:
        """What is left of the clock at ``now``: working time for a working-hours clock,
        plain time for Red; negative once the deadline has passed."""
        if self.clocks[rag].elapsed:
            return deadline - now
        if now <= deadline:
            return self.hours.elapsed(now, deadline)
        return -self.hours.elapsed(deadline, now)

    def rereferral_since(self, received_at: datetime) -> datetime:
        """Contacts received from this instant on count towards a re-referral."""
        return received_at - relativedelta(months=self.rereferral_months)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "MashRules":
        """Rules from ``HUB_MASH_*`` variables; a malformed value raises ``ValueError``
        naming the variable."""
        defaults = cls()
        hours = defaults.hours
        try:
            clocks = dict(defaults.clocks)
            if raw := env.get("HUB_MASH_RAG_HOURS"):
                for part in raw.split(","):
                    name, _, value = part.partition("=")
                    rag = Rag(name.strip().lower())
                    clocks[rag] = RagClock(float(value), clocks[rag].elapsed)
            if (raw := env.get("HUB_MASH_ELAPSED")) is not None:
                elapsed = {Rag(name.strip().lower()) for name in raw.split(",") if name.strip()}
                clocks = {rag: RagClock(c.hours, rag in elapsed) for rag, c in clocks.items()}
        except ValueError:
            raise ValueError(
                "HUB_MASH_RAG_HOURS / HUB_MASH_ELAPSED: expected e.g. red=4,amber=24,green=72 "
                "and red"
            ) from None
        try:
            if raw := env.get("HUB_MASH_HOURS"):
                opens, _, closes = raw.partition("-")
                hours = WorkingHours(
                    time.fromisoformat(opens.strip()),
                    time.fromisoformat(closes.strip()),
                    hours.weekdays,
                    hours.extra_closures,
                )
        except ValueError:
            raise ValueError("HUB_MASH_HOURS: expected e.g. 09:00-17:00") from None
        try:
            if raw := env.get("HUB_MASH_WEEKDAYS"):
                weekdays = frozenset(int(day) for day in raw.split(","))
                hours = WorkingHours(hours.opens, hours.closes, weekdays, hours.extra_closures)
        except ValueError:
            raise ValueError("HUB_MASH_WEEKDAYS: expected e.g. 0,1,2,3,4 (0 = Monday)") from None
        try:
            if raw := env.get("HUB_MASH_CLOSURES"):
                closures = frozenset(date.fromisoformat(day.strip()) for day in raw.split(","))
                hours = WorkingHours(hours.opens, hours.closes, hours.weekdays, closures)
        except ValueError:
            raise ValueError("HUB_MASH_CLOSURES: expected ISO dates, comma-separated") from None
        try:
            grace = timedelta(hours=float(env.get("HUB_MASH_GRACE_HOURS") or "24"))
            months = int(env.get("HUB_MASH_REREFERRAL_MONTHS") or "12")
            return cls(hours, MappingProxyType(clocks), grace, months)
        except (ValueError, OverflowError):
            raise ValueError(
                "HUB_MASH_GRACE_HOURS / HUB_MASH_REREFERRAL_MONTHS: expected a non-negative "
                "number of hours and a whole number of months"
            ) from None
