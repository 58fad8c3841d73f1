"""Records about a child: listing what the caller may see, creating and amending own records."""

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, bindparam, insert, select, update

from db import Agency, Record, RecordVersion
from db.payloads import PayloadError, validate_payload
from policies import authorize
from resolvers.children import find_child
from resolvers.context import RequestContext
from resolvers.errors import HubError
from resolvers.sql import execute, fetch, relationship_in_force, relationship_params
from resolvers.views import AgencyView, ChildView, RecordView
from vocab.actions import Action
from vocab.categories import Category
from vocab.lawful_bases import LawfulBasis

MAX_CATEGORIES = len(Category)

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
    )
    .join(Agency, Agency.id == Record.agency_id)
    .order_by(Record.category, Record.valid_from.desc(), Record.id)
)
_OWN_FOR_CHILD = _SELECT_RECORDS.where(
    Record.child_id == bindparam("child_id"), Record.agency_id == bindparam("agency_id")
)
_OWN_FOR_CHILD_IN = _OWN_FOR_CHILD.where(
    Record.category.in_(bindparam("categories", expanding=True))
)
_BY_ID = _SELECT_RECORDS.where(Record.id == bindparam("record_id"))
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
        relationship_in_force(Record.child_id).label("related"),
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
    )


async def records_for_child(
    ctx: RequestContext, *, child: ChildView, categories: Sequence[Category] | None
) -> list[RecordView]:
    """The caller's own agency's records about ``child`` (the floor until issue 3).

    One decision per category returned is recorded. Only reachable through ``get_child``,
    which has already established the relationship.
    """
    if categories is not None and len(categories) > MAX_CATEGORIES:
        raise HubError("TOO_MANY_ITEMS", "categories: too many values", field="categories")
    params: dict[str, Any] = {"child_id": child.id, "agency_id": ctx.principal.agency_id}
    if categories:
        rows = await fetch(ctx, _OWN_FOR_CHILD_IN, categories=list(set(categories)), **params)
    else:
        rows = await fetch(ctx, _OWN_FOR_CHILD, **params)
    allowed: dict[Category, bool] = {}
    for category in dict.fromkeys(row[5] for row in rows):
        allowed[category] = authorize(
            ctx.audit,
            ctx.principal,
            action=Action.READ,
            child_id=child.id,
            category=category,
            owner_agency_id=ctx.principal.agency_id,
            has_relationship=True,
        ).allowed
    return [_view(row) for row in rows if allowed[row[5]]]


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
) -> RecordView:
    """Record a fact the caller's agency holds about a child it has a relationship with."""
    found = await find_child(ctx, nhs_number=nhs_number, hub_id=hub_id)
    if found is None:
        raise HubError("CHILD_NOT_FOUND", "no child visible to you has that identifier")
    child, related = found
    decision = authorize(
        ctx.audit,
        ctx.principal,
        action=Action.CREATE,
        child_id=child.id,
        category=category,
        has_relationship=related,
    )
    if not decision.allowed:
        if not related:
            raise HubError("CHILD_NOT_FOUND", "no child visible to you has that identifier")
        raise HubError("FORBIDDEN", f"category: your agency may not create {category} records")
    _check_period(valid_from, valid_to)
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
) -> RecordView:
    """Amend the caller's agency's own record; the previous version is kept.

    ``expected_version`` guards against lost updates: amending a record someone else has
    changed since you read it fails with ``VERSION_CONFLICT``.
    """
    rows = await fetch(ctx, _FOR_AMEND, record_id=record_id, **relationship_params(ctx))
    if not rows:
        raise HubError("RECORD_NOT_FOUND", "id: no such record", field="id")
    record = rows[0]
    decision = authorize(
        ctx.audit,
        ctx.principal,
        action=Action.AMEND,
        child_id=record.child_id,
        category=record.category,
        owner_agency_id=record.agency_id,
        has_relationship=bool(record.related),
    )
    if not decision.allowed:
        raise HubError("FORBIDDEN", "id: only the owning agency may amend this record", field="id")
    conflict = HubError(
        "VERSION_CONFLICT",
        "expectedVersion: the record has changed since you read it",
        field="expectedVersion",
    )
    if record.version != expected_version:
        raise conflict
    new_valid_to = valid_to if valid_to is not None else record.valid_to
    _check_period(record.valid_from, new_valid_to)
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
        updated_at=ctx.now,
        updated_by=ctx.principal.user_id,
    )
    if changed != 1:
        raise conflict
    return await _load_view(ctx, record_id)
