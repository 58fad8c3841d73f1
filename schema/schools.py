"""A school's calendar (term dates, closure days) for Operation Encompass deadlines."""

import datetime

import strawberry

from resolvers import schools as resolve
from resolvers.context import RequestContext


@strawberry.input
class TermInput:
    starts_on: datetime.date
    ends_on: datetime.date


@strawberry.input
class SetSchoolCalendarInput:
    since: datetime.date = strawberry.field(
        description="Terms starting and closures falling on or after this date are replaced."
    )
    terms: list[TermInput]
    closures: list[datetime.date] = strawberry.field(
        description="Days the school is closed in term time (INSET days, snow days)."
    )


@strawberry.type
class Term:
    starts_on: datetime.date
    ends_on: datetime.date


@strawberry.type(description="Your school's known terms and closure days from `since` on.")
class SchoolCalendar:
    terms: list[Term]
    closures: list[datetime.date]


async def set_school_calendar(
    info: strawberry.Info[RequestContext, None], input: SetSchoolCalendarInput
) -> SchoolCalendar:
    view = await resolve.set_calendar(
        info.context,
        since=input.since,
        terms=[(term.starts_on, term.ends_on) for term in input.terms],
        closures=input.closures,
    )
    return SchoolCalendar(
        terms=[Term(starts_on=s, ends_on=e) for s, e in view.terms], closures=view.closures
    )
