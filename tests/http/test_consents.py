"""Recording and withdrawing consent, and decisions not to share, over HTTP: what each
changes in what partners see on the very next request."""

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

import audit.trail
from db import Agency, Child, Consent, Record, SharingDecision, User
from tests.conftest import GraphQLCall
from tests.factories.agencies import make_agency, make_user
from tests.factories.children import make_child, make_record, relate
from tests.factories.sharing import break_glass
from vocab.agencies import AgencyKind
from vocab.categories import Category
from vocab.relationships import RelationshipKind
from vocab.roles import Role

RECORD_CONSENT = """
mutation Record($input: RecordConsentInput!) {
  recordConsent(input: $input) {
    id givenBy categories purposes agencies startsOn expiresOn withdrawnAt recordedAt
  }
}
"""
WITHDRAW_CONSENT = """
mutation Withdraw($input: WithdrawConsentInput!) {
  withdrawConsent(input: $input) { id withdrawnAt }
}
"""
NOT_TO_SHARE = """
mutation NotToShare($input: RecordDecisionNotToShareInput!) {
  recordDecisionNotToShare(input: $input) { id category reason justification decidedAt }
}
"""
CHILD = """
query Child($nhs: String) {
  child(nhsNumber: $nhs) { hubId records { id category } redactions { category field code } }
}
"""
EARLY_HELP = {
    "plan_started_on": "2026-05-01",
    "lead_practitioner_agency": "Council early help",
    "consent_recorded": True,
}
JUSTIFICATION = "Sharing the plan with police now would increase the risk to the child."
YESTERDAY = date.today() - timedelta(days=1)  # noqa: DTZ011 civil date


class EarlyHelp:
    """A pupil with a council early help plan: the school's DSL, the council's early help
    worker (allocated), and the plan."""

    def __init__(
        self, school: Agency, council: Agency, dsl: User, worker: User, child: Child, plan: Record
    ) -> None:
        self.school, self.council, self.dsl, self.worker = school, council, dsl, worker
        self.child, self.plan = child, plan


async def early_help(session: AsyncSession) -> EarlyHelp:
    school = await make_agency(session, AgencyKind.SCHOOL)
    council = await make_agency(session)
    dsl = await make_user(session, school, (Role.DESIGNATED_SAFEGUARDING_LEAD,))
    worker = await make_user(session, council, (Role.EARLY_HELP_WORKER,))
    child = await make_child(session)
    await relate(session, child, school, RelationshipKind.ENROLMENT)
    await relate(session, child, council)
    plan = await make_record(session, child, council, Category.COUNCIL_EARLY_HELP, dict(EARLY_HELP))
    return EarlyHelp(school, council, dsl, worker, child, plan)


def consent_input(child: Child, /, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "child": {"nhsNumber": child.nhs_number},
        "givenBy": "PARENT_WITH_PARENTAL_RESPONSIBILITY",
        "categories": ["COUNCIL_EARLY_HELP"],
        "purposes": ["EARLY_HELP"],
        "startsOn": YESTERDAY.isoformat(),
    }
    return {"input": base | overrides}


def not_to_share_input(child: Child, /, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "child": {"nhsNumber": child.nhs_number},
        "category": "COUNCIL_CHILD_PROTECTION_PLAN",
        "reason": "MORE_DETRIMENTAL_TO_CHILD",
        "justification": JUSTIFICATION,
    }
    return {"input": base | overrides}


async def count(session: AsyncSession, model: type[Consent] | type[SharingDecision]) -> int:
    return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def view(
    graphql: GraphQLCall, user: User, child: Child, purpose: str = "early_help"
) -> dict[str, Any]:
    response = await graphql(user.subject, CHILD, {"nhs": child.nhs_number}, purpose=purpose)
    body = response.json()
    assert "errors" not in body, body
    found: dict[str, Any] = body["data"]["child"]
    return found


def record_ids(found: dict[str, Any]) -> set[str]:
    return {record["id"] for record in found["records"]}


def error_of(body: dict[str, Any]) -> dict[str, Any]:
    assert body["data"] is None, body
    (error,) = body["errors"]
    found: dict[str, Any] = error
    return found


CONSENT_REQUIRED = [{"category": "COUNCIL_EARLY_HELP", "field": None, "code": "CONSENT_REQUIRED"}]


@pytest.mark.parametrize("scoped", [True, False], ids=["to_the_school", "to_every_agency"])
async def test_recorded_consent_shares_and_withdrawal_hides_on_the_next_request(
    session: AsyncSession, graphql: GraphQLCall, scoped: bool
) -> None:
    # given a pupil's council early help plan, withheld from the school for want of consent
    eh = await early_help(session)
    before = await view(graphql, eh.dsl, eh.child)
    agencies = {"agencies": [eh.school.code]} if scoped else {}

    # when the council's early help worker records the parent's consent
    recorded = await graphql(
        eh.worker.subject,
        RECORD_CONSENT,
        consent_input(eh.child, **agencies),
        purpose="early_help",
    )

    # then it comes back as recorded, and the school's DSL now sees the plan
    body = recorded.json()
    assert "errors" not in body, body
    consent = body["data"]["recordConsent"]
    assert consent["givenBy"] == "PARENT_WITH_PARENTAL_RESPONSIBILITY"
    assert consent["categories"] == ["COUNCIL_EARLY_HELP"]
    assert consent["purposes"] == ["EARLY_HELP"]
    assert consent["agencies"] == ([eh.school.code] if scoped else None)
    assert consent["startsOn"] == YESTERDAY.isoformat()
    assert consent["expiresOn"] is None
    assert consent["withdrawnAt"] is None
    assert eh.child.nhs_number is not None
    assert eh.child.nhs_number not in recorded.text  # nothing about the child comes back
    stored = await session.get(Consent, uuid.UUID(consent["id"]))
    assert stored is not None
    assert stored.recorded_by == eh.worker.id
    assert stored.child_id == eh.child.id
    shared = await view(graphql, eh.dsl, eh.child)

    # when the parent withdraws it, through the mutation
    withdrawn = await graphql(
        eh.worker.subject, WITHDRAW_CONSENT, {"input": {"id": consent["id"]}}, purpose="early_help"
    )

    # then the very next request hides the plan again and says consent is what is missing
    assert "errors" not in withdrawn.json(), withdrawn.json()
    after = await view(graphql, eh.dsl, eh.child)
    assert str(eh.plan.id) not in record_ids(before)
    assert before["redactions"] == CONSENT_REQUIRED
    assert str(eh.plan.id) in record_ids(shared)
    assert shared["redactions"] == []
    assert str(eh.plan.id) not in record_ids(after)
    assert after["redactions"] == CONSENT_REQUIRED
    # and the consent is kept, marked withdrawn
    await session.refresh(stored)
    assert stored.withdrawn_at is not None
    assert withdrawn.json()["data"]["withdrawConsent"]["withdrawnAt"] is not None


async def test_consent_scoped_to_another_agency_does_not_help(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    # given consent recorded for the early help plan, extending to another school only
    eh = await early_help(session)
    other = await make_agency(session, AgencyKind.SCHOOL)
    recorded = await graphql(
        eh.worker.subject,
        RECORD_CONSENT,
        consent_input(eh.child, agencies=[other.code]),
        purpose="early_help",
    )
    assert "errors" not in recorded.json(), recorded.json()

    # when the pupil's own school looks
    found = await view(graphql, eh.dsl, eh.child)

    # then the plan stays withheld
    assert str(eh.plan.id) not in record_ids(found)
    assert found["redactions"] == CONSENT_REQUIRED


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"categories": []}, "INVALID_INPUT", "categories"),
        (
            {"categories": ["COUNCIL_EARLY_HELP", "COUNCIL_EARLY_HELP"]},
            "INVALID_INPUT",
            "categories",
        ),
        ({"purposes": []}, "INVALID_INPUT", "purposes"),
        ({"expiresOn": (YESTERDAY - timedelta(days=1)).isoformat()}, "INVALID_PERIOD", "expiresOn"),
        ({"agencies": ["E10999998"]}, "INVALID_INPUT", "agencies"),
        ({"agencies": []}, "INVALID_INPUT", "agencies"),
        ({"child": {"nhsNumber": "9434765918"}}, "INVALID_NHS_NUMBER", "nhsNumber"),
    ],
)
async def test_invalid_consent_writes_nothing_and_echoes_nothing(
    session: AsyncSession,
    graphql: GraphQLCall,
    overrides: dict[str, Any],
    code: str,
    field: str,
) -> None:
    eh = await early_help(session)
    before = await count(session, Consent)

    response = await graphql(
        eh.worker.subject,
        RECORD_CONSENT,
        consent_input(eh.child, **overrides),
        purpose="early_help",
    )

    error = error_of(response.json())
    assert error["extensions"] == {"code": code, "field": field}
    for value in ("E10999998", "9434765918", eh.child.nhs_number):
        assert value not in error["message"]
    assert await count(session, Consent) == before


async def test_consent_for_a_child_you_do_not_work_with_looks_unknown(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    # given a school DSL with no relationship to a child
    eh = await early_help(session)
    stranger_school = await make_agency(session, AgencyKind.SCHOOL)
    stranger = await make_user(session, stranger_school, (Role.DESIGNATED_SAFEGUARDING_LEAD,))
    before = await count(session, Consent)

    # when they try to record consent for the child, and for an NHS number nobody holds
    known = await graphql(
        stranger.subject, RECORD_CONSENT, consent_input(eh.child), purpose="early_help"
    )
    unknown = await graphql(
        stranger.subject,
        RECORD_CONSENT,
        consent_input(eh.child, child={"nhsNumber": "9434765919"}),
        purpose="early_help",
    )

    # then both get the same CHILD_NOT_FOUND, and nothing is written
    assert error_of(known.json())["extensions"]["code"] == "CHILD_NOT_FOUND"
    assert known.json() == unknown.json()
    assert await count(session, Consent) == before


async def test_consent_needs_a_declared_purpose(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    eh = await early_help(session)
    before = await count(session, Consent)

    response = await graphql(
        eh.worker.subject, RECORD_CONSENT, consent_input(eh.child), purpose=None
    )

    assert error_of(response.json())["extensions"]["code"] == "PURPOSE_REQUIRED"
    assert await count(session, Consent) == before


async def test_break_glass_lets_a_worker_record_consent(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    # given a social worker with no relationship, but an open break-glass session for s47
    eh = await early_help(session)
    worker = await make_user(session, await make_agency(session), (Role.SOCIAL_WORKER,))
    await break_glass(session, worker, eh.child)

    response = await graphql(
        worker.subject, RECORD_CONSENT, consent_input(eh.child), purpose="safeguarding.s47"
    )

    assert "errors" not in response.json(), response.json()


async def test_withdrawing_twice_changes_nothing_the_second_time(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    eh = await early_help(session)
    recorded = await graphql(
        eh.worker.subject, RECORD_CONSENT, consent_input(eh.child), purpose="early_help"
    )
    consent_id = recorded.json()["data"]["recordConsent"]["id"]
    rows = await count(session, Consent)

    first = await graphql(
        eh.worker.subject, WITHDRAW_CONSENT, {"input": {"id": consent_id}}, purpose="early_help"
    )
    second = await graphql(
        eh.worker.subject, WITHDRAW_CONSENT, {"input": {"id": consent_id}}, purpose="early_help"
    )

    assert "errors" not in first.json(), first.json()
    assert first.json()["data"]["withdrawConsent"]["withdrawnAt"] is not None
    assert second.json() == first.json()
    assert await count(session, Consent) == rows  # kept, never deleted


async def test_someone_unrelated_cannot_withdraw(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    # given consent recorded by the council for a child an unrelated school does not know
    eh = await early_help(session)
    recorded = await graphql(
        eh.worker.subject, RECORD_CONSENT, consent_input(eh.child), purpose="early_help"
    )
    consent_id = recorded.json()["data"]["recordConsent"]["id"]
    stranger = await make_user(
        session, await make_agency(session, AgencyKind.SCHOOL), (Role.DESIGNATED_SAFEGUARDING_LEAD,)
    )

    # when the stranger tries to withdraw it, and to withdraw a consent that does not exist
    theirs = await graphql(
        stranger.subject, WITHDRAW_CONSENT, {"input": {"id": consent_id}}, purpose="early_help"
    )
    missing = await graphql(
        stranger.subject,
        WITHDRAW_CONSENT,
        {"input": {"id": str(uuid.uuid4())}},
        purpose="early_help",
    )

    # then both are CONSENT_NOT_FOUND, told alike, and the consent stays in force
    assert error_of(theirs.json())["extensions"] == {"code": "CONSENT_NOT_FOUND", "field": "id"}
    assert error_of(theirs.json())["message"] == error_of(missing.json())["message"]
    assert error_of(missing.json())["extensions"]["code"] == "CONSENT_NOT_FOUND"
    stored = await session.get(Consent, uuid.UUID(consent_id))
    assert stored is not None
    await session.refresh(stored)
    assert stored.withdrawn_at is None


async def cp_plan_shared_with_police(
    session: AsyncSession,
) -> tuple[User, User, Child, Record]:
    """A child with a council CP plan, known to the police through an incident."""
    council = await make_agency(session)
    police = await make_agency(session, AgencyKind.POLICE)
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))
    officer = await make_user(session, police, (Role.POLICE_PUBLIC_PROTECTION,))
    child = await make_child(session)
    await relate(session, child, council)
    await relate(session, child, police, RelationshipKind.INCIDENT)
    plan = await make_record(session, child, council)
    return worker, officer, child, plan


async def test_decision_not_to_share_hides_the_record_from_partners_only(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    # given a CP plan the police officer sees for a s47 enquiry
    worker, officer, child, plan = await cp_plan_shared_with_police(session)
    s47 = "safeguarding.s47"
    before = await view(graphql, officer, child, s47)

    # when the council records a decision not to share its CP plan
    response = await graphql(
        worker.subject, NOT_TO_SHARE, not_to_share_input(child, justification=f"  {JUSTIFICATION} ")
    )

    # then the decision is kept as data, in the worker's own words
    body = response.json()
    assert "errors" not in body, body
    decided = body["data"]["recordDecisionNotToShare"]
    assert decided["category"] == "COUNCIL_CHILD_PROTECTION_PLAN"
    assert decided["reason"] == "MORE_DETRIMENTAL_TO_CHILD"
    assert decided["justification"] == JUSTIFICATION
    stored = await session.get(SharingDecision, uuid.UUID(decided["id"]))
    assert stored is not None
    assert (stored.decided_by, stored.child_id) == (worker.id, child.id)
    # and the officer no longer sees the plan (nor is told why), while the council still does
    police_view = await view(graphql, officer, child, s47)
    council_view = await view(graphql, worker, child, s47)
    assert str(plan.id) in record_ids(before)
    assert str(plan.id) not in record_ids(police_view)
    assert police_view["redactions"] == []
    assert str(plan.id) in record_ids(council_view)


async def test_a_school_may_not_decide_for_a_police_category(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    school = await make_agency(session, AgencyKind.SCHOOL)
    dsl = await make_user(session, school, (Role.DESIGNATED_SAFEGUARDING_LEAD,))
    child = await make_child(session)
    await relate(session, child, school, RelationshipKind.ENROLMENT)
    before = await count(session, SharingDecision)

    response = await graphql(
        dsl.subject,
        NOT_TO_SHARE,
        not_to_share_input(child, category="POLICE_MISSING_EPISODE"),
        purpose="education.welfare",
    )

    assert error_of(response.json())["extensions"] == {"code": "FORBIDDEN", "field": "category"}
    assert await count(session, SharingDecision) == before


async def test_a_short_justification_is_refused_without_echo(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    worker, _, child, _ = await cp_plan_shared_with_police(session)
    before = await count(session, SharingDecision)
    short = "   Too risky now.      "

    response = await graphql(
        worker.subject, NOT_TO_SHARE, not_to_share_input(child, justification=short)
    )

    error = error_of(response.json())
    assert error["extensions"] == {"code": "JUSTIFICATION_REQUIRED", "field": "justification"}
    assert "Too risky" not in response.text
    assert await count(session, SharingDecision) == before


@pytest.fixture
def trails(monkeypatch: pytest.MonkeyPatch) -> list[audit.trail.AuditTrail]:
    """Every request's audit trail, in order."""
    seen: list[audit.trail.AuditTrail] = []
    original = audit.trail.AuditTrail.__init__

    def spy(self: audit.trail.AuditTrail, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        seen.append(self)

    monkeypatch.setattr(audit.trail.AuditTrail, "__init__", spy)
    return seen


async def test_each_mutation_records_its_decisions(
    session: AsyncSession, graphql: GraphQLCall, trails: list[audit.trail.AuditTrail]
) -> None:
    # given the council's early help worker and a stranger to the child
    eh = await early_help(session)
    stranger = await make_user(
        session, await make_agency(session, AgencyKind.SCHOOL), (Role.DESIGNATED_SAFEGUARDING_LEAD,)
    )
    cp_worker = await make_user(session, eh.council, (Role.SOCIAL_WORKER,))

    # when each mutation runs once, and a stranger tries to withdraw
    recorded = await graphql(
        eh.worker.subject, RECORD_CONSENT, consent_input(eh.child), purpose="early_help"
    )
    consent_id = recorded.json()["data"]["recordConsent"]["id"]
    await graphql(
        stranger.subject, WITHDRAW_CONSENT, {"input": {"id": consent_id}}, purpose="early_help"
    )
    await graphql(
        eh.worker.subject, WITHDRAW_CONSENT, {"input": {"id": consent_id}}, purpose="early_help"
    )
    await graphql(cp_worker.subject, NOT_TO_SHARE, not_to_share_input(eh.child))

    # then each request's trail holds its identity decision about the child, refusal included
    assert [
        [(d.category, d.allowed, d.child_id, d.purpose) for d in trail.decisions]
        for trail in trails
    ] == [
        [(Category.IDENTITY, True, eh.child.id, "early_help")],
        [(Category.IDENTITY, False, eh.child.id, "early_help")],
        [(Category.IDENTITY, True, eh.child.id, "early_help")],
        [(Category.IDENTITY, True, eh.child.id, "safeguarding.s47")],
    ]
