"""Children, relationships and records, with valid synthetic identifiers.

NHS numbers come from the 999 range, which the NHS never issues to people.
"""

import itertools
import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from stdnum.gb import nhs

from db import Address, Agency, Child, ChildRelationship, Household, HouseholdChild, Record, User
from identifiers import new_hub_id
from vocab.categories import Category
from vocab.lawful_bases import LawfulBasis
from vocab.relationships import RelationshipKind
from vocab.restrictions import Restriction
from vocab.sex import Sex

_serial = itertools.count(1)


def synthetic_nhs_number(n: int) -> str:
    """The n-th valid NHS number in the never-issued 999 range."""
    for candidate in itertools.count(n * 11):
        body = f"999{candidate % 1_000_000:06d}"
        check = (
            11 - sum(int(d) * w for d, w in zip(body, range(10, 1, -1), strict=True)) % 11
        ) % 11
        if check != 10:
            number = body + str(check)
            assert nhs.is_valid(number)
            return number
    raise AssertionError("unreachable")


async def make_child(
    session: AsyncSession,
    *,
    nhs_number: str | None = "auto",
    given_name: str = "Alex",
    family_name: str = "Testchild",
    date_of_birth: date = date(2015, 6, 1),
) -> Child:
    n = next(_serial)
    child = Child(
        hub_id=new_hub_id(),
        nhs_number=synthetic_nhs_number(n + 500_000) if nhs_number == "auto" else nhs_number,
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        sex=Sex.NOT_KNOWN,
    )
    session.add(child)
    await session.flush()
    return child


async def relate(
    session: AsyncSession,
    child: Child,
    agency: Agency,
    kind: RelationshipKind = RelationshipKind.ALLOCATION,
    *,
    valid_from: date | None = None,
    valid_to: date | None = None,
    user: User | None = None,
) -> ChildRelationship:
    relationship = ChildRelationship(
        child_id=child.id,
        agency_id=agency.id,
        kind=kind,
        user_id=user.id if user else None,
        valid_from=valid_from or date.today() - timedelta(days=30),  # noqa: DTZ011 civil date
        valid_to=valid_to,
    )
    session.add(relationship)
    await session.flush()
    return relationship


CP_PLAN_PAYLOAD: dict[str, Any] = {"category_of_abuse": "neglect", "plan_started_on": "2026-01-05"}


async def make_record(
    session: AsyncSession,
    child: Child,
    agency: Agency,
    category: Category = Category.COUNCIL_CHILD_PROTECTION_PLAN,
    payload: dict[str, Any] | None = None,
    *,
    lawful_basis: LawfulBasis = LawfulBasis.CHILDREN_ACT_1989_S47,
    restriction: Restriction = Restriction.NONE,
    disclose_from: date | None = None,
) -> Record:
    record = Record(
        id=uuid.uuid4(),
        child_id=child.id,
        agency_id=agency.id,
        category=category,
        lawful_basis=lawful_basis,
        valid_from=date(2026, 1, 5),
        payload=payload if payload is not None else dict(CP_PLAN_PAYLOAD),
        restriction=restriction,
        disclose_from=disclose_from,
    )
    session.add(record)
    await session.flush()
    return record


async def house(
    session: AsyncSession, child: Child, *, shielded: bool = False, postcode: str = "LE1 6ZZ"
) -> Household:
    """Put ``child`` in a household at a synthetic address, from a month ago."""
    address = Address(line1="1 Example Row", town="Leicester", postcode=postcode)
    session.add(address)
    await session.flush()
    household = Household(address_id=address.id, address_shielded=shielded)
    session.add(household)
    await session.flush()
    session.add(
        HouseholdChild(
            household_id=household.id,
            child_id=child.id,
            valid_from=date.today() - timedelta(days=30),  # noqa: DTZ011 civil date
        )
    )
    await session.flush()
    return household
