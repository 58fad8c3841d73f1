"""Children: the consistent identifier and the records the caller may see."""

import datetime

import strawberry

from resolvers import addresses as resolve_addresses
from resolvers import children as resolve_children
from resolvers import records as resolve_records
from resolvers.context import RequestContext
from resolvers.views import ChildView
from schema.agencies import Agency
from schema.enums import Category, Sex
from schema.records import Record


async def _records(
    info: strawberry.Info[RequestContext, None],
    root: strawberry.Parent[ChildView],
    categories: list[Category] | None = None,
) -> list[Record]:
    views = await resolve_records.records_for_child(info.context, child=root, categories=categories)
    return views  # type: ignore[return-value]  # RecordView has Record's fields


@strawberry.type(
    description="Something about the child withheld from you, and the code saying why."
)
class Redaction:
    category: Category
    field: str | None = strawberry.field(description="The field withheld; null: the category.")
    code: str = strawberry.field(description="Why, e.g. CONSENT_REQUIRED, ADDRESS_SHIELDED.")
    contact: Agency | None = strawberry.field(
        default=None, description="Whom to contact instead, e.g. the council brokering contact."
    )


@strawberry.type(description="Where the child lives now.")
class Address:
    line1: str
    line2: str | None
    town: str
    postcode: str
    uprn: str | None = strawberry.field(description="Unique Property Reference Number.")


async def _address(
    info: strawberry.Info[RequestContext, None], root: strawberry.Parent[ChildView]
) -> Address | None:
    answer = await resolve_addresses.address_for(info.context, root)
    return answer.address  # type: ignore[return-value]  # AddressView has Address's fields


async def _redactions(
    info: strawberry.Info[RequestContext, None], root: strawberry.Parent[ChildView]
) -> list[Redaction]:
    views = await resolve_records.redactions_for_child(info.context, child=root)
    return views  # type: ignore[return-value]  # RedactionView has Redaction's fields


@strawberry.type(description="A child known to the partnership.")
class Child:
    hub_id: str = strawberry.field(description="Hub-issued identifier; every child has one.")
    nhs_number: str | None = strawberry.field(description="The consistent identifier, once known.")
    given_name: str
    family_name: str
    date_of_birth: datetime.date | None
    sex: Sex
    records: list[Record] = strawberry.field(
        resolver=_records,
        description="Records about the child you may see for your declared purpose.",
    )
    address: Address | None = strawberry.field(
        resolver=_address,
        description="Null when unknown or shielded (then listed in redactions with a contact).",
    )
    redactions: list[Redaction] = strawberry.field(
        resolver=_redactions,
        description=(
            "Categories or fields withheld from you for a reason you may be told (for "
            "example CONSENT_REQUIRED). Sealed records, covert interests and decisions not "
            "to share are never mentioned."
        ),
    )


async def child(
    info: strawberry.Info[RequestContext, None],
    nhs_number: str | None = None,
    hub_id: str | None = None,
) -> Child | None:
    view = await resolve_children.get_child(info.context, nhs_number=nhs_number, hub_id=hub_id)
    return view  # type: ignore[return-value]  # ChildView has Child's fields
