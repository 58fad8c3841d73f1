"""Recording a statutory basis to share consent-based categories without consent."""

import datetime
import uuid

import strawberry

from resolvers import statutory as resolve
from resolvers.context import RequestContext
from schema.enums import Category, LawfulBasis
from schema.records import ChildRef


@strawberry.input
class StatutorySharingInput:
    child: ChildRef
    categories: list[Category] = strawberry.field(
        description="Consent-based categories (COUNCIL_EARLY_HELP, HEALTH_MENTAL_HEALTH)."
    )
    basis: LawfulBasis = strawberry.field(
        description="One of CHILDREN_ACT_1989_S17, CHILDREN_ACT_1989_S47, "
        "DPA_2018_SCH1_PARA18, CWS_ACT_2026_DUTY_TO_SHARE."
    )
    justification: str = strawberry.field(description="Why consent is not relied on (20+).")
    days: int = strawberry.field(default=resolve.DEFAULT_DAYS, description="1 to 90.")


@strawberry.type(description="Consent-based categories shared with your agency on a statute.")
class StatutorySharing:
    id: uuid.UUID
    categories: list[Category]
    basis: LawfulBasis
    created_at: datetime.datetime
    expires_at: datetime.datetime


async def record_statutory_sharing(
    info: strawberry.Info[RequestContext, None], input: StatutorySharingInput
) -> StatutorySharing:
    view = await resolve.record_statutory_sharing(
        info.context,
        nhs_number=input.child.nhs_number or None,
        hub_id=input.child.hub_id or None,
        categories=list(input.categories),
        basis=input.basis,
        justification=input.justification,
        days=input.days,
    )
    return view  # type: ignore[return-value]  # StatutorySharingView has its fields
