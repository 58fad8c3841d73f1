"""Records about a child: listing what the caller may see, creating and amending own records."""

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, insert, select, update

from db import Agency, Record, RecordVersion
from db.payloads import PayloadError, validate_payload
from policies import authorize
from resolvers.children import find_child, relationship_exists
from resolvers.context import RequestContext
from resolvers.errors import HubError
from resolvers.views import AgencyView, ChildView, RecordView
from vocab.actions import Action
from vocab.categories import Category
from vocab.lawful_bases import LawfulBasis

MAX_CATEGORIES = len(Category)

_RECORD_COLUMNS = (
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
    query = (
        select(*_RECORD_COLUMNS)
        .join(Agency, Agency.id == Record.agency_id)
        .where(Record.child_id == child.id, Record.agency_id == ctx.principal.agency_id)
        .order_by(Record.category, Record.valid_from.desc(), Record.id)
    )
    if categories:
        query = query.where(Record.category.in_(set(categories)))
    rows = (await ctx.session.execute(query)).all()
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
    row = (
        await ctx.session.execute(
            select(*_RECORD_COLUMNS)
            .join(Agency, Agency.id == Record.agency_id)
            .where(Record.id == record_id)
        )
    ).one()
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
    now = ctx.now
    await ctx.session.execute(
        insert(Record).values(
            id=record_id,
            child_id=child.id,
            agency_id=ctx.principal.agency_id,
            category=category,
            lawful_basis=lawful_basis,
            valid_from=valid_from,
            valid_to=valid_to,
            payload=clean,
            version=1,
            created_at=now,
            created_by=ctx.principal.user_id,
            updated_at=now,
            updated_by=ctx.principal.user_id,
        )
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
    row = (
        await ctx.session.execute(
            select(Record, relationship_exists(ctx, Record.child_id))
            .where(Record.id == record_id)
            .with_for_update(of=Record)
        )
    ).one_or_none()
    if row is None:
        raise HubError("RECORD_NOT_FOUND", "id: no such record", field="id")
    record: Record = row[0]
    decision = authorize(
        ctx.audit,
        ctx.principal,
        action=Action.AMEND,
        child_id=record.child_id,
        category=record.category,
        owner_agency_id=record.agency_id,
        has_relationship=bool(row[1]),
    )
    if not decision.allowed:
        raise HubError("FORBIDDEN", "id: only the owning agency may amend this record", field="id")
    if record.version != expected_version:
        raise HubError(
            "VERSION_CONFLICT",
            "expectedVersion: the record has changed since you read it",
            field="expectedVersion",
        )
    new_valid_to = valid_to if valid_to is not None else record.valid_to
    _check_period(record.valid_from, new_valid_to)
    new_payload = record.payload if payload is None else _payload(record.category, payload)
    await ctx.session.execute(
        insert(RecordVersion).values(
            record_id=record.id,
            version=record.version,
            lawful_basis=record.lawful_basis,
            valid_from=record.valid_from,
            valid_to=record.valid_to,
            payload=record.payload,
            recorded_at=record.updated_at,
            recorded_by=record.updated_by,
        )
    )
    result = await ctx.session.execute(
        update(Record)
        .where(Record.id == record.id, Record.version == expected_version)
        .values(
            lawful_basis=lawful_basis or record.lawful_basis,
            valid_to=new_valid_to,
            payload=new_payload,
            version=expected_version + 1,
            updated_at=ctx.now,
            updated_by=ctx.principal.user_id,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise HubError(
            "VERSION_CONFLICT",
            "expectedVersion: the record has changed since you read it",
            field="expectedVersion",
        )
    return await _load_view(ctx, record.id)
