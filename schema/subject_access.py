"""The record of processing (Art. 30), subject access exports (Art. 15) and "who looked at my
record": the DPO's answers to the people the hub holds data about."""

import datetime

import strawberry
from strawberry.scalars import JSON

from resolvers import subject_access as resolve
from resolvers.context import RequestContext
from schema.agencies import Agency
from schema.enums import Purpose


@strawberry.type(
    description="The record of processing activities (UK GDPR Art. 30), generated from the "
    "sharing policy in force, the statutory bases and consent-based categories, and the "
    "partner agencies."
)
class RecordOfProcessing:
    generated_at: datetime.datetime
    policy_version: str = strawberry.field(description="The policy version it describes.")
    json: JSON = strawberry.field(
        description="Controllers, purposes and lawful bases, data subjects, categories of "
        "personal data, recipients, agreements, transfers, retention, security measures."
    )
    markdown: str = strawberry.field(description="The same, as a readable Markdown document.")


@strawberry.type(
    description="A subject access export (UK GDPR Art. 15) for a child: identity, the records "
    "every partner holds that may be disclosed, and who has looked at the record."
)
class SubjectAccessExport:
    generated_at: datetime.datetime
    json: JSON
    document: str = strawberry.field(description="The same, as a readable Markdown document.")


@strawberry.type(
    description="Accesses to a child's record by one organisation, for one purpose, on one "
    "day (UK time). Never staff names."
)
class RecordAccess:
    date: datetime.date
    organisation: Agency
    purpose: str = strawberry.field(description="The purpose of use, in words.")
    purpose_of_use: Purpose | None = strawberry.field(
        description="The declared purpose of use; null if no longer in the vocabulary."
    )
    count: int = strawberry.field(description="How many accesses that day.")


async def record_of_processing(info: strawberry.Info[RequestContext, None]) -> RecordOfProcessing:
    view = await resolve.record_of_processing(info.context)
    return view  # type: ignore[return-value]  # ProcessingRecordView has the type's fields


async def subject_access_export(
    info: strawberry.Info[RequestContext, None],
    nhs_number: str | None = None,
    hub_id: str | None = None,
) -> SubjectAccessExport:
    view = await resolve.subject_access_export(info.context, nhs_number=nhs_number, hub_id=hub_id)
    return view  # type: ignore[return-value]  # SubjectAccessView has the type's fields


async def who_looked_at_record(
    info: strawberry.Info[RequestContext, None],
    nhs_number: str | None = None,
    hub_id: str | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> list[RecordAccess]:
    views = await resolve.who_looked_at_record(
        info.context, nhs_number=nhs_number, hub_id=hub_id, since=since, until=until
    )
    return views  # type: ignore[return-value]  # AccessSummaryView has RecordAccess's fields
