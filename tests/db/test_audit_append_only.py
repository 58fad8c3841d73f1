"""The audit log is append-only in the database itself (DESIGN §7): triggers reject UPDATE and
DELETE on the audit tables, on SQLite and PostgreSQL, whoever asks; on PostgreSQL TRUNCATE
too, and the application's role (``hub_app``) does not even hold those privileges, while it
appends, reads and keeps monthly partitions ahead through ``audit.ensure_partitions``.

Each rejected statement runs in a SAVEPOINT, so the test's transaction survives it.
"""

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Table, delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from audit.store import Appended
from db.audit import AuditCheckpoint, AuditEvent, AuditHead
from db.base import Base
from db.engine import create_engine
from tests.factories.agencies import make_agency, make_user
from tests.factories.audit import append_event, audit_head
from tests.factories.children import make_child

TABLES: dict[str, Table] = {
    name: Base.metadata.tables[name]
    for name in ("audit_checkpoints", "audit_accesses", "audit_events")
}
#: A change an intruder might try on each table.
TAMPER: dict[str, dict[str, Any]] = {
    "audit_events": {"outcome": "failure", "body": "{}"},
    "audit_accesses": {"disclosed": False},
    "audit_checkpoints": {"signature": "f" * 128},
}
REJECTED = re.compile("append-only|head is kept")
PERMISSION_DENIED = "42501"  # insufficient_privilege
POSTGRES_ONLY = "PostgreSQL only: SQLite has no TRUNCATE, roles, privileges or partitions"


@pytest.fixture
async def logged(session: AsyncSession) -> Appended:
    """One event, touching one child, and a checkpoint of it, in the test's transaction."""
    agency = await make_agency(session)
    user = await make_user(session, agency)
    child = await make_child(session)
    appended = await append_event(session, user, agency, child)
    await session.execute(
        insert(AuditCheckpoint).values(
            seq=appended.seq,
            hash=appended.hash,
            signed_at=datetime.now(UTC),
            key_id="test-key",
            signature="0" * 128,
        )
    )
    return appended


async def rows_of(connection: AsyncConnection, table: Table, seq: int) -> list[Any]:
    return list((await connection.execute(select(table).where(table.c.seq == seq))).all())


async def rejected(connection: AsyncConnection, statement: Any) -> DBAPIError:
    """Run ``statement`` in a savepoint; it must fail. The failure."""
    with pytest.raises(DBAPIError) as failure:
        async with connection.begin_nested():
            await connection.execute(statement)
    return failure.value


def sqlstate(error: DBAPIError) -> str | None:
    return getattr(error.orig, "sqlstate", None)


# --- triggers, on both databases ---------------------------------------------------------


@pytest.mark.parametrize("name", sorted(TABLES))
@pytest.mark.parametrize("verb", ["update", "delete"])
async def test_audit_rows_cannot_be_changed_or_deleted(
    connection: AsyncConnection, logged: Appended, name: str, verb: str
) -> None:
    # given an event, its access row and a checkpoint
    table = TABLES[name]
    before = await rows_of(connection, table, logged.seq)
    assert len(before) == 1

    # when the owner of the tables tries to change or delete the row
    where = table.c.seq == logged.seq
    statement = (
        update(table).where(where).values(**TAMPER[name])
        if verb == "update"
        else delete(table).where(where)
    )
    error = await rejected(connection, statement)

    # then a trigger refuses, and the row is as it was
    assert REJECTED.search(str(error.orig)), error
    assert await rows_of(connection, table, logged.seq) == before


async def test_the_chain_head_cannot_be_deleted(
    connection: AsyncConnection, session: AsyncSession, logged: Appended
) -> None:
    error = await rejected(connection, delete(AuditHead))

    assert REJECTED.search(str(error.orig)), error
    assert await audit_head(session) == (logged.seq, logged.hash)


async def test_appends_still_work_under_the_triggers(
    session: AsyncSession, logged: Appended
) -> None:
    # the head moves (an UPDATE on audit_head), and the next event chains to the last
    agency = await make_agency(session)
    user = await make_user(session, agency)
    child = await make_child(session)

    after = await append_event(session, user, agency, child)

    assert after.seq == logged.seq + 1
    assert await audit_head(session) == (after.seq, after.hash)
    stored = await session.execute(select(AuditEvent.prev_hash).where(AuditEvent.seq == after.seq))
    assert stored.scalar_one() == logged.hash


# --- PostgreSQL: TRUNCATE, partitions ----------------------------------------------------


async def this_months_partitions(connection: AsyncConnection) -> list[str]:
    suffix = (
        await connection.execute(text('SELECT to_char(now(), \'"y"YYYY"m"MM\')'))
    ).scalar_one()
    return [f"audit.{name}_{suffix}" for name in ("audit_events", "audit_accesses")]


@pytest.mark.parametrize(
    "target",
    [
        *sorted(TABLES),
        "audit_head",
        "audit.audit_events_default",
        "audit.audit_accesses_default",
        "this month's partitions",
    ],
)
async def test_truncate_is_rejected(
    connection: AsyncConnection, logged: Appended, is_postgres: bool, target: str
) -> None:
    if not is_postgres:
        pytest.skip(POSTGRES_ONLY)
    names = await this_months_partitions(connection) if target.startswith("this") else [target]

    for name in names:
        error = await rejected(connection, text(f"TRUNCATE {name}"))
        assert REJECTED.search(str(error.orig)), error
    assert len(await rows_of(connection, TABLES["audit_events"], logged.seq)) == 1


async def test_events_land_in_this_months_partition(
    connection: AsyncConnection, logged: Appended, is_postgres: bool
) -> None:
    if not is_postgres:
        pytest.skip(POSTGRES_ONLY)
    expected = await this_months_partitions(connection)

    found = []
    for name in ("audit_events", "audit_accesses"):
        where = text(f"SELECT tableoid::regclass::text FROM {name} WHERE seq = :seq")  # noqa: S608 (constant names)
        found.append((await connection.execute(where, {"seq": logged.seq})).scalar_one())

    assert found == expected


# --- PostgreSQL: the application's role ---------------------------------------------------


@pytest.fixture
async def hub_app(
    engine: AsyncEngine, database_url: str, is_postgres: bool
) -> AsyncIterator[AsyncEngine]:
    """An engine that connects as the server does: ``SET ROLE hub_app`` (migrated first:
    ``engine`` runs the migrations)."""
    if not is_postgres:
        pytest.skip(POSTGRES_ONLY)
    app_engine = create_engine(database_url, role="hub_app", pool_size=1, max_overflow=0)
    yield app_engine
    await app_engine.dispose()


@pytest.mark.parametrize(
    ("table", "privilege", "held"),
    [
        *[(name, p, False) for name in sorted(TABLES) for p in ("UPDATE", "DELETE", "TRUNCATE")],
        *[(name, p, True) for name in sorted(TABLES) for p in ("SELECT", "INSERT")],
        ("audit_head", "DELETE", False),
        ("audit_head", "TRUNCATE", False),
        ("audit_head", "UPDATE", True),  # each append moves the head
    ],
)
async def test_hub_app_privileges_on_the_audit_log(
    connection: AsyncConnection, is_postgres: bool, table: str, privilege: str, held: bool
) -> None:
    if not is_postgres:
        pytest.skip(POSTGRES_ONLY)

    has = await connection.execute(select(func.has_table_privilege("hub_app", table, privilege)))

    assert has.scalar_one() is held


async def test_hub_app_appends_and_reads_but_cannot_change_or_delete(hub_app: AsyncEngine) -> None:
    # given the server's role, in a transaction of its own (rolled back: nothing is left)
    async with AsyncSession(hub_app, expire_on_commit=False) as session:
        # when it appends an event, as every request does
        agency = await make_agency(session)
        user = await make_user(session, agency)
        child = await make_child(session)
        appended = await append_event(session, user, agency, child)
        connection = await session.connection()

        # then it reads the event back
        assert await audit_head(session) == (appended.seq, appended.hash)
        assert len(await rows_of(connection, TABLES["audit_accesses"], appended.seq)) == 1

        # but may not change, delete or truncate any audit table: no privilege, before any
        # trigger is reached
        for name, table in TABLES.items():
            where = table.c.seq == appended.seq
            for statement in (
                update(table).where(where).values(**TAMPER[name]),
                delete(table).where(where),
                text(f"TRUNCATE {name}"),
            ):
                error = await rejected(connection, statement)
                assert sqlstate(error) == PERMISSION_DENIED, error
                assert "permission denied" in str(error.orig), error
        error = await rejected(connection, delete(AuditHead))
        assert sqlstate(error) == PERMISSION_DENIED, error
        assert len(await rows_of(connection, TABLES["audit_events"], appended.seq)) == 1
        await session.rollback()


async def test_this_months_partitions_exist_and_hub_app_keeps_them_ahead(
    hub_app: AsyncEngine, engine: AsyncEngine
) -> None:
    # given the migrated database: this month's partitions exist
    async with engine.connect() as owner:
        partitions = await this_months_partitions(owner)
        for name in partitions:
            found = await owner.execute(select(func.to_regclass(name)))
            assert found.scalar_one() is not None, name

    async with hub_app.connect() as connection, connection.begin() as transaction:
        # when the server's role asks for this month, and for a month far ahead
        ensure = "SELECT audit.ensure_partitions({}, 1)"
        this_month = await connection.scalar(text(ensure.format("CAST(now() AS date)")))
        far_ahead = await connection.scalar(text(ensure.format("DATE '2040-01-15'")))

        # then this month needs nothing, and the far month's two partitions are created
        assert this_month == 0
        assert far_ahead == 2
        for name in ("audit.audit_events_y2040m01", "audit.audit_accesses_y2040m01"):
            found = await connection.execute(select(func.to_regclass(name)))
            assert found.scalar_one() is not None, name
        await transaction.rollback()
