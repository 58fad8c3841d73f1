"""Records about a child: listing what the caller may see, creating and amending own records."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Row, bindparam, exists, insert, or_, select, update

from db import Agency, Consent, Record, RecordVersion, SharingDecision, StatutorySharing
from db.payloads import PayloadError, validate_payload
from policies import Facts
from resolvers.access import NOT_FOUND, decide, refusal, require_grant
from resolvers.addresses import address_for
from resolvers.children import ChildAccess, find_child
from resolvers.context import RequestContext, once
from resolvers.errors import HubError
from resolvers.sql import (
    access_params,
    break_glass_in_force,
    execute,
    fetch,
    relationship_in_force,
)
from resolvers.views import AgencyView, ChildView, RecordView, RedactionView
from vocab.actions import Action
from vocab.agencies import AgencyKind
from vocab.categories import Category
from vocab.consent import CONSENT_CATEGORIES
from vocab.lawful_bases import LawfulBasis
from vocab.restrictions import Restriction

MAX_CATEGORIES = len(Category)
#: Categories only their workflow writes (``resolvers.mash``), never ``createRecord``.
WORKFLOW_CATEGORIES = frozenset(
    {Category.MASH_ENQUIRY, Category.MASH_RESPONSE, Category.MASH_DECISION}
)

_SELECT_RECORDS = (
    select(
        Record.id,
        Record.child_id,
        Agency.code,
        Agency.name,
        Agency.kind,
        Record.category,
        Record.lawful_basis,
        Record.valid_from,
        Record.valid_to,
        Record.payload,
        Record.version,
        Record.created_at,
        Record.updated_at,
        Record.agency_id,
        Record.restriction,
        Record.disclose_from,
    )
    .join(Agency, Agency.id == Record.agency_id)
    .order_by(Record.category, Record.valid_from.desc(), Record.id)
)
#: A child's records, each with whether its owner decided not to share its category (one
#: round trip instead of two).
_FOR_CHILD = _SELECT_RECORDS.add_columns(
    exists()
    .where(
        SharingDecision.child_id == Record.child_id,
        SharingDecision.agency_id == Record.agency_id,
        SharingDecision.category == Record.category,
        SharingDecision.lifted_at.is_(None),
    )
    .label("not_shared")
).where(Record.child_id == bindparam("child_id"))
_BY_ID = _SELECT_RECORDS.where(Record.id == bindparam("record_id"))
_CONSENTS = select(Consent.categories, Consent.purposes, Consent.agency_ids).where(
    Consent.child_id == bindparam("child_id"),
    Consent.withdrawn_at.is_(None),
    Consent.starts_on <= bindparam("today"),
    or_(Consent.expires_on.is_(None), Consent.expires_on >= bindparam("today")),
)
_STATUTORY = select(StatutorySharing.categories, StatutorySharing.basis).where(
    StatutorySharing.child_id == bindparam("child_id"),
    StatutorySharing.agency_id == bindparam("agency_id"),
    StatutorySharing.created_at <= bindparam("now"),
    StatutorySharing.expires_at > bindparam("now"),
)


_FOR_AMEND = (
    select(
        Record.child_id,
        Record.agency_id,
        Record.category,
        Record.lawful_basis,
        Record.valid_from,
        Record.valid_to,
        Record.payload,
        Record.version,
        Record.updated_at,
        Record.updated_by,
        Record.restriction,
        Record.disclose_from,
        relationship_in_force(Record.child_id).label("relationship"),
        break_glass_in_force(Record.child_id).label("break_glass"),
    )
    .where(Record.id == bindparam("record_id"))
    .with_for_update(of=Record)  # PostgreSQL: serialise amendments; SQLite ignores it
)
_INSERT_RECORD = insert(Record)
_INSERT_VERSION = insert(RecordVersion)
_UPDATE_RECORD = (
    update(Record)
    .where(Record.id == bindparam("record_id"), Record.version == bindparam("expected"))
    .values(
        lawful_basis=bindparam("lawful_basis"),
        valid_to=bindparam("valid_to"),
        payload=bindparam("payload"),
        version=bindparam("version"),
        restriction=bindparam("restriction"),
        disclose_from=bindparam("disclose_from"),
        updated_at=bindparam("updated_at"),
        updated_by=bindparam("updated_by"),
    )
)


def _view(row: Row[Any]) -> RecordView:
    return RecordView(
        id=row[0],
        child_id=row[1],
        agency=AgencyView(code=row[2], name=row[3], kind=row[4]),
        category=row[5],
        lawful_basis=row[6],
        valid_from=row[7],
        valid_to=row[8],
        payload=row[9],
        version=row[10],
        created_at=row[11],
        updated_at=row[12],
        restriction=row[14],
        disclose_from=row[15],
    )


@dataclass(frozen=True, slots=True)
class Shared:
    """What the caller may see of a child's records, and what is withheld and why."""

    records: list[RecordView]
    redactions: list[RedactionView]


def _consented(consents: Sequence[Row[Any]], ctx: RequestContext) -> set[str]:
    """Categories with consent in force for the caller's agency and declared purpose."""
    purpose, agency_id = ctx.purpose, ctx.principal.agency_id
    covered: set[str] = set()
    for categories, purposes, agency_ids in consents:
        if purpose in purposes and (agency_ids is None or agency_id in agency_ids):
            covered.update(categories)
    return covered


async def shared_with_caller(ctx: RequestContext, child: ChildView) -> Shared:
    """Every record about ``child`` the policy lets the caller see for the declared purpose:
    one decision per (category, owning agency, restriction), each recorded. Categories
    withheld for a reason the caller may be told (consent) are listed as redactions;
    sealed records, covert interests and decisions not to share are not mentioned."""
    return await once(ctx, ("shared", child.id), lambda: _shared(ctx, child))


async def _shared(ctx: RequestContext, child: ChildView) -> Shared:
    access = ctx.memo.get(("access", child.id))
    assert isinstance(access, ChildAccess), "records are reached through get_child"
    rows = await fetch(ctx, _FOR_CHILD, child_id=child.id)
    consented: set[str] = set()
    statutory: dict[str, LawfulBasis] = {}
    if any(r[5] in CONSENT_CATEGORIES and r[13] != ctx.principal.agency_id for r in rows):
        # only then can consent, or a statutory basis instead of it, change the answer
        consents = await fetch(ctx, _CONSENTS, child_id=child.id, today=ctx.today)
        consented = _consented(consents, ctx)
        for categories, basis in await fetch(
            ctx, _STATUTORY, child_id=child.id, agency_id=ctx.principal.agency_id, now=ctx.now
        ):
            for category_value in categories:
                statutory.setdefault(category_value, basis)
    today = ctx.today
    decided: dict[tuple[Any, ...], bool] = {}
    redactions: dict[Category, RedactionView] = {}
    records: list[RecordView] = []
    for row in rows:
        category, owner, restriction, disclose_from = row[5], row[13], row[14], row[15]
        disclosable = disclose_from is not None and disclose_from <= today
        key = (category, owner, restriction, disclosable)
        allowed = decided.get(key)
        if allowed is None:
            decision = decide(
                ctx,
                action=Action.READ,
                category=category,
                child_id=child.id,
                facts=Facts(
                    relationship=access.relationship,
                    break_glass=access.break_glass,
                    owner_agency_id=owner,
                    consent=category.value in consented,
                    statutory_basis=statutory.get(category.value),
                    restriction=restriction,
                    disclosable=disclosable,
                    not_shared=bool(row[16]),
                ),
            )
            allowed = decided[key] = decision.allowed
            if decision.code == "CONSENT_REQUIRED":
                redactions[category] = RedactionView(category, None, decision.code)
        if allowed:
            records.append(_view(row))
    return Shared(records, list(redactions.values()))


async def records_for_child(
    ctx: RequestContext, *, child: ChildView, categories: Sequence[Category] | None
) -> list[RecordView]:
    """The records about ``child`` the caller may see, optionally of some categories."""
    if categories is not None and len(categories) > MAX_CATEGORIES:
        raise HubError("TOO_MANY_ITEMS", "categories: too many values", field="categories")
    records = (await shared_with_caller(ctx, child)).records
    if categories:
        wanted = set(categories)
        return [record for record in records if record.category in wanted]
    return records


async def redactions_for_child(ctx: RequestContext, *, child: ChildView) -> list[RedactionView]:
    """Everything withheld from the caller for a reason they may be told: consent-based
    categories, a shielded address."""
    redactions = list((await shared_with_caller(ctx, child)).redactions)
    address = await address_for(ctx, child)
    if address.redaction is not None:
        redactions.append(address.redaction)
    return redactions


def _check_restriction(
    ctx: RequestContext, restriction: Restriction, disclose_from: date | None
) -> None:
    if restriction is Restriction.COVERT and ctx.principal.agency_kind is not AgencyKind.POLICE:
        raise HubError(
            "INVALID_RESTRICTION",
            "restriction: only the police mark an interest covert",
            field="restriction",
        )
    if disclose_from is not None and restriction is not Restriction.COVERT:
        raise HubError(
            "INVALID_RESTRICTION",
            "discloseFrom: only a covert record has a disclosure date",
            field="discloseFrom",
        )


def _check_period(valid_from: date, valid_to: date | None) -> None:
    if valid_to is not None and valid_to < valid_from:
        raise HubError("INVALID_PERIOD", "validTo: is before validFrom", field="validTo")


def _payload(category: Category, payload: Any) -> dict[str, Any]:
    try:
        return validate_payload(category, payload)
    except PayloadError as exc:
        raise HubError(exc.code, str(exc), field="payload") from None


async def _load_view(ctx: RequestContext, record_id: uuid.UUID) -> RecordView:
    (row,) = await fetch(ctx, _BY_ID, record_id=record_id)
    return _view(row)


async def create_record(
    ctx: RequestContext,
    *,
    nhs_number: str | None,
    hub_id: str | None,
    category: Category,
    lawful_basis: LawfulBasis,
    valid_from: date,
    valid_to: date | None,
    payload: Any,
    restriction: Restriction = Restriction.NONE,
    disclose_from: date | None = None,
) -> RecordView:
    """Record a fact the caller's agency holds about a child it has a relationship with.
    MASH enquiries, answers and decisions are made through the MASH front door only (there
    an answer is seen by the enquiry's council alone, not by every partner)."""
    if category in WORKFLOW_CATEGORIES:
        raise HubError(
            "INVALID_INPUT",
            f"category: {category} is recorded through the MASH front door mutations",
            field="category",
        )
    require_grant(ctx, action=Action.CREATE, category=category)
    found = await find_child(ctx, nhs_number=nhs_number, hub_id=hub_id)
    if found is None:
        raise NOT_FOUND
    child = found.child
    decision = decide(
        ctx, action=Action.CREATE, category=category, child_id=child.id, facts=found.facts()
    )
    if not decision.allowed:
        raise refusal(decision, field="category")
    _check_period(valid_from, valid_to)
    _check_restriction(ctx, restriction, disclose_from)
    clean = _payload(category, payload)
    record_id = uuid.uuid4()
    await execute(
        ctx,
        _INSERT_RECORD,
        id=record_id,
        child_id=child.id,
        agency_id=ctx.principal.agency_id,
        category=category,
        lawful_basis=lawful_basis,
        valid_from=valid_from,
        valid_to=valid_to,
        payload=clean,
        restriction=restriction,
        disclose_from=disclose_from,
        version=1,
        created_at=ctx.now,
        created_by=ctx.principal.user_id,
        updated_at=ctx.now,
        updated_by=ctx.principal.user_id,
    )
    return await _load_view(ctx, record_id)


async def amend_record(
    ctx: RequestContext,
    *,
    record_id: uuid.UUID,
    expected_version: int,
    lawful_basis: LawfulBasis | None,
    valid_to: date | None,
    payload: Any | None,
    restriction: Restriction | None = None,
    disclose_from: date | None = None,
) -> RecordView:
    """Amend the caller's agency's own record; the previous version is kept.

    ``expected_version`` guards against lost updates: amending a record someone else has
    changed since you read it fails with ``VERSION_CONFLICT``.
    """
    unknown = HubError("RECORD_NOT_FOUND", "id: no such record", field="id")
    rows = await fetch(ctx, _FOR_AMEND, record_id=record_id, **access_params(ctx))
    if not rows:
        raise unknown
    record = rows[0]
    decision = decide(
        ctx,
        action=Action.AMEND,
        category=record.category,
        child_id=record.child_id,
        facts=Facts(
            relationship=record.relationship,
            break_glass=bool(record.break_glass),
            owner_agency_id=record.agency_id,
        ),
    )
    if not decision.allowed:
        if decision.code in (None, "NO_RELATIONSHIP"):
            raise unknown
        if record.agency_id != ctx.principal.agency_id:
            raise HubError(
                "FORBIDDEN", "id: only the owning agency may amend this record", field="id"
            )
        raise refusal(decision, field="id")
    conflict = HubError(
        "VERSION_CONFLICT",
        "expectedVersion: the record has changed since you read it",
        field="expectedVersion",
    )
    if record.version != expected_version:
        raise conflict
    new_valid_to = valid_to if valid_to is not None else record.valid_to
    _check_period(record.valid_from, new_valid_to)
    new_restriction = restriction if restriction is not None else record.restriction
    new_disclose_from = (
        disclose_from
        if disclose_from is not None
        else (record.disclose_from if new_restriction is Restriction.COVERT else None)
    )
    _check_restriction(ctx, new_restriction, new_disclose_from)
    new_payload = record.payload if payload is None else _payload(record.category, payload)
    await execute(
        ctx,
        _INSERT_VERSION,
        record_id=record_id,
        version=record.version,
        lawful_basis=record.lawful_basis,
        valid_from=record.valid_from,
        valid_to=record.valid_to,
        payload=record.payload,
        recorded_at=record.updated_at,
        recorded_by=record.updated_by,
    )
    changed = await execute(
        ctx,
        _UPDATE_RECORD,
        record_id=record_id,
        expected=expected_version,
        lawful_basis=lawful_basis or record.lawful_basis,
        valid_to=new_valid_to,
        payload=new_payload,
        version=expected_version + 1,
        restriction=new_restriction,
        disclose_from=new_disclose_from,
        updated_at=ctx.now,
        updated_by=ctx.principal.user_id,
    )
    if changed != 1:
        raise conflict
    return await _load_view(ctx, record_id)
