"""The first GraphQL slice over HTTP: a child by NHS number or hub id, with own records."""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import GraphQLCall
from tests.factories.agencies import make_agency, make_user
from tests.factories.children import make_child, make_record, relate
from vocab.agencies import AgencyKind
from vocab.categories import Category
from vocab.relationships import RelationshipKind
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


async def test_partners_records_are_shared_by_policy(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    # given a child known to the council (CP plan) and the police (missing episode)
    council = await make_agency(session, AgencyKind.COUNCIL)
    police = await make_agency(session, AgencyKind.POLICE)
    officer = await make_user(session, police, (Role.POLICE_PUBLIC_PROTECTION,))
    child = await make_child(session)
    await relate(session, child, council)
    await relate(session, child, police, RelationshipKind.INCIDENT)
    plan = await make_record(session, child, council)
    missing = await make_record(
        session,
        child,
        police,
        Category.POLICE_MISSING_EPISODE,
        {"reported_at": "2026-10-01T22:00:00Z"},
    )

    # when a public protection officer looks the child up for a s47 enquiry
    response = await graphql(officer.subject, CHILD_QUERY, {"nhs": child.nhs_number})

    # then the police see their own record and the council's CP plan (granted for s47)
    records = {r["id"]: r for r in response.json()["data"]["child"]["records"]}
    assert set(records) == {str(plan.id), str(missing.id)}
    assert records[str(plan.id)]["agency"] == {"code": council.code, "kind": "COUNCIL"}


async def test_categories_without_a_grant_are_left_out(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    # given a pupil with a police missing episode and a council CP plan
    school = await make_agency(session, AgencyKind.SCHOOL)
    police = await make_agency(session, AgencyKind.POLICE)
    council = await make_agency(session)
    dsl = await make_user(session, school, (Role.DESIGNATED_SAFEGUARDING_LEAD,))
    child = await make_child(session)
    await relate(session, child, school, RelationshipKind.ENROLMENT)
    plan = await make_record(session, child, council)
    await make_record(
        session,
        child,
        police,
        Category.POLICE_MISSING_EPISODE,
        {"reported_at": "2026-10-01T22:00:00Z"},
    )

    # when the school's DSL looks the pupil up for education welfare
    response = await graphql(
        dsl.subject, CHILD_QUERY, {"nhs": child.nhs_number}, purpose="education.welfare"
    )

    # then the CP plan is there, the police record is not, and nothing says it exists
    body = response.json()
    assert "errors" not in body
    assert [r["id"] for r in body["data"]["child"]["records"]] == [str(plan.id)]
    assert "POLICE" not in response.text


@pytest.mark.parametrize("purpose", [None, "marketing", "inspection", "safeguarding.mash"])
async def test_purpose_is_required_before_anything_is_looked_up(
    session: AsyncSession, graphql: GraphQLCall, purpose: str | None
) -> None:
    # given a social worker (whose roles may not declare inspection or mash purposes)
    council = await make_agency(session)
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))
    child = await make_child(session)
    await relate(session, child, council)

    known = await graphql(worker.subject, CHILD_QUERY, {"nhs": child.nhs_number}, purpose=purpose)
    unknown = await graphql(worker.subject, CHILD_QUERY, {"nhs": "9434765919"}, purpose=purpose)

    # then both answers are the same refusal: nothing about who is known leaks
    for answer in (known.json(), unknown.json()):
        assert answer["data"] == {"child": None}
        assert answer["errors"][0]["extensions"]["code"] == "PURPOSE_REQUIRED"
    assert known.json() == unknown.json()


async def test_child_without_relationship_looks_unknown(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    # given a child the school has no relationship with
    school = await make_agency(session, AgencyKind.SCHOOL)
    dsl = await make_user(session, school, (Role.DESIGNATED_SAFEGUARDING_LEAD,))
    child = await make_child(session)
    await make_record(session, child, await make_agency(session))
    welfare = "education.welfare"

    response = await graphql(dsl.subject, CHILD_QUERY, {"nhs": child.nhs_number}, purpose=welfare)
    unknown = await graphql(dsl.subject, CHILD_QUERY, {"nhs": "9434765919"}, purpose=welfare)

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

    # records and redactions resolve concurrently; each decision must still be made once
    both = "query($nhs: String) { child(nhsNumber: $nhs) { records { id } redactions { code } } }"
    await graphql(worker.subject, both, {"nhs": child.nhs_number})

    (trail,) = trails
    assert [(d.category, d.allowed) for d in trail.decisions] == [
        (Category.IDENTITY, True),
        (Category.COUNCIL_CHILD_PROTECTION_PLAN, True),
    ]
    assert trail.children == {child.id}
