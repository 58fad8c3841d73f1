"""The sharing policy over HTTP, table-driven: role x agency kind x category x relationship.

The table is built from the default policy (``policies.store.current()``), so it cannot
drift from it; the answers are read through the whole stack (GraphQL over HTTP, the
resolvers, the database). For every role, in every kind of agency it can be held in, with
one purpose it may declare: a child with one record in every category, each held by
another agency of a kind that can own that category, is looked up by a user holding that
role only,

- with a relationship between the user's agency and the child: exactly the granted
  categories come back, less the consent-based ones (no consent is recorded), which are
  listed as redactions with ``CONSENT_REQUIRED``;
- without one: the child is not found, and no record comes back.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from db import Agency, Child, User
from policies import store
from policies.grants import GrantTable
from tests.conftest import GraphQLCall
from tests.factories.agencies import make_agency, make_user
from tests.factories.children import make_child, make_record, relate
from vocab.actions import Action
from vocab.agencies import AgencyKind
from vocab.categories import OWNER_KINDS, Category
from vocab.consent import CONSENT_CATEGORIES
from vocab.purposes import Purpose
from vocab.relationships import RelationshipKind
from vocab.roles import ROLE_AGENCY_KINDS, Role

QUERY = """
query Child($nhs: String) {
  child(nhsNumber: $nhs) { hubId records { category } redactions { category field code } }
}
"""

#: The relationship an agency of each kind typically has with a child.
RELATIONSHIP: dict[AgencyKind, RelationshipKind] = {
    AgencyKind.COUNCIL: RelationshipKind.ALLOCATION,
    AgencyKind.POLICE: RelationshipKind.INCIDENT,
    AgencyKind.HEALTH: RelationshipKind.REGISTRATION,
    AgencyKind.SCHOOL: RelationshipKind.ENROLMENT,
    AgencyKind.DISTRICT: RelationshipKind.HOUSING_CASE,
}

#: The policy the table is built from: the one in force when the tests are collected.
POLICY: GrantTable = store.current()


@dataclass(frozen=True, slots=True)
class Case:
    """One role held in one kind of agency, declaring one purpose, and what policy says."""

    role: Role
    kind: AgencyKind
    purpose: Purpose
    #: Identity read is granted for the purpose: the child can be found at all.
    identity: bool
    #: Categories the view must list, with a relationship and no consent recorded.
    visible: frozenset[Category]
    #: Consent-based categories granted: withheld, each listed as CONSENT_REQUIRED.
    withheld: frozenset[Category]

    @property
    def id(self) -> str:
        return f"{self.role}@{self.kind}"


def _purpose(roles: frozenset[Role], kind: AgencyKind) -> Purpose | None:
    """The purpose a case declares: the first (by value) granting identity read, else the
    first the roles may declare at all, else None."""
    purposes = sorted(POLICY.purposes_for(roles, kind))
    for purpose in purposes:
        if POLICY.allows(roles, kind, Category.IDENTITY, Action.READ, purpose):
            return purpose
    return purposes[0] if purposes else None


def _cases() -> tuple[list[Case], list[tuple[Role, AgencyKind]]]:
    """The matrix, and the (role, kind) pairs that may declare no purpose at all."""
    cases: list[Case] = []
    purposeless: list[tuple[Role, AgencyKind]] = []
    for role in Role:
        roles = frozenset({role})
        for kind in sorted(ROLE_AGENCY_KINDS[role]):
            purpose = _purpose(roles, kind)
            if purpose is None:
                purposeless.append((role, kind))
                continue
            granted = frozenset(
                category
                for category in Category
                if POLICY.allows(roles, kind, category, Action.READ, purpose)
            )
            cases.append(
                Case(
                    role=role,
                    kind=kind,
                    purpose=purpose,
                    identity=Category.IDENTITY in granted,
                    visible=granted - CONSENT_CATEGORIES,
                    withheld=granted & CONSENT_CATEGORIES,
                )
            )
    return cases, purposeless


CASES, PURPOSELESS = _cases()


@pytest.fixture(autouse=True)
def default_policy() -> Iterator[None]:
    """The default policy is in force, whatever an earlier test installed."""
    store.reset()
    assert store.current().version == POLICY.version, "the table was built from another policy"
    yield
    store.reset()


@dataclass(frozen=True, slots=True)
class World:
    caller: User
    agency: Agency
    child: Child


async def world(session: AsyncSession, role: Role, kind: AgencyKind, *, related: bool) -> World:
    """A user holding ``role`` only, in a new agency of ``kind``; a child with one record in
    every category, each held by another agency (one per owning kind, never the caller's);
    and, if ``related``, a relationship between the caller's agency and the child."""
    agency = await make_agency(session, kind)
    caller = await make_user(session, agency, (role,))
    child = await make_child(session)
    owners: dict[AgencyKind, Agency] = {}
    for category in Category:
        owner_kind = min(OWNER_KINDS[category])
        owner = owners.get(owner_kind)
        if owner is None:
            owner = owners[owner_kind] = await make_agency(session, owner_kind)
        assert owner.id != agency.id
        await make_record(session, child, owner, category, {"matrix": category.value})
    if related:
        await relate(session, child, agency, RELATIONSHIP[kind])
    return World(caller, agency, child)


async def ask(graphql: GraphQLCall, found: World, purpose: Purpose | None) -> Mapping[str, Any]:
    response = await graphql(
        found.caller.subject,
        QUERY,
        {"nhs": found.child.nhs_number},
        purpose=None if purpose is None else purpose.value,
    )
    assert response.status_code == 200, response.text
    body: Mapping[str, Any] = response.json()
    return body


def error_code(body: Mapping[str, Any]) -> str:
    """The refusal's code; the child (and so any record) must be absent."""
    assert "errors" in body, body
    assert (body.get("data") or {}).get("child") is None, body
    code: str = body["errors"][0]["extensions"]["code"]
    return code


def names(categories: frozenset[Category]) -> list[str]:
    """Categories as the GraphQL enum spells them, sorted."""
    return sorted(category.name for category in categories)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_related_child_shows_exactly_what_policy_grants(
    session: AsyncSession, graphql: GraphQLCall, case: Case
) -> None:
    # given a child related to the caller's agency, with a record of every category held
    # by other agencies, and no consent recorded
    found = await world(session, case.role, case.kind, related=True)

    # when the caller looks the child up for the case's purpose
    body = await ask(graphql, found, case.purpose)

    if not case.identity:
        # then without identity read the child cannot be asked about at all
        assert error_code(body) == "FORBIDDEN"
        return
    # then exactly the granted categories come back, consent-based ones withheld and said so
    assert "errors" not in body, body
    child = body["data"]["child"]
    assert child["hubId"] == found.child.hub_id
    assert sorted(record["category"] for record in child["records"]) == names(case.visible)
    assert sorted(child["redactions"], key=lambda r: str(r["category"])) == [
        {"category": name, "field": None, "code": "CONSENT_REQUIRED"}
        for name in names(case.withheld)
    ]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_unrelated_child_is_never_shown(
    session: AsyncSession, graphql: GraphQLCall, case: Case
) -> None:
    # given the same child and records, and no relationship with the caller's agency
    found = await world(session, case.role, case.kind, related=False)

    # when the caller looks the child up for the case's purpose
    body = await ask(graphql, found, case.purpose)

    # then the child is not found (or the lookup is forbidden outright), and no record leaks
    assert error_code(body) == ("CHILD_NOT_FOUND" if case.identity else "FORBIDDEN")


@pytest.mark.parametrize(
    ("role", "kind"), PURPOSELESS, ids=[f"{role}@{kind}" for role, kind in PURPOSELESS]
)
@pytest.mark.parametrize("related", [True, False], ids=["related", "unrelated"])
async def test_role_without_a_purpose_sees_nothing(
    session: AsyncSession, graphql: GraphQLCall, role: Role, kind: AgencyKind, related: bool
) -> None:
    # given a role the policy grants nothing to in this kind of agency
    found = await world(session, role, kind, related=related)

    # when its holder declares a purpose (any: none is theirs), or none at all
    declared = await ask(graphql, found, min(Purpose))
    undeclared = await ask(graphql, found, None)

    # then a purpose is demanded, and nothing is shown
    assert error_code(declared) == "PURPOSE_REQUIRED"
    assert error_code(undeclared) == "PURPOSE_REQUIRED"
