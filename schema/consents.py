"""Consent (record, withdraw) and decisions not to share: types, inputs and mutations."""

import datetime
import uuid
from typing import Any

import strawberry

from resolvers import consents as resolve
from resolvers.context import RequestContext
from schema.enums import Category, Purpose
from schema.records import ChildRef
from vocab.consent import ConsentGiver, NotSharingReason

strawberry.enum(ConsentGiver, description="Who gave consent.")
strawberry.enum(NotSharingReason, description="Why an agency decided not to share.")


@strawberry.type(
    description="Consent to share, scoped to categories, purposes and (optionally) agencies."
)
class Consent:
    id: uuid.UUID
    given_by: ConsentGiver
    categories: list[Category]
    purposes: list[Purpose]
    agencies: list[str] | None = strawberry.field(
        description="Codes of the agencies it extends to; null: every partner agency."
    )
    starts_on: datetime.date
    expires_on: datetime.date | None
    withdrawn_at: datetime.datetime | None = strawberry.field(
        description="When it was withdrawn; from then on it shares nothing."
    )
    recorded_at: datetime.datetime


@strawberry.type(description="Your agency's decision not to share a category about a child.")
class SharingDecision:
    id: uuid.UUID
    category: Category
    reason: NotSharingReason
    justification: str
    decided_at: datetime.datetime


@strawberry.input
class RecordConsentInput:
    child: ChildRef
    given_by: ConsentGiver = strawberry.field(
        description="A parent with parental responsibility, or the child if competent."
    )
    categories: list[Category] = strawberry.field(
        description="The categories it covers: at least one, none repeated."
    )
    purposes: list[Purpose] = strawberry.field(
        description="The purposes of use it covers: at least one, none repeated."
    )
    starts_on: datetime.date
    expires_on: datetime.date | None = strawberry.field(
        default=None, description="The last day it is in force; null: until withdrawn."
    )
    agencies: list[str] | None = strawberry.field(
        default=None,
        description="Codes of the partner agencies it extends to; null: every partner agency.",
    )


@strawberry.input
class WithdrawConsentInput:
    id: uuid.UUID


@strawberry.input
class RecordDecisionNotToShareInput:
    child: ChildRef
    category: Category
    reason: NotSharingReason
    justification: str = strawberry.field(
        description="Why (20 to 2,000 characters); kept with the decision, never logged."
    )


def _unset(value: Any) -> Any:
    return None if value is strawberry.UNSET else value


async def record_consent(
    info: strawberry.Info[RequestContext, None], input: RecordConsentInput
) -> Consent:
    view = await resolve.record_consent(
        info.context,
        nhs_number=_unset(input.child.nhs_number),
        hub_id=_unset(input.child.hub_id),
        given_by=input.given_by,
        categories=input.categories,
        purposes=input.purposes,
        agencies=input.agencies,
        starts_on=input.starts_on,
        expires_on=input.expires_on,
    )
    return view  # type: ignore[return-value]  # ConsentView has Consent's fields


async def withdraw_consent(
    info: strawberry.Info[RequestContext, None], input: WithdrawConsentInput
) -> Consent:
    view = await resolve.withdraw_consent(info.context, consent_id=input.id)
    return view  # type: ignore[return-value]  # ConsentView has Consent's fields


async def record_decision_not_to_share(
    info: strawberry.Info[RequestContext, None], input: RecordDecisionNotToShareInput
) -> SharingDecision:
    view = await resolve.record_decision_not_to_share(
        info.context,
        nhs_number=_unset(input.child.nhs_number),
        hub_id=_unset(input.child.hub_id),
        category=input.category,
        reason=input.reason,
        justification=input.justification,
    )
    return view  # type: ignore[return-value]  # SharingDecisionView has SharingDecision's fields
