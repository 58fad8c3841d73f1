"""The MASH front door (DESIGN §8): a contact opens an enquiry about one or more children
with a RAG rating; the council's MASH team asks partner agencies' MASH seats for what they
know; each seat answers (records shared with their lawful basis, nothing known, or a
decision not to share with its reason); consent is recorded per child; the decision closes
the enquiry.

Who sees what. The enquiry's council (its MASH team) sees everything in it. A partner asked
for information sees the enquiry's children, its own request and answer, the consent
recorded and the decision's outcome: never the contact's summary, other partners' answers
or the rationale. Anyone else is told the enquiry does not exist. Both hold the ``enquiry``
relationship with its children (stored in ``child_relationships``, so the children's shared
records are reachable through ``child``) only while the enquiry is open, plus the grace
period after closing (``MashRules.grace``). Every step asks ``policies.authorize`` for each
child, so each is in the operation's audit event.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, Row, bindparam, case, insert, select, update
from sqlalchemy.orm import aliased

from db import (
    Agency,
    Child,
    ChildRelationship,
    Enquiry,
    EnquiryChild,
    EnquiryDecision,
    InformationRequest,
)
from policies import Decision, Facts
from policies.reasons import Reason
from resolvers.access import decide, refusal, require_grant
from resolvers.children import find_child
from resolvers.context import LONDON, RequestContext
from resolvers.errors import HubError, justification
from resolvers.sql import execute, fetch
from resolvers.views import AgencyView
from vocab.actions import Action
from vocab.agencies import AgencyKind
from vocab.categories import OWNER_KINDS, Category
from vocab.consent import CONSENT_CATEGORIES, STATUTORY_OVERRIDE_BASES, NotSharingReason
from vocab.lawful_bases import LawfulBasis
from vocab.mash import (
    PARTNER_KINDS,
    SEAT_KINDS,
    STRATEGY_SEATS,
    ConsentStatus,
    ContactSource,
    Outcome,
    Rag,
    ResponseKind,
    Seat,
)
from vocab.purposes import Purpose
from vocab.relationships import RelationshipKind
from vocab.roles import Role

MAX_CHILDREN = 20
MAX_PARTNERS = 20
MAX_TEXT = 10_000
MAX_PAGE = 200
MAX_REPORT_DAYS = 366
#: A contact cannot be received in the future; this much clock skew is tolerated.
CLOCK_SKEW = timedelta(minutes=5)
NOT_FOUND = HubError(
    "ENQUIRY_NOT_FOUND", "enquiry: no enquiry open to you has that id", field="enquiry"
)
REQUEST_NOT_FOUND = HubError(
    "REQUEST_NOT_FOUND", "id: no information request to your agency has that id", field="id"
)
CLOSED = HubError("ENQUIRY_CLOSED", "enquiry: the enquiry is closed", field="enquiry")
ALREADY_ANSWERED = HubError("ALREADY_ANSWERED", "id: this request has been answered", field="id")
#: A contact older than this is a typing error, not a contact to screen.
MAX_CONTACT_AGE = timedelta(days=731)


# --- Shapes ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChildKey:
    nhs_number: str | None
    hub_id: str | None


@dataclass(frozen=True, slots=True)
class EnquiryChildView:
    hub_id: str | None
    nhs_number: str | None
    given_name: str | None
    family_name: str | None
    date_of_birth: date | None
    re_referral: bool
    previous_enquiry_id: uuid.UUID | None
    consent: ConsentStatus | None
    consent_reason: str | None


@dataclass(frozen=True, slots=True)
class RequestView:
    id: uuid.UUID
    enquiry_id: uuid.UUID
    agency: AgencyView
    question: str
    requested_at: datetime
    due_at: datetime
    overdue: bool
    escalated_at: datetime | None
    response: ResponseKind | None
    responded_at: datetime | None
    on_time: bool | None
    #: Null when the answer is withheld from the caller (consent, policy).
    summary: str | None
    categories: list[Category]
    lawful_basis: LawfulBasis | None
    not_sharing_reason: NotSharingReason | None
    justification: str | None
    #: Why the answer's content is null for the caller (``CONSENT_REQUIRED`` ...), if it is.
    withheld: str | None


@dataclass(frozen=True, slots=True)
class ParticipantView:
    agency: AgencyView
    seat: Seat
    role: str


@dataclass(frozen=True, slots=True)
class DecisionView:
    outcome: Outcome
    #: The council's MASH team only.
    rationale: str | None
    participants: list[ParticipantView]
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class EnquiryView:
    id: uuid.UUID
    council: AgencyView
    source: ContactSource
    source_agency: AgencyView | None
    #: The council's MASH team only.
    summary: str | None
    received_at: datetime
    rag: Rag
    deadline: datetime
    #: Working minutes left (plain minutes for a clock that runs outside working hours);
    #: negative once overdue; null once closed.
    minutes_left: int | None
    overdue: bool
    opened_at: datetime
    closed_at: datetime | None
    access_ends_at: datetime | None
    children: list[EnquiryChildView]
    requests: list[RequestView]
    decision: DecisionView | None


@dataclass(frozen=True, slots=True)
class PartnerRequestView:
    """A request as the partner seat sees it: the request and the enquiry it belongs to."""

    request: RequestView
    enquiry: EnquiryView


@dataclass(frozen=True, slots=True)
class BoardRequestView:
    agency: AgencyView
    answered: bool
    overdue: bool


@dataclass(frozen=True, slots=True)
class BoardRowView:
    id: uuid.UUID
    rag: Rag
    source: ContactSource
    received_at: datetime
    deadline: datetime
    minutes_left: int
    overdue: bool
    children: int
    re_referrals: int
    requests: list[BoardRequestView]


@dataclass(frozen=True, slots=True)
class TimelinessView:
    agency: AgencyView
    requests: int
    answered: int
    answered_on_time: int
    outstanding: int
    overdue: int
    #: Never answered: the enquiry was decided without it.
    unanswered: int
    on_time_rate: float | None


# --- Statements -----------------------------------------------------------------------------

_Source = aliased(Agency)
_Council = aliased(Agency)
_ENQUIRY = (
    select(
        Enquiry.id,
        Enquiry.council_id,
        _Council.code,
        _Council.name,
        _Council.kind,
        Enquiry.source,
        _Source.code.label("source_code"),
        _Source.name.label("source_name"),
        _Source.kind.label("source_kind"),
        Enquiry.summary,
        Enquiry.received_at,
        Enquiry.rag,
        Enquiry.deadline,
        Enquiry.opened_at,
        Enquiry.closed_at,
        Enquiry.access_ends_at,
    )
    .join(_Council, _Council.id == Enquiry.council_id)
    .outerjoin(_Source, _Source.id == Enquiry.source_agency_id)
    .where(Enquiry.id.in_(bindparam("ids", expanding=True)))
)
_CHILDREN = (
    select(
        EnquiryChild.enquiry_id,
        EnquiryChild.child_id,
        Child.hub_id,
        Child.nhs_number,
        Child.given_name,
        Child.family_name,
        Child.date_of_birth,
        EnquiryChild.previous_enquiry_id,
        EnquiryChild.consent_status,
        EnquiryChild.consent_reason,
    )
    .join(Child, Child.id == EnquiryChild.child_id)
    .where(EnquiryChild.enquiry_id.in_(bindparam("ids", expanding=True)))
    .order_by(EnquiryChild.id)
)
_REQUESTS = (
    select(
        InformationRequest.id,
        InformationRequest.enquiry_id,
        InformationRequest.agency_id,
        Agency.code,
        Agency.name,
        Agency.kind,
        InformationRequest.question,
        InformationRequest.requested_at,
        InformationRequest.due_at,
        InformationRequest.escalated_at,
        InformationRequest.response,
        InformationRequest.responded_at,
        InformationRequest.summary,
        InformationRequest.categories,
        InformationRequest.lawful_basis,
        InformationRequest.not_sharing_reason,
        InformationRequest.justification,
    )
    .join(Agency, Agency.id == InformationRequest.agency_id)
    .where(InformationRequest.enquiry_id.in_(bindparam("ids", expanding=True)))
    .order_by(Agency.code)
)
_DECISIONS = select(
    EnquiryDecision.enquiry_id,
    EnquiryDecision.outcome,
    EnquiryDecision.rationale,
    EnquiryDecision.participants,
    EnquiryDecision.decided_at,
).where(EnquiryDecision.enquiry_id.in_(bindparam("ids", expanding=True)))
_AGENCIES_BY_CODE = select(Agency.id, Agency.code, Agency.name, Agency.kind).where(
    Agency.code.in_(bindparam("codes", expanding=True))
)
_AGENCIES_BY_ID = select(Agency.id, Agency.code, Agency.name, Agency.kind).where(
    Agency.id.in_(bindparam("ids", expanding=True))
)
#: The latest earlier contact to the same council about each child within the re-referral
#: window (a re-referral is to the same local authority; another council's enquiry is
#: its own).
_PREVIOUS = (
    select(EnquiryChild.child_id, Enquiry.id, Enquiry.received_at)
    .join(Enquiry, Enquiry.id == EnquiryChild.enquiry_id)
    .where(
        EnquiryChild.child_id.in_(bindparam("child_ids", expanding=True)),
        Enquiry.council_id == bindparam("council_id"),
        Enquiry.received_at >= bindparam("since"),
        Enquiry.received_at < bindparam("received_at"),
    )
    .order_by(EnquiryChild.child_id, Enquiry.received_at.desc())
)
#: Every change to an enquiry takes its row first: a request, an answer, consent and the
#: decision are serialised, so none can slip past closing (PostgreSQL; SQLite serialises
#: writers anyway).
_LOCK = select(Enquiry.id).where(Enquiry.id == bindparam("enquiry_id")).with_for_update()
_REQUEST_ENQUIRY = select(InformationRequest.enquiry_id).where(
    InformationRequest.id == bindparam("request_id")
)
_INSERT_ENQUIRY = insert(Enquiry)
_INSERT_CHILDREN = insert(EnquiryChild)
_INSERT_REQUESTS = insert(InformationRequest)
_INSERT_RELATIONSHIPS = insert(ChildRelationship)
_INSERT_DECISION = insert(EnquiryDecision)
_ANSWER = (
    update(InformationRequest)
    .where(InformationRequest.id == bindparam("request_id"), InformationRequest.response.is_(None))
    .values(
        response=bindparam("v_response"),
        responded_by=bindparam("user_id"),
        responded_at=bindparam("now"),
        summary=bindparam("v_summary"),
        categories=bindparam("v_categories"),
        lawful_basis=bindparam("v_lawful_basis"),
        not_sharing_reason=bindparam("v_not_sharing_reason"),
        justification=bindparam("v_justification"),
    )
)
_CONSENT = (
    update(EnquiryChild)
    .where(
        EnquiryChild.enquiry_id == bindparam("the_enquiry"),
        EnquiryChild.child_id == bindparam("the_child"),
    )
    .values(
        consent_status=bindparam("status"),
        consent_reason=bindparam("reason"),
        consent_recorded_by=bindparam("user_id"),
        consent_recorded_at=bindparam("now"),
    )
)
_CLOSE = (
    update(Enquiry)
    .where(Enquiry.id == bindparam("enquiry_id"), Enquiry.closed_at.is_(None))
    .values(closed_at=bindparam("now"), access_ends_at=bindparam("ends_at"))
)
_END_RELATIONSHIPS = (
    update(ChildRelationship)
    .where(
        ChildRelationship.kind == RelationshipKind.ENQUIRY,
        ChildRelationship.reference == bindparam("enquiry_reference"),
    )
    .values(
        valid_to=case(
            (
                ChildRelationship.valid_from > bindparam("ends_on", type_=Date),
                ChildRelationship.valid_from,
            ),
            else_=bindparam("ends_on", type_=Date),
        ),
        ends_at=bindparam("until"),
    )
)
#: Requests to the caller's agency whose enquiry is still open to it.
_PARTNER_REQUESTS = (
    select(InformationRequest.enquiry_id)
    .join(Enquiry, Enquiry.id == InformationRequest.enquiry_id)
    .where(
        InformationRequest.agency_id == bindparam("agency_id"),
        (Enquiry.access_ends_at.is_(None)) | (Enquiry.access_ends_at > bindparam("now")),
    )
    .order_by(InformationRequest.due_at, InformationRequest.id)
    .limit(bindparam("first"))
)
_PARTNER_OPEN = _PARTNER_REQUESTS.where(
    InformationRequest.response.is_(None), Enquiry.closed_at.is_(None)
)
_ESCALATED = (
    select(InformationRequest.enquiry_id)
    .join(Enquiry, Enquiry.id == InformationRequest.enquiry_id)
    .where(
        InformationRequest.escalated_at.is_not(None),
        InformationRequest.response.is_(None),
        Enquiry.closed_at.is_(None),
    )
    .order_by(InformationRequest.due_at, InformationRequest.id)
    .limit(MAX_PAGE)
)
#: Escalations in the caller council's enquiries, or of requests to the caller's agency.
_ESCALATED_FOR = {
    True: _ESCALATED.where(Enquiry.council_id == bindparam("agency_id")),
    False: _ESCALATED.where(InformationRequest.agency_id == bindparam("agency_id")),
}
_BOARD = (
    select(Enquiry.id)
    .where(Enquiry.council_id == bindparam("agency_id"), Enquiry.closed_at.is_(None))
    .order_by(Enquiry.deadline, Enquiry.id)
)
_TIMELINESS = (
    select(
        Agency.id,
        Agency.code,
        Agency.name,
        Agency.kind,
        InformationRequest.due_at,
        InformationRequest.responded_at,
        Enquiry.closed_at,
    )
    .join(Enquiry, Enquiry.id == InformationRequest.enquiry_id)
    .join(Agency, Agency.id == InformationRequest.agency_id)
    .where(
        Enquiry.received_at >= bindparam("since"),
        Enquiry.received_at < bindparam("until"),
    )
)
#: Timeliness of every agency asked in the caller council's enquiries, or the caller's own.
_TIMELINESS_FOR = {
    True: _TIMELINESS.where(Enquiry.council_id == bindparam("agency_id")),
    False: _TIMELINESS.where(InformationRequest.agency_id == bindparam("agency_id")),
}


# --- Loading and access ---------------------------------------------------------------------


@dataclass(slots=True)
class _Loaded:
    row: Row[Any]
    children: list[Row[Any]]
    requests: list[Row[Any]]
    decision: Row[Any] | None
    #: Closed by this operation: its caller sees the result, whatever the grace period.
    closing: bool = False

    @property
    def id(self) -> uuid.UUID:
        enquiry_id: uuid.UUID = self.row.id
        return enquiry_id

    @property
    def child_ids(self) -> list[int]:
        return [child.child_id for child in self.children]

    def consent(self, child_id: int) -> ConsentStatus | None:
        for child in self.children:
            if child.child_id == child_id:
                status: ConsentStatus | None = child.consent_status
                return status
        return None


async def _load(ctx: RequestContext, ids: Sequence[uuid.UUID]) -> list[_Loaded]:
    """Enquiries with their children, requests and decisions, in the order of ``ids``."""
    if not ids:
        return []
    unique = list(dict.fromkeys(ids))
    rows = {row.id: row for row in await fetch(ctx, _ENQUIRY, ids=unique)}
    loaded = {enquiry_id: _Loaded(row, [], [], None) for enquiry_id, row in rows.items()}
    for child in await fetch(ctx, _CHILDREN, ids=list(rows)):
        loaded[child.enquiry_id].children.append(child)
    for request in await fetch(ctx, _REQUESTS, ids=list(rows)):
        loaded[request.enquiry_id].requests.append(request)
    for decision in await fetch(ctx, _DECISIONS, ids=list(rows)):
        loaded[decision.enquiry_id].decision = decision
    return [loaded[enquiry_id] for enquiry_id in unique if enquiry_id in loaded]


def _is_council(ctx: RequestContext, enquiry: _Loaded) -> bool:
    return bool(enquiry.row.council_id == ctx.principal.agency_id)


def _own_request(ctx: RequestContext, enquiry: _Loaded) -> Row[Any] | None:
    for request in enquiry.requests:
        if request.agency_id == ctx.principal.agency_id:
            return request
    return None


def _relationship(ctx: RequestContext, enquiry: _Loaded) -> RelationshipKind | None:
    """``enquiry`` while the caller's agency is party to the enquiry and it is open (or in
    its grace period), for the MASH purpose; otherwise none."""
    party = _is_council(ctx, enquiry) or _own_request(ctx, enquiry) is not None
    ends = enquiry.row.access_ends_at
    mash = ctx.purpose is Purpose.SAFEGUARDING_MASH  # the enquiry is the MASH's work only
    if party and mash and (ends is None or ctx.now < ends or enquiry.closing):
        return RelationshipKind.ENQUIRY
    return None


def _ask(
    ctx: RequestContext,
    enquiry: _Loaded,
    child_id: int,
    *,
    action: Action,
    category: Category,
    owner: int | None = None,
    consent_required: bool = False,
    statutory_basis: LawfulBasis | None = None,
) -> Decision:
    status = enquiry.consent(child_id)
    return decide(
        ctx,
        action=action,
        category=category,
        child_id=child_id,
        facts=Facts(
            relationship=_relationship(ctx, enquiry),
            owner_agency_id=owner,
            consent=status is ConsentStatus.GIVEN,
            consent_required=consent_required,
            statutory_basis=statutory_basis,
        ),
    )


def _gate(
    ctx: RequestContext,
    enquiry: _Loaded,
    *,
    action: Action,
    category: Category,
    owner: int | None = None,
    consent_required: bool = False,
) -> None:
    """Ask for every child of the enquiry (each decision is audited); raise on the first
    refusal. No relationship looks like an unknown enquiry."""
    refused: Decision | None = None
    for child_id in enquiry.child_ids:
        decision = _ask(
            ctx,
            enquiry,
            child_id,
            action=action,
            category=category,
            owner=owner,
            consent_required=consent_required,
        )
        if not decision.allowed and refused is None:
            refused = decision
    if refused is not None:
        if refused.reason is Reason.NO_RELATIONSHIP or refused.code is None:
            raise NOT_FOUND
        raise refusal(refused)


async def _one(ctx: RequestContext, enquiry_id: uuid.UUID) -> _Loaded:
    loaded = await _load(ctx, [enquiry_id])
    if not loaded:
        raise NOT_FOUND
    return loaded[0]


async def _for_council(
    ctx: RequestContext, enquiry_id: uuid.UUID, *, action: Action, category: Category
) -> _Loaded:
    """The enquiry, open, for its own council's MASH team to act on (its row locked)."""
    require_grant(ctx, action=action, category=category)
    await fetch(ctx, _LOCK, enquiry_id=enquiry_id)
    enquiry = await _one(ctx, enquiry_id)
    if not _is_council(ctx, enquiry):
        _gate(ctx, enquiry, action=action, category=category)  # records the refusal
        raise NOT_FOUND  # pragma: no cover - _gate refuses: no relationship
    _gate(ctx, enquiry, action=action, category=category, owner=enquiry.row.council_id)
    if enquiry.row.closed_at is not None:
        raise CLOSED
    return enquiry


# --- Shaping --------------------------------------------------------------------------------


def _agency(code: str, name: str, kind: AgencyKind) -> AgencyView:
    return AgencyView(code=code, name=name, kind=kind)


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _request_view(ctx: RequestContext, enquiry: _Loaded, request: Row[Any]) -> RequestView:
    """A request and its answer; the answer's content only where policy allows each child
    (and, for consent-based categories, the child's consent given or the statutory basis the
    seat recorded, or the caller wrote it). Withheld content is null, with its reason in
    ``withheld`` and the audit event."""
    withheld: str | None = None
    # the answering agency's own answer: it wrote it, so no consent-based category hides it
    own = request.agency_id == ctx.principal.agency_id
    basis = request.lawful_basis if request.lawful_basis in STATUTORY_OVERRIDE_BASES else None
    if request.response is not None:
        for child_id in enquiry.child_ids:
            categories = [Category.MASH_RESPONSE] + [
                Category(c) for c in request.categories or [] if c in CONSENT_CATEGORIES and not own
            ]
            for category in categories:
                decision = _ask(
                    ctx,
                    enquiry,
                    child_id,
                    action=Action.READ,
                    category=category,
                    owner=request.agency_id,
                    statutory_basis=basis,
                )
                if not decision.allowed:
                    withheld = withheld or decision.code or "WITHHELD"
                    ctx.audit.mask(child_id, "mashRequest.summary", decision.code or "WITHHELD")
    visible = request.response is not None and withheld is None
    answered = request.responded_at
    return RequestView(
        id=request.id,
        enquiry_id=request.enquiry_id,
        agency=_agency(request.code, request.name, request.kind),
        question=request.question,
        requested_at=request.requested_at,
        due_at=request.due_at,
        overdue=answered is None and enquiry.row.closed_at is None and ctx.now > request.due_at,
        escalated_at=request.escalated_at,
        response=request.response,
        responded_at=answered,
        on_time=None if answered is None else answered <= request.due_at,
        summary=request.summary if visible else None,
        categories=[Category(c) for c in request.categories or []] if visible else [],
        lawful_basis=request.lawful_basis if visible else None,
        not_sharing_reason=request.not_sharing_reason if visible else None,
        justification=request.justification if visible else None,
        withheld=withheld,
    )


def _child_view(ctx: RequestContext, enquiry: _Loaded, child: Row[Any]) -> EnquiryChildView:
    council = _is_council(ctx, enquiry)
    identity = _ask(
        ctx, enquiry, child.child_id, action=Action.READ, category=Category.IDENTITY
    ).allowed
    return EnquiryChildView(
        hub_id=child.hub_id if identity else None,
        nhs_number=child.nhs_number if identity else None,
        given_name=child.given_name if identity else None,
        family_name=child.family_name if identity else None,
        date_of_birth=child.date_of_birth if identity else None,
        # earlier enquiries are the council's history, not the partners' business
        re_referral=council and child.previous_enquiry_id is not None,
        previous_enquiry_id=child.previous_enquiry_id if council else None,
        consent=child.consent_status,
        consent_reason=child.consent_reason if council else None,
    )


def _decision_view(
    ctx: RequestContext, enquiry: _Loaded, agencies: dict[int, AgencyView]
) -> DecisionView | None:
    decision = enquiry.decision
    if decision is None:
        return None
    allowed = all(
        _ask(ctx, enquiry, child_id, action=Action.READ, category=Category.MASH_DECISION).allowed
        for child_id in enquiry.child_ids
    )
    if not allowed:
        return None
    council = _is_council(ctx, enquiry)
    return DecisionView(
        outcome=decision.outcome,
        rationale=decision.rationale if council else None,
        participants=[
            ParticipantView(agencies[p["agency_id"]], Seat(p["seat"]), p["role"])
            for p in decision.participants or []
        ]
        if council
        else [],
        decided_at=decision.decided_at,
    )


async def _participant_agencies(
    ctx: RequestContext, enquiries: Sequence[_Loaded]
) -> dict[int, AgencyView]:
    ids = sorted(
        {
            p["agency_id"]
            for enquiry in enquiries
            if enquiry.decision is not None
            for p in enquiry.decision.participants or []
        }
    )
    if not ids:
        return {}
    rows = await fetch(ctx, _AGENCIES_BY_ID, ids=ids)
    return {row.id: _agency(row.code, row.name, row.kind) for row in rows}


def _view(ctx: RequestContext, enquiry: _Loaded, agencies: dict[int, AgencyView]) -> EnquiryView:
    """The enquiry as the caller may see it (the caller's access already decided)."""
    row = enquiry.row
    council = _is_council(ctx, enquiry)
    _gate(ctx, enquiry, action=Action.READ, category=Category.MASH_ENQUIRY, owner=row.council_id)
    requests = [
        _request_view(ctx, enquiry, request)
        for request in enquiry.requests
        if council or request.agency_id == ctx.principal.agency_id
    ]
    open_ = row.closed_at is None
    return EnquiryView(
        id=row.id,
        council=_agency(row.code, row.name, row.kind),
        source=row.source,
        # who made the contact can say much about the child (a school, a CAMHS provider)
        source_agency=_agency(row.source_code, row.source_name, row.source_kind)
        if row.source_code and council
        else None,
        summary=row.summary if council else None,
        received_at=row.received_at,
        rag=row.rag,
        deadline=row.deadline,
        minutes_left=_minutes(ctx.mash.time_left(row.rag, row.deadline, ctx.now))
        if open_
        else None,
        overdue=open_ and ctx.now > row.deadline,
        opened_at=row.opened_at,
        closed_at=row.closed_at,
        access_ends_at=row.access_ends_at,
        children=[_child_view(ctx, enquiry, child) for child in enquiry.children],
        requests=requests,
        decision=_decision_view(ctx, enquiry, agencies),
    )


async def _views(ctx: RequestContext, enquiries: Sequence[_Loaded]) -> list[EnquiryView]:
    agencies = await _participant_agencies(ctx, enquiries)
    return [_view(ctx, enquiry, agencies) for enquiry in enquiries]


async def _reload(ctx: RequestContext, enquiry_id: uuid.UUID) -> EnquiryView:
    (view,) = await _views(ctx, [await _one(ctx, enquiry_id)])
    return view


# --- Validation -----------------------------------------------------------------------------


def _text(value: str | None, field: str, *, required: bool = True) -> str | None:
    if value is None or not value.strip():
        if required:
            raise HubError("INVALID_INPUT", f"{field}: required", field=field)
        return None
    trimmed = value.strip()
    if "\x00" in trimmed:
        raise HubError("INVALID_INPUT", f"{field}: contains a NUL character", field=field)
    if len(trimmed) > MAX_TEXT:
        raise HubError("INVALID_INPUT", f"{field}: at most {MAX_TEXT} characters", field=field)
    return trimmed


def _aware(moment: datetime, field: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise HubError("INVALID_INPUT", f"{field}: give a time zone offset", field=field)
    return moment


async def _agencies_by_code(
    ctx: RequestContext, codes: Sequence[str], field: str
) -> list[Row[Any]]:
    rows = {row.code: row for row in await fetch(ctx, _AGENCIES_BY_CODE, codes=list(codes))}
    found = []
    for position, code in enumerate(codes):
        if code not in rows:
            raise HubError(
                "AGENCY_NOT_FOUND",
                f"{field}.{position}: no such agency",
                field=f"{field}.{position}",
            )
        found.append(rows[code])
    return found


# --- Opening --------------------------------------------------------------------------------


async def open_enquiry(
    ctx: RequestContext,
    *,
    source: ContactSource,
    source_agency: str | None,
    summary: str,
    received_at: datetime,
    rag: Rag,
    children: Sequence[ChildKey],
) -> EnquiryView:
    """Open an enquiry on a contact: the RAG clock runs from ``received_at``. Each child
    known to the hub is flagged when an earlier contact about it came within the
    re-referral window. The council's MASH team holds the enquiry relationship from now."""
    require_grant(ctx, action=Action.CREATE, category=Category.MASH_ENQUIRY)
    principal = ctx.principal
    if principal.agency_kind is not AgencyKind.COUNCIL:  # pragma: no cover - policy: council
        raise HubError("FORBIDDEN", "only a council's MASH team opens enquiries")
    text = _text(summary, "summary")
    assert text is not None
    received = _aware(received_at, "receivedAt")
    if received < ctx.now - MAX_CONTACT_AGE:
        raise HubError("INVALID_INPUT", "receivedAt: more than two years ago", field="receivedAt")
    if received > ctx.now + CLOCK_SKEW:
        raise HubError(
            "INVALID_INPUT", "receivedAt: a contact cannot arrive in the future", field="receivedAt"
        )
    if not 1 <= len(children) <= MAX_CHILDREN:
        raise HubError(
            "INVALID_INPUT", f"children: give 1 to {MAX_CHILDREN} children", field="children"
        )
    source_id = None
    if source_agency is not None:
        (source_row,) = await _agencies_by_code(ctx, [source_agency], "sourceAgency")
        source_id = source_row.id

    child_ids: list[int] = []
    for position, key in enumerate(children):
        found = await find_child(ctx, nhs_number=key.nhs_number, hub_id=key.hub_id)
        if found is None:
            raise HubError(
                "CHILD_NOT_FOUND",
                f"children.{position}: no child known to the hub has that identifier",
                field=f"children.{position}",
            )
        if found.child.id in child_ids:
            raise HubError(
                "INVALID_INPUT",
                f"children.{position}: the same child twice",
                field=f"children.{position}",
            )
        child_ids.append(found.child.id)
    for child_id in child_ids:
        # opening the enquiry is what makes the relationship
        decision = decide(
            ctx,
            action=Action.CREATE,
            category=Category.MASH_ENQUIRY,
            child_id=child_id,
            facts=Facts(relationship=RelationshipKind.ENQUIRY),
        )
        if not decision.allowed:  # pragma: no cover - the grant was checked above
            raise refusal(decision)

    previous: dict[int, uuid.UUID] = {}
    since = ctx.mash.rereferral_since(received)
    found_before = await fetch(
        ctx,
        _PREVIOUS,
        child_ids=child_ids,
        council_id=principal.agency_id,
        since=since,
        received_at=received,
    )
    for row in found_before:
        previous.setdefault(row.child_id, row.id)

    enquiry_id = uuid.uuid4()
    connection = await ctx.session.connection()
    await connection.execute(
        _INSERT_ENQUIRY,
        {
            "id": enquiry_id,
            "council_id": principal.agency_id,
            "source": source,
            "source_agency_id": source_id,
            "summary": text,
            "received_at": received,
            "rag": rag,
            "deadline": ctx.mash.deadline(rag, received),
            "opened_by": principal.user_id,
            "opened_at": ctx.now,
        },
    )
    await connection.execute(
        _INSERT_CHILDREN,
        [
            {
                "enquiry_id": enquiry_id,
                "child_id": child_id,
                "previous_enquiry_id": previous.get(child_id),
            }
            for child_id in child_ids
        ],
    )
    await _relate(ctx, enquiry_id, [principal.agency_id], child_ids)
    ctx.audit.note("enquiry", str(enquiry_id))
    ctx.audit.note("rag", str(rag))
    return await _reload(ctx, enquiry_id)


async def _relate(
    ctx: RequestContext, enquiry_id: uuid.UUID, agency_ids: Sequence[int], child_ids: Sequence[int]
) -> None:
    connection = await ctx.session.connection()
    await connection.execute(
        _INSERT_RELATIONSHIPS,
        [
            {
                "child_id": child_id,
                "agency_id": agency_id,
                "kind": RelationshipKind.ENQUIRY,
                "user_id": None,
                "reference": str(enquiry_id),
                "valid_from": ctx.today,
                "valid_to": None,
                "ends_at": None,
            }
            for agency_id in agency_ids
            for child_id in child_ids
        ],
    )


# --- Information requests -------------------------------------------------------------------


async def request_information(
    ctx: RequestContext, *, enquiry_id: uuid.UUID, agencies: Sequence[str], question: str
) -> EnquiryView:
    """Ask partner agencies' MASH seats what they know, due by the enquiry's RAG deadline.
    Asking an agency again is a no-op. Each seat holds the enquiry relationship from now."""
    enquiry = await _for_council(
        ctx, enquiry_id, action=Action.NOTIFY, category=Category.MASH_ENQUIRY
    )
    text = _text(question, "question")
    if not 1 <= len(agencies) <= MAX_PARTNERS:
        raise HubError(
            "INVALID_INPUT", f"agencies: give 1 to {MAX_PARTNERS} agencies", field="agencies"
        )
    rows = await _agencies_by_code(ctx, agencies, "agencies")
    for position, row in enumerate(rows):
        if row.kind not in PARTNER_KINDS:
            raise HubError(
                "INVALID_INPUT",
                f"agencies.{position}: not a partner MASH seat (police, health, school, district)",
                field=f"agencies.{position}",
            )
    asked = {request.agency_id for request in enquiry.requests}
    new = list(dict.fromkeys(row.id for row in rows if row.id not in asked))
    if new:
        connection = await ctx.session.connection()
        await connection.execute(
            _INSERT_REQUESTS,
            [
                {
                    "id": uuid.uuid4(),
                    "enquiry_id": enquiry.id,
                    "agency_id": agency_id,
                    "requested_by": ctx.principal.user_id,
                    "requested_at": ctx.now,
                    "question": text,
                    "due_at": enquiry.row.deadline,
                }
                for agency_id in new
            ],
        )
        await _relate(ctx, enquiry.id, new, enquiry.child_ids)
    ctx.audit.note("enquiry", str(enquiry.id))
    ctx.audit.note("agencies_asked", ",".join(sorted(row.code for row in rows)))
    return await _reload(ctx, enquiry.id)


async def partner_requests(
    ctx: RequestContext, *, open_only: bool, first: int
) -> list[PartnerRequestView]:
    """Requests to the caller's agency whose enquiry is still open to it, soonest due first
    (``open_only``: unanswered, enquiry not closed)."""
    require_grant(ctx, action=Action.READ, category=Category.MASH_ENQUIRY)
    if not 1 <= first <= MAX_PAGE:
        raise HubError("INVALID_INPUT", f"first: 1 to {MAX_PAGE}", field="first")
    statement = _PARTNER_OPEN if open_only else _PARTNER_REQUESTS
    rows = await fetch(ctx, statement, agency_id=ctx.principal.agency_id, now=ctx.now, first=first)
    enquiries = await _load(ctx, [row.enquiry_id for row in rows])
    views = await _views(ctx, enquiries)
    return [
        PartnerRequestView(request=request, enquiry=view)
        for view in views
        for request in view.requests  # a partner's view holds its own request only
    ]


async def respond(
    ctx: RequestContext,
    *,
    request_id: uuid.UUID,
    response: ResponseKind,
    summary: str | None,
    categories: Sequence[Category],
    lawful_basis: LawfulBasis | None,
    not_sharing_reason: NotSharingReason | None,
    justification_text: str | None,
) -> RequestView:
    """A partner seat answers a request to its agency, once: records shared (what it found,
    from which categories, on which lawful basis), nothing known, or a decision not to share
    (reason and justification). Sharing on consent needs each child's consent given."""
    require_grant(ctx, action=Action.CREATE, category=Category.MASH_RESPONSE)
    found = await fetch(ctx, _REQUEST_ENQUIRY, request_id=request_id)
    if not found:
        raise REQUEST_NOT_FOUND
    await fetch(ctx, _LOCK, enquiry_id=found[0].enquiry_id)
    enquiry = await _one(ctx, found[0].enquiry_id)
    request = next(r for r in enquiry.requests if r.id == request_id)
    mine = request.agency_id == ctx.principal.agency_id
    _gate_request(ctx, enquiry, mine, lawful_basis)
    if enquiry.row.closed_at is not None:
        raise CLOSED
    if request.response is not None:
        raise ALREADY_ANSWERED
    values = _answer(
        ctx, response, summary, categories, lawful_basis, not_sharing_reason, justification_text
    )
    answered = await execute(
        ctx,
        _ANSWER,
        request_id=request_id,
        user_id=ctx.principal.user_id,
        now=ctx.now,
        **values,
    )
    if answered != 1:  # pragma: no cover - the row lock above serialises answers
        raise ALREADY_ANSWERED
    for key, value in (
        ("enquiry", str(enquiry.id)),
        ("request", str(request_id)),
        ("response", str(response)),
        ("lawful_basis", str(lawful_basis) if lawful_basis else None),
        ("not_sharing_reason", str(not_sharing_reason) if not_sharing_reason else None),
    ):
        ctx.audit.note(key, value)
    (reloaded,) = await _load(ctx, [enquiry.id])
    return _request_view(ctx, reloaded, next(r for r in reloaded.requests if r.id == request_id))


def _gate_request(
    ctx: RequestContext, enquiry: _Loaded, mine: bool, lawful_basis: LawfulBasis | None
) -> None:
    refused: Decision | None = None
    for child_id in enquiry.child_ids:  # ask for every child: each decision is audited
        decision = decide(
            ctx,
            action=Action.CREATE,
            category=Category.MASH_RESPONSE,
            child_id=child_id,
            facts=Facts(
                relationship=_relationship(ctx, enquiry) if mine else None,
                consent=enquiry.consent(child_id) is ConsentStatus.GIVEN,
                consent_required=lawful_basis is LawfulBasis.CONSENT,
            ),
        )
        if not decision.allowed and refused is None:
            refused = decision
    if refused is not None:
        if refused.reason is Reason.NO_RELATIONSHIP or refused.code is None:
            raise REQUEST_NOT_FOUND
        raise refusal(refused, field="lawfulBasis")


def _answer(
    ctx: RequestContext,
    response: ResponseKind,
    summary: str | None,
    categories: Sequence[Category],
    lawful_basis: LawfulBasis | None,
    not_sharing_reason: NotSharingReason | None,
    justification_text: str | None,
) -> dict[str, Any]:
    """The answer's columns, each kind with exactly the fields it needs."""
    given = {
        "summary": summary,
        "categories": list(categories) or None,
        "lawfulBasis": lawful_basis,
        "notSharingReason": not_sharing_reason,
        "justification": justification_text,
    }
    needed = {
        ResponseKind.RECORDS_SHARED: {"summary", "categories", "lawfulBasis"},
        ResponseKind.NOTHING_KNOWN: set(),
        ResponseKind.DECISION_NOT_TO_SHARE: {"notSharingReason", "justification"},
    }[response]
    if len(categories) > len(Category):
        raise HubError("INVALID_INPUT", "categories: too many", field="categories")
    sensitive = any(category in CONSENT_CATEGORIES for category in categories)
    # consent-based categories go on consent, or on a statutory basis explained in writing
    if (
        response is ResponseKind.RECORDS_SHARED
        and sensitive
        and lawful_basis not in (None, LawfulBasis.CONSENT)
    ):
        if lawful_basis not in STATUTORY_OVERRIDE_BASES:
            raise HubError(
                "INVALID_INPUT",
                "lawfulBasis: consent-based categories are shared on consent or a "
                "statutory basis (s17, s47, DPA 2018 Sch.1 para 18, the 2026 duty)",
                field="lawfulBasis",
            )
        needed = needed | {"justification"}
    for name, value in given.items():
        if name in needed and value is None:
            raise HubError("INVALID_INPUT", f"{name}: required for {response}", field=name)
        if name not in needed and value is not None:
            raise HubError("INVALID_INPUT", f"{name}: not part of {response}", field=name)
    kind = ctx.principal.agency_kind
    for position, category in enumerate(categories):
        if kind not in OWNER_KINDS[category]:
            raise HubError(
                "INVALID_INPUT",
                f"categories.{position}: not a category your agency holds",
                field=f"categories.{position}",
            )
    return {
        "v_response": response,
        # a blank summary or justification is no answer (and would break the row's checks)
        "v_summary": _text(summary, "summary", required="summary" in needed),
        "v_categories": [str(c) for c in dict.fromkeys(categories)] or None,
        "v_lawful_basis": lawful_basis,
        "v_not_sharing_reason": not_sharing_reason,
        "v_justification": (
            justification(justification_text) if justification_text is not None else None
        ),
    }


# --- Consent and the decision ---------------------------------------------------------------


async def record_consent(
    ctx: RequestContext,
    *,
    enquiry_id: uuid.UUID,
    child: ChildKey,
    status: ConsentStatus,
    reason: str | None,
) -> EnquiryView:
    """Consent for the enquiry for one child: sought, given, refused, or not sought because
    seeking it would increase the risk (reason required)."""
    enquiry = await _for_council(
        ctx, enquiry_id, action=Action.AMEND, category=Category.MASH_ENQUIRY
    )
    text = _text(reason, "reason", required=status is ConsentStatus.NOT_SOUGHT)
    found = await find_child(ctx, nhs_number=child.nhs_number, hub_id=child.hub_id)
    if found is None or found.child.id not in enquiry.child_ids:
        raise HubError("CHILD_NOT_FOUND", "child: not a child in this enquiry", field="child")
    await execute(
        ctx,
        _CONSENT,
        the_enquiry=enquiry.id,
        the_child=found.child.id,
        status=status,
        reason=text,
        user_id=ctx.principal.user_id,
        now=ctx.now,
    )
    # the event keeps what was set, so the consent's history can be traced
    ctx.audit.note("enquiry", str(enquiry.id))
    ctx.audit.note("consent", str(status))
    return await _reload(ctx, enquiry.id)


@dataclass(frozen=True, slots=True)
class Participant:
    agency: str
    seat: Seat
    role: str


async def decide_enquiry(
    ctx: RequestContext,
    *,
    enquiry_id: uuid.UUID,
    outcome: Outcome,
    rationale: str,
    participants: Sequence[Participant],
) -> EnquiryView:
    """Record the decision and close the enquiry: the MASH team's and partners' access to
    the children ends after the grace period. Early help is voluntary: each child's consent
    must be given. A strategy discussion names participants from police, health and
    education."""
    enquiry = await _for_council(
        ctx, enquiry_id, action=Action.CREATE, category=Category.MASH_DECISION
    )
    text = _text(rationale, "rationale")
    if outcome is Outcome.EARLY_HELP:
        _gate(
            ctx,
            enquiry,
            action=Action.NOTIFY,
            category=Category.COUNCIL_EARLY_HELP,
            owner=enquiry.row.council_id,
            consent_required=True,
        )
    stored = await _participants(ctx, outcome, participants)
    ends_at = ctx.now + ctx.mash.grace
    if await execute(ctx, _CLOSE, enquiry_id=enquiry.id, now=ctx.now, ends_at=ends_at) != 1:
        raise CLOSED  # pragma: no cover - the row lock above serialises decisions
    ctx.audit.note("enquiry", str(enquiry.id))
    ctx.audit.note("outcome", str(outcome))
    connection = await ctx.session.connection()
    await connection.execute(
        _INSERT_DECISION,
        {
            "enquiry_id": enquiry.id,
            "outcome": outcome,
            "rationale": text,
            "participants": stored,
            "decided_by": ctx.principal.user_id,
            "decided_at": ctx.now,
        },
    )
    await execute(
        ctx,
        _END_RELATIONSHIPS,
        enquiry_reference=str(enquiry.id),
        ends_on=ends_at.astimezone(LONDON).date(),
        until=ends_at,
    )
    closed = await _one(ctx, enquiry.id)
    closed.closing = True
    (view,) = await _views(ctx, [closed])
    return view


async def _participants(
    ctx: RequestContext, outcome: Outcome, participants: Sequence[Participant]
) -> list[dict[str, Any]] | None:
    if outcome is not Outcome.STRATEGY_DISCUSSION:
        if participants:
            raise HubError(
                "INVALID_INPUT",
                "participants: only a strategy discussion has participants",
                field="participants",
            )
        return None
    if len(participants) > MAX_PARTNERS:
        raise HubError(
            "INVALID_INPUT", f"participants: at most {MAX_PARTNERS}", field="participants"
        )
    rows = await _agencies_by_code(ctx, [p.agency for p in participants], "participants")
    stored = []
    for position, (participant, row) in enumerate(zip(participants, rows, strict=True)):
        field = f"participants.{position}"
        if row.kind not in SEAT_KINDS[participant.seat]:
            raise HubError(
                "INVALID_INPUT", f"{field}: that agency cannot speak for that seat", field=field
            )
        role = _text(participant.role, f"{field}.role")
        stored.append({"agency_id": row.id, "seat": str(participant.seat), "role": role})
    missing = STRATEGY_SEATS - {participant.seat for participant in participants}
    if missing:
        raise HubError(
            "PARTICIPANTS_REQUIRED",
            "participants: a strategy discussion needs "
            + ", ".join(sorted(missing))
            + " (police, health and education take part)",
            field="participants",
        )
    return stored


# --- Reading --------------------------------------------------------------------------------


async def enquiry(ctx: RequestContext, *, enquiry_id: uuid.UUID) -> EnquiryView:
    """One enquiry, to its council's MASH team or a partner asked about it, while open (or
    in its grace period)."""
    require_grant(ctx, action=Action.READ, category=Category.MASH_ENQUIRY)
    loaded = await _one(ctx, enquiry_id)
    (view,) = await _views(ctx, [loaded])
    return view


async def board(ctx: RequestContext) -> list[BoardRowView]:
    """The council MASH team's open enquiries, soonest deadline first, with time left and
    which partners have answered. No child's details: the board is for managing the work."""
    require_grant(ctx, action=Action.READ, category=Category.MASH_ENQUIRY)
    _council_only(ctx)
    rows = await fetch(ctx, _BOARD, agency_id=ctx.principal.agency_id)
    enquiries = await _load(ctx, [row.id for row in rows])
    board_rows = []
    for enquiry_ in enquiries:
        row = enquiry_.row
        board_rows.append(
            BoardRowView(
                id=row.id,
                rag=row.rag,
                source=row.source,
                received_at=row.received_at,
                deadline=row.deadline,
                minutes_left=_minutes(ctx.mash.time_left(row.rag, row.deadline, ctx.now)),
                overdue=ctx.now > row.deadline,
                children=len(enquiry_.children),
                re_referrals=sum(c.previous_enquiry_id is not None for c in enquiry_.children),
                requests=[
                    BoardRequestView(
                        agency=_agency(r.code, r.name, r.kind),
                        answered=r.response is not None,
                        overdue=r.response is None and ctx.now > r.due_at,
                    )
                    for r in enquiry_.requests
                ],
            )
        )
    return board_rows


def _council_only(ctx: RequestContext) -> None:
    _mash_work(ctx, "the MASH board")
    if ctx.principal.agency_kind is not AgencyKind.COUNCIL:
        raise HubError("FORBIDDEN", "the MASH board is the council MASH team's")


def _mash_work(ctx: RequestContext, what: str) -> None:
    """The board, escalations and timeliness are the MASH's work, under its purpose (a
    social worker's grant on enquiries for s47 does not reach them)."""
    if ctx.purpose is not Purpose.SAFEGUARDING_MASH:
        raise HubError("FORBIDDEN", f"{what}: declare safeguarding.mash")


async def escalations(ctx: RequestContext) -> list[PartnerRequestView]:
    """Unanswered requests past their deadline (escalated by the sweep), for a MASH
    manager: those to the manager's own agency, or, in the council, every partner's in the
    council's enquiries."""
    require_grant(ctx, action=Action.READ, category=Category.MASH_ENQUIRY)
    _mash_work(ctx, "escalations")
    if Role.MASH_MANAGER not in ctx.principal.roles:
        raise HubError("FORBIDDEN", "escalations are for MASH managers")
    council = ctx.principal.agency_kind is AgencyKind.COUNCIL
    rows = await fetch(ctx, _ESCALATED_FOR[council], agency_id=ctx.principal.agency_id)
    enquiries = await _load(ctx, [row.enquiry_id for row in rows])
    views = await _views(ctx, enquiries)
    return [
        PartnerRequestView(request=request, enquiry=view)
        for view in views
        for request in view.requests
        if request.escalated_at is not None and request.response is None
    ]


async def timeliness(ctx: RequestContext, *, since: date, until: date) -> list[TimelinessView]:
    """Per partner agency, for contacts received between two UK dates (inclusive): requests,
    answers, answers by the deadline, outstanding and overdue. The council sees every
    agency asked in its enquiries; a partner sees its own."""
    require_grant(ctx, action=Action.READ, category=Category.MASH_ENQUIRY)
    _mash_work(ctx, "timeliness")
    if until < since or (until - since).days >= MAX_REPORT_DAYS or until >= date(9999, 12, 31):
        raise HubError("INVALID_INPUT", f"since/until: 1 to {MAX_REPORT_DAYS} days", field="until")
    rows = await fetch(
        ctx,
        _TIMELINESS_FOR[ctx.principal.agency_kind is AgencyKind.COUNCIL],
        agency_id=ctx.principal.agency_id,
        since=datetime.combine(since, datetime.min.time(), tzinfo=LONDON),
        until=datetime.combine(until + timedelta(days=1), datetime.min.time(), tzinfo=LONDON),
    )
    totals: dict[int, list[Any]] = {}
    for row in rows:
        entry = totals.setdefault(row.id, [_agency(row.code, row.name, row.kind), 0, 0, 0, 0, 0, 0])
        entry[1] += 1
        if row.responded_at is not None:
            entry[2] += 1
            entry[3] += row.responded_at <= row.due_at
        elif row.closed_at is None:
            entry[4] += 1
            entry[5] += ctx.now > row.due_at
        else:  # the enquiry was decided without the agency's answer
            entry[6] += 1
    views = []
    for agency, requests, answered, on_time, outstanding, overdue, unanswered in totals.values():
        judged = answered + overdue + unanswered
        views.append(
            TimelinessView(
                agency=agency,
                requests=requests,
                answered=answered,
                answered_on_time=on_time,
                outstanding=outstanding,
                overdue=overdue,
                unanswered=unanswered,
                on_time_rate=on_time / judged if judged else None,
            )
        )
    return sorted(views, key=lambda view: view.agency.code)
