"""Records: types, inputs and the create/amend mutations."""

import datetime
import uuid
from typing import Any

import strawberry
from strawberry.scalars import JSON

from resolvers import records as resolve
from resolvers.context import RequestContext
from schema.agencies import Agency
from schema.enums import Category, LawfulBasis, Restriction


@strawberry.type(description="One fact an agency holds about a child, in one category.")
class Record:
    id: uuid.UUID
    agency: Agency = strawberry.field(description="The owning agency; only it may amend.")
    category: Category
    lawful_basis: LawfulBasis
    valid_from: datetime.date
    valid_to: datetime.date | None
    payload: JSON = strawberry.field(description="Structured by category; see README.")
    version: int
    restriction: Restriction
    disclose_from: datetime.date | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


@strawberry.input(one_of=True, description="A child, by exactly one identifier.")
class ChildRef:
    nhs_number: str | None = strawberry.UNSET
    hub_id: str | None = strawberry.UNSET


@strawberry.input
class CreateRecordInput:
    child: ChildRef
    category: Category
    lawful_basis: LawfulBasis
    valid_from: datetime.date
    valid_to: datetime.date | None = None
    payload: JSON
    restriction: Restriction = strawberry.field(
        default=Restriction.NONE,
        description="SEALED: your agency only. COVERT (police): police until discloseFrom.",
    )
    disclose_from: datetime.date | None = strawberry.field(
        default=None, description="For a COVERT record: from when partners may see it."
    )


@strawberry.input
class AmendRecordInput:
    id: uuid.UUID
    expected_version: int = strawberry.field(
        description="The version you read; guards lost updates."
    )
    lawful_basis: LawfulBasis | None = None
    valid_to: datetime.date | None = None
    payload: JSON | None = None
    restriction: Restriction | None = None
    disclose_from: datetime.date | None = None


def _unset(value: Any) -> Any:
    return None if value is strawberry.UNSET else value


async def create_record(
    info: strawberry.Info[RequestContext, None], input: CreateRecordInput
) -> Record:
    view = await resolve.create_record(
        info.context,
        nhs_number=_unset(input.child.nhs_number),
        hub_id=_unset(input.child.hub_id),
        category=input.category,
        lawful_basis=input.lawful_basis,
        valid_from=input.valid_from,
        valid_to=input.valid_to,
        payload=input.payload,
        restriction=input.restriction,
        disclose_from=input.disclose_from,
    )
    return view  # type: ignore[return-value]  # RecordView has Record's fields


async def amend_record(
    info: strawberry.Info[RequestContext, None], input: AmendRecordInput
) -> Record:
    view = await resolve.amend_record(
        info.context,
        record_id=input.id,
        expected_version=input.expected_version,
        lawful_basis=input.lawful_basis,
        valid_to=input.valid_to,
        payload=input.payload,
        restriction=input.restriction,
        disclose_from=input.disclose_from,
    )
    return view  # type: ignore[return-value]  # RecordView has Record's fields
