"""CP-IS style flags over HTTP: unscheduled care sees the flag, the council is told."""

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db import Agency, Child, Notification, User
from tests.conftest import GraphQLCall
from tests.factories.agencies import make_agency, make_user
from tests.factories.children import make_child, make_record
from vocab.agencies import AgencyKind
from vocab.categories import Category
from vocab.notifications import NotificationKind
from vocab.roles import Role

FLAGS = """
query Flags($nhs: String!) {
  cpIsFlags(nhsNumber: $nhs) { category active endedOn council { code name } }
}
"""
LOOKED_AFTER = {"legal_status": "C2", "placement_type": "Foster care", "started_on": "2025-01-01"}


async def scene(session: AsyncSession) -> tuple[Agency, User, Child]:
    council = await make_agency(session)
    hospital = await make_agency(session, AgencyKind.HEALTH)
    clinician = await make_user(session, hospital, (Role.UNSCHEDULED_CARE_CLINICIAN,))
    child = await make_child(session)
    return council, clinician, child


async def flags(graphql: GraphQLCall, user: User, nhs: str | None) -> list[dict[str, object]]:
    response = await graphql(user.subject, FLAGS, {"nhs": nhs}, purpose="direct_care")
    body = response.json()
    assert "errors" not in body, body
    found: list[dict[str, object]] = body["data"]["cpIsFlags"]
    return found


async def test_unscheduled_care_sees_the_flag_and_the_council_is_notified(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    # given a child on a CP plan, unknown to the hospital
    council, clinician, child = await scene(session)
    await make_record(session, child, council)

    # when an A&E clinician checks the child for direct care
    seen = await flags(graphql, clinician, child.nhs_number)

    # then the flag and the council to contact are shown, and nothing else
    assert seen == [
        {
            "category": "COUNCIL_CHILD_PROTECTION_PLAN",
            "active": True,
            "endedOn": None,
            "council": {"code": council.code, "name": council.name},
        }
    ]
    # and the responsible council is told of the view
    notes = (
        (await session.execute(select(Notification).where(Notification.child_id == child.id)))
        .scalars()
        .all()
    )
    assert [(n.kind, n.agency_id) for n in notes] == [(NotificationKind.CP_IS_VIEW, council.id)]
    assert notes[0].detail["categories"] == ["council.child_protection_plan"]


async def test_flag_stays_364_days_after_it_ends(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    council, clinician, child = await scene(session)
    today = date.today()  # noqa: DTZ011 civil date
    record = await make_record(
        session, child, council, Category.COUNCIL_LOOKED_AFTER, dict(LOOKED_AFTER)
    )
    record.valid_from = today - timedelta(days=800)

    record.valid_to = today - timedelta(days=364)
    await session.flush()
    within = await flags(graphql, clinician, child.nhs_number)
    record.valid_to = today - timedelta(days=365)
    await session.flush()
    beyond = await flags(graphql, clinician, child.nhs_number)

    assert [(f["category"], f["active"], f["endedOn"]) for f in within] == [
        ("COUNCIL_LOOKED_AFTER", False, (today - timedelta(days=364)).isoformat())
    ]
    assert beyond == []


async def test_no_flag_and_unknown_child_look_the_same_and_notify_nobody(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    _, clinician, child = await scene(session)

    assert await flags(graphql, clinician, child.nhs_number) == []
    assert await flags(graphql, clinician, "9434765919") == []
    assert (await session.execute(select(Notification))).all() == []


async def test_flags_need_the_direct_care_purpose_and_a_cp_is_role(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    council, clinician, child = await scene(session)
    await make_record(session, child, council)
    school = await make_agency(session, AgencyKind.SCHOOL)
    dsl = await make_user(session, school, (Role.DESIGNATED_SAFEGUARDING_LEAD,))

    wrong_purpose = await graphql(
        clinician.subject, FLAGS, {"nhs": child.nhs_number}, purpose="safeguarding.s47"
    )
    unrelated_school = await graphql(
        dsl.subject, FLAGS, {"nhs": child.nhs_number}, purpose="education.welfare"
    )

    assert wrong_purpose.json()["errors"][0]["extensions"]["code"] == "PURPOSE_REQUIRED"
    # a school reads CP plans of its own pupils in the child view, never through flags
    assert unrelated_school.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await session.execute(select(Notification))).all() == []
