"""Operation Encompass: submitting incidents, the inbox, acknowledgement, the MASH queue,
reporting and the live subscription. Thin fields over ``resolvers.encompass`` and
``resolvers.encompass_delivery``."""

import datetime
import uuid
from collections.abc import AsyncGenerator
from typing import Any

import strawberry

from resolvers import encompass as submit
from resolvers import encompass_delivery as deliver
from resolvers.context import RequestContext, SubscriptionContext
from schema.agencies import Agency
from schema.records import ChildRef
from vocab.encompass import Route, RouteReason
from vocab.matching import MatchMethod

strawberry.enum(Route, name="EncompassRoute", description="Who a child's notification went to.")
strawberry.enum(
    RouteReason, name="EncompassRouteReason", description="Why the notification went there."
)
strawberry.enum(MatchMethod, description="How the child was matched to the hub's record.")


# --- Submitting ----------------------------------------------------------------------------


@strawberry.input(description="A child present at, or normally resident where, the incident was.")
class EncompassChildInput:
    present: bool = strawberry.field(description="Whether the child was present.")
    nhs_number: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    date_of_birth: datetime.date | None = None
    address_line1: str | None = None
    postcode: str | None = None
    voice_of_child: str | None = strawberry.field(
        default=None, description="What the child said, when the police share it."
    )


@strawberry.input(description="A domestic abuse incident with children, under Operation Encompass.")
class EncompassIncidentInput:
    police_reference: str = strawberry.field(
        description="Your force's reference; a retry with the same reference never duplicates."
    )
    occurred_at: datetime.datetime = strawberry.field(description="With a time zone offset.")
    location: str = strawberry.field(description="Kept by the hub; never shown to schools.")
    contact_name: str = strawberry.field(description="Who a school should call at the police.")
    contact_telephone: str
    contact_email: str | None = None
    children: list[EncompassChildInput]


@strawberry.input(description="A night's (or a month's) incidents, at most 1,000.")
class SubmitEncompassIncidentsInput:
    incidents: list[EncompassIncidentInput]


@strawberry.type(description="One child of a submitted incident: how matched, where routed.")
class EncompassRoutedChild:
    position: int = strawberry.field(description="The child's place in the submission, from 0.")
    method: MatchMethod
    confidence: float = strawberry.field(description="Match score, 0 to 1.")
    route: Route
    reason: RouteReason
    recipients: list[Agency] = strawberry.field(
        description="The schools (or council) notified; empty when policy withholds them."
    )
    deadline: datetime.datetime = strawberry.field(
        description="The start of the recipient's next school day."
    )
    sent_late: bool = strawberry.field(
        description="Submitted after the start of the next school day after the incident."
    )


@strawberry.type(description="A submitted incident, as the police see it.")
class EncompassIncident:
    id: uuid.UUID
    police_reference: str
    occurred_at: datetime.datetime
    submitted_at: datetime.datetime
    children: list[EncompassRoutedChild]


@strawberry.type(description="Why one incident of a batch was refused.")
class EncompassSubmissionError:
    code: str
    message: str
    field: str | None


@strawberry.type(description="One incident's outcome: the incident, or its error.")
class EncompassSubmission:
    police_reference: str
    incident: EncompassIncident | None
    duplicate: bool = strawberry.field(
        description="Submitted before with the same details: nothing new was made."
    )
    error: EncompassSubmissionError | None


def _child(child: EncompassChildInput) -> submit.ChildSubmission:
    return submit.ChildSubmission(
        present=child.present,
        nhs_number=child.nhs_number,
        given_name=child.given_name,
        family_name=child.family_name,
        date_of_birth=child.date_of_birth,
        address_line1=child.address_line1,
        postcode=child.postcode,
        voice_of_child=child.voice_of_child,
    )


def _incident(incident: EncompassIncidentInput) -> submit.IncidentSubmission:
    return submit.IncidentSubmission(
        police_reference=incident.police_reference,
        occurred_at=incident.occurred_at,
        location=incident.location,
        contact_name=incident.contact_name,
        contact_telephone=incident.contact_telephone,
        contact_email=incident.contact_email,
        children=[_child(child) for child in incident.children],
    )


def _submission(result: submit.SubmissionResult) -> EncompassSubmission:
    error = result.error
    return EncompassSubmission(
        police_reference=result.police_reference,
        incident=result.incident,  # type: ignore[arg-type]  # IncidentView has its fields
        duplicate=result.duplicate,
        error=EncompassSubmissionError(code=error.code, message=error.message, field=error.field)
        if error
        else None,
    )


async def submit_encompass_incident(
    info: strawberry.Info[RequestContext, None], input: EncompassIncidentInput
) -> EncompassSubmission:
    (result,) = await submit.submit_incidents(info.context, incidents=[_incident(input)])
    if result.error is not None:
        raise result.error
    return _submission(result)


async def submit_encompass_incidents(
    info: strawberry.Info[RequestContext, None], input: SubmitEncompassIncidentsInput
) -> list[EncompassSubmission]:
    results = await submit.submit_incidents(
        info.context, incidents=[_incident(incident) for incident in input.incidents]
    )
    return [_submission(result) for result in results]


# --- Receiving -----------------------------------------------------------------------------


@strawberry.type(description="The child a notification is about.")
class EncompassChild:
    hub_id: str | None = strawberry.field(description="Null while the child is unmatched.")
    given_name: str | None
    family_name: str | None
    date_of_birth: datetime.date | None


@strawberry.type(description="Who to call at the police about the incident.")
class PoliceContact:
    force: Agency
    reference: str
    name: str
    telephone: str
    email: str | None


@strawberry.type(description="What the police gave, for the MASH to match by hand.")
class EncompassParticulars:
    nhs_number: str | None
    given_name: str | None
    family_name: str | None
    date_of_birth: datetime.date | None
    address_line1: str | None
    postcode: str | None
    confidence: float = strawberry.field(description="The best automatic match's score.")
    location: str


@strawberry.type(
    description=(
        "An Operation Encompass notification to your school (or council): only what the "
        "scheme shares with schools."
    )
)
class EncompassNotification:
    id: uuid.UUID
    route: Route
    reason: RouteReason
    occurred_at: datetime.datetime
    child_present: bool
    voice_of_child: str | None
    child: EncompassChild | None = strawberry.field(
        description="Null when policy withholds the child's identity."
    )
    police_contact: PoliceContact
    received_at: datetime.datetime
    deadline: datetime.datetime = strawberry.field(
        description="Acknowledge by the start of your next school day."
    )
    sent_late: bool
    acknowledged_at: datetime.datetime | None
    escalated_at: datetime.datetime | None
    overdue: bool
    particulars: EncompassParticulars | None = strawberry.field(
        description="MASH queue items only: the police's particulars and the best score."
    )


@strawberry.input
class AcknowledgeEncompassNotificationInput:
    id: uuid.UUID


@strawberry.input
class MatchEncompassChildInput:
    id: uuid.UUID = strawberry.field(description="The MASH queue notification.")
    child: ChildRef


def _unset(value: Any) -> Any:
    return None if value is strawberry.UNSET else value


async def encompass_inbox(
    info: strawberry.Info[RequestContext, None], open_only: bool = True, first: int = 50
) -> list[EncompassNotification]:
    views = await deliver.inbox(info.context, open_only=open_only, first=first)
    return views  # type: ignore[return-value]  # NotificationView has its fields


async def encompass_notification(
    info: strawberry.Info[RequestContext, None], id: uuid.UUID
) -> EncompassNotification:
    view = await deliver.notification(info.context, notification_id=id)
    return view  # type: ignore[return-value]  # NotificationView has its fields


async def acknowledge_encompass_notification(
    info: strawberry.Info[RequestContext, None], input: AcknowledgeEncompassNotificationInput
) -> EncompassNotification:
    view = await deliver.acknowledge(info.context, notification_id=input.id)
    return view  # type: ignore[return-value]  # NotificationView has its fields


async def match_encompass_child(
    info: strawberry.Info[RequestContext, None], input: MatchEncompassChildInput
) -> EncompassNotification:
    view = await deliver.match_queued(
        info.context,
        notification_id=input.id,
        nhs_number=_unset(input.child.nhs_number),
        hub_id=_unset(input.child.hub_id),
    )
    return view  # type: ignore[return-value]  # NotificationView has its fields


async def encompass_notifications(
    info: strawberry.Info[SubscriptionContext, None],
) -> AsyncGenerator[EncompassNotification, None]:
    async for view in deliver.subscribe(info.context):
        yield view  # type: ignore[misc]  # NotificationView has its fields


# --- Reporting -----------------------------------------------------------------------------


@strawberry.type
class EncompassDay:
    day: datetime.date
    notifications: int
    acknowledged: int
    acknowledged_on_time: int
    overdue: int


@strawberry.type(description="A notification past its deadline, unacknowledged.")
class EncompassOverdue:
    id: uuid.UUID
    police_reference: str
    recipient: Agency
    route: Route
    received_at: datetime.datetime
    deadline: datetime.datetime
    escalated_at: datetime.datetime | None


@strawberry.type(description="Operation Encompass timeliness for your force or council.")
class EncompassReport:
    since: datetime.date
    until: datetime.date
    notifications: int
    on_time_rate: float | None = strawberry.field(
        description=("Acknowledged by the deadline, of those acknowledged or past their deadline.")
    )
    sent_late: int
    days: list[EncompassDay]
    overdue: list[EncompassOverdue]


async def encompass_report(
    info: strawberry.Info[RequestContext, None], since: datetime.date, until: datetime.date
) -> EncompassReport:
    view = await deliver.report(info.context, since=since, until=until)
    return view  # type: ignore[return-value]  # ReportView has its fields
