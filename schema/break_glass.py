"""Break-glass: opening a time-boxed override for one child."""

import datetime
import uuid

import strawberry

from resolvers import break_glass as resolve
from resolvers.context import RequestContext
from schema.enums import Purpose
from schema.records import ChildRef


@strawberry.input
class BreakGlassInput:
    child: ChildRef
    justification: str = strawberry.field(
        description="Why the relationship requirement must be overridden (20 to 2,000 "
        "characters); read by the owning agencies' and the DPO's reviewers."
    )
    hours: int = strawberry.field(default=resolve.DEFAULT_HOURS, description="1 to 8.")


@strawberry.type(description="An open break-glass session: access for the purpose declared.")
class BreakGlassAccess:
    id: uuid.UUID
    hub_id: str
    purpose: Purpose
    started_at: datetime.datetime
    expires_at: datetime.datetime


async def break_glass(
    info: strawberry.Info[RequestContext, None], input: BreakGlassInput
) -> BreakGlassAccess:
    view = await resolve.open_break_glass(
        info.context,
        nhs_number=input.child.nhs_number or None,
        hub_id=input.child.hub_id or None,
        justification=input.justification,
        hours=input.hours,
    )
    return view  # type: ignore[return-value]  # BreakGlassView has BreakGlassAccess's fields
