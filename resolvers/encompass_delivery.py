"""Operation Encompass, the receiving side (DESIGN §8): a school's key adults (or the
council) read and acknowledge their notifications; the council's MASH matches a queued child
by hand; the police and the council see timeliness and what is overdue.

A notification is readable by the agency it is addressed to and nobody else: a school asking
for another school's notification is told it does not exist, and the refusal is audited.
What a recipient sees is what the scheme shares with schools: the child, when, whether the
child was present, the voice of the child when the police share it, and the police contact;
never the location or the other children. Every view and acknowledgement is decided by
``policies.authorize`` (relationship: the notification is addressed to the caller's agency)
and so recorded in the operation's audit event.
"""

import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, insert, or_, select, update
from sqlalchemy.orm import aliased

from db import (
    Agency,
    Child,
    ChildRelationship,
    EncompassChild,
    EncompassIncident,
    EncompassNotification,
)
from policies import Facts
from resolvers.access import decide, refusal, require_grant
from resolvers.children import find_child
from resolvers.context import LONDON, RequestContext, SubscriptionContext
from resolvers.encompass import (
    _ENROLMENTS,
    Calendars,
    incident_relationship,
    notification_rows,
    ring,
    route_for,
)
from resolvers.errors import HubError
from resolvers.sql import execute, fetch
from resolvers.views import AgencyView
from vocab.actions import Action
from vocab.agencies import AgencyKind
from vocab.categories import Category
from vocab.encompass import Route, RouteReason
from vocab.matching import MatchMethod
from vocab.relationships import RelationshipKind

MAX_PAGE = 200
MAX_REPORT_DAYS = 366
NOT_FOUND = HubError(
    "NOTIFICATION_NOT_FOUND", "id: no notification of yours has that id", field="id"
)


@dataclass(frozen=True, slots=True)
class PoliceContactView:
    force: AgencyView
    reference: str
    name: str
    telephone: str
    email: str | None


@dataclass(frozen=True, slots=True)
class NotifiedChildView:
    """The child as the hub knows it (matched), or as the police described it (queued)."""

    hub_id: str | None
    given_name: str | None
    family_name: str | None
    date_of_birth: date | None


@dataclass(frozen=True, slots=True)
class ParticularsView:
    """What the police gave, for the MASH to match by hand (queue items only)."""

    nhs_number: str | None
    given_name: str | None
    family_name: str | None
    date_of_birth: date | None
    address_line1: str | None
    postcode: str | None
    confidence: float
    location: str


@dataclass(frozen=True, slots=True)
class NotificationView:
    id: uuid.UUID
    route: Route
    reason: RouteReason
    occurred_at: datetime
    child_present: bool
    voice_of_child: str | None
    #: None when the caller may not see the child's identity (masked, with a reason).
    child: NotifiedChildView | None
    police_contact: PoliceContactView
    received_at: datetime
    deadline: datetime
    sent_late: bool
    acknowledged_at: datetime | None
    escalated_at: datetime | None
    overdue: bool
    particulars: ParticularsView | None


_POLICE = aliased(Agency)
_NOTIFICATION = (
    select(
        EncompassNotification.id,
        EncompassNotification.agency_id,
        EncompassNotification.route,
        EncompassNotification.reason,
        EncompassNotification.created_at,
        EncompassNotification.deadline,
        EncompassNotification.sent_late,
        EncompassNotification.acknowledged_at,
        EncompassNotification.escalated_at,
        EncompassNotification.first_viewed_at,
        EncompassNotification.routed_to_id,
        EncompassChild.id.label("incident_child_id"),
        EncompassChild.child_id,
        EncompassChild.present,
        EncompassChild.voice_of_child,
        EncompassChild.match_confidence,
        EncompassChild.nhs_number.label("given_nhs_number"),
        EncompassChild.given_name.label("given_given_name"),
        EncompassChild.family_name.label("given_family_name"),
        EncompassChild.date_of_birth.label("given_date_of_birth"),
        EncompassChild.address_line1,
        EncompassChild.postcode,
        EncompassIncident.id.label("incident_id"),
        EncompassIncident.police_agency_id,
        EncompassIncident.police_reference,
        EncompassIncident.occurred_at,
        EncompassIncident.location,
        EncompassIncident.contact_name,
        EncompassIncident.contact_telephone,
        EncompassIncident.contact_email,
        EncompassIncident.council_id,
        _POLICE.code.label("police_code"),
        _POLICE.name.label("police_name"),
        Child.hub_id,
        Child.given_name,
        Child.family_name,
        Child.date_of_birth,
    )
    .join(EncompassChild, EncompassChild.id == EncompassNotification.incident_child_id)
    .join(EncompassIncident, EncompassIncident.id == EncompassChild.incident_id)
    .join(_POLICE, _POLICE.id == EncompassIncident.police_agency_id)
    .outerjoin(Child, Child.id == EncompassChild.child_id)
)
_BY_ID = _NOTIFICATION.where(EncompassNotification.id == bindparam("notification_id"))
_INBOX = _NOTIFICATION.where(EncompassNotification.agency_id == bindparam("agency_id"))
_OPEN_INBOX = (
    _INBOX.where(EncompassNotification.acknowledged_at.is_(None))
    .order_by(EncompassNotification.deadline, EncompassNotification.id)
    .limit(bindparam("first"))
)
_ALL_INBOX = _INBOX.order_by(
    EncompassNotification.created_at.desc(), EncompassNotification.id
).limit(bindparam("first"))
_SINCE = _INBOX.where(
    EncompassNotification.created_at >= bindparam("since"),
    EncompassNotification.acknowledged_at.is_(None),
).order_by(EncompassNotification.created_at, EncompassNotification.id)
_VIEWED = (
    update(EncompassNotification)
    .where(
        EncompassNotification.id.in_(bindparam("ids", expanding=True)),
        EncompassNotification.first_viewed_at.is_(None),
    )
    .values(first_viewed_at=bindparam("now"))
)
_ACKNOWLEDGE = (
    update(EncompassNotification)
    .where(
        EncompassNotification.id == bindparam("notification_id"),
        EncompassNotification.acknowledged_at.is_(None),
    )
    .values(acknowledged_at=bindparam("now"), acknowledged_by=bindparam("user_id"))
)
_CLOSE_QUEUED = (
    update(EncompassNotification)
    .where(
        EncompassNotification.id == bindparam("notification_id"),
        EncompassNotification.acknowledged_at.is_(None),
    )
    .values(
        acknowledged_at=bindparam("now"),
        acknowledged_by=bindparam("user_id"),
        routed_to_id=bindparam("routed_to_id"),
    )
)
_MATCH_CHILD = (
    update(EncompassChild)
    .where(EncompassChild.id == bindparam("incident_child_id"))
    .values(child_id=bindparam("child_id"), match_method=MatchMethod.MANUAL)
)


def _view(ctx: RequestContext, row: Any, *, identity: bool) -> NotificationView:
    queued = row.route is Route.MASH_QUEUE
    child = None
    if identity:
        child = (
            NotifiedChildView(row.hub_id, row.given_name, row.family_name, row.date_of_birth)
            if row.child_id is not None
            else NotifiedChildView(
                None, row.given_given_name, row.given_family_name, row.given_date_of_birth
            )
        )
    return NotificationView(
        id=row.id,
        route=row.route,
        reason=row.reason,
        occurred_at=row.occurred_at,
        child_present=row.present,
        voice_of_child=row.voice_of_child,
        child=child,
        police_contact=PoliceContactView(
            force=AgencyView(code=row.police_code, name=row.police_name, kind=AgencyKind.POLICE),
            reference=row.police_reference,
            name=row.contact_name,
            telephone=row.contact_telephone,
            email=row.contact_email,
        ),
        received_at=row.created_at,
        deadline=row.deadline,
        sent_late=row.sent_late,
        acknowledged_at=row.acknowledged_at,
        escalated_at=row.escalated_at,
        overdue=row.acknowledged_at is None and row.deadline < ctx.now,
        particulars=ParticularsView(
            nhs_number=row.given_nhs_number,
            given_name=row.given_given_name,
            family_name=row.given_family_name,
            date_of_birth=row.given_date_of_birth,
            address_line1=row.address_line1,
            postcode=row.postcode,
            confidence=row.match_confidence,
            location=row.location,
        )
        if queued and identity
        else None,
    )


def _addressed(ctx: RequestContext, row: Any, action: Action) -> bool:
    """Decide ``action`` on the notification: allowed only for the agency it is addressed
    to (any other caller is refused for want of a relationship, and told nothing)."""
    ours = row.agency_id == ctx.principal.agency_id
    decision = decide(
        ctx,
        action=action,
        category=Category.ENCOMPASS_NOTIFICATION,
        child_id=row.child_id,
        facts=Facts(relationship=RelationshipKind.NOTIFIED if ours else None),
    )
    if decision.allowed:
        return True
    if decision.code in ("PURPOSE_REQUIRED", "FORBIDDEN"):
        raise refusal(decision, field="id")
    return False


def _shown(ctx: RequestContext, row: Any) -> NotificationView:
    """The view of an addressed notification; the child's identity is decided too."""
    identity = decide(
        ctx,
        action=Action.READ,
        category=Category.IDENTITY,
        child_id=row.child_id,
        facts=Facts(relationship=RelationshipKind.NOTIFIED),
    )
    if not identity.allowed and row.child_id is not None:
        ctx.audit.mask(row.child_id, "child", identity.code or "WITHHELD")
    return _view(ctx, row, identity=identity.allowed)


async def _mark_viewed(ctx: RequestContext, rows: Sequence[Any]) -> None:
    unseen = [row.id for row in rows if row.first_viewed_at is None]
    if unseen:
        await execute(ctx, _VIEWED, ids=unseen, now=ctx.now)


async def inbox(ctx: RequestContext, *, open_only: bool, first: int) -> list[NotificationView]:
    """The caller's agency's notifications: open ones by deadline, or all, newest first."""
    if not 1 <= first <= MAX_PAGE:
        raise HubError("INVALID_INPUT", f"first: between 1 and {MAX_PAGE}", field="first")
    require_grant(ctx, action=Action.READ, category=Category.ENCOMPASS_NOTIFICATION)
    statement = _OPEN_INBOX if open_only else _ALL_INBOX
    rows = await fetch(ctx, statement, agency_id=ctx.principal.agency_id, first=first)
    shown = [row for row in rows if _addressed(ctx, row, Action.READ)]
    await _mark_viewed(ctx, shown)
    return [_shown(ctx, row) for row in shown]


async def _load(ctx: RequestContext, notification_id: uuid.UUID, action: Action) -> Any:
    require_grant(ctx, action=action, category=Category.ENCOMPASS_NOTIFICATION)
    rows = await fetch(ctx, _BY_ID, notification_id=notification_id)
    if not rows or not _addressed(ctx, rows[0], action):
        raise NOT_FOUND
    return rows[0]


async def notification(ctx: RequestContext, *, notification_id: uuid.UUID) -> NotificationView:
    row = await _load(ctx, notification_id, Action.READ)
    await _mark_viewed(ctx, [row])
    return _shown(ctx, row)


async def acknowledge(ctx: RequestContext, *, notification_id: uuid.UUID) -> NotificationView:
    """Acknowledge, once: acknowledging again changes nothing and returns the first time."""
    row = await _load(ctx, notification_id, Action.ACKNOWLEDGE)
    if row.route is Route.MASH_QUEUE:
        raise HubError(
            "MATCH_REQUIRED",
            "id: a queued notification is closed by matching the child (matchEncompassChild)",
            field="id",
        )
    await execute(
        ctx,
        _ACKNOWLEDGE,
        notification_id=notification_id,
        now=ctx.now,
        user_id=ctx.principal.user_id,
    )
    await _mark_viewed(ctx, [row])
    (row,) = await fetch(ctx, _BY_ID, notification_id=notification_id)
    return _shown(ctx, row)


async def match_queued(
    ctx: RequestContext,
    *,
    notification_id: uuid.UUID,
    nhs_number: str | None,
    hub_id: str | None,
) -> NotificationView:
    """The council's MASH matches a queued child by hand; the hub then routes its
    notification as if matched on submission (school on roll on the incident date, else
    children's social care), with the deadline from the incident."""
    row = await _load(ctx, notification_id, Action.NOTIFY)
    if row.route is not Route.MASH_QUEUE:
        raise HubError("NOT_QUEUED", "id: this notification is not in the MASH queue", field="id")
    if row.acknowledged_at is not None:
        raise HubError(
            "ALREADY_MATCHED", "id: this queued child was already dealt with", field="id"
        )
    found = await find_child(ctx, nhs_number=nhs_number, hub_id=hub_id)
    if found is None:
        raise HubError("CHILD_NOT_FOUND", "child: no child has that identifier", field="child")
    child_id = found.child.id
    decision = decide(
        ctx,
        action=Action.NOTIFY,
        category=Category.ENCOMPASS_NOTIFICATION,
        child_id=child_id,
        facts=Facts(relationship=RelationshipKind.NOTIFIED),
    )
    if not decision.allowed:
        raise refusal(decision, field="child")
    on = row.occurred_at.astimezone(LONDON).date()
    enrolments = await fetch(ctx, _ENROLMENTS, ids=[child_id])
    route, reason, recipients = route_for(enrolments, child_id, on, row.council_id)
    calendars = Calendars()
    await calendars.load(ctx, recipients, since=on - timedelta(days=7))
    rows = notification_rows(
        ctx,
        calendars,
        incident_child_id=row.incident_child_id,
        route=route,
        reason=reason,
        recipients=recipients,
        occurred_at=row.occurred_at,
    )
    connection = await ctx.session.connection()
    await connection.execute(insert(EncompassNotification), rows)
    await execute(ctx, _MATCH_CHILD, incident_child_id=row.incident_child_id, child_id=child_id)
    await execute(
        ctx,
        _CLOSE_QUEUED,
        notification_id=notification_id,
        now=ctx.now,
        user_id=ctx.principal.user_id,
        routed_to_id=rows[0]["id"],
    )
    await connection.execute(
        insert(ChildRelationship),
        [incident_relationship(child_id, row.police_agency_id, row.police_reference, on)],
    )
    await ring(ctx, recipients)
    (row,) = await fetch(ctx, _BY_ID, notification_id=notification_id)
    return _shown(ctx, row)


async def delivered_since(
    ctx: RequestContext, *, since: datetime, exclude: set[uuid.UUID]
) -> list[NotificationView]:
    """For a subscription: the caller's agency's open notifications received since
    ``since`` and not yet delivered, each decided (and so audited) before it is sent."""
    rows = await fetch(ctx, _SINCE, agency_id=ctx.principal.agency_id, since=since)
    fresh = [row for row in rows if row.id not in exclude]
    shown = [row for row in fresh if _addressed(ctx, row, Action.READ)]
    await _mark_viewed(ctx, shown)
    return [_shown(ctx, row) for row in shown]


#: Seconds a subscription waits for its doorbell before looking anyway.
WAKE_EVERY = 30.0
#: How far before the subscription began it looks for notifications.
LOOK_BACK = timedelta(minutes=1)
_PENDING = select(EncompassNotification.id).where(
    EncompassNotification.agency_id == bindparam("agency_id"),
    EncompassNotification.created_at >= bindparam("since"),
    EncompassNotification.acknowledged_at.is_(None),
)


async def subscribe(sub: SubscriptionContext) -> AsyncIterator[NotificationView]:
    """Notifications to the caller's agency as they arrive, from now on. Each delivery is
    one audited unit of work, committed before the notification is sent; a wake-up with
    nothing new costs one unaudited look at notification ids and discloses nothing."""
    async with sub.unit_of_work() as ctx:
        require_grant(ctx, action=Action.READ, category=Category.ENCOMPASS_NOTIFICATION)
        # a submission stamped just before this began may commit just after: look back
        since = ctx.now - LOOK_BACK
    agency_id = sub.principal.agency_id
    delivered: set[uuid.UUID] = set()
    while True:
        ticket = sub.doorbell.ticket(agency_id)
        async with sub.probe() as connection:
            pending = {
                row[0]
                for row in await connection.execute(
                    _PENDING, {"agency_id": agency_id, "since": since}
                )
            }
        if pending - delivered:
            async with sub.unit_of_work() as ctx:
                views = await delivered_since(ctx, since=since, exclude=delivered)
            for view in views:
                delivered.add(view.id)
                yield view
        await sub.doorbell.wait(ticket, WAKE_EVERY)


# --- Reporting -----------------------------------------------------------------------------

_RECIPIENT = aliased(Agency)
_REPORT = (
    select(
        EncompassNotification.id,
        EncompassNotification.agency_id,
        EncompassNotification.route,
        EncompassNotification.created_at,
        EncompassNotification.deadline,
        EncompassNotification.acknowledged_at,
        EncompassNotification.escalated_at,
        EncompassNotification.sent_late,
        EncompassChild.child_id,
        EncompassIncident.police_reference,
        EncompassIncident.police_agency_id,
        _RECIPIENT.code,
        _RECIPIENT.name,
        _RECIPIENT.kind,
    )
    .join(EncompassChild, EncompassChild.id == EncompassNotification.incident_child_id)
    .join(EncompassIncident, EncompassIncident.id == EncompassChild.incident_id)
    .join(_RECIPIENT, _RECIPIENT.id == EncompassNotification.agency_id)
    .where(
        EncompassNotification.created_at >= bindparam("start"),
        EncompassNotification.created_at < bindparam("end"),
        EncompassNotification.routed_to_id.is_(None),
    )
    .order_by(EncompassNotification.created_at)
)
_FOR_POLICE = _REPORT.where(EncompassIncident.police_agency_id == bindparam("agency_id"))
_FOR_COUNCIL = _REPORT.where(
    or_(
        _RECIPIENT.parent_id == bindparam("agency_id"),
        EncompassNotification.agency_id == bindparam("agency_id"),
        EncompassIncident.council_id == bindparam("agency_id"),
    )
)
_FOR_RECIPIENT = _REPORT.where(EncompassNotification.agency_id == bindparam("agency_id"))


@dataclass(frozen=True, slots=True)
class DayView:
    day: date
    notifications: int
    acknowledged: int
    acknowledged_on_time: int
    overdue: int


@dataclass(frozen=True, slots=True)
class OverdueView:
    """An unacknowledged notification past its deadline; no child identity."""

    id: uuid.UUID
    police_reference: str
    recipient: AgencyView
    route: Route
    received_at: datetime
    deadline: datetime
    escalated_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReportView:
    since: date
    until: date
    notifications: int
    #: Acknowledged by the deadline, of those acknowledged or past their deadline (None when
    #: there are none yet).
    on_time_rate: float | None
    sent_late: int
    days: list[DayView]
    overdue: list[OverdueView]


def _scope(ctx: RequestContext) -> tuple[Select[Any], RelationshipKind]:
    kind = ctx.principal.agency_kind
    if kind is AgencyKind.POLICE:
        return _FOR_POLICE, RelationshipKind.INCIDENT
    if kind is AgencyKind.COUNCIL:
        return _FOR_COUNCIL, RelationshipKind.NOTIFIED
    return _FOR_RECIPIENT, RelationshipKind.NOTIFIED


async def report(ctx: RequestContext, *, since: date, until: date) -> ReportView:
    """Notifications per day (UK dates, inclusive), the on-time acknowledgement rate and the
    overdue list, for the police force's incidents or the council's area (its schools and
    its own children's social care and MASH queue)."""
    if until < since or (until - since).days >= MAX_REPORT_DAYS:
        raise HubError(
            "INVALID_PERIOD",
            f"until: on or after since, at most {MAX_REPORT_DAYS} days",
            field="until",
        )
    require_grant(ctx, action=Action.READ, category=Category.ENCOMPASS_NOTIFICATION)
    statement, relationship = _scope(ctx)
    start = datetime.combine(since, datetime.min.time(), LONDON)
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), LONDON)
    rows = await fetch(ctx, statement, agency_id=ctx.principal.agency_id, start=start, end=end)
    per_day: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    due = on_time = late = 0
    overdue: list[OverdueView] = []
    for row in rows:
        counts = per_day[row.created_at.astimezone(LONDON).date()]
        counts[0] += 1
        late += row.sent_late
        acknowledged = row.acknowledged_at is not None
        if acknowledged:
            counts[1] += 1
        if acknowledged and row.acknowledged_at <= row.deadline:
            counts[2] += 1
            on_time += 1
        if acknowledged or row.deadline < ctx.now:
            due += 1
        if not acknowledged and row.deadline < ctx.now:
            counts[3] += 1
            decision = decide(
                ctx,
                action=Action.READ,
                category=Category.ENCOMPASS_NOTIFICATION,
                child_id=row.child_id,
                facts=Facts(relationship=relationship),
            )
            if decision.allowed:
                overdue.append(
                    OverdueView(
                        id=row.id,
                        police_reference=row.police_reference,
                        recipient=AgencyView(code=row.code, name=row.name, kind=row.kind),
                        route=row.route,
                        received_at=row.created_at,
                        deadline=row.deadline,
                        escalated_at=row.escalated_at,
                    )
                )
    days = [DayView(day, *counts) for day, counts in sorted(per_day.items())]
    return ReportView(
        since=since,
        until=until,
        notifications=len(rows),
        on_time_rate=round(on_time / due, 4) if due else None,
        sent_late=late,
        days=days,
        overdue=sorted(overdue, key=lambda o: o.deadline),
    )
