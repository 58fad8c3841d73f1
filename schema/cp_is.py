"""CP-IS style flags for unscheduled care."""

import datetime

import strawberry

from resolvers import cp_is as resolve
from resolvers.context import RequestContext
from schema.agencies import Agency
from schema.enums import Category


@strawberry.type(
    description="A child protection plan or looked-after flag, open or ended within 364 days."
)
class CpIsFlag:
    category: Category
    active: bool
    ended_on: datetime.date | None
    council: Agency = strawberry.field(description="The responsible council: contact it.")


async def cp_is_flags(
    info: strawberry.Info[RequestContext, None], nhs_number: str
) -> list[CpIsFlag]:
    views = await resolve.cp_is_flags(info.context, nhs_number=nhs_number)
    return views  # type: ignore[return-value]  # CpIsFlagView has CpIsFlag's fields
