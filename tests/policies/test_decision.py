"""The access floor: deny by default, own agency only, owner kinds for creation, recorded."""

import pytest

from audit.trail import AuditTrail
from policies import Principal, authorize
from policies.reasons import Reason
from vocab.actions import Action
from vocab.agencies import AgencyKind
from vocab.categories import OWNER_KINDS, Category
from vocab.roles import Role

OWN, OTHER = 10, 20


def principal(kind: AgencyKind = AgencyKind.COUNCIL) -> Principal:
    return Principal(
        user_id=1,
        subject="s",
        display_name="d",
        agency_id=OWN,
        agency_kind=kind,
        agency_code="E10000018",
        agency_name="Council",
        roles=frozenset({Role.SOCIAL_WORKER}),
    )


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("owner", [OWN, OTHER, None])
def test_no_relationship_denies_everything(action: Action, owner: int | None) -> None:
    trail = AuditTrail("r")
    decision = authorize(
        trail,
        principal(),
        action=action,
        child_id=1,
        category=Category.COUNCIL_CHILD_IN_NEED,
        owner_agency_id=owner,
        has_relationship=False,
    )
    assert not decision.allowed
    assert decision.reason is Reason.NO_RELATIONSHIP
    assert trail.decisions == [decision]


@pytest.mark.parametrize("action", [Action.READ, Action.AMEND])
def test_own_records_allowed_others_refused(action: Action) -> None:
    trail = AuditTrail("r")
    own = authorize(
        trail,
        principal(),
        action=action,
        child_id=1,
        category=Category.COUNCIL_LOOKED_AFTER,
        owner_agency_id=OWN,
        has_relationship=True,
    )
    other = authorize(
        trail,
        principal(),
        action=action,
        child_id=1,
        category=Category.COUNCIL_LOOKED_AFTER,
        owner_agency_id=OTHER,
        has_relationship=True,
    )
    assert own.allowed
    assert own.reason is Reason.OWN_AGENCY_RECORD
    assert not other.allowed
    expected = Reason.NOT_RECORD_OWNER if action is Action.AMEND else Reason.OTHER_AGENCY_RECORD
    assert other.reason is expected
    assert trail.refusals == [other]
    assert trail.children == {1}


@pytest.mark.parametrize("kind", list(AgencyKind))
@pytest.mark.parametrize("category", list(Category))
def test_create_only_by_owning_kinds(kind: AgencyKind, category: Category) -> None:
    decision = authorize(
        AuditTrail("r"),
        principal(kind),
        action=Action.CREATE,
        child_id=1,
        category=category,
        has_relationship=True,
    )
    assert decision.allowed is (kind in OWNER_KINDS[category])
    if not decision.allowed:
        assert decision.reason is Reason.CATEGORY_NOT_OWNED_BY_AGENCY_KIND


def test_create_without_category_is_refused() -> None:
    decision = authorize(
        AuditTrail("r"), principal(), action=Action.CREATE, child_id=1, has_relationship=True
    )
    assert not decision.allowed


def test_reading_the_child_needs_only_the_relationship() -> None:
    decision = authorize(
        AuditTrail("r"),
        principal(),
        action=Action.READ,
        child_id=1,
        category=Category.IDENTITY,
        has_relationship=True,
    )
    assert decision.allowed
    assert decision.reason is Reason.RELATIONSHIP


def test_every_category_has_an_owner_kind() -> None:
    assert all(OWNER_KINDS[c] for c in Category)
    assert OWNER_KINDS[Category.IDENTITY] == frozenset(AgencyKind)
    assert OWNER_KINDS[Category.EDUCATION_ATTENDANCE] == {AgencyKind.SCHOOL, AgencyKind.COUNCIL}
    assert OWNER_KINDS[Category.ENCOMPASS_NOTIFICATION] == {AgencyKind.POLICE}
