"""Appending events to the chain, on the caller's transaction.

An append locks the chain head (``UPDATE audit_head ... RETURNING``): on PostgreSQL a row
lock, on SQLite the database's write lock, held until the transaction ends. Writers in
every server process therefore take turns, each chaining to the event committed before
it: no forks, no gaps. A rolled-back append rolls back its head move with it.
"""

from dataclasses import dataclass

from sqlalchemy import bindparam, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from audit.chain import canonical, link
from audit.events import Event
from db.audit import AuditAccess, AuditEvent, AuditHead


class AuditUnavailable(Exception):
    """The audit store could not take an event: nothing may leave."""


@dataclass(frozen=True, slots=True)
class Appended:
    seq: int
    hash: str


_ADVANCE = (
    update(AuditHead)
    .where(AuditHead.id == 1)
    .values(seq=AuditHead.seq + 1)
    .returning(AuditHead.seq, AuditHead.hash)
)
_SET_HASH = update(AuditHead).where(AuditHead.id == 1).values(hash=bindparam("new_hash"))
_INSERT_EVENT = insert(AuditEvent)
_INSERT_ACCESS = insert(AuditAccess)


async def append(connection: AsyncConnection, event: Event) -> Appended:
    """Chain ``event`` after the newest event and insert it (and its children touched), in
    the connection's current transaction. The caller commits."""
    advanced = (await connection.execute(_ADVANCE)).one_or_none()
    if advanced is None:
        raise AuditUnavailable("the audit chain head is missing")
    seq, prev_hash = advanced
    body = {**event.body, "seq": seq}
    text = canonical(body)
    digest = link(prev_hash, text)
    who = body["who"]
    await connection.execute(
        _INSERT_EVENT,
        {
            "seq": seq,
            "occurred_at": event.occurred_at,
            "event_id": body["id"],
            "user_id": who["user"],
            "agency_id": who["agency"],
            "purpose": body["purpose"],
            "operation": (body["operation"]["name"] or "")[:200] or None,
            "outcome": body["outcome"],
            "refused": event.refused,
            "no_relationship": event.no_relationship,
            "break_glass": body["break_glass"],
            "body": text,
            "prev_hash": prev_hash,
            "hash": digest,
        },
    )
    if event.accesses:
        await connection.execute(
            _INSERT_ACCESS,
            [
                {
                    "seq": seq,
                    "child_id": access.child_id,
                    "occurred_at": event.occurred_at,
                    "user_id": who["user"],
                    "agency_id": who["agency"],
                    "access": access.access,
                    "disclosed": access.disclosed,
                }
                for access in event.accesses
            ],
        )
    await connection.execute(_SET_HASH, {"new_hash": digest})
    return Appended(seq, digest)
