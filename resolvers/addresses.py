"""A child's current address, shielded where the household's address is protected.

A shielded address hides where the child lives, not that the child exists: the field is
null, a redaction says ``ADDRESS_SHIELDED`` and names the council that brokers contact.
"""

from dataclasses import dataclass

from sqlalchemy import bindparam, or_, select

from db import Address, Agency, ChildRelationship, Household, HouseholdChild
from resolvers.context import RequestContext, once
from resolvers.sql import fetch
from resolvers.views import AddressView, AgencyView, ChildView, RedactionView
from vocab.agencies import AgencyKind
from vocab.categories import Category
from vocab.relationships import RelationshipKind

SHIELDED = "ADDRESS_SHIELDED"

_CURRENT = (
    select(
        Address.line1,
        Address.line2,
        Address.town,
        Address.postcode,
        Address.uprn,
        Household.address_shielded,
    )
    .join(Household, Household.address_id == Address.id)
    .join(HouseholdChild, HouseholdChild.household_id == Household.id)
    .where(
        HouseholdChild.child_id == bindparam("child_id"),
        HouseholdChild.valid_from <= bindparam("today"),
        or_(HouseholdChild.valid_to.is_(None), HouseholdChild.valid_to >= bindparam("today")),
    )
    .order_by(HouseholdChild.valid_from.desc())
    .limit(1)
)
_BROKER = (
    select(Agency.code, Agency.name, Agency.kind)
    .join(ChildRelationship, ChildRelationship.agency_id == Agency.id)
    .where(
        ChildRelationship.child_id == bindparam("child_id"),
        Agency.kind == AgencyKind.COUNCIL,
        # a MASH enquiry is not the council's casework: its team is not the contact
        ChildRelationship.kind != RelationshipKind.ENQUIRY,
        ChildRelationship.valid_from <= bindparam("today"),
        or_(ChildRelationship.valid_to.is_(None), ChildRelationship.valid_to >= bindparam("today")),
    )
    .order_by(Agency.id)
    .limit(1)
)


@dataclass(frozen=True, slots=True)
class AddressAnswer:
    address: AddressView | None
    redaction: RedactionView | None


async def address_for(ctx: RequestContext, child: ChildView) -> AddressAnswer:
    """Reached only through ``get_child``, whose identity decision covers the address."""
    return await once(ctx, ("address", child.id), lambda: _address(ctx, child))


async def _address(ctx: RequestContext, child: ChildView) -> AddressAnswer:
    rows = await fetch(ctx, _CURRENT, child_id=child.id, today=ctx.today)
    if not rows:
        answer = AddressAnswer(None, None)
    elif rows[0].address_shielded:
        brokers = await fetch(ctx, _BROKER, child_id=child.id, today=ctx.today)
        contact = AgencyView(*brokers[0]) if brokers else None
        ctx.audit.mask(child.id, "address", SHIELDED)
        answer = AddressAnswer(None, RedactionView(Category.IDENTITY, "address", SHIELDED, contact))
    else:
        answer = AddressAnswer(AddressView(*rows[0][:5]), None)
    return answer
