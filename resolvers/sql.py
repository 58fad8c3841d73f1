"""Running prebuilt Core statements on the request's unit of work.

The request path builds no SQL expressions: statements are built once, at import, with
bound parameters, and executed on the session's connection (Core, not the ORM), which
skips per-request expression construction and ORM result processing.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Executable, Row, String, and_, bindparam, exists, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from db import BreakGlass, ChildRelationship, Record
from resolvers.context import RequestContext
from vocab.purposes import Purpose
from vocab.relationships import RelationshipKind
from vocab.restrictions import Restriction


async def fetch(ctx: RequestContext, statement: Executable, **params: Any) -> Sequence[Row[Any]]:
    connection = await ctx.session.connection()
    return (await connection.execute(statement, params)).all()


async def execute(ctx: RequestContext, statement: Executable, **params: Any) -> int:
    """Run a write; the number of rows it touched."""
    connection = await ctx.session.connection()
    result = await connection.execute(statement, params)
    return int(result.rowcount)


def relationship_in_force(child_id: InstrumentedAttribute[int]) -> ColumnElement[Any]:
    """SQL: the kind of a relationship in force on ``:today`` (and, for one that ends at an
    instant, at ``:now``) between agency ``:agency_id`` and the child, or NULL. A
    relationship held by one worker (an allocation to a named social worker) counts for that
    worker, ``:user_id``, only. An open MASH enquiry is a relationship for the MASH's
    purpose (``:purpose`` = ``safeguarding.mash``) only: it does not open the child to the
    agency's other work."""
    return (
        select(ChildRelationship.kind)
        .where(
            ChildRelationship.child_id == child_id,
            ChildRelationship.agency_id == bindparam("agency_id"),
            or_(
                ChildRelationship.user_id.is_(None),
                ChildRelationship.user_id == bindparam("user_id"),
            ),
            ChildRelationship.valid_from <= bindparam("today"),
            or_(
                ChildRelationship.valid_to.is_(None),
                ChildRelationship.valid_to >= bindparam("today"),
            ),
            or_(
                ChildRelationship.ends_at.is_(None),
                ChildRelationship.ends_at > bindparam("now"),
            ),
            or_(
                ChildRelationship.kind != RelationshipKind.ENQUIRY,
                bindparam("purpose", type_=String) == Purpose.SAFEGUARDING_MASH.value,
            ),
        )
        .order_by(ChildRelationship.kind)
        .limit(1)
        .scalar_subquery()
    )


def break_glass_in_force(child_id: InstrumentedAttribute[int]) -> ColumnElement[bool]:
    """SQL: user ``:user_id`` has an unexpired break-glass session for the child at ``:now``,
    opened for the purpose now declared (``:purpose``)."""
    return exists().where(
        BreakGlass.child_id == child_id,
        BreakGlass.user_id == bindparam("user_id"),
        BreakGlass.purpose == bindparam("purpose"),
        BreakGlass.started_at <= bindparam("now"),
        BreakGlass.expires_at > bindparam("now"),
    )


def undisclosed_covert() -> ColumnElement[bool]:
    """SQL: the record is a covert (police) interest whose disclosure date is unset or after
    ``:today``."""
    return and_(
        Record.restriction == Restriction.COVERT,
        or_(Record.disclose_from.is_(None), Record.disclose_from > bindparam("today")),
    )


def access_params(ctx: RequestContext) -> dict[str, Any]:
    principal = ctx.principal
    return {
        "agency_id": principal.agency_id,
        "user_id": principal.user_id,
        "today": ctx.today,
        "now": ctx.now,
        "purpose": ctx.purpose,
    }
