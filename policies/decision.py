"""The access decision and its single entry point, ``authorize``."""

from dataclasses import dataclass
from typing import Protocol

from policies.principal import Principal
from policies.reasons import Reason
from vocab.actions import Action
from vocab.categories import OWNER_KINDS, Category

#: Rule ids name the rule that decided, for the audit event (DESIGN §3.4 "explainable").
RULE_OWN_AGENCY = "floor.own_agency"
RULE_OWNER_KIND = "floor.owner_kind"
RULE_RELATIONSHIP = "floor.relationship"


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    action: Action
    category: Category | None
    child_id: int | None
    rule: str
    reason: Reason


class DecisionSink(Protocol):
    """Where decisions go: the request's audit trail."""

    def record(self, decision: Decision) -> None: ...


def authorize(
    sink: DecisionSink,
    principal: Principal,
    *,
    action: Action,
    child_id: int | None,
    category: Category | None = None,
    owner_agency_id: int | None = None,
    has_relationship: bool = False,
) -> Decision:
    """Decide one access and record it. Deny by default.

    - ``read``/``amend`` of an existing record: only the owning agency, and only while it has
      a relationship with the child (own records are the floor until issue 3's policy).
    - ``create``: the agency's kind must be one that owns ``category`` (DESIGN §5), and it
      must have a relationship with the child.
    - ``read`` of the child itself (``category`` None): a relationship is required.
    """
    decision = _decide(
        principal,
        action=action,
        child_id=child_id,
        category=category,
        owner_agency_id=owner_agency_id,
        has_relationship=has_relationship,
    )
    sink.record(decision)
    return decision


def _decide(
    principal: Principal,
    *,
    action: Action,
    child_id: int | None,
    category: Category | None,
    owner_agency_id: int | None,
    has_relationship: bool,
) -> Decision:
    def result(allowed: bool, rule: str, reason: Reason) -> Decision:
        return Decision(allowed, action, category, child_id, rule, reason)

    if not has_relationship:
        return result(False, RULE_RELATIONSHIP, Reason.NO_RELATIONSHIP)
    if action is Action.CREATE:
        if category is None or principal.agency_kind not in OWNER_KINDS[category]:
            return result(False, RULE_OWNER_KIND, Reason.CATEGORY_NOT_OWNED_BY_AGENCY_KIND)
        return result(True, RULE_OWNER_KIND, Reason.RELATIONSHIP)
    if owner_agency_id is None:
        return result(True, RULE_RELATIONSHIP, Reason.RELATIONSHIP)
    if owner_agency_id != principal.agency_id:
        reason = Reason.NOT_RECORD_OWNER if action is Action.AMEND else Reason.OTHER_AGENCY_RECORD
        return result(False, RULE_OWN_AGENCY, reason)
    return result(True, RULE_OWN_AGENCY, Reason.OWN_AGENCY_RECORD)
