"""A school's calendar: its term dates and closure days from a date on, which set the
deadlines of its Operation Encompass notifications (``workflows.school_days``)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, delete, insert, select

from db import SchoolClosure, SchoolTerm
from resolvers.context import RequestContext
from resolvers.errors import HubError
from resolvers.sql import execute, fetch

MAX_TERMS = 12
MAX_CLOSURES = 60


@dataclass(frozen=True, slots=True)
class CalendarView:
    terms: list[tuple[date, date]]
    closures: list[date]


_DROP_TERMS = delete(SchoolTerm).where(
    SchoolTerm.agency_id == bindparam("agency_id"), SchoolTerm.starts_on >= bindparam("since")
)
_DROP_CLOSURES = delete(SchoolClosure).where(
    SchoolClosure.agency_id == bindparam("agency_id"),
    SchoolClosure.closed_on >= bindparam("since"),
)
_TERMS = (
    select(SchoolTerm.starts_on, SchoolTerm.ends_on)
    .where(SchoolTerm.agency_id == bindparam("agency_id"), SchoolTerm.ends_on >= bindparam("since"))
    .order_by(SchoolTerm.starts_on)
)
_CLOSURES = (
    select(SchoolClosure.closed_on)
    .where(
        SchoolClosure.agency_id == bindparam("agency_id"),
        SchoolClosure.closed_on >= bindparam("since"),
    )
    .order_by(SchoolClosure.closed_on)
)


async def set_calendar(
    ctx: RequestContext,
    *,
    since: date,
    terms: Sequence[tuple[date, date]],
    closures: Sequence[date],
) -> CalendarView:
    """Replace the caller's school's terms starting, and closures falling, on or after
    ``since`` (not in the past: past deadlines stay as they were computed)."""
    if since < ctx.today:
        raise HubError("INVALID_PERIOD", "since: is in the past", field="since")
    if len(terms) > MAX_TERMS or len(closures) > MAX_CLOSURES:
        raise HubError(
            "TOO_MANY_ITEMS",
            f"at most {MAX_TERMS} terms and {MAX_CLOSURES} closure days",
            field="terms",
        )
    ordered = sorted(terms)
    for i, (starts_on, ends_on) in enumerate(ordered):
        if starts_on < since or ends_on < starts_on:
            raise HubError(
                "INVALID_PERIOD",
                "terms: each starts on or after since and ends on or after it starts",
                field="terms",
            )
        if i and starts_on <= ordered[i - 1][1]:
            raise HubError("INVALID_PERIOD", "terms: terms overlap", field="terms")
    if any(day < since for day in closures):
        raise HubError("INVALID_PERIOD", "closures: before since", field="closures")
    agency_id = ctx.principal.agency_id
    await execute(ctx, _DROP_TERMS, agency_id=agency_id, since=since)
    await execute(ctx, _DROP_CLOSURES, agency_id=agency_id, since=since)
    connection = await ctx.session.connection()
    if ordered:
        await connection.execute(
            insert(SchoolTerm),
            [{"agency_id": agency_id, "starts_on": s, "ends_on": e} for s, e in ordered],
        )
    if closures:
        await connection.execute(
            insert(SchoolClosure),
            [{"agency_id": agency_id, "closed_on": day} for day in sorted(set(closures))],
        )
    return CalendarView(
        terms=[
            (row[0], row[1]) for row in await fetch(ctx, _TERMS, agency_id=agency_id, since=since)
        ],
        closures=[row[0] for row in await fetch(ctx, _CLOSURES, agency_id=agency_id, since=since)],
    )
