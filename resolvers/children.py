"""Finding a child by the consistent identifier (NHS number) or the hub id."""

from sqlalchemy import bindparam, select

from db import Child
from identifiers import InvalidIdentifier, validate_hub_id, validate_nhs_number
from policies import authorize
from resolvers.context import RequestContext
from resolvers.errors import HubError
from resolvers.sql import fetch, relationship_in_force, relationship_params
from resolvers.views import ChildView
from vocab.actions import Action
from vocab.categories import Category

_SELECT_CHILD = select(
    Child.id,
    Child.hub_id,
    Child.nhs_number,
    Child.given_name,
    Child.family_name,
    Child.date_of_birth,
    Child.sex,
    relationship_in_force(Child.id).label("related"),
    Child.merged_into_id,
)
_BY_NHS_NUMBER = _SELECT_CHILD.where(Child.nhs_number == bindparam("value"))
_BY_HUB_ID = _SELECT_CHILD.where(Child.hub_id == bindparam("value"))
_BY_ID = _SELECT_CHILD.where(Child.id == bindparam("value"))
MAX_MERGE_HOPS = 4


async def find_child(
    ctx: RequestContext, *, nhs_number: str | None, hub_id: str | None
) -> tuple[ChildView, bool] | None:
    """Load a child by exactly one identifier (following a merge to the surviving record).

    Returns the child and whether the caller's agency has a relationship with it, or None.
    """
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

    params = relationship_params(ctx)
    for _ in range(MAX_MERGE_HOPS):  # a merge chain is short; a cycle must not hang a request
        rows = await fetch(ctx, statement, value=value, **params)
        if not rows:
            return None
        row = rows[0]
        if row.merged_into_id is None:
            return ChildView(*row[:7]), bool(row.related)
        statement, value = _BY_ID, row.merged_into_id
    raise HubError("CHILD_MERGE_CYCLE", "the child's identity record needs reconciliation")


async def get_child(
    ctx: RequestContext, *, nhs_number: str | None, hub_id: str | None
) -> ChildView:
    """The child, if the caller may see it. Unknown and not visible look the same to the
    caller (``CHILD_NOT_FOUND``), so the hub does not confirm who is known to it; the
    audit trail keeps the real reason."""
    found = await find_child(ctx, nhs_number=nhs_number, hub_id=hub_id)
    if found is None:
        raise HubError("CHILD_NOT_FOUND", "no child visible to you has that identifier")
    child, related = found
    decision = authorize(
        ctx.audit,
        ctx.principal,
        action=Action.READ,
        child_id=child.id,
        category=Category.IDENTITY,
        has_relationship=related,
    )
    if not decision.allowed:
        raise HubError("CHILD_NOT_FOUND", "no child visible to you has that identifier")
    return child
