"""Running prebuilt Core statements on the request's unit of work.

The request path builds no SQL expressions: statements are built once, at import, with
bound parameters, and executed on the session's connection (Core, not the ORM), which
skips per-request expression construction and ORM result processing.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Executable, Row, bindparam, exists, or_
from sqlalchemy.orm import InstrumentedAttribute

from db import ChildRelationship
from resolvers.context import RequestContext


async def fetch(ctx: RequestContext, statement: Executable, **params: Any) -> Sequence[Row[Any]]:
    connection = await ctx.session.connection()
    return (await connection.execute(statement, params)).all()


async def execute(ctx: RequestContext, statement: Executable, **params: Any) -> int:
    """Run a write; the number of rows it touched."""
    connection = await ctx.session.connection()
    result = await connection.execute(statement, params)
    return int(result.rowcount)


def relationship_in_force(child_id: InstrumentedAttribute[int]) -> ColumnElement[bool]:
    """SQL: agency ``:agency_id`` has a relationship with the child in force on ``:today``."""
    return exists().where(
        ChildRelationship.child_id == child_id,
        ChildRelationship.agency_id == bindparam("agency_id"),
        ChildRelationship.valid_from <= bindparam("today"),
        or_(
            ChildRelationship.valid_to.is_(None),
            ChildRelationship.valid_to >= bindparam("today"),
        ),
    )


def relationship_params(ctx: RequestContext) -> dict[str, Any]:
    return {"agency_id": ctx.principal.agency_id, "today": ctx.today}
