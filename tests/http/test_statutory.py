"""Sharing a consent-based category without consent: a statutory basis and a justification."""

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db import Agency, Child, Notification, Record, StatutorySharing, User
from tests.conftest import GraphQLCall
from tests.factories.agencies import make_agency, make_user
from tests.factories.children import make_child, make_record, relate
from vocab.agencies import AgencyKind
from vocab.categories import Category
from vocab.notifications import NotificationKind
from vocab.roles import Role

SHARE = """
mutation Share($input: StatutorySharingInput!) {
  recordStatutorySharing(input: $input) { id categories basis expiresAt }
}
"""
VIEW = """
query($nhs: String) { child(nhsNumber: $nhs) { records { id } redactions { category code } } }
"""
WHY = "Section 47 enquiry opened after disclosure at school; seeking consent would increase risk."


async def scene(session: AsyncSession) -> tuple[Agency, User, Child, Record]:
    """A social worker allocated to a child whom a health provider treats for mental health."""
    council = await make_agency(session)
    health = await make_agency(session, AgencyKind.HEALTH)
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))
    child = await make_child(session)
    await relate(session, child, council)
    record = await make_record(
        session,
        child,
        health,
        Category.HEALTH_MENTAL_HEALTH,
        {"service": "CAMHS", "open_to_service": True},
    )
    return health, worker, child, record


def share_input(someone: Child, **changes: object) -> dict[str, object]:
    base = {
        "child": {"nhsNumber": someone.nhs_number},
        "categories": ["HEALTH_MENTAL_HEALTH"],
        "basis": "CHILDREN_ACT_1989_S47",
        "justification": WHY,
    }
    return {"input": base | changes}


async def test_statutory_basis_shares_without_consent_and_tells_the_owner(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    health, worker, child, record = await scene(session)

    # given the record is withheld for want of consent
    before = (await graphql(worker.subject, VIEW, {"nhs": child.nhs_number})).json()
    # when the social worker records the s47 basis with a justification
    shared = await graphql(worker.subject, SHARE, share_input(child))
    after = (await graphql(worker.subject, VIEW, {"nhs": child.nhs_number})).json()

    # then the record is shared, and the health provider is told on what basis
    assert before["data"]["child"]["records"] == []
    assert before["data"]["child"]["redactions"] == [
        {"category": "HEALTH_MENTAL_HEALTH", "code": "CONSENT_REQUIRED"}
    ]
    assert shared.json()["data"]["recordStatutorySharing"]["basis"] == "CHILDREN_ACT_1989_S47"
    assert [r["id"] for r in after["data"]["child"]["records"]] == [str(record.id)]
    assert after["data"]["child"]["redactions"] == []
    (note,) = (await session.execute(select(Notification))).scalars().all()
    assert (note.kind, note.agency_id) == (NotificationKind.STATUTORY_SHARING, health.id)
    assert note.detail["basis"] == "statute.children_act_1989.s47"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"basis": "PUBLIC_TASK"}, "INVALID_LAWFUL_BASIS"),
        ({"basis": "CONSENT"}, "INVALID_LAWFUL_BASIS"),
        ({"justification": "needed"}, "JUSTIFICATION_REQUIRED"),
        ({"categories": ["POLICE_MISSING_EPISODE"]}, "INVALID_INPUT"),
        ({"categories": []}, "INVALID_INPUT"),
        ({"days": 91}, "INVALID_INPUT"),
    ],
)
async def test_bad_statutory_sharing_writes_nothing(
    session: AsyncSession, graphql: GraphQLCall, changes: dict[str, object], code: str
) -> None:
    _, worker, child, _ = await scene(session)

    refused = await graphql(worker.subject, SHARE, share_input(child, **changes))

    assert refused.json()["errors"][0]["extensions"]["code"] == code
    assert (await session.execute(select(StatutorySharing))).all() == []


async def test_a_role_without_the_grant_cannot_use_a_statute(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    _, _, child, _ = await scene(session)
    school = await make_agency(session, AgencyKind.SCHOOL)
    dsl = await make_user(session, school, (Role.DESIGNATED_SAFEGUARDING_LEAD,))

    refused = await graphql(
        dsl.subject,
        SHARE,
        share_input(child, basis="CHILDREN_ACT_1989_S17"),
        purpose="early_help",
    )

    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await session.execute(select(StatutorySharing))).all() == []


async def test_unrelated_caller_cannot_record_one(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    _, _, child, _ = await scene(session)
    other_council = await make_agency(session)
    stranger = await make_user(session, other_council, (Role.SOCIAL_WORKER,))

    refused = await graphql(stranger.subject, SHARE, share_input(child))

    assert refused.json()["errors"][0]["extensions"]["code"] == "CHILD_NOT_FOUND"
