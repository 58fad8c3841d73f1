"""Fail closed: an operation's response leaves only once its audit event is committed.

- The operation succeeded: its event is appended in the operation's own transaction and
  both commit together — a change is never kept without its event, nor an event without
  its change. (On SQLite a read-only operation first ends its read snapshot and appends in
  a fresh ``BEGIN IMMEDIATE`` transaction: a reader cannot take the write lock once another
  writer has committed since its snapshot.)
- The operation failed: its changes are rolled back and its event — with every refusal it
  met — is appended on its own.
- The append or the commit failed: everything is rolled back; the event is tried once more
  on its own as a failure (so a refusal is still recorded), and the caller gets
  ``AUDIT_UNAVAILABLE`` and no data either way.
"""

import asyncio
import logging
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from audit.events import Event, Outcome, accesses_of
from audit.store import AuditUnavailable, append
from db.engine import WROTE

logger = logging.getLogger("hub.audit")

UNAVAILABLE = "AUDIT_UNAVAILABLE"


async def _fresh_connection(session: AsyncSession) -> AsyncConnection:
    return await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


async def _append_alone(session: AsyncSession, event: Event) -> None:
    connection = await _fresh_connection(session)
    await append(connection, event)
    await session.commit()


#: SQLite has one writer at a time. Operations of this process take turns here rather than
#: in SQLite's busy handler, which sleeps up to 100 ms between tries (a long tail under load).
_SQLITE_TURN = asyncio.Lock()


async def commit_with_event(session: AsyncSession, event: Event, *, keep_changes: bool) -> None:
    """Commit the operation with ``event``, or raise ``AuditUnavailable`` having kept
    nothing of the operation."""
    if session.get_bind().dialect.name != "sqlite":
        await _commit_with_event(session, event, keep_changes=keep_changes)
        return
    async with _SQLITE_TURN:
        await _commit_with_event(session, event, keep_changes=keep_changes)


async def _commit_with_event(session: AsyncSession, event: Event, *, keep_changes: bool) -> None:
    try:
        if not keep_changes:
            await session.rollback()
            await _append_alone(session, event)
            return
        connection = await session.connection()
        if connection.dialect.name == "sqlite" and not connection.info.get(WROTE, True):
            await session.commit()  # nothing written: just end the read snapshot
            await _append_alone(session, event)
            return
        await append(connection, event)
        await session.commit()
        return
    except Exception as exc:  # any failure of the store: fail closed
        logger.error("audit append failed: %s", type(exc).__name__)
        await session.rollback()
    body = {
        **event.body,
        "outcome": Outcome.FAILURE.value,
        "errors": sorted({*event.body["errors"], UNAVAILABLE}),
    }
    failed = replace(event, body=body, accesses=accesses_of(body))
    try:
        await _append_alone(session, failed)
    except Exception as exc:
        logger.error("audit append of the failure failed: %s", type(exc).__name__)
        await session.rollback()
    raise AuditUnavailable(UNAVAILABLE)
