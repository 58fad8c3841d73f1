"""Migrations: up and down on the database under test, and the models match them."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio.to_thread
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

import db
from db.engine import create_engine
from db.migrate import downgrade, upgrade
from tests.conftest import scratch_database

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, db.Base.metadata))


async def test_upgrade_downgrade_upgrade(tmp_path: Path) -> None:
    async with scratch_database(tmp_path) as url:
        engine = create_engine(url)
        try:
            # given a database migrated to head
            await anyio.to_thread.run_sync(upgrade, url)
            async with engine.connect() as conn:
                assert await conn.run_sync(_tables) == set(db.Base.metadata.tables)
                # then the models and the migrations agree exactly
                assert await conn.run_sync(_diff) == []

            # when it is downgraded to base, every table goes
            await anyio.to_thread.run_sync(downgrade, url, "base")
            async with engine.connect() as conn:
                assert await conn.run_sync(_tables) == set()

            # and it can be upgraded again
            await anyio.to_thread.run_sync(upgrade, url)
            async with engine.connect() as conn:
                assert await conn.run_sync(_tables) == set(db.Base.metadata.tables)
        finally:
            await engine.dispose()


async def test_records_survive_the_sharing_controls_migration(tmp_path: Path) -> None:
    from sqlalchemy import text

    async with scratch_database(tmp_path) as url:
        engine = create_engine(url)
        try:
            # given a database at 0001 holding a record
            await anyio.to_thread.run_sync(upgrade, url, "0001")
            async with engine.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO agencies (id, kind, code, name, active, created_at) "
                        "VALUES (1, 'council', 'E10000018', 'Council', true, :now)"
                    ),
                    {"now": NOW},
                )
                await conn.execute(
                    text(
                        "INSERT INTO children (id, hub_id, given_name, family_name, sex, "
                        "created_at, updated_at) VALUES (1, 'H00000000', 'A', 'B', 'not_known',"
                        " :now, :now)"
                    ),
                    {"now": NOW},
                )
                await conn.execute(
                    text(
                        "INSERT INTO records (id, child_id, agency_id, category, lawful_basis, "
                        "valid_from, payload, version, created_at, updated_at) VALUES "
                        "('0f0f0f0f0f0f4f0f8f0f0f0f0f0f0f0f', 1, 1, 'identity', 'consent', "
                        "'2026-01-01', '{}', 1, :now, :now)"
                    ),
                    {"now": NOW},
                )
            # when migrated to head and back
            await anyio.to_thread.run_sync(upgrade, url)
            async with engine.connect() as conn:
                restriction = (await conn.execute(text("SELECT restriction FROM records"))).scalar()
            await anyio.to_thread.run_sync(downgrade, url, "0001")
            async with engine.connect() as conn:
                count = (await conn.execute(text("SELECT count(*) FROM records"))).scalar()
        finally:
            await engine.dispose()

    # then the record is kept, unrestricted by default
    assert restriction == "none"
    assert count == 1
