"""Properties of the access decision under the real default policy (Hypothesis).

Whatever the caller, purpose, action, category and facts, ``decide`` never lets anything
through without a grant, a legitimate relationship (or the CP-IS exemption, or
break-glass), a lawful basis for consent-based categories and respect for the owner's
restrictions; every answer is explained, and the same question gets the same answer.
A consent-based category may also be shared on a recorded statutory basis
(``Facts.statutory_basis``), which the facts are drawn with too.

The oracles below are written from the design (DESIGN §6), not from ``decide``'s code.
"""

import dataclasses
from dataclasses import dataclass
from typing import TypeVar

from hypothesis import event, given, settings
from hypothesis import strategies as st

from policies import Facts, Principal, authorize
from policies.decision import Decision, Step, decide
from policies.grants import Grant, GrantTable
from policies.reasons import Reason
from policies.store import default_table
from vocab.actions import Action
from vocab.agencies import AgencyKind
from vocab.categories import Category
from vocab.consent import CONSENT_CATEGORIES
from vocab.lawful_bases import LawfulBasis
from vocab.purposes import Purpose
from vocab.relationships import RelationshipKind
from vocab.restrictions import Restriction
from vocab.roles import ROLE_AGENCY_KINDS, Role

#: The real compiled default policy.
GRANTS: GrantTable = default_table()

#: What only unscheduled care may see without a relationship, and only for direct care.
CP_IS_CATEGORIES = frozenset(
    {Category.COUNCIL_CHILD_PROTECTION_PLAN, Category.COUNCIL_LOOKED_AFTER}
)
#: Reasons that explain an allowed decision or a passed step, never a refusal.
PASSING_REASONS = frozenset(
    {
        Reason.GRANTED,
        Reason.RELATIONSHIP,
        Reason.CP_IS_FLAG,
        Reason.BREAK_GLASS,
        Reason.CONSENT,
        Reason.STATUTORY_BASIS,
        Reason.STATUTORY_OVERRIDE,
    }
)
EXAMPLES = settings(max_examples=300, deadline=None)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Ask:
    """One question put to ``decide``."""

    principal: Principal
    purpose: Purpose | None
    action: Action
    category: Category
    child_id: int | None
    facts: Facts

    def decide(self) -> Decision:
        return decide(
            GRANTS,
            self.principal,
            purpose=self.purpose,
            action=self.action,
            category=self.category,
            child_id=self.child_id,
            facts=self.facts,
        )

    @property
    def others_record(self) -> bool:
        """The record is held by an agency other than the caller's."""
        owner = self.facts.owner_agency_id
        return owner is not None and owner != self.principal.agency_id


@st.composite
def principals(
    draw: st.DrawFn, kind: AgencyKind | None = None, role: Role | None = None
) -> Principal:
    """Any roles (mostly ones held in that kind of agency; ``role`` among them if given),
    in an agency of any kind (``kind`` if given)."""
    if kind is None:
        kind = draw(st.sampled_from(AgencyKind))
    held_there = [r for r in Role if kind in ROLE_AGENCY_KINDS[r]]
    held = st.frozensets(st.sampled_from(held_there), max_size=len(held_there))
    roles = draw(st.one_of(held, held, held, st.frozensets(st.sampled_from(Role), max_size=4)))
    if role is not None:
        roles |= {role}
    agency_id = draw(st.integers(min_value=1, max_value=1_000))
    user_id = draw(st.integers(min_value=1, max_value=1_000_000))
    return Principal(
        user_id=user_id,
        subject=f"user-{user_id}",
        display_name=f"User {user_id}",
        agency_id=agency_id,
        agency_kind=kind,
        agency_code=f"{kind}-{agency_id}",
        agency_name=f"Agency {agency_id}",
        roles=roles,
    )


#: Every line of the policy, in a stable order.
LINES: list[Grant] = sorted(GRANTS.grants, key=lambda grant: grant.rule_id)
#: Where a granted question is drawn from, each about as often: reads of consent-based
#: categories and reads of what CP-IS shows (few lines of the policy each), or any line.
FOCUSED: tuple[list[Grant], ...] = (
    [g for g in LINES if g.category in CONSENT_CATEGORIES and g.action is Action.READ],
    [g for g in LINES if g.category in CP_IS_CATEGORIES and g.action is Action.READ],
    LINES,
)


def mostly(value: T, anything: st.SearchStrategy[T]) -> st.SearchStrategy[T]:
    """``value`` about half the time, otherwise anything (``value`` included)."""
    return st.just(value) | anything


@st.composite
def asks(draw: st.DrawFn) -> Ask:
    """A caller and a question. Mostly a question some line of the policy grants, asked by a
    holder of that line's role (among others) in an agency of its kind, with facts mostly
    clean, so that allowed decisions are common enough for the properties to bite; else
    anything at all."""
    principal: Principal
    purpose: Purpose | None
    if draw(st.sampled_from([True, True, False])):
        line = draw(st.sampled_from(draw(st.sampled_from(FOCUSED))))
        principal = draw(principals(line.agency_kind, line.role))
        category, action, purpose = line.category, line.action, line.purpose
    else:
        principal = draw(principals())
        category = draw(st.sampled_from(Category))
        action = draw(st.sampled_from(Action))
        purpose = draw(st.none() | st.sampled_from(Purpose))
    own, other = principal.agency_id, principal.agency_id + 1
    related = st.sampled_from(RelationshipKind)
    facts = Facts(
        relationship=draw(st.one_of(related, st.none(), related)),
        break_glass=draw(mostly(False, st.booleans())),
        owner_agency_id=draw(st.sampled_from([other, own, None, other])),
        consent=draw(st.booleans()),
        statutory_basis=draw(mostly(None, st.sampled_from(LawfulBasis))),
        restriction=draw(mostly(Restriction.NONE, st.sampled_from(Restriction))),
        disclosable=draw(st.booleans()),
        not_shared=draw(mostly(False, st.booleans())),
        audit_duty=draw(mostly(False, st.booleans())),
    )
    child_id = draw(st.none() | st.integers(min_value=1, max_value=10_000))
    return Ask(principal, purpose, action, category, child_id, facts)


def granted_by_some_line(ask: Ask) -> bool:
    """The policy's own lines, read directly (not through the table's index)."""
    return any(
        grant.role in ask.principal.roles
        and grant.agency_kind is ask.principal.agency_kind
        and grant.category is ask.category
        and grant.action is ask.action
        and grant.purpose is ask.purpose
        for grant in GRANTS.grants
    )


@EXAMPLES
@given(asks())
def test_nothing_is_allowed_without_a_grant(ask: Ask) -> None:
    decision = ask.decide()
    event("allowed" if decision.allowed else f"refused: {decision.reason}")
    if decision.allowed:
        assert ask.purpose is not None
        assert GRANTS.allows(
            ask.principal.roles, ask.principal.agency_kind, ask.category, ask.action, ask.purpose
        )
        assert granted_by_some_line(ask)


@EXAMPLES
@given(asks())
def test_nothing_is_allowed_without_a_relationship_cp_is_audit_duty_or_break_glass(
    ask: Ask,
) -> None:
    decision = ask.decide()
    if not decision.allowed:
        return
    cp_is = (
        ask.action is Action.READ
        and ask.category in CP_IS_CATEGORIES
        and Role.UNSCHEDULED_CARE_CLINICIAN in ask.principal.roles
        and ask.purpose is Purpose.DIRECT_CARE
    )
    audit_duty = (
        ask.facts.audit_duty
        and ask.action is Action.READ
        and ask.category is Category.IDENTITY
        and ask.principal.roles & {Role.DPO, Role.CALDICOTT_GUARDIAN}
        and ask.purpose is Purpose.AUDIT_DPO
    )
    break_glass = ask.facts.break_glass or ask.action is Action.BREAK_GLASS
    event("via relationship" if ask.facts.relationship else "via cp-is, audit or break-glass")
    assert ask.facts.relationship is not None or break_glass or cp_is or audit_duty
    if ask.facts.relationship is None and not cp_is and not audit_duty:
        assert decision.break_glass, "an access through break-glass must say so"


@EXAMPLES
@given(asks())
def test_another_agencys_consent_category_needs_consent_or_a_statutory_basis(ask: Ask) -> None:
    decision = ask.decide()
    if not (
        decision.allowed
        and ask.action is Action.READ
        and ask.category in CONSENT_CATEGORIES
        and ask.others_record
    ):
        return
    event("consent category of another agency read")
    assert ask.facts.consent or ask.facts.statutory_basis is not None
    if ask.facts.consent:
        assert decision.lawful_basis is LawfulBasis.CONSENT
    else:
        assert decision.lawful_basis is ask.facts.statutory_basis


@EXAMPLES
@given(asks())
def test_another_agencys_restrictions_are_respected(ask: Ask) -> None:
    decision = ask.decide()
    if not (decision.allowed and ask.others_record):
        return
    # only the owner amends
    assert ask.action is not Action.AMEND
    if ask.action is not Action.READ:
        return
    event("another agency's record read")
    facts = ask.facts
    assert facts.restriction is not Restriction.SEALED
    assert not facts.not_shared
    assert (
        facts.restriction is not Restriction.COVERT
        or ask.principal.agency_kind is AgencyKind.POLICE
        or facts.disclosable
    )


@EXAMPLES
@given(asks())
def test_every_decision_is_explained(ask: Ask) -> None:
    decision = ask.decide()
    steps = decision.steps
    assert steps, "a decision without steps explains nothing"
    order = list(Step)
    assert [order.index(s.step) for s in steps] == sorted({order.index(s.step) for s in steps}), (
        "steps are taken once each, in order"
    )
    assert decision.policy_version == GRANTS.version
    assert (decision.action, decision.category, decision.purpose, decision.child_id) == (
        ask.action,
        ask.category,
        ask.purpose,
        ask.child_id,
    )
    if decision.allowed:
        assert all(s.passed for s in steps)
        assert decision.reason in PASSING_REASONS
        assert ask.purpose is not None
        assert decision.rule is not None
        assert decision.rule == GRANTS.rule_for(
            ask.principal.roles, ask.principal.agency_kind, ask.category, ask.action, ask.purpose
        )
        assert decision.lawful_basis is not None
        assert decision.code is None
    else:
        assert isinstance(decision.reason, Reason)
        assert decision.reason not in PASSING_REASONS
        assert all(s.passed for s in steps[:-1])
        assert not steps[-1].passed
        assert steps[-1].reason is decision.reason
        assert decision.lawful_basis is None
        assert not decision.break_glass


@EXAMPLES
@given(asks())
def test_the_same_question_gets_the_same_answer(ask: Ask) -> None:
    first = ask.decide()
    again = ask.decide()
    # equal but distinct inputs, as another request would build them
    copy = dataclasses.replace(
        ask,
        principal=dataclasses.replace(ask.principal, roles=frozenset(sorted(ask.principal.roles))),
        facts=dataclasses.replace(ask.facts),
    )
    recorded: list[Decision] = []

    class Sink:
        def record(self, decision: Decision) -> None:
            recorded.append(decision)

    authorized = authorize(
        Sink(),
        GRANTS,
        copy.principal,
        purpose=copy.purpose,
        action=copy.action,
        category=copy.category,
        child_id=copy.child_id,
        facts=copy.facts,
    )
    assert first == again == copy.decide() == authorized
    assert recorded == [authorized]
