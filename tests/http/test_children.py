"""The first GraphQL slice over HTTP: a child by NHS number or hub id, with own records."""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import GraphQLCall
from tests.factories.agencies import make_agency, make_user
from tests.factories.children import make_child, make_record, relate
from vocab.agencies import AgencyKind
from vocab.categories import Category
from vocab.roles import Role

CHILD_QUERY = """
query Child($nhs: String, $hub: String) {
  child(nhsNumber: $nhs, hubId: $hub) {
    hubId nhsNumber givenName familyName dateOfBirth
    records { id category lawfulBasis agency { code kind } payload version }
  }
}
"""


async def test_social_worker_sees_own_councils_record_by_nhs_number(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    # given a council social worker whose council is allocated to a child with a CP plan
    council = await make_agency(session, AgencyKind.COUNCIL)
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))
    child = await make_child(session)
    await relate(session, child, council)
    record = await make_record(session, child, council)

    # when they look the child up by NHS number (spaced, as people type it)
    assert child.nhs_number is not None
    spaced = f"{child.nhs_number[:3]} {child.nhs_number[3:6]} {child.nhs_number[6:]}"
    response = await graphql(worker.subject, CHILD_QUERY, {"nhs": spaced})

    # then the child and the council's own record come back
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body
    found = body["data"]["child"]
    assert found["hubId"] == child.hub_id
    assert found["nhsNumber"] == child.nhs_number
    assert [r["id"] for r in found["records"]] == [str(record.id)]
    assert found["records"][0]["category"] == "COUNCIL_CHILD_PROTECTION_PLAN"
    assert found["records"][0]["agency"] == {"code": council.code, "kind": "COUNCIL"}
    assert found["records"][0]["payload"] == record.payload


async def test_child_by_hub_id_when_nhs_number_unknown(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    council = await make_agency(session)
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))
    child = await make_child(session, nhs_number=None)
    await relate(session, child, council)

    response = await graphql(worker.subject, CHILD_QUERY, {"hub": child.hub_id.lower()})

    assert response.json()["data"]["child"]["hubId"] == child.hub_id
    assert response.json()["data"]["child"]["nhsNumber"] is None


async def test_other_agencies_records_are_not_visible(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    # given a child known to both the council and the police, each with a record
    council = await make_agency(session, AgencyKind.COUNCIL)
    police = await make_agency(session, AgencyKind.POLICE)
    officer = await make_user(session, police, (Role.POLICE_PUBLIC_PROTECTION,))
    child = await make_child(session)
    await relate(session, child, council)
    await relate(session, child, police)
    await make_record(session, child, council)
    incident = await make_record(
        session,
        child,
        police,
        Category.POLICE_MISSING_EPISODE,
        {"reported_at": "2026-10-01T22:00:00Z"},
    )

    # when the police officer looks the child up
    response = await graphql(officer.subject, CHILD_QUERY, {"nhs": child.nhs_number})

    # then only the police record is returned
    records = response.json()["data"]["child"]["records"]
    assert [r["id"] for r in records] == [str(incident.id)]


async def test_child_without_relationship_looks_unknown(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    # given a child the school has no relationship with
    school = await make_agency(session, AgencyKind.SCHOOL)
    dsl = await make_user(session, school, (Role.DESIGNATED_SAFEGUARDING_LEAD,))
    child = await make_child(session)
    await make_record(session, child, await make_agency(session))

    response = await graphql(dsl.subject, CHILD_QUERY, {"nhs": child.nhs_number})
    unknown = await graphql(dsl.subject, CHILD_QUERY, {"nhs": "9434765919"})

    # then the answer is the same as for an NHS number nobody holds: no confirmation
    for answer in (response.json(), unknown.json()):
        assert answer["data"] == {"child": None}
        assert answer["errors"][0]["extensions"]["code"] == "CHILD_NOT_FOUND"


async def test_ended_relationship_gives_no_access(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    from datetime import date, timedelta

    council = await make_agency(session)
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))
    child = await make_child(session)
    yesterday = date.today() - timedelta(days=1)  # noqa: DTZ011 civil date
    await relate(session, child, council, valid_from=date(2025, 1, 1), valid_to=yesterday)

    response = await graphql(worker.subject, CHILD_QUERY, {"nhs": child.nhs_number})

    assert response.json()["errors"][0]["extensions"]["code"] == "CHILD_NOT_FOUND"


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"nhs": "9434765918"}, "INVALID_NHS_NUMBER"),
        ({"nhs": "12345"}, "INVALID_NHS_NUMBER"),
        ({"hub": "HZZZZZZZZZ"}, "INVALID_HUB_ID"),
        ({}, "INVALID_INPUT"),
        ({"nhs": "9434765919", "hub": "H00000000"}, "INVALID_INPUT"),
    ],
)
async def test_bad_identifier_is_refused_without_echo(
    session: AsyncSession,
    graphql: GraphQLCall,
    variables: dict[str, object],
    code: str,
) -> None:
    council = await make_agency(session)
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))

    response = await graphql(worker.subject, CHILD_QUERY, variables)

    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == code
    for value in variables.values():
        assert str(value) not in error["message"]


async def test_lookup_follows_a_merged_hub_record_to_the_survivor(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    # given a child first known only by a hub id, later reconciled with an NHS record
    council = await make_agency(session)
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))
    survivor = await make_child(session)
    duplicate = await make_child(session, nhs_number=None)
    duplicate.merged_into_id = survivor.id
    await session.flush()
    await relate(session, survivor, council)

    # when someone looks the child up by the old hub id
    response = await graphql(worker.subject, CHILD_QUERY, {"hub": duplicate.hub_id})

    # then they reach the surviving record
    assert response.json()["data"]["child"]["hubId"] == survivor.hub_id
    assert response.json()["data"]["child"]["nhsNumber"] == survivor.nhs_number


async def test_child_query_records_a_decision_per_category(
    session: AsyncSession, graphql: GraphQLCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    import audit.trail

    trails: list[audit.trail.AuditTrail] = []
    original = audit.trail.AuditTrail.__init__

    def spy(self: audit.trail.AuditTrail, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        trails.append(self)

    monkeypatch.setattr(audit.trail.AuditTrail, "__init__", spy)
    council = await make_agency(session)
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))
    child = await make_child(session)
    await relate(session, child, council)
    await make_record(session, child, council)

    await graphql(worker.subject, CHILD_QUERY, {"nhs": child.nhs_number})

    (trail,) = trails
    assert [(d.category, d.allowed) for d in trail.decisions] == [
        (Category.IDENTITY, True),
        (Category.COUNCIL_CHILD_PROTECTION_PLAN, True),
    ]
    assert trail.children == {child.id}
