"""Sharing controls over HTTP: consent, restrictions, decisions not to share, break-glass."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from db import Agency, Child, Record, User
from tests.conftest import GraphQLCall
from tests.factories.agencies import make_agency, make_user
from tests.factories.children import make_child, make_record, relate
from tests.factories.sharing import break_glass, decide_not_to_share, give_consent
from vocab.agencies import AgencyKind
from vocab.categories import Category
from vocab.purposes import Purpose
from vocab.relationships import RelationshipKind
from vocab.restrictions import Restriction
from vocab.roles import Role

QUERY = """
query Child($nhs: String) {
  child(nhsNumber: $nhs) { hubId records { id category } redactions { category field code } }
}
"""
EARLY_HELP = {
    "plan_started_on": "2026-05-01",
    "lead_practitioner_agency": "Council early help",
    "consent_recorded": True,
}


async def ask(
    graphql: GraphQLCall, user: User, child: Child, purpose: str = "safeguarding.s47"
) -> dict[str, object]:
    response = await graphql(user.subject, QUERY, {"nhs": child.nhs_number}, purpose=purpose)
    body = response.json()
    assert "errors" not in body, body
    found: dict[str, object] = body["data"]["child"]
    return found


def ids(found: dict[str, object]) -> set[str]:
    records = found["records"]
    assert isinstance(records, list)
    return {r["id"] for r in records}


async def pupil_with_early_help(session: AsyncSession) -> tuple[Agency, User, Child, Record]:
    school = await make_agency(session, AgencyKind.SCHOOL)
    council = await make_agency(session)
    dsl = await make_user(session, school, (Role.DESIGNATED_SAFEGUARDING_LEAD,))
    child = await make_child(session)
    await relate(session, child, school, RelationshipKind.ENROLMENT)
    plan = await make_record(session, child, council, Category.COUNCIL_EARLY_HELP, dict(EARLY_HELP))
    return school, dsl, child, plan


async def test_consent_category_needs_consent_and_says_so(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    # given a pupil with a council early help plan and no consent recorded
    _, dsl, child, plan = await pupil_with_early_help(session)

    # when the school's DSL looks for early help
    found = await ask(graphql, dsl, child, "early_help")

    # then the plan is withheld, and the DSL is told consent is what is missing
    assert str(plan.id) not in ids(found)
    assert found["redactions"] == [
        {"category": "COUNCIL_EARLY_HELP", "field": None, "code": "CONSENT_REQUIRED"}
    ]


async def test_consent_in_scope_shares_and_withdrawal_stops_it_on_the_next_request(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    school, dsl, child, plan = await pupil_with_early_help(session)
    consent = await give_consent(
        session, child, dsl, [Category.COUNCIL_EARLY_HELP], [Purpose.EARLY_HELP], agencies=[school]
    )

    shared = await ask(graphql, dsl, child, "early_help")

    # when the parent withdraws consent
    consent.withdrawn_at = datetime.now(UTC)
    await session.flush()
    withdrawn = await ask(graphql, dsl, child, "early_help")

    assert str(plan.id) in ids(shared)
    assert shared["redactions"] == []
    assert str(plan.id) not in ids(withdrawn)
    assert withdrawn["redactions"] != []


@pytest.mark.parametrize(
    "scope",
    ["other_agency", "other_purpose", "expired", "not_yet"],
)
async def test_consent_out_of_scope_does_not_share(
    session: AsyncSession, graphql: GraphQLCall, scope: str
) -> None:
    _, dsl, child, plan = await pupil_with_early_help(session)
    today = date.today()  # noqa: DTZ011 civil date
    await give_consent(
        session,
        child,
        dsl,
        [Category.COUNCIL_EARLY_HELP],
        [Purpose.DIRECT_CARE if scope == "other_purpose" else Purpose.EARLY_HELP],
        agencies=[await make_agency(session)] if scope == "other_agency" else None,
        starts_on=today + timedelta(days=2) if scope == "not_yet" else today - timedelta(days=30),
        expires_on=today - timedelta(days=1) if scope == "expired" else None,
    )

    found = await ask(graphql, dsl, child, "early_help")

    assert str(plan.id) not in ids(found)


@pytest.mark.parametrize("restriction", [Restriction.SEALED, Restriction.COVERT])
async def test_restricted_records_are_silently_absent(
    session: AsyncSession, graphql: GraphQLCall, restriction: Restriction
) -> None:
    # given police intelligence about a child the council also works with
    council = await make_agency(session)
    police = await make_agency(session, AgencyKind.POLICE)
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))
    child = await make_child(session)
    await relate(session, child, council)
    hidden = await make_record(
        session,
        child,
        police,
        Category.POLICE_DOMESTIC_ABUSE_INCIDENT,
        {
            "police_reference": "LP-2026-000123",
            "occurred_at": "2026-11-01T21:30:00Z",
            "child_present": True,
            "risk_level": "medium",
        },
        restriction=restriction,
    )

    found = await ask(graphql, worker, child)

    assert str(hidden.id) not in ids(found)
    assert found["redactions"] == []


async def test_covert_interest_is_disclosed_from_its_date(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    council = await make_agency(session)
    police = await make_agency(session, AgencyKind.POLICE)
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))
    child = await make_child(session)
    await relate(session, child, council)
    released = await make_record(
        session,
        child,
        police,
        Category.POLICE_MISSING_EPISODE,
        {"reported_at": "2026-10-01T22:00:00Z"},
        restriction=Restriction.COVERT,
        disclose_from=date.today() - timedelta(days=1),  # noqa: DTZ011 civil date
    )

    found = await ask(graphql, worker, child)

    assert str(released.id) in ids(found)


async def test_decision_not_to_share_withholds_silently(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    council = await make_agency(session)
    police = await make_agency(session, AgencyKind.POLICE)
    officer = await make_user(session, police, (Role.POLICE_PUBLIC_PROTECTION,))
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))
    child = await make_child(session)
    await relate(session, child, council)
    await relate(session, child, police, RelationshipKind.INCIDENT)
    plan = await make_record(session, child, council)
    await decide_not_to_share(
        session, child, council, Category.COUNCIL_CHILD_PROTECTION_PLAN, worker
    )

    police_view = await ask(graphql, officer, child)
    council_view = await ask(graphql, worker, child)

    assert str(plan.id) not in ids(police_view)
    assert police_view["redactions"] == []
    assert str(plan.id) in ids(council_view)


async def test_break_glass_reaches_the_child_until_it_expires(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    # given a social worker with no relationship to a child the police hold records about
    council = await make_agency(session)
    police = await make_agency(session, AgencyKind.POLICE)
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))
    child = await make_child(session)
    incident = await make_record(
        session,
        child,
        police,
        Category.POLICE_MISSING_EPISODE,
        {"reported_at": "2026-11-20T01:00:00Z"},
    )

    before = await graphql(worker.subject, QUERY, {"nhs": child.nhs_number})
    glass = await break_glass(session, worker, child)
    during = await ask(graphql, worker, child)
    glass.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    await session.flush()
    after = await graphql(worker.subject, QUERY, {"nhs": child.nhs_number})

    assert before.json()["errors"][0]["extensions"]["code"] == "CHILD_NOT_FOUND"
    assert str(incident.id) in ids(during)
    assert after.json()["errors"][0]["extensions"]["code"] == "CHILD_NOT_FOUND"


async def test_allocation_to_a_named_worker_is_theirs_alone(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    council = await make_agency(session)
    allocated = await make_user(session, council, (Role.SOCIAL_WORKER,))
    colleague = await make_user(session, council, (Role.SOCIAL_WORKER,))
    child = await make_child(session)
    await relate(session, child, council, user=allocated)

    mine = await graphql(allocated.subject, QUERY, {"nhs": child.nhs_number})
    theirs = await graphql(colleague.subject, QUERY, {"nhs": child.nhs_number})

    assert mine.json()["data"]["child"]["hubId"] == child.hub_id
    assert theirs.json()["errors"][0]["extensions"]["code"] == "CHILD_NOT_FOUND"


CREATE = """
mutation Create($input: CreateRecordInput!) {
  createRecord(input: $input) { id restriction discloseFrom }
}
"""


async def test_police_mark_an_interest_covert_and_release_it(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    # given a child both the police and the council work with
    council = await make_agency(session)
    police = await make_agency(session, AgencyKind.POLICE)
    officer = await make_user(session, police, (Role.POLICE_PUBLIC_PROTECTION,))
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))
    child = await make_child(session)
    await relate(session, child, council)
    await relate(session, child, police, RelationshipKind.INCIDENT)

    # when the police record a missing episode as covert
    created = await graphql(
        officer.subject,
        CREATE,
        {
            "input": {
                "child": {"nhsNumber": child.nhs_number},
                "category": "POLICE_MISSING_EPISODE",
                "lawfulBasis": "CHILDREN_ACT_1989_S47",
                "validFrom": "2026-11-01",
                "payload": {"reported_at": "2026-11-01T23:00:00Z"},
                "restriction": "COVERT",
                "discloseFrom": "2027-06-01",
            }
        },
    )
    record = created.json()["data"]["createRecord"]
    hidden = await ask(graphql, worker, child)

    # and later bring the disclosure date forward to today
    amended = await graphql(
        officer.subject,
        "mutation($i: AmendRecordInput!) { amendRecord(input: $i) { discloseFrom } }",
        {
            "i": {
                "id": record["id"],
                "expectedVersion": 1,
                "discloseFrom": date.today().isoformat(),  # noqa: DTZ011 civil date
            }
        },
    )
    released = await ask(graphql, worker, child)

    # then the council saw nothing until the date, and the record from then on
    assert record["restriction"] == "COVERT"
    assert record["id"] not in ids(hidden)
    assert "errors" not in amended.json()
    assert record["id"] in ids(released)


async def test_only_the_police_mark_covert(session: AsyncSession, graphql: GraphQLCall) -> None:
    council = await make_agency(session)
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))
    child = await make_child(session)
    await relate(session, child, council)

    refused = await graphql(
        worker.subject,
        CREATE,
        {
            "input": {
                "child": {"nhsNumber": child.nhs_number},
                "category": "COUNCIL_CHILD_IN_NEED",
                "lawfulBasis": "CHILDREN_ACT_1989_S17",
                "validFrom": "2026-11-01",
                "payload": {"primary_need": "abuse_or_neglect"},
                "restriction": "COVERT",
            }
        },
    )

    assert refused.json()["errors"][0]["extensions"]["code"] == "INVALID_RESTRICTION"
