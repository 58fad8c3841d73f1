"""Operation Encompass, the police side (DESIGN §8): submitting incidents, matching each
child, routing its notification, and the deadline it must be acknowledged by.

A submission is idempotent by police reference: a retry (the same details) returns the
incident made the first time; different details under a reference already used are refused
(``INCIDENT_CONFLICT``), never merged or duplicated. A batch is decided incident by incident:
a bad incident is reported in its own result and does not hold up the others.

Matching: an NHS number the hub holds first; otherwise name, date of birth and address,
scored (``identifiers.matching``); an uncertain or missing match goes to the council's MASH
queue, never to a guessed school. Routing: each school on whose roll the child was on the
incident date (UK civil date); a matched child with no school goes to the council's
children's social care. Deadline: the start of the recipient's next school day after the
incident (``workflows.school_days``), or after the submission when the police sent it
later than that (``sent_late``).

Everything the submission decides goes through ``policies.authorize`` and into the
operation's audit event: notifying each child (relationship: the police's own incident),
and, for the police's answer, which school each child's notification went to.
"""

import hashlib
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import rfc8785
from sqlalchemy import and_, bindparam, insert, or_, select, text
from sqlalchemy.exc import IntegrityError

from db import (
    Address,
    Agency,
    Child,
    ChildRelationship,
    EncompassChild,
    EncompassIncident,
    EncompassNotification,
    Household,
    HouseholdChild,
    SchoolClosure,
    SchoolTerm,
)
from hub import doorbell
from identifiers import InvalidIdentifier, validate_nhs_number
from identifiers.matching import Candidate, Particulars, best_match, normalise_postcode
from policies import Facts
from resolvers.access import decide, refusal, require_grant
from resolvers.context import LONDON, RequestContext
from resolvers.errors import HubError
from resolvers.sql import fetch
from resolvers.views import AgencyView
from vocab.actions import Action
from vocab.agencies import AgencyKind
from vocab.categories import Category
from vocab.encompass import Route, RouteReason
from vocab.matching import MatchMethod
from vocab.relationships import RelationshipKind
from workflows.school_days import DEFAULT_START, SchoolCalendar

#: Incidents in one batch (a force area's busy month fits).
MAX_INCIDENTS = 1000
#: Children in one incident.
MAX_CHILDREN = 20
#: How long the police's relationship with a child lasts after an incident.
INCIDENT_RELATIONSHIP = timedelta(days=365)
#: Clock skew tolerated before an incident time counts as in the future.
FUTURE_SKEW = timedelta(minutes=5)
#: The channel subscribers listen on (payload: agency ids).
CHANNEL = doorbell.CHANNEL

_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_.-]{0,63}$")
_TELEPHONE = re.compile(r"^[0-9 +()]{6,20}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")


# --- Input ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChildSubmission:
    """What the police know of one child."""

    present: bool
    nhs_number: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    date_of_birth: date | None = None
    address_line1: str | None = None
    postcode: str | None = None
    voice_of_child: str | None = None


@dataclass(frozen=True, slots=True)
class IncidentSubmission:
    police_reference: str
    occurred_at: datetime
    location: str
    contact_name: str
    contact_telephone: str
    children: Sequence[ChildSubmission]
    contact_email: str | None = None


# --- Output --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoutedChildView:
    """What the police are told of one child: the match, and where it went."""

    position: int
    method: MatchMethod
    confidence: float
    route: Route
    reason: RouteReason
    #: The recipients (schools, or the council); empty when masked by policy.
    recipients: list[AgencyView]
    deadline: datetime
    sent_late: bool


@dataclass(frozen=True, slots=True)
class IncidentView:
    id: uuid.UUID
    police_reference: str
    occurred_at: datetime
    submitted_at: datetime
    children: list[RoutedChildView]


@dataclass(frozen=True, slots=True)
class SubmissionResult:
    """One incident's outcome in a submission: the incident, or why it was refused."""

    police_reference: str
    incident: IncidentView | None = None
    #: True when the same incident had been submitted before: nothing new was made.
    duplicate: bool = False
    error: HubError | None = None


# --- Validation ----------------------------------------------------------------------------


def _text(value: str | None, where: str, *, limit: int, required: bool = False) -> str | None:
    trimmed = (value or "").strip()
    if not trimmed:
        if required:
            raise HubError("INVALID_INPUT", f"{where}: is required", field=where)
        return None
    if len(trimmed) > limit:
        raise HubError("INVALID_INPUT", f"{where}: at most {limit} characters", field=where)
    return trimmed


def _clean_child(child: ChildSubmission, where: str, today: date) -> ChildSubmission:
    nhs_number = None
    if child.nhs_number is not None and child.nhs_number.strip():
        try:
            nhs_number = validate_nhs_number(child.nhs_number, field=f"{where}.nhsNumber")
        except InvalidIdentifier as exc:
            raise HubError(exc.code, str(exc), field=exc.field) from None
    given = _text(child.given_name, f"{where}.givenName", limit=100)
    family = _text(child.family_name, f"{where}.familyName", limit=100)
    if nhs_number is None and given is None and family is None:
        raise HubError(
            "INVALID_INPUT",
            f"{where}: give an NHS number or a name (with date of birth and address if known)",
            field=where,
        )
    if child.date_of_birth is not None and child.date_of_birth > today:
        raise HubError(
            "INVALID_INPUT", f"{where}.dateOfBirth: is in the future", field=f"{where}.dateOfBirth"
        )
    postcode = None
    if child.postcode is not None and child.postcode.strip():
        postcode = normalise_postcode(child.postcode)
        if not _POSTCODE.match(postcode):
            raise HubError(
                "INVALID_POSTCODE",
                f"{where}.postcode: is not a UK postcode",
                field=f"{where}.postcode",
            )
    return ChildSubmission(
        present=child.present,
        nhs_number=nhs_number,
        given_name=given,
        family_name=family,
        date_of_birth=child.date_of_birth,
        address_line1=_text(child.address_line1, f"{where}.addressLine1", limit=200),
        postcode=postcode,
        voice_of_child=_text(child.voice_of_child, f"{where}.voiceOfChild", limit=2000),
    )


def clean(submission: IncidentSubmission, where: str, now: datetime) -> IncidentSubmission:
    """The submission trimmed and checked, or ``HubError`` naming the field at fault (as
    ``incidents[i].field``), never its value."""
    reference = (submission.police_reference or "").strip()
    if not _REFERENCE.match(reference):
        raise HubError(
            "INVALID_POLICE_REFERENCE",
            f"{where}.policeReference: 1 to 64 letters, digits and / _ . -",
            field=f"{where}.policeReference",
        )
    occurred_at = submission.occurred_at
    if occurred_at.tzinfo is None:
        raise HubError(
            "INVALID_INPUT",
            f"{where}.occurredAt: give a time zone offset",
            field=f"{where}.occurredAt",
        )
    if occurred_at > now + FUTURE_SKEW:
        raise HubError(
            "INVALID_INPUT", f"{where}.occurredAt: is in the future", field=f"{where}.occurredAt"
        )
    telephone = (submission.contact_telephone or "").strip()
    if not _TELEPHONE.match(telephone):
        raise HubError(
            "INVALID_INPUT",
            f"{where}.contactTelephone: 6 to 20 digits, spaces, + and brackets",
            field=f"{where}.contactTelephone",
        )
    email = _text(submission.contact_email, f"{where}.contactEmail", limit=200)
    if email is not None and not _EMAIL.match(email):
        raise HubError(
            "INVALID_INPUT",
            f"{where}.contactEmail: is not an email address",
            field=f"{where}.contactEmail",
        )
    if not 1 <= len(submission.children) <= MAX_CHILDREN:
        raise HubError(
            "INVALID_INPUT",
            f"{where}.children: between 1 and {MAX_CHILDREN} children",
            field=f"{where}.children",
        )
    today = now.astimezone(LONDON).date()
    return IncidentSubmission(
        police_reference=reference,
        occurred_at=occurred_at,
        location=_text(submission.location, f"{where}.location", limit=500, required=True) or "",
        contact_name=_text(
            submission.contact_name, f"{where}.contactName", limit=200, required=True
        )
        or "",
        contact_telephone=telephone,
        contact_email=email,
        children=[
            _clean_child(child, f"{where}.children[{i}]", today)
            for i, child in enumerate(submission.children)
        ],
    )


def digest(submission: IncidentSubmission) -> str:
    """SHA-256 of the cleaned submission in canonical JSON (RFC 8785): a retry has the same."""
    body = {
        "reference": submission.police_reference,
        "occurred_at": submission.occurred_at.astimezone(LONDON).isoformat(),
        "location": submission.location,
        "contact": [
            submission.contact_name,
            submission.contact_telephone,
            submission.contact_email,
        ],
        "children": [
            [
                c.present,
                c.nhs_number,
                c.given_name,
                c.family_name,
                c.date_of_birth.isoformat() if c.date_of_birth else None,
                c.address_line1,
                c.postcode,
                c.voice_of_child,
            ]
            for c in submission.children
        ],
    }
    return hashlib.sha256(rfc8785.dumps(body)).hexdigest()


# --- Statements ----------------------------------------------------------------------------

_EXISTING = select(
    EncompassIncident.id, EncompassIncident.police_reference, EncompassIncident.digest
).where(
    EncompassIncident.police_agency_id == bindparam("agency_id"),
    EncompassIncident.police_reference.in_(bindparam("references", expanding=True)),
)
_BY_NHS = select(Child.nhs_number, Child.id, Child.merged_into_id).where(
    Child.nhs_number.in_(bindparam("numbers", expanding=True))
)
_MERGED = select(Child.id, Child.merged_into_id).where(
    Child.id.in_(bindparam("ids", expanding=True))
)
_CANDIDATES = (
    select(
        Child.id,
        Child.given_name,
        Child.family_name,
        Child.date_of_birth,
        Address.postcode,
        Address.line1,
    )
    .outerjoin(
        HouseholdChild,
        and_(
            HouseholdChild.child_id == Child.id,
            HouseholdChild.valid_from <= bindparam("today"),
            or_(HouseholdChild.valid_to.is_(None), HouseholdChild.valid_to >= bindparam("today")),
        ),
    )
    .outerjoin(Household, Household.id == HouseholdChild.household_id)
    .outerjoin(Address, Address.id == Household.address_id)
    .where(
        Child.date_of_birth.in_(bindparam("dates", expanding=True)),
        Child.merged_into_id.is_(None),
    )
)
_ENROLMENTS = (
    select(
        ChildRelationship.child_id,
        ChildRelationship.agency_id,
        ChildRelationship.valid_from,
        ChildRelationship.valid_to,
    )
    .join(Agency, Agency.id == ChildRelationship.agency_id)
    .where(
        ChildRelationship.child_id.in_(bindparam("ids", expanding=True)),
        ChildRelationship.kind == RelationshipKind.ENROLMENT,
        Agency.kind == AgencyKind.SCHOOL,
    )
)
_AGENCIES = select(
    Agency.id, Agency.code, Agency.name, Agency.kind, Agency.school_day_start, Agency.parent_id
).where(Agency.id.in_(bindparam("ids", expanding=True)))
_TERMS = select(SchoolTerm.agency_id, SchoolTerm.starts_on, SchoolTerm.ends_on).where(
    SchoolTerm.agency_id.in_(bindparam("ids", expanding=True)),
    SchoolTerm.ends_on >= bindparam("since"),
)
_CLOSURES = select(SchoolClosure.agency_id, SchoolClosure.closed_on).where(
    SchoolClosure.agency_id.in_(bindparam("ids", expanding=True)),
    SchoolClosure.closed_on >= bindparam("since"),
)
_POLICE_PARENT = select(Agency.parent_id).where(Agency.id == bindparam("agency_id"))
_COUNCILS = (
    select(Agency.id)
    .where(
        Agency.kind == AgencyKind.COUNCIL, Agency.active.is_(True), Agency.la_number.is_not(None)
    )
    .order_by(Agency.id)
    .limit(2)
)
_IS_COUNCIL = select(Agency.id).where(
    Agency.id == bindparam("agency_id"),
    Agency.kind == AgencyKind.COUNCIL,
    Agency.active.is_(True),
)
_INSERT_INCIDENT = insert(EncompassIncident)
_INSERT_CHILD = insert(EncompassChild)
_INSERT_NOTIFICATION = insert(EncompassNotification)
_INSERT_RELATIONSHIP = insert(ChildRelationship)
_NOTIFY = text("SELECT pg_notify(:channel, :payload)")


# --- Matching ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Matched:
    child_id: int | None
    method: MatchMethod
    confidence: float
    reason: RouteReason | None  # why unmatched, when it is


def _swapped(day: date) -> date | None:
    try:
        return date(day.year, day.day, day.month) if day.day <= 12 else None
    except ValueError:
        return None


async def _survivors(ctx: RequestContext, ids: Iterable[int]) -> dict[int, int]:
    """Each child id mapped to the surviving record after merges (a short chain)."""
    resolved = {child_id: child_id for child_id in ids}
    pending = set(resolved)
    for _ in range(4):
        if not pending:
            break
        rows = await fetch(ctx, _MERGED, ids=sorted(pending))
        moved = {row.id: row.merged_into_id for row in rows if row.merged_into_id is not None}
        pending = set()
        for start, current in resolved.items():
            if current in moved:
                resolved[start] = moved[current]
                pending.add(moved[current])
    return resolved


async def match_children(
    ctx: RequestContext, children: Sequence[ChildSubmission]
) -> list[_Matched]:
    """Match every child of a batch: one query for NHS numbers, one for candidates."""
    numbers = sorted({c.nhs_number for c in children if c.nhs_number})
    by_number: dict[str, int] = {}
    if numbers:
        rows = await fetch(ctx, _BY_NHS, numbers=numbers)
        survivors = await _survivors(ctx, [row.id for row in rows])
        by_number = {row.nhs_number: survivors[row.id] for row in rows}
    results: list[_Matched | None] = []
    dates: set[date] = set()
    for child in children:
        if child.nhs_number and child.nhs_number in by_number:
            results.append(_Matched(by_number[child.nhs_number], MatchMethod.NHS_NUMBER, 1.0, None))
            continue
        results.append(None)
        if child.date_of_birth is not None:
            dates.add(child.date_of_birth)
            swapped = _swapped(child.date_of_birth)
            if swapped is not None:
                dates.add(swapped)
    candidates: dict[date, dict[int, Candidate]] = defaultdict(dict)
    if dates:
        grouped: dict[int, tuple[Any, list[str], list[str]]] = {}
        for row in await fetch(ctx, _CANDIDATES, dates=sorted(dates), today=ctx.today):
            entry = grouped.setdefault(row.id, (row, [], []))
            if row.postcode:
                entry[1].append(row.postcode)
                entry[2].append(row.line1)
        for row, postcodes, lines in grouped.values():
            candidates[row.date_of_birth][row.id] = Candidate(
                child_id=row.id,
                given_name=row.given_name,
                family_name=row.family_name,
                date_of_birth=row.date_of_birth,
                postcodes=tuple(postcodes),
                address_lines=tuple(lines),
            )
    matched: list[_Matched] = []
    for child, found in zip(children, results, strict=True):
        if found is not None:
            matched.append(found)
            continue
        pool: dict[int, Candidate] = {}
        if child.date_of_birth is not None:
            pool.update(candidates.get(child.date_of_birth, {}))
            swapped = _swapped(child.date_of_birth)
            if swapped is not None:
                pool.update(candidates.get(swapped, {}))
        match = best_match(
            Particulars(
                given_name=child.given_name,
                family_name=child.family_name,
                date_of_birth=child.date_of_birth,
                postcode=child.postcode,
                address_line1=child.address_line1,
            ),
            pool.values(),
        )
        if match.child_id is not None:
            matched.append(
                _Matched(match.child_id, MatchMethod.DEMOGRAPHICS, match.confidence, None)
            )
        else:
            reason = (
                RouteReason.NHS_NUMBER_UNKNOWN
                if child.nhs_number
                else RouteReason.UNCERTAIN
                if match.candidates
                else RouteReason.UNMATCHED
            )
            matched.append(_Matched(None, MatchMethod.NONE, match.confidence, reason))
    return matched


# --- Routing -------------------------------------------------------------------------------


@dataclass(slots=True)
class _Recipient:
    view: AgencyView
    calendar: SchoolCalendar
    parent_id: int | None


@dataclass(slots=True)
class Calendars:
    """Recipients' agencies and school calendars, loaded once per batch."""

    agencies: dict[int, _Recipient] = field(default_factory=dict)

    async def load(self, ctx: RequestContext, ids: Iterable[int], since: date) -> None:
        wanted = sorted(set(ids) - set(self.agencies))
        if not wanted:
            return
        terms: dict[int, list[tuple[date, date]]] = defaultdict(list)
        for agency_id, starts_on, ends_on in await fetch(ctx, _TERMS, ids=wanted, since=since):
            terms[agency_id].append((starts_on, ends_on))
        closures: dict[int, set[date]] = defaultdict(set)
        for agency_id, closed_on in await fetch(ctx, _CLOSURES, ids=wanted, since=since):
            closures[agency_id].add(closed_on)
        for row in await fetch(ctx, _AGENCIES, ids=wanted):
            self.agencies[row.id] = _Recipient(
                view=AgencyView(code=row.code, name=row.name, kind=row.kind),
                calendar=SchoolCalendar(
                    start=row.school_day_start or DEFAULT_START,
                    terms=tuple(sorted(terms[row.id])),
                    closures=frozenset(closures[row.id]),
                ),
                parent_id=row.parent_id,
            )

    def deadline(
        self, agency_id: int, occurred_at: datetime, now: datetime
    ) -> tuple[datetime, bool]:
        """The recipient's deadline, and whether the police sent it after the start of the
        next school day after the incident (then the deadline is the one after now)."""
        calendar = self.agencies[agency_id].calendar
        due = calendar.next_school_day_start(occurred_at)
        if now <= due:
            return due, False
        return calendar.next_school_day_start(now), True


async def incident_council(ctx: RequestContext) -> int:
    """The council the police's unmatched and school-less children go to: the police force's
    parent agency when it is a council, else the one active council with an LA number."""
    rows = await fetch(ctx, _POLICE_PARENT, agency_id=ctx.principal.agency_id)
    parent = rows[0][0] if rows else None
    if parent is not None and await fetch(ctx, _IS_COUNCIL, agency_id=parent):
        return int(parent)
    councils = await fetch(ctx, _COUNCILS)
    if len(councils) != 1:
        raise HubError(
            "NO_RESPONSIBLE_COUNCIL",
            "the hub cannot tell which council receives this force's notifications; "
            "ask a partnership administrator to link the force to its council",
        )
    return int(councils[0][0])


def schools_on_roll(rows: Sequence[Any], child_id: int, on: date) -> list[int]:
    """The schools whose roll had the child on ``on`` (a dual-registered child has two)."""
    return sorted(
        {
            row.agency_id
            for row in rows
            if row.child_id == child_id
            and row.valid_from <= on
            and (row.valid_to is None or row.valid_to >= on)
        }
    )


def route_for(
    enrolments: Sequence[Any], child_id: int, on: date, council_id: int
) -> tuple[Route, RouteReason, list[int]]:
    """A matched child's route: the schools on roll on ``on``, else the council's social care."""
    schools = schools_on_roll(enrolments, child_id, on)
    if schools:
        return Route.SCHOOL, RouteReason.ON_ROLL, schools
    return Route.SOCIAL_CARE, RouteReason.NO_SCHOOL, [council_id]


def notification_rows(
    ctx: RequestContext,
    calendars: Calendars,
    *,
    incident_child_id: uuid.UUID,
    route: Route,
    reason: RouteReason,
    recipients: Sequence[int],
    occurred_at: datetime,
) -> list[dict[str, Any]]:
    """One notification per recipient, each with its own deadline."""
    rows = []
    for agency_id in recipients:
        deadline, late = calendars.deadline(agency_id, occurred_at, ctx.now)
        rows.append(
            {
                "id": uuid.uuid4(),
                "incident_child_id": incident_child_id,
                "agency_id": agency_id,
                "route": route,
                "reason": reason,
                "created_at": ctx.now,
                "deadline": deadline,
                "sent_late": late,
            }
        )
    return rows


def incident_relationship(
    child_id: int, police_agency_id: int, reference: str, on: date
) -> dict[str, Any]:
    """The police's relationship with a child in their incident, for a year from it."""
    return {
        "child_id": child_id,
        "agency_id": police_agency_id,
        "kind": RelationshipKind.INCIDENT,
        "reference": reference,
        "valid_from": on,
        "valid_to": on + INCIDENT_RELATIONSHIP,
    }


# --- Submitting ----------------------------------------------------------------------------


async def submit_incidents(
    ctx: RequestContext, *, incidents: Sequence[IncidentSubmission]
) -> list[SubmissionResult]:
    """Submit a batch of incidents (one is a batch of one); see the module docstring."""
    if not 1 <= len(incidents) <= MAX_INCIDENTS:
        raise HubError(
            "TOO_MANY_ITEMS",
            f"incidents: between 1 and {MAX_INCIDENTS} incidents",
            field="incidents",
        )
    require_grant(ctx, action=Action.NOTIFY, category=Category.ENCOMPASS_NOTIFICATION)
    results: list[SubmissionResult | None] = [None] * len(incidents)
    cleaned: dict[int, IncidentSubmission] = {}
    for i, submission in enumerate(incidents):
        try:
            cleaned[i] = clean(submission, f"incidents[{i}]", ctx.now)
        except HubError as exc:
            results[i] = SubmissionResult(submission.police_reference, error=exc)

    references = sorted({s.police_reference for s in cleaned.values()})
    existing = {
        row.police_reference: (row.id, row.digest)
        for row in (
            await fetch(ctx, _EXISTING, agency_id=ctx.principal.agency_id, references=references)
            if references
            else []
        )
    }
    fresh: dict[int, tuple[IncidentSubmission, str]] = {}
    #: Results that repeat an incident of this batch: index -> index of the first.
    repeats: dict[int, int] = {}
    #: Results that repeat an incident submitted before: index -> its id.
    retried: dict[int, uuid.UUID] = {}
    first_of: dict[str, tuple[int, str]] = {}
    for i, submission in cleaned.items():
        reference, fingerprint = submission.police_reference, digest(submission)
        if reference in existing:
            incident_id, stored = existing[reference]
            if stored == fingerprint:
                retried[i] = incident_id
            else:
                results[i] = _conflict(reference, i)
        elif reference in first_of:  # the same reference twice in one batch
            first, stored = first_of[reference]
            if stored == fingerprint:
                repeats[i] = first
            else:
                results[i] = _conflict(reference, i)
        else:
            first_of[reference] = (i, fingerprint)
            fresh[i] = (submission, fingerprint)

    if retried:
        loaded = await load_incidents(ctx, list(set(retried.values())))
        for i, incident_id in retried.items():
            view = loaded[incident_id]
            results[i] = SubmissionResult(view.police_reference, duplicate=True, incident=view)
    made = await _make(ctx, fresh) if fresh else {}
    for i, view in made.items():
        results[i] = SubmissionResult(view.police_reference, incident=view)
    for i, first in repeats.items():
        results[i] = SubmissionResult(
            made[first].police_reference, duplicate=True, incident=made[first]
        )
    return [result for result in results if result is not None]


def _conflict(reference: str, i: int) -> SubmissionResult:
    return SubmissionResult(
        reference,
        error=HubError(
            "INCIDENT_CONFLICT",
            f"incidents[{i}].policeReference: an incident with this reference was already "
            "submitted with different details",
            field=f"incidents[{i}].policeReference",
        ),
    )


async def _make(
    ctx: RequestContext, fresh: dict[int, tuple[IncidentSubmission, str]]
) -> dict[int, IncidentView]:
    council_id = await incident_council(ctx)
    flat = [(i, p, child) for i, (s, _) in fresh.items() for p, child in enumerate(s.children)]
    matches = await match_children(ctx, [child for _, _, child in flat])
    matched_ids = sorted({m.child_id for m in matches if m.child_id is not None})
    enrolments = await fetch(ctx, _ENROLMENTS, ids=matched_ids) if matched_ids else []
    enrolments_of: dict[int, list[Any]] = defaultdict(list)  # one pass, not one per child
    for row in enrolments:
        enrolments_of[row.child_id].append(row)
    earliest = min(s.occurred_at for s, _ in fresh.values()).astimezone(LONDON).date()
    calendars = Calendars()
    await calendars.load(
        ctx,
        [council_id, *(row.agency_id for row in enrolments)],
        since=earliest - timedelta(days=7),
    )
    agency_views = {
        agency_id: recipient.view for agency_id, recipient in calendars.agencies.items()
    }

    incidents: list[dict[str, Any]] = []
    children: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    relationships: list[dict[str, Any]] = []
    views: dict[int, list[RoutedChildView]] = defaultdict(list)
    incident_ids: dict[int, uuid.UUID] = {}
    for i, (submission, fingerprint) in fresh.items():
        incident_ids[i] = uuid.uuid4()
        incidents.append(
            {
                "id": incident_ids[i],
                "police_agency_id": ctx.principal.agency_id,
                "police_reference": submission.police_reference,
                "occurred_at": submission.occurred_at,
                "location": submission.location,
                "contact_name": submission.contact_name,
                "contact_telephone": submission.contact_telephone,
                "contact_email": submission.contact_email,
                "council_id": council_id,
                "digest": fingerprint,
                "submitted_by": ctx.principal.user_id,
                "submitted_at": ctx.now,
            }
        )
    for (i, position, child), match in zip(flat, matches, strict=True):
        submission = fresh[i][0]
        on = submission.occurred_at.astimezone(LONDON).date()
        decision = decide(
            ctx,
            action=Action.NOTIFY,
            category=Category.ENCOMPASS_NOTIFICATION,
            child_id=match.child_id,
            facts=Facts(relationship=RelationshipKind.INCIDENT),
        )
        if not decision.allowed:
            raise refusal(decision, field="incidents")
        child_row_id = uuid.uuid4()
        if match.child_id is None:
            assert match.reason is not None
            route, reason, recipients = Route.MASH_QUEUE, match.reason, [council_id]
        else:
            route, reason, recipients = route_for(
                enrolments_of[match.child_id], match.child_id, on, council_id
            )
            relationships.append(
                incident_relationship(
                    match.child_id, ctx.principal.agency_id, submission.police_reference, on
                )
            )
        children.append(
            {
                "id": child_row_id,
                "incident_id": incident_ids[i],
                "position": position,
                "child_id": match.child_id,
                "match_method": match.method,
                "match_confidence": match.confidence,
                "present": child.present,
                "voice_of_child": child.voice_of_child,
                "nhs_number": child.nhs_number,
                "given_name": child.given_name,
                "family_name": child.family_name,
                "date_of_birth": child.date_of_birth,
                "address_line1": child.address_line1,
                "postcode": child.postcode,
            }
        )
        rows = notification_rows(
            ctx,
            calendars,
            incident_child_id=child_row_id,
            route=route,
            reason=reason,
            recipients=recipients,
            occurred_at=submission.occurred_at,
        )
        notifications.extend(rows)
        deadlines = [(row["deadline"], row["sent_late"]) for row in rows]
        deadline, late = min(deadlines)
        views[i].append(
            RoutedChildView(
                position=position,
                method=match.method,
                confidence=match.confidence,
                route=route,
                reason=reason,
                recipients=_visible_recipients(
                    ctx, match.child_id, route, recipients, agency_views
                ),
                deadline=deadline,
                sent_late=late,
            )
        )

    connection = await ctx.session.connection()
    try:
        async with connection.begin_nested():
            await connection.execute(_INSERT_INCIDENT, incidents)
    except IntegrityError:
        # another submission of the same reference committed first: a retry raced us
        raise HubError(
            "INCIDENT_CONFLICT",
            "incidents: another submission of the same police reference is in progress; "
            "submit again to see its outcome",
            field="incidents",
        ) from None
    await connection.execute(_INSERT_CHILD, children)
    await connection.execute(_INSERT_NOTIFICATION, notifications)
    if relationships:
        await connection.execute(_INSERT_RELATIONSHIP, relationships)
    await ring(ctx, {n["agency_id"] for n in notifications})
    return {
        i: IncidentView(
            id=incident_ids[i],
            police_reference=submission.police_reference,
            occurred_at=submission.occurred_at,
            submitted_at=ctx.now,
            children=views[i],
        )
        for i, (submission, _) in fresh.items()
    }


def _visible_recipients(
    ctx: RequestContext,
    child_id: int | None,
    route: Route,
    recipients: list[int],
    views: Mapping[int, AgencyView],
) -> list[AgencyView]:
    """The recipients the police may be told: a school names the child's school, which is
    education.enrolment information, so it is decided (and masked when refused)."""
    if route is Route.SCHOOL:
        decision = decide(
            ctx,
            action=Action.READ,
            category=Category.EDUCATION_ENROLMENT,
            child_id=child_id,
            facts=Facts(relationship=RelationshipKind.INCIDENT),
        )
        if not decision.allowed:
            if child_id is not None:
                ctx.audit.mask(child_id, "recipients", decision.code or "WITHHELD")
            return []
    return [views[agency_id] for agency_id in recipients]


async def ring(ctx: RequestContext, agency_ids: Iterable[int]) -> None:
    """Wake subscribers of these agencies in every process once the transaction commits
    (PostgreSQL delivers NOTIFY on commit; SQLite subscribers poll)."""
    connection = await ctx.session.connection()
    if connection.dialect.name != "postgresql":
        return
    payload = ",".join(str(agency_id) for agency_id in sorted(set(agency_ids)))
    await connection.execute(_NOTIFY, {"channel": CHANNEL, "payload": payload})


# --- Reading back (the police's view of their incident) ------------------------------------

_INCIDENTS = select(
    EncompassIncident.id,
    EncompassIncident.police_reference,
    EncompassIncident.occurred_at,
    EncompassIncident.submitted_at,
).where(EncompassIncident.id.in_(bindparam("ids", expanding=True)))
_ROUTED = (
    select(
        EncompassChild.incident_id,
        EncompassChild.position,
        EncompassChild.child_id,
        EncompassChild.match_method,
        EncompassChild.match_confidence,
        EncompassNotification.route,
        EncompassNotification.reason,
        EncompassNotification.agency_id,
        EncompassNotification.deadline,
        EncompassNotification.sent_late,
    )
    .join(EncompassNotification, EncompassNotification.incident_child_id == EncompassChild.id)
    .where(
        EncompassChild.incident_id.in_(bindparam("ids", expanding=True)),
        EncompassNotification.routed_to_id.is_(None),
    )
    .order_by(EncompassChild.position, EncompassNotification.agency_id)
)


async def load_incidents(
    ctx: RequestContext, incident_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, IncidentView]:
    """The police's view of incidents already made (a retried submission): three queries
    however many there are."""
    incidents = await fetch(ctx, _INCIDENTS, ids=list(incident_ids))
    rows = await fetch(ctx, _ROUTED, ids=list(incident_ids))
    agency_ids = sorted({row.agency_id for row in rows})
    views = {
        row.id: AgencyView(code=row.code, name=row.name, kind=row.kind)
        for row in (await fetch(ctx, _AGENCIES, ids=agency_ids) if agency_ids else [])
    }
    grouped: dict[uuid.UUID, dict[int, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        grouped[row.incident_id][row.position].append(row)
    loaded = {}
    for incident in incidents:
        children = []
        for position, group in sorted(grouped[incident.id].items()):
            first = group[0]
            decision = decide(
                ctx,
                action=Action.READ,
                category=Category.ENCOMPASS_NOTIFICATION,
                child_id=first.child_id,
                facts=Facts(relationship=RelationshipKind.INCIDENT),
            )
            if not decision.allowed:
                raise refusal(decision, field="incidents")
            children.append(
                RoutedChildView(
                    position=position,
                    method=first.match_method,
                    confidence=first.match_confidence,
                    route=first.route,
                    reason=first.reason,
                    recipients=_visible_recipients(
                        ctx, first.child_id, first.route, [r.agency_id for r in group], views
                    ),
                    deadline=min(r.deadline for r in group),
                    sent_late=any(r.sent_late for r in group),
                )
            )
        loaded[incident.id] = IncidentView(
            id=incident.id,
            police_reference=incident.police_reference,
            occurred_at=incident.occurred_at,
            submitted_at=incident.submitted_at,
            children=children,
        )
    return loaded
