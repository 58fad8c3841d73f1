"""The access decision (DESIGN §6) and its single entry point, ``authorize``.

Steps, in order, each kept in the decision: purpose, grant (Casbin policy, through the
compiled ``GrantTable``), legitimate relationship (or the CP-IS flag exemption, or an active
break-glass), ownership for amendments, lawful basis (consent for consent-based
categories), restrictions on the record. The first step that fails decides; deny by default.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from policies.principal import Principal
from policies.reasons import CALLER_CODES, Reason
from vocab.actions import Action
from vocab.agencies import AgencyKind
from vocab.categories import Category
from vocab.consent import CONSENT_CATEGORIES
from vocab.lawful_bases import LawfulBasis
from vocab.purposes import Purpose
from vocab.relationships import RelationshipKind
from vocab.restrictions import Restriction
from vocab.roles import Role

#: Categories whose existence unscheduled care may see without a relationship (CP-IS).
CP_IS_CATEGORIES = frozenset(
    {Category.COUNCIL_CHILD_PROTECTION_PLAN, Category.COUNCIL_LOOKED_AFTER}
)
CP_IS_ROLES = frozenset({Role.UNSCHEDULED_CARE_CLINICIAN})
#: Roles that answer for the audit log: they find a child by identifier without a
#: relationship, for ``audit.dpo`` only, and see its identity only.
AUDIT_ROLES = frozenset({Role.DPO, Role.CALDICOTT_GUARDIAN})

#: The statutory basis a purpose of use shares under, when no consent is involved.
STATUTORY_BASIS: dict[Purpose, LawfulBasis] = {
    Purpose.SAFEGUARDING_MASH: LawfulBasis.CWS_ACT_2026_DUTY_TO_SHARE,
    Purpose.SAFEGUARDING_S47: LawfulBasis.CHILDREN_ACT_1989_S47,
    Purpose.SAFEGUARDING_ENCOMPASS: LawfulBasis.VICTIMS_AND_PRISONERS_ACT_2024,
    Purpose.EARLY_HELP: LawfulBasis.CHILDREN_ACT_1989_S17,
    Purpose.DIRECT_CARE: LawfulBasis.DPA_2018_SCH1_PARA18,
    Purpose.EDUCATION_WELFARE: LawfulBasis.CHILDREN_ACT_2004_S11,
    Purpose.AUDIT_DPO: LawfulBasis.PUBLIC_TASK,
    Purpose.INSPECTION: LawfulBasis.PUBLIC_TASK,
    Purpose.STATISTICS: LawfulBasis.PUBLIC_TASK,
}


class Grants(Protocol):
    """The compiled policy (``policies.grants.GrantTable``)."""

    version: str

    def rule_for(
        self,
        roles: Iterable[Role],
        agency_kind: AgencyKind,
        category: Category,
        action: Action,
        purpose: Purpose,
    ) -> str | None: ...

    def purposes_for(
        self, roles: Iterable[Role], agency_kind: AgencyKind
    ) -> frozenset[Purpose]: ...


class Step(StrEnum):
    PURPOSE = "purpose"
    GRANT = "grant"
    RELATIONSHIP = "relationship"
    OWNERSHIP = "ownership"
    LAWFUL_BASIS = "lawful_basis"
    RESTRICTION = "restriction"


@dataclass(frozen=True, slots=True)
class StepResult:
    step: Step
    passed: bool
    reason: Reason
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Facts:
    """What the data says, loaded by the resolver before it asks."""

    #: The kind of a relationship in force between the caller's agency (or the caller) and
    #: the child, or None.
    relationship: RelationshipKind | None = None
    #: An unexpired break-glass session of the caller's for this child.
    break_glass: bool = False
    #: The record's owning agency (None when asking about the child, or creating).
    owner_agency_id: int | None = None
    #: Consent in force covering this category, the caller's agency and the purpose.
    consent: bool = False
    #: A recorded statutory basis (with justification) for sharing this consent-based
    #: category with the caller's agency without consent.
    statutory_basis: LawfulBasis | None = None
    restriction: Restriction = Restriction.NONE
    #: A covert record whose disclosure date has come.
    disclosable: bool = False
    #: The owner recorded a decision not to share this category about the child.
    not_shared: bool = False
    #: The action itself needs consent in scope, whoever owns the record: referring a child
    #: to a voluntary service (early help). ``consent`` says whether it is given.
    consent_required: bool = False
    #: The question is the audit log's (a DPO's access history or subject access export),
    #: not a view of the child: only the audit queries set it.
    audit_duty: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    action: Action
    category: Category
    child_id: int | None
    purpose: Purpose | None
    reason: Reason
    rule: str | None = None
    lawful_basis: LawfulBasis | None = None
    break_glass: bool = False
    policy_version: str = ""
    steps: tuple[StepResult, ...] = field(default_factory=tuple)

    @property
    def code(self) -> str | None:
        """What the caller is told, or None when the refusal must stay silent."""
        return None if self.allowed else CALLER_CODES.get(self.reason)


class DecisionSink(Protocol):
    """Where decisions go: the request's audit trail."""

    def record(self, decision: Decision) -> None: ...


def authorize(
    sink: DecisionSink,
    grants: Grants,
    principal: Principal,
    *,
    purpose: Purpose | None,
    action: Action,
    category: Category,
    child_id: int | None,
    facts: Facts,
) -> Decision:
    """Decide one access, record it in ``sink``, return it. Deny by default."""
    decision = decide(
        grants,
        principal,
        purpose=purpose,
        action=action,
        category=category,
        child_id=child_id,
        facts=facts,
    )
    sink.record(decision)
    return decision


def decide(
    grants: Grants,
    principal: Principal,
    *,
    purpose: Purpose | None,
    action: Action,
    category: Category,
    child_id: int | None,
    facts: Facts,
) -> Decision:
    steps: list[StepResult] = []

    def done(
        allowed: bool,
        reason: Reason,
        rule: str | None = None,
        basis: LawfulBasis | None = None,
        break_glass: bool = False,
    ) -> Decision:
        return Decision(
            allowed=allowed,
            action=action,
            category=category,
            child_id=child_id,
            purpose=purpose,
            reason=reason,
            rule=rule,
            lawful_basis=basis,
            break_glass=break_glass,
            policy_version=grants.version,
            steps=tuple(steps),
        )

    def fail(step: Step, reason: Reason, detail: str = "", rule: str | None = None) -> Decision:
        steps.append(StepResult(step, False, reason, detail))
        return done(False, reason, rule)

    # 1. purpose of use
    if purpose is None:
        return fail(Step.PURPOSE, Reason.PURPOSE_MISSING)
    if purpose not in grants.purposes_for(principal.roles, principal.agency_kind):
        return fail(Step.PURPOSE, Reason.PURPOSE_NOT_PERMITTED, purpose)
    steps.append(StepResult(Step.PURPOSE, True, Reason.GRANTED, purpose))

    # 2. policy grant
    rule = grants.rule_for(principal.roles, principal.agency_kind, category, action, purpose)
    if rule is None:
        return fail(Step.GRANT, Reason.NO_GRANT)
    steps.append(StepResult(Step.GRANT, True, Reason.GRANTED, rule))

    # 3. legitimate relationship, or the CP-IS or audit exemption, or break-glass
    break_glass = False
    if facts.relationship is not None:
        steps.append(StepResult(Step.RELATIONSHIP, True, Reason.RELATIONSHIP, facts.relationship))
    elif (
        action is Action.READ
        and category in CP_IS_CATEGORIES
        and principal.roles & CP_IS_ROLES
        and purpose is Purpose.DIRECT_CARE
    ):
        steps.append(StepResult(Step.RELATIONSHIP, True, Reason.CP_IS_FLAG))
    elif (
        facts.audit_duty
        and action is Action.READ
        and category is Category.IDENTITY
        and principal.roles & AUDIT_ROLES
        and purpose is Purpose.AUDIT_DPO
    ):
        steps.append(StepResult(Step.RELATIONSHIP, True, Reason.AUDIT_DUTY))
    elif facts.break_glass or action is Action.BREAK_GLASS:
        # an active session, or the request to open one: the override is what it is for
        break_glass = True
        steps.append(StepResult(Step.RELATIONSHIP, True, Reason.BREAK_GLASS))
    else:
        return fail(Step.RELATIONSHIP, Reason.NO_RELATIONSHIP, rule=rule)

    own = facts.owner_agency_id is None or facts.owner_agency_id == principal.agency_id

    # 4. only the owner amends
    if action is Action.AMEND and not own:
        return fail(Step.OWNERSHIP, Reason.NOT_RECORD_OWNER, rule=rule)

    # 5. lawful basis: consent for a voluntary service, and for consent-based categories
    # held by another agency
    if facts.consent_required:
        if not facts.consent:
            return fail(Step.LAWFUL_BASIS, Reason.CONSENT_REQUIRED, rule=rule)
        basis, basis_reason = LawfulBasis.CONSENT, Reason.CONSENT
    elif category in CONSENT_CATEGORIES and action is Action.READ and not own:
        if facts.consent:
            basis, basis_reason = LawfulBasis.CONSENT, Reason.CONSENT
        elif facts.statutory_basis is not None:
            basis, basis_reason = facts.statutory_basis, Reason.STATUTORY_OVERRIDE
        else:
            return fail(Step.LAWFUL_BASIS, Reason.CONSENT_REQUIRED, rule=rule)
    else:
        basis, basis_reason = STATUTORY_BASIS[purpose], Reason.STATUTORY_BASIS
    steps.append(StepResult(Step.LAWFUL_BASIS, True, basis_reason, basis))

    # 6. restrictions on another agency's record
    if not own:
        if facts.restriction is Restriction.SEALED:
            return fail(Step.RESTRICTION, Reason.RECORD_SEALED, rule=rule)
        if (
            facts.restriction is Restriction.COVERT
            and principal.agency_kind is not AgencyKind.POLICE
            and not facts.disclosable
        ):
            return fail(Step.RESTRICTION, Reason.COVERT_INTEREST, rule=rule)
        if facts.not_shared:
            return fail(Step.RESTRICTION, Reason.NOT_SHARED, rule=rule)
    steps.append(StepResult(Step.RESTRICTION, True, Reason.GRANTED))

    return done(
        True, Reason.BREAK_GLASS if break_glass else Reason.GRANTED, rule, basis, break_glass
    )
