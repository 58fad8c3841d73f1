"""Several server processes appending at once leave one chain: no forks, no gaps.

Each worker process does what the server does for a read-only operation: reads the child
in its unit of work, then commits the operation with its audit event
(``audit.writer.commit_with_event``) — on PostgreSQL acting as ``hub_app``, as the server
does.
"""

import asyncio
import itertools
import multiprocessing
from multiprocessing.synchronize import Barrier

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.verify import verify
from audit.writer import commit_with_event
from db import Agency, AuditEvent, Child, User
from db.engine import create_engine, session_factory
from tests.audit.conftest import EVENTS, sample_event
from tests.factories.audit import principal_of
from vocab.roles import Role

WORKERS = 3
EACH = 40


async def _work(url: str, worker: int, start: Barrier) -> None:
    engine = create_engine(url, role="hub_app")
    try:
        sessions = session_factory(engine)
        async with sessions() as session:
            user = (await session.execute(select(User))).scalars().first()
            assert user is not None
            agency = await session.get(Agency, user.agency_id)
            assert agency is not None
            principal = principal_of(user, agency, [Role.SOCIAL_WORKER])
        await asyncio.to_thread(start.wait, 60)  # every worker at once
        for n in range(EACH):
            async with sessions() as session:
                child_id = (await session.execute(select(Child.id).limit(1))).scalar_one()
                event = sample_event(principal, child_id, 1000 * (worker + 1) + n)
                await commit_with_event(session, event, keep_changes=True)
    finally:
        await engine.dispose()


def _worker(url: str, worker: int, start: Barrier) -> None:
    asyncio.run(_work(url, worker, start))


async def test_concurrent_writers_in_several_processes_leave_one_intact_chain(
    chain: AsyncEngine, chain_url: str
) -> None:
    # given several processes appending at the same time
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(WORKERS + 1)
    processes = [
        context.Process(target=_worker, args=(chain_url, worker, start))
        for worker in range(WORKERS)
    ]
    for process in processes:
        process.start()
    await asyncio.to_thread(start.wait, 60)
    await asyncio.gather(*(asyncio.to_thread(process.join, 120) for process in processes))
    assert [process.exitcode for process in processes] == [0] * WORKERS

    # then every event is in one chain, numbered without gaps, each after the one before
    async with chain.connect() as connection:
        report = await verify(connection)
    assert report.ok, report.problems
    assert report.events == EVENTS + WORKERS * EACH
    # and the writers really did take turns (the chain interleaves them)
    async with chain.connect() as connection:
        bodies = (
            await connection.execute(
                select(AuditEvent.body).where(AuditEvent.seq > EVENTS).order_by(AuditEvent.seq)
            )
        ).scalars()
        writers = [orjson.loads(body)["request_id"][4] for body in bodies]
    switches = sum(1 for a, b in itertools.pairwise(writers) if a != b)
    assert switches > WORKERS
