"""Shared fixtures: one migrated database per run, each test in a transaction rolled back.

The database is chosen by ``HUB_TEST_DATABASE_URL``: unset means a SQLite file in a
temporary folder; a PostgreSQL URL (``postgresql+asyncpg://…/test``) means a fresh database
is created beside the one named, migrated, and dropped at the end. ``make test`` runs the
suite once per database.
"""

import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from auth.dev_issuer import mint
from db.engine import create_engine
from db.migrate import upgrade
from hub.settings import Environment, Settings
from server import create_app

AUDIENCE = "urn:safeguarding-hub:test"
PG_ADMIN_DATABASE = "test"

#: Purpose declared by ``graphql`` unless a test says otherwise.
DEFAULT_PURPOSE = "safeguarding.s47"


class GraphQLCall(Protocol):
    """``await graphql(subject, query, variables, purpose=...)`` posts an operation signed in
    as ``subject``, declaring ``purpose`` (None: no purpose header)."""

    def __call__(
        self,
        subject: str,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        purpose: str | None = DEFAULT_PURPOSE,
    ) -> Awaitable[httpx.Response]: ...


def _base_url() -> str:
    return os.environ.get("HUB_TEST_DATABASE_URL", "")


@asynccontextmanager
async def scratch_database(tmp: Path) -> AsyncIterator[str]:
    """A new, empty database of the kind under test; dropped afterwards."""
    base = _base_url()
    if not base.startswith("postgresql"):
        yield f"sqlite+aiosqlite:///{tmp / f'hub-{secrets.token_hex(4)}.db'}"
        return
    url = make_url(base)
    name = f"hub_test_{secrets.token_hex(6)}"
    admin = create_engine(str(url.set(database=PG_ADMIN_DATABASE)), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.dispose()


def pytest_report_header() -> str:
    base = _base_url()
    return f"hub database: {'postgresql' if base.startswith('postgresql') else 'sqlite'}"


@pytest.fixture(scope="session")
def is_postgres() -> bool:
    return _base_url().startswith("postgresql")


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    async with scratch_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    # Alembic's env runs its own event loop: run it in a worker thread, away from this one.
    import anyio.to_thread

    await anyio.to_thread.run_sync(upgrade, database_url)
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as conn:
        transaction = await conn.begin()
        yield conn
        if transaction.is_active:
            await transaction.rollback()


@pytest.fixture
async def session(connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    async with AsyncSession(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    ) as session:
        yield session


@pytest.fixture
def sessions(
    connection: AsyncConnection,
) -> Callable[[], AbstractAsyncContextManager[AsyncSession]]:
    """The app's session factory, bound to the test's connection: the app's commits become
    savepoint releases, and the test's rollback undoes everything."""

    def factory() -> AbstractAsyncContextManager[AsyncSession]:
        return AsyncSession(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )

    return factory


@pytest.fixture(scope="session")
def dev_issuer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("issuer")


@pytest.fixture(scope="session")
def settings(dev_issuer_dir: Path) -> Settings:
    return Settings(
        database_url="unused://",
        environment=Environment.DEVELOPMENT,
        audience=AUDIENCE,
        issuers_file=None,
        data_dir=dev_issuer_dir.parent,
    )


@pytest.fixture
def token(settings: Settings) -> Callable[[str], str]:
    def make(subject: str) -> str:
        return mint(settings.dev_issuer_dir, subject=subject, audience=AUDIENCE)

    return make


@pytest.fixture
async def client(
    settings: Settings, sessions: Callable[[], AbstractAsyncContextManager[AsyncSession]]
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, sessions=sessions)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        yield client


@pytest.fixture
def graphql(client: httpx.AsyncClient, token: Callable[[str], str]) -> GraphQLCall:
    """POST a GraphQL operation as ``subject``: ``await graphql(subject, query, variables)``."""

    async def call(
        subject: str,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        purpose: str | None = DEFAULT_PURPOSE,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token(subject)}"}
        if purpose is not None:
            headers["X-Purpose-Of-Use"] = purpose
        return await client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )

    return call
