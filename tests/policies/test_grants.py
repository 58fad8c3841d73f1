"""The grant step: the default policy's concrete expectations, validation, and the proof
that the compiled ``GrantTable`` gives exactly Casbin's answers (differential properties)."""

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policies.grants import (
    DEFAULT_POLICY_PATH,
    Grant,
    GrantTable,
    add_role_assignment,
    domain,
    enforce,
    load_enforcer,
    policy_version,
    read_default_policy,
    validate_policy_lines,
    validate_rules,
)
from vocab.actions import Action
from vocab.agencies import AgencyKind
from vocab.categories import OWNER_KINDS, Category
from vocab.purposes import Purpose
from vocab.roles import ROLE_AGENCY_KINDS, Role

COUNCIL = "E10000018"  # Leicestershire County Council (ONS)
CODES = {
    AgencyKind.COUNCIL: COUNCIL,
    AgencyKind.POLICE: "E23000021",  # Leicestershire Police (ONS)
    AgencyKind.HEALTH: "QK1",  # NHS Leicester, Leicestershire and Rutland ICB (ODS)
    AgencyKind.SCHOOL: "120200",  # a school URN
    AgencyKind.DISTRICT: "E07000129",  # Blaby District Council (ONS)
}
DEFAULT_GRANTS = validate_policy_lines(read_default_policy())
DEFAULT_TABLE = GrantTable(DEFAULT_GRANTS)
_user_ids: Iterator[int] = itertools.count(1)


def everything() -> Iterator[tuple[Category, Action, Purpose]]:
    return itertools.product(Category, Action, Purpose)


@pytest.fixture(scope="module")
def enforcer() -> Any:
    return load_enforcer()


@pytest.fixture(scope="module")
def fast_enforcer() -> Any:
    return load_enforcer(fast=True)


@pytest.fixture(scope="module")
def table(enforcer: Any) -> GrantTable:
    return GrantTable.from_enforcer(enforcer)


# --- The default policy: what each role's job needs, and no more --------------------------

D, C, A, P, K = Role, Category, Action, Purpose, AgencyKind
EXPECTATIONS = [
    # Encompass: the school's key adult receives and acknowledges; only the police notify.
    (D.DESIGNATED_SAFEGUARDING_LEAD, K.SCHOOL, C.ENCOMPASS_NOTIFICATION, A.ACKNOWLEDGE,
     P.SAFEGUARDING_ENCOMPASS, True),
    (D.DESIGNATED_SAFEGUARDING_LEAD, K.SCHOOL, C.ENCOMPASS_NOTIFICATION, A.NOTIFY,
     P.SAFEGUARDING_ENCOMPASS, False),
    (D.ENCOMPASS_COORDINATOR, K.POLICE, C.ENCOMPASS_NOTIFICATION, A.CREATE,
     P.SAFEGUARDING_ENCOMPASS, True),
    (D.ENCOMPASS_COORDINATOR, K.POLICE, C.ENCOMPASS_NOTIFICATION, A.NOTIFY,
     P.SAFEGUARDING_ENCOMPASS, True),
    (D.ENCOMPASS_COORDINATOR, K.POLICE, C.COUNCIL_CHILD_PROTECTION_PLAN, A.READ,
     P.SAFEGUARDING_ENCOMPASS, True),
    (D.DESIGNATED_SAFEGUARDING_LEAD, K.SCHOOL, C.EDUCATION_ATTENDANCE, A.AMEND,
     P.EDUCATION_WELFARE, True),
    # CP-IS: unscheduled care sees the flags for direct care, and for nothing else.
    (D.UNSCHEDULED_CARE_CLINICIAN, K.HEALTH, C.COUNCIL_CHILD_PROTECTION_PLAN, A.READ,
     P.DIRECT_CARE, True),
    (D.UNSCHEDULED_CARE_CLINICIAN, K.HEALTH, C.COUNCIL_LOOKED_AFTER, A.READ,
     P.DIRECT_CARE, True),
    (D.UNSCHEDULED_CARE_CLINICIAN, K.HEALTH, C.COUNCIL_CHILD_PROTECTION_PLAN, A.READ,
     P.SAFEGUARDING_MASH, False),
    (D.UNSCHEDULED_CARE_CLINICIAN, K.HEALTH, C.COUNCIL_CHILD_IN_NEED, A.READ,
     P.DIRECT_CARE, False),
    # Health flags.
    (D.SAFEGUARDING_NURSE, K.HEALTH, C.HEALTH_EXPLOITATION_RISK_FLAG, A.CREATE,
     P.SAFEGUARDING_S47, True),
    (D.GP, K.HEALTH, C.HEALTH_MENTAL_HEALTH, A.READ, P.DIRECT_CARE, True),
    (D.GP, K.HEALTH, C.HEALTH_MENTAL_HEALTH, A.READ, P.SAFEGUARDING_S47, False),
    # Social care: statutory records for s47; consent-based ones for early help, and for
    # s47 only with consent or a recorded statutory basis (the decision's lawful-basis step).
    (D.SOCIAL_WORKER, K.COUNCIL, C.POLICE_DOMESTIC_ABUSE_INCIDENT, A.READ,
     P.SAFEGUARDING_S47, True),
    (D.SOCIAL_WORKER, K.COUNCIL, C.COUNCIL_CHILD_PROTECTION_PLAN, A.AMEND,
     P.SAFEGUARDING_S47, True),
    (D.SOCIAL_WORKER, K.COUNCIL, C.COUNCIL_EARLY_HELP, A.READ, P.SAFEGUARDING_S47, True),
    (D.SOCIAL_WORKER, K.COUNCIL, C.COUNCIL_EARLY_HELP, A.READ, P.EDUCATION_WELFARE, False),
    (D.SOCIAL_WORKER, K.COUNCIL, C.COUNCIL_EARLY_HELP, A.READ, P.EARLY_HELP, True),
    (D.SOCIAL_WORKER, K.COUNCIL, C.POLICE_EXPLOITATION_INTELLIGENCE, A.READ,
     P.SAFEGUARDING_S47, False),
    (D.SOCIAL_WORKER, K.COUNCIL, C.POLICE_DOMESTIC_ABUSE_INCIDENT, A.AMEND,
     P.SAFEGUARDING_S47, False),
    # MASH: the council seat owns the enquiry; only the police seat reads intelligence.
    (D.MASH_PRACTITIONER, K.COUNCIL, C.MASH_ENQUIRY, A.CREATE, P.SAFEGUARDING_MASH, True),
    (D.MASH_PRACTITIONER, K.POLICE, C.MASH_ENQUIRY, A.CREATE, P.SAFEGUARDING_MASH, False),
    (D.MASH_PRACTITIONER, K.POLICE, C.MASH_ENQUIRY, A.ACKNOWLEDGE, P.SAFEGUARDING_MASH, True),
    (D.MASH_PRACTITIONER, K.POLICE, C.POLICE_EXPLOITATION_INTELLIGENCE, A.READ,
     P.SAFEGUARDING_MASH, True),
    (D.MASH_PRACTITIONER, K.COUNCIL, C.POLICE_EXPLOITATION_INTELLIGENCE, A.READ,
     P.SAFEGUARDING_MASH, False),
    (D.MASH_MANAGER, K.COUNCIL, C.MASH_DECISION, A.AMEND, P.SAFEGUARDING_MASH, True),
    # District councils share their own records.
    (D.DISTRICT_HOUSING_OFFICER, K.DISTRICT, C.DISTRICT_HOUSING, A.CREATE,
     P.SAFEGUARDING_MASH, True),
    (D.DISTRICT_HOUSING_OFFICER, K.DISTRICT, C.DISTRICT_ANTI_SOCIAL_BEHAVIOUR, A.CREATE,
     P.SAFEGUARDING_MASH, False),
    # Oversight: read only, for their own purpose.
    (D.INSPECTOR, K.COUNCIL, C.COUNCIL_CHILD_PROTECTION_PLAN, A.READ, P.INSPECTION, True),
    (D.INSPECTOR, K.COUNCIL, C.COUNCIL_CHILD_PROTECTION_PLAN, A.AMEND, P.INSPECTION, False),
    (D.DPO, K.POLICE, C.IDENTITY, A.READ, P.AUDIT_DPO, True),
    (D.DPO, K.COUNCIL, C.MASH_DECISION, A.READ, P.AUDIT_DPO, True),
    (D.DPO, K.COUNCIL, C.COUNCIL_CHILD_PROTECTION_PLAN, A.READ, P.AUDIT_DPO, False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("role", "kind", "category", "action", "purpose", "expected"), EXPECTATIONS
)
def test_default_policy_expectations(
    enforcer: Any,
    table: GrantTable,
    role: Role,
    kind: AgencyKind,
    category: Category,
    action: Action,
    purpose: Purpose,
    expected: bool,
) -> None:
    # given a user holding the role in one agency of the kind
    user = next(_user_ids)
    add_role_assignment(enforcer, user, role, kind, CODES[kind])
    # then Casbin and the table agree with what the role's job needs
    assert enforce(enforcer, user, kind, CODES[kind], category, action, purpose) is expected
    assert table.allows({role}, kind, category, action, purpose) is expected


@pytest.mark.parametrize("purpose", list(Purpose))
def test_a_school_never_reads_police_intelligence(table: GrantTable, purpose: Purpose) -> None:
    roles = frozenset(Role)  # even holding every role
    for action in Action:
        assert not table.allows(
            roles, K.SCHOOL, C.POLICE_EXPLOITATION_INTELLIGENCE, action, purpose
        )


def test_police_intelligence_is_read_only_within_the_police() -> None:
    kinds = {
        g.agency_kind for g in DEFAULT_GRANTS if g.category is C.POLICE_EXPLOITATION_INTELLIGENCE
    }
    assert kinds == {K.POLICE}


def test_a_social_worker_in_a_police_domain_gets_nothing(enforcer: Any, table: GrantTable) -> None:
    # given a (mis)assigned social worker role held in a police force
    user = next(_user_ids)
    add_role_assignment(enforcer, user, D.SOCIAL_WORKER, K.POLICE, CODES[K.POLICE])
    # then nothing is granted there, by the table or (sampled) by Casbin
    assert table.grants_for({D.SOCIAL_WORKER}, K.POLICE) == frozenset()
    for category in (C.IDENTITY, C.COUNCIL_CHILD_PROTECTION_PLAN, C.POLICE_MISSING_EPISODE):
        assert not enforce(
            enforcer, user, K.POLICE, CODES[K.POLICE], category, A.READ, P.SAFEGUARDING_S47
        )


def test_a_role_held_in_one_council_is_not_held_in_another(enforcer: Any) -> None:
    user = next(_user_ids)
    add_role_assignment(enforcer, user, D.SOCIAL_WORKER, K.COUNCIL, COUNCIL)
    allowed = (C.IDENTITY, A.READ, P.SAFEGUARDING_S47)
    assert enforce(enforcer, user, K.COUNCIL, COUNCIL, *allowed)
    assert not enforce(enforcer, user, K.COUNCIL, "E06000016", *allowed)  # Leicester City


def test_the_dpo_has_nothing_but_audit_reads() -> None:
    dpo = [g for g in DEFAULT_GRANTS if g.role is D.DPO]
    assert dpo
    assert {g.purpose for g in dpo} == {P.AUDIT_DPO}
    assert {g.action for g in dpo} == {A.READ}
    assert {g.agency_kind for g in dpo} == set(AgencyKind)


def test_the_partnership_admin_sees_no_child() -> None:
    for kind in ROLE_AGENCY_KINDS[D.PARTNERSHIP_ADMIN]:
        assert DEFAULT_TABLE.grants_for({D.PARTNERSHIP_ADMIN}, kind) == frozenset()


def test_consent_based_categories_only_for_care_and_safeguarding_purposes() -> None:
    # Beyond early help and direct care, only safeguarding purposes, where the decision still
    # requires consent or a recorded statutory basis for another agency's record.
    consent_based = {C.COUNCIL_EARLY_HELP, C.HEALTH_MENTAL_HEALTH}
    purposes = {g.purpose for g in DEFAULT_GRANTS if g.category in consent_based}
    assert purposes == {P.EARLY_HELP, P.DIRECT_CARE, P.SAFEGUARDING_S47, P.SAFEGUARDING_MASH}


def test_statistics_is_never_granted_at_row_level() -> None:
    assert all(g.purpose is not P.STATISTICS for g in DEFAULT_GRANTS)


def test_writes_only_by_owning_kinds() -> None:
    for g in DEFAULT_GRANTS:
        if g.action in (A.CREATE, A.AMEND):
            assert g.agency_kind in OWNER_KINDS[g.category], g.rule_id


@pytest.mark.parametrize(
    ("roles", "kind", "expected"),
    [
        ({D.DESIGNATED_SAFEGUARDING_LEAD}, K.SCHOOL,
         {P.SAFEGUARDING_ENCOMPASS, P.EDUCATION_WELFARE, P.EARLY_HELP}),
        ({D.UNSCHEDULED_CARE_CLINICIAN}, K.HEALTH, {P.DIRECT_CARE}),
        ({D.DPO}, K.SCHOOL, {P.AUDIT_DPO}),
        ({D.DPO, D.CALDICOTT_GUARDIAN}, K.HEALTH, {P.AUDIT_DPO}),
        ({D.SOCIAL_WORKER, D.MASH_PRACTITIONER}, K.COUNCIL,
         {P.SAFEGUARDING_S47, P.EARLY_HELP, P.SAFEGUARDING_ENCOMPASS, P.SAFEGUARDING_MASH}),
        ({D.PARTNERSHIP_ADMIN}, K.COUNCIL, set()),
        ({D.SOCIAL_WORKER}, K.POLICE, set()),
        (set(), K.COUNCIL, set()),
    ],
)  # fmt: skip
def test_purposes_a_principal_may_declare(
    table: GrantTable, roles: set[Role], kind: AgencyKind, expected: set[Purpose]
) -> None:
    assert table.purposes_for(roles, kind) == expected
    assert table.purposes_for(list(roles), kind) == expected  # any iterable, same memo entry


def test_rule_ids_are_stable_and_name_the_grant(table: GrantTable) -> None:
    request = (K.COUNCIL, C.MASH_DECISION, A.READ, P.SAFEGUARDING_MASH)
    # both roles are granted it: the first in Role order names the rule, whatever the order
    both = [D.MASH_MANAGER, D.MASH_PRACTITIONER]
    expected = "grant:mash_practitioner:council:mash.decision:read:safeguarding.mash"
    assert table.rule_for(both, *request) == expected
    assert table.rule_for(reversed(both), *request) == expected
    assert table.rule_for({D.MASH_MANAGER}, *request) == expected.replace(
        "mash_practitioner", "mash_manager"
    )
    assert table.rule_for({D.GP}, *request) is None
    assert table.rule_for({D.GP}, K.COUNCIL, C.IDENTITY, A.NOTIFY, P.STATISTICS) is None


def test_the_table_compiles_the_enforcers_policy(enforcer: Any, table: GrantTable) -> None:
    # the file, loaded by Casbin's own adapter (comments and all), is the policy we validate
    assert sorted(map(tuple, enforcer.get_policy())) == sorted(g.rule for g in DEFAULT_GRANTS)
    assert table.grants == frozenset(DEFAULT_GRANTS)
    assert len(table) == len(DEFAULT_GRANTS)
    assert table.version == policy_version(read_default_policy())


def test_policy_version_ignores_layout_and_tracks_content() -> None:
    lines = read_default_policy()
    grant_lines = [line for line in lines if line.startswith("p")]
    respaced = [line.replace(", ", ",") for line in reversed(grant_lines)]
    assert policy_version(respaced) == policy_version(lines)
    assert len(policy_version(lines)) == 64
    assert policy_version(grant_lines[1:]) != policy_version(lines)
    changed = [grant_lines[0].replace("read", "amend", 1), *grant_lines[1:]]
    assert policy_version(changed) != policy_version(lines)


# --- Validation ------------------------------------------------------------------------

GOOD = "p, social_worker, council:*, identity, read, safeguarding.s47"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("p, social_worker, council:*, identity, read", "expected 5 fields"),
        ("g, user:1, social_worker, council:E10000018", "only 'p' lines"),
        ("p, social_work, council:*, identity, read, safeguarding.s47",
         "field 'sub': 'social_work' is not a Role"),
        ("p, user:7, council:*, identity, read, safeguarding.s47", "field 'sub'"),
        ("p, social_worker, council:E10000018, identity, read, safeguarding.s47",
         "field 'dom': 'council:E10000018' is not an '<agency kind>:*' pattern"),
        ("p, social_worker, *, identity, read, safeguarding.s47", "field 'dom'"),
        ("p, social_worker, parish:*, identity, read, safeguarding.s47",
         "field 'dom': 'parish' is not a AgencyKind"),
        ("p, social_worker, council:*, council.secret, read, safeguarding.s47",
         "field 'obj': 'council.secret' is not a Category"),
        ("p, social_worker, council:*, identity, delete, safeguarding.s47",
         "field 'act': 'delete' is not a Action"),
        ("p, social_worker, council:*, identity, read, curiosity",
         "field 'purpose': 'curiosity' is not a Purpose"),
        ("p, social_worker, police:*, identity, read, safeguarding.s47",
         "role social_worker is not held in police agencies"),
        ("p, gp, health:*, council.child_in_need, create, direct_care",
         "health agencies cannot own council.child_in_need"),
        ("p, dpo, school:*, mash.decision, amend, audit.dpo", "field 'act'"),
        ("p, inspector, council:*, identity, read, statistics", "aggregate only"),
        (GOOD, "duplicates policy line 2"),
    ],
)  # fmt: skip
def test_invalid_lines_are_refused_naming_line_and_field(line: str, message: str) -> None:
    lines = ["# a comment", GOOD, "", line]
    with pytest.raises(ValueError, match="policy line 4") as refused:
        validate_policy_lines(lines)
    assert message in str(refused.value)
    with pytest.raises(ValueError, match="policy line 4"):
        load_enforcer(lines)


def test_rules_in_casbins_form_are_numbered_by_rule() -> None:
    with pytest.raises(ValueError, match="policy rule 2, field 'obj'"):
        validate_rules([GOOD.split(", ")[1:], ["gp", "health:*", "nope", "read", "direct_care"]])
    with pytest.raises(ValueError, match="policy rule 1: expected 5 fields"):
        validate_rules([["gp", "health:*"]])


def test_an_empty_policy_denies_everything() -> None:
    enforcer = load_enforcer([])
    table = GrantTable.from_enforcer(enforcer)
    add_role_assignment(enforcer, 1, D.GP, K.HEALTH, "QK1")
    assert len(table) == 0
    assert not table.allows({D.GP}, K.HEALTH, C.IDENTITY, A.READ, P.DIRECT_CARE)
    assert not enforce(enforcer, 1, K.HEALTH, "QK1", C.IDENTITY, A.READ, P.DIRECT_CARE)


@pytest.mark.parametrize(
    ("policy", "assignment", "message"),
    [
        # written straight into Casbin, around validation: the table refuses to guess
        (["social_worker", "council:E10000018", "identity", "read", "safeguarding.s47"], None,
         "policy rule 2, field 'dom'"),
        (["user:1", "council:*", "identity", "read", "safeguarding.s47"], None,
         "policy rule 2, field 'sub'"),
        (None, ["user:1", "social_worker", "council:*"], "role assignment 1, field 'domain'"),
        (None, ["mash_manager", "mash_practitioner", "council:E10000018"],
         "role assignment 1, field 'user'"),
        (None, ["user:1", "user:2", "council:E10000018"], "role assignment 1, field 'role'"),
        (None, ["user:1", "social_worker", "parish:X"], "role assignment 1, field 'domain'"),
        (None, ["user:1", "social_worker", "council"], "role assignment 1, field 'domain'"),
    ],
)  # fmt: skip
def test_the_table_refuses_policy_it_cannot_reproduce(
    policy: list[str] | None, assignment: list[str] | None, message: str
) -> None:
    enforcer = load_enforcer([GOOD])
    if policy is not None:
        enforcer.add_policy(*policy)
    if assignment is not None:
        enforcer.add_grouping_policy(*assignment)
    with pytest.raises(ValueError, match=message):
        GrantTable.from_enforcer(enforcer)


class _Rows:
    """Stands in for an enforcer whose role assignments have the wrong arity."""

    def get_policy(self) -> list[list[str]]:
        return [GOOD.split(", ")[1:]]

    def get_grouping_policy(self) -> list[list[str]]:
        return [["user:1", "social_worker"]]


def test_role_assignments_need_user_role_and_agency() -> None:
    with pytest.raises(ValueError, match="role assignment 1: expected 3 fields"):
        GrantTable.from_enforcer(_Rows())


def test_the_fast_enforcer_holds_the_same_policy() -> None:
    lines = read_default_policy()
    for fast in (load_enforcer(fast=True), load_enforcer(lines, fast=True)):
        assert GrantTable.from_enforcer(fast).grants == frozenset(DEFAULT_GRANTS)


def test_remembered_grants_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(GrantTable, "memo_limit", 2)
    table = GrantTable(DEFAULT_GRANTS)
    # given more distinct principals than the table remembers
    principals = [{D.GP}, {D.SAFEGUARDING_NURSE}, {D.GP, D.SAFEGUARDING_NURSE}]
    first = [table.grants_for(roles, K.HEALTH) for roles in principals]
    # then forgetting changes no answer
    assert [table.grants_for(roles, K.HEALTH) for roles in principals] == first
    assert first[2] == first[0] | first[1]


@pytest.mark.parametrize("code", ["", "*", "E1*"])
def test_agency_domains_are_exact(code: str) -> None:
    with pytest.raises(ValueError, match="agency code"):
        domain(K.COUNCIL, code)


def test_grants_render_as_policy_lines() -> None:
    grant = Grant(D.GP, K.HEALTH, C.IDENTITY, A.READ, P.DIRECT_CARE)
    assert grant.line == "p, gp, health:*, identity, read, direct_care"
    assert validate_policy_lines([grant.line]) == [grant]
    assert DEFAULT_POLICY_PATH.name == "default_policy.csv"


# --- Differential properties: the table gives exactly Casbin's answer --------------------

codes = st.sampled_from(["E10000018", "E06000016", "E23000021", "QK1", "120200"])
assignments = st.lists(
    st.tuples(st.sampled_from(Role), st.sampled_from(AgencyKind), codes), min_size=1, max_size=4
)


@st.composite
def valid_grants(draw: st.DrawFn) -> Grant:
    """Any grant validation accepts: the space random policy changes are drawn from."""
    role = draw(st.sampled_from(Role))
    kind = draw(st.sampled_from(sorted(ROLE_AGENCY_KINDS[role])))
    category = draw(st.sampled_from(Category))
    actions = [a for a in Action if a not in (A.CREATE, A.AMEND) or kind in OWNER_KINDS[category]]
    purposes = [p for p in Purpose if p is not P.STATISTICS]
    return Grant(
        role, kind, category, draw(st.sampled_from(actions)), draw(st.sampled_from(purposes))
    )


@st.composite
def requests(draw: st.DrawFn, grants: list[Grant]) -> tuple[Category, Action, Purpose]:
    """Half the time something the policy grants to someone, so allows are exercised too."""
    granted: bool = draw(st.booleans())
    if grants and granted:
        grant = draw(st.sampled_from(grants))
        return grant.category, grant.action, grant.purpose
    return draw(
        st.tuples(st.sampled_from(Category), st.sampled_from(Action), st.sampled_from(Purpose))
    )


def assert_agrees(
    enforcers: Sequence[Any],
    table: GrantTable,
    held: list[tuple[Role, AgencyKind, str]],
    data: st.DataObject,
    grants: list[Grant],
) -> None:
    """A random principal: the table, given the roles held in the agency asked about, says
    what Casbin says (each enforcer given), given the user's role assignments."""
    user = next(_user_ids)
    for enforcer, (role, kind, code) in itertools.product(enforcers, held):
        add_role_assignment(enforcer, user, role, kind, code)
    # mostly an agency the user holds a role in; sometimes any agency at all
    agencies = st.sampled_from([(kind, code) for _, kind, code in held])
    for _ in range(3):
        kind, code = data.draw(st.one_of(agencies, st.tuples(st.sampled_from(AgencyKind), codes)))
        category, action, purpose = data.draw(requests(grants))
        roles = {role for role, k, c in held if (k, c) == (kind, code)}
        answers = {enforce(e, user, kind, code, category, action, purpose) for e in enforcers}
        assert len(answers) == 1
        expected = answers.pop()
        assert table.allows(roles, kind, category, action, purpose) is expected
        assert (table.rule_for(roles, kind, category, action, purpose) is not None) is expected
        assert ((category, action, purpose) in table.grants_for(roles, kind)) is expected


@settings(max_examples=150, deadline=None)
@given(held=assignments, data=st.data())
def test_table_equals_casbin_on_the_default_policy(
    enforcer: Any,
    fast_enforcer: Any,
    table: GrantTable,
    held: list[tuple[Role, AgencyKind, str]],
    data: st.DataObject,
) -> None:
    assert_agrees([enforcer, fast_enforcer], table, held, data, DEFAULT_GRANTS)


@settings(max_examples=50, deadline=None)
@given(
    added=st.lists(valid_grants(), max_size=25),
    removed=st.lists(st.sampled_from(DEFAULT_GRANTS), max_size=25),
    held=assignments,
    data=st.data(),
)
def test_table_equals_casbin_after_policy_changes(
    added: list[Grant],
    removed: list[Grant],
    held: list[tuple[Role, AgencyKind, str]],
    data: st.DataObject,
) -> None:
    # given the default policy changed in Casbin at run time
    enforcer = load_enforcer()
    before = GrantTable.from_enforcer(enforcer)
    for grant in added:
        enforcer.add_policy(*grant.rule)
    for grant in removed:
        enforcer.remove_policy(*grant.rule)
    # when the table is rebuilt from the enforcer
    table = GrantTable.from_enforcer(enforcer)
    # then it is the changed policy, and answers as Casbin does
    expected = (frozenset(DEFAULT_GRANTS) | frozenset(added)) - frozenset(removed)
    assert table.grants == expected
    assert (table.version == before.version) is (expected == before.grants)
    assert_agrees([enforcer], table, held, data, [*added, *DEFAULT_GRANTS])


@settings(max_examples=40, deadline=None)
@given(
    extra=st.lists(valid_grants(), max_size=40),
    roles=st.sets(st.sampled_from(Role), min_size=1, max_size=4),
    kind=st.sampled_from(AgencyKind),
    data=st.data(),
)
def test_nothing_is_granted_across_agency_kinds(
    extra: list[Grant], roles: set[Role], kind: AgencyKind, data: st.DataObject
) -> None:
    # given roles held in one agency of kind A, under the default policy plus random grants
    enforcer = load_enforcer()
    for grant in extra:
        enforcer.add_policy(*grant.rule)
    policy = validate_rules(enforcer.get_policy())
    user = next(_user_ids)
    for role in roles:
        add_role_assignment(enforcer, user, role, kind, CODES[kind])
    # then everything Casbin allows there is a grant written for kind A and a held role
    for _ in range(4):
        category, action, purpose = data.draw(requests(policy))
        if enforce(enforcer, user, kind, CODES[kind], category, action, purpose):
            assert any(
                g.agency_kind is kind and g.role in roles
                for g in policy
                if (g.category, g.action, g.purpose) == (category, action, purpose)
            )
        # and in any agency of another kind, or another agency of the same kind, nothing
        other_kind = data.draw(st.sampled_from(AgencyKind))
        other_code = CODES[other_kind] + ("-other" if other_kind is kind else "")
        assert not enforce(enforcer, user, other_kind, other_code, category, action, purpose)
    # and the table keys every grant by the kind it was written for, and no other
    table = GrantTable.from_enforcer(enforcer)
    for any_kind in AgencyKind:
        written = {
            (g.category, g.action, g.purpose)
            for g in policy
            if g.agency_kind is any_kind and g.role in roles
        }
        assert table.grants_for(roles, any_kind) == written
