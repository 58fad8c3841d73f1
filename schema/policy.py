"""The sharing policy: reading the version in force, granting and revoking (administrators)."""

import datetime

import strawberry

from policies.admin import Change, filter_grants
from policies.grants import Grant
from resolvers import policy as resolve
from resolvers.context import RequestContext
from resolvers.policy import PolicyView
from schema.enums import Action, AgencyKind, Category, Purpose, Role


@strawberry.type(
    description="A grant: a role, held in an agency of a kind, may take an action on a "
    "category of record for a purpose of use."
)
class PolicyGrant:
    role: Role
    agency_kind: AgencyKind
    category: Category
    action: Action
    purpose: Purpose
    rule_id: str = strawberry.field(description="The id decisions record for this grant.")


def _grant(grant: Grant) -> PolicyGrant:
    return PolicyGrant(
        role=grant.role,
        agency_kind=grant.agency_kind,
        category=grant.category,
        action=grant.action,
        purpose=grant.purpose,
        rule_id=grant.rule_id,
    )


def _grants(root: strawberry.Parent[PolicyView], role: Role | None = None) -> list[PolicyGrant]:
    return [_grant(grant) for grant in filter_grants(root.grants, role)]


@strawberry.type(description="A version of the sharing policy; the newest is in force.")
class PolicyState:
    version: str = strawberry.field(
        description="The policy's digest (sha256 of its sorted lines); pass it as "
        "expectedVersion when changing the policy."
    )
    created_at: datetime.datetime | None = strawberry.field(
        description="When this version was written; null for the default policy."
    )
    created_by: str | None = strawberry.field(
        description="Who wrote this version (display name); null for the default policy."
    )
    note: str | None = strawberry.field(description="Why; null for the default policy.")
    grants: list[PolicyGrant] = strawberry.field(
        resolver=_grants,
        description="The grants, by role, agency kind, category, action and purpose; "
        "optionally only those of one role.",
    )


@strawberry.input(description="One grant to add or revoke, and why.")
class PolicyChangeInput:
    role: Role
    agency_kind: AgencyKind
    category: Category
    action: Action
    purpose: Purpose
    note: str = strawberry.field(description="Why (5 to 500 characters); kept with the version.")
    expected_version: str | None = strawberry.field(
        default=None,
        description="The version you read; if the policy has changed since, VERSION_CONFLICT.",
    )


async def policy(info: strawberry.Info[RequestContext, None]) -> PolicyState:
    view = await resolve.read_policy(info.context)
    return view  # type: ignore[return-value]  # PolicyView has PolicyState's fields


async def _change(
    info: strawberry.Info[RequestContext, None], input: PolicyChangeInput, change: Change
) -> PolicyState:
    view = await resolve.change_policy(
        info.context,
        change=change,
        role=input.role,
        agency_kind=input.agency_kind,
        category=input.category,
        action=input.action,
        purpose=input.purpose,
        note=input.note,
        expected_version=input.expected_version,
    )
    return view  # type: ignore[return-value]  # PolicyView has PolicyState's fields


async def grant_policy(
    info: strawberry.Info[RequestContext, None], input: PolicyChangeInput
) -> PolicyState:
    return await _change(info, input, Change.GRANT)


async def revoke_policy(
    info: strawberry.Info[RequestContext, None], input: PolicyChangeInput
) -> PolicyState:
    return await _change(info, input, Change.REVOKE)
