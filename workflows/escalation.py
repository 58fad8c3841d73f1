"""Escalating Operation Encompass notifications not acknowledged by their deadline, and MASH
information requests not answered by theirs.

Every ``interval`` seconds each server marks newly overdue notifications ``escalated_at``
(once: a concurrent sweep in another process finds them already marked) and wakes the
subscribers of the council and police force concerned. The council's education safeguarding
team and the police coordinator see them in ``encompassReport``'s overdue list. A queued
child (MASH queue) is the MASH's own work and is not escalated. A MASH request overdue in
an open enquiry is escalated to the asked agency's MASH manager and the council's
(``mashEscalations``).
"""

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db import EncompassChild, EncompassIncident, EncompassNotification, Enquiry, InformationRequest
from vocab.encompass import Route

logger = logging.getLogger("hub.encompass")

INTERVAL = 60.0

_ESCALATE = (
    update(EncompassNotification)
    .where(
        EncompassNotification.acknowledged_at.is_(None),
        EncompassNotification.escalated_at.is_(None),
        EncompassNotification.deadline < bindparam("now"),
        EncompassNotification.route != Route.MASH_QUEUE,
    )
    .values(escalated_at=bindparam("now"))
    .returning(EncompassNotification.incident_child_id)
)
_CONCERNED = (
    select(EncompassIncident.council_id, EncompassIncident.police_agency_id)
    .join(EncompassChild, EncompassChild.incident_id == EncompassIncident.id)
    .where(EncompassChild.id.in_(bindparam("ids", expanding=True)))
)


_ESCALATE_REQUESTS = (
    update(InformationRequest)
    .where(
        InformationRequest.response.is_(None),
        InformationRequest.escalated_at.is_(None),
        InformationRequest.due_at < bindparam("now"),
        InformationRequest.enquiry_id.in_(
            select(Enquiry.id).where(Enquiry.closed_at.is_(None)).scalar_subquery()
        ),
    )
    .values(escalated_at=bindparam("now"))
    .returning(InformationRequest.agency_id)
)


async def escalate_overdue(connection: AsyncConnection, now: datetime) -> set[int]:
    """Mark Encompass notifications and MASH requests overdue at ``now`` escalated, in the
    connection's transaction; the agencies concerned by those newly escalated (council and
    police force; the agency asked)."""
    concerned = {row[0] for row in await connection.execute(_ESCALATE_REQUESTS, {"now": now})}
    rows = (await connection.execute(_ESCALATE, {"now": now})).all()
    if rows:
        ids = sorted({row[0] for row in rows})
        incidents = await connection.execute(_CONCERNED, {"ids": ids})
        concerned.update(agency_id for row in incidents for agency_id in row)
    return concerned


class Escalation:
    """Runs ``escalate_overdue`` in the background from ``start`` until ``stop``."""

    def __init__(self, engine: AsyncEngine, *, interval: float = INTERVAL) -> None:
        self._engine = engine
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="encompass-escalation")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            try:
                async with self._engine.begin() as connection:
                    await escalate_overdue(connection, datetime.now(UTC))
            except Exception as exc:  # the sweep must outlive a database outage
                logger.warning("escalation sweep failed (%s); will retry", type(exc).__name__)
            await asyncio.sleep(self._interval)
