"""One audit event per GraphQL operation (DESIGN §7, after FHIR AuditEvent / IHE BALP).

When; who (user, agency, roles, client); purpose and lawful bases; what (operation type and
name, a SHA-256 of the query document, the names of its variables — never their values —,
the children and categories touched, the fields masked); each decision with its rule and
reason; break-glass; outcome and error codes; request and trace ids. Never record contents.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from audit.trail import AuditTrail
from policies.decision import Decision, Step
from policies.principal import Principal
from policies.reasons import Reason
from vocab.audit import Outcome
from vocab.purposes import Purpose

__all__ = ["Access", "Event", "Outcome", "accesses_of", "build", "disclosed", "timestamp"]

VERSION = 1

#: How a child was reached when not through a relationship (``AuditEvent.no_relationship``).
WITHOUT_RELATIONSHIP = frozenset(
    {Reason.BREAK_GLASS.value, Reason.CP_IS_FLAG.value, Reason.AUDIT_DUTY.value}
)
NO_ACCESS = "none"
#: Error codes that are refusals even when no decision was recorded (a role check).
REFUSAL_CODES = frozenset({"FORBIDDEN", "PURPOSE_REQUIRED", "CONSENT_REQUIRED", "NO_RELATIONSHIP"})


def refused(body: dict[str, Any]) -> bool:
    """Something was refused: a decision, or an error that is a refusal."""
    return (
        bool(body["refused"])
        or any(child["refused"] for child in body["children"])
        or any(code in REFUSAL_CODES for code in body["errors"])
    )


def without_relationship(body: dict[str, Any]) -> bool:
    """Some child was reached without a relationship (break-glass, CP-IS, audit duty)."""
    return any(child["access"] in WITHOUT_RELATIONSHIP for child in body["children"])


@dataclass(frozen=True, slots=True)
class Access:
    """One child touched by an event (a row of ``audit_accesses``)."""

    child_id: int
    access: str
    disclosed: bool


@dataclass(frozen=True, slots=True)
class Event:
    """An event ready to append: its body (without ``seq``) and the projections of it that
    the DPO's queries use."""

    body: dict[str, Any]
    occurred_at: datetime
    accesses: tuple[Access, ...]

    @property
    def refused(self) -> bool:
        return refused(self.body)

    @property
    def no_relationship(self) -> bool:
        return without_relationship(self.body)


def timestamp(moment: datetime) -> str:
    """UTC, microseconds, ``Z``: the one textual form of an instant in audit bodies."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _access(decision: Decision) -> str:
    for step in decision.steps:
        if step.step is Step.RELATIONSHIP and step.passed:
            return str(step.detail) if step.reason is Reason.RELATIONSHIP else step.reason.value
    return NO_ACCESS


def _children(decisions: Iterable[Decision]) -> list[dict[str, Any]]:
    by_child: dict[int, dict[str, Any]] = {}
    for decision in decisions:
        if decision.child_id is None:
            continue
        entry = by_child.setdefault(
            decision.child_id,
            {"child": decision.child_id, "access": NO_ACCESS, "granted": [], "refused": []},
        )
        if entry["access"] == NO_ACCESS:
            entry["access"] = _access(decision)
        if decision.allowed:
            item = [
                decision.action.value,
                decision.category.value,
                decision.rule,
                decision.lawful_basis.value if decision.lawful_basis else None,
            ]
            if item not in entry["granted"]:
                entry["granted"].append(item)
        else:
            item = [decision.action.value, decision.category.value, decision.reason.value]
            if item not in entry["refused"]:
                entry["refused"].append(item)
    return [by_child[child] for child in sorted(by_child)]


def build(
    *,
    trail: AuditTrail,
    principal: Principal,
    client: str | None,
    purpose: Purpose | None,
    occurred_at: datetime,
    operation_type: str | None,
    operation_name: str | None,
    document_sha256: str,
    variable_names: Iterable[str],
    policy_version: str,
    outcome: Outcome,
    error_codes: Iterable[str],
    trace_id: str | None,
) -> Event:
    decisions = trail.decisions
    children = _children(decisions)
    refused_without_child = []
    for decision in decisions:
        if decision.child_id is None and not decision.allowed:
            item = [decision.action.value, decision.category.value, decision.reason.value]
            if item not in refused_without_child:
                refused_without_child.append(item)
    bases = sorted(
        {d.lawful_basis.value for d in decisions if d.allowed and d.lawful_basis is not None}
    )
    body: dict[str, Any] = {
        "v": VERSION,
        "id": str(uuid.uuid4()),
        "at": timestamp(occurred_at),
        "who": {
            "user": principal.user_id,
            "agency": principal.agency_id,
            "agency_code": principal.agency_code,
            "roles": sorted(role.value for role in principal.roles),
            "client": client,
        },
        "purpose": purpose.value if purpose else None,
        "lawful_bases": bases,
        "operation": {
            "type": operation_type,
            "name": operation_name,
            "document_sha256": document_sha256,
            "variables": sorted(variable_names),
        },
        "children": children,
        "refused": refused_without_child,
        "masked": [
            {"child": child, "field": field, "code": code} for child, field, code in trail.masked
        ],
        "break_glass": any(d.break_glass for d in decisions),
        "notes": dict(sorted(trail.notes.items())),
        "policy_version": policy_version,
        "outcome": outcome.value,
        "errors": sorted(set(error_codes)),
        "request_id": trail.request_id,
        "trace_id": trace_id,
    }
    return Event(body=body, occurred_at=occurred_at, accesses=accesses_of(body))


def accesses_of(body: dict[str, Any]) -> tuple[Access, ...]:
    """The children an event touched; ``disclosed`` when something about the child was
    granted and the operation did not fail (a failed operation returns and keeps nothing)."""
    return tuple(
        Access(child["child"], child["access"], disclosed(body, child))
        for child in body["children"]
    )


def disclosed(body: dict[str, Any], child: dict[str, Any]) -> bool:
    """Something about ``child`` (an entry of ``body["children"]``) was granted and the
    operation did not fail: a failed operation returns and keeps nothing."""
    return bool(child["granted"]) and body["outcome"] != Outcome.FAILURE.value
