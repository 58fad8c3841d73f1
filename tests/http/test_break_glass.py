"""Break-glass over HTTP: who may open it, what it reaches, alerts, expiry."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db import Agency, BreakGlass, Child, Notification, User
from tests.conftest import GraphQLCall
from tests.factories.agencies import make_agency, make_user
from tests.factories.children import make_child, make_record, relate
from vocab.agencies import AgencyKind
from vocab.categories import Category
from vocab.notifications import NotificationKind
from vocab.roles import Role

OPEN = """
mutation Open($input: BreakGlassInput!) {
  breakGlass(input: $input) { id hubId purpose startedAt expiresAt }
}
"""
VIEW = "query($nhs: String) { child(nhsNumber: $nhs) { hubId records { id category } } }"
WHY = "Child brought to the out-of-hours team by police; no allocation recorded yet."


async def scene(session: AsyncSession) -> tuple[Agency, Agency, User, Child]:
    """A social worker with no relationship to a child the police hold a record about."""
    council = await make_agency(session)
    police = await make_agency(session, AgencyKind.POLICE)
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))
    child = await make_child(session)
    await make_record(
        session,
        child,
        police,
        Category.POLICE_MISSING_EPISODE,
        {"reported_at": "2026-11-20T01:00:00Z"},
    )
    return council, police, worker, child


def open_input(someone: Child, **changes: object) -> dict[str, object]:
    return {"input": {"child": {"nhsNumber": someone.nhs_number}, "justification": WHY, **changes}}


async def test_break_glass_opens_access_alerts_and_awaits_review(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    council, police, worker, child = await scene(session)

    # when the social worker breaks glass for a s47 enquiry
    opened = await graphql(worker.subject, OPEN, open_input(child))
    view = await graphql(worker.subject, VIEW, {"nhs": child.nhs_number})

    # then access is open for four hours, for that purpose only
    body = opened.json()
    assert "errors" not in body, body
    access = body["data"]["breakGlass"]
    assert access["hubId"] == child.hub_id
    assert access["purpose"] == "SAFEGUARDING_S47"
    started = datetime.fromisoformat(access["startedAt"])
    assert datetime.fromisoformat(access["expiresAt"]) - started == timedelta(hours=4)
    assert [r["category"] for r in view.json()["data"]["child"]["records"]] == [
        "POLICE_MISSING_EPISODE"
    ]
    # and the police (who own records) and the council's DPO are told, without contents
    notes = (
        (await session.execute(select(Notification).where(Notification.child_id == child.id)))
        .scalars()
        .all()
    )
    assert {(n.kind, n.agency_id) for n in notes} == {
        (NotificationKind.BREAK_GLASS_OWNER, police.id),
        (NotificationKind.BREAK_GLASS_DPO, council.id),
    }
    assert all(child.given_name not in str(n.detail) for n in notes)
    # and the session awaits review
    glass = (
        await session.execute(select(BreakGlass).where(BreakGlass.child_id == child.id))
    ).scalar_one()
    assert glass.reviewed_at is None
    assert glass.justification == WHY


async def test_break_glass_is_for_the_declared_purpose_only(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    _, _, worker, child = await scene(session)
    await graphql(worker.subject, OPEN, open_input(child))

    other = await graphql(worker.subject, VIEW, {"nhs": child.nhs_number}, purpose="early_help")

    assert other.json()["errors"][0]["extensions"]["code"] == "CHILD_NOT_FOUND"


async def test_break_glass_expires(session: AsyncSession, graphql: GraphQLCall) -> None:
    _, _, worker, child = await scene(session)
    await graphql(worker.subject, OPEN, open_input(child, hours=1))
    glass = (
        await session.execute(select(BreakGlass).where(BreakGlass.child_id == child.id))
    ).scalar_one()

    # when its time is up
    glass.started_at = datetime.now(UTC) - timedelta(hours=1, seconds=1)
    glass.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    await session.flush()
    after = await graphql(worker.subject, VIEW, {"nhs": child.nhs_number})

    assert after.json()["errors"][0]["extensions"]["code"] == "CHILD_NOT_FOUND"


async def test_roles_without_the_grant_cannot_break_glass(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    _, _, _, child = await scene(session)
    school = await make_agency(session, AgencyKind.SCHOOL)
    dsl = await make_user(session, school, (Role.DESIGNATED_SAFEGUARDING_LEAD,))

    refused = await graphql(dsl.subject, OPEN, open_input(child), purpose="education.welfare")

    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    count = (await session.execute(select(BreakGlass).where(BreakGlass.child_id == child.id))).all()
    assert count == []


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"justification": "because"}, "JUSTIFICATION_REQUIRED"),
        ({"hours": 9}, "INVALID_INPUT"),
        ({"child": {"nhsNumber": "9434765918"}}, "INVALID_NHS_NUMBER"),
    ],
)
async def test_bad_break_glass_requests_write_nothing(
    session: AsyncSession, graphql: GraphQLCall, changes: dict[str, object], code: str
) -> None:
    _, _, worker, child = await scene(session)

    refused = await graphql(worker.subject, OPEN, open_input(child, **changes))

    assert refused.json()["errors"][0]["extensions"]["code"] == code
    assert (await session.execute(select(BreakGlass))).all() == []
    assert (await session.execute(select(Notification))).all() == []


async def test_break_glass_is_refused_when_a_relationship_exists(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    council, _, worker, child = await scene(session)
    await relate(session, child, council)

    refused = await graphql(worker.subject, OPEN, open_input(child))

    assert refused.json()["errors"][0]["extensions"]["code"] == "BREAK_GLASS_NOT_NEEDED"
