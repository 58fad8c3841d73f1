"""The DPO's questions of the audit log (DESIGN §7), for data protection officers and
Caldicott guardians declaring ``audit.dpo``.

- Who accessed this child, why, and under which basis (``accesses_to_child``)?
- What did this user see between two times: breach investigation (``user_activity``)?
- Which of our accesses were refused, which had no relationship (``audit_refusals``,
  ``accesses_without_relationship``)?
- Which break-glass sessions await review; record the review (``break_glass_reviews``,
  ``review_break_glass``).

A DPO answers for their own agency: its users' activity, refusals, accesses without a
relationship and break-glass sessions; a child's access history across agencies, with the
names of other agencies' staff withheld, and the police's accesses withheld from other
agencies while the child has a covert police interest not yet disclosable. These queries are
audited like any other: every child whose identifier a DPO is shown is decided (the
``audit_duty`` exemption) and so appears in the DPO's own audit event.

Paging is keyset on the audit sequence number (newest first); every statement filters on
``occurred_at`` so that PostgreSQL prunes the audit tables' monthly partitions.
"""

import base64
import binascii
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import orjson
from sqlalchemy import (
    Boolean,
    and_,
    bindparam,
    case,
    exists,
    literal_column,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased

from audit.events import NO_ACCESS, disclosed
from db import Agency, AuditAccess, AuditEvent, BreakGlass, Child, Record, User
from policies import Facts
from policies.decision import AUDIT_ROLES
from resolvers.access import NOT_FOUND, decide, refusal, require_grant
from resolvers.children import ChildAccess, find_child
from resolvers.context import RequestContext
from resolvers.errors import HubError
from resolvers.sql import execute, fetch, undisclosed_covert
from resolvers.views import AgencyView
from vocab.actions import Action
from vocab.agencies import AgencyKind
from vocab.audit import BreakGlassReviewOutcome, Outcome
from vocab.categories import Category
from vocab.lawful_bases import LawfulBasis
from vocab.purposes import Purpose
from vocab.roles import Role

DEFAULT_FIRST = 50
MAX_FIRST = 500
MAX_NOTE = 2000
#: The start of the default period: before the hub kept any event.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
#: ``before`` when no cursor is given: above any sequence number.
NO_CURSOR = 2**62
_CURSOR_PREFIX = "audit:"

USER_NOT_FOUND = HubError("USER_NOT_FOUND", "no user of your agency has that identifier")
BREAK_GLASS_NOT_FOUND = HubError(
    "NOT_FOUND", "id: no break-glass session of your agency has that id", field="id"
)


# --- who may ask -------------------------------------------------------------------------


def require_audit_role(ctx: RequestContext) -> None:
    """Refuse anyone but a DPO or Caldicott guardian declaring ``audit.dpo``: ``FORBIDDEN``
    for other roles, ``PURPOSE_REQUIRED`` without that purpose. Every audit query calls
    this first."""
    if ctx.principal.roles.isdisjoint(AUDIT_ROLES):
        raise HubError(
            "FORBIDDEN",
            "the audit queries are for data protection officers and Caldicott guardians",
        )
    # no purpose, or one the caller's roles may not declare: refused and recorded
    require_grant(ctx, action=Action.READ, category=Category.IDENTITY)
    if ctx.purpose is not Purpose.AUDIT_DPO:  # a purpose another role of theirs permits
        raise HubError(
            "PURPOSE_REQUIRED",
            "X-Purpose-Of-Use: the audit queries are answered for audit.dpo only",
            field="X-Purpose-Of-Use",
        )


async def find_child_for_audit(
    ctx: RequestContext, *, nhs_number: str | None, hub_id: str | None
) -> ChildAccess:
    """The child with this identifier, found for the audit log's own questions (an access
    history, a subject access export): no relationship needed, and the child is recorded in
    the caller's audit event. Call ``require_audit_role`` first. ``CHILD_NOT_FOUND`` when
    the hub does not know the child."""
    found = await find_child(ctx, nhs_number=nhs_number, hub_id=hub_id)
    if found is None:
        raise NOT_FOUND
    decision = decide(
        ctx,
        action=Action.READ,
        category=Category.IDENTITY,
        child_id=found.child.id,
        facts=Facts(relationship=found.relationship, audit_duty=True),
    )
    if not decision.allowed:
        raise refusal(decision)
    return found


def _disclose_children(ctx: RequestContext, child_ids: Iterable[int]) -> set[int]:
    """Decide, and so record in the caller's event, each child whose identifier the answer
    shows; the children that may be shown."""
    shown: set[int] = set()
    for child_id in sorted(set(child_ids)):
        decision = decide(
            ctx,
            action=Action.READ,
            category=Category.IDENTITY,
            child_id=child_id,
            facts=Facts(audit_duty=True),
        )
        if decision.allowed:
            shown.add(child_id)
        else:
            ctx.audit.mask(child_id, "hubId", decision.code or "WITHHELD")
    return shown


# --- shapes ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GrantedView:
    action: Action
    category: Category
    rule: str | None
    lawful_basis: LawfulBasis | None


@dataclass(frozen=True, slots=True)
class RefusedView:
    action: Action
    category: Category
    #: The decision's reason (``policies.reasons.Reason`` value), e.g. ``no_relationship``.
    reason: str


@dataclass(frozen=True, slots=True)
class AuditUserView:
    id: int
    display_name: str


@dataclass(frozen=True, slots=True)
class ChildAccessView:
    """One access to the child: one event's entry for it."""

    event_id: str
    occurred_at: datetime
    agency: AgencyView
    #: Only for users of the DPO's own agency.
    user_name: str | None
    roles: list[Role]
    purpose: Purpose | None
    lawful_bases: list[LawfulBasis]
    granted: list[GrantedView]
    refused: list[RefusedView]
    access_basis: str
    disclosed: bool
    break_glass: bool
    outcome: Outcome
    operation_name: str | None
    request_id: str


@dataclass(frozen=True, slots=True)
class ChildTouchedView:
    hub_id: str | None
    access_basis: str
    disclosed: bool
    granted: list[GrantedView]
    refused: list[RefusedView]


@dataclass(frozen=True, slots=True)
class AuditEntryView:
    """One audited operation of a user of the DPO's agency."""

    event_id: str
    occurred_at: datetime
    user: AuditUserView | None
    roles: list[Role]
    operation_type: str | None
    operation_name: str | None
    purpose: Purpose | None
    lawful_bases: list[LawfulBasis]
    outcome: Outcome
    error_codes: list[str]
    break_glass: bool
    request_id: str
    #: Refusals that concerned no child (no purpose, no grant).
    refused: list[RefusedView]
    children: list[ChildTouchedView]


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageView(Generic[T]):
    items: list[T]
    end_cursor: str | None
    has_next_page: bool


@dataclass(frozen=True, slots=True)
class BreakGlassReviewView:
    id: uuid.UUID
    user: AuditUserView
    hub_id: str | None
    purpose: Purpose
    justification: str
    started_at: datetime
    expires_at: datetime
    reviewed_at: datetime | None
    reviewed_by: AuditUserView | None
    review_outcome: BreakGlassReviewOutcome | None
    review_note: str | None


# --- paging ------------------------------------------------------------------------------


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The sequence number a cursor stands for (``NO_CURSOR`` for none)."""
    if cursor is None:
        return NO_CURSOR
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    digits = text.removeprefix(_CURSOR_PREFIX)
    if (
        not text.startswith(_CURSOR_PREFIX)
        or not (digits.isascii() and digits.isdigit())
        or len(digits) > 18
    ):
        raise HubError(
            "INVALID_CURSOR", "after: not a cursor these queries returned", field="after"
        )
    return int(digits)


@dataclass(frozen=True, slots=True)
class Window:
    """A period and a page: ``since <= occurred_at < until``, ``seq < before``, ``first``."""

    since: datetime
    until: datetime
    before: int
    first: int

    def params(self) -> dict[str, Any]:
        # one more row than asked for tells whether there is a next page
        return {
            "since": self.since,
            "until": self.until,
            "before": self.before,
            "limit": self.first + 1,
        }


def window(
    ctx: RequestContext,
    *,
    since: datetime | None,
    until: datetime | None,
    first: int,
    after: str | None,
) -> Window:
    """Validate a period (default: from before the hub began until now) and a page size."""
    for name, moment in (("since", since), ("until", until)):
        if moment is not None and moment.utcoffset() is None:
            raise HubError("INVALID_PERIOD", f"{name}: give a time with a UTC offset", field=name)
    start = since or EPOCH
    end = until or ctx.now
    if start >= end:
        raise HubError("INVALID_PERIOD", "since: must be before until", field="since")
    if not 1 <= first <= MAX_FIRST:
        raise HubError("INVALID_INPUT", f"first: 1 to {MAX_FIRST}", field="first")
    ctx.audit.note("period_since", start.astimezone(UTC).isoformat())
    ctx.audit.note("period_until", end.astimezone(UTC).isoformat())
    return Window(start, end, decode_cursor(after), first)


def _page(items: list[T], rows: Sequence[Any], first: int) -> PageView[T]:
    """The first ``first`` items (built from as many ``rows``, whose ``[0]`` is ``seq``)."""
    kept = items[:first]
    cursor = encode_cursor(rows[len(kept) - 1][0]) if kept else None
    return PageView(kept, cursor, len(rows) > first)


# --- reading event bodies ----------------------------------------------------------------


def _granted(entry: dict[str, Any]) -> list[GrantedView]:
    return [
        GrantedView(Action(action), Category(category), rule, LawfulBasis(basis) if basis else None)
        for action, category, rule, basis in entry["granted"]
    ]


def _refused(items: Iterable[list[str]]) -> list[RefusedView]:
    return [RefusedView(Action(a), Category(c), reason) for a, c, reason in items]


def _roles(body: dict[str, Any]) -> list[Role]:
    return [Role(role) for role in body["who"]["roles"]]


def _purpose(body: dict[str, Any]) -> Purpose | None:
    return Purpose(body["purpose"]) if body["purpose"] else None


def _child_entry(body: dict[str, Any], child_id: int) -> dict[str, Any]:
    for entry in body["children"]:
        if entry["child"] == child_id:
            return entry  # type: ignore[no-any-return]
    return {"child": child_id, "access": NO_ACCESS, "granted": [], "refused": []}


# --- who accessed this child? ------------------------------------------------------------

#: Only the police mark a record covert (``resolvers.records``).
_COVERT_POLICE_INTEREST = select(Record.id).where(
    Record.child_id == bindparam("child_id"), undisclosed_covert()
)

#: Accesses to one child, newest first. Bound parameters: ``child_id``; the period
#: ``since`` (inclusive) and ``until`` (exclusive), aware datetimes; ``before``, the keyset
#: (``seq < before``; ``NO_CURSOR`` for the first page); ``limit``; the caller's
#: ``agency_id`` (staff names shown for it only); ``caller_police`` (a police caller sees
#: police accesses even while the child has a covert police interest) and ``today`` (the
#: civil date a covert record's ``disclose_from`` is compared with).
ACCESSES_TO_CHILD = (
    select(
        AuditAccess.seq,
        AuditAccess.occurred_at,
        AuditAccess.access,
        AuditAccess.disclosed,
        Agency.code,
        Agency.name,
        Agency.kind,
        case(
            (AuditAccess.agency_id == bindparam("agency_id"), User.display_name), else_=null()
        ).label("user_name"),
        AuditEvent.body,
    )
    .join(
        AuditEvent,
        and_(
            AuditEvent.seq == AuditAccess.seq,
            AuditEvent.occurred_at == AuditAccess.occurred_at,
            AuditEvent.occurred_at >= bindparam("since"),
            AuditEvent.occurred_at < bindparam("until"),
        ),
    )
    .join(Agency, Agency.id == AuditAccess.agency_id)
    .outerjoin(User, User.id == AuditAccess.user_id)
    .where(
        AuditAccess.child_id == bindparam("child_id"),
        AuditAccess.occurred_at >= bindparam("since"),
        AuditAccess.occurred_at < bindparam("until"),
        AuditAccess.seq < bindparam("before"),
        or_(
            bindparam("caller_police", type_=Boolean),
            Agency.kind != AgencyKind.POLICE,
            ~exists(_COVERT_POLICE_INTEREST),
        ),
    )
    .order_by(AuditAccess.seq.desc())
    .limit(bindparam("limit"))
)


async def accesses_to_child(
    ctx: RequestContext,
    *,
    nhs_number: str | None,
    hub_id: str | None,
    since: datetime | None,
    until: datetime | None,
    first: int,
    after: str | None,
) -> PageView[ChildAccessView]:
    require_audit_role(ctx)
    span = window(ctx, since=since, until=until, first=first, after=after)
    found = await find_child_for_audit(ctx, nhs_number=nhs_number, hub_id=hub_id)
    child_id = found.child.id
    rows = await fetch(
        ctx,
        ACCESSES_TO_CHILD,
        child_id=child_id,
        agency_id=ctx.principal.agency_id,
        caller_police=ctx.principal.agency_kind is AgencyKind.POLICE,
        today=ctx.today,
        **span.params(),
    )
    items = []
    for _seq, occurred_at, access, was_disclosed, code, name, kind, user_name, text in rows:
        body = orjson.loads(text)
        entry = _child_entry(body, child_id)
        granted = _granted(entry)
        items.append(
            ChildAccessView(
                event_id=body["id"],
                occurred_at=occurred_at,
                agency=AgencyView(code=code, name=name, kind=kind),
                user_name=user_name,
                roles=_roles(body),
                purpose=_purpose(body),
                lawful_bases=sorted({g.lawful_basis for g in granted if g.lawful_basis}),
                granted=granted,
                refused=_refused(entry["refused"]),
                access_basis=access,
                disclosed=bool(was_disclosed),
                break_glass=access == "break_glass",
                outcome=Outcome(body["outcome"]),
                operation_name=body["operation"]["name"],
                request_id=body["request_id"],
            )
        )
    return _page(items, rows, span.first)


# --- what did this user see? -------------------------------------------------------------

_USER_BY_ID = select(User.id, User.display_name).where(
    User.id == bindparam("user_id"), User.agency_id == bindparam("agency_id")
)
_USER_BY_SUBJECT = select(User.id, User.display_name).where(
    User.subject == bindparam("subject"), User.agency_id == bindparam("agency_id")
)
_HUB_IDS = select(Child.id, Child.hub_id).where(Child.id.in_(bindparam("ids", expanding=True)))

_EVENT_COLUMNS = (AuditEvent.seq, AuditEvent.occurred_at, AuditEvent.body)

#: One user's events in the caller's agency, newest first. Bound parameters: ``user_id``,
#: ``agency_id`` (the caller's agency), ``since`` (inclusive) and ``until`` (exclusive),
#: ``before`` (keyset, ``seq < before``) and ``limit``.
USER_ACTIVITY = (
    select(*_EVENT_COLUMNS)
    .where(
        AuditEvent.user_id == bindparam("user_id"),
        AuditEvent.agency_id == bindparam("agency_id"),
        AuditEvent.occurred_at >= bindparam("since"),
        AuditEvent.occurred_at < bindparam("until"),
        AuditEvent.seq < bindparam("before"),
    )
    .order_by(AuditEvent.seq.desc())
    .limit(bindparam("limit"))
)


def _agency_events(flag: Any) -> Any:
    """Events of the caller's agency with ``flag`` set (each has a partial index on
    ``(agency_id, occurred_at)``), with the user's name: bound parameters as
    ``USER_ACTIVITY`` without ``user_id``."""
    return (
        select(*_EVENT_COLUMNS, User.id, User.display_name)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .where(
            flag,
            AuditEvent.agency_id == bindparam("agency_id"),
            AuditEvent.occurred_at >= bindparam("since"),
            AuditEvent.occurred_at < bindparam("until"),
            AuditEvent.seq < bindparam("before"),
        )
        .order_by(AuditEvent.seq.desc())
        .limit(bindparam("limit"))
    )


# The bare column, as the partial indexes' WHERE has it: "refused IS true" (PostgreSQL) or
# "refused = 1" (SQLite) would not be seen to imply the index's condition.
_REFUSALS = _agency_events(literal_column("audit_events.refused", Boolean))
_WITHOUT_RELATIONSHIP = _agency_events(literal_column("audit_events.no_relationship", Boolean))


async def _entries(
    ctx: RequestContext,
    rows: Sequence[Any],
    first: int,
    user: AuditUserView | None = None,
) -> PageView[AuditEntryView]:
    bodies = [orjson.loads(row[2]) for row in rows[:first]]
    child_ids = {entry["child"] for body in bodies for entry in body["children"]}
    hub_ids: dict[int, str] = {}
    if child_ids:
        shown = _disclose_children(ctx, child_ids)
        if shown:
            hub_ids = {row[0]: row[1] for row in await fetch(ctx, _HUB_IDS, ids=sorted(shown))}
    items = []
    for row, body in zip(rows, bodies, strict=False):
        who = user if user is not None else _row_user(row)
        items.append(
            AuditEntryView(
                event_id=body["id"],
                occurred_at=row[1],
                user=who,
                roles=_roles(body),
                operation_type=body["operation"]["type"],
                operation_name=body["operation"]["name"],
                purpose=_purpose(body),
                lawful_bases=[LawfulBasis(basis) for basis in body["lawful_bases"]],
                outcome=Outcome(body["outcome"]),
                error_codes=list(body["errors"]),
                break_glass=bool(body["break_glass"]),
                request_id=body["request_id"],
                refused=_refused(body["refused"]),
                children=[
                    ChildTouchedView(
                        hub_id=hub_ids.get(entry["child"]),
                        access_basis=entry["access"],
                        disclosed=disclosed(body, entry),
                        granted=_granted(entry),
                        refused=_refused(entry["refused"]),
                    )
                    for entry in body["children"]
                ],
            )
        )
    return _page(items, rows, first)


def _row_user(row: Any) -> AuditUserView | None:
    return AuditUserView(row[3], row[4]) if row[3] is not None else None


async def user_activity(
    ctx: RequestContext,
    *,
    user_id: int | None,
    subject: str | None,
    since: datetime | None,
    until: datetime | None,
    first: int,
    after: str | None,
) -> PageView[AuditEntryView]:
    require_audit_role(ctx)
    if (user_id is None) == (subject is None):
        raise HubError("INVALID_INPUT", "give exactly one of userId or subject", field="user")
    span = window(ctx, since=since, until=until, first=first, after=after)
    agency_id = ctx.principal.agency_id
    if user_id is not None:
        users = await fetch(ctx, _USER_BY_ID, user_id=user_id, agency_id=agency_id)
    else:
        users = await fetch(ctx, _USER_BY_SUBJECT, subject=subject, agency_id=agency_id)
    if not users:
        raise USER_NOT_FOUND
    if len(users) > 1:  # one subject at two identity providers of the agency
        raise HubError("INVALID_INPUT", "subject: more than one user; give userId", field="user")
    user = AuditUserView(users[0][0], users[0][1])
    ctx.audit.note("user_id", user.id)
    rows = await fetch(ctx, USER_ACTIVITY, user_id=user.id, agency_id=agency_id, **span.params())
    return await _entries(ctx, rows, span.first, user)


async def audit_refusals(
    ctx: RequestContext,
    *,
    since: datetime | None,
    until: datetime | None,
    first: int,
    after: str | None,
) -> PageView[AuditEntryView]:
    require_audit_role(ctx)
    span = window(ctx, since=since, until=until, first=first, after=after)
    rows = await fetch(ctx, _REFUSALS, agency_id=ctx.principal.agency_id, **span.params())
    return await _entries(ctx, rows, span.first)


async def accesses_without_relationship(
    ctx: RequestContext,
    *,
    since: datetime | None,
    until: datetime | None,
    first: int,
    after: str | None,
) -> PageView[AuditEntryView]:
    require_audit_role(ctx)
    span = window(ctx, since=since, until=until, first=first, after=after)
    rows = await fetch(
        ctx, _WITHOUT_RELATIONSHIP, agency_id=ctx.principal.agency_id, **span.params()
    )
    return await _entries(ctx, rows, span.first)


# --- break-glass review ------------------------------------------------------------------

_Opener = aliased(User)
_Reviewer = aliased(User)

_SESSIONS = (
    select(
        BreakGlass.id,
        BreakGlass.user_id,
        _Opener.display_name.label("opener_name"),
        BreakGlass.child_id,
        Child.hub_id,
        BreakGlass.purpose,
        BreakGlass.justification,
        BreakGlass.started_at,
        BreakGlass.expires_at,
        BreakGlass.reviewed_at,
        BreakGlass.reviewed_by,
        _Reviewer.display_name.label("reviewer_name"),
        BreakGlass.review_outcome,
        BreakGlass.review_note,
    )
    .join(_Opener, _Opener.id == BreakGlass.user_id)
    .join(Child, Child.id == BreakGlass.child_id)
    .outerjoin(_Reviewer, _Reviewer.id == BreakGlass.reviewed_by)
    .where(BreakGlass.agency_id == bindparam("agency_id"))
)
_IN_PERIOD = and_(
    BreakGlass.started_at >= bindparam("since"), BreakGlass.started_at < bindparam("until")
)
#: The review queue, oldest first.
_AWAITING = (
    _SESSIONS.where(_IN_PERIOD, BreakGlass.reviewed_at.is_(None))
    .order_by(BreakGlass.started_at, BreakGlass.id)
    .limit(bindparam("limit"))
)
#: Reviews done, the latest first.
_REVIEWED = (
    _SESSIONS.where(_IN_PERIOD, BreakGlass.reviewed_at.is_not(None))
    .order_by(BreakGlass.reviewed_at.desc(), BreakGlass.id)
    .limit(bindparam("limit"))
)
_ONE_SESSION = _SESSIONS.where(BreakGlass.id == bindparam("session_id"))
_REVIEW = (
    update(BreakGlass)
    .where(
        BreakGlass.id == bindparam("session_id"),
        # not "agency_id": an UPDATE reserves its columns' names for the SET clause
        BreakGlass.agency_id == bindparam("own_agency_id"),
        BreakGlass.reviewed_at.is_(None),
    )
    .values(
        reviewed_at=bindparam("at"),
        reviewed_by=bindparam("by"),
        review_outcome=bindparam("outcome"),
        review_note=bindparam("note"),
    )
)


def _session(row: Any, shown: set[int]) -> BreakGlassReviewView:
    outcome = row.review_outcome
    return BreakGlassReviewView(
        id=row.id,
        user=AuditUserView(row.user_id, row.opener_name),
        hub_id=row.hub_id if row.child_id in shown else None,
        purpose=row.purpose,
        justification=row.justification,
        started_at=row.started_at,
        expires_at=row.expires_at,
        reviewed_at=row.reviewed_at,
        reviewed_by=AuditUserView(row.reviewed_by, row.reviewer_name) if row.reviewed_by else None,
        review_outcome=BreakGlassReviewOutcome(outcome) if outcome else None,
        review_note=row.review_note,
    )


async def break_glass_reviews(
    ctx: RequestContext,
    *,
    awaiting: bool,
    since: datetime | None,
    until: datetime | None,
    first: int,
) -> list[BreakGlassReviewView]:
    """Break-glass sessions opened by users of the caller's agency: awaiting review (oldest
    first), or reviewed (latest review first), started in the period."""
    require_audit_role(ctx)
    span = window(ctx, since=since, until=until, first=first, after=None)
    rows = await fetch(
        ctx,
        _AWAITING if awaiting else _REVIEWED,
        agency_id=ctx.principal.agency_id,
        since=span.since,
        until=span.until,
        limit=span.first,
    )
    shown = _disclose_children(ctx, (row.child_id for row in rows))
    return [_session(row, shown) for row in rows]


def _review_note(outcome: BreakGlassReviewOutcome, note: str | None) -> str | None:
    text = (note or "").strip()
    if len(text) > MAX_NOTE:
        raise HubError("INVALID_INPUT", f"note: at most {MAX_NOTE} characters", field="note")
    if not text and outcome is not BreakGlassReviewOutcome.APPROPRIATE:
        raise HubError(
            "NOTE_REQUIRED", f"note: say why the access was {outcome.value}", field="note"
        )
    return text or None


async def review_break_glass(
    ctx: RequestContext,
    *,
    session_id: uuid.UUID,
    outcome: BreakGlassReviewOutcome,
    note: str | None,
) -> BreakGlassReviewView:
    """Record the review of a break-glass session of the caller's agency, once. The audit
    event says which session and the outcome; never the note."""
    require_audit_role(ctx)
    text = _review_note(outcome, note)
    principal = ctx.principal
    ctx.audit.note("break_glass_id", str(session_id))
    rows = await fetch(ctx, _ONE_SESSION, session_id=session_id, agency_id=principal.agency_id)
    if not rows:
        raise BREAK_GLASS_NOT_FOUND
    row = rows[0]
    if row.reviewed_at is not None:
        raise HubError("ALREADY_REVIEWED", "id: this session has been reviewed", field="id")
    if row.user_id == principal.user_id:
        raise HubError("SELF_REVIEW", "id: a session you opened is reviewed by someone else")
    changed = await execute(
        ctx,
        _REVIEW,
        session_id=session_id,
        own_agency_id=principal.agency_id,
        at=ctx.now,
        by=principal.user_id,
        outcome=outcome.value,
        note=text,
    )
    if changed != 1:  # reviewed by someone else meanwhile
        raise HubError("ALREADY_REVIEWED", "id: this session has been reviewed", field="id")
    ctx.audit.note("review_outcome", outcome.value)
    shown = _disclose_children(ctx, [row.child_id])
    return replace(
        _session(row, shown),
        reviewed_at=ctx.now,
        reviewed_by=AuditUserView(principal.user_id, principal.display_name),
        review_outcome=outcome,
        review_note=text,
    )
