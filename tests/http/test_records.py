"""Creating and amending records over HTTP: own agency only, validated, versions kept."""

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db import Record, RecordVersion
from tests.conftest import GraphQLCall
from tests.factories.agencies import make_agency, make_user
from tests.factories.children import make_child, make_record, relate
from vocab.agencies import AgencyKind
from vocab.roles import Role

CREATE = """
mutation Create($input: CreateRecordInput!) {
  createRecord(input: $input) {
    id category lawfulBasis validFrom validTo payload version agency { code }
  }
}
"""

AMEND = """
mutation Amend($input: AmendRecordInput!) {
  amendRecord(input: $input) { id version payload validTo lawfulBasis }
}
"""

CP_PLAN = {"category_of_abuse": "emotional", "plan_started_on": "2026-09-01"}


def create_input(nhs_number: str | None, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "child": {"nhsNumber": nhs_number},
        "category": "COUNCIL_CHILD_PROTECTION_PLAN",
        "lawfulBasis": "CHILDREN_ACT_1989_S47",
        "validFrom": "2026-09-01",
        "payload": CP_PLAN,
    }
    return {"input": base | overrides}


async def count_records(session: AsyncSession) -> int:
    return (await session.execute(select(func.count()).select_from(Record))).scalar_one()


async def test_council_creates_cp_plan_record(session: AsyncSession, graphql: GraphQLCall) -> None:
    council = await make_agency(session)
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))
    child = await make_child(session)
    await relate(session, child, council)

    response = await graphql(worker.subject, CREATE, create_input(child.nhs_number))

    body = response.json()
    assert "errors" not in body, body
    created = body["data"]["createRecord"]
    assert created["category"] == "COUNCIL_CHILD_PROTECTION_PLAN"
    assert created["payload"] == CP_PLAN
    assert created["version"] == 1
    assert created["agency"] == {"code": council.code}
    stored = await session.get(Record, uuid.UUID(created["id"]))
    assert stored is not None
    assert stored.created_by == worker.id
    assert stored.agency_id == council.id


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"payload": {"category_of_abuse": "not-a-category"}}, "INVALID_PAYLOAD"),
        ({"payload": {**CP_PLAN, "unexpected": 1}}, "INVALID_PAYLOAD"),
        ({"validTo": "2026-08-01"}, "INVALID_PERIOD"),
        ({"category": "POLICE_DOMESTIC_ABUSE_INCIDENT"}, "FORBIDDEN"),
        ({"child": {"nhsNumber": "9434765918"}}, "INVALID_NHS_NUMBER"),
    ],
)
async def test_bad_create_writes_nothing(
    session: AsyncSession, graphql: GraphQLCall, overrides: dict[str, Any], code: str
) -> None:
    council = await make_agency(session)
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))
    child = await make_child(session)
    await relate(session, child, council)
    before = await count_records(session)

    response = await graphql(worker.subject, CREATE, create_input(child.nhs_number, **overrides))

    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == code
    assert await count_records(session) == before


async def test_invalid_payload_names_fields_not_values(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    council = await make_agency(session)
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))
    child = await make_child(session)
    await relate(session, child, council)
    secret = "Jordan Samplename"

    response = await graphql(
        worker.subject,
        CREATE,
        create_input(child.nhs_number, payload={"category_of_abuse": secret}),
    )

    error = response.json()["errors"][0]
    assert "payload.category_of_abuse" in error["message"]
    assert "payload.plan_started_on" in error["message"]
    assert secret not in response.text


async def test_cannot_create_for_child_without_relationship(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    council = await make_agency(session)
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))
    child = await make_child(session)

    response = await graphql(worker.subject, CREATE, create_input(child.nhs_number))

    assert response.json()["errors"][0]["extensions"]["code"] == "CHILD_NOT_FOUND"
    assert await count_records(session) == 0


async def test_amend_keeps_previous_version(session: AsyncSession, graphql: GraphQLCall) -> None:
    council = await make_agency(session)
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))
    child = await make_child(session)
    await relate(session, child, council)
    record = await make_record(session, child, council)
    original = dict(record.payload)
    ended = {**original, "plan_ended_on": "2026-11-01"}

    response = await graphql(
        worker.subject,
        AMEND,
        {"input": {"id": str(record.id), "expectedVersion": 1, "payload": ended}},
    )

    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["amendRecord"]["version"] == 2
    assert body["data"]["amendRecord"]["payload"] == ended
    kept = (
        await session.execute(select(RecordVersion).where(RecordVersion.record_id == record.id))
    ).scalar_one()
    assert kept.version == 1
    assert kept.payload == original


async def test_amend_with_stale_version_conflicts(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    council = await make_agency(session)
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))
    child = await make_child(session)
    await relate(session, child, council)
    record = await make_record(session, child, council)
    first = {"input": {"id": str(record.id), "expectedVersion": 1, "validTo": "2026-12-31"}}

    await graphql(worker.subject, AMEND, first)
    stale = await graphql(worker.subject, AMEND, first)

    assert stale.json()["errors"][0]["extensions"]["code"] == "VERSION_CONFLICT"


async def test_only_owner_may_amend(session: AsyncSession, graphql: GraphQLCall) -> None:
    # given a council record about a child the police also work with
    council = await make_agency(session)
    police = await make_agency(session, AgencyKind.POLICE)
    officer = await make_user(session, police, (Role.POLICE_PUBLIC_PROTECTION,))
    child = await make_child(session)
    await relate(session, child, council)
    await relate(session, child, police)
    record = await make_record(session, child, council)

    # when the police try to amend it
    response = await graphql(
        officer.subject,
        AMEND,
        {"input": {"id": str(record.id), "expectedVersion": 1, "validTo": "2026-12-31"}},
    )

    # then it is refused and unchanged
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    await session.refresh(record)
    assert record.version == 1
    assert record.valid_to is None


async def test_amend_unknown_record(session: AsyncSession, graphql: GraphQLCall) -> None:
    council = await make_agency(session)
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))

    response = await graphql(
        worker.subject,
        AMEND,
        {"input": {"id": "00000000-0000-4000-8000-000000000000", "expectedVersion": 1}},
    )

    assert response.json()["errors"][0]["extensions"]["code"] == "RECORD_NOT_FOUND"
