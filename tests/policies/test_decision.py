"""The decision steps, in order, against a stand-in for the compiled policy."""

from collections.abc import Iterable
from dataclasses import replace

import pytest

from audit.trail import AuditTrail
from policies import Facts, Principal, authorize
from policies.decision import STATUTORY_BASIS, Step, decide
from policies.reasons import CALLER_CODES, Reason
from vocab.actions import Action
from vocab.agencies import AgencyKind
from vocab.categories import Category
from vocab.lawful_bases import LawfulBasis
from vocab.purposes import Purpose
from vocab.relationships import RelationshipKind
from vocab.restrictions import Restriction
from vocab.roles import Role

OWN, OTHER = 10, 20
S47 = Purpose.SAFEGUARDING_S47
RELATED = Facts(relationship=RelationshipKind.ALLOCATION, owner_agency_id=OTHER)


class FakeGrants:
    """Grants exactly the (role, kind, category, action, purpose) tuples given."""

    version = "test-policy"

    def __init__(self, *grants: tuple[Role, AgencyKind, Category, Action, Purpose]) -> None:
        self.grants = set(grants)

    def rule_for(
        self,
        roles: Iterable[Role],
        agency_kind: AgencyKind,
        category: Category,
        action: Action,
        purpose: Purpose,
    ) -> str | None:
        for role in roles:
            if (role, agency_kind, category, action, purpose) in self.grants:
                return f"grant:{role}:{category}:{action}:{purpose}"
        return None

    def purposes_for(self, roles: Iterable[Role], agency_kind: AgencyKind) -> frozenset[Purpose]:
        held = set(roles)
        return frozenset(g[4] for g in self.grants if g[0] in held and g[1] is agency_kind)


def principal(
    kind: AgencyKind = AgencyKind.COUNCIL, roles: frozenset[Role] = frozenset({Role.SOCIAL_WORKER})
) -> Principal:
    return Principal(
        user_id=1,
        subject="s",
        display_name="d",
        agency_id=OWN,
        agency_kind=kind,
        agency_code="E10000018",
        agency_name="Council",
        roles=roles,
    )


def grant_all(
    role: Role = Role.SOCIAL_WORKER, kind: AgencyKind = AgencyKind.COUNCIL, purpose: Purpose = S47
) -> FakeGrants:
    return FakeGrants(
        *((role, kind, category, action, purpose) for category in Category for action in Action)
    )


def ask(
    facts: Facts = RELATED,
    *,
    grants: FakeGrants | None = None,
    who: Principal | None = None,
    purpose: Purpose | None = S47,
    action: Action = Action.READ,
    category: Category = Category.POLICE_DOMESTIC_ABUSE_INCIDENT,
) -> tuple[bool, Reason, str | None]:
    decision = decide(
        grants or grant_all(),
        who or principal(),
        purpose=purpose,
        action=action,
        category=category,
        child_id=7,
        facts=facts,
    )
    return decision.allowed, decision.reason, decision.code


def test_granted_with_relationship_is_allowed_and_explained() -> None:
    trail = AuditTrail("r")
    decision = authorize(
        trail,
        grant_all(),
        principal(),
        purpose=S47,
        action=Action.READ,
        category=Category.POLICE_DOMESTIC_ABUSE_INCIDENT,
        child_id=7,
        facts=RELATED,
    )
    assert decision.allowed
    assert decision.rule == f"grant:social_worker:police.domestic_abuse_incident:read:{S47}"
    assert decision.lawful_basis is LawfulBasis.CHILDREN_ACT_1989_S47
    assert decision.policy_version == "test-policy"
    assert [s.step for s in decision.steps] == [
        Step.PURPOSE,
        Step.GRANT,
        Step.RELATIONSHIP,
        Step.LAWFUL_BASIS,
        Step.RESTRICTION,
    ]
    assert all(s.passed for s in decision.steps)
    assert trail.decisions == [decision]


@pytest.mark.parametrize(
    ("purpose", "reason"),
    [(None, Reason.PURPOSE_MISSING), (Purpose.INSPECTION, Reason.PURPOSE_NOT_PERMITTED)],
)
def test_purpose_is_required_and_must_be_the_roles(purpose: Purpose | None, reason: Reason) -> None:
    assert ask(purpose=purpose) == (False, reason, "PURPOSE_REQUIRED")


def test_no_grant_is_forbidden() -> None:
    grants = FakeGrants(
        (Role.SOCIAL_WORKER, AgencyKind.COUNCIL, Category.IDENTITY, Action.READ, S47)
    )
    assert ask(grants=grants) == (False, Reason.NO_GRANT, "FORBIDDEN")


def test_grant_is_scoped_to_the_agency_kind() -> None:
    # the same role name held in a police force gets nothing from a council-kind grant
    police = principal(AgencyKind.POLICE)
    assert ask(who=police)[0] is False


@pytest.mark.parametrize("kind", list(RelationshipKind))
def test_any_relationship_in_force_is_legitimate(kind: RelationshipKind) -> None:
    assert ask(Facts(relationship=kind, owner_agency_id=OTHER))[0] is True


def test_no_relationship_is_refused() -> None:
    assert ask(Facts(owner_agency_id=OTHER)) == (False, Reason.NO_RELATIONSHIP, "NO_RELATIONSHIP")


def test_break_glass_stands_in_for_the_relationship_and_is_flagged() -> None:
    decision = decide(
        grant_all(),
        principal(),
        purpose=S47,
        action=Action.READ,
        category=Category.HEALTH_GP_REGISTRATION,
        child_id=7,
        facts=Facts(break_glass=True, owner_agency_id=OTHER),
    )
    assert decision.allowed
    assert decision.break_glass
    assert decision.reason is Reason.BREAK_GLASS


@pytest.mark.parametrize(
    "category", [Category.COUNCIL_CHILD_PROTECTION_PLAN, Category.COUNCIL_LOOKED_AFTER]
)
def test_cp_is_flag_needs_no_relationship_for_unscheduled_care(category: Category) -> None:
    clinician = principal(AgencyKind.HEALTH, frozenset({Role.UNSCHEDULED_CARE_CLINICIAN}))
    grants = grant_all(Role.UNSCHEDULED_CARE_CLINICIAN, AgencyKind.HEALTH, Purpose.DIRECT_CARE)
    facts = Facts(owner_agency_id=OTHER)

    allowed = ask(
        facts, grants=grants, who=clinician, purpose=Purpose.DIRECT_CARE, category=category
    )
    other = ask(facts, grants=grants, who=clinician, purpose=Purpose.DIRECT_CARE)
    amend = ask(
        facts,
        grants=grants,
        who=clinician,
        purpose=Purpose.DIRECT_CARE,
        category=category,
        action=Action.AMEND,
    )

    assert allowed == (True, Reason.GRANTED, None)
    assert other[1] is Reason.NO_RELATIONSHIP
    assert amend[1] is Reason.NO_RELATIONSHIP


def test_only_the_owner_amends() -> None:
    assert ask(action=Action.AMEND) == (False, Reason.NOT_RECORD_OWNER, "FORBIDDEN")
    own = replace(RELATED, owner_agency_id=OWN)
    assert ask(own, action=Action.AMEND)[0] is True


@pytest.mark.parametrize("category", [Category.COUNCIL_EARLY_HELP, Category.HEALTH_MENTAL_HEALTH])
def test_consent_categories_of_other_agencies_need_consent(category: Category) -> None:
    without = ask(category=category)
    with_consent = decide(
        grant_all(),
        principal(),
        purpose=S47,
        action=Action.READ,
        category=category,
        child_id=7,
        facts=replace(RELATED, consent=True),
    )
    own = ask(replace(RELATED, owner_agency_id=OWN), category=category)

    assert without == (False, Reason.CONSENT_REQUIRED, "CONSENT_REQUIRED")
    assert with_consent.allowed
    assert with_consent.lawful_basis is LawfulBasis.CONSENT
    assert own[0] is True


@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        (replace(RELATED, restriction=Restriction.SEALED), Reason.RECORD_SEALED),
        (replace(RELATED, restriction=Restriction.COVERT), Reason.COVERT_INTEREST),
        (replace(RELATED, not_shared=True), Reason.NOT_SHARED),
    ],
)
def test_restrictions_refuse_silently(facts: Facts, reason: Reason) -> None:
    # the caller is told nothing: the record's existence is not disclosed
    assert ask(facts) == (False, reason, None)


def test_restrictions_do_not_bind_the_owner() -> None:
    sealed = Facts(
        relationship=RelationshipKind.ALLOCATION,
        owner_agency_id=OWN,
        restriction=Restriction.SEALED,
    )
    assert ask(sealed)[0] is True


def test_covert_interest_is_visible_to_police_and_after_disclosure() -> None:
    covert = replace(RELATED, restriction=Restriction.COVERT)
    police = principal(AgencyKind.POLICE, frozenset({Role.POLICE_PUBLIC_PROTECTION}))
    grants = grant_all(Role.POLICE_PUBLIC_PROTECTION, AgencyKind.POLICE)

    assert ask(covert, grants=grants, who=police)[0] is True
    assert ask(replace(covert, disclosable=True))[0] is True


def test_every_purpose_has_a_statutory_basis() -> None:
    assert set(STATUTORY_BASIS) == set(Purpose)


def test_every_caller_code_is_stable_upper_case() -> None:
    assert all(code.isupper() for code in CALLER_CODES.values())


def test_opening_break_glass_needs_the_grant_not_a_relationship() -> None:
    grants = FakeGrants(
        (Role.SOCIAL_WORKER, AgencyKind.COUNCIL, Category.IDENTITY, Action.BREAK_GLASS, S47)
    )
    allowed = ask(Facts(), grants=grants, action=Action.BREAK_GLASS, category=Category.IDENTITY)
    refused = ask(Facts(), grants=grants, who=principal(roles=frozenset({Role.GP})))

    assert allowed == (True, Reason.BREAK_GLASS, None)
    assert refused[0] is False


def test_a_recorded_statutory_basis_stands_in_for_consent() -> None:
    decision = decide(
        grant_all(),
        principal(),
        purpose=S47,
        action=Action.READ,
        category=Category.HEALTH_MENTAL_HEALTH,
        child_id=7,
        facts=replace(RELATED, statutory_basis=LawfulBasis.CHILDREN_ACT_1989_S47),
    )
    assert decision.allowed
    assert decision.lawful_basis is LawfulBasis.CHILDREN_ACT_1989_S47
    assert decision.steps[3].reason is Reason.STATUTORY_OVERRIDE


def test_a_referral_to_a_voluntary_service_needs_consent_even_from_the_owner() -> None:
    # given a referral to early help (the MASH's own decision: no other agency's record)
    referral = Facts(
        relationship=RelationshipKind.ENQUIRY, owner_agency_id=OWN, consent_required=True
    )
    statutory = replace(referral, statutory_basis=LawfulBasis.CHILDREN_ACT_1989_S17)

    def refer(facts: Facts) -> tuple[bool, Reason, str | None]:
        return ask(facts, action=Action.NOTIFY, category=Category.COUNCIL_EARLY_HELP)

    # then only consent given makes it lawful: a statutory basis does not stand in for it
    assert refer(referral) == (False, Reason.CONSENT_REQUIRED, "CONSENT_REQUIRED")
    assert refer(statutory) == (False, Reason.CONSENT_REQUIRED, "CONSENT_REQUIRED")
    given = decide(
        grant_all(),
        principal(),
        purpose=S47,
        action=Action.NOTIFY,
        category=Category.COUNCIL_EARLY_HELP,
        child_id=7,
        facts=replace(referral, consent=True),
    )
    assert given.allowed
    assert given.lawful_basis is LawfulBasis.CONSENT
