"""Policy administration over HTTP: partnership administrators grant and revoke, each change
a new version with who, when and why, in force for the next request; everyone else is
refused, and a refused or invalid change writes nothing and changes nothing in force.

The app's commits are savepoint releases here, and the session's ``after_commit`` event,
which installs the new table, fires on them as on a real commit: these tests exercise the
same path as a server (the cross-process reload is ``test_policy_reload.py``)."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db import PolicyVersion, User
from policies import store
from policies.grants import policy_version, read_default_policy
from tests.conftest import GraphQLCall
from tests.factories.agencies import make_agency, make_user
from tests.factories.children import make_child, make_record, relate
from vocab.agencies import AgencyKind
from vocab.categories import Category
from vocab.relationships import RelationshipKind
from vocab.roles import Role

POLICY = """
query Policy($role: Role) {
  policy {
    version createdAt createdBy note
    grants(role: $role) { role agencyKind category action purpose ruleId }
  }
}
"""
STATE = "version createdAt createdBy note grants(role: DESIGNATED_SAFEGUARDING_LEAD) { ruleId }"
GRANT = f"mutation Grant($input: PolicyChangeInput!) {{ grantPolicy(input: $input) {{ {STATE} }} }}"
REVOKE = (
    f"mutation Revoke($input: PolicyChangeInput!) {{ revokePolicy(input: $input) {{ {STATE} }} }}"
)
CHILD = "query Child($nhs: String!) { child(nhsNumber: $nhs) { records { category } } }"
CREATE = """
mutation Create($input: CreateRecordInput!) { createRecord(input: $input) { category } }
"""

WELFARE = "education.welfare"
DEFAULT_VERSION = policy_version(read_default_policy())
#: The DSL reading police missing episodes for education welfare: not granted by default.
MISSING_EPISODES = {
    "role": "DESIGNATED_SAFEGUARDING_LEAD",
    "agencyKind": "SCHOOL",
    "category": "POLICE_MISSING_EPISODE",
    "action": "READ",
    "purpose": "EDUCATION_WELFARE",
}
MISSING_RULE = (
    "grant:designated_safeguarding_lead:school:police.missing_episode:read:education.welfare"
)
MISSING_LINE = (
    "p, designated_safeguarding_lead, school:*, police.missing_episode, read, education.welfare"
)
NOTE = "Schools' DSLs need missing episodes for welfare checks (board minute 12)."


def change(grant: dict[str, str] = MISSING_EPISODES, **extra: Any) -> dict[str, Any]:
    return {"input": {**grant, "note": NOTE, **extra}}


@pytest.fixture(autouse=True)
def default_policy() -> Iterator[None]:
    """Every test starts, and leaves the process, with the default policy in force."""
    store.reset()
    yield
    store.reset()


@dataclass
class Area:
    admin: User
    dpo: User
    dsl: User
    nhs_number: str


@pytest.fixture
async def area(session: AsyncSession) -> Area:
    # a partnership administrator and a DPO at the council, a school's DSL, and a pupil
    # on the school's roll with a police missing episode
    council = await make_agency(session, AgencyKind.COUNCIL)
    school = await make_agency(session, AgencyKind.SCHOOL)
    police = await make_agency(session, AgencyKind.POLICE)
    admin = await make_user(session, council, (Role.PARTNERSHIP_ADMIN,))
    dpo = await make_user(session, council, (Role.DPO,))
    dsl = await make_user(session, school, (Role.DESIGNATED_SAFEGUARDING_LEAD,))
    child = await make_child(session)
    await relate(session, child, school, RelationshipKind.ENROLMENT)
    await make_record(
        session,
        child,
        police,
        Category.POLICE_MISSING_EPISODE,
        {"reported_at": "2026-01-05T21:00:00+00:00"},
    )
    assert child.nhs_number is not None
    return Area(admin, dpo, dsl, child.nhs_number)


async def versions(session: AsyncSession) -> list[PolicyVersion]:
    rows = await session.execute(select(PolicyVersion).order_by(PolicyVersion.id))
    return list(rows.scalars())


async def version_count(session: AsyncSession) -> int:
    count = select(func.count()).select_from(PolicyVersion)
    return (await session.execute(count)).scalar_one()


def data(response: Any) -> dict[str, Any]:
    body = response.json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]
    return result


def error_code(response: Any) -> str:
    body = response.json()
    assert body["data"] is None, body
    code: str = body["errors"][0]["extensions"]["code"]
    return code


async def dsl_categories(graphql: GraphQLCall, area: Area) -> list[str]:
    response = await graphql(area.dsl.subject, CHILD, {"nhs": area.nhs_number}, purpose=WELFARE)
    return [record["category"] for record in data(response)["child"]["records"]]


# --- Reading -----------------------------------------------------------------------------


async def test_admin_reads_the_default_policy_when_no_version_was_written(
    graphql: GraphQLCall, area: Area
) -> None:
    response = await graphql(area.admin.subject, POLICY, purpose=None)

    policy = data(response)["policy"]
    assert policy["version"] == DEFAULT_VERSION
    assert (policy["createdAt"], policy["createdBy"], policy["note"]) == (None, None, None)
    assert len(policy["grants"]) == len(store.default_table())
    assert {
        "role": "MASH_PRACTITIONER",
        "agencyKind": "COUNCIL",
        "category": "IDENTITY",
        "action": "READ",
        "purpose": "SAFEGUARDING_MASH",
        "ruleId": "grant:mash_practitioner:council:identity:read:safeguarding.mash",
    } in policy["grants"]


async def test_dpo_reads_the_policy_filtered_by_role(graphql: GraphQLCall, area: Area) -> None:
    response = await graphql(
        area.dpo.subject, POLICY, {"role": "DESIGNATED_SAFEGUARDING_LEAD"}, purpose=None
    )

    grants = data(response)["policy"]["grants"]
    assert grants
    assert {grant["role"] for grant in grants} == {"DESIGNATED_SAFEGUARDING_LEAD"}
    assert MISSING_RULE not in {grant["ruleId"] for grant in grants}


@pytest.mark.parametrize(
    ("who", "operation", "variables"),
    [
        ("dsl", POLICY, None),
        ("dsl", GRANT, change()),
        ("dpo", GRANT, change()),
        ("dpo", REVOKE, change()),
    ],
)
async def test_others_are_refused_and_nothing_changes(
    session: AsyncSession,
    graphql: GraphQLCall,
    area: Area,
    who: str,
    operation: str,
    variables: dict[str, Any] | None,
) -> None:
    user: User = getattr(area, who)

    response = await graphql(user.subject, operation, variables, purpose=WELFARE)

    assert error_code(response) == "FORBIDDEN"
    assert "not permitted for your roles" in response.json()["errors"][0]["message"]
    assert await version_count(session) == 0
    assert store.current().version == DEFAULT_VERSION


# --- Granting and revoking ---------------------------------------------------------------


async def test_grant_is_in_force_for_the_next_request_and_revoke_removes_it(
    session: AsyncSession, graphql: GraphQLCall, area: Area
) -> None:
    # given the DSL cannot see the police missing episode about their pupil
    assert "POLICE_MISSING_EPISODE" not in await dsl_categories(graphql, area)

    # when the administrator grants it
    granted = data(await graphql(area.admin.subject, GRANT, change(), purpose=None))

    # then the new version is returned, with who and why, and the DSL's next request sees it
    state = granted["grantPolicy"]
    assert state["createdBy"] == area.admin.display_name
    assert state["note"] == NOTE
    assert state["createdAt"] is not None
    assert {"ruleId": MISSING_RULE} in state["grants"]
    assert state["version"] == store.current().version != DEFAULT_VERSION
    assert "POLICE_MISSING_EPISODE" in await dsl_categories(graphql, area)

    # when the administrator revokes it, against the version they just wrote
    revoked = data(
        await graphql(
            area.admin.subject,
            REVOKE,
            change(
                note="Revoked: welfare checks go through the MASH.",
                expectedVersion=state["version"],
            ),
            purpose=None,
        )
    )

    # then the DSL no longer sees it, and the policy is the default's again (a new version)
    assert {"ruleId": MISSING_RULE} not in revoked["revokePolicy"]["grants"]
    assert revoked["revokePolicy"]["version"] == DEFAULT_VERSION == store.current().version
    assert "POLICE_MISSING_EPISODE" not in await dsl_categories(graphql, area)

    # and both versions are kept, with who, when and why; the newest is the one read
    kept = await versions(session)
    assert [v.digest for v in kept] == [state["version"], DEFAULT_VERSION]
    assert {v.created_by for v in kept} == {area.admin.id}
    assert all(v.created_at is not None for v in kept)
    assert [v.note for v in kept] == [NOTE, "Revoked: welfare checks go through the MASH."]
    assert [policy_version(v.lines.splitlines()) for v in kept] == [v.digest for v in kept]
    assert MISSING_LINE in kept[0].lines.splitlines()
    assert MISSING_LINE not in kept[1].lines.splitlines()
    policy = data(await graphql(area.dpo.subject, POLICY, purpose=None))["policy"]
    assert policy["version"] == DEFAULT_VERSION
    assert policy["createdBy"] == area.admin.display_name


async def test_grant_allows_what_was_forbidden(
    session: AsyncSession, graphql: GraphQLCall, area: Area
) -> None:
    # given the DSL may not create an EHCP record (the council writes EHCPs by default)
    ehcp = {
        "role": "DESIGNATED_SAFEGUARDING_LEAD",
        "agencyKind": "SCHOOL",
        "category": "EDUCATION_EHCP",
        "action": "CREATE",
        "purpose": "EDUCATION_WELFARE",
    }
    record = {
        "input": {
            "child": {"nhsNumber": area.nhs_number},
            "category": "EDUCATION_EHCP",
            "lawfulBasis": "CHILDREN_ACT_2004_S11",
            "validFrom": "2026-09-01",
            "payload": {"primary_need": "SEMH", "issued_on": "2026-08-20"},
        }
    }
    before = await graphql(area.dsl.subject, CREATE, record, purpose=WELFARE)
    assert error_code(before) == "FORBIDDEN"

    # when the administrator grants it
    data(await graphql(area.admin.subject, GRANT, change(ehcp), purpose=None))

    # then the same request succeeds
    after = await graphql(area.dsl.subject, CREATE, record, purpose=WELFARE)
    assert data(after)["createRecord"] == {"category": "EDUCATION_EHCP"}


@pytest.mark.parametrize(
    ("operation", "grant", "code", "message"),
    [
        (
            GRANT,
            {**MISSING_EPISODES, "action": "CREATE"},
            "INVALID_POLICY",
            "field 'act': school agencies cannot own police.missing_episode",
        ),
        (
            GRANT,
            {**MISSING_EPISODES, "agencyKind": "POLICE"},
            "INVALID_POLICY",
            "field 'dom': role designated_safeguarding_lead is not held in police agencies",
        ),
        (
            GRANT,
            {**MISSING_EPISODES, "purpose": "STATISTICS"},
            "INVALID_POLICY",
            "field 'purpose': statistics is aggregate only",
        ),
        (
            GRANT,
            {**MISSING_EPISODES, "category": "EDUCATION_ENROLMENT"},
            "GRANT_EXISTS",
            "already grants this",
        ),
        (REVOKE, MISSING_EPISODES, "GRANT_NOT_FOUND", "does not grant this"),
    ],
)
async def test_invalid_changes_write_nothing(
    session: AsyncSession,
    graphql: GraphQLCall,
    area: Area,
    operation: str,
    grant: dict[str, str],
    code: str,
    message: str,
) -> None:
    response = await graphql(area.admin.subject, operation, change(grant), purpose=None)

    assert error_code(response) == code
    error = response.json()["errors"][0]
    assert message in error["message"]
    assert error["extensions"]["field"] == "input"
    assert await version_count(session) == 0
    assert store.current().version == DEFAULT_VERSION


@pytest.mark.parametrize("note", ["", "    ok  ", "x" * 501])
async def test_a_note_is_required(
    session: AsyncSession, graphql: GraphQLCall, area: Area, note: str
) -> None:
    response = await graphql(area.admin.subject, GRANT, change(note=note), purpose=None)

    assert error_code(response) == "INVALID_NOTE"
    assert response.json()["errors"][0]["extensions"]["field"] == "note"
    assert await version_count(session) == 0


async def test_a_change_against_a_stale_version_is_refused(
    session: AsyncSession, graphql: GraphQLCall, area: Area
) -> None:
    # given two administrators read the default policy
    other = await make_user(session, await make_agency(session), (Role.PARTNERSHIP_ADMIN,))
    read = data(await graphql(area.admin.subject, POLICY, purpose=None))["policy"]["version"]

    # when one changes it
    first = await graphql(other.subject, GRANT, change(expectedVersion=read), purpose=None)
    written = data(first)["grantPolicy"]["version"]

    # then the other's change, made against what they read, is refused and writes nothing
    ehcp_read = {**MISSING_EPISODES, "category": "POLICE_DOMESTIC_ABUSE_INCIDENT"}
    stale = await graphql(
        area.admin.subject, GRANT, change(ehcp_read, expectedVersion=read), purpose=None
    )
    assert error_code(stale) == "VERSION_CONFLICT"
    assert stale.json()["errors"][0]["extensions"]["field"] == "expectedVersion"
    assert [v.digest for v in await versions(session)] == [written]
    assert store.current().version == written

    # and made again against the version in force, it succeeds on top of the first
    again = await graphql(
        area.admin.subject, GRANT, change(ehcp_read, expectedVersion=written), purpose=None
    )
    rule_ids = {g["ruleId"] for g in data(again)["grantPolicy"]["grants"]}
    assert MISSING_RULE in rule_ids
    assert MISSING_RULE.replace("missing_episode", "domestic_abuse_incident") in rule_ids


async def test_nothing_is_put_in_force_when_the_operation_fails(
    session: AsyncSession, graphql: GraphQLCall, area: Area
) -> None:
    # given one operation whose first change is valid and whose second is not
    both = """
    mutation Both($good: PolicyChangeInput!, $bad: PolicyChangeInput!) {
      good: grantPolicy(input: $good) { version }
      bad: revokePolicy(input: $bad) { version }
    }
    """
    bad = {**MISSING_EPISODES, "category": "POLICE_DOMESTIC_ABUSE_INCIDENT"}
    variables = {"good": change()["input"], "bad": change(bad)["input"]}

    response = await graphql(area.admin.subject, both, variables, purpose=None)

    # then the server rolls the whole operation back, and the first change is not in force
    assert response.json()["errors"][0]["extensions"]["code"] == "GRANT_NOT_FOUND"
    assert await version_count(session) == 0
    assert store.current().version == DEFAULT_VERSION
    assert "POLICE_MISSING_EPISODE" not in await dsl_categories(graphql, area)


async def test_a_stored_version_that_is_not_valid_is_reported_not_used(
    session: AsyncSession, graphql: GraphQLCall, area: Area
) -> None:
    # given the newest stored version no longer validates (say, a role since renamed)
    bad = "p, retired_role, council:*, identity, read, safeguarding.mash\n"
    session.add(PolicyVersion(digest=policy_version([bad]), lines=bad, note="imported"))
    await session.flush()

    # then reading it, or changing the policy on top of it, is refused, and nothing is written
    read = await graphql(area.dpo.subject, POLICY, purpose=None)
    changed = await graphql(area.admin.subject, GRANT, change(), purpose=None)

    for response in (read, changed):
        assert error_code(response) == "INVALID_POLICY"
        assert "field 'sub'" in response.json()["errors"][0]["message"]
    assert await version_count(session) == 1
