"""Build the demo area into a database, tell whether it is there, and list its demo users.

The rows come from ``demo.generate`` with primary keys allocated in Python, so they are
inserted with SQLAlchemy Core in chunks (executemany), never one ORM object at a time. On
PostgreSQL the id sequences are moved past the explicit ids afterwards. Nothing here logs or
prints: the area is synthetic, but names and NHS numbers still stay out of logs.
"""

import asyncio
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Table, and_, exists, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from auth.dev_issuer import DEV_ISSUER
from db import Agency, Base, Child, ChildRelationship, Record, User, UserRole
from demo.generate import ID_TABLES, TABLES, generate
from demo.summary import DemoSummary, DemoUser
from vocab.roles import Role

#: Rows per executemany: large enough to be fast, small enough to bound driver buffers.
CHUNK_ROWS = 5000
#: Demo users are the development issuer's subjects ``demo.…``.
DEMO_SUBJECTS = "demo.%"
LONDON = ZoneInfo("Europe/London")


def _is_demo_user() -> ColumnElement[bool]:
    return and_(User.issuer == DEV_ISSUER, User.subject.like(DEMO_SUBJECTS))


async def demo_exists(session: AsyncSession) -> bool:
    """Whether the demo area was already built in this database (its demo users exist)."""
    return bool(await session.scalar(select(exists().where(_is_demo_user()))))


async def list_demo_users(session: AsyncSession) -> list[DemoUser]:
    """The demo users, one row per role held, in the order of ``Role``."""
    rows = await session.execute(
        select(
            User.subject, User.display_name, UserRole.role, Agency.code, Agency.name, Agency.kind
        )
        .join(UserRole, UserRole.user_id == User.id)
        .join(Agency, Agency.id == User.agency_id)
        .where(_is_demo_user())
        .order_by(User.id, UserRole.role)
    )
    order = {role: i for i, role in enumerate(Role)}
    users = [
        DemoUser(
            subject=row.subject,
            display_name=row.display_name,
            role=row.role,
            agency_code=row.code,
            agency_name=row.name,
            agency_kind=row.kind,
        )
        for row in rows
    ]
    return sorted(users, key=lambda user: (order[user.role], user.subject))


async def build_demo_area(
    engine: AsyncEngine, *, children: int = 3000, seed: int = 1
) -> DemoSummary:
    """Generate a demo area of ``children`` children from ``seed`` and commit it.

    The same seed gives the same children, identifiers and record counts; dates are relative
    to today (in England), so every relationship the demo relies on is in force today.
    """
    now = datetime.now(UTC)
    today = now.astimezone(LONDON).date()
    tables = Base.metadata.tables
    async with engine.begin() as conn:
        first_ids: dict[str, int] = {}
        for name in ID_TABLES:
            highest = await conn.scalar(select(func.max(tables[name].c.id)))
            first_ids[name] = (highest or 0) + 1
        plan = await asyncio.to_thread(
            generate, children=children, seed=seed, today=today, now=now, first_ids=first_ids
        )
        for name in TABLES:
            await _insert(conn, tables[name], plan.rows[name])
        if conn.dialect.name == "postgresql":
            await _reset_sequences(conn, [tables[name] for name in ID_TABLES])
    return plan.summary


async def _insert(conn: AsyncConnection, table: Table, rows: list[dict[str, Any]]) -> None:
    statement = insert(table)
    for start in range(0, len(rows), CHUNK_ROWS):
        await conn.execute(statement, rows[start : start + CHUNK_ROWS])


async def _reset_sequences(conn: AsyncConnection, tables: list[Table]) -> None:
    """Move each id sequence past the ids assigned in Python, so later inserts do not clash."""
    for table in tables:
        highest = select(func.max(table.c.id)).scalar_subquery()
        sequence = func.pg_get_serial_sequence(table.name, "id")
        await conn.execute(
            select(func.setval(sequence, func.coalesce(highest, 1), highest.is_not(None)))
        )


async def example_child(session: AsyncSession, subject: str) -> str | None:
    """The NHS number of a child the demo user's agency works with and holds records about
    (synthetic, from the 999 range), for the first query a newcomer tries."""
    today = datetime.now(UTC).astimezone(LONDON).date()
    user = select(User.id).where(User.issuer == DEV_ISSUER, User.subject == subject)
    user_agency = select(User.agency_id).where(User.issuer == DEV_ISSUER, User.subject == subject)
    related = and_(
        ChildRelationship.child_id == Child.id,
        ChildRelationship.agency_id.in_(user_agency.scalar_subquery()),
        or_(
            ChildRelationship.user_id.is_(None),
            ChildRelationship.user_id.in_(user.scalar_subquery()),
        ),
        ChildRelationship.valid_from <= today,
        or_(ChildRelationship.valid_to.is_(None), ChildRelationship.valid_to >= today),
    )
    holds_records = exists().where(
        Record.child_id == Child.id, Record.agency_id.in_(user_agency.scalar_subquery())
    )
    return await session.scalar(
        select(Child.nhs_number)
        .where(Child.nhs_number.is_not(None), exists().where(related), holds_records)
        .order_by(Child.id)
        .limit(1)
    )
