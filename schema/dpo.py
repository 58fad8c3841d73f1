"""The DPO's audit queries and the break-glass review (DPOs and Caldicott guardians, purpose
``audit.dpo``); ``resolvers.dpo`` answers them."""

import datetime
import uuid
from typing import Annotated

import strawberry

from resolvers import dpo as resolve
from resolvers.context import RequestContext
from schema.agencies import Agency
from schema.enums import (
    Action,
    BreakGlassReviewOutcome,
    Category,
    LawfulBasis,
    Outcome,
    Purpose,
    Role,
)

Since = Annotated[
    datetime.datetime | None,
    strawberry.argument(description="From this time (inclusive); default: the beginning."),
]
Until = Annotated[
    datetime.datetime | None,
    strawberry.argument(description="Until this time (exclusive); default: now."),
]
First = Annotated[int, strawberry.argument(description=f"1 to {resolve.MAX_FIRST}.")]
After = Annotated[
    str | None,
    strawberry.argument(description="The endCursor of the previous page, for the next one."),
]


@strawberry.type(description="An action on a category that the policy allowed.")
class AuditGrant:
    action: Action
    category: Category
    rule: str | None = strawberry.field(description="The policy rule that granted it.")
    lawful_basis: LawfulBasis | None


@strawberry.type(description="An action on a category that the policy refused, and why.")
class AuditRefusal:
    action: Action
    category: Category
    reason: str = strawberry.field(
        description="The decision's reason, e.g. no_relationship, consent_required, no_grant."
    )


@strawberry.type(description="A user of your agency, as the audit log names them.")
class AuditUser:
    id: int
    display_name: str


@strawberry.type(description="One access to a child: who, why, under which basis, and what.")
class AuditChildAccess:
    event_id: str
    occurred_at: datetime.datetime
    agency: Agency
    user_name: str | None = strawberry.field(
        description="The user's name when they belong to your agency; otherwise null (ask "
        "that agency's DPO)."
    )
    roles: list[Role]
    purpose: Purpose | None
    lawful_bases: list[LawfulBasis]
    granted: list[AuditGrant]
    refused: list[AuditRefusal]
    access_basis: str = strawberry.field(
        description="What made the access legitimate: a relationship kind (allocation, "
        "enrolment, ...), break_glass, cp_is_flag, audit_duty, or none (refused)."
    )
    disclosed: bool = strawberry.field(description="Something about the child was disclosed.")
    break_glass: bool
    outcome: Outcome
    operation_name: str | None
    request_id: str


@strawberry.type(description="Accesses to a child, newest first.")
class AuditChildAccessPage:
    items: list[AuditChildAccess]
    end_cursor: str | None = strawberry.field(description="Pass as after for the next page.")
    has_next_page: bool


@strawberry.type(description="A child an audited operation touched, and what was decided.")
class AuditChildTouched:
    hub_id: str | None
    access_basis: str = strawberry.field(
        description="A relationship kind, break_glass, cp_is_flag, audit_duty, or none."
    )
    disclosed: bool
    granted: list[AuditGrant]
    refused: list[AuditRefusal]


@strawberry.type(description="One audited operation by a user of your agency.")
class AuditEntry:
    event_id: str
    occurred_at: datetime.datetime
    user: AuditUser | None
    roles: list[Role]
    operation_type: str | None
    operation_name: str | None
    purpose: Purpose | None
    lawful_bases: list[LawfulBasis]
    outcome: Outcome
    error_codes: list[str]
    break_glass: bool
    request_id: str
    refused: list[AuditRefusal] = strawberry.field(
        description="Refusals that concerned no child (no purpose, no grant)."
    )
    children: list[AuditChildTouched]


@strawberry.type(description="Audited operations, newest first.")
class AuditEntryPage:
    items: list[AuditEntry]
    end_cursor: str | None = strawberry.field(description="Pass as after for the next page.")
    has_next_page: bool


@strawberry.type(description="A break-glass session opened in your agency, and its review.")
class BreakGlassReview:
    id: uuid.UUID
    user: AuditUser = strawberry.field(description="Who opened it.")
    hub_id: str | None
    purpose: Purpose
    justification: str
    started_at: datetime.datetime
    expires_at: datetime.datetime
    reviewed_at: datetime.datetime | None
    reviewed_by: AuditUser | None
    review_outcome: BreakGlassReviewOutcome | None
    review_note: str | None


@strawberry.input(description="The outcome of reviewing a break-glass session.")
class ReviewBreakGlassInput:
    id: uuid.UUID
    outcome: BreakGlassReviewOutcome
    note: str | None = strawberry.field(
        default=None,
        description=f"Up to {resolve.MAX_NOTE} characters; required unless APPROPRIATE. "
        "Kept with the session, never in the audit event.",
    )


async def accesses_to_child(
    info: strawberry.Info[RequestContext, None],
    nhs_number: str | None = None,
    hub_id: str | None = None,
    since: Since = None,
    until: Until = None,
    first: First = resolve.DEFAULT_FIRST,
    after: After = None,
) -> AuditChildAccessPage:
    page = await resolve.accesses_to_child(
        info.context,
        nhs_number=nhs_number,
        hub_id=hub_id,
        since=since,
        until=until,
        first=first,
        after=after,
    )
    return page  # type: ignore[return-value]  # PageView has AuditChildAccessPage's fields


async def user_activity(
    info: strawberry.Info[RequestContext, None],
    user_id: int | None = None,
    subject: str | None = None,
    since: Since = None,
    until: Until = None,
    first: First = resolve.DEFAULT_FIRST,
    after: After = None,
) -> AuditEntryPage:
    page = await resolve.user_activity(
        info.context,
        user_id=user_id,
        subject=subject,
        since=since,
        until=until,
        first=first,
        after=after,
    )
    return page  # type: ignore[return-value]  # PageView has AuditEntryPage's fields


async def audit_refusals(
    info: strawberry.Info[RequestContext, None],
    since: Since = None,
    until: Until = None,
    first: First = resolve.DEFAULT_FIRST,
    after: After = None,
) -> AuditEntryPage:
    page = await resolve.audit_refusals(
        info.context, since=since, until=until, first=first, after=after
    )
    return page  # type: ignore[return-value]  # PageView has AuditEntryPage's fields


async def accesses_without_relationship(
    info: strawberry.Info[RequestContext, None],
    since: Since = None,
    until: Until = None,
    first: First = resolve.DEFAULT_FIRST,
    after: After = None,
) -> AuditEntryPage:
    page = await resolve.accesses_without_relationship(
        info.context, since=since, until=until, first=first, after=after
    )
    return page  # type: ignore[return-value]  # PageView has AuditEntryPage's fields


async def break_glass_reviews(
    info: strawberry.Info[RequestContext, None],
    awaiting: Annotated[
        bool,
        strawberry.argument(description="true: the review queue; false: reviews done."),
    ] = True,
    since: Annotated[
        datetime.datetime | None,
        strawberry.argument(description="Sessions started from this time; default: all."),
    ] = None,
    until: Annotated[
        datetime.datetime | None,
        strawberry.argument(description="Sessions started before this time; default: now."),
    ] = None,
    first: First = resolve.DEFAULT_FIRST,
) -> list[BreakGlassReview]:
    views = await resolve.break_glass_reviews(
        info.context, awaiting=awaiting, since=since, until=until, first=first
    )
    return views  # type: ignore[return-value]  # BreakGlassReviewView has the fields


async def review_break_glass(
    info: strawberry.Info[RequestContext, None], input: ReviewBreakGlassInput
) -> BreakGlassReview:
    view = await resolve.review_break_glass(
        info.context, session_id=input.id, outcome=input.outcome, note=input.note
    )
    return view  # type: ignore[return-value]  # BreakGlassReviewView has the fields
