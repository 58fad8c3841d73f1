"""``hub audit verify``: check the chain, its projections and the signed checkpoints, and name
the first bad event.

In ``seq`` order, each event must follow the one before (no gap: a deletion; no repeat: an
insertion), chain to its hash (``prev_hash``: an insertion, deletion or reordering before
it), hash to its stored hash (a modification), carry its own ``seq`` in its body (a
renumbering), and agree with its indexed columns and its ``audit_accesses`` rows (a
modification the DPO's queries would otherwise repeat). The head must point at the last
event (a deletion at the end). Each checkpoint — stored, or exported and kept by a
partner — must be validly signed and match the event it names: a chain recomputed after a
rewrite verifies on its own, but not against a checkpoint signed before.
"""

from collections.abc import AsyncGenerator, Iterable
from dataclasses import dataclass, field
from datetime import datetime

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from audit import events
from audit.chain import GENESIS, link
from audit.checkpoints import Checkpoint
from audit.events import timestamp
from db.audit import AuditAccess, AuditEvent, AuditHead

BATCH = 5000
#: How far back an inserted run of events is recognised as such (by the hash it follows).
RECENT = 1000


@dataclass(frozen=True, slots=True)
class Problem:
    seq: int
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"event {self.seq}: {self.kind}: {self.detail}"


@dataclass(slots=True)
class Report:
    events: int = 0
    checkpoints: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        return min(self.problems, key=lambda p: p.seq) if self.problems else None


_EVENTS = select(
    AuditEvent.seq,
    AuditEvent.occurred_at,
    AuditEvent.event_id,
    AuditEvent.user_id,
    AuditEvent.agency_id,
    AuditEvent.purpose,
    AuditEvent.outcome,
    AuditEvent.refused,
    AuditEvent.no_relationship,
    AuditEvent.break_glass,
    AuditEvent.body,
    AuditEvent.prev_hash,
    AuditEvent.hash,
).order_by(AuditEvent.seq, AuditEvent.occurred_at)
_ACCESSES = select(
    AuditAccess.seq,
    AuditAccess.child_id,
    AuditAccess.occurred_at,
    AuditAccess.user_id,
    AuditAccess.agency_id,
    AuditAccess.access,
    AuditAccess.disclosed,
).order_by(AuditAccess.seq, AuditAccess.child_id)
_HEAD = select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)

Access = tuple[int, str, int | None, int | None, str, bool]


async def _accesses(
    connection: AsyncConnection,
) -> AsyncGenerator[tuple[int, list[Access]], None]:
    """``audit_accesses`` grouped by seq, in seq order."""
    current: int | None = None
    group: list[Access] = []
    stream = await connection.stream(_ACCESSES.execution_options(yield_per=BATCH))
    async for seq, child, at, user, agency, access, disclosed in stream:
        if seq != current:
            if current is not None:
                yield current, group
            current, group = seq, []
        group.append((child, timestamp(at), user, agency, access, bool(disclosed)))
    if current is not None:
        yield current, group


def _projection_problem(row: tuple[object, ...], body: dict[str, object]) -> str | None:
    seq, at, event_id, user, agency, purpose, outcome, was_refused, no_rel, glass = row[:10]
    who = body.get("who")
    children = body.get("children")
    if not isinstance(who, dict) or not isinstance(children, list):
        return "the body is not an audit event"
    expected = {
        "seq": body.get("seq"),
        "occurred_at": body.get("at"),
        "event_id": body.get("id"),
        "user_id": who.get("user"),
        "agency_id": who.get("agency"),
        "purpose": body.get("purpose"),
        "outcome": body.get("outcome"),
        "refused": events.refused(body),
        "no_relationship": events.without_relationship(body),
        "break_glass": body.get("break_glass"),
    }
    assert isinstance(at, datetime)
    actual = {
        "seq": seq,
        "occurred_at": timestamp(at),
        "event_id": event_id,
        "user_id": user,
        "agency_id": agency,
        "purpose": purpose,
        "outcome": outcome,
        "refused": bool(was_refused),
        "no_relationship": bool(no_rel),
        "break_glass": bool(glass),
    }
    for name, value in expected.items():
        if actual[name] != value:
            return f"column {name} disagrees with the hashed body"
    return None


def _expected_accesses(body: dict[str, object]) -> list[Access]:
    who = body["who"]
    children = body["children"]
    assert isinstance(who, dict)
    assert isinstance(children, list)
    return sorted(
        (
            access.child_id,
            str(body["at"]),
            who["user"],
            who["agency"],
            access.access,
            access.disclosed,
        )
        for access in events.accesses_of(body)
    )


async def verify(
    connection: AsyncConnection,
    *,
    checkpoints: Iterable[Checkpoint] = (),
    keys: dict[str, Ed25519PublicKey] | None = None,
) -> Report:
    """Check everything; the report lists every problem found (the first is what matters:
    after it, later events may only look wrong because of it)."""
    report = Report()
    hashes: dict[int, str] = {}
    wanted = {c.seq for c in checkpoints}
    expected_seq, running = 1, GENESIS
    recent: dict[str, int] = {GENESIS: 0}
    accesses = _accesses(connection)
    pending = await anext(accesses, None)
    stream = await connection.stream(_EVENTS.execution_options(yield_per=BATCH))
    async for row in stream:
        seq, body_text, prev_hash, stored_hash = row[0], row[10], row[11], row[12]
        report.events += 1
        if seq != expected_seq:
            kind = "missing events" if seq > expected_seq else "inserted event"
            detail = (
                f"expected event {expected_seq} here (deleted?)"
                if seq > expected_seq
                else "a second event with this number"
            )
            report.problems.append(Problem(seq, kind, detail))
            break
        body = orjson.loads(body_text)
        earlier = recent.get(prev_hash) if prev_hash != running else None
        if earlier is not None:  # it follows an older event: what came between is new
            report.problems.append(
                Problem(earlier + 1, "inserted event", f"event {seq} follows event {earlier}")
            )
            break
        if body.get("seq") != seq:
            report.problems.append(
                Problem(seq, "moved", f"its body says it is event {body.get('seq')}")
            )
            break
        if prev_hash != running:
            report.problems.append(
                Problem(seq, "chain broken", "does not follow the event before it")
            )
            break
        if link(prev_hash, body_text) != stored_hash:
            report.problems.append(Problem(seq, "modified", "its hash does not match its body"))
            break
        problem = _projection_problem(tuple(row), body)
        if problem is not None:
            report.problems.append(Problem(seq, "modified", problem))
            break
        while pending is not None and pending[0] < seq:  # rows for no event: inserted
            report.problems.append(
                Problem(pending[0], "inserted access", "a child access row with no event")
            )
            pending = await anext(accesses, None)
        found = pending[1] if pending is not None and pending[0] == seq else []
        if sorted(found) != _expected_accesses(body):
            report.problems.append(
                Problem(seq, "modified", "its child access rows disagree with the hashed body")
            )
            break
        if found:
            pending = await anext(accesses, None)
        if seq in wanted:
            hashes[seq] = stored_hash
        running, expected_seq = stored_hash, seq + 1
        recent[stored_hash] = seq
        if len(recent) > RECENT:
            del recent[next(iter(recent))]
    else:
        head = (await connection.execute(_HEAD)).one_or_none()
        last = expected_seq - 1
        if head is None or head.seq > last:
            report.problems.append(
                Problem(last + 1, "missing events", "the chain head names later events")
            )
        elif head.seq < last:
            report.problems.append(
                Problem(head.seq + 1, "inserted event", "after the chain head's event")
            )
        elif head.hash != running:
            report.problems.append(Problem(last, "modified", "the chain head disagrees"))
        if pending is not None:
            report.problems.append(
                Problem(pending[0], "inserted access", "a child access row with no event")
            )
    await stream.close()
    await accesses.aclose()
    _check_checkpoints(report, checkpoints, keys or {}, hashes, verified_to=expected_seq - 1)
    return report


def _check_checkpoints(
    report: Report,
    checkpoints: Iterable[Checkpoint],
    keys: dict[str, Ed25519PublicKey],
    hashes: dict[int, str],
    *,
    verified_to: int,
) -> None:
    good = 0  # the newest checkpoint seq that matched
    for checkpoint in sorted(checkpoints, key=lambda c: c.seq):
        report.checkpoints += 1
        if not checkpoint.valid_with(keys):
            report.problems.append(
                Problem(checkpoint.seq, "bad checkpoint", "its signature does not verify")
            )
            continue
        if checkpoint.seq > verified_to:
            if report.ok:
                report.problems.append(
                    Problem(verified_to + 1, "missing events", "a checkpoint names later events")
                )
            continue
        if hashes.get(checkpoint.seq) != checkpoint.hash:
            report.problems.append(
                Problem(
                    good + 1,
                    "history rewritten",
                    f"the checkpoint signed for event {checkpoint.seq} does not match: "
                    f"events {good + 1} to {checkpoint.seq} were rewritten and re-chained",
                )
            )
            continue
        good = checkpoint.seq
