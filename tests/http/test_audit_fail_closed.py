"""Fail closed (DESIGN §3.2): nothing leaves the hub, and nothing it changes is kept, unless
the operation's audit event is committed; a refusal is recorded even when the request fails.

The audit store is broken for real, inside the test's transaction: a trigger that rejects
INSERT on ``audit_events`` (every event, or only those whose outcome is ``success``). The
test's rollback removes it with everything else.
"""

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from db import Agency, Child, PolicyVersion, Record, RecordVersion, User
from policies import store
from tests.conftest import GraphQLCall
from tests.factories.agencies import make_agency, make_user
from tests.factories.audit import audit_head, latest_event, latest_events
from tests.factories.children import house, make_child, make_record, relate
from vocab.agencies import AgencyKind
from vocab.categories import Category
from vocab.relationships import RelationshipKind
from vocab.roles import Role

CHILD = """
query Child($nhs: String) {
  child(nhsNumber: $nhs) {
    hubId nhsNumber givenName familyName records { payload } address { postcode }
  }
}
"""
CREATE = """
mutation Create($input: CreateRecordInput!) { createRecord(input: $input) { id payload } }
"""
AMEND = "mutation Amend($input: AmendRecordInput!) { amendRecord(input: $input) { version } }"
GRANT = "mutation Grant($input: PolicyChangeInput!) { grantPolicy(input: $input) { version } }"
POSTCODE = "LE5 0ZZ"
CP_PLAN = {"category_of_abuse": "emotional", "plan_started_on": "2026-09-01"}


async def break_audit_store(connection: AsyncConnection, *, outcome: str | None = None) -> None:
    """Make every INSERT into ``audit_events`` fail (only those with ``outcome``, if given),
    until the test's transaction is rolled back."""
    if connection.dialect.name == "postgresql":
        await connection.exec_driver_sql(
            "CREATE FUNCTION test_audit_store_broken() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'audit store broken by the test'; END $$"
        )
        when = f"WHEN (NEW.outcome = '{outcome}')" if outcome else ""
        await connection.exec_driver_sql(
            f"CREATE TRIGGER test_audit_store_broken BEFORE INSERT ON audit_events "
            f"FOR EACH ROW {when} EXECUTE FUNCTION test_audit_store_broken()"
        )
    else:
        when = f"WHEN NEW.outcome = '{outcome}'" if outcome else ""
        await connection.exec_driver_sql(
            f"CREATE TRIGGER test_audit_store_broken BEFORE INSERT ON audit_events "
            f"FOR EACH ROW {when} BEGIN SELECT RAISE(ABORT, 'audit store broken by the test'); END"
        )


def assert_withheld(response: httpx.Response, *hidden: str | None) -> None:
    """503 AUDIT_UNAVAILABLE, no data at all, and none of ``hidden`` anywhere in it."""
    assert response.status_code == 503
    body = response.json()
    assert "data" not in body
    assert [error["extensions"]["code"] for error in body["errors"]] == ["AUDIT_UNAVAILABLE"]
    assert uuid.UUID(response.headers["x-request-id"])
    for value in hidden:
        assert value
        assert value not in response.text


async def allocated(session: AsyncSession) -> tuple[Agency, User, Child]:
    """A social worker allocated to a child with the council's CP plan, at an address."""
    council = await make_agency(session)
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))
    child = await make_child(session, given_name="Robin", family_name="Failclosed")
    await relate(session, child, council)
    await make_record(session, child, council, payload=dict(CP_PLAN))
    await house(session, child, postcode=POSTCODE)
    return council, worker, child


def personal(child: Child) -> list[str | None]:
    return [child.nhs_number, child.given_name, child.family_name, child.hub_id]


async def count(session: AsyncSession, model: type[Any]) -> int:
    return (await session.execute(select(func.count()).select_from(model))).scalar_one()


# --- the store refuses every event -------------------------------------------------------


@pytest.mark.parametrize("related", [True, False], ids=["allowed", "refused"])
async def test_a_child_view_is_withheld_and_leaves_no_trace(
    session: AsyncSession,
    connection: AsyncConnection,
    graphql: GraphQLCall,
    related: bool,
) -> None:
    # given a child the caller may (or may not) see, and an audit store that takes nothing
    _, worker, child = await allocated(session)
    if not related:
        other = await make_agency(session)
        worker = await make_user(session, other, (Role.SOCIAL_WORKER,))
    head = await audit_head(session)
    await break_audit_store(connection)

    # when they view the child
    response = await graphql(worker.subject, CHILD, {"nhs": child.nhs_number})

    # then nothing about the child leaves, and the chain is as it was
    assert_withheld(response, *personal(child), POSTCODE, "emotional")
    assert await audit_head(session) == head


async def test_a_created_record_is_not_kept(
    session: AsyncSession, connection: AsyncConnection, graphql: GraphQLCall
) -> None:
    _, worker, child = await allocated(session)
    records = await count(session, Record)
    head = await audit_head(session)
    await break_audit_store(connection)
    variables = {
        "input": {
            "child": {"nhsNumber": child.nhs_number},
            "category": "COUNCIL_CHILD_IN_NEED",
            "lawfulBasis": "CHILDREN_ACT_1989_S17",
            "validFrom": "2026-11-01",
            "payload": {"primary_need": "abuse_or_neglect"},
        }
    }

    response = await graphql(worker.subject, CREATE, variables)

    assert_withheld(response, "abuse_or_neglect", *personal(child))
    assert await count(session, Record) == records
    assert await audit_head(session) == head


async def test_an_amendment_is_not_kept(
    session: AsyncSession, connection: AsyncConnection, graphql: GraphQLCall
) -> None:
    council, worker, child = await allocated(session)
    before = {"legal_status": "C2", "placement_type": "Foster care", "started_on": "2025-01-01"}
    record = await make_record(session, child, council, Category.COUNCIL_LOOKED_AFTER, dict(before))
    head = await audit_head(session)
    await break_audit_store(connection)
    changed = {**before, "placement_type": "Residential"}
    variables = {"input": {"id": str(record.id), "expectedVersion": 1, "payload": changed}}

    response = await graphql(worker.subject, AMEND, variables)

    assert_withheld(response, "Residential")
    await session.refresh(record)
    assert (record.version, record.payload) == (1, before)
    assert await count(session, RecordVersion) == 0
    assert await audit_head(session) == head


# --- the store works: a refusal is kept though the request fails -----------------------


async def test_a_refused_then_failed_mutation_keeps_its_event_not_its_changes(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    # given a child the worker is allocated to, and one they do not work with
    _, worker, child = await allocated(session)
    stranger = await make_child(session)
    records = await count(session, Record)
    create = """
    mutation Both($mine: CreateRecordInput!, $other: CreateRecordInput!) {
      mine: createRecord(input: $mine) { id }
      other: createRecord(input: $other) { id }
    }
    """

    def input_for(someone: Child) -> dict[str, Any]:
        return {
            "child": {"nhsNumber": someone.nhs_number},
            "category": "COUNCIL_CHILD_PROTECTION_PLAN",
            "lawfulBasis": "CHILDREN_ACT_1989_S47",
            "validFrom": "2026-09-01",
            "payload": CP_PLAN,
        }

    # when one operation creates a record for the first, then is refused for the second
    response = await graphql(
        worker.subject, create, {"mine": input_for(child), "other": input_for(stranger)}
    )

    # then the caller is told the child is not found, and the first record is not kept
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "CHILD_NOT_FOUND"
    assert await count(session, Record) == records
    # and the event records both decisions, the refusal with its real reason
    event = await latest_event(session)
    assert event.body["request_id"] == response.headers["x-request-id"]
    assert (event.body["outcome"], event.body["errors"]) == ("failure", ["CHILD_NOT_FOUND"])
    assert [
        (c["child"], c["access"], bool(c["granted"]), c["refused"]) for c in event.body["children"]
    ] == [
        (child.id, "allocation", True, []),
        (
            stranger.id,
            "none",
            False,
            [["create", "council.child_protection_plan", "no_relationship"]],
        ),
    ]
    assert event.row.refused


# --- only the operation's own append fails ---------------------------------------------


async def test_when_the_first_append_fails_the_failure_and_its_refusals_are_recorded(
    session: AsyncSession, connection: AsyncConnection, graphql: GraphQLCall
) -> None:
    # given a pupil with a council early help plan (no consent) and a police missing episode
    school = await make_agency(session, AgencyKind.SCHOOL)
    council = await make_agency(session)
    police = await make_agency(session, AgencyKind.POLICE)
    dsl = await make_user(session, school, (Role.DESIGNATED_SAFEGUARDING_LEAD,))
    child = await make_child(session)
    await relate(session, child, school, RelationshipKind.ENROLMENT)
    await make_record(
        session,
        child,
        council,
        Category.COUNCIL_EARLY_HELP,
        {
            "plan_started_on": "2026-05-01",
            "lead_practitioner_agency": "Hidden",
            "consent_recorded": True,
        },
    )
    await make_record(
        session,
        child,
        police,
        Category.POLICE_MISSING_EPISODE,
        {"reported_at": "2026-10-01T22:00:00Z"},
    )
    seq, _ = await audit_head(session)
    # and an audit store that refuses only events of successful operations
    await break_audit_store(connection, outcome="success")

    # when the school's DSL views the pupil (a success, with refusals along the way)
    response = await graphql(dsl.subject, CHILD, {"nhs": child.nhs_number}, purpose="early_help")

    # then the caller gets nothing
    assert_withheld(response, *personal(child))
    # and one event is recorded: a failure, AUDIT_UNAVAILABLE, with the refusals it met
    (event,) = await latest_events(session, 1)
    assert await audit_head(session) == (seq + 1, event.row.hash)
    body = event.body
    assert body["request_id"] == response.headers["x-request-id"]
    assert (body["outcome"], body["errors"]) == ("failure", ["AUDIT_UNAVAILABLE"])
    assert event.row.outcome == "failure"
    assert event.row.refused
    (touched,) = body["children"]
    assert (touched["child"], touched["access"]) == (child.id, "enrolment")
    assert touched["refused"] == [
        ["read", "council.early_help", "consent_required"],
        ["read", "police.missing_episode", "no_grant"],
    ]
    assert [child_id for child_id, _, _ in event.accesses] == [child.id]
    # nothing left the hub, so the child's access row says nothing was disclosed
    assert [disclosed for _, _, disclosed in event.accesses] == [False]


@pytest.fixture
def default_policy() -> Iterator[None]:
    """The default policy in force before and after the test."""
    store.reset()
    yield
    store.reset()


@pytest.mark.usefixtures("default_policy")
async def test_a_policy_change_whose_event_fails_is_never_in_force(
    session: AsyncSession, connection: AsyncConnection, graphql: GraphQLCall
) -> None:
    # given a partnership administrator, and a store that refuses events of successes
    council = await make_agency(session)
    admin = await make_user(session, council, (Role.PARTNERSHIP_ADMIN,))
    version = store.current().version
    await break_audit_store(connection, outcome="success")
    change = {
        "role": "DESIGNATED_SAFEGUARDING_LEAD",
        "agencyKind": "SCHOOL",
        "category": "POLICE_MISSING_EPISODE",
        "action": "READ",
        "purpose": "EDUCATION_WELFARE",
        "note": "Schools' DSLs need missing episodes for welfare checks (minute 12).",
    }

    # when they grant (the failure event is then committed on the same session)
    response = await graphql(admin.subject, GRANT, {"input": change}, purpose=None)

    # then the change is neither kept nor in force, and its failure is recorded
    assert_withheld(response)
    assert await count(session, PolicyVersion) == 0
    assert store.current().version == version
    event = await latest_event(session)
    assert event.body["request_id"] == response.headers["x-request-id"]
    assert (event.body["outcome"], event.body["errors"]) == ("failure", ["AUDIT_UNAVAILABLE"])
