"""Finding a child by the consistent identifier (NHS number) or the hub id."""

from dataclasses import dataclass

from sqlalchemy import bindparam, select

from db import Child
from identifiers import InvalidIdentifier, validate_hub_id, validate_nhs_number
from policies import Facts
from resolvers.access import NOT_FOUND, decide, refusal, require_grant
from resolvers.context import RequestContext
from resolvers.errors import HubError
from resolvers.sql import access_params, break_glass_in_force, fetch, relationship_in_force
from resolvers.views import ChildView
from vocab.actions import Action
from vocab.categories import Category
from vocab.relationships import RelationshipKind

_SELECT_CHILD = select(
    Child.id,
    Child.hub_id,
    Child.nhs_number,
    Child.given_name,
    Child.family_name,
    Child.date_of_birth,
    Child.sex,
    relationship_in_force(Child.id).label("relationship"),
    break_glass_in_force(Child.id).label("break_glass"),
    Child.merged_into_id,
)
_BY_NHS_NUMBER = _SELECT_CHILD.where(Child.nhs_number == bindparam("value"))
_BY_HUB_ID = _SELECT_CHILD.where(Child.hub_id == bindparam("value"))
_BY_ID = _SELECT_CHILD.where(Child.id == bindparam("value"))
MAX_MERGE_HOPS = 4


@dataclass(frozen=True, slots=True)
class ChildAccess:
    """A child and what makes the caller's access legitimate, if anything."""

    child: ChildView
    relationship: RelationshipKind | None
    break_glass: bool

    def facts(self, owner_agency_id: int | None = None) -> Facts:
        return Facts(
            relationship=self.relationship,
            break_glass=self.break_glass,
            owner_agency_id=owner_agency_id,
        )


async def find_child(
    ctx: RequestContext, *, nhs_number: str | None, hub_id: str | None
) -> ChildAccess | None:
    """Load a child by exactly one identifier (following a merge to the surviving record)."""
    if (nhs_number is None) == (hub_id is None):
        raise HubError("INVALID_INPUT", "give exactly one of nhsNumber or hubId", field="child")
    try:
        if nhs_number is not None:
            statement, value = _BY_NHS_NUMBER, validate_nhs_number(nhs_number)
        else:
            assert hub_id is not None
            statement, value = _BY_HUB_ID, validate_hub_id(hub_id)
    except InvalidIdentifier as exc:
        raise HubError(exc.code, str(exc), field=exc.field) from None

    params = access_params(ctx)
    for _ in range(MAX_MERGE_HOPS):  # a merge chain is short; a cycle must not hang a request
        rows = await fetch(ctx, statement, value=value, **params)
        if not rows:
            return None
        row = rows[0]
        if row.merged_into_id is None:
            return ChildAccess(ChildView(*row[:7]), row.relationship, bool(row.break_glass))
        statement, value = _BY_ID, row.merged_into_id
    raise HubError("CHILD_MERGE_CYCLE", "the child's identity record needs reconciliation")


async def get_child(
    ctx: RequestContext, *, nhs_number: str | None, hub_id: str | None
) -> ChildView:
    """The child, if the caller may read its identity for the declared purpose. Unknown and
    not related look the same to the caller (``CHILD_NOT_FOUND``); the audit trail keeps the
    real reason."""
    require_grant(ctx, action=Action.READ, category=Category.IDENTITY)
    found = await find_child(ctx, nhs_number=nhs_number, hub_id=hub_id)
    if found is None:
        raise NOT_FOUND
    decision = decide(
        ctx,
        action=Action.READ,
        category=Category.IDENTITY,
        child_id=found.child.id,
        facts=found.facts(),
    )
    if not decision.allowed:
        raise refusal(decision)
    ctx.memo[("access", found.child.id)] = found
    return found.child
