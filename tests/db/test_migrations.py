"""Migrations: up and down on the database under test, and the models match them."""

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
