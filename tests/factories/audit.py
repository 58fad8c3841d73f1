"""The audit log as a test sees it: appending an event directly (as ``audit.store`` does),
and reading back the newest events, parsed, with the children each touched
(``audit_accesses``), and the chain head."""

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from audit.events import build
from audit.store import Appended, append
from audit.trail import AuditTrail
from db import Agency, Child, User
from db.audit import AuditAccess, AuditEvent, AuditHead
from policies.decision import Decision, Step, StepResult
from policies.principal import Principal
from policies.reasons import Reason
from vocab.actions import Action
from vocab.audit import Outcome
from vocab.categories import Category
from vocab.lawful_bases import LawfulBasis
from vocab.purposes import Purpose
from vocab.relationships import RelationshipKind
from vocab.roles import Role


def principal_of(user: User, agency: Agency, roles: Iterable[Role] = ()) -> Principal:
    """The principal the server would build for ``user`` of ``agency``."""
    return Principal(
        user_id=user.id,
        subject=user.subject,
        display_name=user.display_name,
        agency_id=agency.id,
        agency_kind=agency.kind,
        agency_code=agency.code,
        agency_name=agency.name,
        roles=frozenset(roles),
    )


async def append_event(session: AsyncSession, user: User, agency: Agency, child: Child) -> Appended:
    """Append, in the session's transaction, an event like a child view's: ``user`` read
    ``child``'s identity for a s47 enquiry, through their agency's allocation."""
    trail = AuditTrail(request_id=str(uuid.uuid4()))
    trail.record(
        Decision(
            allowed=True,
            action=Action.READ,
            category=Category.IDENTITY,
            child_id=child.id,
            purpose=Purpose.SAFEGUARDING_S47,
            reason=Reason.GRANTED,
            rule="grant:social_worker:council:identity:read:safeguarding.s47",
            lawful_basis=LawfulBasis.CHILDREN_ACT_1989_S47,
            steps=(
                StepResult(
                    Step.RELATIONSHIP, True, Reason.RELATIONSHIP, RelationshipKind.ALLOCATION
                ),
            ),
        )
    )
    principal = principal_of(user, agency)
    event = build(
        trail=trail,
        principal=principal,
        client=None,
        purpose=Purpose.SAFEGUARDING_S47,
        occurred_at=datetime.now(UTC),
        operation_type="query",
        operation_name="Child",
        document_sha256="0" * 64,
        variable_names=["nhs"],
        policy_version="test",
        outcome=Outcome.SUCCESS,
        error_codes=[],
        trace_id=None,
    )
    return await append(await session.connection(), event)


@dataclass(frozen=True, slots=True)
class Logged:
    """One stored event: its row, its body parsed, and its ``audit_accesses`` rows as
    ``(child_id, access, disclosed)``, ordered by child."""

    row: AuditEvent
    body: dict[str, Any]
    accesses: list[tuple[int, str, bool]]

    @property
    def raw(self) -> str:
        """The body exactly as stored (canonical JSON)."""
        return self.row.body


async def latest_events(session: AsyncSession, n: int = 1) -> list[Logged]:
    """The ``n`` newest events (fewer if the log is shorter), oldest first."""
    newest = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(n)
    rows = list(reversed((await session.execute(newest)).scalars().all()))
    touched = select(
        AuditAccess.seq, AuditAccess.child_id, AuditAccess.access, AuditAccess.disclosed
    )
    by_seq: dict[int, list[tuple[int, str, bool]]] = {row.seq: [] for row in rows}
    if rows:
        found = await session.execute(
            touched.where(AuditAccess.seq.in_(by_seq)).order_by(AuditAccess.child_id)
        )
        for seq, child_id, access, disclosed in found:
            by_seq[seq].append((child_id, access, bool(disclosed)))
    return [Logged(row, json.loads(row.body), by_seq[row.seq]) for row in rows]


async def latest_event(session: AsyncSession) -> Logged:
    (logged,) = await latest_events(session, 1)
    return logged


async def audit_head(session: AsyncSession) -> tuple[int, str]:
    """The chain head: the newest event's ``seq`` and ``hash``."""
    head = (await session.execute(select(AuditHead.seq, AuditHead.hash))).one()
    return int(head.seq), str(head.hash)
