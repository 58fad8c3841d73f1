"""The MASH front door: enquiries, information requests and answers, consent, the decision,
the board, escalations and timeliness. Thin fields over ``resolvers.mash``."""

import datetime
import uuid
from typing import Any

import strawberry

from resolvers import mash
from resolvers.context import RequestContext
from schema.agencies import Agency
from schema.records import ChildRef
from vocab.categories import Category
from vocab.consent import NotSharingReason
from vocab.lawful_bases import LawfulBasis
from vocab.mash import ConsentStatus, ContactSource, Outcome, Rag, ResponseKind, Seat

strawberry.enum(Rag, description="The rating set at screening; it fixes the deadline.")
strawberry.enum(ContactSource, description="Who made the contact.")
strawberry.enum(ConsentStatus, name="MashConsent", description="Consent for the enquiry.")
strawberry.enum(ResponseKind, name="MashResponseKind", description="A partner seat's answer.")
strawberry.enum(Outcome, name="MashOutcome", description="The decision that closes an enquiry.")
strawberry.enum(Seat, name="MashSeat", description="Whom a participant speaks for.")


@strawberry.type(description="A child in an enquiry.")
class MashChild:
    hub_id: str | None = strawberry.field(description="Null when policy withholds identity.")
    nhs_number: str | None
    given_name: str | None
    family_name: str | None
    date_of_birth: datetime.date | None
    re_referral: bool = strawberry.field(
        description="A contact about the child came within the re-referral window (12 months)."
    )
    previous_enquiry_id: uuid.UUID | None
    consent: ConsentStatus | None = strawberry.field(description="Null until recorded.")
    consent_reason: str | None = strawberry.field(description="The council's MASH team only.")


@strawberry.type(description="A request to a partner agency's MASH seat, and its answer.")
class MashRequest:
    id: uuid.UUID
    enquiry_id: uuid.UUID
    agency: Agency
    question: str
    requested_at: datetime.datetime
    due_at: datetime.datetime
    overdue: bool
    escalated_at: datetime.datetime | None
    response: ResponseKind | None = strawberry.field(description="Null until answered.")
    responded_at: datetime.datetime | None
    on_time: bool | None
    summary: str | None = strawberry.field(
        description="What the seat found; null when withheld from you (policy or consent)."
    )
    categories: list[Category]
    lawful_basis: LawfulBasis | None
    not_sharing_reason: NotSharingReason | None
    justification: str | None
    withheld: str | None = strawberry.field(
        description=(
            "Why the answer's content is null for you (CONSENT_REQUIRED, ...); null when shown."
        )
    )


@strawberry.type
class MashParticipant:
    agency: Agency
    seat: Seat
    role: str


@strawberry.type(description="What the MASH decided; it closed the enquiry.")
class MashDecision:
    outcome: Outcome
    rationale: str | None = strawberry.field(description="The council's MASH team only.")
    participants: list[MashParticipant] = strawberry.field(
        description="A strategy discussion's participants."
    )
    decided_at: datetime.datetime


@strawberry.type(
    description=(
        "A MASH enquiry, as you may see it: the council's MASH team sees everything; a partner "
        "asked about it sees the children, its own request and the outcome."
    )
)
class MashEnquiry:
    id: uuid.UUID
    council: Agency
    source: ContactSource
    source_agency: Agency | None
    summary: str | None = strawberry.field(description="The council's MASH team only.")
    received_at: datetime.datetime = strawberry.field(description="The clock runs from here.")
    rag: Rag
    deadline: datetime.datetime
    minutes_left: int | None = strawberry.field(
        description=(
            "Working minutes left (plain minutes for Red); negative once overdue; null once closed."
        )
    )
    overdue: bool
    opened_at: datetime.datetime
    closed_at: datetime.datetime | None
    access_ends_at: datetime.datetime | None = strawberry.field(
        description="When access to the children ends: closing plus the grace period."
    )
    children: list[MashChild]
    requests: list[MashRequest]
    decision: MashDecision | None


@strawberry.type(description="A request to your agency, with the enquiry it belongs to.")
class MashPartnerRequest:
    request: MashRequest
    enquiry: MashEnquiry


@strawberry.type
class MashBoardRequest:
    agency: Agency
    answered: bool
    overdue: bool


@strawberry.type(description="An open enquiry on the board (no child's details).")
class MashBoardRow:
    id: uuid.UUID
    rag: Rag
    source: ContactSource
    received_at: datetime.datetime
    deadline: datetime.datetime
    minutes_left: int
    overdue: bool
    children: int
    re_referrals: int
    requests: list[MashBoardRequest]


@strawberry.type(description="How promptly one agency answered information requests.")
class MashTimeliness:
    agency: Agency
    requests: int
    answered: int
    answered_on_time: int
    outstanding: int
    overdue: int
    unanswered: int = strawberry.field(
        description="Never answered: the enquiry was decided without the agency's answer."
    )
    on_time_rate: float | None = strawberry.field(
        description="Answered by the deadline, of those answered, overdue or never answered."
    )


@strawberry.input(description="A contact to the front door, screened.")
class OpenMashEnquiryInput:
    source: ContactSource
    source_agency: str | None = strawberry.field(
        default=None, description="The code of the agency that made the contact, if one did."
    )
    summary: str = strawberry.field(description="What the contact said.")
    received_at: datetime.datetime = strawberry.field(
        description="When the contact arrived (with a time zone offset): the clock starts."
    )
    rag: Rag
    children: list[ChildRef]


@strawberry.input
class RequestMashInformationInput:
    enquiry: uuid.UUID
    agencies: list[str] = strawberry.field(description="Partner agency codes.")
    question: str = strawberry.field(description="What you ask the seats to look for.")


@strawberry.input(description="An answer: each kind takes exactly the fields it needs.")
class RespondToMashRequestInput:
    id: uuid.UUID
    response: ResponseKind
    summary: str | None = strawberry.field(default=None, description="Records shared.")
    categories: list[Category] | None = strawberry.field(
        default=None, description="Records shared: the categories the information comes from."
    )
    lawful_basis: LawfulBasis | None = strawberry.field(default=None, description="Records shared.")
    not_sharing_reason: NotSharingReason | None = strawberry.field(
        default=None, description="Decision not to share."
    )
    justification: str | None = strawberry.field(
        default=None,
        description=(
            "Decision not to share, or records shared from a consent-based category on a "
            "statutory basis (20 to 2,000 characters)."
        ),
    )


@strawberry.input
class RecordMashConsentInput:
    enquiry: uuid.UUID
    child: ChildRef
    status: ConsentStatus
    reason: str | None = strawberry.field(
        default=None, description="Required when not sought (why seeking it would add risk)."
    )


@strawberry.input
class MashParticipantInput:
    agency: str = strawberry.field(description="Agency code.")
    seat: Seat
    role: str = strawberry.field(description="The participant's role (not their name).")


@strawberry.input
class DecideMashEnquiryInput:
    enquiry: uuid.UUID
    outcome: Outcome
    rationale: str
    participants: list[MashParticipantInput] | None = strawberry.field(
        default=None, description="A strategy discussion: police, health and education at least."
    )


def _key(ref: ChildRef) -> mash.ChildKey:
    return mash.ChildKey(nhs_number=_unset(ref.nhs_number), hub_id=_unset(ref.hub_id))


def _unset(value: Any) -> Any:
    return None if value is strawberry.UNSET else value


async def mash_enquiry(info: strawberry.Info[RequestContext, None], id: uuid.UUID) -> MashEnquiry:
    view = await mash.enquiry(info.context, enquiry_id=id)
    return view  # type: ignore[return-value]  # EnquiryView has its fields


async def mash_requests(
    info: strawberry.Info[RequestContext, None], open_only: bool = True, first: int = 50
) -> list[MashPartnerRequest]:
    views = await mash.partner_requests(info.context, open_only=open_only, first=first)
    return views  # type: ignore[return-value]  # PartnerRequestView has its fields


async def mash_board(info: strawberry.Info[RequestContext, None]) -> list[MashBoardRow]:
    views = await mash.board(info.context)
    return views  # type: ignore[return-value]  # BoardRowView has its fields


async def mash_escalations(info: strawberry.Info[RequestContext, None]) -> list[MashPartnerRequest]:
    views = await mash.escalations(info.context)
    return views  # type: ignore[return-value]  # PartnerRequestView has its fields


async def mash_timeliness(
    info: strawberry.Info[RequestContext, None], since: datetime.date, until: datetime.date
) -> list[MashTimeliness]:
    views = await mash.timeliness(info.context, since=since, until=until)
    return views  # type: ignore[return-value]  # TimelinessView has its fields


async def open_mash_enquiry(
    info: strawberry.Info[RequestContext, None], input: OpenMashEnquiryInput
) -> MashEnquiry:
    view = await mash.open_enquiry(
        info.context,
        source=input.source,
        source_agency=input.source_agency,
        summary=input.summary,
        received_at=input.received_at,
        rag=input.rag,
        children=[_key(ref) for ref in input.children],
    )
    return view  # type: ignore[return-value]  # EnquiryView has its fields


async def request_mash_information(
    info: strawberry.Info[RequestContext, None], input: RequestMashInformationInput
) -> MashEnquiry:
    view = await mash.request_information(
        info.context, enquiry_id=input.enquiry, agencies=input.agencies, question=input.question
    )
    return view  # type: ignore[return-value]  # EnquiryView has its fields


async def respond_to_mash_request(
    info: strawberry.Info[RequestContext, None], input: RespondToMashRequestInput
) -> MashRequest:
    view = await mash.respond(
        info.context,
        request_id=input.id,
        response=input.response,
        summary=input.summary,
        categories=input.categories or [],
        lawful_basis=input.lawful_basis,
        not_sharing_reason=input.not_sharing_reason,
        justification_text=input.justification,
    )
    return view  # type: ignore[return-value]  # RequestView has its fields


async def record_mash_consent(
    info: strawberry.Info[RequestContext, None], input: RecordMashConsentInput
) -> MashEnquiry:
    view = await mash.record_consent(
        info.context,
        enquiry_id=input.enquiry,
        child=_key(input.child),
        status=input.status,
        reason=input.reason,
    )
    return view  # type: ignore[return-value]  # EnquiryView has its fields


async def decide_mash_enquiry(
    info: strawberry.Info[RequestContext, None], input: DecideMashEnquiryInput
) -> MashEnquiry:
    view = await mash.decide_enquiry(
        info.context,
        enquiry_id=input.enquiry,
        outcome=input.outcome,
        rationale=input.rationale,
        participants=[
            mash.Participant(agency=p.agency, seat=p.seat, role=p.role)
            for p in input.participants or []
        ],
    )
    return view  # type: ignore[return-value]  # EnquiryView has its fields
