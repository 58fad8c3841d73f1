"""A chain of real audit events in a scratch database, cloned per test, for tampering with.

The chain is built once per module (migrations, agencies, a user, children, events appended
by ``audit.store.append`` and committed); each test gets a copy (a file copy on SQLite,
``CREATE DATABASE … TEMPLATE`` on PostgreSQL), so a test may break it freely.
"""

import secrets
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio.to_thread
import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from audit.events import Event, build
from audit.store import append
from audit.trail import AuditTrail
from db.engine import create_engine
from db.migrate import upgrade
from policies.decision import Decision, Step, StepResult
from policies.principal import Principal
from policies.reasons import Reason
from tests.conftest import PG_ADMIN_DATABASE, scratch_database
from tests.factories.agencies import make_agency, make_user
from tests.factories.audit import principal_of
from tests.factories.children import make_child
from vocab.actions import Action
from vocab.agencies import AgencyKind
from vocab.audit import Outcome
from vocab.categories import Category
from vocab.lawful_bases import LawfulBasis
from vocab.purposes import Purpose
from vocab.relationships import RelationshipKind
from vocab.roles import Role

EVENTS = 6
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def sample_event(principal: Principal, child_id: int, n: int, *, refused: bool = False) -> Event:
    """An event like a child view's: identity granted through an allocation, or refused."""
    trail = AuditTrail(request_id=f"req-{n}")
    steps = (StepResult(Step.RELATIONSHIP, True, Reason.RELATIONSHIP, RelationshipKind.ALLOCATION),)
    trail.record(
        Decision(
            allowed=not refused,
            action=Action.READ,
            category=Category.IDENTITY if not refused else Category.HEALTH_MENTAL_HEALTH,
            child_id=child_id,
            purpose=Purpose.SAFEGUARDING_S47,
            reason=Reason.CONSENT_REQUIRED if refused else Reason.GRANTED,
            rule=None if refused else "p:social_worker:identity:read:safeguarding.s47",
            lawful_basis=None if refused else LawfulBasis.CHILDREN_ACT_1989_S47,
            steps=steps,
        )
    )
    return build(
        trail=trail,
        principal=principal,
        client="test-client",
        purpose=Purpose.SAFEGUARDING_S47,
        occurred_at=START + timedelta(minutes=n),
        operation_type="query",
        operation_name="ChildView",
        document_sha256="0" * 64,
        variable_names=["nhsNumber"],
        policy_version="v",
        outcome=Outcome.SUCCESS,
        error_codes=[],
        trace_id=None,
    )


async def _build_chain(url: str) -> None:
    await anyio.to_thread.run_sync(upgrade, url)
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            async with AsyncSession(bind=connection, expire_on_commit=False) as session:
                agency = await make_agency(session, AgencyKind.COUNCIL)
                user = await make_user(session, agency, (Role.SOCIAL_WORKER,))
                children = [await make_child(session) for _ in range(2)]
                await session.commit()
            principal = principal_of(user, agency, [Role.SOCIAL_WORKER])
            for n in range(1, EVENTS + 1):
                async with connection.begin():
                    event = sample_event(principal, children[n % 2].id, n, refused=n == 4)
                    await append(connection, event)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
async def template(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    async with scratch_database(tmp_path_factory.mktemp("chain")) as url:
        await _build_chain(url)
        yield url


@pytest.fixture
async def chain_url(template: str, tmp_path: Path, is_postgres: bool) -> AsyncIterator[str]:
    """A private copy of the module's chain."""
    if not is_postgres:
        source = make_url(template).database
        assert source is not None
        copy = tmp_path / "copy.db"
        shutil.copyfile(source, copy)
        yield f"sqlite+aiosqlite:///{copy}"
        return
    url = make_url(template)
    name = f"hub_copy_{secrets.token_hex(5)}"
    admin = create_engine(str(url.set(database=PG_ADMIN_DATABASE)), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{url.database}"')
        yield url.set(database=name).render_as_string(hide_password=False)
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.dispose()


@pytest.fixture
async def chain(chain_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(chain_url)
    yield engine
    await engine.dispose()


async def without_guards(connection: AsyncConnection) -> None:
    """What an attacker with the owner's rights does first: switch the triggers off."""
    if connection.dialect.name == "postgresql":
        await connection.execute(text("SET session_replication_role = replica"))
        return
    names = (
        await connection.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'audit%'")
        )
    ).scalars()
    for name in list(names):
        await connection.execute(text(f'DROP TRIGGER "{name}"'))
