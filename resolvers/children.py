"""Finding a child by the consistent identifier (NHS number) or the hub id."""

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from db import Child, ChildRelationship
from identifiers import InvalidIdentifier, validate_hub_id, validate_nhs_number
from policies import authorize
from resolvers.context import RequestContext
from resolvers.errors import HubError
from resolvers.views import ChildView
from vocab.actions import Action
from vocab.categories import Category

_CHILD_COLUMNS = (
    Child.id,
    Child.hub_id,
    Child.nhs_number,
    Child.given_name,
    Child.family_name,
    Child.date_of_birth,
    Child.sex,
    Child.merged_into_id,
)


def relationship_exists(
    ctx: RequestContext, child_id: InstrumentedAttribute[int]
) -> ColumnElement[bool]:
    """SQL: the caller's agency has a relationship with the child in force today."""
    today = ctx.today
    return exists().where(
        ChildRelationship.child_id == child_id,
        ChildRelationship.agency_id == ctx.principal.agency_id,
        ChildRelationship.valid_from <= today,
        or_(ChildRelationship.valid_to.is_(None), ChildRelationship.valid_to >= today),
    )


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
            condition = Child.nhs_number == validate_nhs_number(nhs_number)
        else:
            assert hub_id is not None
            condition = Child.hub_id == validate_hub_id(hub_id)
    except InvalidIdentifier as exc:
        raise HubError(exc.code, str(exc), field=exc.field) from None

    for _ in range(4):  # a merge chain is short; bound it so a cycle cannot hang a request
        row = (
            await ctx.session.execute(
                select(*_CHILD_COLUMNS, relationship_exists(ctx, Child.id)).where(condition)
            )
        ).one_or_none()
        if row is None:
            return None
        if row.merged_into_id is None:
            view = ChildView(*row[:7])
            return view, bool(row[8])
        condition = Child.id == row.merged_into_id
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
