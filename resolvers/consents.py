"""Consent to share (record, withdraw) and decisions not to share (DESIGN §6.3, §6.4).

Both are data the access decision reads on every request (``resolvers.records``), so a
withdrawal or a decision not to share is in force on the next request in every server
process. Rows are never deleted: withdrawal sets ``withdrawn_at``.

Recording either needs what reading the child needs: identity read for the declared
purpose, and a relationship with the child (or a break-glass session). A decision not to
share is the owning agency's: only a kind of agency that may own the category records one.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Row, bindparam, insert, select, update

from db import Agency, Consent, SharingDecision
from policies import Facts
from resolvers.access import NOT_FOUND, decide, refusal, require_grant
from resolvers.children import ChildAccess, find_child
from resolvers.context import RequestContext
from resolvers.errors import HubError
from resolvers.errors import justification as require_justification
from resolvers.sql import access_params, break_glass_in_force, execute, fetch, relationship_in_force
from vocab.actions import Action
from vocab.categories import OWNER_KINDS, Category
from vocab.consent import ConsentGiver, NotSharingReason
from vocab.purposes import Purpose

MAX_CATEGORIES = len(Category)
MAX_PURPOSES = len(Purpose)
#: Agencies one consent may name; more is a sign of a mistake (leave it out for every one).
MAX_AGENCIES = 100

_CONSENT = select(
    Consent.id,
    Consent.given_by,
    Consent.categories,
    Consent.purposes,
    Consent.agency_ids,
    Consent.starts_on,
    Consent.expires_on,
    Consent.withdrawn_at,
    Consent.recorded_at,
).where(Consent.id == bindparam("consent_id"))
_FOR_WITHDRAW = (
    select(
        Consent.child_id,
        Consent.withdrawn_at,
        relationship_in_force(Consent.child_id).label("relationship"),
        break_glass_in_force(Consent.child_id).label("break_glass"),
    )
    .where(Consent.id == bindparam("consent_id"))
    .with_for_update(of=Consent)  # PostgreSQL: serialise withdrawals; SQLite ignores it
)
_WITHDRAW = (
    update(Consent)
    .where(Consent.id == bindparam("consent_id"), Consent.withdrawn_at.is_(None))
    .values(withdrawn_at=bindparam("withdrawn_at"))
)
_INSERT_CONSENT = insert(Consent)
_AGENCIES_BY_CODE = select(Agency.id, Agency.code).where(
    Agency.code.in_(bindparam("codes", expanding=True)), Agency.active.is_(True)
)
_AGENCY_CODES = select(Agency.id, Agency.code).where(
    Agency.id.in_(bindparam("agency_ids", expanding=True))
)
_INSERT_DECISION = insert(SharingDecision)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ConsentView:
    id: uuid.UUID
    given_by: ConsentGiver
    categories: list[Category]
    purposes: list[Purpose]
    #: Codes of the agencies it extends to; None: every partner agency.
    agencies: list[str] | None
    starts_on: date
    expires_on: date | None
    withdrawn_at: datetime | None
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class SharingDecisionView:
    id: uuid.UUID
    category: Category
    reason: NotSharingReason
    justification: str
    decided_at: datetime


def _distinct(values: Sequence[T], *, field: str, cap: int) -> list[T]:
    """A list input of 1..``cap`` values without repeats, or the error naming ``field``."""
    if len(values) > cap:
        raise HubError("TOO_MANY_ITEMS", f"{field}: too many values", field=field)
    if not values:
        raise HubError("INVALID_INPUT", f"{field}: give at least one value", field=field)
    if len(set(values)) != len(values):
        raise HubError("INVALID_INPUT", f"{field}: a value is repeated", field=field)
    return list(values)


async def _reach_child(
    ctx: RequestContext, *, nhs_number: str | None, hub_id: str | None
) -> ChildAccess:
    """The child, if the caller may read its identity for the declared purpose; otherwise
    the same refusal the ``child`` query gives (an unreachable child looks unknown)."""
    require_grant(ctx, action=Action.READ, category=Category.IDENTITY)
    found = await find_child(ctx, nhs_number=nhs_number, hub_id=hub_id)
    if found is None:
        raise NOT_FOUND
    decision = decide(
        ctx,
        action=Action.READ,
        category=Category.IDENTITY,
        child_id=found.child.id,
        facts=found.facts(),
    )
    if not decision.allowed:
        raise refusal(decision, field="child")
    return found


async def _agency_ids(ctx: RequestContext, codes: list[str]) -> list[int]:
    """The active agencies with these codes, in the order given; an unknown (or ambiguous)
    code is refused by its position, never by its value."""
    wanted = [code.strip().upper() for code in codes]
    _distinct(wanted, field="agencies", cap=MAX_AGENCIES)
    by_code: dict[str, list[int]] = {}
    for agency_id, code in await fetch(ctx, _AGENCIES_BY_CODE, codes=wanted):
        by_code.setdefault(code, []).append(agency_id)
    ids: list[int] = []
    for index, code in enumerate(wanted):
        matches = by_code.get(code, [])
        if len(matches) != 1:
            raise HubError(
                "INVALID_INPUT",
                f"agencies[{index}]: not the code of one active partner agency",
                field="agencies",
            )
        ids.append(matches[0])
    return ids


async def _consent_view(ctx: RequestContext, consent_id: uuid.UUID) -> ConsentView:
    (row,) = await fetch(ctx, _CONSENT, consent_id=consent_id)
    return await _view(ctx, row)


async def _view(ctx: RequestContext, row: Row[Any]) -> ConsentView:
    agency_ids: list[int] | None = row[4]
    codes: list[str] | None = None
    if agency_ids is not None:
        rows = await fetch(ctx, _AGENCY_CODES, agency_ids=agency_ids)
        known: dict[int, str] = {agency_id: code for agency_id, code in rows}
        codes = [known[agency_id] for agency_id in agency_ids if agency_id in known]
    return ConsentView(
        id=row[0],
        given_by=row[1],
        categories=[Category(value) for value in row[2]],
        purposes=[Purpose(value) for value in row[3]],
        agencies=codes,
        starts_on=row[5],
        expires_on=row[6],
        withdrawn_at=row[7],
        recorded_at=row[8],
    )


async def record_consent(
    ctx: RequestContext,
    *,
    nhs_number: str | None,
    hub_id: str | None,
    given_by: ConsentGiver,
    categories: Sequence[Category],
    purposes: Sequence[Purpose],
    agencies: Sequence[str] | None,
    starts_on: date,
    expires_on: date | None,
) -> ConsentView:
    """Record consent given for a child the caller works with, scoped to categories,
    purposes and (optionally) agencies, from ``starts_on`` until ``expires_on``."""
    if len(categories) > MAX_CATEGORIES or len(purposes) > MAX_PURPOSES:
        field = "categories" if len(categories) > MAX_CATEGORIES else "purposes"
        raise HubError("TOO_MANY_ITEMS", f"{field}: too many values", field=field)
    if agencies is not None and len(agencies) > MAX_AGENCIES:
        raise HubError("TOO_MANY_ITEMS", "agencies: too many values", field="agencies")
    found = await _reach_child(ctx, nhs_number=nhs_number, hub_id=hub_id)
    scope_categories = _distinct(categories, field="categories", cap=MAX_CATEGORIES)
    scope_purposes = _distinct(purposes, field="purposes", cap=MAX_PURPOSES)
    if expires_on is not None and expires_on < starts_on:
        raise HubError("INVALID_PERIOD", "expiresOn: is before startsOn", field="expiresOn")
    agency_ids = None if agencies is None else await _agency_ids(ctx, list(agencies))
    consent_id = uuid.uuid4()
    await execute(
        ctx,
        _INSERT_CONSENT,
        id=consent_id,
        child_id=found.child.id,
        given_by=given_by,
        given_by_adult_id=None,
        categories=[category.value for category in scope_categories],
        purposes=[purpose.value for purpose in scope_purposes],
        agency_ids=agency_ids,
        starts_on=starts_on,
        expires_on=expires_on,
        withdrawn_at=None,
        recorded_by=ctx.principal.user_id,
        recorded_at=ctx.now,
    )
    return await _consent_view(ctx, consent_id)


async def withdraw_consent(ctx: RequestContext, *, consent_id: uuid.UUID) -> ConsentView:
    """Withdraw consent from now on; the row is kept. Withdrawing again changes nothing.

    An unknown id and a consent about a child the caller cannot reach get the same answer.
    """
    unknown = HubError("CONSENT_NOT_FOUND", "id: no such consent", field="id")
    require_grant(ctx, action=Action.READ, category=Category.IDENTITY)
    rows = await fetch(ctx, _FOR_WITHDRAW, consent_id=consent_id, **access_params(ctx))
    if not rows:
        raise unknown
    consent = rows[0]
    decision = decide(
        ctx,
        action=Action.READ,
        category=Category.IDENTITY,
        child_id=consent.child_id,
        facts=Facts(relationship=consent.relationship, break_glass=bool(consent.break_glass)),
    )
    if not decision.allowed:
        if decision.code in (None, "NO_RELATIONSHIP"):
            raise unknown
        raise refusal(decision, field="id")
    if consent.withdrawn_at is None:
        await execute(ctx, _WITHDRAW, consent_id=consent_id, withdrawn_at=ctx.now)
    return await _consent_view(ctx, consent_id)


async def record_decision_not_to_share(
    ctx: RequestContext,
    *,
    nhs_number: str | None,
    hub_id: str | None,
    category: Category,
    reason: NotSharingReason,
    justification: str,
) -> SharingDecisionView:
    """Record the caller's agency's decision not to share a category about a child, with its
    reason and justification (kept as data; never logged). Partners stop seeing the
    agency's records of that category on the next request; the agency still does."""
    if ctx.principal.agency_kind not in OWNER_KINDS[category]:
        raise HubError(
            "FORBIDDEN",
            f"category: a {ctx.principal.agency_kind} agency does not own {category} records",
            field="category",
        )
    found = await _reach_child(ctx, nhs_number=nhs_number, hub_id=hub_id)
    text = require_justification(justification)
    decision_id = uuid.uuid4()
    await execute(
        ctx,
        _INSERT_DECISION,
        id=decision_id,
        child_id=found.child.id,
        agency_id=ctx.principal.agency_id,
        category=category,
        reason=reason,
        justification=text,
        decided_by=ctx.principal.user_id,
        decided_at=ctx.now,
        lifted_at=None,
        reference=None,
    )
    return SharingDecisionView(
        id=decision_id,
        category=category,
        reason=reason,
        justification=text,
        decided_at=ctx.now,
    )
